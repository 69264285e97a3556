import { isDeepStrictEqual } from 'node:util';

import {
  DeleteResourceConfigCommand,
  PutResourceConfigCommand,
  type ConfigServiceClient,
  type PutResourceConfigCommandInput,
} from '@aws-sdk/client-config-service';

import type { CmdbRecord, ItsmTarget, TargetSystem } from '../core/types.js';
import type { Logger } from '../ops/logger.js';
import type { CmdbPublication } from '../rules/publication.js';
import { InventoryReadError, readCurrentItems } from '../sources/config/config-inventory.js';
import { CONFIG_ERROR_CODES } from '../sources/config/configuration-item-source.js';
import { classifyAwsSdkError, describeAwsSdkError } from '../writeback/aws-sdk-errors.js';
import type { ConfigClientProvider } from '../writeback/config-client.js';

/** Counts of one pass of one publication. */
export interface PublicationSummary {
  publication: string;
  resourceType: string;
  /** CMDB records the query listed. */
  read: number;
  /** Resources recorded for the first time (PutResourceConfig). */
  created: number;
  /** Resources whose configuration or name changed (PutResourceConfig). */
  updated: number;
  unchanged: number;
  /** Resources removed (DeleteResourceConfig): their record is retired, gone, or no longer matches. */
  removed: number;
  /** Records that could not be published or removed; the next pass tries again. */
  failed: number;
  seconds: number;
  /** True for a dry run: the counts are what a pass would do, and nothing was written. */
  dryRun: boolean;
  /** The reason the pass stopped early, when it did. Nothing was removed then. */
  stopped?: string;
  /** The resources removed (or, in a dry run, to be removed), with the reason, at most 1,000. */
  removals: Array<{ resourceId: string; reason: string }>;
}

/** Progress of a publication pass, reported every `progressEvery` records. */
export interface PublicationProgress {
  publication: string;
  read: number;
  perSecond: number;
}

/** Options of {@link ConfigPublisher}. */
export interface ConfigPublisherOptions {
  publications: readonly CmdbPublication[];
  /** The ITSM targets, by system; a publication reads its CMDB through `listRecords`. */
  targets: Partial<Record<TargetSystem, ItsmTarget>>;
  configClients: ConfigClientProvider;
  /** The Region and account whose AWS Config records the resources. */
  region: string;
  account: string;
  logger: Logger;
  /** Count what would change without writing to AWS Config. */
  dryRun?: boolean;
  onProgress?: (progress: PublicationProgress) => void;
  /** Records between two progress reports. Default 100. */
  progressEvery?: number;
}

/**
 * The pass cannot go on: AWS Config or the CMDB could not be read completely, or AWS Config refuses
 * every write (no permission, no recorder). Nothing was removed, because a partial read would
 * remove resources that still exist.
 */
export class PublicationStoppedError extends Error {
  override readonly name = 'PublicationStoppedError';

  constructor(
    readonly publication: string,
    /** Why, without the publication's name. */
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`Publication ${publication} stopped: ${reason}`, options);
  }
}

/** The resource as AWS Config records it now. */
interface RecordedResource {
  name?: string;
  configuration: unknown;
}

/** The resource a CMDB record should be, and whether the record is retired. */
export interface DesiredResource {
  name?: string;
  configuration: Record<string, unknown>;
  retired: boolean;
}

/**
 * Evaluate a publication's expressions on one CMDB record: its configuration (properties whose
 * value is missing are left out), its name, and whether it is retired. Throws ExpressionError.
 */
export async function desiredResource(publication: CmdbPublication, record: CmdbRecord): Promise<DesiredResource> {
  const bindings = { rule: publication.name };
  const retired = (await publication.retired.evaluate(record.values, bindings)) === true;

  const configuration: Record<string, unknown> = {};
  for (const property of publication.configuration) {
    const value = await property.evaluate(record.values, bindings);
    if (value !== undefined) configuration[property.name] = value;
  }

  const name = publication.resourceName === undefined ? undefined : await publication.resourceName.evaluate(record.values, bindings);
  return { retired, configuration, name: name === undefined || name === null || name === '' ? undefined : String(name) };
}

/** Build the PutResourceConfig request that records a CMDB record as its custom resource. */
export function putResourceConfigInput(publication: CmdbPublication, recordId: string, desired: DesiredResource): PutResourceConfigCommandInput {
  return {
    ResourceType: publication.to.resourceType,
    SchemaVersionId: publication.to.schemaVersionId,
    ResourceId: recordId,
    ResourceName: desired.name,
    Configuration: JSON.stringify(desired.configuration),
  };
}

// PutResourceConfig takes at most 64 KB of configuration JSON.
const CONFIGURATION_MAX_BYTES = 64 * 1024;
// Writes that may fail in a row, before any succeeded, before the pass stops: a type that is not
// registered, or a schema that no record follows, would otherwise fail every record.
const FAILED_WRITES_BEFORE_STOP = 5;
// At most this many removals are listed in a summary.
const REMOVALS_LISTED = 1000;
// Errors after which every other write of the pass would fail the same way.
const STOPPING_CODES = new Set(['AccessDeniedException', 'InsufficientPermissionsException', 'NoRunningConfigurationRecorderException', 'MaxActiveResourcesExceededException']);

/**
 * Publishes CMDB records to AWS Config as custom resources, one publication (mapping) at a time.
 *
 * A pass first reads what AWS Config records of the publication's type (ListDiscoveredResources,
 * BatchGetResourceConfig). Then it reads each CMDB record the query lists. A retired record's
 * resource is removed, and a new or changed one is written with PutResourceConfig. An unchanged
 * one costs no call, because AWS Config records (and bills) a configuration item for every write.
 * Last, the resources whose record the pass did not list are removed, each after a direct read
 * confirms that the record is gone or no longer matches. Offset paging can skip a record when
 * another is deleted meanwhile. AWS Config itself holds the state, so a lost state store or a
 * second task changes nothing.
 */
export class ConfigPublisher {
  /** Writes that succeeded in the current pass, and writes that failed since the last success. */
  private writesInPass = 0;
  private failedWritesInRow = 0;

  constructor(private readonly options: ConfigPublisherOptions) {}

  /** Run one pass of every publication. A publication that stops does not stop the others. */
  async run(): Promise<PublicationSummary[]> {
    const summaries: PublicationSummary[] = [];
    for (const publication of this.options.publications) {
      summaries.push(await this.publish(publication));
    }
    return summaries;
  }

  /** Run one pass of one publication. */
  async publish(publication: CmdbPublication): Promise<PublicationSummary> {
    const started = Date.now();
    const summary: PublicationSummary = {
      publication: publication.name,
      resourceType: publication.to.resourceType,
      read: 0,
      created: 0,
      updated: 0,
      unchanged: 0,
      removed: 0,
      failed: 0,
      seconds: 0,
      dryRun: this.options.dryRun === true,
      removals: [],
    };
    this.writesInPass = 0;
    this.failedWritesInRow = 0;

    try {
      await this.pass(publication, summary, started);
    } catch (error) {
      if (!(error instanceof PublicationStoppedError)) throw error;
      summary.stopped = error.reason;
      this.options.logger.error({ publication: publication.name, errorName: error.name }, error.message);
    }
    summary.seconds = (Date.now() - started) / 1000;
    return summary;
  }

  private async pass(publication: CmdbPublication, summary: PublicationSummary, started: number): Promise<void> {
    const target = this.options.targets[publication.from.system];
    if (target?.listRecords === undefined) {
      throw new PublicationStoppedError(publication.name, `its CMDB is in ${publication.from.system}, which this connector is not configured for`);
    }
    const client = this.options.configClients(this.options.region, this.options.account);
    const progressEvery = this.options.progressEvery ?? 100;

    // 1. What AWS Config records now. Without all of it, a pass could neither skip unchanged
    // resources nor tell which ones to remove.
    const recorded = await this.readRecorded(client, publication);

    // 2. Every record the query lists: remove the retired ones, write the new and changed ones.
    const listed = new Set<string>();
    try {
      for await (const record of target.listRecords(publication.from.table, publication.from.query, publication.from.fields)) {
        listed.add(record.id);
        summary.read += 1;
        await this.publishRecord(client, publication, record, recorded.get(record.id), summary);

        if (summary.read % progressEvery === 0) {
          this.options.onProgress?.({ publication: publication.name, read: summary.read, perSecond: summary.read / Math.max((Date.now() - started) / 1000, 0.001) });
        }
      }
    } catch (error) {
      if (error instanceof PublicationStoppedError) throw error;
      throw new PublicationStoppedError(publication.name, `reading ${publication.from.table} from ${publication.from.system} failed: ${(error as Error).message}`, { cause: error });
    }

    // 3. Resources whose record the query no longer lists, once a direct read confirms it.
    for (const resourceId of recorded.keys()) {
      if (listed.has(resourceId)) continue;
      let listedNow: boolean;
      try {
        listedNow = await stillListed(target, publication, resourceId);
      } catch (error) {
        throw new PublicationStoppedError(publication.name, `confirming that ${publication.from.table} ${resourceId} is gone failed: ${(error as Error).message}`, { cause: error });
      }
      if (listedNow) continue;
      await this.remove(client, publication, resourceId, 'its CMDB record is gone or no longer matches the query', summary);
    }
  }

  /** Publish, remove or leave one record's resource, counting the outcome. */
  private async publishRecord(client: ConfigServiceClient, publication: CmdbPublication, record: CmdbRecord, current: RecordedResource | undefined, summary: PublicationSummary): Promise<void> {
    const ids = { publication: publication.name, table: publication.from.table, recordId: record.id };

    let desired: DesiredResource;
    try {
      desired = await desiredResource(publication, record);
    } catch (error) {
      summary.failed += 1;
      this.options.logger.warn({ ...ids, errorName: (error as Error).name }, `Publication ${publication.name} skipped ${publication.from.table} ${record.id}: ${(error as Error).message}`);
      return;
    }

    if (desired.retired) {
      if (current !== undefined) await this.remove(client, publication, record.id, 'its CMDB record is retired', summary);
      return;
    }
    if (current !== undefined && current.name === desired.name && isDeepStrictEqual(current.configuration, desired.configuration)) {
      summary.unchanged += 1;
      return;
    }

    const size = Buffer.byteLength(JSON.stringify(desired.configuration), 'utf8');
    if (size > CONFIGURATION_MAX_BYTES) {
      summary.failed += 1;
      this.options.logger.warn(ids, `Publication ${publication.name} skipped ${publication.from.table} ${record.id}: its configuration is ${size} bytes, and AWS Config takes at most 64 KB; shorten long properties with maxLength`);
      return;
    }

    if (!this.options.dryRun) {
      try {
        await client.send(new PutResourceConfigCommand(putResourceConfigInput(publication, record.id, desired)));
      } catch (error) {
        this.writeFailed(error, 'PutResourceConfig', publication, record.id, summary);
        return;
      }
    }
    this.writeSucceeded();
    if (current === undefined) summary.created += 1;
    else summary.updated += 1;
  }

  private async remove(client: ConfigServiceClient, publication: CmdbPublication, resourceId: string, reason: string, summary: PublicationSummary): Promise<void> {
    if (!this.options.dryRun) {
      try {
        await client.send(new DeleteResourceConfigCommand({ ResourceType: publication.to.resourceType, ResourceId: resourceId }));
      } catch (error) {
        this.writeFailed(error, 'DeleteResourceConfig', publication, resourceId, summary);
        return;
      }
    }
    if (!this.options.dryRun) this.writeSucceeded();
    summary.removed += 1;
    if (summary.removals.length < REMOVALS_LISTED) summary.removals.push({ resourceId, reason });
    const verb = summary.dryRun ? 'Would remove' : 'Removed';
    this.options.logger.info({ publication: publication.name, resourceType: publication.to.resourceType, resourceId, dryRun: summary.dryRun }, `${verb} ${publication.to.resourceType} ${resourceId} from AWS Config: ${reason}`);
  }

  /** Count a failed write, or stop the pass when every other write would fail the same way. */
  private writeFailed(error: unknown, operation: string, publication: CmdbPublication, resourceId: string, summary: PublicationSummary): void {
    const description = describeAwsSdkError(error);
    const where = `${operation} of ${publication.to.resourceType} ${resourceId} in ${this.options.region}`;
    if (STOPPING_CODES.has(description.errorCode)) {
      throw new PublicationStoppedError(publication.name, `${where} failed: ${description.errorCode}: ${sentence(description.awsMessage)} ${stoppingAdvice(description.errorCode, operation, this.options.region)}`, { cause: error });
    }

    const { advice } = classifyAwsSdkError(description, CONFIG_ERROR_CODES);
    const failure = `${where} failed: ${description.errorCode}: ${sentence(description.awsMessage)} ${advice}`;
    summary.failed += 1;
    this.options.logger.warn({ publication: publication.name, resourceId, errorCode: description.errorCode, requestId: description.requestId }, `${failure} The next pass tries again.`);

    this.failedWritesInRow += 1;
    if (this.writesInPass === 0 && this.failedWritesInRow >= FAILED_WRITES_BEFORE_STOP) {
      throw new PublicationStoppedError(
        publication.name,
        `the first ${FAILED_WRITES_BEFORE_STOP} writes all failed, the last one with ${failure} Check that ${publication.to.resourceType} is registered with schema version ${publication.to.schemaVersionId} in ${this.options.region}.`,
        { cause: error },
      );
    }
  }

  private writeSucceeded(): void {
    this.writesInPass += 1;
    this.failedWritesInRow = 0;
  }

  /** Read the resources of the publication's type that AWS Config records now, by id. */
  private async readRecorded(client: ConfigServiceClient, publication: CmdbPublication): Promise<Map<string, RecordedResource>> {
    const resourceType = publication.to.resourceType;
    const stop = (step: string, error: unknown): PublicationStoppedError =>
      new PublicationStoppedError(publication.name, `${step} of ${resourceType} in ${this.options.region} failed: ${(error as Error).message}`, { cause: error });

    const recorded = new Map<string, RecordedResource>();
    try {
      for await (const items of readCurrentItems(client, resourceType)) {
        for (const item of items) {
          if (item.resourceId !== undefined) recorded.set(item.resourceId, { name: item.resourceName || undefined, configuration: parseConfiguration(item.configuration) });
        }
      }
    } catch (error) {
      if (!(error instanceof InventoryReadError)) throw error;
      throw stop(error.step, error.cause);
    }
    return recorded;
  }
}

/** Add a full stop to the end of the text, unless it ends with one already. */
function sentence(text: string): string {
  return /[.!?]$/.test(text.trim()) ? text.trim() : `${text.trim()}.`;
}

/** Return the advice for an error that stops the pass. */
function stoppingAdvice(code: string, operation: string, region: string): string {
  if (code === 'NoRunningConfigurationRecorderException') return `Start the AWS Config recorder in ${region}; custom resources are recorded only while it runs.`;
  if (code === 'MaxActiveResourcesExceededException') return 'The account has reached the maximum number of custom resources AWS Config allows; remove some, or request a higher quota.';
  return `The task role needs config:${operation} in ${region}, and the type must be registered in the CloudFormation registry of this account and Region.`;
}

/**
 * Parse the configuration that AWS Config returns as JSON text. Text that is not JSON is returned
 * as it is, so it never equals an expected configuration and the resource is written again.
 */
function parseConfiguration(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** Check whether the query still lists the record with this id. */
async function stillListed(target: ItsmTarget, publication: CmdbPublication, recordId: string): Promise<boolean> {
  for await (const record of target.listRecords!(publication.from.table, publication.from.query, [], recordId)) {
    if (record.id === recordId) return true;
  }
  return false;
}
