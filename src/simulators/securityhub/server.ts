/**
 * A Security Hub API simulator: a real HTTP server that handles BatchUpdateFindings,
 * BatchUpdateFindingsV2 and GetFindings the way the AWS SDK v3 client calls them (REST-JSON), so
 * tests can drive the real `SecurityHubClient` over loopback.
 *
 * Routes come from the operation schemas in @aws-sdk/client-securityhub 3.1108
 * (`dist-cjs/index.js`): BatchUpdateFindings is `PATCH /findings/batchupdate`,
 * BatchUpdateFindingsV2 is `PATCH /findingsv2/batchupdatev2` and GetFindings is `POST /findings`.
 * Errors carry the `x-amzn-ErrorType` header, which the SDK reads first to choose the exception
 * class (`loadRestJsonErrorCode` in @smithy/core), and a `{"Code", "Message"}` body.
 *
 * Like Security Hub, the simulator emits an EventBridge event for every finding that a successful
 * BatchUpdateFindings or BatchUpdateFindingsV2 call changed (see {@link SecurityHubSimulator.onEvent}).
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
import { SimulatedApiError, invalidInput, validationError } from './api-error.js';
import { AsffFindingStore, type AsffFinding } from './asff-findings.js';
import { asffImportedEvent, ocsfImportedEvent, type EventDefaults } from './finding-events.js';
import { OcsfFindingStore, type OcsfFinding } from './ocsf-findings.js';

export type { AsffFinding } from './asff-findings.js';
export type { OcsfFinding } from './ocsf-findings.js';

/** The operations the simulator handles. */
export type SimulatedOperation = 'BatchUpdateFindings' | 'BatchUpdateFindingsV2' | 'GetFindings';

/** One request the simulator received, in arrival order. */
export interface SimulatorCall {
  /** `Unknown` for a method and path that match no simulated operation. */
  operation: SimulatedOperation | 'Unknown';
  /** The parsed JSON body, or the raw text when it was not JSON. */
  body: unknown;
  /** HTTP status of the response. */
  status: number;
}

/** An error the simulator returns instead of running the operation. */
export interface SimulatedFault {
  /** Only requests for this operation; absent means any operation. */
  operation?: SimulatedOperation;
  /** HTTP status, such as 429 (throttling) or 500. */
  status: number;
  /**
   * Error type for `x-amzn-ErrorType`. Absent: derived from the status, for example
   * `TooManyRequestsException` for 429 (the type Security Hub returns when it throttles) and
   * `InternalException` (ASFF operations) or `InternalServerException` (V2) for 500.
   */
  errorType?: string;
  message?: string;
  /** How many matching requests fail with this fault. Default 1. */
  times?: number;
}

/** Options of {@link startSecurityHubSimulator}. */
export interface SecurityHubSimulatorOptions {
  /** Port on 127.0.0.1; 0 (the default) picks a free port. */
  port?: number;
  /** Delay before every response, in milliseconds. Default 0. */
  latencyMs?: number;
  /** Account of events for findings that name none. Default `111122223333`. */
  account?: string;
  /** Region of events for findings that name none. Default `us-east-1`. */
  region?: string;
  /** Time source for `ProcessedAt` and event times. Default: the system clock. */
  clock?: () => Date;
  /**
   * Throttle each operation as Security Hub does, with a token bucket per operation: `perSecond`
   * requests a second on average and bursts of up to `burst`. A request over the limit gets 429
   * `TooManyRequestsException`. Security Hub documents 10 a second with bursts of 30 for its batch
   * operations. Default: no limit.
   */
  rateLimit?: { perSecond: number; burst: number };
}

/** A running simulator. */
export interface SecurityHubSimulator {
  /** Base URL to use as the client's endpoint, such as `http://127.0.0.1:49152`. */
  readonly url: string;
  /** Every request received since the start or the last {@link reset}. */
  readonly calls: SimulatorCall[];
  /** Stops the server and closes open connections. */
  stop(): Promise<void>;
  /** Adds ASFF findings, replacing those with the same Id and ProductArn. */
  seedFindings(findings: readonly AsffFinding[]): void;
  /** Adds OCSF findings, replacing those with the same `metadata.uid`. */
  seedOcsfFindings(findings: readonly OcsfFinding[]): void;
  /** A copy of the ASFF finding with this Id (and ProductArn, when given). */
  getFinding(id: string, productArn?: string): AsffFinding | undefined;
  /** A copy of the OCSF finding with this `metadata.uid`. */
  getOcsfFinding(metadataUid: string): OcsfFinding | undefined;
  /** Queues faults; each request takes the first queued fault that matches its operation. */
  injectFaults(faults: readonly SimulatedFault[]): void;
  /**
   * Calls `listener` with the event Security Hub emits for each finding that a successful
   * BatchUpdateFindings (`Security Hub Findings - Imported`, ASFF) or BatchUpdateFindingsV2
   * (`Findings Imported V2`, OCSF) call changed, carrying the updated finding. Findings returned
   * in `UnprocessedFindings` emit nothing. Returns a function that removes the listener. A
   * listener that throws or rejects does not affect the API response; its error goes to
   * `onListenerError` when given, otherwise to a process warning.
   */
  onEvent(listener: (event: EventBridgeEvent) => void | Promise<void>, onListenerError?: (error: unknown) => void): () => void;
  /** Removes all findings, calls and queued faults. Listeners stay. */
  reset(): void;
}

const ROUTES: Record<string, SimulatedOperation> = {
  'PATCH /findings/batchupdate': 'BatchUpdateFindings',
  'PATCH /findingsv2/batchupdatev2': 'BatchUpdateFindingsV2',
  'POST /findings': 'GetFindings',
};

/**
 * Starts the simulator on 127.0.0.1. Requests must carry an `Authorization` header, as SigV4-signed
 * SDK requests do, but the signature is not verified.
 *
 * @example
 * const simulator = await startSecurityHubSimulator();
 * simulator.seedFindings([finding]);
 * const client = createSecurityHubClient({ region: 'us-east-1', endpoint: simulator.url, credentials });
 * // ... run the code under test, then:
 * await simulator.stop();
 */
export async function startSecurityHubSimulator(options: SecurityHubSimulatorOptions = {}): Promise<SecurityHubSimulator> {
  const latencyMs = readLatencyMs(options.latencyMs);

  const asff = new AsffFindingStore();
  const ocsf = new OcsfFindingStore();
  const calls: SimulatorCall[] = [];
  const faults = new FaultQueue<SimulatedFault>();
  const clock = options.clock ?? (() => new Date());
  const eventDefaults: EventDefaults = { account: options.account ?? '111122223333', region: options.region ?? 'us-east-1' };
  const listeners = new EventListeners('Security Hub simulator');
  const limiter = options.rateLimit === undefined ? undefined : new RateLimiter(options.rateLimit);

  function runOperation(operation: SimulatedOperation, body: unknown): unknown {
    const now = clock();
    switch (operation) {
      case 'BatchUpdateFindings': {
        const output = asff.batchUpdate(body, now);
        for (const identifier of output.ProcessedFindings) {
          listeners.emit(asffImportedEvent(asff.get(identifier.Id, identifier.ProductArn)!, eventDefaults, now));
        }
        return output;
      }
      case 'BatchUpdateFindingsV2': {
        const output = ocsf.batchUpdate(body);
        for (const processed of output.ProcessedFindings) {
          listeners.emit(ocsfImportedEvent(ocsf.get(processed.MetadataUid!)!, eventDefaults, now));
        }
        return output;
      }
      case 'GetFindings':
        return asff.getFindings(body);
    }
  }

  function handle(request: IncomingMessage, rawBody: string): JsonResponse {
    const path = (request.url ?? '/').split('?')[0];
    const operation = ROUTES[`${request.method} ${path}`];
    const call: SimulatorCall = { operation: operation ?? 'Unknown', body: parseJsonOrText(rawBody), status: 0 };
    calls.push(call);

    let response: JsonResponse;
    try {
      // AWS front ends reject unsigned requests before routing, even for unknown paths.
      if (request.headers.authorization === undefined) {
        throw new SimulatedApiError(403, 'MissingAuthenticationTokenException', 'Missing Authentication Token');
      }
      if (operation === undefined) {
        throw new SimulatedApiError(404, 'UnknownOperationException', `No Security Hub operation at ${request.method} ${path} in the simulator`);
      }

      const fault = faults.take(operation);
      if (fault !== undefined) {
        throw faultError(operation, fault);
      }
      if (limiter !== undefined && !limiter.take(operation, Date.now())) {
        throw new SimulatedApiError(429, 'TooManyRequestsException', 'Rate exceeded');
      }

      const invalidJson = operation === 'BatchUpdateFindingsV2' ? validationError : invalidInput;
      response = { status: 200, body: runOperation(operation, parseJsonBody(rawBody, invalidJson)) };
    } catch (error) {
      const apiError =
        error instanceof SimulatedApiError
          ? error
          : new SimulatedApiError(500, 'InternalException', `Security Hub simulator failed: ${error instanceof Error ? error.message : String(error)}`);
      response = errorResponse(apiError);
    }

    call.status = response.status;
    return response;
  }

  const server = await startAwsJsonServer({
    port: options.port ?? 0,
    latencyMs,
    contentType: 'application/json',
    handle,
    unreadableRequest: (error) => errorResponse(invalidInput(String(error))),
  });

  return {
    url: server.url,
    calls,
    stop: () => server.stop(),
    seedFindings: (findings) => asff.seed(findings),
    seedOcsfFindings: (findings) => ocsf.seed(findings),
    getFinding: (id, productArn) => asff.get(id, productArn),
    getOcsfFinding: (metadataUid) => ocsf.get(metadataUid),
    injectFaults: (newFaults) => {
      for (const fault of newFaults) {
        checkFaultStatus(fault.status);
        faults.add(fault);
      }
    },
    onEvent: (listener, onListenerError) => listeners.add(listener, onListenerError),
    reset: () => {
      asff.clear();
      ocsf.clear();
      calls.length = 0;
      faults.clear();
    },
  };
}

/** Token buckets, one per operation, refilled continuously at `perSecond` up to `burst`. */
class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(private readonly limit: { perSecond: number; burst: number }) {
    if (!(limit.perSecond > 0) || !Number.isInteger(limit.burst) || limit.burst < 1) {
      throw new RangeError(`rateLimit needs perSecond above 0 and a whole burst of at least 1, got ${JSON.stringify(limit)}`);
    }
  }

  /** Take a token for one request at `nowMs`; false when the bucket is empty. */
  take(operation: string, nowMs: number): boolean {
    const bucket = this.buckets.get(operation) ?? { tokens: this.limit.burst, at: nowMs };
    bucket.tokens = Math.min(this.limit.burst, bucket.tokens + ((nowMs - bucket.at) / 1000) * this.limit.perSecond);
    bucket.at = nowMs;
    this.buckets.set(operation, bucket);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }
}

/** Builds the REST-JSON error response: the type in `x-amzn-ErrorType` and `{"Code", "Message"}` in the body. */
function errorResponse(apiError: SimulatedApiError): JsonResponse {
  return {
    status: apiError.status,
    body: { Code: apiError.errorType, Message: apiError.message },
    headers: { 'x-amzn-errortype': apiError.errorType },
  };
}

function faultError(operation: SimulatedOperation, fault: SimulatedFault): SimulatedApiError {
  const isV2 = operation === 'BatchUpdateFindingsV2';
  const defaults: Record<number, [string, string]> = {
    400: [isV2 ? 'ValidationException' : 'InvalidInputException', 'Invalid input'],
    401: ['InvalidAccessException', 'Security Hub is not enabled for this account'],
    403: ['AccessDeniedException', `User is not authorized to perform: securityhub:BatchUpdateFindings`],
    404: ['ResourceNotFoundException', 'Resource not found'],
    409: ['ConflictException', 'Conflict'],
    429: ['TooManyRequestsException', 'Too Many Requests'],
    500: [isV2 ? 'InternalServerException' : 'InternalException', 'Internal service error'],
    503: ['ServiceUnavailableException', 'Service unavailable'],
  };
  const [defaultType, defaultMessage] = defaults[fault.status] ?? ['InternalException', 'Injected fault'];
  return new SimulatedApiError(fault.status, fault.errorType ?? defaultType, fault.message ?? defaultMessage);
}
