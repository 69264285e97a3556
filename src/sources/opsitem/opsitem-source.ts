import { GetOpsItemCommand, type SSMClient } from '@aws-sdk/client-ssm';
import type { Logger } from 'pino';

import type { EventBridgeEvent, SourceRecord } from '../../core/types.js';
import type { SsmClientProvider } from '../../writeback/ssm-client.js';
import { InvalidEventError, type SourceAdapter } from '../source-adapter.js';
import { opsItemToRecord } from './opsitem-record.js';
import type { OpsItemView } from './opsitem-view.js';

/** Detail-types of the native OpsCenter events. */
const OPSITEM_DETAIL_TYPES = new Set(['OpsItem Create', 'OpsItem Update']);

/** OpsItems of this type are change requests, which the change flow syncs, not this source. */
export const CHANGE_REQUEST_OPSITEM_TYPE = '/aws/changerequest';

const OPSITEM_ID_PATTERN = /^oi-[0-9a-f]{12}$/;

/** Options of {@link OpsItemSource}. */
export interface OpsItemSourceOptions {
  /**
   * The SSM client, or a provider that returns the client for an event's Region and account (see
   * `createSsmClientProvider`). A single client serves only the Region it was created for.
   */
  client: SSMClient | SsmClientProvider;
  logger: Logger;
}

/**
 * Reading an OpsItem with GetOpsItem failed for a reason other than the OpsItem being gone:
 * throttling after the SDK's retries, missing permission, a network failure. The event stays on
 * the queue and is retried.
 */
export class OpsItemReadError extends Error {
  override readonly name = 'OpsItemReadError';

  constructor(
    readonly opsItemId: string,
    readonly region: string,
    /** AWS error code such as `ThrottlingException` or `OpsItemAccessDeniedException`. */
    readonly errorCode: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * Source adapter for OpsCenter OpsItems (`aws.ssm` events `OpsItem Create` and `OpsItem Update`).
 *
 * The event is only a trigger: events arrive late, twice or out of order, so the adapter reads
 * the OpsItem's current state with GetOpsItem and builds the record from that output. Change
 * requests (type `/aws/changerequest`) are left to the change flow and give no record. An OpsItem
 * that no longer exists gives no record and a warning; other read failures throw
 * {@link OpsItemReadError}, so the message is retried.
 *
 * @example
 * const source = new OpsItemSource({ client: createSsmClientProvider({ logger }), logger });
 * const records = await source.toRecords(event);
 */
export class OpsItemSource implements SourceAdapter {
  readonly kind = 'opsitem' as const;
  private readonly clientFor: SsmClientProvider;
  private readonly logger: Logger;

  constructor(options: OpsItemSourceOptions) {
    const client = options.client;
    this.clientFor = typeof client === 'function' ? client : () => client;
    this.logger = options.logger;
  }

  handles(event: EventBridgeEvent): boolean {
    return event.source === 'aws.ssm' && OPSITEM_DETAIL_TYPES.has(event['detail-type']);
  }

  async toRecords(event: EventBridgeEvent): Promise<SourceRecord<OpsItemView>[]> {
    const { opsItemId, opsItemType } = readDetail(event);
    const context = { eventId: event.id, opsItemId, region: event.region };

    // The event names the type, so change requests cost no API call.
    if (opsItemType === CHANGE_REQUEST_OPSITEM_TYPE) {
      this.logger.debug(context, 'Skipping OpsItem event: change requests are synced by the change flow');
      return [];
    }

    const opsItem = await this.readOpsItem(event, opsItemId);
    if (opsItem === undefined) {
      return [];
    }

    // The event may lack the type, so the GetOpsItem output decides.
    if (opsItem.OpsItemType === CHANGE_REQUEST_OPSITEM_TYPE) {
      this.logger.debug(context, 'Skipping OpsItem: GetOpsItem returned type /aws/changerequest, which the change flow syncs');
      return [];
    }

    const { record, problems } = opsItemToRecord(opsItem, { opsItemId, account: event.account, region: event.region });
    for (const problem of problems) {
      this.logger.warn(context, `OpsItem ${opsItemId}: ${problem}`);
    }
    return [record];
  }

  /** Reads the OpsItem; undefined when it no longer exists. */
  private async readOpsItem(event: EventBridgeEvent, opsItemId: string) {
    let client: SSMClient;
    try {
      client = this.clientFor(event.region, event.account);
    } catch (error) {
      // The provider rejects a Region it cannot serve; no retry can change the event's Region.
      throw new InvalidEventError(event.id, event['detail-type'], `no SSM client for region "${event.region}": ${(error as Error).message}`);
    }

    try {
      const output = await client.send(new GetOpsItemCommand({ OpsItemId: opsItemId }));
      if (output.OpsItem === undefined) {
        throw new OpsItemReadError(opsItemId, event.region, 'EmptyResponse', `GetOpsItem returned no OpsItem for ${opsItemId} in ${event.region}; the message will be retried`);
      }
      return output.OpsItem;
    } catch (error) {
      if (error instanceof OpsItemReadError) {
        throw error;
      }
      const code = errorCode(error);
      if (code === 'OpsItemNotFoundException') {
        // Deleted since the event was sent (or the event came from another Region's OpsItem).
        this.logger.warn(
          { eventId: event.id, opsItemId, region: event.region, errorCode: code },
          `OpsItem ${opsItemId} no longer exists in ${event.region}; its "${event['detail-type']}" event is skipped`,
        );
        return undefined;
      }
      throw new OpsItemReadError(
        opsItemId,
        event.region,
        code,
        `GetOpsItem failed for OpsItem ${opsItemId} in ${event.region}: ${code}: ${(error as Error).message ?? String(error)}. ${adviceFor(code)}`,
        { cause: error },
      );
    }
  }
}

/** Reads the detail keys this source needs; throws InvalidEventError when the id is missing or malformed. */
function readDetail(event: EventBridgeEvent): { opsItemId: string; opsItemType: unknown } {
  const detail = event.detail as Record<string, unknown> | null;
  if (typeof detail !== 'object' || detail === null) {
    throw new InvalidEventError(event.id, event['detail-type'], 'detail must be an object with "ops-item-id"');
  }

  const opsItemId = detail['ops-item-id'];
  if (typeof opsItemId !== 'string' || opsItemId === '') {
    throw new InvalidEventError(event.id, event['detail-type'], 'detail["ops-item-id"] is missing; an OpsItem event must name its OpsItem');
  }
  if (!OPSITEM_ID_PATTERN.test(opsItemId)) {
    throw new InvalidEventError(event.id, event['detail-type'], `detail["ops-item-id"] "${opsItemId}" is not an OpsItem id (expected oi- and 12 hexadecimal digits)`);
  }
  if (typeof event.region !== 'string' || event.region === '') {
    throw new InvalidEventError(event.id, event['detail-type'], 'the event has no region, so the OpsItem cannot be read');
  }
  return { opsItemId, opsItemType: detail['ops-item-type'] };
}

function errorCode(error: unknown): string {
  const sdkError = (typeof error === 'object' && error !== null ? error : {}) as { name?: string; code?: string };
  // Network errors from Node are plain Errors whose `code` (ECONNREFUSED, …) is the useful part.
  if ((sdkError.name === undefined || sdkError.name === 'Error') && sdkError.code !== undefined) {
    return sdkError.code;
  }
  return sdkError.name ?? 'Unknown';
}

function adviceFor(code: string): string {
  if (code === 'OpsItemAccessDeniedException' || code === 'AccessDeniedException') {
    return 'The task role needs ssm:GetOpsItem for OpsItems of this account and Region.';
  }
  if (code === 'ThrottlingException') {
    return 'SSM throttled the request after the SDK\'s retries; the message will be retried.';
  }
  return 'The message will be retried.';
}
