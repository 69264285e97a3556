/**
 * A small programmable HTTP server on 127.0.0.1 that replaces Jira in the client tests. Each test
 * queues the responses it needs for a method and path, and reads back the requests the client sent.
 * The full Jira simulator is in src/simulators/jira. This one produces exact status codes, headers,
 * bodies and broken connections on demand.
 */

import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as the server received it. */
export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  rawBody: string;
  /** The body parsed as JSON, or undefined when it is empty or not JSON. */
  body: unknown;
}

/** One response: a JSON body (any value but a string), a raw string body, or a dropped connection. */
export interface Reply {
  status?: number;
  headers?: Record<string, string>;
  body?: unknown;
  /** Close the connection without a response, as a crashed proxy does. */
  destroy?: boolean;
  /** Delay before the response, in milliseconds. */
  delayMs?: number;
}

export type Handler = (request: RecordedRequest) => Reply;

export interface FakeJira {
  url: string;
  /** Every request received, in order. */
  requests: RecordedRequest[];
  /** Queue responses for `METHOD path`. Each request takes the next one. */
  queue(method: string, path: string, ...replies: Reply[]): void;
  /** Answer every request for `METHOD path` with a function, once its queue is empty. */
  route(method: string, path: string, handler: Handler): void;
  /** Requests for `METHOD path`. */
  requestsTo(method: string, path: string): RecordedRequest[];
  close(): Promise<void>;
}

const JSON_TYPE = 'application/json;charset=UTF-8';

/** Start a fake Jira on a random port of 127.0.0.1. */
export async function startFakeJira(): Promise<FakeJira> {
  const requests: RecordedRequest[] = [];
  const queues = new Map<string, Reply[]>();
  const handlers = new Map<string, Handler>();

  const server: Server = createServer((incoming, response) => {
    void readBody(incoming).then((rawBody) => {
      const url = new URL(incoming.url ?? '/', 'http://127.0.0.1');
      const request: RecordedRequest = {
        method: incoming.method ?? 'GET',
        path: url.pathname,
        query: url.searchParams,
        headers: incoming.headers,
        rawBody,
        body: parseJson(rawBody),
      };
      requests.push(request);

      const key = routeKey(request.method, request.path);
      const reply = queues.get(key)?.shift() ?? handlers.get(key)?.(request) ?? {
        status: 599,
        body: { errorMessages: [`The test queued no response for ${key}`] },
      };
      sendReply(response, reply);
    });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    queue(method, path, ...replies) {
      const key = routeKey(method, path);
      queues.set(key, [...(queues.get(key) ?? []), ...replies]);
    },
    route(method, path, handler) {
      handlers.set(routeKey(method, path), handler);
    },
    requestsTo(method, path) {
      return requests.filter((request) => request.method === method && request.path === path);
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/** Build a reply from a corpus fixture (`{ response: { status, headers, body } }`). */
export function fixtureReply(fixture: { response: { status: number; headers: Record<string, string>; body: unknown } }): Reply {
  const { status, headers, body } = fixture.response;
  return { status, headers, body: body === null ? 'null' : body };
}

function sendReply(response: ServerResponse, reply: Reply): void {
  const send = (): void => {
    if (reply.destroy) {
      response.socket?.destroy();
      return;
    }

    const isText = typeof reply.body === 'string';
    let text = '';
    if (isText) {
      text = reply.body as string;
    } else if (reply.body !== undefined) {
      text = JSON.stringify(reply.body);
    }
    const headers: Record<string, string> = { ...(reply.body !== undefined && !isText ? { 'Content-Type': JSON_TYPE } : {}), ...reply.headers };
    response.writeHead(reply.status ?? 200, headers);
    response.end(text);
  };

  if (reply.delayMs) {
    setTimeout(send, reply.delayMs);
  } else {
    send();
  }
}

function routeKey(method: string, path: string): string {
  return `${method.toUpperCase()} ${path}`;
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function parseJson(text: string): unknown {
  if (text === '') {
    return undefined;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
