/**
 * Builds the source record of an AWS Config configuration item, from an event's
 * `configurationItem` (or an oversized notification's `configurationItemSummary`) or from a
 * BatchGetResourceConfig `BaseConfigurationItem`.
 */
import type { BaseConfigurationItem } from '@aws-sdk/client-config-service';

import { isoTime, toJson } from '../../core/aws-values.js';
import type { SourceRecord } from '../../core/types.js';
import type {
  ConfigurationItemChangeType,
  ConfigurationItemRelationship,
  ConfigurationItemStatus,
  ConfigurationItemView,
} from './configuration-item-view.js';
import { ACCOUNT_RESOURCE_TYPE, GLOBAL_REGION, isPlacementResourceType, withPlacementRelationships } from './placement-relationships.js';

/** Values from the event that the configuration item may leave out or that it does not carry. */
export interface ConfigurationItemRecordContext {
  /** The event's account, used when the item has no account id. */
  account: string;
  /**
   * The Region whose AWS Config recorded the item: the event's Region. It differs from the item's
   * `awsRegion` for global resources, whose `awsRegion` is `global`.
   */
  configRegion: string;
  /** The change type of the diff or summary, or null when there is none. */
  changeType: ConfigurationItemChangeType | null;
}

/** A record and the problems found while building it, for the caller to log. */
export interface ConfigurationItemRecordResult {
  record: SourceRecord<ConfigurationItemView>;
  /** Data that could not be read and was left out, such as a `configuration` that is not JSON. */
  problems: string[];
}

/**
 * A configuration item that lacks what a record needs (resource type, resource id, capture time)
 * or has a status this version does not know. Retrying cannot change the item.
 */
export class InvalidConfigurationItemError extends Error {
  override readonly name = 'InvalidConfigurationItemError';

  constructor(readonly reason: string) {
    super(`Invalid configuration item: ${reason}`);
  }
}

/** The `configurationItemStatus` values that this version of itsm-sync accepts. */
export const CONFIGURATION_ITEM_STATUSES: ReadonlySet<ConfigurationItemStatus> = new Set([
  'OK',
  'ResourceDiscovered',
  'ResourceNotRecorded',
  'ResourceDeleted',
  'ResourceDeletedNotRecorded',
]);

/** The `changeType` values of a configuration item diff. */
export const CONFIGURATION_ITEM_CHANGE_TYPES: ReadonlySet<ConfigurationItemChangeType> = new Set(['CREATE', 'UPDATE', 'DELETE']);

/** Statuses of a resource that is gone or whose configuration is no longer recorded. */
const DELETED_STATUSES: ReadonlySet<ConfigurationItemStatus> = new Set(['ResourceDeleted', 'ResourceDeletedNotRecorded', 'ResourceNotRecorded']);

/** The fields of a configuration item that the view reads, the same for events and the API. */
interface ItemFields {
  resourceType: unknown;
  resourceId: unknown;
  resourceName: unknown;
  arn: unknown;
  accountId: unknown;
  awsRegion: unknown;
  availabilityZone: unknown;
  status: unknown;
  captureTime: unknown;
  resourceCreationTime: unknown;
  configuration: unknown;
  supplementaryConfiguration: unknown;
  tags: unknown;
  relationships: unknown;
}

/**
 * Builds the record of a configuration item as an event carries it: `detail.configurationItem` of
 * a `ConfigurationItemChangeNotification`, or `detail.configurationItemSummary` of an oversized
 * notification (which has no configuration, tags or relationships).
 *
 * @throws InvalidConfigurationItemError when the item lacks its resource type, resource id or
 *   capture time, or has an unknown status.
 *
 * @example
 * const detail = event.detail as { configurationItem: unknown; configurationItemDiff?: { changeType?: string } };
 * const { record } = eventItemToRecord(detail.configurationItem, { account: event.account, configRegion: event.region, changeType: 'UPDATE' });
 */
export function eventItemToRecord(item: unknown, context: ConfigurationItemRecordContext): ConfigurationItemRecordResult {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) {
    throw new InvalidConfigurationItemError('the configuration item must be an object');
  }

  const fields = item as Record<string, unknown>;
  return buildRecord(
    {
      resourceType: fields.resourceType,
      resourceId: fields.resourceId,
      resourceName: fields.resourceName,
      arn: fields.ARN ?? fields.arn,
      accountId: fields.awsAccountId ?? fields.accountId,
      awsRegion: fields.awsRegion,
      availabilityZone: fields.availabilityZone,
      status: fields.configurationItemStatus,
      captureTime: fields.configurationItemCaptureTime,
      resourceCreationTime: fields.resourceCreationTime,
      configuration: fields.configuration,
      supplementaryConfiguration: fields.supplementaryConfiguration,
      tags: fields.tags,
      relationships: fields.relationships,
    },
    fields,
    context,
  );
}

/**
 * Builds the record of a configuration item from BatchGetResourceConfig output (as the AWS SDK
 * returns it, with `Date` timestamps and `configuration` as JSON text). That output has no tags and
 * no relationships, so tags come from `configuration.tags` where present and relationships are empty.
 *
 * @throws InvalidConfigurationItemError when the item lacks its resource type, resource id or
 *   capture time, or has an unknown status.
 *
 * @example
 * const { baseConfigurationItems } = await client.send(new BatchGetResourceConfigCommand({ resourceKeys: [key] }));
 * const { record } = apiItemToRecord(baseConfigurationItems![0], { account: event.account, configRegion: event.region, changeType: null });
 */
export function apiItemToRecord(item: BaseConfigurationItem, context: ConfigurationItemRecordContext): ConfigurationItemRecordResult {
  const result = buildRecord(
    {
      resourceType: item.resourceType,
      resourceId: item.resourceId,
      resourceName: item.resourceName,
      arn: item.arn,
      accountId: item.accountId,
      awsRegion: item.awsRegion,
      availabilityZone: item.availabilityZone,
      status: item.configurationItemStatus,
      captureTime: item.configurationItemCaptureTime,
      resourceCreationTime: item.resourceCreationTime,
      configuration: item.configuration,
      supplementaryConfiguration: item.supplementaryConfiguration,
      tags: undefined,
      relationships: undefined,
    },
    toJson(item) as Record<string, unknown>,
    context,
  );
  // The API's item has no relationships (and tags only inside some configurations). A format of
  // its own lets the CMDB relationship sync tell an empty list from a missing one.
  result.record.format = CONFIG_API_FORMAT;
  return result;
}

/**
 * Builds the record of a configuration item from a row of an advanced query
 * (SelectAggregateResourceConfig), which has the configuration as an object, tags as a list of
 * `{ key, value }` and the relationships. `configRegion` stands in for the Region of global
 * resources, whose `awsRegion` is `global`.
 *
 * @throws InvalidConfigurationItemError as eventItemToRecord does.
 */
export function queryRowToRecord(row: Record<string, unknown>, configRegion: string): ConfigurationItemRecordResult {
  const tags = Array.isArray(row.tags)
    ? Object.fromEntries(
        row.tags
          .filter((tag): tag is { key: string; value: unknown } => typeof tag === 'object' && tag !== null && typeof (tag as { key?: unknown }).key === 'string')
          .map((tag) => [tag.key, typeof tag.value === 'string' ? tag.value : '']),
      )
    : row.tags;
  // Advanced queries name a relationship `relationshipName`; events name it `name`.
  const relationships = Array.isArray(row.relationships)
    ? row.relationships.map((entry) => (typeof entry === 'object' && entry !== null && 'relationshipName' in entry ? { ...entry, name: (entry as { relationshipName: unknown }).relationshipName } : entry))
    : row.relationships;
  const region = typeof row.awsRegion === 'string' && row.awsRegion !== 'global' ? row.awsRegion : configRegion;

  return eventItemToRecord({ ...row, tags, relationships }, { account: String(row.accountId ?? ''), configRegion: region, changeType: null });
}

/** The format of records read with BatchGetResourceConfig rather than carried by an event. */
export const CONFIG_API_FORMAT = 'config-api';

/**
 * Builds the identity of a configuration item. Resource ids are unique only within a resource
 * type, account and Region, so all of them are part of it. An account (`AWS::::Account`) belongs to
 * no Region, so its identity always has the Region `global`. A compliance event of an account-level
 * rule names the rule's Region, and must still find the one account CI.
 */
export function configurationItemIdentity(account: string, region: string, resourceType: string, resourceId: string): string {
  const identityRegion = resourceType === ACCOUNT_RESOURCE_TYPE ? GLOBAL_REGION : region;
  return `configuration-item|${account}|${identityRegion}|${resourceType}|${resourceId}`;
}

/**
 * Builds a link that opens a resource's page in the AWS Config console of `configRegion`, the
 * Region whose AWS Config recorded it (for a global resource, not `global`).
 */
export function configurationItemConsoleUrl(configRegion: string, resourceType: string, resourceId: string): string {
  const query = `resourceId=${encodeURIComponent(resourceId)}&resourceType=${encodeURIComponent(resourceType)}`;
  return `https://${consoleHost(configRegion)}/config/home?region=${encodeURIComponent(configRegion)}#/resources/details?${query}`;
}

function buildRecord(fields: ItemFields, raw: Record<string, unknown>, context: ConfigurationItemRecordContext): ConfigurationItemRecordResult {
  const problems: string[] = [];

  // Without these three the item cannot be addressed or ordered, so no record is possible.
  const resourceType = requiredText(fields.resourceType, 'resourceType');
  const resourceId = requiredText(fields.resourceId, 'resourceId');
  const captureTime = isoTime(fields.captureTime);
  if (captureTime === null) {
    throw new InvalidConfigurationItemError(
      `configurationItemCaptureTime ${JSON.stringify(fields.captureTime ?? null)} of ${resourceType} ${resourceId} is not a timestamp`,
    );
  }
  const status = readStatus(fields.status, resourceType, resourceId);

  const account = optionalText(fields.accountId) ?? context.account;
  const region = optionalText(fields.awsRegion) ?? context.configRegion;
  const configuration = readConfiguration(fields.configuration, problems);
  const deleted = DELETED_STATUSES.has(status) || context.changeType === 'DELETE';

  // Every path to a record (events, oversized items, API and aggregator reads) comes here, so the
  // account and Region relationships are added in this one place. A deleted resource gets none,
  // because its retired CI keeps no relationships.
  let relationships = readRelationships(fields.relationships, problems);
  if (!deleted && !isPlacementResourceType(resourceType)) {
    relationships = withPlacementRelationships(relationships, account, region);
  }

  const view: ConfigurationItemView = {
    resourceType,
    resourceId,
    resourceName: optionalText(fields.resourceName) ?? null,
    arn: optionalText(fields.arn) ?? null,
    account,
    region,
    availabilityZone: optionalText(fields.availabilityZone) ?? null,
    status,
    changeType: context.changeType,
    deleted,
    captureTime,
    resourceCreationTime: isoTime(fields.resourceCreationTime),
    tags: fields.tags === undefined ? tagsFromConfiguration(configuration) : readTags(fields.tags, problems),
    relationships,
    configuration,
    supplementaryConfiguration: readSupplementaryConfiguration(fields.supplementaryConfiguration, problems),
    consoleUrl: configurationItemConsoleUrl(context.configRegion, resourceType, resourceId),
    raw,
  };

  const record: SourceRecord<ConfigurationItemView> = {
    kind: 'configuration-item',
    format: 'config',
    identity: configurationItemIdentity(account, region, resourceType, resourceId),
    displayId: `${resourceType} ${resourceId}`,
    type: resourceType,
    // Capture time orders the items of one resource, so an event that arrives after a newer one
    // is dropped as stale.
    updatedAt: captureTime,
    view,
    // AWS Config returns an item only in the Region that recorded it, which for a global
    // resource is not the item's `awsRegion`.
    writebackKey: { account, region: context.configRegion, resourceType, resourceId },
  };
  return { record, problems };
}

function requiredText(value: unknown, name: string): string {
  if (typeof value !== 'string' || value === '') {
    throw new InvalidConfigurationItemError(`${name} is missing; every configuration item names its resource type and id`);
  }
  return value;
}

function optionalText(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function readStatus(value: unknown, resourceType: string, resourceId: string): ConfigurationItemStatus {
  if (typeof value === 'string' && CONFIGURATION_ITEM_STATUSES.has(value as ConfigurationItemStatus)) {
    return value as ConfigurationItemStatus;
  }
  throw new InvalidConfigurationItemError(
    `configurationItemStatus ${JSON.stringify(value ?? null)} of ${resourceType} ${resourceId} is not one of ` +
      `${[...CONFIGURATION_ITEM_STATUSES].join(', ')}; a newer AWS Config status needs a newer itsm-sync`,
  );
}

/** Reads `configuration`: an object in events, JSON text from the API, null for deleted resources. */
function readConfiguration(value: unknown, problems: string[]): Record<string, unknown> | null {
  if (value === undefined || value === null || value === '') {
    return null;
  }

  let parsed = value;
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value);
    } catch {
      problems.push('configuration is text but not JSON, so configuration is null');
      return null;
    }
  }

  if (!isPlainObject(parsed)) {
    // JSON `null` text means there is no configuration, as for a deleted resource.
    if (parsed !== null) {
      problems.push('configuration is not a JSON object, so configuration is null');
    }
    return null;
  }
  return parsed;
}

/** Parses values that are JSON text of an object or list, so events and the API give one shape. */
function readSupplementaryConfiguration(value: unknown, problems: string[]): Record<string, unknown> {
  if (value === undefined || value === null) {
    return {};
  }
  if (!isPlainObject(value)) {
    problems.push('supplementaryConfiguration is not an object, so it is empty');
    return {};
  }

  const entries: Record<string, unknown> = {};
  for (const [name, member] of Object.entries(value)) {
    entries[name] = parseJsonStructure(member);
  }
  return entries;
}

/** Returns the parsed value when `value` is JSON text of an object or list, and `value` otherwise. */
function parseJsonStructure(value: unknown): unknown {
  if (typeof value !== 'string') {
    return value;
  }
  const text = value.trim();
  if (!text.startsWith('{') && !text.startsWith('[')) {
    return value;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return value;
  }
}

/** Reads the item's `tags` map, keeping only text values. */
function readTags(value: unknown, problems: string[]): Record<string, string> {
  if (value === null) {
    return {};
  }
  if (!isPlainObject(value)) {
    problems.push('tags is not an object of name to value, so tags is empty');
    return {};
  }

  const tags: Record<string, string> = {};
  for (const [name, tagValue] of Object.entries(value)) {
    if (typeof tagValue === 'string') {
      tags[name] = tagValue;
    } else {
      problems.push(`tag "${name}" has a value that is not text, so it was left out`);
    }
  }
  return tags;
}

/**
 * Reads tags from `configuration.tags` when it is a list of `{key, value}` (or `{Key, Value}`)
 * entries. NOTE: only some resource types (EC2 instances, IAM roles) carry such a list. For the
 * others, the tags of an oversized item stay empty.
 */
function tagsFromConfiguration(configuration: Record<string, unknown> | null): Record<string, string> {
  const list = configuration?.tags;
  const tags: Record<string, string> = {};
  if (!Array.isArray(list)) {
    return tags;
  }

  for (const entry of list) {
    if (!isPlainObject(entry)) {
      continue;
    }
    const key = entry.key ?? entry.Key;
    const value = entry.value ?? entry.Value;
    if (typeof key === 'string' && key !== '' && typeof value === 'string') {
      tags[key] = value;
    }
  }
  return tags;
}

/** Reads relationships. Events call the relationship `name`, and the Config API calls it `relationshipName`. */
function readRelationships(value: unknown, problems: string[]): ConfigurationItemRelationship[] {
  if (value === undefined || value === null) {
    return [];
  }
  if (!Array.isArray(value)) {
    problems.push('relationships is not a list, so relationships is empty');
    return [];
  }

  const relationships: ConfigurationItemRelationship[] = [];
  for (const entry of value) {
    const relationship = isPlainObject(entry) ? entry : {};
    const resourceType = optionalText(relationship.resourceType);
    const resourceId = optionalText(relationship.resourceId);
    if (resourceType === undefined || resourceId === undefined) {
      problems.push('a relationship without resourceType or resourceId was left out');
      continue;
    }
    relationships.push({
      resourceType,
      resourceId,
      resourceName: optionalText(relationship.resourceName) ?? null,
      name: optionalText(relationship.name) ?? optionalText(relationship.relationshipName) ?? '',
    });
  }
  return relationships;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Returns the console host of a Region's partition: China and GovCloud have their own. */
export function consoleHost(region: string): string {
  return `${region}.${partitionConsoleDomain(regionPartition(region))}`;
}

/**
 * Returns the AWS partition of a Region from its name: `aws-cn` for `cn-…`, `aws-us-gov` for
 * `us-gov-…`, and `aws` for the others. NOTE: the isolated partitions (`us-iso-…` and the like)
 * are read as `aws` too.
 */
export function regionPartition(region: string): string {
  if (region.startsWith('cn-')) {
    return 'aws-cn';
  }
  if (region.startsWith('us-gov-')) {
    return 'aws-us-gov';
  }
  return 'aws';
}

/** Returns the domain of the AWS console of a partition, such as `console.aws.amazon.com`. */
export function partitionConsoleDomain(partition: string): string {
  if (partition === 'aws-cn') {
    return 'console.amazonaws.cn';
  }
  if (partition === 'aws-us-gov') {
    return 'console.amazonaws-us-gov.com';
  }
  return 'console.aws.amazon.com';
}
