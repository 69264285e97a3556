/**
 * The `/healthz` responses of the health server, over real HTTP on loopback, for each worker state
 * the ECS health check can meet.
 */
import { afterEach, describe, expect, it } from 'vitest';

import { startHealthServer, type HealthSource } from '../../../src/ops/health-server.js';
import { SyncMetrics } from '../../../src/ops/metrics.js';

let close: (() => Promise<void>) | undefined;

afterEach(async () => {
  await close?.();
  close = undefined;
});

/** Starts a health server over `health` and returns the status and body of one GET /healthz. */
async function healthz(health: HealthSource): Promise<{ status: number; body: Record<string, unknown> }> {
  const server = await startHealthServer({ port: 0, host: '127.0.0.1', metrics: new SyncMetrics(), health, stalledAfterMs: 1_000 });
  close = server.close;

  const response = await fetch(`http://127.0.0.1:${server.port}/healthz`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const LONG_AGO = Date.now() - 60_000;

describe('GET /healthz', () => {
  it('passes while the daemon starts', async () => {
    const { status, body } = await healthz({ isStarting: () => true, isRunning: () => false, lastPollAt: () => 0 });

    expect(status).toBe(200);
    expect(body).toEqual({ status: 'starting' });
  });

  it('passes after a recent receive', async () => {
    const { status, body } = await healthz({ isStarting: () => false, isRunning: () => true, lastPollAt: () => Date.now() });

    expect(status).toBe(200);
    expect(body.status).toBe('ok');
  });

  it('passes with every slot busy', async () => {
    const { status, body } = await healthz({ isRunning: () => true, lastPollAt: () => LONG_AGO, isBusy: () => true });

    expect(status).toBe(200);
    expect(body).toMatchObject({ status: 'ok', busy: true });
  });

  it('fails when the loop stalls with a free slot', async () => {
    const { status, body } = await healthz({ isRunning: () => true, lastPollAt: () => LONG_AGO, isBusy: () => false });

    expect(status).toBe(503);
    expect(body).toMatchObject({ status: 'unhealthy', busy: false });
  });

  it('fails once polling stopped, busy or not', async () => {
    const { status } = await healthz({ isRunning: () => false, lastPollAt: () => Date.now(), isBusy: () => true });

    expect(status).toBe(503);
  });
});
