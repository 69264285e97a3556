/**
 * The recorded resources of the AWS Config simulator and the API operations that read and write
 * them: BatchGetResourceConfig, ListDiscoveredResources, GetResourceConfigHistory,
 * PutResourceConfig and DeleteResourceConfig. Each resource keeps its whole history of
 * configuration items; the last one is its current state.
 */
import { Ajv, type ValidateFunction } from 'ajv';

import { pageOf, readPageOffset } from '../paging.js';
import { invalidLimit, invalidNextToken, invalidRequest, invalidTimeRange, resourceNotDiscovered, validationError } from './api-error.js';
import {
  buildConfigurationItem,
  checkCustomResourceType,
  checkResourceTypeMember,
  InvalidConfigurationItemError,
  toBaseConfigurationItem,
  toHistoryConfigurationItem,
  type ConfigurationItemInput,
  type ItemLocation,
  type SimulatedConfigurationItem,
} from './configuration-items.js';

/** A change to one resource: the item before it (absent for a new resource) and the item it recorded. */
export interface RecordedChange {
  previous?: SimulatedConfigurationItem;
  current: SimulatedConfigurationItem;
}

// Limits of the AWS Config API reference.
const BATCH_GET_MAX_KEYS = 100;
const LIST_DISCOVERED_MAX_LIMIT = 100;
const LIST_DISCOVERED_DEFAULT_LIMIT = 100;
const HISTORY_MAX_LIMIT = 100;
const HISTORY_DEFAULT_LIMIT = 10;
const RESOURCE_ID_MAX_LENGTH = 768;
const PUT_CONFIGURATION_MAX_BYTES = 64 * 1024;

/** Stores the configuration item history of every resource, keyed by resource type and id. */
export class ResourceStore {
  private readonly histories = new Map<string, SimulatedConfigurationItem[]>();
  // Schema versions of the custom resource types registered in the CloudFormation registry.
  private readonly customTypes = new Map<string, Set<string>>();
  /** The registered schema of a custom type, by type: PutResourceConfig checks configurations against it. */
  private readonly customSchemas = new Map<string, ValidateFunction>();

  /**
   * @param location - Account and region that seeded items default to.
   * @param batchGetBudget - How many keys one BatchGetResourceConfig call processes; the rest come back as unprocessed.
   */
  constructor(
    private readonly location: ItemLocation,
    private readonly batchGetBudget: number,
  ) {}

  /** Records a configuration item of a resource, new or changed, and returns the change. */
  record(input: ConfigurationItemInput, now: Date): RecordedChange {
    const item = buildConfigurationItem(input, this.location, now);
    return this.append(item);
  }

  /**
   * Records that a resource was deleted: an item with status `ResourceDeleted` and no configuration.
   *
   * @throws InvalidConfigurationItemError when the resource was never recorded or is already deleted.
   */
  delete(resourceType: string, resourceId: string, now: Date): RecordedChange {
    const previous = this.current(resourceType, resourceId);
    if (previous === undefined || previous.configurationItemStatus === 'ResourceDeleted') {
      const state = previous === undefined ? 'was never recorded' : 'is already deleted';
      throw new InvalidConfigurationItemError('resourceId', `Cannot delete ${resourceType} ${resourceId}: the resource ${state}. Record it with recordResource first.`);
    }
    return this.append({
      ...structuredClone(previous),
      configurationItemCaptureTime: now,
      configurationItemStatus: 'ResourceDeleted',
      configurationStateId: String(now.getTime()),
      configuration: null,
      supplementaryConfiguration: {},
      tags: {},
      relationships: [],
    });
  }

  /**
   * Registers schema versions of a custom resource type, as registering it with CloudFormation does.
   * With `schema` (the type's resource schema: `properties`, `required`, `additionalProperties`),
   * PutResourceConfig rejects a configuration that does not follow it, as AWS Config does.
   */
  registerCustomType(resourceType: string, schemaVersionIds: readonly string[], schema?: Record<string, unknown>): void {
    try {
      checkCustomResourceType('resourceType', resourceType);
    } catch (error) {
      throw new InvalidConfigurationItemError('resourceType', (error as Error).message);
    }
    if (!Array.isArray(schemaVersionIds) || schemaVersionIds.length === 0 || schemaVersionIds.some((id) => typeof id !== 'string' || id === '')) {
      throw new InvalidConfigurationItemError('schemaVersionIds', `schemaVersionIds of ${resourceType} must list at least one schema version id, such as '00000001', got ${JSON.stringify(schemaVersionIds)}`);
    }
    const versions = this.customTypes.get(resourceType) ?? new Set<string>();
    for (const id of schemaVersionIds) versions.add(id);
    this.customTypes.set(resourceType, versions);
    if (schema !== undefined) {
      // Resource schemas carry CloudFormation keywords (typeName, primaryIdentifier) that JSON Schema does not know.
      const { typeName: _typeName, primaryIdentifier: _primaryIdentifier, readOnlyProperties: _readOnly, ...jsonSchema } = schema;
      this.customSchemas.set(resourceType, new Ajv({ allErrors: true, strict: false }).compile(jsonSchema));
    }
  }

  /** Returns the latest item of a resource, deleted or not, or undefined when it was never recorded. */
  current(resourceType: string, resourceId: string): SimulatedConfigurationItem | undefined {
    return this.histories.get(keyOf(resourceType, resourceId))?.at(-1);
  }

  /** Returns the history of a resource, oldest first. */
  history(resourceType: string, resourceId: string): SimulatedConfigurationItem[] {
    return [...(this.histories.get(keyOf(resourceType, resourceId)) ?? [])];
  }

  /** Returns the latest item of every resource, in the order the resources were first recorded. */
  currentItems(): SimulatedConfigurationItem[] {
    return [...this.histories.values()].map((history) => history.at(-1)!);
  }

  /** Removes all resources and custom types. */
  clear(): void {
    this.histories.clear();
    this.customTypes.clear();
    this.customSchemas.clear();
  }

  /** BatchGetResourceConfig: the current items of up to 100 resources, leaving out deleted and unknown ones. */
  batchGet(body: Record<string, unknown>): Record<string, unknown> {
    const keys = body.resourceKeys;
    if (!Array.isArray(keys) || keys.length === 0) {
      throw validationError('resourceKeys', keys ?? null, 'Member must have length greater than or equal to 1');
    }
    if (keys.length > BATCH_GET_MAX_KEYS) {
      throw validationError('resourceKeys', `${keys.length} keys`, `Member must have length less than or equal to ${BATCH_GET_MAX_KEYS}`);
    }
    const checked = keys.map((key: unknown, index) => {
      const candidate = (typeof key === 'object' && key !== null ? key : {}) as Record<string, unknown>;
      const resourceType = checkResourceTypeMember(`resourceKeys.${index + 1}.member.resourceType`, candidate.resourceType);
      const resourceId = checkResourceId(`resourceKeys.${index + 1}.member.resourceId`, candidate.resourceId);
      return { resourceType, resourceId };
    });

    // A budget below the number of keys lets tests make the client read the rest in another call.
    const processed = checked.slice(0, this.batchGetBudget);
    const unprocessed = checked.slice(this.batchGetBudget);
    const items = processed
      .map(({ resourceType, resourceId }) => this.current(resourceType, resourceId))
      .filter((item): item is SimulatedConfigurationItem => item !== undefined && item.configurationItemStatus !== 'ResourceDeleted');
    return { baseConfigurationItems: items.map(toBaseConfigurationItem), unprocessedResourceKeys: unprocessed };
  }

  /** ListDiscoveredResources: the identifiers of the resources of one type, a page at a time. */
  listDiscovered(body: Record<string, unknown>): Record<string, unknown> {
    const resourceType = checkResourceTypeMember('resourceType', body.resourceType);
    const limit = readLimit('limit', body.limit, LIST_DISCOVERED_MAX_LIMIT, LIST_DISCOVERED_DEFAULT_LIMIT);
    const offset = readPageOffset(body.nextToken);
    if (offset === undefined) {
      throw invalidNextToken('nextToken', body.nextToken);
    }
    const resourceIds = readResourceIds(body.resourceIds);
    const resourceName = body.resourceName;
    if (resourceName !== undefined && typeof resourceName !== 'string') {
      throw validationError('resourceName', resourceName, 'Member must be a string');
    }
    if (resourceIds !== undefined && resourceName !== undefined) {
      throw invalidRequest('Specify either resourceIds or resourceName, not both, in the same ListDiscoveredResources request.');
    }
    if (body.includeDeletedResources !== undefined && typeof body.includeDeletedResources !== 'boolean') {
      throw validationError('includeDeletedResources', body.includeDeletedResources, 'Member must be a boolean');
    }
    const includeDeleted = body.includeDeletedResources === true;

    const matching = this.currentItems().filter(
      (item) =>
        item.resourceType === resourceType &&
        (includeDeleted || item.configurationItemStatus !== 'ResourceDeleted') &&
        (resourceIds === undefined || resourceIds.includes(item.resourceId)) &&
        (resourceName === undefined || item.resourceName === resourceName),
    );
    const page = pageOf(matching, offset, limit);
    return {
      resourceIdentifiers: page.items.map((item) => ({
        resourceType: item.resourceType,
        resourceId: item.resourceId,
        ...(item.resourceName === undefined ? {} : { resourceName: item.resourceName }),
        ...(item.configurationItemStatus === 'ResourceDeleted' ? { resourceDeletionTime: item.configurationItemCaptureTime.getTime() / 1000 } : {}),
      })),
      ...(page.nextToken === undefined ? {} : { nextToken: page.nextToken }),
    };
  }

  /** GetResourceConfigHistory: the items of one resource in a time range, newest first unless `chronologicalOrder` is Forward. */
  getHistory(body: Record<string, unknown>): Record<string, unknown> {
    const resourceType = checkResourceTypeMember('resourceType', body.resourceType);
    const resourceId = checkResourceId('resourceId', body.resourceId);
    const laterTime = readTime('laterTime', body.laterTime);
    const earlierTime = readTime('earlierTime', body.earlierTime);
    if (laterTime !== undefined && earlierTime !== undefined && earlierTime > laterTime) {
      throw invalidTimeRange(earlierTime, laterTime);
    }
    const order = body.chronologicalOrder ?? 'Reverse';
    if (order !== 'Reverse' && order !== 'Forward') {
      throw validationError('chronologicalOrder', order, 'Member must satisfy enum value set: [Reverse, Forward]');
    }
    const limit = readLimit('limit', body.limit, HISTORY_MAX_LIMIT, HISTORY_DEFAULT_LIMIT);
    const offset = readPageOffset(body.nextToken);
    if (offset === undefined) {
      throw invalidNextToken('nextToken', body.nextToken);
    }

    const history = this.history(resourceType, resourceId);
    if (history.length === 0) {
      throw resourceNotDiscovered(resourceType, resourceId);
    }
    const inRange = history.filter(
      (item) => (laterTime === undefined || item.configurationItemCaptureTime <= laterTime) && (earlierTime === undefined || item.configurationItemCaptureTime >= earlierTime),
    );
    const ordered = order === 'Reverse' ? inRange.reverse() : inRange;
    const page = pageOf(ordered, offset, limit);
    return {
      configurationItems: page.items.map(toHistoryConfigurationItem),
      ...(page.nextToken === undefined ? {} : { nextToken: page.nextToken }),
    };
  }

  /** PutResourceConfig: records a configuration item of a custom resource type registered with a schema version. */
  put(body: Record<string, unknown>, now: Date): RecordedChange {
    const resourceType = checkCustomResourceType('resourceType', body.ResourceType);
    const schemaVersionId = body.SchemaVersionId;
    if (typeof schemaVersionId !== 'string' || schemaVersionId === '') {
      throw validationError('schemaVersionId', schemaVersionId ?? null, 'Member must not be null');
    }
    const versions = this.customTypes.get(resourceType);
    if (versions === undefined) {
      throw invalidRequest(`The resource type ${resourceType} is not registered in the CloudFormation registry. Register it first (in the simulator: registerCustomResourceType).`);
    }
    if (!versions.has(schemaVersionId)) {
      throw invalidRequest(`Schema version ${schemaVersionId} is not registered for ${resourceType}. Registered versions: ${[...versions].join(', ')}.`);
    }
    const resourceId = checkResourceId('resourceId', body.ResourceId);
    if (body.ResourceName !== undefined && typeof body.ResourceName !== 'string') {
      throw validationError('resourceName', body.ResourceName, 'Member must be a string');
    }
    const configuration = body.Configuration;
    if (typeof configuration !== 'string' || configuration === '') {
      throw validationError('configuration', configuration ?? null, 'Member must not be null');
    }
    if (Buffer.byteLength(configuration, 'utf8') > PUT_CONFIGURATION_MAX_BYTES) {
      throw invalidRequest(`Configuration is ${Buffer.byteLength(configuration, 'utf8')} bytes; the configuration JSON of PutResourceConfig must not exceed 64 KB.`);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(configuration);
    } catch {
      throw invalidRequest(`Configuration of ${resourceType} ${resourceId} is not valid JSON. Send the configuration object as a JSON string.`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw invalidRequest(`Configuration of ${resourceType} ${resourceId} must be a JSON object, got ${configuration.slice(0, 80)}`);
    }
    const validate = this.customSchemas.get(resourceType);
    if (validate !== undefined && !validate(parsed)) {
      const problems = (validate.errors ?? []).map((error) => `${error.instancePath || '/'} ${error.message ?? 'is invalid'}`).join('; ');
      throw invalidRequest(`Configuration of ${resourceType} ${resourceId} does not match the registered schema version ${schemaVersionId}: ${problems}.`);
    }
    const tags = body.Tags ?? {};
    if (typeof tags !== 'object' || tags === null || Array.isArray(tags) || Object.values(tags).some((value) => typeof value !== 'string')) {
      throw validationError('tags', tags, 'Member must map tag keys to string values');
    }

    const previous = this.current(resourceType, resourceId);
    return this.record(
      {
        resourceType,
        resourceId,
        ...(typeof body.ResourceName === 'string' ? { resourceName: body.ResourceName } : {}),
        configuration: parsed as Record<string, unknown>,
        tags: tags as Record<string, string>,
        // A custom resource keeps its creation time across updates, as AWS resources do.
        resourceCreationTime: previous?.configurationItemStatus === 'ResourceDeleted' ? now : (previous?.resourceCreationTime ?? now),
      },
      now,
    );
  }

  /** DeleteResourceConfig: records that a custom resource was deleted. */
  deleteCustom(body: Record<string, unknown>, now: Date): RecordedChange {
    const resourceType = checkCustomResourceType('resourceType', body.ResourceType);
    const resourceId = checkResourceId('resourceId', body.ResourceId);
    const current = this.current(resourceType, resourceId);
    // NOTE: the API reference lists only ValidationException and NoRunningConfigurationRecorderException
    // for this operation, so an unknown resource is reported as a ValidationException here.
    if (current === undefined || current.configurationItemStatus === 'ResourceDeleted') {
      throw invalidRequest(`No recorded ${resourceType} resource with id ${resourceId} exists. Record it with PutResourceConfig before deleting it.`);
    }
    return this.delete(resourceType, resourceId, now);
  }

  private append(item: SimulatedConfigurationItem): RecordedChange {
    const key = keyOf(item.resourceType, item.resourceId);
    const history = this.histories.get(key) ?? [];
    const previous = history.at(-1);

    // The state id must grow even when two items share a capture time, as happens with a fixed test clock.
    if (previous !== undefined && Number(item.configurationStateId) <= Number(previous.configurationStateId)) {
      item.configurationStateId = String(Number(previous.configurationStateId) + 1);
    }
    history.push(item);
    this.histories.set(key, history);
    return { ...(previous === undefined ? {} : { previous: structuredClone(previous) }), current: structuredClone(item) };
  }
}

function keyOf(resourceType: string, resourceId: string): string {
  return `${resourceType}|${resourceId}`;
}

function checkResourceId(member: string, value: unknown): string {
  if (typeof value !== 'string' || value === '') {
    throw validationError(member, value ?? null, 'Member must not be null');
  }
  if (value.length > RESOURCE_ID_MAX_LENGTH) {
    throw validationError(member, `${value.slice(0, 40)}…`, `Member must have length less than or equal to ${RESOURCE_ID_MAX_LENGTH}`);
  }
  return value;
}

/** Reads a page size: absent or 0 means `defaultLimit`. */
function readLimit(member: string, value: unknown, maximum: number, defaultLimit: number): number {
  if (value === undefined || value === null) {
    return defaultLimit;
  }
  if (!Number.isInteger(value) || (value as number) < 0) {
    throw validationError(member, value, 'Member must have value greater than or equal to 0');
  }
  if ((value as number) > maximum) {
    throw invalidLimit(member, value, maximum);
  }
  return value === 0 ? defaultLimit : (value as number);
}

function readResourceIds(value: unknown): string[] | undefined {
  if (value === undefined || value === null) {
    return undefined;
  }
  if (!Array.isArray(value) || value.some((id) => typeof id !== 'string' || id === '')) {
    throw validationError('resourceIds', value, 'Member must be a list of resource ids');
  }
  return value as string[];
}

/** Reads a timestamp member, which the AWS JSON protocol sends as epoch seconds. */
function readTime(member: string, value: unknown): Date | undefined {
  if (value === undefined || value === null) {
    return undefined;
  }
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw validationError(member, value, 'Member must be a timestamp in epoch seconds');
  }
  return new Date(value * 1000);
}
