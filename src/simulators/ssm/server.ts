/**
 * A Systems Manager (SSM) API simulator for OpsCenter: a real HTTP server that handles
 * CreateOpsItem, GetOpsItem, UpdateOpsItem and DescribeOpsItems the way the AWS SDK v3 client
 * calls them, so tests can drive the real `SSMClient` over loopback.
 *
 * SSM speaks the AWS JSON 1.1 protocol: every request is `POST /` with the header
 * `X-Amz-Target: AmazonSSM.<Operation>` and `Content-Type: application/x-amz-json-1.1`; errors are
 * `{"__type": "<ErrorType>", "message": "…"}`. Client errors use status 400, including throttling
 * (ThrottlingException); InternalServerError uses 500.
 *
 * After every create and update, including those made through UpdateOpsItem, the simulator emits
 * the EventBridge event that AWS would send (see {@link SsmSimulator.onEvent}).
 */
import type { IncomingMessage } from 'node:http';

import type { EventBridgeEvent } from '../../core/types.js';
import {
  checkFaultStatus,
  EventListeners,
  FaultQueue,
  parseJsonBody,
  parseJsonOrText,
  readLatencyMs,
  startAwsJsonServer,
  type JsonResponse,
} from '../aws-http.js';
import { SsmApiError, serializationError } from './api-error.js';
import { opsItemEvent, type OpsItemEventType } from './opsitem-events.js';
import { OpsItemStore, type Actor, type OpsItemChanges, type OpsItemLocation, type SimulatedOpsItem } from './opsitem-store.js';

export type { OpsItemChanges, SimulatedOpsItem } from './opsitem-store.js';

/** The operations the simulator handles. */
export type SsmOperation = 'CreateOpsItem' | 'GetOpsItem' | 'UpdateOpsItem' | 'DescribeOpsItems';

const OPERATIONS: ReadonlySet<string> = new Set<SsmOperation>(['CreateOpsItem', 'GetOpsItem', 'UpdateOpsItem', 'DescribeOpsItems']);

/** One request the simulator received, in arrival order. */
export interface SsmSimulatorCall {
  /** `Unknown` for a target that names no simulated operation. */
  operation: SsmOperation | 'Unknown';
  /** The parsed JSON body, or the raw text when it was not JSON. */
  body: unknown;
  /** HTTP status of the response. */
  status: number;
  /** `__type` of an error response. */
  errorType?: string;
}

/** An error the simulator returns instead of running the operation. */
export interface SimulatedSsmFault {
  /** Only requests for this operation; absent means any operation. */
  operation?: SsmOperation;
  /** Error type sent as `__type`, such as `ThrottlingException` or `InternalServerError`. */
  errorType: string;
  /** HTTP status. Absent: 500 for InternalServerError, 503 for ServiceUnavailable, otherwise 400. */
  status?: number;
  message?: string;
  /** How many matching requests fail with this fault. Default 1. */
  times?: number;
}

/** Options of {@link startSsmSimulator}. */
export interface SsmSimulatorOptions {
  /** Port on 127.0.0.1; 0 (the default) picks a free port. */
  port?: number;
  /** Delay before every response, in milliseconds. Default 0. */
  latencyMs?: number;
  /** Time source for CreatedTime, LastModifiedTime and events. Default: the system clock. */
  clock?: () => Date;
  /** Account of the OpsItems and events. Default `111122223333`. */
  account?: string;
  /** Region of the OpsItems and events. Default `us-east-1`. */
  region?: string;
  /**
   * Identity that API callers act as: it becomes CreatedBy and LastModifiedBy. The simulator does
   * not verify signatures, so it cannot tell callers apart. Default: an assumed role named
   * `itsm-sync-task` in the simulator's account.
   */
  callerArn?: string;
}

/** A running simulator. */
export interface SsmSimulator {
  /** Base URL to use as the client's endpoint, such as `http://127.0.0.1:49152`. */
  readonly url: string;
  readonly account: string;
  readonly region: string;
  /** The identity API callers act as (see {@link SsmSimulatorOptions.callerArn}). */
  readonly callerArn: string;
  /** Every request received since the start or the last {@link reset}. */
  readonly calls: SsmSimulatorCall[];
  /** Stops the server and closes open connections. */
  stop(): Promise<void>;
  /**
   * Adds an OpsItem as an AWS service creates it (reserved OperationalData keys such as
   * `/aws/resources` are allowed), filling the fields `partial` leaves out, and emits its
   * `OpsItem Create` event unless `emitEvent` is false. Timestamps are epoch seconds, as in a
   * GetOpsItem wire response. Returns the stored OpsItem.
   */
  seedOpsItem(partial?: Partial<SimulatedOpsItem>, options?: { emitEvent?: boolean }): SimulatedOpsItem;
  /** A copy of the OpsItem with this id, or undefined. */
  getOpsItem(id: string): SimulatedOpsItem | undefined;
  /**
   * Applies an edit that a person makes in the OpsCenter console, with the checks of UpdateOpsItem,
   * and emits its `OpsItem Update` event. Throws the error UpdateOpsItem would return.
   */
  updateOpsItemAsHuman(id: string, changes: OpsItemChanges, modifiedBy?: string): SimulatedOpsItem;
  /** Queues faults; each request takes the first queued fault that matches its operation. */
  injectFaults(faults: readonly SimulatedSsmFault[]): void;
  /**
   * Calls `listener` with every event emitted after a create or update, in order. Returns a
   * function that removes the listener. A listener that throws or rejects does not affect the API
   * response. Its error goes to `onListenerError` when given, otherwise to a process warning.
   */
  onEvent(listener: (event: EventBridgeEvent) => void | Promise<void>, onListenerError?: (error: unknown) => void): () => void;
  /** Removes all OpsItems, calls and queued faults. Listeners stay. */
  reset(): void;
}

/** The console user of {@link SsmSimulator.updateOpsItemAsHuman} when no other principal is given. */
export const DEFAULT_CONSOLE_USER = 'OpsEngineer/sam.example';

const AWS_JSON_CONTENT_TYPE = 'application/x-amz-json-1.1';
const TARGET_PREFIX = 'AmazonSSM.';

const ACCOUNT_PATTERN = /^\d{12}$/;
const REGION_PATTERN = /^[a-z]{2}(-[a-z]+)+-\d+$/;

/**
 * Starts the simulator on 127.0.0.1. Requests must carry an `Authorization` header, as SigV4-signed
 * SDK requests do, but the signature is not verified.
 *
 * @example
 * const simulator = await startSsmSimulator();
 * const item = simulator.seedOpsItem({ Title: 'CPU above 90%' });
 * const client = new SSMClient({ region: 'us-east-1', endpoint: simulator.url, credentials });
 * await client.send(new GetOpsItemCommand({ OpsItemId: item.OpsItemId }));
 * await simulator.stop();
 */
export async function startSsmSimulator(options: SsmSimulatorOptions = {}): Promise<SsmSimulator> {
  const latencyMs = readLatencyMs(options.latencyMs);
  const account = options.account ?? '111122223333';
  if (!ACCOUNT_PATTERN.test(account)) {
    throw new RangeError(`account must be a 12-digit AWS account id, got "${account}"`);
  }
  const region = options.region ?? 'us-east-1';
  if (!REGION_PATTERN.test(region)) {
    throw new RangeError(`region must be a region code such as us-east-1, got "${region}"`);
  }

  const clock = options.clock ?? (() => new Date());
  const callerArn = options.callerArn ?? `arn:aws:sts::${account}:assumed-role/itsm-sync-task/itsm-sync`;
  const location: OpsItemLocation = { account, region, partition: partitionOf(region) };
  const store = new OpsItemStore(location);
  const calls: SsmSimulatorCall[] = [];
  const listeners = new EventListeners('SSM simulator');
  const faults = new FaultQueue<SimulatedSsmFault>();

  function emit(type: OpsItemEventType, item: SimulatedOpsItem): void {
    listeners.emit(opsItemEvent(type, item, location));
  }

  function runOperation(operation: SsmOperation, body: unknown): unknown {
    // The clock is read only for changes, so reads do not move a test's stepping clock.
    const actor = (): Actor => ({ arn: callerArn, now: clock() });
    switch (operation) {
      case 'CreateOpsItem': {
        const item = store.create(body, actor());
        emit('OpsItem Create', item);
        return { OpsItemId: item.OpsItemId, OpsItemArn: item.OpsItemArn };
      }
      case 'GetOpsItem':
        return { OpsItem: store.getForRequest(body) };
      case 'UpdateOpsItem':
        emit('OpsItem Update', store.update(body, actor()));
        return {};
      case 'DescribeOpsItems':
        return store.describe(body);
    }
  }

  function handle(request: IncomingMessage, rawBody: string): JsonResponse {
    const target = headerValue(request, 'x-amz-target');
    const name = target?.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : undefined;
    const operation = name !== undefined && OPERATIONS.has(name) ? (name as SsmOperation) : undefined;
    const call: SsmSimulatorCall = { operation: operation ?? 'Unknown', body: parseJsonOrText(rawBody), status: 0 };
    calls.push(call);

    let response: JsonResponse;
    try {
      checkEnvelope(request, target, operation);
      const fault = faults.take(operation!);
      if (fault !== undefined) {
        throw faultError(fault);
      }
      response = { status: 200, body: runOperation(operation!, parseJsonBody(rawBody, serializationError)) };
    } catch (error) {
      const apiError =
        error instanceof SsmApiError ? error : new SsmApiError(500, 'InternalServerError', `SSM simulator failed: ${error instanceof Error ? error.message : String(error)}`);
      call.errorType = apiError.errorType;
      response = { status: apiError.status, body: apiError.toBody() };
    }

    call.status = response.status;
    return response;
  }

  const server = await startAwsJsonServer({
    port: options.port ?? 0,
    latencyMs,
    contentType: AWS_JSON_CONTENT_TYPE,
    handle,
    unreadableRequest: (error) => ({ status: 400, body: serializationError(String(error)).toBody() }),
  });

  return {
    url: server.url,
    account,
    region,
    callerArn,
    calls,
    stop: () => server.stop(),
    seedOpsItem: (partial = {}, seedOptions = {}) => {
      const item = store.seed(partial, { arn: `arn:aws:iam::${account}:role/OpsCenterSimulatorSeed`, now: clock() });
      if (seedOptions.emitEvent !== false) {
        emit('OpsItem Create', item);
      }
      return item;
    },
    getOpsItem: (id) => store.get(id),
    updateOpsItemAsHuman: (id, changes, modifiedBy) => {
      const arn = modifiedBy ?? `arn:aws:sts::${account}:assumed-role/${DEFAULT_CONSOLE_USER}`;
      const item = store.update({ ...changes, OpsItemId: id }, { arn, now: clock() });
      emit('OpsItem Update', item);
      return item;
    },
    injectFaults: (newFaults) => {
      for (const fault of newFaults) {
        if (typeof fault.errorType !== 'string' || fault.errorType === '') {
          throw new TypeError('fault errorType must be an SSM error type such as ThrottlingException');
        }
        if (fault.status !== undefined) {
          checkFaultStatus(fault.status);
        }
        faults.add(fault);
      }
    },
    onEvent: (listener, onListenerError) => listeners.add(listener, onListenerError),
    reset: () => {
      store.clear();
      calls.length = 0;
      faults.clear();
    },
  };
}

/** Rejects what AWS front ends reject before the operation runs. */
function checkEnvelope(request: IncomingMessage, target: string | undefined, operation: SsmOperation | undefined): void {
  if (request.headers.authorization === undefined) {
    throw new SsmApiError(400, 'MissingAuthenticationTokenException', 'Missing Authentication Token');
  }
  if (request.method !== 'POST' || (request.url ?? '/').split('?')[0] !== '/') {
    throw new SsmApiError(404, 'UnknownOperationException', `The SSM API takes POST / only, got ${request.method} ${request.url}`);
  }
  if (operation === undefined) {
    throw new SsmApiError(400, 'UnknownOperationException', `X-Amz-Target "${target ?? ''}" names no operation of the SSM simulator (${[...OPERATIONS].join(', ')})`);
  }
  const contentType = headerValue(request, 'content-type')?.split(';')[0]?.trim();
  if (contentType !== AWS_JSON_CONTENT_TYPE) {
    throw serializationError(`Content-Type must be ${AWS_JSON_CONTENT_TYPE}, got "${contentType ?? ''}"`);
  }
}

function faultError(fault: SimulatedSsmFault): SsmApiError {
  const defaultStatus = fault.errorType === 'InternalServerError' ? 500 : fault.errorType === 'ServiceUnavailable' ? 503 : 400;
  const defaultMessage = fault.errorType === 'ThrottlingException' ? 'Rate exceeded' : `Injected ${fault.errorType}`;
  return new SsmApiError(fault.status ?? defaultStatus, fault.errorType, fault.message ?? defaultMessage);
}

function headerValue(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Returns the ARN partition of a region: `aws-cn` for China, `aws-us-gov` for GovCloud, otherwise `aws`. */
function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}
