import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { Logger } from './logger.js';
import type { SyncMetrics } from './metrics.js';

/** The worker state behind the health endpoint: whether it is polling and when it last did. */
export interface HealthSource {
  isRunning(): boolean;
  /** Time of the last completed receive call, in epoch milliseconds, or 0 before the first. */
  lastPollAt(): number;
}

/**
 * An extra HTTP handler on the health port, such as the ServiceNow webhook receiver. It returns
 * false when the request is not for it, and true once it has sent a response.
 */
export type HttpRoute = (request: IncomingMessage, response: ServerResponse) => Promise<boolean>;

/**
 * Serve `GET /healthz` (for the ECS container health check), `GET /metrics` (Prometheus text) and
 * any extra `routes`, tried in order before the 404. The worker counts as unhealthy when it stopped
 * polling, or when no receive call completed for `stalledAfterMs`, which would mean the poll loop is
 * stuck.
 *
 * @example
 * ```ts
 * const server = await startHealthServer({ port: 8080, health, metrics, routes: [webhookRoute], logger });
 * // ... later:
 * await server.close();
 * ```
 */
export async function startHealthServer(options: {
  port: number;
  host?: string;
  health: HealthSource;
  metrics: SyncMetrics;
  stalledAfterMs?: number;
  routes?: HttpRoute[];
  /** Logger for routes that throw. Default: none, so such errors only produce a 500. */
  logger?: Logger;
}): Promise<{ port: number; close(): Promise<void> }> {
  const stalledAfterMs = options.stalledAfterMs ?? 120_000;
  const routes = options.routes ?? [];

  const server: Server = createServer((request, response) => {
    void (async () => {
      if (request.method === 'GET' && request.url === '/healthz') {
        const sinceLastPoll = Date.now() - options.health.lastPollAt();
        const healthy = options.health.isRunning() && sinceLastPoll < stalledAfterMs;
        response.writeHead(healthy ? 200 : 503, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ status: healthy ? 'ok' : 'unhealthy', msSinceLastPoll: sinceLastPoll }));
        return;
      }

      if (request.method === 'GET' && request.url === '/metrics') {
        response.writeHead(200, { 'content-type': options.metrics.registry.contentType });
        response.end(await options.metrics.registry.metrics());
        return;
      }

      for (const route of routes) {
        if (await route(request, response)) {
          return;
        }
      }

      response.writeHead(404, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: 'not found: use /healthz or /metrics' }));
    })().catch((error: unknown) => {
      options.logger?.error({ err: error, method: request.method, url: request.url }, 'Health server failed to answer a request');
      if (response.headersSent) {
        response.destroy();
        return;
      }
      response.writeHead(500, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: 'internal error' }));
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '0.0.0.0', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
