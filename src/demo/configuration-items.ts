/**
 * The demo's CMDB part: AWS Config records a few resources, whose configuration item changes
 * become CMDB objects with references between them and to the objects of their account and
 * Region, then one resource is deleted and its object is retired rather than removed.
 */
import type { SourceRecord, TicketRef } from '../core/types.js';
import { isPlacementResourceType } from '../sources/config/placement-records.js';
import type { SyncOutcome } from '../sync/engine.js';
import type { CmdbItemView } from './demo-target.js';
import { DemoSampleError, type ResourceSample } from './samples.js';
import type { DemoSession } from './session.js';
import { writesBetween, type WriteCounts } from './traffic.js';

/** An AWS resource by type and id, as AWS Config names it. */
export interface ResourceKey {
  resourceType: string;
  resourceId: string;
}

/** The resource whose deletion the demo records: the EC2 instance of the samples, terminated. */
export const DELETED_RESOURCE: ResourceKey = { resourceType: 'AWS::EC2::Instance', resourceId: 'i-0a1b2c3d4e5f60718' };

/** One configuration item change and what the connector made of it. */
export interface ConfigurationItemStep {
  action: 'recorded' | 'deleted';
  resource: ResourceKey;
  /** Outcomes of the syncs of this resource's events during the step. */
  outcomes: SyncOutcome[];
  /** The object the resource is linked to, as it was right after the step. */
  object?: CmdbItemView;
}

/** The object of an account or Region that the resources are in, which the connector derives. */
export interface PlacementObject {
  /** The record's display id, such as `AWS::::Region us-east-1 in 111122223333`. */
  displayId: string;
  object?: CmdbItemView;
}

/** The result of the CMDB part. */
export interface ConfigurationItemsReport {
  steps: ConfigurationItemStep[];
  /** Every sample resource's object at the end, in sample order. */
  objects: Array<{ resource: ResourceKey; object?: CmdbItemView }>;
  /** The objects of the accounts and Regions of the samples at the end, in the order they were made. */
  placements: PlacementObject[];
  /** The CMDB before and after the part, where the target lists its CIs (DemoTarget.configurationItems). */
  inventory?: CmdbInventory;
  writes: WriteCounts;
}

/** Counts of the whole CMDB, which show whether a run made a CI a second time. */
export interface CmdbInventory {
  /** CIs in the CMDB when the part started. */
  before: number;
  /** CIs in the CMDB at the end. */
  after: number;
  /** CIs at the end whose status is retired. */
  retired: number;
  /** `class object_id` of each resource that has more than one CI at the end. */
  duplicates: string[];
}

/** Throws DemoSampleError unless the samples of `resourcesDir` include {@link DELETED_RESOURCE}. */
export function requireDeletedResource(samples: ResourceSample[], resourcesDir: string): void {
  if (!samples.some(({ item }) => sameResource(item, DELETED_RESOURCE))) {
    throw new DemoSampleError(
      resourcesDir,
      `no configuration item is ${DELETED_RESOURCE.resourceType} ${DELETED_RESOURCE.resourceId}, the resource whose deletion the demo records; add a file for it`,
    );
  }
}

/**
 * Records each sample resource in the Config simulator, which sends its Configuration Item Change
 * event to the queue, and waits until the connector has handled it. Then records the deletion of
 * {@link DELETED_RESOURCE}. The target must read CMDB objects (DemoTarget.configurationItem).
 */
export async function runConfigurationItems(session: DemoSession, samples: ResourceSample[]): Promise<ConfigurationItemsReport> {
  const { stack, traffic } = session;
  if (session.target.configurationItem === undefined) {
    throw new TypeError(`The ${session.target.name} demo target cannot read CMDB objects, so the demo cannot show configuration items.`);
  }

  const writesBefore = traffic.writes();
  const ciCountBefore = session.target.configurationItems?.().length;
  session.takeSyncResults();
  const refs = new Map<string, TicketRef>();
  const placementRefs = new Map<string, TicketRef>();
  const steps: ConfigurationItemStep[] = [];

  for (const { item } of samples) {
    stack.config.recordResource(item);
    steps.push(await stepAfter(session, 'recorded', item, refs, placementRefs));
  }
  stack.config.deleteResource(DELETED_RESOURCE.resourceType, DELETED_RESOURCE.resourceId);
  steps.push(await stepAfter(session, 'deleted', DELETED_RESOURCE, refs, placementRefs));

  return {
    steps,
    objects: samples.map(({ item }) => ({ resource: keyOf(item), object: objectOf(session, refs.get(keyText(item))) })),
    placements: [...placementRefs].map(([displayId, ref]) => ({ displayId, object: objectOf(session, ref) })),
    inventory: ciCountBefore === undefined ? undefined : inventoryOf(session, ciCountBefore),
    writes: writesBetween(writesBefore, traffic.writes()),
  };
}

/** Counts the target's CIs at the end of the part and finds resources that have more than one. */
function inventoryOf(session: DemoSession, before: number): CmdbInventory {
  const items = session.target.configurationItems?.() ?? [];
  const perResource = new Map<string, number>();

  // A CI without an object id names no resource, so it cannot be a duplicate of one.
  for (const { className, objectId } of items) {
    if (!objectId) continue;
    const key = `${className ?? ''} ${objectId}`.trim();
    perResource.set(key, (perResource.get(key) ?? 0) + 1);
  }

  return {
    before,
    after: items.length,
    retired: items.filter((item) => item.lifecycle === 'retired').length,
    duplicates: [...perResource].filter(([, count]) => count > 1).map(([key]) => key),
  };
}

/** Waits for the connector to handle the step's event, then reads the resource's object. */
async function stepAfter(
  session: DemoSession,
  action: ConfigurationItemStep['action'],
  resource: ResourceKey,
  refs: Map<string, TicketRef>,
  placementRefs: Map<string, TicketRef>,
): Promise<ConfigurationItemStep> {
  await session.traffic.settle();
  const all = session.takeSyncResults().filter(({ record }) => record.kind === 'configuration-item');

  // Each event also syncs the account and Region the resource is in; their objects are listed apart.
  for (const { record, result } of all) {
    if (isPlacementRecord(record) && result.ticket !== undefined) placementRefs.set(record.displayId, result.ticket);
  }

  // The results of other resources' records are relationship updates; only this resource's count here.
  const results = all.filter(({ record }) => record.displayId === keyText(resource));
  const ticket = results.map(({ result }) => result.ticket).find((candidate) => candidate !== undefined);
  if (ticket !== undefined) refs.set(keyText(resource), ticket);

  return { action, resource: keyOf(resource), outcomes: results.map(({ result }) => result.outcome), object: objectOf(session, refs.get(keyText(resource))) };
}

function objectOf(session: DemoSession, ref: TicketRef | undefined): CmdbItemView | undefined {
  return ref === undefined ? undefined : session.target.configurationItem?.(ref);
}

function isPlacementRecord(record: SourceRecord): boolean {
  return isPlacementResourceType(record.type);
}

function sameResource(left: ResourceKey, right: ResourceKey): boolean {
  return left.resourceType === right.resourceType && left.resourceId === right.resourceId;
}

function keyOf(resource: ResourceKey): ResourceKey {
  return { resourceType: resource.resourceType, resourceId: resource.resourceId };
}

/** Returns the record's display id, `AWS::EC2::Instance i-0a1b2c3d4e5f60718`, as the configuration item source writes it. */
function keyText(resource: ResourceKey): string {
  return `${resource.resourceType} ${resource.resourceId}`;
}
