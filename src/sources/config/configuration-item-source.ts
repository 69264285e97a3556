import { BatchGetResourceConfigCommand, type BaseConfigurationItem, type ConfigServiceClient, type ResourceKey } from '@aws-sdk/client-config-service';
import type { Logger } from 'pino';

import type { EventBridgeEvent, SourceRecord } from '../../core/types.js';
import { classifyAwsSdkError, describeAwsSdkError, type AwsServiceErrorCodes } from '../../writeback/aws-sdk-errors.js';
import type { ConfigClientProvider } from '../../writeback/config-client.js';
import { InvalidEventError, type SourceAdapter } from '../source-adapter.js';
import {
  apiItemToRecord,
  CONFIGURATION_ITEM_CHANGE_TYPES,
  eventItemToRecord,
  InvalidConfigurationItemError,
  type ConfigurationItemRecordResult,
} from './configuration-item-record.js';
import type { ConfigurationItemChangeType, ConfigurationItemView } from './configuration-item-view.js';
import { placementRecords } from './placement-records.js';

/** The `aws.config` detail-type of a configuration item change. */
export const CONFIGURATION_ITEM_CHANGE = 'Config Configuration Item Change';

/** `messageType` of a change notification that carries the whole configuration item. */
export const CHANGE_NOTIFICATION = 'ConfigurationItemChangeNotification';

/**
 * `messageType` of a change notification whose item was too large to send. It carries only a
 * summary, and the item itself is read with BatchGetResourceConfig.
 */
export const OVERSIZED_CHANGE_NOTIFICATION = 'OversizedConfigurationItemChangeNotification';

/** Error codes of {@link ConfigurationItemReadError} that itsm-sync raises itself, not AWS. */
export const CONFIGURATION_ITEM_READ_ERROR_CODES = {
  /** BatchGetResourceConfig returned the resource key as unprocessed. */
  unprocessed: 'UnprocessedResourceKey',
  /** BatchGetResourceConfig returned an item captured before the one the notification announced. */
  olderThanNotification: 'ItemOlderThanNotification',
} as const;

/**
 * Error codes of AWS Config for throttling, server failures and malformed requests: the common
 * errors of AWS JSON APIs, plus ValidationException, which AWS Config raises for an invalid
 * resource key or a configuration that does not follow its type's schema.
 */
export const CONFIG_ERROR_CODES: AwsServiceErrorCodes = {
  service: 'AWS Config',
  throttling: new Set(['ThrottlingException', 'TooManyRequestsException', 'LimitExceededException', 'RequestLimitExceeded']),
  serverError: new Set(['InternalFailure', 'InternalServerError', 'ServiceUnavailable', 'ServiceUnavailableException']),
  invalidInput: new Set(['ValidationException', 'SerializationException', 'InvalidParameterValueException']),
};

const ACCESS_DENIED_CODES = new Set(['AccessDeniedException', 'AccessDenied']);

/** Options of {@link ConfigurationItemSource}. */
export interface ConfigurationItemSourceOptions {
  /**
   * The AWS Config client, or a provider that returns the client for an event's Region and
   * account (see `createConfigClientProvider`). A single client serves only the Region it was
   * created for, and it is called only for oversized notifications.
   */
  client: ConfigServiceClient | ConfigClientProvider;
  logger: Logger;
  /**
   * Custom resource types that publications write to AWS Config from the CMDB. Their items are
   * dropped: syncing them back would make each published record a new CI, a sync loop.
   */
  publishedResourceTypes?: ReadonlySet<string>;
}

/**
 * Reading a configuration item with BatchGetResourceConfig failed: throttling after the SDK's
 * retries, missing permission, a network failure, or the resource key came back unprocessed.
 * The event stays on the queue, and `retryable` is true when a later attempt may succeed.
 */
export class ConfigurationItemReadError extends Error {
  override readonly name = 'ConfigurationItemReadError';

  /** AWS request id, for a support case; absent when AWS sent no response. */
  readonly requestId?: string;

  constructor(
    readonly resourceType: string,
    readonly resourceId: string,
    /** The Region whose AWS Config was called. */
    readonly region: string,
    /**
     * AWS error code such as `ThrottlingException`, a Node network error code, or one of
     * {@link CONFIGURATION_ITEM_READ_ERROR_CODES}.
     */
    readonly errorCode: string,
    readonly retryable: boolean,
    message: string,
    options?: { cause?: unknown; requestId?: string },
  ) {
    super(message, options);
    this.requestId = options?.requestId;
  }
}

/** A BatchGetResourceConfig resource key, with both members present. */
interface ResourceKeyText {
  resourceType: ResourceKey['resourceType'] & string;
  resourceId: string;
}

/** The resource key, change type and account from an oversized notification's summary. */
interface OversizedSummary {
  resourceKey: ResourceKeyText;
  changeType: ConfigurationItemChangeType | null;
  account: string;
  summary: Record<string, unknown>;
}

/**
 * Source adapter for AWS Config configuration items (`aws.config` events `Config Configuration
 * Item Change`).
 *
 * A `ConfigurationItemChangeNotification` carries the whole item, so its record is built from the
 * event. An `OversizedConfigurationItemChangeNotification` carries only a summary, so the adapter
 * reads the current item with BatchGetResourceConfig. That API returns no deleted resources, so a
 * summary of a deleted resource gives a record built from the summary, and an item that is gone by
 * the time it is read gives no record and a warning. Read failures throw
 * {@link ConfigurationItemReadError}, so the message is retried.
 *
 * The record of a resource that exists comes after the records of its account and Region (see
 * `placementRecords`), so the CMDB contains those too and relates the resource to them.
 *
 * @example
 * const source = new ConfigurationItemSource({ client: createConfigClientProvider({ logger }), logger });
 * const records = await source.toRecords(event);
 */
export class ConfigurationItemSource implements SourceAdapter {
  readonly kind = 'configuration-item' as const;
  private readonly clientFor: ConfigClientProvider;
  private readonly logger: Logger;
  private readonly publishedResourceTypes: ReadonlySet<string>;
  /** Published types already logged, so a busy type logs once. */
  private readonly announcedPublished = new Set<string>();

  constructor(options: ConfigurationItemSourceOptions) {
    const client = options.client;
    this.clientFor = typeof client === 'function' ? client : () => client;
    this.logger = options.logger;
    this.publishedResourceTypes = options.publishedResourceTypes ?? new Set();
  }

  handles(event: EventBridgeEvent): boolean {
    return event.source === 'aws.config' && event['detail-type'] === CONFIGURATION_ITEM_CHANGE;
  }

  async toRecords(event: EventBridgeEvent): Promise<SourceRecord<ConfigurationItemView>[]> {
    const detail = readDetail(event);
    const messageType = detail.messageType;

    const resourceType = itemResourceType(detail);
    if (resourceType !== undefined && this.publishedResourceTypes.has(resourceType)) {
      if (!this.announcedPublished.has(resourceType)) {
        this.announcedPublished.add(resourceType);
        this.logger.info({ eventId: event.id, resourceType }, `Skipping ${resourceType} items: a publication writes them from the CMDB, so they are not synced back`);
      }
      return [];
    }

    let result: ConfigurationItemRecordResult | undefined;
    if (messageType === CHANGE_NOTIFICATION) {
      result = this.recordFromEvent(event, detail);
    } else if (messageType === OVERSIZED_CHANGE_NOTIFICATION) {
      result = await this.recordFromOversized(event, detail);
    } else {
      throw new InvalidEventError(
        event.id,
        event['detail-type'],
        `detail.messageType ${JSON.stringify(messageType ?? null)} is not ${CHANGE_NOTIFICATION} or ${OVERSIZED_CHANGE_NOTIFICATION}`,
      );
    }
    if (result === undefined) {
      return [];
    }

    const { record, problems } = result;
    for (const problem of problems) {
      this.logger.warn({ eventId: event.id, identity: record.identity }, `Configuration item ${record.displayId}: ${problem}`);
    }
    if (record.view.deleted) {
      return [record];
    }

    // The account and Region come first, so their CIs exist when the resource's CI is related to them.
    return [...placementRecords(record.view), record];
  }

  /** Builds the record from the item the event carries. */
  private recordFromEvent(event: EventBridgeEvent, detail: Record<string, unknown>): ConfigurationItemRecordResult {
    if (typeof detail.configurationItem !== 'object' || detail.configurationItem === null) {
      throw new InvalidEventError(event.id, event['detail-type'], `detail.configurationItem is missing; a ${CHANGE_NOTIFICATION} must carry the item`);
    }

    // Some deletions arrive with `configurationItemDiff: null`, so a missing diff is no error.
    const diff = detail.configurationItemDiff as { changeType?: unknown } | null | undefined;
    const changeType = readChangeType(event, diff?.changeType, 'detail.configurationItemDiff.changeType');

    return buildOrReject(event, () =>
      eventItemToRecord(detail.configurationItem, { account: event.account, configRegion: event.region, changeType }),
    );
  }

  /**
   * Reads the item that an oversized notification announces; undefined when the resource no longer
   * exists.
   */
  private async recordFromOversized(event: EventBridgeEvent, detail: Record<string, unknown>): Promise<ConfigurationItemRecordResult | undefined> {
    const announced = readOversizedSummary(event, detail);
    const context = { account: event.account, configRegion: event.region, changeType: announced.changeType };
    const announcedRecord = buildOrReject(event, () => eventItemToRecord(announced.summary, context));

    // BatchGetResourceConfig returns no deleted resources, and a deleted item has no
    // configuration to read, so the summary is the whole item.
    if (announcedRecord.record.view.deleted) {
      return announcedRecord;
    }

    const item = await this.readItem(event, announced);
    if (item === undefined) {
      return undefined;
    }

    // The item read may be newer than the notification, and then the change type belongs to
    // another change.
    const announcedTime = announcedRecord.record.updatedAt!;
    const readResult = buildOrReject(event, () => apiItemToRecord(item, { ...context, changeType: null }));
    const readTime = readResult.record.updatedAt!;
    if (readTime < announcedTime) {
      const { resourceType, resourceId } = announced.resourceKey;
      throw new ConfigurationItemReadError(
        resourceType,
        resourceId,
        event.region,
        CONFIGURATION_ITEM_READ_ERROR_CODES.olderThanNotification,
        true,
        `BatchGetResourceConfig returned ${resourceType} ${resourceId} captured at ${readTime}, before the ${announcedTime} item ` +
          `that event ${event.id} announces; AWS Config has not made it readable yet, so the message will be retried`,
      );
    }
    if (readTime === announcedTime) {
      return buildOrReject(event, () => apiItemToRecord(item, context));
    }
    return readResult;
  }

  /** Reads the current item with BatchGetResourceConfig; undefined when AWS Config returns none. */
  private async readItem(event: EventBridgeEvent, announced: OversizedSummary): Promise<BaseConfigurationItem | undefined> {
    const { resourceType, resourceId } = announced.resourceKey;
    const ids = { eventId: event.id, resourceType, resourceId, region: event.region };

    let client: ConfigServiceClient;
    try {
      client = this.clientFor(event.region, announced.account);
    } catch (error) {
      // The provider rejects a Region it cannot serve; no retry can change the event's Region.
      throw new InvalidEventError(event.id, event['detail-type'], `no AWS Config client for region "${event.region}": ${(error as Error).message}`);
    }

    let output;
    try {
      output = await client.send(new BatchGetResourceConfigCommand({ resourceKeys: [announced.resourceKey] }));
    } catch (error) {
      throw readErrorFrom(error, announced.resourceKey, event.region);
    }

    const unprocessed = (output.unprocessedResourceKeys ?? []).some((key) => sameResource(key, announced.resourceKey));
    if (unprocessed) {
      throw new ConfigurationItemReadError(
        resourceType,
        resourceId,
        event.region,
        CONFIGURATION_ITEM_READ_ERROR_CODES.unprocessed,
        true,
        `BatchGetResourceConfig left ${resourceType} ${resourceId} in ${event.region} unprocessed; the message will be retried`,
      );
    }

    const item = (output.baseConfigurationItems ?? []).find((candidate) => sameResource(candidate, announced.resourceKey));
    if (item === undefined) {
      // The API leaves out deleted resources: the resource was deleted after the notification,
      // and the deletion comes as a notification of its own.
      this.logger.warn(ids, `AWS Config returned no configuration item for ${resourceType} ${resourceId} in ${event.region}, so the resource was likely deleted; its oversized notification is skipped`);
      return undefined;
    }
    return item;
  }
}

/** Reads the event's detail object; throws InvalidEventError when it is not an object or the event has no Region. */
function readDetail(event: EventBridgeEvent): Record<string, unknown> {
  const detail = event.detail;
  if (typeof detail !== 'object' || detail === null || Array.isArray(detail)) {
    throw new InvalidEventError(event.id, event['detail-type'], 'detail must be an object with "messageType"');
  }
  if (typeof event.region !== 'string' || event.region === '') {
    throw new InvalidEventError(event.id, event['detail-type'], 'the event has no region, so the Region that recorded the item is unknown');
  }
  return detail as Record<string, unknown>;
}

/** Read the resource type an item or an oversized summary names, before either is read in full. */
function itemResourceType(detail: Record<string, unknown>): string | undefined {
  const item = (detail.configurationItem ?? detail.configurationItemSummary) as { resourceType?: unknown } | null | undefined;
  return typeof item?.resourceType === 'string' ? item.resourceType : undefined;
}

/** Reads the summary of an oversized notification; throws InvalidEventError when it cannot name the resource. */
function readOversizedSummary(event: EventBridgeEvent, detail: Record<string, unknown>): OversizedSummary {
  const summary = detail.configurationItemSummary;
  if (typeof summary !== 'object' || summary === null || Array.isArray(summary)) {
    throw new InvalidEventError(event.id, event['detail-type'], `detail.configurationItemSummary is missing; a ${OVERSIZED_CHANGE_NOTIFICATION} must carry it`);
  }

  const fields = summary as Record<string, unknown>;
  const resourceType = fields.resourceType;
  const resourceId = fields.resourceId;
  if (typeof resourceType !== 'string' || resourceType === '' || typeof resourceId !== 'string' || resourceId === '') {
    throw new InvalidEventError(event.id, event['detail-type'], 'detail.configurationItemSummary must name resourceType and resourceId');
  }

  const account = typeof fields.awsAccountId === 'string' && fields.awsAccountId !== '' ? fields.awsAccountId : event.account;
  return {
    // The SDK types resourceType as its list of known types; AWS Config adds types often, so any text is passed on.
    resourceKey: { resourceType: resourceType as ResourceKeyText['resourceType'], resourceId },
    changeType: readChangeType(event, fields.changeType, 'detail.configurationItemSummary.changeType'),
    account,
    summary: fields,
  };
}

function readChangeType(event: EventBridgeEvent, value: unknown, path: string): ConfigurationItemChangeType | null {
  if (value === undefined || value === null) {
    return null;
  }
  if (typeof value === 'string' && CONFIGURATION_ITEM_CHANGE_TYPES.has(value as ConfigurationItemChangeType)) {
    return value as ConfigurationItemChangeType;
  }
  throw new InvalidEventError(event.id, event['detail-type'], `${path} ${JSON.stringify(value)} is not CREATE, UPDATE or DELETE`);
}

/** Runs a record builder and turns an invalid item into InvalidEventError, because retrying cannot fix it. */
function buildOrReject(event: EventBridgeEvent, build: () => ConfigurationItemRecordResult): ConfigurationItemRecordResult {
  try {
    return build();
  } catch (error) {
    if (error instanceof InvalidConfigurationItemError) {
      throw new InvalidEventError(event.id, event['detail-type'], error.reason);
    }
    throw error;
  }
}

function sameResource(candidate: { resourceType?: string; resourceId?: string }, key: ResourceKeyText): boolean {
  return candidate.resourceType === key.resourceType && candidate.resourceId === key.resourceId;
}

/** Wraps a failed BatchGetResourceConfig call with the resource, the AWS error code and advice. */
function readErrorFrom(error: unknown, key: ResourceKeyText, region: string): ConfigurationItemReadError {
  const description = describeAwsSdkError(error);
  const code = description.errorCode;

  let retryable: boolean;
  let advice: string;
  if (ACCESS_DENIED_CODES.has(code)) {
    retryable = false;
    advice = `The task role needs config:BatchGetResourceConfig in ${region}.`;
  } else if (code === 'NoAvailableConfigurationRecorderException') {
    retryable = false;
    advice = `AWS Config has no configuration recorder in ${region}; set one up, or send this Region's events elsewhere.`;
  } else {
    ({ retryable, advice } = classifyAwsSdkError(description, CONFIG_ERROR_CODES));
  }

  return new ConfigurationItemReadError(
    key.resourceType,
    key.resourceId,
    region,
    code,
    retryable,
    `BatchGetResourceConfig failed for ${key.resourceType} ${key.resourceId} in ${region}: ${code}: ${description.awsMessage}. ${advice}`,
    { cause: error, requestId: description.requestId },
  );
}
