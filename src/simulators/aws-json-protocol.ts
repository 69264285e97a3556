/**
 * The AWS JSON 1.1 protocol as the AWS Config and SSM simulators speak it. Every request is
 * `POST /` with the header `X-Amz-Target: <TargetPrefix>.<Operation>` and
 * `Content-Type: application/x-amz-json-1.1`, and every error is
 * `{"__type": "<ErrorType>", "message": "…"}`. This module routes a request to its operation,
 * rejects what AWS front ends reject, applies injected faults and keeps the call log. Each
 * simulator adds its operations and its error class.
 */
import type { IncomingMessage } from 'node:http';

import { partitionOf } from '../core/aws-values.js';
import { checkFaultStatus, FaultQueue, parseJsonBody, parseJsonOrText, type JsonResponse, type QueueableFault } from './aws-http.js';

/** `Content-Type` of AWS JSON 1.1 requests and responses. */
export const AWS_JSON_1_1_CONTENT_TYPE = 'application/x-amz-json-1.1';

const ACCOUNT_PATTERN = /^\d{12}$/;
const REGION_PATTERN = /^[a-z]{2}(-[a-z]+)+-\d+$/;

/** An error response of a JSON 1.1 simulator, such as `ConfigApiError` or `SsmApiError`. */
export interface AwsJsonApiError extends Error {
  readonly status: number;
  /** Sent as `__type`. */
  readonly errorType: string;
  /** Returns the response body. */
  toBody(): Record<string, unknown>;
}

/** One request a JSON 1.1 simulator received, in arrival order. */
export interface AwsJsonCall<Operation extends string> {
  /** `Unknown` for a target that names no simulated operation. */
  operation: Operation | 'Unknown';
  /** The parsed JSON body, or the raw text when it was not JSON. */
  body: unknown;
  /** HTTP status of the response. */
  status: number;
  /** `__type` of an error response. */
  errorType?: string;
}

/** The fields of an injected fault that {@link AwsJsonEndpoint} reads. */
export interface AwsJsonFault<Operation extends string> extends QueueableFault {
  operation?: Operation;
  /** Sent as `__type`. */
  errorType: string;
  /** HTTP status. Absent: 500 for the service's internal error type, 503 for ServiceUnavailable, otherwise 400. */
  status?: number;
  message?: string;
}

/** The facts about one simulated service that {@link AwsJsonEndpoint} reads. */
export interface AwsJsonService<Operation extends string, ApiError extends AwsJsonApiError> {
  /** Name in messages, such as `AWS Config` or `SSM`. */
  name: string;
  /** Start of `X-Amz-Target` up to the operation, dot included, such as `AmazonSSM.`. */
  targetPrefix: string;
  operations: ReadonlySet<Operation>;
  /** The service's error class, called with status, error type and message. */
  errorClass: new (status: number, errorType: string, message: string) => ApiError;
  /** Error type of a failure on the service's side, sent with status 500: `InternalFailure` for AWS Config, `InternalServerError` for SSM. */
  internalErrorType: string;
}

/** The account, Region and partition of a simulator's resources and events. */
export interface SimulatorLocation {
  account: string;
  region: string;
  partition: string;
}

/**
 * Returns the account and Region of a simulator's options, with defaults `111122223333` and
 * `us-east-1`, and the partition of that Region.
 *
 * @throws RangeError when the account is not 12 digits or the Region is not a Region code.
 */
export function readSimulatorLocation(account = '111122223333', region = 'us-east-1'): SimulatorLocation {
  if (!ACCOUNT_PATTERN.test(account)) {
    throw new RangeError(`account must be a 12-digit AWS account id, got "${account}"`);
  }
  if (!REGION_PATTERN.test(region)) {
    throw new RangeError(`region must be a region code such as us-east-1, got "${region}"`);
  }
  return { account, region, partition: partitionOf(region) };
}

/**
 * The request handling that the AWS JSON 1.1 simulators share: the envelope checks, the queue of
 * injected faults and the log of received calls. The simulator passes each request to
 * {@link AwsJsonEndpoint.handle} with a function that runs the operation.
 *
 * @example
 * const endpoint = new AwsJsonEndpoint<SsmOperation, SsmApiError, SimulatedSsmFault>(SSM_SERVICE);
 * const server = await startAwsJsonServer({
 *   port: 0, latencyMs: 0, contentType: AWS_JSON_1_1_CONTENT_TYPE,
 *   handle: (request, rawBody) => endpoint.handle(request, rawBody, runOperation).response,
 *   unreadableRequest: (error) => endpoint.unreadableRequest(error),
 * });
 */
export class AwsJsonEndpoint<Operation extends string, ApiError extends AwsJsonApiError, Fault extends AwsJsonFault<Operation>> {
  /** Every request received since the start or the last {@link reset}. */
  readonly calls: Array<AwsJsonCall<Operation>> = [];
  private readonly faults = new FaultQueue<Fault>();

  constructor(private readonly service: AwsJsonService<Operation, ApiError>) {}

  /**
   * Logs the request, checks its envelope, applies the first matching fault and otherwise runs
   * the operation with the parsed body. Every error becomes an error response: an error of the
   * service's class as it is, any other as a 500 internal error. Returns the logged call and the
   * response.
   */
  handle(
    request: IncomingMessage,
    rawBody: string,
    runOperation: (operation: Operation, body: unknown) => unknown,
  ): { call: AwsJsonCall<Operation>; response: JsonResponse } {
    const target = headerValue(request, 'x-amz-target');
    const operation = this.operationOf(target);
    const call: AwsJsonCall<Operation> = { operation: operation ?? 'Unknown', body: parseJsonOrText(rawBody), status: 0 };
    this.calls.push(call);

    let response: JsonResponse;
    try {
      const known = this.checkEnvelope(request, target, operation);
      const fault = this.faults.take(known);
      if (fault !== undefined) {
        throw this.faultError(fault);
      }
      const body = parseJsonBody(rawBody, (message) => this.serializationError(message));
      response = { status: 200, body: runOperation(known, body) };
    } catch (error) {
      const apiError = error instanceof this.service.errorClass ? error : this.internalError(error);
      call.errorType = apiError.errorType;
      response = { status: apiError.status, body: apiError.toBody() };
    }

    call.status = response.status;
    return { call, response };
  }

  /** Returns the response to a request whose body could not be read: a 400 SerializationException. */
  unreadableRequest(error: unknown): JsonResponse {
    return { status: 400, body: this.serializationError(String(error)).toBody() };
  }

  /**
   * Queues faults; each request takes the first queued fault that matches its operation.
   *
   * @throws TypeError when a fault has no error type; RangeError when it names an operation that is
   *   not simulated, or its status or `times` is out of range.
   */
  injectFaults(faults: readonly Fault[]): void {
    for (const fault of faults) {
      if (typeof fault.errorType !== 'string' || fault.errorType === '') {
        throw new TypeError(`fault errorType must be an ${this.service.name} error type such as ThrottlingException`);
      }
      if (fault.operation !== undefined && !this.service.operations.has(fault.operation)) {
        throw new RangeError(`fault operation ${JSON.stringify(fault.operation)} is not simulated. Use one of: ${this.operationList()}`);
      }
      if (fault.status !== undefined) {
        checkFaultStatus(fault.status);
      }
      this.faults.add(fault);
    }
  }

  /** Removes the logged calls and the queued faults. */
  reset(): void {
    this.calls.length = 0;
    this.faults.clear();
  }

  private operationOf(target: string | undefined): Operation | undefined {
    const name = target?.startsWith(this.service.targetPrefix) ? target.slice(this.service.targetPrefix.length) : undefined;
    return name !== undefined && this.service.operations.has(name as Operation) ? (name as Operation) : undefined;
  }

  /** Rejects what AWS front ends reject before the operation runs, and returns the operation. */
  private checkEnvelope(request: IncomingMessage, target: string | undefined, operation: Operation | undefined): Operation {
    const { errorClass, name } = this.service;
    if (request.headers.authorization === undefined) {
      throw new errorClass(400, 'MissingAuthenticationTokenException', 'Missing Authentication Token');
    }
    if (request.method !== 'POST' || (request.url ?? '/').split('?')[0] !== '/') {
      throw new errorClass(404, 'UnknownOperationException', `The ${name} API takes POST / only, got ${request.method} ${request.url}`);
    }
    if (operation === undefined) {
      throw new errorClass(400, 'UnknownOperationException', `X-Amz-Target "${target ?? ''}" names no operation of the ${name} simulator (${this.operationList()})`);
    }
    const contentType = headerValue(request, 'content-type')?.split(';')[0]?.trim();
    if (contentType !== AWS_JSON_1_1_CONTENT_TYPE) {
      throw this.serializationError(`Content-Type must be ${AWS_JSON_1_1_CONTENT_TYPE}, got "${contentType ?? ''}"`);
    }
    return operation;
  }

  private faultError(fault: Fault): ApiError {
    let defaultStatus = 400;
    if (fault.errorType === this.service.internalErrorType) defaultStatus = 500;
    if (fault.errorType === 'ServiceUnavailable') defaultStatus = 503;
    const defaultMessage = fault.errorType === 'ThrottlingException' ? 'Rate exceeded' : `Injected ${fault.errorType}`;
    return new this.service.errorClass(fault.status ?? defaultStatus, fault.errorType, fault.message ?? defaultMessage);
  }

  private internalError(error: unknown): ApiError {
    const detail = error instanceof Error ? error.message : String(error);
    return new this.service.errorClass(500, this.service.internalErrorType, `${this.service.name} simulator failed: ${detail}`);
  }

  private serializationError(message: string): ApiError {
    return new this.service.errorClass(400, 'SerializationException', message);
  }

  private operationList(): string {
    return [...this.service.operations].join(', ');
  }
}

function headerValue(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
