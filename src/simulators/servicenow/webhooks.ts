/**
 * Outbound webhooks, as an admin's async business rule sends them after a record is inserted or
 * updated (see deploy/servicenow/itsm-sync-webhook.business-rule.js). Each delivery is a POST of
 * `{"table","sys_id","sys_mod_count","sys_updated_on","operation"}` with two headers:
 *
 * - `X-ItsmSync-Timestamp`: Unix seconds when the notification was signed;
 * - `X-ItsmSync-Signature`: base64 HMAC-SHA256 of `timestamp + "." + body`, keyed with the secret's
 *   UTF-8 bytes. Base64 is what GlideCertificateEncryption.generateMac returns on an instance.
 *
 * Deliveries are fire and forget: a failure is logged and recorded, and never fails the write.
 */

import { createHmac } from 'node:crypto';

import type { Logger } from 'pino';

import { InvalidSimulatorOptionError } from './errors.js';
import type { StoredRecord } from './record-store.js';

/** One webhook, as the `webhooks` option takes it. */
export interface WebhookOptions {
  /** Receiver URL; it must be on loopback (127.0.0.0/8, ::1 or localhost). */
  url: string;
  /** Shared secret that signs each notification. */
  secret: string;
  /** Tables whose writes are sent. Default: every table. */
  tables?: string[];
  /** Users (user_name) whose writes are not sent, such as the integration user itself. */
  skipUsers?: string[];
}

/** The outcome of one delivery. */
export interface WebhookDelivery {
  url: string;
  table: string;
  sysId: string;
  operation: 'insert' | 'update';
  /** HTTP status of the receiver's response; undefined when no response came. */
  status?: number;
  /** The reason no response came (connection refused, timeout). */
  error?: string;
}

/** Counts and the latest outcomes of webhook deliveries, as `webhookDeliveries()` returns them. */
export interface WebhookDeliveries {
  /** Deliveries started since the simulator started or was last reset. */
  count: number;
  /** Deliveries still waiting for a response. */
  pending: number;
  /** Outcomes of the finished deliveries, oldest first (the last 100 are kept). */
  recent: WebhookDelivery[];
}

const MAX_RECENT = 100;
const DELIVERY_TIMEOUT_MS = 10_000;
/** ServiceNow's outbound REST User-Agent, unless the glide.http.user.agent property changes it. */
const USER_AGENT = 'ServiceNow/1.0';

/** Sends the webhooks of one simulator and keeps track of their outcomes. */
export class WebhookNotifier {
  private readonly webhooks: ReadonlyArray<Required<WebhookOptions>>;
  private readonly inFlight = new Set<Promise<void>>();
  private recent: WebhookDelivery[] = [];
  private count = 0;
  /** Incremented by reset(), so that deliveries started before it are not recorded after it. */
  private generation = 0;

  /** Check every webhook; throws InvalidSimulatorOptionError naming the bad value. */
  constructor(
    webhooks: readonly WebhookOptions[],
    private readonly logger: Logger,
    private readonly clock: () => Date,
    isKnownTable: (table: string) => boolean,
  ) {
    this.webhooks = webhooks.map((webhook, index) => checkWebhook(webhook, index, isKnownTable));
  }

  /**
   * Send the notification of a committed insert or update to every webhook whose tables and
   * skipUsers allow it.
   */
  notify(tableName: string, record: StoredRecord, operation: 'insert' | 'update', username: string): void {
    for (const webhook of this.webhooks) {
      const wantsTable = webhook.tables.length === 0 || webhook.tables.includes(tableName);
      if (!wantsTable || webhook.skipUsers.includes(username)) {
        continue;
      }

      const delivery: WebhookDelivery = { url: webhook.url, table: tableName, sysId: record.sys_id ?? '', operation };
      const body = JSON.stringify({
        table: tableName,
        sys_id: delivery.sysId,
        sys_mod_count: Number(record.sys_mod_count ?? '0'),
        sys_updated_on: record.sys_updated_on ?? '',
        operation,
      });

      this.count += 1;
      const sending = this.send(webhook, body, delivery).finally(() => {
        this.inFlight.delete(sending);
      });
      this.inFlight.add(sending);
    }
  }

  /** Return the counts and the latest outcomes, as copies. */
  deliveries(): WebhookDeliveries {
    return { count: this.count, pending: this.inFlight.size, recent: this.recent.map((delivery) => ({ ...delivery })) };
  }

  /** Wait until every delivery started so far has finished. */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0) {
      await Promise.allSettled([...this.inFlight]);
    }
  }

  /** Forget the counts and outcomes. Deliveries in flight still finish, unrecorded. */
  reset(): void {
    this.count = 0;
    this.recent = [];
    this.generation += 1;
  }

  private async send(webhook: Required<WebhookOptions>, body: string, delivery: WebhookDelivery): Promise<void> {
    const generation = this.generation;
    const timestamp = String(Math.floor(this.clock().getTime() / 1000));
    const signature = createHmac('sha256', webhook.secret).update(`${timestamp}.${body}`).digest('base64');

    try {
      const response = await fetch(webhook.url, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          'User-Agent': USER_AGENT,
          'X-ItsmSync-Timestamp': timestamp,
          'X-ItsmSync-Signature': signature,
        },
        body,
        signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
      });
      await response.arrayBuffer();
      delivery.status = response.status;

      if (!response.ok) {
        this.logger.warn(
          { url: webhook.url, table: delivery.table, sysId: delivery.sysId, status: response.status },
          'ServiceNow simulator webhook was rejected by the receiver',
        );
      }
    } catch (error) {
      delivery.error = describeFetchError(error);
      this.logger.warn(
        { url: webhook.url, table: delivery.table, sysId: delivery.sysId, error: delivery.error },
        'ServiceNow simulator webhook could not be delivered',
      );
    }

    if (generation !== this.generation) {
      return;
    }
    this.recent.push(delivery);
    if (this.recent.length > MAX_RECENT) {
      this.recent.splice(0, this.recent.length - MAX_RECENT);
    }
  }
}

/** Check one webhook option and fill in its defaults. */
function checkWebhook(
  webhook: WebhookOptions,
  index: number,
  isKnownTable: (table: string) => boolean,
): Required<WebhookOptions> {
  const label = `webhooks[${index}]`;

  let url: URL;
  try {
    url = new URL(webhook.url);
  } catch {
    throw new InvalidSimulatorOptionError(
      'webhooks',
      `Invalid ${label}.url ${JSON.stringify(webhook.url)} for the ServiceNow simulator: use an absolute http URL such as "http://127.0.0.1:8080/webhooks/servicenow".`,
    );
  }

  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InvalidSimulatorOptionError(
      'webhooks',
      `Invalid ${label}.url ${JSON.stringify(webhook.url)} for the ServiceNow simulator: only http and https URLs are supported.`,
    );
  }

  if (!isLoopbackHost(url.hostname)) {
    throw new InvalidSimulatorOptionError(
      'webhooks',
      `Rejected ${label}.url ${JSON.stringify(webhook.url)}: the ServiceNow simulator only sends webhooks to loopback ` +
        '(127.0.0.1, ::1 or localhost). Run the receiver locally.',
    );
  }

  if (typeof webhook.secret !== 'string' || webhook.secret === '') {
    throw new InvalidSimulatorOptionError('webhooks', `Missing ${label}.secret for the ServiceNow simulator: give the shared signing secret.`);
  }

  const tables = webhook.tables ?? [];
  for (const table of tables) {
    if (!isKnownTable(table)) {
      throw new InvalidSimulatorOptionError(
        'webhooks',
        `Unknown table ${JSON.stringify(table)} in ${label}.tables: the ServiceNow simulator does not serve it. Add custom tables with the tables option.`,
      );
    }
  }

  return { url: webhook.url, secret: webhook.secret, tables: [...tables], skipUsers: [...(webhook.skipUsers ?? [])] };
}

function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

/**
 * Describe a fetch failure. fetch puts the reason (ECONNREFUSED, a timeout) in `cause` and only
 * "fetch failed" in the message.
 */
function describeFetchError(error: unknown): string {
  const message = (error as Error).message;
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  const reason = cause?.code ?? cause?.message;
  return reason === undefined ? message : `${message}: ${reason}`;
}
