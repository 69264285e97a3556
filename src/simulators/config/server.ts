/**
 * An AWS Config API simulator for the Config → CMDB flow. It is a real HTTP server, so tests can
 * drive the real `ConfigServiceClient` over loopback. It handles BatchGetResourceConfig,
 * ListDiscoveredResources, GetResourceConfigHistory, SelectResourceConfig,
 * SelectAggregateResourceConfig, PutResourceConfig and DeleteResourceConfig the way the AWS SDK v3
 * client calls them.
 *
 * AWS Config speaks the AWS JSON 1.1 protocol: every request is `POST /` with the header
 * `X-Amz-Target: StarlingDoveService.<Operation>` and `Content-Type: application/x-amz-json-1.1`.
 * Errors are `{"__type": "<ErrorType>", "message": "…"}` with status 400, throttling included.
 *
 * Every recorded change (seeded with {@link ConfigSimulator.recordResource} and
 * {@link ConfigSimulator.deleteResource}, or written with PutResourceConfig and
 * DeleteResourceConfig) emits the `Config Configuration Item Change` event that AWS Config sends
 * to EventBridge (see {@link ConfigSimulator.onEvent}).
 */
import type { EventBridgeEvent } from '../../core/types.js';
import { EventListeners, readLatencyMs, startAwsJsonServer } from '../aws-http.js';
import { AWS_JSON_1_1_CONTENT_TYPE, AwsJsonEndpoint, readSimulatorLocation, type AwsJsonCall, type AwsJsonService } from '../aws-json-protocol.js';
import { pageOf, readPageOffset } from '../paging.js';
import { ConfigApiError, invalidLimit, invalidNextToken, noSuchAggregator, serializationError, validationError } from './api-error.js';
import { configurationItemChangeEvent } from './configuration-events.js';
import type { ConfigurationItemInput, ItemLocation, SimulatedConfigurationItem } from './configuration-items.js';
import { ResourceStore, type RecordedChange } from './resource-store.js';
import { parseSelectExpression, runSelectQuery } from './select-expression.js';

export type { ConfigurationItemInput, ConfigurationItemRelationship, SimulatedConfigurationItem } from './configuration-items.js';
export { InvalidConfigurationItemError } from './configuration-items.js';
export type { ChangedProperty, ChangeType } from './configuration-events.js';

/** The operations the simulator handles. */
export type ConfigOperation =
  | 'BatchGetResourceConfig'
  | 'ListDiscoveredResources'
  | 'GetResourceConfigHistory'
  | 'SelectResourceConfig'
  | 'SelectAggregateResourceConfig'
  | 'PutResourceConfig'
  | 'DeleteResourceConfig';

const OPERATIONS: ReadonlySet<ConfigOperation> = new Set<ConfigOperation>([
  'BatchGetResourceConfig',
  'ListDiscoveredResources',
  'GetResourceConfigHistory',
  'SelectResourceConfig',
  'SelectAggregateResourceConfig',
  'PutResourceConfig',
  'DeleteResourceConfig',
]);

/** One request the simulator received, in arrival order. */
export type ConfigSimulatorCall = AwsJsonCall<ConfigOperation>;

/** An error the simulator returns instead of running the operation. */
export interface SimulatedConfigFault {
  /** Only requests for this operation; absent means any operation. */
  operation?: ConfigOperation;
  /** Error type sent as `__type`, such as `ThrottlingException`, `LimitExceededException` or `InternalFailure`. */
  errorType: string;
  /** HTTP status. Absent: 500 for InternalFailure, 503 for ServiceUnavailable, otherwise 400. */
  status?: number;
  message?: string;
  /** How many matching requests fail with this fault. Default 1. */
  times?: number;
}

/** Options of {@link startConfigSimulator}. */
export interface ConfigSimulatorOptions {
  /** Port on 127.0.0.1; 0 (the default) picks a free port. */
  port?: number;
  /** Delay before every response, in milliseconds. Default 0. */
  latencyMs?: number;
  /** Time source for capture times and events. Default: the system clock. */
  clock?: () => Date;
  /** Account of the resources and events. Default `111122223333`. */
  account?: string;
  /** Region of the resources and events. Default `us-east-1`. */
  region?: string;
  /**
   * How many resource keys one BatchGetResourceConfig call processes; the others come back in
   * `unprocessedResourceKeys`, as AWS does under load. Default 100 (every key).
   */
  batchGetBudget?: number;
  /** Names of the configuration aggregators that SelectAggregateResourceConfig accepts. Default `['organization-aggregator']`. */
  aggregators?: string[];
}

/** Options of {@link ConfigSimulator.recordResource} and {@link ConfigSimulator.deleteResource}. */
export interface RecordOptions {
  /** Emit the oversized notification, which carries no configuration item. Default false. */
  oversized?: boolean;
  /** Emit the change event at all. Default true. */
  emitEvent?: boolean;
}

/** A running simulator. */
export interface ConfigSimulator {
  /** Base URL to use as the client's endpoint, such as `http://127.0.0.1:49152`. */
  readonly url: string;
  readonly account: string;
  readonly region: string;
  /** Every request received since the start or the last {@link reset}. */
  readonly calls: ConfigSimulatorCall[];
  /** Stops the server and closes open connections. */
  stop(): Promise<void>;
  /**
   * Records a configuration item for a new or changed resource, filling what `item` leaves out,
   * and emits its change event (CREATE for a new or re-created resource, otherwise UPDATE). Returns
   * the stored item.
   *
   * @throws InvalidConfigurationItemError naming the member that is missing or invalid.
   */
  recordResource(item: ConfigurationItemInput, options?: RecordOptions): SimulatedConfigurationItem;
  /**
   * Records that a resource was deleted (status `ResourceDeleted`) and emits its DELETE change
   * event. Returns the stored item.
   *
   * @throws InvalidConfigurationItemError when the resource was never recorded or is already deleted.
   */
  deleteResource(resourceType: string, resourceId: string, options?: RecordOptions): SimulatedConfigurationItem;
  /**
   * Registers schema versions of a custom resource type, as registering the type with
   * CloudFormation does. PutResourceConfig accepts only registered types and versions, and with
   * `schema` (the type's resource schema) only configurations that follow it.
   */
  registerCustomResourceType(resourceType: string, schemaVersionIds: readonly string[], schema?: Record<string, unknown>): void;
  /** A copy of the latest item of a resource (deleted or not), or undefined when it was never recorded. */
  getResource(resourceType: string, resourceId: string): SimulatedConfigurationItem | undefined;
  /** Copies of every item recorded for a resource, oldest first. */
  getResourceHistory(resourceType: string, resourceId: string): SimulatedConfigurationItem[];
  /** Queues faults; each request takes the first queued fault that matches its operation. */
  injectFaults(faults: readonly SimulatedConfigFault[]): void;
  /**
   * Calls `listener` with every change event, in order. Returns a function that removes the
   * listener. A listener that throws or rejects does not affect the API response. Its error goes
   * to `onListenerError` when given, otherwise to a process warning.
   */
  onEvent(listener: (event: EventBridgeEvent) => void | Promise<void>, onListenerError?: (error: unknown) => void): () => void;
  /** Removes all resources, custom types, calls and queued faults. Listeners stay. */
  reset(): void;
}

const CONFIG_SERVICE: AwsJsonService<ConfigOperation, ConfigApiError> = {
  name: 'AWS Config',
  // The service's Smithy name, which AWS Config kept from its code name.
  targetPrefix: 'StarlingDoveService.',
  operations: OPERATIONS,
  errorClass: ConfigApiError,
  internalErrorType: 'InternalFailure',
};

// Page sizes of SelectResourceConfig (Limit) and SelectAggregateResourceConfig (Limit, MaxResults).
const SELECT_MAX_LIMIT = 100;
const SELECT_DEFAULT_LIMIT = 100;

/**
 * Starts the simulator on 127.0.0.1. Requests must carry an `Authorization` header, as SigV4-signed
 * SDK requests do, but the signature is not verified.
 *
 * @example
 * const simulator = await startConfigSimulator();
 * simulator.recordResource({ resourceType: 'AWS::EC2::Instance', resourceId: 'i-0123', configuration: { instanceType: 'm5.large' } });
 * const client = new ConfigServiceClient({ region: 'us-east-1', endpoint: simulator.url, credentials });
 * await client.send(new BatchGetResourceConfigCommand({ resourceKeys: [{ resourceType: 'AWS::EC2::Instance', resourceId: 'i-0123' }] }));
 * await simulator.stop();
 */
export async function startConfigSimulator(options: ConfigSimulatorOptions = {}): Promise<ConfigSimulator> {
  const latencyMs = readLatencyMs(options.latencyMs);
  const location: ItemLocation = readSimulatorLocation(options.account, options.region);
  const { account, region } = location;
  const batchGetBudget = options.batchGetBudget ?? 100;
  if (!Number.isInteger(batchGetBudget) || batchGetBudget < 1) {
    throw new RangeError(`batchGetBudget must be a whole number of keys of at least 1, got ${batchGetBudget}`);
  }
  const aggregators = options.aggregators ?? ['organization-aggregator'];

  const clock = options.clock ?? (() => new Date());
  const store = new ResourceStore(location, batchGetBudget);
  const endpoint = new AwsJsonEndpoint<ConfigOperation, ConfigApiError, SimulatedConfigFault>(CONFIG_SERVICE);
  const listeners = new EventListeners('AWS Config simulator');

  function emit(change: RecordedChange, now: Date, oversized = false): void {
    listeners.emit(configurationItemChangeEvent(change.previous, change.current, location, { oversized, now }));
  }

  function runOperation(operation: ConfigOperation, requestBody: unknown): unknown {
    if (typeof requestBody !== 'object' || requestBody === null || Array.isArray(requestBody)) {
      throw serializationError('The request body must be a JSON object');
    }
    const body = requestBody as Record<string, unknown>;
    switch (operation) {
      case 'BatchGetResourceConfig':
        return store.batchGet(body);
      case 'ListDiscoveredResources':
        return store.listDiscovered(body);
      case 'GetResourceConfigHistory':
        return store.getHistory(body);
      case 'SelectResourceConfig':
        return select(body.Expression, body.Limit, body.NextToken, 'Limit');
      case 'SelectAggregateResourceConfig': {
        const name = body.ConfigurationAggregatorName;
        if (typeof name !== 'string' || name === '') {
          throw validationError('configurationAggregatorName', name ?? null, 'Member must not be null');
        }
        if (!aggregators.includes(name)) {
          throw noSuchAggregator(name, aggregators);
        }
        // The aggregate call takes both Limit and MaxResults; MaxResults wins when both are set.
        return select(body.Expression, body.MaxResults ?? body.Limit, body.NextToken, body.MaxResults === undefined ? 'Limit' : 'MaxResults');
      }
      case 'PutResourceConfig': {
        const now = clock();
        emit(store.put(body, now), now);
        return {};
      }
      case 'DeleteResourceConfig': {
        const now = clock();
        emit(store.deleteCustom(body, now), now);
        return {};
      }
    }
  }

  /** Runs an advanced query over the resources that still exist. */
  function select(expression: unknown, limitValue: unknown, token: unknown, limitMember: string): Record<string, unknown> {
    if (typeof expression !== 'string' || expression.trim() === '') {
      throw validationError('expression', expression ?? null, 'Member must not be null');
    }
    const query = parseSelectExpression(expression);
    let limit = SELECT_DEFAULT_LIMIT;
    if (limitValue !== undefined && limitValue !== null) {
      if (!Number.isInteger(limitValue) || (limitValue as number) < 0 || (limitValue as number) > SELECT_MAX_LIMIT) {
        throw invalidLimit(limitMember, limitValue, SELECT_MAX_LIMIT);
      }
      limit = limitValue === 0 ? SELECT_DEFAULT_LIMIT : (limitValue as number);
    }
    const offset = readPageOffset(token);
    if (offset === undefined) {
      throw invalidNextToken('NextToken', token);
    }

    // NOTE: advanced queries here see only resources that still exist; whether AWS also returns
    // items with status ResourceDeleted was not checked.
    const items = store.currentItems().filter((item) => item.configurationItemStatus !== 'ResourceDeleted');
    const page = pageOf(runSelectQuery(query, items), offset, limit);
    return {
      Results: page.items,
      QueryInfo: { SelectFields: query.fields.map((field) => ({ Name: field })) },
      ...(page.nextToken === undefined ? {} : { NextToken: page.nextToken }),
    };
  }

  const server = await startAwsJsonServer({
    port: options.port ?? 0,
    latencyMs,
    contentType: AWS_JSON_1_1_CONTENT_TYPE,
    handle: (request, rawBody) => endpoint.handle(request, rawBody, runOperation).response,
    unreadableRequest: (error) => endpoint.unreadableRequest(error),
  });

  return {
    url: server.url,
    account,
    region,
    calls: endpoint.calls,
    stop: () => server.stop(),
    recordResource: (item, recordOptions = {}) => {
      const now = clock();
      const change = store.record(item, now);
      if (recordOptions.emitEvent !== false) {
        emit(change, now, recordOptions.oversized);
      }
      return change.current;
    },
    deleteResource: (resourceType, resourceId, recordOptions = {}) => {
      const now = clock();
      const change = store.delete(resourceType, resourceId, now);
      if (recordOptions.emitEvent !== false) {
        emit(change, now, recordOptions.oversized);
      }
      return change.current;
    },
    registerCustomResourceType: (resourceType, schemaVersionIds, schema) => store.registerCustomType(resourceType, schemaVersionIds, schema),
    getResource: (resourceType, resourceId) => structuredClone(store.current(resourceType, resourceId)),
    getResourceHistory: (resourceType, resourceId) => structuredClone(store.history(resourceType, resourceId)),
    injectFaults: (faults) => endpoint.injectFaults(faults),
    onEvent: (listener, onListenerError) => listeners.add(listener, onListenerError),
    reset: () => {
      store.clear();
      endpoint.reset();
    },
  };
}
