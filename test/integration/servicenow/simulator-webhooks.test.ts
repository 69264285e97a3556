import { createHmac } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { Writable } from 'node:stream';

import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { createServiceNowWebhookRoute, type ServiceNowNotification } from '../../../src/ingress/servicenow-webhook.js';
import { type HttpRoute, startHealthServer } from '../../../src/ops/health-server.js';
import { SyncMetrics } from '../../../src/ops/metrics.js';
import {
  InvalidSimulatorOptionError,
  startServiceNowSimulator,
  type ServiceNowSimulator,
} from '../../../src/simulators/servicenow/index.js';
import { rawRequest, resultOf } from './support.js';

const SECRET = 'shared-webhook-secret-7f3a9c1e';
const INTEGRATION_USER = { username: 'itsm.sync', password: 'demo-password' };
const AGENT = { username: 'agent.one', password: 'agent-password' };

const agentAuth = `Basic ${Buffer.from(`${AGENT.username}:${AGENT.password}`).toString('base64')}`;

/** A request as the capture route saw it, to replay later. */
interface CapturedRequest {
  headers: Record<string, string>;
  body: string;
}

/** The connector side: the health server with the webhook route, and what it received and logged. */
class Receiver {
  readonly notifications: ServiceNowNotification[] = [];
  readonly captured: CapturedRequest[] = [];
  readonly logLines: string[] = [];
  /** The receiver's clock, which tests move to replay a request later. */
  now = (): Date => new Date();
  /** Set to make onNotification fail, as a full work queue would. */
  failWith: Error | undefined;
  port = 0;
  private closeServer: (() => Promise<void>) | undefined;

  async start(): Promise<void> {
    const logger = pino(
      { level: 'debug' },
      new Writable({
        write: (chunk: Buffer, _encoding, done) => {
          this.logLines.push(chunk.toString('utf8'));
          done();
        },
      }),
    );
    const webhook = createServiceNowWebhookRoute({
      secret: SECRET,
      logger,
      now: () => this.now(),
      onNotification: async (notification) => {
        if (this.failWith) {
          throw this.failWith;
        }
        this.notifications.push(notification);
      },
    });

    const server = await startHealthServer({
      port: 0,
      host: '127.0.0.1',
      metrics: new SyncMetrics(),
      health: { isRunning: () => true, lastPollAt: () => Date.now() },
      routes: [this.captureRoute(), webhook],
      logger,
    });
    this.port = server.port;
    this.closeServer = server.close;
  }

  url(path = '/webhooks/servicenow'): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  async stop(): Promise<void> {
    await this.closeServer?.();
  }

  clear(): void {
    this.notifications.length = 0;
    this.captured.length = 0;
    this.logLines.length = 0;
    this.now = () => new Date();
    this.failWith = undefined;
  }

  /** Build a second route on the same port that records deliveries to /capture and responds 204. */
  private captureRoute(): HttpRoute {
    return async (request: IncomingMessage, response) => {
      if (request.url !== '/capture') {
        return false;
      }
      const chunks: Buffer[] = [];
      for await (const chunk of request) {
        chunks.push(chunk as Buffer);
      }
      this.captured.push({ headers: request.headers as Record<string, string>, body: Buffer.concat(chunks).toString('utf8') });
      response.writeHead(204);
      response.end();
      return true;
    };
  }
}

/** Sign a body the way the business rule does, independently of the code under test. */
function sign(secret: string, timestamp: string, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('base64');
}

async function post(url: string, body: string, headers: Record<string, string>): Promise<{ status: number; json: unknown }> {
  const response = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body });
  const text = await response.text();
  return { status: response.status, json: text === '' ? undefined : JSON.parse(text) };
}

const receiver = new Receiver();
let simulator: ServiceNowSimulator;

beforeAll(async () => {
  await receiver.start();
  simulator = await startServiceNowSimulator({
    users: [INTEGRATION_USER, AGENT, { username: 'jane.doe' }],
    webhooks: [
      { url: receiver.url(), secret: SECRET, tables: ['incident'], skipUsers: ['itsm.sync'] },
      { url: receiver.url('/capture'), secret: SECRET, tables: ['incident'], skipUsers: ['itsm.sync'] },
    ],
  });
});

afterAll(async () => {
  await simulator.stop();
  await receiver.stop();
});

beforeEach(() => {
  simulator.reset();
  receiver.clear();
});

afterEach(async () => {
  await simulator.webhooksSettled();
});

/** List the deliveries to the webhook route (not to /capture), oldest first. */
function routeDeliveries() {
  return simulator.webhookDeliveries().recent.filter((delivery) => delivery.url === receiver.url());
}

describe('simulator webhooks to the connector receiver', () => {
  it('delivers signed inserts and updates', async () => {
    const created = await rawRequest(simulator.url, 'POST', '/api/now/table/incident', {
      body: { short_description: 'public bucket' },
      authorization: agentAuth,
    });
    const sysId = resultOf<Record<string, string>>(created).sys_id ?? '';
    await rawRequest(simulator.url, 'PATCH', `/api/now/table/incident/${sysId}`, { body: { state: '2' }, authorization: agentAuth });
    await simulator.webhooksSettled();

    expect(created.status).toBe(201);
    expect(receiver.notifications).toEqual([
      { table: 'incident', sysId },
      { table: 'incident', sysId },
    ]);
    expect(routeDeliveries().map(({ status, operation }) => ({ status, operation }))).toEqual([
      { status: 202, operation: 'insert' },
      { status: 202, operation: 'update' },
    ]);
    expect(simulator.webhookDeliveries()).toMatchObject({ count: 4, pending: 0 });
  });

  it('sends the documented body and headers', async () => {
    const record = simulator.insertRecord('incident', { short_description: 'by hand' }, { user: 'jane.doe' });
    simulator.updateRecord('incident', record.sys_id ?? '', { state: '2' }, { user: 'jane.doe' });
    await simulator.webhooksSettled();

    const [insert, update] = receiver.captured;
    expect(JSON.parse(insert?.body ?? '')).toEqual({
      table: 'incident',
      sys_id: record.sys_id,
      sys_mod_count: 0,
      sys_updated_on: record.sys_updated_on,
      operation: 'insert',
    });
    expect(JSON.parse(update?.body ?? '')).toMatchObject({ sys_mod_count: 1, operation: 'update' });

    const timestamp = insert?.headers['x-itsmsync-timestamp'] ?? '';
    expect(Math.abs(Number(timestamp) - Date.now() / 1000)).toBeLessThan(60);
    expect(insert?.headers['x-itsmsync-signature']).toBe(sign(SECRET, timestamp, insert?.body ?? ''));
    expect(insert?.headers['content-type']).toBe('application/json');
    expect(receiver.notifications).toHaveLength(2);
  });

  it('skips listed users and unlisted tables', async () => {
    await rawRequest(simulator.url, 'POST', '/api/now/table/incident', { body: { short_description: 'by the connector' } });
    simulator.insertRecord('incident', { short_description: 'by the connector too' }, { user: 'itsm.sync' });
    await rawRequest(simulator.url, 'POST', '/api/now/table/problem', { body: { short_description: 'a problem' }, authorization: agentAuth });
    await simulator.webhooksSettled();

    expect(simulator.webhookDeliveries().count).toBe(0);
    expect(receiver.notifications).toEqual([]);
  });

  it('replays a captured request only within the tolerance', async () => {
    const record = simulator.insertRecord('incident', { short_description: 'captured' }, { user: 'jane.doe' });
    await simulator.webhooksSettled();
    const [captured] = receiver.captured;
    const headers = {
      'X-ItsmSync-Timestamp': captured?.headers['x-itsmsync-timestamp'] ?? '',
      'X-ItsmSync-Signature': captured?.headers['x-itsmsync-signature'] ?? '',
    };

    const soon = await post(receiver.url(), captured?.body ?? '', headers);
    receiver.now = () => new Date(Date.now() + 10 * 60_000);
    const later = await post(receiver.url(), captured?.body ?? '', headers);

    expect(soon.status).toBe(202);
    expect(later.status).toBe(401);
    expect(later.json).toEqual({ error: expect.stringMatching(/^invalid signature: timestamp is \d+ s old/) });
    expect(receiver.notifications).toEqual([
      { table: 'incident', sysId: record.sys_id },
      { table: 'incident', sysId: record.sys_id },
    ]);
  });

  it('rejects a captured signature on another body', async () => {
    simulator.insertRecord('incident', { short_description: 'captured' }, { user: 'jane.doe' });
    await simulator.webhooksSettled();
    const [captured] = receiver.captured;
    const forged = (captured?.body ?? '').replace(/"sys_id":"[0-9a-f]{32}"/, `"sys_id":"${'e'.repeat(32)}"`);

    const answer = await post(receiver.url(), forged, {
      'X-ItsmSync-Timestamp': captured?.headers['x-itsmsync-timestamp'] ?? '',
      'X-ItsmSync-Signature': captured?.headers['x-itsmsync-signature'] ?? '',
    });

    expect(forged).not.toBe(captured?.body);
    expect(answer.status).toBe(401);
    expect(receiver.notifications).toHaveLength(1);
  });

  it('rejects missing and garbled headers', async () => {
    const body = JSON.stringify({ table: 'incident', sys_id: 'a'.repeat(32) });
    const timestamp = String(Math.floor(Date.now() / 1000));

    const missing = await post(receiver.url(), body, {});
    const noSignature = await post(receiver.url(), body, { 'X-ItsmSync-Timestamp': timestamp });
    const garbled = await post(receiver.url(), body, { 'X-ItsmSync-Timestamp': timestamp, 'X-ItsmSync-Signature': 'c2lnbmF0dXJl' });

    expect([missing.status, noSignature.status, garbled.status]).toEqual([401, 401, 401]);
    expect(missing.json).toEqual({ error: 'invalid signature: missing X-ItsmSync-Timestamp header' });
    expect(receiver.notifications).toEqual([]);
  });

  it('answers 400 for a signed bad body', async () => {
    const body = JSON.stringify({ table: 'incident', sys_id: 'INC0010001' });
    const timestamp = String(Math.floor(Date.now() / 1000));

    const answer = await post(receiver.url(), body, { 'X-ItsmSync-Timestamp': timestamp, 'X-ItsmSync-Signature': sign(SECRET, timestamp, body) });

    expect(answer.status).toBe(400);
    expect(answer.json).toEqual({ error: expect.stringContaining('Invalid sys_id "INC0010001"') });
  });

  it('answers 413 for an oversized body', async () => {
    const body = JSON.stringify({ table: 'incident', sys_id: 'a'.repeat(32), padding: 'x'.repeat(70 * 1024) });
    const timestamp = String(Math.floor(Date.now() / 1000));

    const answer = await post(receiver.url(), body, { 'X-ItsmSync-Timestamp': timestamp, 'X-ItsmSync-Signature': sign(SECRET, timestamp, body) });

    expect(answer.status).toBe(413);
    expect(receiver.notifications).toEqual([]);
  });

  it('answers 500 when the notification cannot be queued', async () => {
    receiver.failWith = new Error('work queue is full');

    const record = simulator.insertRecord('incident', { short_description: 'queue full' }, { user: 'jane.doe' });
    await simulator.webhooksSettled();

    expect(routeDeliveries().map((delivery) => delivery.status)).toEqual([500]);
    const failure = receiver.logLines.map((line) => JSON.parse(line) as Record<string, unknown>).find((entry) => entry.level === 50);
    expect(failure).toMatchObject({ msg: 'Could not queue a ServiceNow webhook notification', sysId: record.sys_id, table: 'incident' });
  });

  it('answers 405 for other methods and leaves other paths alone', async () => {
    const get = await fetch(receiver.url());
    const health = await fetch(receiver.url('/healthz'));
    const metrics = await fetch(receiver.url('/metrics'));
    const other = await fetch(receiver.url('/webhooks/jira'), { method: 'POST', body: '{}' });

    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    expect(health.status).toBe(200);
    expect(metrics.status).toBe(200);
    expect(other.status).toBe(404);
  });

  it('never logs the secret or a signature', async () => {
    const record = simulator.insertRecord('incident', { short_description: 'logged' }, { user: 'jane.doe' });
    await simulator.webhooksSettled();
    const [captured] = receiver.captured;
    const signature = captured?.headers['x-itsmsync-signature'] ?? '';
    receiver.now = () => new Date(Date.now() + 10 * 60_000);
    await post(receiver.url(), captured?.body ?? '', {
      'X-ItsmSync-Timestamp': captured?.headers['x-itsmsync-timestamp'] ?? '',
      'X-ItsmSync-Signature': signature,
    });

    const log = receiver.logLines.join('');
    expect(log).toContain(record.sys_id);
    expect(log).toContain('bad signature');
    expect(log).not.toContain(SECRET);
    expect(log).not.toContain(signature);
  });
});

describe('simulator webhook failures', () => {
  it('reports a wrong secret as 401 without failing the write', async () => {
    const wrong = await startServiceNowSimulator({ webhooks: [{ url: receiver.url(), secret: 'not-the-shared-secret-000' }] });
    try {
      const created = await rawRequest(wrong.url, 'POST', '/api/now/table/incident', { body: { short_description: 'x' } });
      await wrong.webhooksSettled();

      expect(created.status).toBe(201);
      expect(wrong.webhookDeliveries().recent.map((delivery) => delivery.status)).toEqual([401]);
      expect(receiver.notifications).toEqual([]);
      expect(receiver.logLines.join('')).toContain('signature does not match');
    } finally {
      await wrong.stop();
    }
  });

  it('reports a stale clock as 401', async () => {
    const behind = await startServiceNowSimulator({
      clock: () => new Date(Date.now() - 10 * 60_000),
      webhooks: [{ url: receiver.url(), secret: SECRET }],
    });
    try {
      behind.insertRecord('incident', { short_description: 'late' });
      await behind.webhooksSettled();

      expect(behind.webhookDeliveries().recent.map((delivery) => delivery.status)).toEqual([401]);
      expect(receiver.logLines.join('')).toMatch(/timestamp is 6\d\d s old/);
    } finally {
      await behind.stop();
    }
  });

  it('records an unreachable receiver as an error', async () => {
    const closed = await startHealthServer({
      port: 0,
      host: '127.0.0.1',
      metrics: new SyncMetrics(),
      health: { isRunning: () => true, lastPollAt: () => Date.now() },
    });
    await closed.close();
    const orphan = await startServiceNowSimulator({
      webhooks: [{ url: `http://127.0.0.1:${closed.port}/webhooks/servicenow`, secret: SECRET }],
      logger: pino({ level: 'silent' }),
    });
    try {
      const created = await rawRequest(orphan.url, 'POST', '/api/now/table/incident', { body: { short_description: 'x' } });
      await orphan.webhooksSettled();

      const [delivery, ...others] = orphan.webhookDeliveries().recent;
      expect(created.status).toBe(201);
      expect(others).toEqual([]);
      expect(delivery?.status).toBeUndefined();
      expect(delivery?.error).toContain('ECONNREFUSED');
    } finally {
      await orphan.stop();
    }
  });

  it('rejects webhook options it cannot use', async () => {
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ url: 'http://example.com/hook', secret: SECRET }, /Rejected webhooks\[0\]\.url "http:\/\/example.com\/hook": .* only sends webhooks to loopback/],
      [{ url: 'http://10.0.0.8/hook', secret: SECRET }, /only sends webhooks to loopback/],
      [{ url: 'ftp://127.0.0.1/hook', secret: SECRET }, /only http and https URLs/],
      [{ url: '/webhooks/servicenow', secret: SECRET }, /Invalid webhooks\[0\]\.url "\/webhooks\/servicenow"/],
      [{ url: 'http://127.0.0.1:9/hook', secret: '' }, /Missing webhooks\[0\]\.secret/],
      [{ url: 'http://localhost:9/hook', secret: SECRET, tables: ['incidnet'] }, /Unknown table "incidnet" in webhooks\[0\]\.tables/],
    ];

    for (const [webhook, message] of cases) {
      const started = startServiceNowSimulator({ webhooks: [webhook as never] });
      await expect(started, JSON.stringify(webhook)).rejects.toThrow(InvalidSimulatorOptionError);
      await expect(started, JSON.stringify(webhook)).rejects.toThrow(message);
    }
  });

  it('accepts every loopback form', async () => {
    const loopback = await startServiceNowSimulator({
      webhooks: ['http://127.0.0.1:9/a', 'http://127.8.9.10:9/b', 'http://[::1]:9/c', 'http://localhost:9/d'].map((url) => ({ url, secret: SECRET })),
    });
    await loopback.stop();
  });
});
