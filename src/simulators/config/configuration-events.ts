/**
 * The `Config Configuration Item Change` EventBridge events of the AWS Config simulator. The
 * detail is a `ConfigurationItemChangeNotification` with the new configuration item and a diff
 * against the previous one, or, when the item is too large for an event or a test requests it, an
 * `OversizedConfigurationItemChangeNotification` that carries only a summary and the S3 location of
 * the full item. A consumer then reads the item with BatchGetResourceConfig.
 */
import { randomUUID } from 'node:crypto';

import type { EventBridgeEvent } from '../../core/types.js';
import type { ItemLocation, SimulatedConfigurationItem } from './configuration-items.js';

/** `changeType` of a configuration item diff and of each changed property. */
export type ChangeType = 'CREATE' | 'UPDATE' | 'DELETE';

/** One entry of `configurationItemDiff.changedProperties`. */
export interface ChangedProperty {
  previousValue: unknown;
  updatedValue: unknown;
  changeType: ChangeType;
}

// EventBridge rejects events above 256 KB, so AWS Config sends the oversized form then.
const MAX_EVENT_BYTES = 256 * 1024;

/**
 * Builds the event for a recorded change. `previous` is absent for a new resource. The event is
 * the oversized notification when `oversized` is true or the full event would exceed 256 KB.
 */
export function configurationItemChangeEvent(
  previous: SimulatedConfigurationItem | undefined,
  current: SimulatedConfigurationItem,
  location: ItemLocation,
  options: { oversized?: boolean; now: Date },
): EventBridgeEvent {
  const changeType = changeTypeOf(previous, current);
  const envelope = {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Config Configuration Item Change',
    source: 'aws.config',
    account: current.accountId,
    // The envelope time has whole seconds, as EventBridge writes it.
    time: new Date(Math.floor(options.now.getTime() / 1000) * 1000).toISOString().replace('.000Z', 'Z'),
    region: location.region,
    resources: current.arn === undefined ? [] : [current.arn],
  };

  if (options.oversized !== true) {
    const event: EventBridgeEvent = {
      ...envelope,
      detail: {
        recordVersion: '1.3',
        messageType: 'ConfigurationItemChangeNotification',
        configurationItemDiff: { changedProperties: changedProperties(previous, current), changeType },
        notificationCreationTime: options.now.toISOString(),
        configurationItem: eventConfigurationItem(current),
      },
    };
    if (Buffer.byteLength(JSON.stringify(event), 'utf8') <= MAX_EVENT_BYTES) {
      return event;
    }
  }

  return {
    ...envelope,
    detail: {
      configurationItemSummary: { changeType, ...itemSummary(current) },
      s3DeliverySummary: { s3BucketLocation: s3DeliveryLocation(current, location), errorCode: null, errorMessage: null },
      notificationCreationTime: options.now.toISOString(),
      messageType: 'OversizedConfigurationItemChangeNotification',
      recordVersion: '1.0',
    },
  };
}

/**
 * Compares two items the way AWS Config's `changedProperties` reports them: dotted paths with
 * capitalized names (`Configuration.InstanceType`, `SupplementaryConfiguration.BucketPolicy`) and
 * array indexes (`Relationships.1`). Configuration is compared property by property,
 * supplementary configuration key by key. A new resource lists its whole configuration as CREATE; a
 * deleted one lists it as DELETE.
 */
export function changedProperties(previous: SimulatedConfigurationItem | undefined, current: SimulatedConfigurationItem): Record<string, ChangedProperty> {
  const changes: Record<string, ChangedProperty> = {};
  const before = previous?.configurationItemStatus === 'ResourceDeleted' ? undefined : previous;

  if (current.configuration === null || before === undefined) {
    // Created or deleted: the configuration appears or disappears as a whole.
    const configurationBefore = before?.configuration ?? null;
    const configurationAfter = current.configuration;
    if (configurationBefore !== null || configurationAfter !== null) {
      changes.Configuration = {
        previousValue: configurationBefore,
        updatedValue: configurationAfter,
        changeType: configurationAfter === null ? 'DELETE' : 'CREATE',
      };
    }
  } else {
    diffValues('Configuration', before.configuration, current.configuration, changes);
    diffTopLevel('SupplementaryConfiguration', before.supplementaryConfiguration, current.supplementaryConfiguration, changes);
  }

  diffArrays('Relationships', (before?.relationships ?? []).map(eventRelationship), current.relationships.map(eventRelationship), changes);
  return changes;
}

function changeTypeOf(previous: SimulatedConfigurationItem | undefined, current: SimulatedConfigurationItem): ChangeType {
  if (current.configurationItemStatus === 'ResourceDeleted') return 'DELETE';
  if (previous === undefined || previous.configurationItemStatus === 'ResourceDeleted') return 'CREATE';
  return 'UPDATE';
}

/** Adds the differences between two values under `path`, descending into objects. */
function diffValues(path: string, before: unknown, after: unknown, changes: Record<string, ChangedProperty>): void {
  if (isEqual(before, after)) {
    return;
  }
  if (isPlainObject(before) && isPlainObject(after)) {
    const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
    for (const key of keys) {
      const childPath = `${path}.${capitalize(key)}`;
      if (!(key in after)) {
        changes[childPath] = { previousValue: before[key], updatedValue: null, changeType: 'DELETE' };
      } else if (!(key in before)) {
        changes[childPath] = { previousValue: null, updatedValue: after[key], changeType: 'CREATE' };
      } else {
        diffValues(childPath, before[key], after[key], changes);
      }
    }
    return;
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    diffArrays(path, before, after, changes);
    return;
  }
  changes[path] = { previousValue: before ?? null, updatedValue: after ?? null, changeType: 'UPDATE' };
}

/**
 * Adds the differences of a supplementary configuration, one entry per changed key with the whole
 * value, as AWS Config reports `SupplementaryConfiguration.PublicAccessBlockConfiguration`.
 */
function diffTopLevel(path: string, before: Record<string, unknown>, after: Record<string, unknown>, changes: Record<string, ChangedProperty>): void {
  // NOTE: AWS Config sometimes reports a nested path here instead (`SupplementaryConfiguration.BucketPolicy.PolicyText`);
  // which keys it descends into is not documented, so the simulator never descends.
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (isEqual(before[key], after[key])) continue;
    const changeType: ChangeType = !(key in before) ? 'CREATE' : !(key in after) ? 'DELETE' : 'UPDATE';
    changes[`${path}.${capitalize(key)}`] = { previousValue: before[key] ?? null, updatedValue: after[key] ?? null, changeType };
  }
}

/**
 * Adds array differences with whole elements compared. The indexes count through the old array and
 * then the new elements. A removed element is a DELETE at its old index. An added one is a CREATE at
 * the old array's length plus its position among the added elements. Swapping the only element thus
 * gives `.0` DELETE and `.1` CREATE, as AWS Config's examples show.
 */
function diffArrays(path: string, before: readonly unknown[], after: readonly unknown[], changes: Record<string, ChangedProperty>): void {
  before.forEach((element, index) => {
    if (!after.some((candidate) => isEqual(candidate, element))) {
      changes[`${path}.${index}`] = { previousValue: element, updatedValue: null, changeType: 'DELETE' };
    }
  });
  const added = after.filter((element) => !before.some((candidate) => isEqual(candidate, element)));
  added.forEach((element, position) => {
    changes[`${path}.${before.length + position}`] = { previousValue: null, updatedValue: element, changeType: 'CREATE' };
  });
}

/** Builds the configuration item of the event detail, with objects instead of JSON strings, ISO times and `name` for relationships. */
function eventConfigurationItem(item: SimulatedConfigurationItem): Record<string, unknown> {
  return {
    relatedEvents: [],
    relationships: item.relationships.map(eventRelationship),
    configuration: item.configuration === null ? null : structuredClone(item.configuration),
    supplementaryConfiguration: structuredClone(item.supplementaryConfiguration),
    tags: { ...item.tags },
    ...itemSummary(item),
  };
}

/** Builds the fields that the full item and the oversized summary share. */
function itemSummary(item: SimulatedConfigurationItem): Record<string, unknown> {
  const deleted = item.configurationItemStatus === 'ResourceDeleted';
  return {
    configurationItemVersion: item.version,
    configurationItemCaptureTime: item.configurationItemCaptureTime.toISOString(),
    // A number in events, a string in the API.
    configurationStateId: Number(item.configurationStateId),
    awsAccountId: item.accountId,
    configurationItemStatus: item.configurationItemStatus,
    resourceType: item.resourceType,
    resourceId: item.resourceId,
    resourceName: item.resourceName ?? null,
    ARN: item.arn ?? null,
    awsRegion: item.awsRegion,
    availabilityZone: deleted ? null : (item.availabilityZone ?? null),
    configurationStateMd5Hash: '',
    resourceCreationTime: deleted || item.resourceCreationTime === undefined ? null : item.resourceCreationTime.toISOString(),
  };
}

function eventRelationship(relationship: SimulatedConfigurationItem['relationships'][number]): Record<string, unknown> {
  return {
    resourceId: relationship.resourceId ?? null,
    resourceName: relationship.resourceName ?? null,
    resourceType: relationship.resourceType,
    name: relationship.relationshipName,
  };
}

/**
 * Returns where AWS Config puts the full item of an oversized notification: `bucket/key`, without
 * `s3://`, in the delivery channel's `OversizedChangeNotification` folder.
 */
function s3DeliveryLocation(item: SimulatedConfigurationItem, location: ItemLocation): string {
  const capture = item.configurationItemCaptureTime;
  const day = `${capture.getUTCFullYear()}/${capture.getUTCMonth() + 1}/${capture.getUTCDate()}`;
  const stamp = capture.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');
  const prefix = `AWSLogs/${item.accountId}/Config/${location.region}/${day}/OversizedChangeNotification/${item.resourceType}/${item.resourceId}`;
  const file = `${item.accountId}_Config_${location.region}_ChangeNotification_${item.resourceType}_${item.resourceId}_${stamp}_${item.configurationStateId}.json.gz`;
  return `config-bucket-${item.accountId}/${prefix}/${file}`;
}

function capitalize(key: string): string {
  return key === '' ? key : key[0]!.toUpperCase() + key.slice(1);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isEqual(left: unknown, right: unknown): boolean {
  if (left === right) return true;
  if (Array.isArray(left) && Array.isArray(right)) {
    return left.length === right.length && left.every((element, index) => isEqual(element, right[index]));
  }
  if (isPlainObject(left) && isPlainObject(right)) {
    const leftKeys = Object.keys(left);
    return leftKeys.length === Object.keys(right).length && leftKeys.every((key) => key in right && isEqual(left[key], right[key]));
  }
  return false;
}
