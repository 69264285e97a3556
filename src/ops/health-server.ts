import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { SyncMetrics } from './metrics.js';

/** The worker state behind the health endpoint: whether it is polling and when it last did. */
export interface HealthSource {
  isRunning(): boolean;
  /** Time of the last completed receive call, in epoch milliseconds, or 0 before the first. */
  lastPollAt(): number;
}

/**
 * Serve `GET /healthz` (for the ECS container health check) and `GET /metrics` (Prometheus text).
 * The worker counts as unhealthy when it stopped polling, or when no receive call completed for
 * `stalledAfterMs`, which would mean the poll loop is stuck.
 */
export async function startHealthServer(options: {
  port: number;
  host?: string;
  health: HealthSource;
  metrics: SyncMetrics;
  stalledAfterMs?: number;
}): Promise<{ port: number; close(): Promise<void> }> {
  const stalledAfterMs = options.stalledAfterMs ?? 120_000;

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

      response.writeHead(404, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: 'not found: use /healthz or /metrics' }));
    })();
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
