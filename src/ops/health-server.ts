import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { Logger } from './logger.js';
import type { SyncMetrics } from './metrics.js';

/** The worker state behind the health endpoint: whether it is polling and when it last did. */
export interface HealthSource {
  isRunning(): boolean;
  /** Time of the last completed receive call, in epoch milliseconds, or 0 before the first. */
  lastPollAt(): number;
  /** True while the daemon starts (loads mappings, rebuilds links) and does not poll yet. */
  isStarting?(): boolean;
  /**
   * True while every slot has a message in progress. The poll loop then waits for a handler, not for SQS, so
   * a slow ITSM system does not count as a stalled loop. Handlers end through their own timeouts.
   */
  isBusy?(): boolean;
}

/**
 * An extra HTTP handler on the health port, such as the ServiceNow webhook receiver. It returns
 * false when the request is not for it, and true once it has sent a response.
 */
export type HttpRoute = (request: IncomingMessage, response: ServerResponse) => Promise<boolean>;

/**
 * Serve `GET /healthz` (for the ECS container health check), `GET /metrics` (Prometheus text) and
 * any extra `routes`, tried in order before the 404. Routes added to the array later are served
 * too. The worker counts as healthy while it starts. After that it is unhealthy when it stopped
 * polling, or when no receive call completed for `stalledAfterMs` while a slot was free, which
 * would mean the poll loop is stuck.
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
        const { health } = options;
        if (health.isStarting?.()) {
          response.writeHead(200, { 'content-type': 'application/json' });
          response.end(JSON.stringify({ status: 'starting' }));
          return;
        }

        const sinceLastPoll = Date.now() - health.lastPollAt();
        const busy = health.isBusy?.() ?? false;
        const healthy = health.isRunning() && (sinceLastPoll < stalledAfterMs || busy);
        response.writeHead(healthy ? 200 : 503, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ status: healthy ? 'ok' : 'unhealthy', msSinceLastPoll: sinceLastPoll, busy }));
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
