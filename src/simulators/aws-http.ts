/**
 * Scaffolding that the AWS API simulators (Security Hub, SSM) share: a JSON HTTP server on
 * 127.0.0.1 with a response delay, a queue of injected faults, and the listeners of the EventBridge
 * events a simulator emits. Each simulator adds its protocol: routing, request checks and the shape
 * of its errors.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

import type { EventBridgeEvent } from '../core/types.js';
import { closeServer, listenOnLoopback, readRequestBody } from './simulator-http.js';

/** A response for {@link startAwsJsonServer} to send. */
export interface JsonResponse {
  status: number;
  /** Sent as JSON. */
  body: unknown;
  /** Headers besides `content-type`, `content-length` and `x-amzn-requestid`. */
  headers?: Record<string, string>;
}

/** Options of {@link startAwsJsonServer}. */
export interface AwsJsonServerOptions {
  /** Port on 127.0.0.1; 0 picks a free port. */
  port: number;
  /** Delay before every response to a request whose body was read, in milliseconds. */
  latencyMs: number;
  /** `content-type` of every response, such as `application/x-amz-json-1.1`. */
  contentType: string;
  /** Runs the operation a request names and returns its response, error responses included. */
  handle(request: IncomingMessage, rawBody: string): JsonResponse;
  /** Returns the response to a request whose body could not be read (the client disconnected or sent too much). */
  unreadableRequest(error: unknown): JsonResponse;
}

/** A running {@link startAwsJsonServer} server. */
export interface AwsJsonServer {
  /** Base URL, such as `http://127.0.0.1:49152`. */
  readonly url: string;
  /** Stops the server and closes open connections. */
  stop(): Promise<void>;
}

/**
 * Starts a JSON HTTP server on 127.0.0.1 that reads each request body, passes it to `handle` and
 * sends the response after `latencyMs`. Every response carries a fresh `x-amzn-requestid`, as AWS
 * responses do.
 *
 * @example
 * const server = await startAwsJsonServer({ port: 0, latencyMs: 0, contentType: 'application/json', handle, unreadableRequest });
 * // ... point an SDK client at server.url, then:
 * await server.stop();
 */
export async function startAwsJsonServer(options: AwsJsonServerOptions): Promise<AwsJsonServer> {
  async function serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const rawBody = await readRequestBody(request);
    const reply = options.handle(request, rawBody);
    if (options.latencyMs > 0) {
      await new Promise((resolve) => setTimeout(resolve, options.latencyMs));
    }
    sendJson(response, reply, options.contentType);
  }

  const server = createServer((request, response) => {
    serve(request, response).catch((error: unknown) => {
      // Only reading the request can fail here, because `handle` turns every error into a response.
      if (!response.headersSent) {
        sendJson(response, options.unreadableRequest(error), options.contentType);
      }
    });
  });

  const url = await listenOnLoopback(server, options.port);
  return { url, stop: () => closeServer(server) };
}

/**
 * Returns the response delay of a simulator's options, 0 when absent.
 *
 * @throws RangeError when `latencyMs` is negative or not a finite number.
 */
export function readLatencyMs(latencyMs: number | undefined): number {
  const value = latencyMs ?? 0;
  if (!Number.isFinite(value) || value < 0) {
    throw new RangeError(`latencyMs must be a number of milliseconds of at least 0, got ${value}`);
  }
  return value;
}

/**
 * Parses a request body as JSON. An empty body is read as an empty request object.
 *
 * @throws the error `invalidJson` builds when the body is not JSON.
 */
export function parseJsonBody(rawBody: string, invalidJson: (message: string) => Error): unknown {
  if (rawBody === '') {
    return {};
  }
  try {
    return JSON.parse(rawBody);
  } catch {
    throw invalidJson('The request body is not valid JSON');
  }
}

/** Parses a request body for the call log: JSON when it parses, the raw text otherwise, undefined when empty. */
export function parseJsonOrText(rawBody: string): unknown {
  if (rawBody === '') {
    return undefined;
  }
  try {
    return JSON.parse(rawBody);
  } catch {
    return rawBody;
  }
}

function sendJson(response: ServerResponse, reply: JsonResponse, contentType: string): void {
  const body = JSON.stringify(reply.body);
  response.writeHead(reply.status, {
    'content-type': contentType,
    'content-length': Buffer.byteLength(body),
    'x-amzn-requestid': randomUUID(),
    ...reply.headers,
  });
  response.end(body);
}

/** The fields of an injected fault that {@link FaultQueue} reads. */
export interface QueueableFault {
  /** Only requests for this operation; absent means any operation. */
  operation?: string;
  /** How many matching requests fail with this fault. Default 1. */
  times?: number;
}

/**
 * The faults injected into a simulator, in the order they were queued. Each request takes the
 * first fault that matches its operation, and a fault leaves the queue once it was used `times` times.
 */
export class FaultQueue<Fault extends QueueableFault> {
  private faults: Array<Fault & { remaining: number }> = [];

  /**
   * Queues one fault. The simulator checks its own fields, such as the status, before calling this.
   *
   * @throws RangeError when `times` is not a whole number of at least 1.
   */
  add(fault: Fault): void {
    const times = fault.times ?? 1;
    if (!Number.isInteger(times) || times < 1) {
      throw new RangeError(`fault times must be a whole number of at least 1, got ${times}`);
    }
    this.faults.push({ ...fault, remaining: times });
  }

  /** Takes one use of the first fault for `operation`, or returns undefined when none matches. */
  take(operation: NonNullable<Fault['operation']>): Fault | undefined {
    const fault = this.faults.find((candidate) => candidate.operation === undefined || candidate.operation === operation);
    if (fault !== undefined) {
      fault.remaining -= 1;
      if (fault.remaining <= 0) {
        this.faults = this.faults.filter((candidate) => candidate !== fault);
      }
    }
    return fault;
  }

  clear(): void {
    this.faults = [];
  }
}

/**
 * Checks the HTTP status of an injected fault.
 *
 * @throws RangeError when `status` is not a whole number from 400 to 599.
 */
export function checkFaultStatus(status: number): void {
  if (!Number.isInteger(status) || status < 400 || status > 599) {
    throw new RangeError(`fault status must be an HTTP error status from 400 to 599, got ${status}`);
  }
}

/** A function that receives every event a simulator emits. */
export type SimulatorEventListener = (event: EventBridgeEvent) => void | Promise<void>;

/**
 * The listeners of the EventBridge events that a simulator emits. A listener that throws or rejects
 * does not affect the API response: its error goes to the listener's `onError` when given,
 * otherwise to a process warning.
 */
export class EventListeners {
  private readonly entries = new Set<{ listener: SimulatorEventListener; onError?: (error: unknown) => void }>();

  /** @param simulatorName - Name for process warnings, such as `SSM simulator`. */
  constructor(private readonly simulatorName: string) {}

  /** Adds a listener and returns a function that removes it. */
  add(listener: SimulatorEventListener, onError?: (error: unknown) => void): () => void {
    const entry = { listener, onError };
    this.entries.add(entry);
    return () => {
      this.entries.delete(entry);
    };
  }

  /** Calls every listener with `event`, without waiting for them. */
  emit(event: EventBridgeEvent): void {
    for (const { listener, onError } of this.entries) {
      const report = onError ?? ((error: unknown) => process.emitWarning(`${this.simulatorName} event listener failed: ${String(error)}`));
      try {
        // Each listener gets its own copy, so one cannot change what the next one receives.
        Promise.resolve(listener(structuredClone(event))).catch(report);
      } catch (error) {
        report(error);
      }
    }
  }
}
