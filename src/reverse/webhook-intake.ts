import pLimit from 'p-limit';

import type { ItsmChangeFeed, TargetSystem } from '../core/types.js';
import type { Logger } from '../ops/logger.js';
import type { WatchedTable } from './change-poller.js';
import type { ReverseSync } from './reverse-sync.js';

/**
 * Turns webhook notifications ("record X of table T changed") into reads of that record and hands
 * them to the way back. The notification is only a trigger: the record is read from the ITSM
 * system, so a forged or stale body cannot write anything the ticket does not contain. Work runs in
 * the background with bounded concurrency; the change poller remains the safety net for a
 * notification lost to a restart.
 */
export class WebhookIntake {
  private readonly limit: ReturnType<typeof pLimit>;
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly options: {
      system: TargetSystem;
      tables: WatchedTable[];
      feed: ItsmChangeFeed;
      reverse: ReverseSync;
      logger: Logger;
      concurrency?: number;
    },
  ) {
    this.limit = pLimit(options.concurrency ?? 4);
  }

  /** Queue the read of one record. Resolves at once; failures are logged. */
  async notify(notification: { table: string; sysId: string }): Promise<void> {
    const table = this.options.tables.find((candidate) => candidate.system === this.options.system && candidate.table === notification.table);
    if (table === undefined) {
      this.options.logger.debug({ table: notification.table }, `Webhook for table ${notification.table}, which no rule with a way back writes; ignored`);
      return;
    }

    const work = this.limit(async () => {
      const ticket = await this.options.feed.getChanged(table.table, notification.sysId, table.fields);
      if (ticket === undefined || !table.prefixes.some((prefix) => ticket.correlation.startsWith(prefix))) return;
      await this.options.reverse.apply(this.options.system, ticket);
    }).catch((error: unknown) => {
      this.options.logger.warn(
        { table: notification.table, sysId: notification.sysId, errorName: (error as Error).name, errorMessage: (error as Error).message },
        'Handling a webhook notification failed; the change poller will pick the change up',
      );
    });

    this.pending.add(work);
    void work.finally(() => this.pending.delete(work));
  }

  /** Wait for the queued reads, for example before shutting down. */
  async drain(): Promise<void> {
    await Promise.all([...this.pending]);
  }
}
