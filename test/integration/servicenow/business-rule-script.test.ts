/**
 * Runs deploy/servicenow/itsm-sync-webhook.business-rule.js in a sandbox whose ServiceNow APIs are
 * stubbed as their documentation describes them (generateMac takes a base64 key and returns a
 * base64 MAC; getNumericValue is epoch milliseconds), then sends the request it built to the
 * connector's receiver. This checks the script against the receiver, not against a real instance.
 */
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { runInNewContext } from 'node:vm';

import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createServiceNowWebhookRoute, type ServiceNowNotification } from '../../../src/ingress/servicenow-webhook.js';
import { startHealthServer } from '../../../src/ops/health-server.js';
import { SyncMetrics } from '../../../src/ops/metrics.js';

const SCRIPT = readFileSync(new URL('../../../deploy/servicenow/itsm-sync-webhook.business-rule.js', import.meta.url), 'utf8');
const SECRET = 'business-rule-secret-4d2b8e';
const SYS_ID = '46d44a5fa9fe198101b2b1f1d0c0b1b7';

/** The outbound REST message the script built, as the RESTMessageV2 stub recorded it. */
interface OutboundRequest {
  endpoint?: string;
  method?: string;
  headers: Record<string, string>;
  body?: string;
  timeoutMs?: number;
}

interface RunOptions {
  properties?: Record<string, string>;
  fields?: Record<string, string>;
  /** What current.operation() returns; undefined leaves the method out, as in some async contexts. */
  operation?: string;
  responseStatus?: number;
}

/** Run the business rule once and return what it sent and logged. */
function runBusinessRule(options: RunOptions = {}): { requests: OutboundRequest[]; logs: string[] } {
  const requests: OutboundRequest[] = [];
  const logs: string[] = [];
  const properties: Record<string, string> = options.properties ?? {
    'itsm_sync.webhook.url': 'http://receiver.invalid/webhooks/servicenow',
    'itsm_sync.webhook.secret': SECRET,
  };
  const fields: Record<string, string> = {
    sys_mod_count: '2',
    sys_updated_on: '2025-03-10 14:00:00',
    sys_updated_by: 'agent.one',
    ...options.fields,
  };

  const current: Record<string, unknown> = {
    getValue: (name: string) => fields[name] ?? null,
    getTableName: () => 'incident',
    getUniqueValue: () => SYS_ID,
  };
  if (options.operation !== undefined) {
    current.operation = () => options.operation;
  }

  class RESTMessageV2 {
    private readonly request: OutboundRequest = { headers: {} };
    setEndpoint(url: string) {
      this.request.endpoint = url;
    }
    setHttpMethod(method: string) {
      this.request.method = method;
    }
    setRequestHeader(name: string, value: string) {
      this.request.headers[name] = value;
    }
    setRequestBody(body: string) {
      this.request.body = body;
    }
    setHttpTimeout(ms: number) {
      this.request.timeoutMs = ms;
    }
    execute() {
      requests.push(this.request);
      return { getStatusCode: () => options.responseStatus ?? 202, getBody: () => '{"error":"rejected"}' };
    }
  }

  runInNewContext(SCRIPT, {
    current,
    previous: null,
    gs: {
      getProperty: (name: string, fallback: string) => properties[name] ?? fallback,
      warn: (message: string) => logs.push(`warn: ${message}`),
      error: (message: string) => logs.push(`error: ${message}`),
    },
    GlideStringUtil: { base64Encode: (text: string) => Buffer.from(text, 'utf8').toString('base64') },
    GlideCertificateEncryption: class {
      generateMac(base64Key: string, algorithm: string, data: string): string {
        expect(algorithm).toBe('HmacSHA256');
        return createHmac('sha256', Buffer.from(base64Key, 'base64')).update(data, 'utf8').digest('base64');
      }
    },
    GlideDateTime: class {
      getNumericValue(): number {
        return Date.now();
      }
    },
    sn_ws: { RESTMessageV2 },
  });

  return { requests, logs };
}

const notifications: ServiceNowNotification[] = [];
let receiverUrl = '';
let closeReceiver: () => Promise<void>;

beforeAll(async () => {
  const route = createServiceNowWebhookRoute({
    secret: SECRET,
    logger: pino({ level: 'silent' }),
    onNotification: async (notification) => {
      notifications.push(notification);
    },
  });
  const server = await startHealthServer({
    port: 0,
    host: '127.0.0.1',
    metrics: new SyncMetrics(),
    health: { isRunning: () => true, lastPollAt: () => Date.now() },
    routes: [route],
  });
  receiverUrl = `http://127.0.0.1:${server.port}/webhooks/servicenow`;
  closeReceiver = server.close;
});

afterAll(async () => {
  await closeReceiver();
});

describe('webhook business rule script', () => {
  it('builds a request the receiver accepts', async () => {
    const { requests, logs } = runBusinessRule({ operation: 'update' });
    const [request] = requests;

    const response = await fetch(receiverUrl, { method: 'POST', headers: request?.headers, body: request?.body });

    expect(logs).toEqual([]);
    expect(request).toMatchObject({ endpoint: 'http://receiver.invalid/webhooks/servicenow', method: 'post', timeoutMs: 10000 });
    expect(JSON.parse(request?.body ?? '')).toEqual({
      table: 'incident',
      sys_id: SYS_ID,
      sys_mod_count: 2,
      sys_updated_on: '2025-03-10 14:00:00',
      operation: 'update',
    });
    expect(Object.keys(request?.headers ?? {}).sort()).toEqual(['Content-Type', 'X-ItsmSync-Signature', 'X-ItsmSync-Timestamp']);
    expect(response.status).toBe(202);
    expect(notifications.at(-1)).toEqual({ table: 'incident', sysId: SYS_ID });
  });

  it('tells inserts from updates without current.operation()', () => {
    const inserted = runBusinessRule({ fields: { sys_mod_count: '0' } });
    const updated = runBusinessRule({ fields: { sys_mod_count: '5' } });

    expect(JSON.parse(inserted.requests[0]?.body ?? '')).toMatchObject({ operation: 'insert', sys_mod_count: 0 });
    expect(JSON.parse(updated.requests[0]?.body ?? '')).toMatchObject({ operation: 'update', sys_mod_count: 5 });
  });

  it('skips the integration user', () => {
    const { requests } = runBusinessRule({ fields: { sys_updated_by: 'itsm.sync' } });

    expect(requests).toEqual([]);
  });

  it('warns when its properties are missing', () => {
    const { requests, logs } = runBusinessRule({ properties: { 'itsm_sync.webhook.url': 'http://receiver.invalid/' } });

    expect(requests).toEqual([]);
    expect(logs).toEqual([expect.stringContaining('set the system properties itsm_sync.webhook.url and itsm_sync.webhook.secret')]);
  });

  it('logs a rejection without the secret or signature', () => {
    const { requests, logs } = runBusinessRule({ responseStatus: 401 });
    const signature = requests[0]?.headers['X-ItsmSync-Signature'] ?? '';

    expect(logs).toHaveLength(1);
    expect(logs[0]).toContain('answered 401 for incident');
    expect(logs[0]).not.toContain(SECRET);
    expect(logs[0]).not.toContain(signature);
  });
});
