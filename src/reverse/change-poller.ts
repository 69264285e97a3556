import type { ItsmChangeFeed, ItsmTarget, TargetSystem } from '../core/types.js';
import type { Logger } from '../ops/logger.js';
import type { SyncMetrics } from '../ops/metrics.js';
import type { SyncRule } from '../rules/sync-rule.js';
import type { StateStore } from '../state/store.js';
import { watchedFields } from '../sync/ticket-fields.js';
import type { ReverseSync } from './reverse-sync.js';
import type { RunbookStarts } from './runbook-starts.js';

/** One ITSM table that rules with a way back write to: what to query and which fields to read. */
export interface WatchedTable {
  system: TargetSystem;
  table: string;
  /** Correlation prefixes of the rules that write the table. */
  prefixes: string[];
  fields: string[];
}

export interface ChangePollerOptions {
  rules: SyncRule[];
  targets: Partial<Record<TargetSystem, ItsmTarget>>;
  feeds: Partial<Record<TargetSystem, ItsmChangeFeed>>;
  reverse: ReverseSync;
  store: StateStore;
  logger: Logger;
  metrics?: SyncMetrics;
  /** Time between the end of one poll and the start of the next. */
  intervalMs: number;
  /**
   * Interval per ITSM system, where it differs from `intervalMs`; 0 leaves the system out of the
   * scheduled polls (manual polls still read it). A system is polled when its interval has passed.
   */
  intervalBySystem?: Partial<Record<TargetSystem, number>>;
  /**
   * How far before its cursor each poll starts reading. It covers changes committed after a later
   * one was read and clock differences; what it reads twice is recognised by version and skipped.
   */
  overlapMs: number;
  /** Overlap per ITSM system, where it differs from `overlapMs` (Jira reads dates by the minute). */
  overlapBySystem?: Partial<Record<TargetSystem, number>>;
  /** ITSM changes that start runbooks, looked for once per poll. */
  runbookStarts?: RunbookStarts;
  /** Start of the very first poll, before now, when no cursor is stored. Default 24 hours. */
  firstPollLookbackMs?: number;
  clock?: () => Date;
}

/** Totals of one poll over every watched table. */
export interface PollStats {
  tables: number;
  /** Records read, overlap included. */
  read: number;
  /** Records handed to the way back (new versions). */
  handled: number;
  failedTables: number;
  /** Ticket changes that AWS refused for good (logged, and passed over). */
  skipped: number;
  /** Runbooks started for ITSM changes. */
  runbooksStarted: number;
}

/**
 * Reads, for every table a rule with a way back writes to, the records that carry one of our
 * correlation prefixes and changed since a cursor, and hands each new version to the way back.
 *
 * The cursor is the latest `sys_updated_on` seen (a time the ITSM system wrote, so this host's
 * clock does not matter), stored per table, so a restarted poller resumes where it stopped. Each
 * poll starts `overlapMs` before it. Records read again carry a version already handled and are
 * skipped, first here and durably by the link store, so the overlap costs no writes.
 */
export class ChangePoller {
  readonly tables: WatchedTable[];
  private readonly clock: () => Date;
  /** sys_id → last version handed on, for the records of the current overlap window. */
  private readonly recent = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  /** When each system was last polled by the timer, in milliseconds. */
  private readonly lastScheduledPoll = new Map<TargetSystem, number>();
  private running: Promise<PollStats> | undefined;
  private stopped = true;

  constructor(private readonly options: ChangePollerOptions) {
    this.clock = options.clock ?? (() => new Date());
    this.tables = watchedTables(options.rules, options.targets);
  }

  /** Poll now, then every `intervalMs` after each poll ends, until `stop`. */
  start(): void {
    if ((this.tables.length === 0 && !this.options.runbookStarts?.active) || !this.stopped) return;
    // An interval of 0 turns polling off (the webhook, or manual polls, bring changes instead).
    if (this.options.intervalMs <= 0) {
      this.options.logger.info('Change poller is off (poll interval 0)');
      return;
    }
    this.stopped = false;
    this.options.logger.info(
      { tables: this.tables.map((table) => `${table.system}:${table.table}`), intervalMs: this.options.intervalMs },
      `Change poller started for ${this.tables.length} table(s)`,
    );
    this.schedule(0);
  }

  /** Stop polling, after the poll in progress ends. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    await this.running?.catch(() => undefined);
  }

  /**
   * Poll every watched table once, or those of `systems`. A table that fails is retried at the next
   * poll.
   */
  async pollOnce(systems?: readonly TargetSystem[]): Promise<PollStats> {
    // One poll at a time: a manual poll during a scheduled one waits for it and polls again.
    while (this.running !== undefined) await this.running.catch(() => undefined);
    const poll = this.pollTables(systems);
    this.running = poll;
    try {
      return await poll;
    } finally {
      this.running = undefined;
    }
  }

  private async pollTables(systems?: readonly TargetSystem[]): Promise<PollStats> {
    const tables = systems === undefined ? this.tables : this.tables.filter((table) => systems.includes(table.system));
    const stats: PollStats = { tables: tables.length, read: 0, handled: 0, failedTables: 0, skipped: 0, runbooksStarted: 0 };

    for (const table of tables) {
      try {
        await this.pollTable(table, stats);
        this.options.metrics?.changePolls.inc({ system: table.system, table: table.table, result: 'ok' });
      } catch (error) {
        stats.failedTables += 1;
        this.options.metrics?.changePolls.inc({ system: table.system, table: table.table, result: 'failed' });
        this.options.logger.error(
          { system: table.system, table: table.table, errorName: (error as Error).name, errorMessage: (error as Error).message },
          `Change poll of ${table.system} table ${table.table} failed; the next poll starts again from the last record handled`,
        );
      }
    }

    // Runbook starts read ServiceNow changes, so they follow ServiceNow's schedule.
    if (this.options.runbookStarts?.active && (systems === undefined || systems.includes('servicenow'))) {
      try {
        stats.runbooksStarted = (await this.options.runbookStarts.pollOnce()).started;
      } catch (error) {
        this.options.logger.error(
          { errorName: (error as Error).name, errorMessage: (error as Error).message },
          'Looking for changes that start runbooks failed; the next poll tries again',
        );
      }
    }
    return stats;
  }

  private async pollTable(table: WatchedTable, stats: PollStats): Promise<void> {
    const feed = this.options.feeds[table.system];
    if (feed === undefined) return;

    const cursorName = `changes:${table.system}:${table.table}`;
    const cursor = await this.options.store.getCursor(cursorName);
    const lookback = this.options.firstPollLookbackMs ?? 24 * 3_600_000;
    const from = cursor === undefined ? this.clock().getTime() - lookback : Date.parse(cursor) - (this.options.overlapBySystem?.[table.system] ?? this.options.overlapMs);
    let latest = cursor;

    try {
      for await (const ticket of feed.listChanged(table.table, table.prefixes, new Date(from), table.fields)) {
        stats.read += 1;

        if (this.recent.get(ticket.ref.id) !== ticket.version) {
          // Records come oldest change first: a failure that retrying can help leaves the cursor
          // before this one, so the next poll tries again. One that retrying cannot help (a
          // finding deleted in AWS, a status AWS rejects) is logged and passed, so it does not
          // hold back every later change of the table.
          try {
            await this.options.reverse.apply(table.system, ticket);
          } catch (error) {
            if ((error as { retryable?: unknown }).retryable !== false) throw error;
            stats.skipped += 1;
            this.options.metrics?.reverseActions.inc({ system: table.system, rule: '', outcome: 'failed' });
            this.options.logger.error(
              { system: table.system, table: table.table, ticket: ticket.ref.number, version: ticket.version, errorName: (error as Error).name, errorMessage: (error as Error).message },
              `Could not apply the change of ${ticket.ref.number} to AWS, and retrying cannot help: ${(error as Error).message}. Its next change will be tried again`,
            );
          }
          this.recent.set(ticket.ref.id, ticket.version);
          stats.handled += 1;
        }
        if (latest === undefined || ticket.updatedAt > latest) latest = ticket.updatedAt;
      }
    } finally {
      if (latest !== undefined && latest !== cursor) await this.options.store.setCursor(cursorName, latest);
      // Keep the memory of handled versions small; the link store remains the durable check.
      if (this.recent.size > 50_000) this.recent.clear();
    }
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      void this.pollOnce(this.dueSystems())
        .catch((error: unknown) => this.options.logger.error({ err: error }, 'Change poll failed'))
        .finally(() => this.schedule(this.options.intervalMs));
    }, delayMs);
    this.timer.unref();
  }

  /** The systems whose own interval has passed since the timer last polled them. */
  private dueSystems(): TargetSystem[] {
    const now = Date.now();
    const systems = [...new Set(this.tables.map((table) => table.system))].filter((system) => {
      const interval = this.options.intervalBySystem?.[system] ?? this.options.intervalMs;
      const last = this.lastScheduledPoll.get(system);
      return interval > 0 && (last === undefined || now - last >= interval);
    });
    for (const system of systems) this.lastScheduledPoll.set(system, now);
    return systems;
  }
}

/**
 * List the tables that rules with a way back write to, one entry per system and table, with the
 * union of the fields their rules read.
 */
export function watchedTables(rules: SyncRule[], targets: Partial<Record<TargetSystem, ItsmTarget>>): WatchedTable[] {
  const tables = new Map<string, WatchedTable>();

  for (const rule of rules) {
    const target = targets[rule.target.system];
    if (rule.reverse === undefined || target === undefined) continue;

    const key = `${rule.target.system}:${rule.target.table}`;
    const entry = tables.get(key) ?? { system: rule.target.system, table: rule.target.table, prefixes: [], fields: [] };
    entry.prefixes = [...new Set([...entry.prefixes, rule.correlation.prefix])];
    entry.fields = [...new Set([...entry.fields, ...(watchedFields(rule, target) ?? [])])];
    tables.set(key, entry);
  }
  return [...tables.values()];
}
