/**
 * Test support for the Assets client and target: the simulator's Assets routes behind a node:http
 * server on 127.0.0.1, and a minimal axios implementation of AssetsHttp that talks to it.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import axios from 'axios';

import type { AssetsHttp, AssetsRequest } from '../../../src/targets/jira/assets/index.js';
import { handleAssetsRequest } from '../../../src/simulators/jira/assets/routes.js';
import { AssetsStore } from '../../../src/simulators/jira/assets/store.js';

/** One request the server received. */
export interface ReceivedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
}

/** A running Assets server for one test. */
export interface AssetsServer {
  /** Server root, such as http://127.0.0.1:40123. */
  url: string;
  /** Base URL of the Assets REST API for the deployment. */
  assetsUrl: string;
  store: AssetsStore;
  requests: ReceivedRequest[];
  /** Requests with this method whose path ends with `pathSuffix`. */
  requestsTo(method: string, pathSuffix: string | RegExp): ReceivedRequest[];
  close(): Promise<void>;
}

const running: AssetsServer[] = [];

/** Stop every server started since the last call; for afterEach. */
export async function closeAssetsServers(): Promise<void> {
  await Promise.all(running.splice(0).map((server) => server.close()));
}

/** Start the Assets routes for one deployment on a random port of 127.0.0.1; closeAssetsServers stops it. */
export async function startAssetsServer(deployment: 'cloud' | 'datacenter', store = new AssetsStore()): Promise<AssetsServer> {
  const requests: ReceivedRequest[] = [];

  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const url = new URL(request.url ?? '/', 'http://127.0.0.1');
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown;
      try {
        body = text === '' ? undefined : JSON.parse(text);
      } catch {
        response.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ errorMessages: ['Invalid JSON body.'], errors: {} }));
        return;
      }
      requests.push({ method: request.method ?? 'GET', path: url.pathname, query: Object.fromEntries(url.searchParams), body });

      const answer = handleAssetsRequest({
        method: request.method ?? 'GET',
        path: url.pathname,
        query: url.searchParams,
        body,
        user: { login: 'itsm-sync', displayName: 'itsm-sync integration' },
        deployment,
        store,
      }) ?? { status: 404, body: { errorMessages: ['Not an Assets path.'], errors: {} } };

      const headers = { ...(answer.body === undefined ? {} : { 'content-type': 'application/json' }), ...answer.headers };
      response.writeHead(answer.status, headers).end(answer.body === undefined ? undefined : JSON.stringify(answer.body));
    });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const assetsUrl = deployment === 'cloud' ? `${url}/jsm/assets/workspace/${store.workspaceId}/v1` : `${url}/rest/assets/1.0`;

  const started: AssetsServer = {
    url,
    assetsUrl,
    store,
    requests,
    requestsTo: (method, pathSuffix) =>
      requests.filter((request) => request.method === method && (typeof pathSuffix === 'string' ? request.path.endsWith(pathSuffix) : pathSuffix.test(request.path))),
    close: () => new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
  running.push(started);
  return started;
}

/** A failed request, with the HTTP status the Assets client checks. */
export class TestHttpError extends Error {
  constructor(
    readonly operation: string,
    readonly status: number,
    readonly body: unknown,
  ) {
    super(`${operation} failed: HTTP ${status} ${JSON.stringify(body)}`);
  }
}

/** The smallest AssetsHttp: axios, no auth, no retries. */
export class AxiosAssetsHttp implements AssetsHttp {
  readonly sent: AssetsRequest[] = [];

  constructor(private readonly baseUrl: string) {}

  async send<T>(request: AssetsRequest): Promise<T> {
    this.sent.push(request);
    const url = /^https?:\/\//.test(request.path) ? request.path : `${this.baseUrl}${request.path}`;
    const response = await axios.request({ url, method: request.method, params: request.params, data: request.body, validateStatus: () => true });

    if (response.status >= 200 && response.status < 300) {
      return (response.status === 204 ? undefined : response.data) as T;
    }
    throw new TestHttpError(request.operation, response.status, response.data);
  }
}
