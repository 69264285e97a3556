/**
 * HTTP plumbing that every simulator shares: a server on 127.0.0.1, request bodies read with a size
 * limit, responses written as JSON or HTML, and a stop that closes open connections.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { Logger } from 'pino';

/** A response that a simulator is about to send. */
export interface SimulatorResponse {
  status: number;
  /** A string is sent as `text/html` unless `headers` sets a Content-Type, anything else as JSON; undefined sends no body. */
  body?: unknown;
  headers?: Record<string, string>;
}

/** Options of {@link startSimulatorServer}. */
export interface SimulatorServerOptions {
  /** Port on 127.0.0.1; 0 or undefined picks a free port. */
  port?: number;
  /** The simulator in the log line of a failed request, such as `Jira simulator`. */
  name: string;
  logger: Logger;
  /** Reads the request and sends the response. */
  handle(request: IncomingMessage, response: ServerResponse): Promise<void>;
  /** Sends the simulator's own 500 response to a request whose handler threw. */
  sendInternalError(response: ServerResponse): void;
}

// Far above any request the tests send; it only keeps a runaway client from filling memory.
const MAX_BODY_BYTES = 10 * 1024 * 1024;

/**
 * Start an HTTP server on 127.0.0.1 that passes every request to `handle`. When the handler throws,
 * the error is logged and the client gets the simulator's 500 response, or a reset connection when
 * the response had already started, so that no client waits forever.
 *
 * @example
 * ```ts
 * const { server, url } = await startSimulatorServer({ name: 'Jira simulator', logger, handle, sendInternalError });
 * // ... send requests to url, then:
 * await closeServer(server);
 * ```
 */
export async function startSimulatorServer(options: SimulatorServerOptions): Promise<{ server: Server; url: string }> {
  const server = createServer((request, response) => {
    options.handle(request, response).catch((error: unknown) => {
      options.logger.error({ err: error, method: request.method, url: request.url }, `${options.name} failed to handle a request`);
      if (!response.headersSent) {
        options.sendInternalError(response);
      } else {
        response.destroy();
      }
    });
  });

  const url = await listenOnLoopback(server, options.port ?? 0);
  return { server, url };
}

/** Listen on `port` of 127.0.0.1 (0 picks a free one) and return the base URL, such as `http://127.0.0.1:49152`. */
export async function listenOnLoopback(server: Server, port: number): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });

  const address = server.address() as AddressInfo;
  return `http://127.0.0.1:${address.port}`;
}

/** Stop a server, closing its open connections too, because idle keep-alive connections would keep it running. */
export function closeServer(server: Server): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    server.closeAllConnections();
  });
}

/** Read a request body as UTF-8 text. Throws an Error for a body larger than 10 MiB. */
export async function readRequestBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;

  for await (const chunk of request) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY_BYTES) {
      throw new Error(`request body larger than ${MAX_BODY_BYTES} bytes`);
    }
    chunks.push(buffer);
  }

  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Write a simulator's response: no body for 204 or an undefined body, a string as HTML unless
 * `reply.headers` sets a Content-Type, anything else as JSON with `jsonHeaders`.
 */
export function writeResponse(response: ServerResponse, reply: SimulatorResponse, jsonHeaders: Readonly<Record<string, string>>): void {
  if (reply.status === 204 || reply.body === undefined) {
    response.writeHead(reply.status, reply.headers);
    response.end();
    return;
  }

  if (typeof reply.body === 'string') {
    response.writeHead(reply.status, { 'Content-Type': 'text/html;charset=UTF-8', ...reply.headers });
    response.end(reply.body);
    return;
  }

  response.writeHead(reply.status, { ...jsonHeaders, ...reply.headers });
  response.end(JSON.stringify(reply.body));
}
