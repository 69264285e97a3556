import { ResourceType, SelectAggregateResourceConfigCommand, type BaseConfigurationItem } from '@aws-sdk/client-config-service';
import pLimit from 'p-limit';

import type { ItsmTarget, SourceRecord, TargetSystem } from '../core/types.js';
import type { Logger } from '../ops/logger.js';
import type { CiRetirement } from './ci-retirement.js';
import { InventoryReadError, readCurrentItems } from '../sources/config/config-inventory.js';
import { apiItemToRecord, queryRowToRecord } from '../sources/config/configuration-item-record.js';
import type { ConfigurationItemView } from '../sources/config/configuration-item-view.js';
import { isPlacementResourceType, placementRecords, placementRecordsAt } from '../sources/config/placement-records.js';
import type { StateStore } from '../state/store.js';
import type { SyncEngine } from '../sync/engine.js';
import type { ConfigClientProvider } from '../writeback/config-client.js';

/** Progress of a pass, reported as it runs. */
export interface ReconcileProgress {
  resourceType: string;
  /** Items read so far, over every type. */
  read: number;
  perSecond: number;
}

/** The counts of one pass. */
export interface ReconcileSummary {
  resourceTypes: string[];
  /** Resources AWS Config lists, over every mapped type. */
  discovered: number;
  /** Sync outcomes of the discovered resources, such as created, updated, unchanged. */
  outcomes: Record<string, number>;
  /**
   * Accounts and Regions synced as CIs of their own: each one the pass saw a resource in, and in
   * single-account mode the pass's own account and Region.
   */
  placements: number;
  /** Resources, accounts and Regions whose sync failed; they are tried again by the next event or pass. */
  failed: number;
  /** CIs resolved (retired) because AWS Config no longer lists their resource. */
  retired: number;
  seconds: number;
}

/** A read of the inventory failed or came back incomplete: the pass stops before retiring anything. */
export class IncompleteInventoryError extends Error {
  override readonly name = 'IncompleteInventoryError';
  constructor(
    readonly resourceType: string,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(`The AWS Config inventory of ${resourceType} could not be read completely (${reason}); the pass stopped before retiring any CI. Run it again later.`, options);
  }
}

export interface ConfigReconcilerOptions {
  engine: SyncEngine;
  store: StateStore;
  targets: Partial<Record<TargetSystem, ItsmTarget>>;
  configClients: ConfigClientProvider;
  /** The one account and Region this pass reads and may retire CIs of (the aggregator's, with `aggregator`). */
  account: string;
  region: string;
  /**
   * A configuration aggregator to read instead: the inventory of every account and Region it
   * collects, read with SelectAggregateResourceConfig. CIs are then retired in the accounts the
   * pass saw resources of.
   */
  aggregator?: string;
  logger: Logger;
  onProgress?: (progress: ReconcileProgress) => void;
  /** Items between two progress reports. Default 100. */
  progressEvery?: number;
  /** Resolves the tickets on each CI the pass retires, as the CI rule's `closeTickets` declares. */
  retirement?: CiRetirement;
  /**
   * Resources synced at the same time, within one page of the inventory. Default 8. Against an
   * instance that responds in 100 ms, one at a time would take over an hour for 10,000 resources
   * (about four Table API calls each).
   */
  concurrency?: number;
}

const BATCH_SIZE = 100;
const DEFAULT_CONCURRENCY = 8;

/**
 * Brings the CMDB in line with the AWS Config inventory of one account and Region. Every resource
 * of a mapped type is synced as its event would be, which creates missing CIs and updates changed
 * ones. Then the CIs whose resource AWS Config no longer lists are retired.
 *
 * The inventory must be read completely before anything is retired: a failed or partial read
 * (throttling after retries, keys BatchGetResourceConfig leaves unprocessed) stops the pass with
 * {@link IncompleteInventoryError}, because an empty read taken for "nothing there" would retire
 * every CI. Only CIs whose link names this account and Region are retired.
 *
 * The CIs of accounts and Regions (see `placementRecords`) are synced once per pass, before the
 * first resource in them, and never retired: an account or Region without recorded resources
 * still exists.
 */
export class ConfigReconciler {
  constructor(private readonly options: ConfigReconcilerOptions) {}

  async run(): Promise<ReconcileSummary> {
    const started = Date.now();
    const { engine, account, region } = this.options;
    const resourceTypes = await this.mappedResourceTypes();
    const client = this.options.configClients(region, account);
    const summary: ReconcileSummary = { resourceTypes, discovered: 0, outcomes: {}, placements: 0, failed: 0, retired: 0, seconds: 0 };
    const present = new Set<string>();
    const progressEvery = this.options.progressEvery ?? 100;
    const placementsSynced = new Set<string>();
    const limit = pLimit(this.options.concurrency ?? DEFAULT_CONCURRENCY);

    // 1. Read and sync everything AWS Config lists. Reads must succeed; syncs may fail one by one.
    // A pass of one account and Region makes their CIs even when it lists no resource.
    const accounts = new Set<string>(this.options.aggregator === undefined ? [account] : []);
    if (this.options.aggregator === undefined) {
      await this.syncPlacements(placementRecordsAt({ account, region, seenAt: new Date(started).toISOString() }), placementsSynced, summary);
    }
    for (const resourceType of resourceTypes) {
      const pages = this.options.aggregator === undefined ? this.readAccountInventory(client, resourceType) : this.readAggregateInventory(client, this.options.aggregator, resourceType);
      for await (const records of pages) {
        // The accounts and Regions of the page first, so each resource's CI can be related to them.
        for (const record of records) {
          accounts.add(record.identity.split('|')[1] ?? '');
          const correlation = await engine.correlationOf(record);
          if (correlation !== undefined) present.add(correlation);
          const view = record.view as ConfigurationItemView;
          if (!view.deleted) await this.syncPlacements(placementRecords(view), placementsSynced, summary);
        }

        const reportedAt = Math.floor(summary.discovered / progressEvery);
        await Promise.all(records.map((record) => limit(() => this.syncOne(record, summary))));
        summary.discovered += records.length;

        if (Math.floor(summary.discovered / progressEvery) > reportedAt) {
          const seconds = (Date.now() - started) / 1000;
          this.options.onProgress?.({ resourceType, read: summary.discovered, perSecond: summary.discovered / Math.max(seconds, 0.001) });
        }
      }
    }

    // 2. Retire the CIs whose resource is no longer listed: of this account and Region, or with an
    // aggregator, of the accounts the pass saw (an account the aggregator lost is left alone).
    for (const rule of engine.rules.filter((candidate) => candidate.source.kind === 'configuration-item')) {
      const target = this.options.targets[rule.target.system];
      if (target === undefined) continue;

      for await (const linked of target.listLinked(rule.target.table, rule.correlation.prefix, [])) {
        if (present.has(linked.correlation)) continue;
        const link = await this.options.store.getLink(linked.correlation);
        const parts = link?.identity.split('|') ?? [];
        // configuration-item|account|region|type|id; links rebuilt without their identity are left alone.
        const inScope = this.options.aggregator === undefined ? parts[1] === account && (parts[2] === region || parts[2] === 'global') : accounts.has(parts[1] ?? '');
        // AWS Config lists no accounts or Regions, so their absence from the inventory means nothing.
        if (link === undefined || !inScope || isPlacementResourceType(parts[3])) continue;

        const view = { resourceType: parts[3], resourceId: parts.slice(4).join('|'), account, region: parts[2], deleted: true, status: 'ResourceNotRecorded' };
        if (await engine.resolveMissing(linked.correlation, view)) {
          summary.retired += 1;
          await this.options.retirement?.closeTickets(rule, link.ticket ?? linked.ref, view);
        }
      }
    }

    summary.seconds = (Date.now() - started) / 1000;
    return summary;
  }

  /**
   * Return the resource types some configuration item rule handles, found by evaluating each
   * rule's `source.when` for each type AWS Config records. A rule without `when` would mean every
   * type, which a pass cannot list, so it is rejected.
   */
  private async mappedResourceTypes(): Promise<string[]> {
    const rules = this.options.engine.rules.filter((rule) => rule.source.kind === 'configuration-item');
    const unbounded = rules.find((rule) => rule.source.when === undefined);
    if (unbounded !== undefined) {
      throw new Error(`Rule ${unbounded.name} (${unbounded.file}) has no source.when, so it handles every resource type; name its types, such as resourceType = "AWS::EC2::Instance", to reconcile it`);
    }

    const types: string[] = [];
    for (const resourceType of Object.values(ResourceType)) {
      for (const rule of rules) {
        if (await rule.source.when!.evaluate({ resourceType }, { rule: rule.name })) {
          types.push(resourceType);
          break;
        }
      }
    }
    return types;
  }

  /** Read every current item of one type in this account, as records. Throws IncompleteInventoryError. */
  private async *readAccountInventory(client: ReturnType<ConfigClientProvider>, resourceType: string): AsyncIterable<SourceRecord[]> {
    const { account, region } = this.options;
    for await (const items of this.readInventory(client, resourceType)) {
      yield items.map((item) => apiItemToRecord(item, { account, configRegion: region, changeType: null }).record);
    }
  }

  /**
   * Read every current item of one type in every account and Region of the aggregator, a page at a
   * time, with SelectAggregateResourceConfig. Its rows carry tags and relationships, which
   * BatchGetResourceConfig does not. Throws IncompleteInventoryError.
   */
  private async *readAggregateInventory(client: ReturnType<ConfigClientProvider>, aggregator: string, resourceType: string): AsyncIterable<SourceRecord[]> {
    const expression =
      'SELECT accountId, awsRegion, resourceType, resourceId, resourceName, arn, availabilityZone, configurationItemStatus, ' +
      `configurationItemCaptureTime, resourceCreationTime, configuration, supplementaryConfiguration, tags, relationships WHERE resourceType = '${resourceType}'`;
    let nextToken: string | undefined;
    do {
      let page;
      try {
        page = await client.send(new SelectAggregateResourceConfigCommand({ ConfigurationAggregatorName: aggregator, Expression: expression, MaxResults: BATCH_SIZE, NextToken: nextToken }));
      } catch (error) {
        throw new IncompleteInventoryError(resourceType, `SelectAggregateResourceConfig on aggregator ${aggregator} failed: ${(error as Error).message}`, { cause: error });
      }

      const records: SourceRecord[] = [];
      for (const row of page.Results ?? []) {
        try {
          records.push(queryRowToRecord(JSON.parse(row) as Record<string, unknown>, this.options.region).record);
        } catch (error) {
          // A row that cannot be read could be a resource that exists: retiring by this pass would be unsafe.
          throw new IncompleteInventoryError(resourceType, `a row of SelectAggregateResourceConfig could not be read: ${(error as Error).message}`, { cause: error });
        }
      }
      if (records.length > 0) yield records;
      nextToken = page.NextToken;
    } while (nextToken);
  }

  /** Read every current item of one type, a batch at a time. Throws IncompleteInventoryError. */
  private async *readInventory(client: ReturnType<ConfigClientProvider>, resourceType: string): AsyncIterable<BaseConfigurationItem[]> {
    try {
      yield* readCurrentItems(client, resourceType);
    } catch (error) {
      if (!(error instanceof InventoryReadError)) throw error;
      throw new IncompleteInventoryError(resourceType, error.message, { cause: error });
    }
  }

  /** Sync the account and Region records that this pass has not synced yet, in their order. */
  private async syncPlacements(records: SourceRecord[], synced: Set<string>, summary: ReconcileSummary): Promise<void> {
    for (const record of records) {
      if (synced.has(record.identity)) continue;
      synced.add(record.identity);
      summary.placements += 1;
      await this.syncOne(record, summary, { countOutcome: false });
    }
  }

  /** Sync one record; a failure is counted and logged, and the pass goes on. */
  private async syncOne(record: SourceRecord, summary: ReconcileSummary, options: { countOutcome: boolean } = { countOutcome: true }): Promise<void> {
    try {
      const result = await this.options.engine.sync(record);
      if (options.countOutcome) summary.outcomes[result.outcome] = (summary.outcomes[result.outcome] ?? 0) + 1;
    } catch (error) {
      // The engine logged it; the next event or pass tries again.
      summary.failed += 1;
      this.options.logger.warn({ recordId: record.displayId, errorName: (error as Error).name }, `Reconcile could not sync ${record.displayId}; continuing`);
    }
  }
}
