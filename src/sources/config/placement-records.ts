/**
 * Builds the records of the account and the Region that a configuration item's resource lives in,
 * so that the CMDB contains a CI for each and can relate every resource to them. AWS Config records
 * no item for either, so these records are derived from the ids in the resource's item alone.
 */
import type { SourceRecord } from '../../core/types.js';
import { configurationItemIdentity, consoleHost, partitionConsoleDomain, regionPartition } from './configuration-item-record.js';
import type { ConfigurationItemView } from './configuration-item-view.js';
import { ACCOUNT_RESOURCE_TYPE, containedInAccount, GLOBAL_REGION, REGION_RESOURCE_TYPE } from './placement-relationships.js';

export {
  ACCOUNT_RESOURCE_TYPE,
  CONTAINED_IN_ACCOUNT,
  isPlacementResourceType,
  LOCATED_IN_REGION,
  OWNED_BY_ACCOUNT,
  PLACEMENT_RELATIONSHIP_NAMES,
  REGION_RESOURCE_TYPE,
} from './placement-relationships.js';

/** The account and Region of a resource, for which placement records are built. */
export interface Placement {
  /** The 12-digit account id. */
  account: string;
  /** The Region name, such as `us-east-1`, or `global` for a resource of no Region. */
  region: string;
  /**
   * The AWS partition (`aws`, `aws-cn`, `aws-us-gov`). Default: the partition of `region`, or `aws`
   * for `global`.
   */
  partition?: string;
  /** ISO-8601 time the placement was seen: the capture time of the item it comes from. */
  seenAt: string;
}

/**
 * Builds the records of the account and, unless the item is global, the Region that a
 * configuration item's resource lives in, in that order, so the account CI exists when the Region
 * CI is related to it. Call it for items of resources that exist only: the item of a deleted
 * resource is no sign that its account or Region is in use.
 *
 * Their `updatedAt` is undefined: they change only with their ids, so no event can be stale for
 * them, and every event may sync them: a sync that changes nothing makes no ITSM write.
 *
 * @example
 * const records = [...placementRecords(record.view), record];
 * records.map((each) => each.identity);
 * // ['configuration-item|111122223333|global|AWS::::Account|111122223333',
 * //  'configuration-item|111122223333|us-east-1|AWS::::Region|us-east-1', …]
 */
export function placementRecords(view: ConfigurationItemView): SourceRecord<ConfigurationItemView>[] {
  // A global item names no Region, so its partition comes from its ARN when it has one.
  const partition = view.region === GLOBAL_REGION ? partitionOfArn(view.arn) : undefined;
  return placementRecordsAt({ account: view.account, region: view.region, partition, seenAt: view.captureTime });
}

/**
 * Builds the records of an account and, unless `region` is `global`, of its Region, as
 * {@link placementRecords} does, for a place known without an item (the account and Region a
 * reconcile pass reads).
 */
export function placementRecordsAt(placement: Placement): SourceRecord<ConfigurationItemView>[] {
  const partition = placement.partition ?? (placement.region === GLOBAL_REGION ? 'aws' : regionPartition(placement.region));
  const records = [accountRecord(placement.account, partition, placement.seenAt)];
  if (placement.region !== GLOBAL_REGION) {
    records.push(regionRecord(placement.account, placement.region, partition, placement.seenAt));
  }
  return records;
}

/** Builds the record of an account, whose identity has the Region `global`. */
function accountRecord(account: string, partition: string, seenAt: string): SourceRecord<ConfigurationItemView> {
  const view = placementView({
    resourceType: ACCOUNT_RESOURCE_TYPE,
    resourceId: account,
    account,
    region: GLOBAL_REGION,
    seenAt,
    configuration: { accountId: account },
    // The account settings page of the partition's console, for a user signed in to the account.
    consoleUrl: `https://${partitionConsoleDomain(partition)}/billing/home#/account`,
  });
  return placementRecord(view, `${ACCOUNT_RESOURCE_TYPE} ${account}`);
}

/** Builds the record of one Region of an account, related to the account. */
function regionRecord(account: string, region: string, partition: string, seenAt: string): SourceRecord<ConfigurationItemView> {
  const view = placementView({
    resourceType: REGION_RESOURCE_TYPE,
    resourceId: region,
    account,
    region,
    seenAt,
    configuration: { regionName: region, partition },
    consoleUrl: `https://${consoleHost(region)}/console/home?region=${encodeURIComponent(region)}`,
  });
  view.relationships = [containedInAccount(account)];
  // The same Region name exists in every account, so the log line names the account too.
  return placementRecord(view, `${REGION_RESOURCE_TYPE} ${region} in ${account}`);
}

interface PlacementViewFields {
  resourceType: string;
  resourceId: string;
  account: string;
  region: string;
  seenAt: string;
  configuration: Record<string, unknown>;
  consoleUrl: string;
}

/** Builds the view of an account or Region: named by its id, present, with no tags and no AWS Config item. */
function placementView(fields: PlacementViewFields): ConfigurationItemView {
  return {
    resourceType: fields.resourceType,
    resourceId: fields.resourceId,
    resourceName: fields.resourceId,
    arn: null,
    account: fields.account,
    region: fields.region,
    availabilityZone: null,
    status: 'OK',
    changeType: null,
    deleted: false,
    captureTime: fields.seenAt,
    resourceCreationTime: null,
    tags: {},
    relationships: [],
    configuration: fields.configuration,
    supplementaryConfiguration: {},
    consoleUrl: fields.consoleUrl,
    raw: {},
  };
}

function placementRecord(view: ConfigurationItemView, displayId: string): SourceRecord<ConfigurationItemView> {
  return {
    kind: 'configuration-item',
    // The format of items that carry all their relationships, so the CMDB relationship sync keeps
    // the Region's relationship to its account in line.
    format: 'config',
    identity: configurationItemIdentity(view.account, view.region, view.resourceType, view.resourceId),
    displayId,
    type: view.resourceType,
    view,
    // AWS Config has no item of an account or Region to read again or write to.
    writebackKey: {},
    // Every item of the account brings the same record, so the engine syncs it now and then only.
    derived: true,
  };
}

/** Returns the partition of an ARN (`arn:aws-cn:…` gives `aws-cn`), or undefined without one. */
function partitionOfArn(arn: string | null): string | undefined {
  const parts = arn?.split(':') ?? [];
  return parts[0] === 'arn' && parts[1] !== undefined && parts[1] !== '' ? parts[1] : undefined;
}
