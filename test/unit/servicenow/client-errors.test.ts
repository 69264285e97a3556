import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';

import nock from 'nock';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { ServiceNowClient, type ServiceNowClientConfig } from '../../../src/targets/servicenow/client.js';
import {
  ServiceNowAuthError,
  ServiceNowConfigError,
  ServiceNowDataPolicyError,
  ServiceNowError,
  ServiceNowNetworkError,
  ServiceNowNotFoundError,
  ServiceNowPermissionError,
  ServiceNowRateLimitError,
  ServiceNowRequestError,
  ServiceNowServerError,
  ServiceNowUnavailableError,
} from '../../../src/targets/servicenow/errors.js';

const INSTANCE = 'https://acme.service-now.test';
const SYS_ID = '8f40be6ce6ee2f0b974e06e33c60a5a8';
const PASSWORD = 'pa55-w0rd-never-logged';
const CLIENT_SECRET = 'client-secret-never-logged';
const BASIC_HEADER = `Basic ${Buffer.from(`itsm.sync:${PASSWORD}`).toString('base64')}`;

interface HttpFixture {
  response: { status: number; headers: Record<string, string>; body: unknown };
}

function fixture(path: string): HttpFixture['response'] {
  const file = new URL(`../../fixtures/servicenow/${path}`, import.meta.url);
  return (JSON.parse(readFileSync(file, 'utf8')) as HttpFixture).response;
}

function replyWith(scope: nock.Interceptor, path: string): nock.Scope {
  const response = fixture(path);
  const body = typeof response.body === 'string' ? response.body : JSON.stringify(response.body);
  return scope.reply(response.status, body, response.headers);
}

const okRecord = (fields: Record<string, string> = {}) =>
  JSON.stringify({ result: { sys_id: SYS_ID, number: 'INC0010042', ...fields } });
const JSON_TYPE = { 'Content-Type': 'application/json;charset=UTF-8' };

/** Collects pino's output lines. */
function capturingLogger(): { logger: pino.Logger; lines: string[] } {
  const lines: string[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => lines.push(line) });
  return { logger, lines };
}

function basicClient(overrides: Partial<ServiceNowClientConfig> = {}): ServiceNowClient {
  return new ServiceNowClient({
    instanceUrl: INSTANCE,
    auth: { type: 'basic', username: 'itsm.sync', password: PASSWORD },
    retryBaseMs: 5,
    maxRetries: 3,
    ...overrides,
  });
}

function oauthClient(overrides: Partial<ServiceNowClientConfig> = {}): ServiceNowClient {
  return basicClient({ auth: { type: 'oauth', clientId: 'itsm-sync-client', clientSecret: CLIENT_SECRET }, ...overrides });
}

function tokenReply(token: string, expiresIn = 1799) {
  return [200, JSON.stringify({ access_token: token, scope: 'useraccount', token_type: 'Bearer', expires_in: expiresIn }), JSON_TYPE] as const;
}

async function captureError(promise: Promise<unknown>): Promise<ServiceNowError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ServiceNowError);
  return error as ServiceNowError;
}

beforeAll(() => {
  nock.disableNetConnect();
});

afterEach(() => {
  nock.cleanAll();
});

afterAll(() => {
  nock.enableNetConnect();
});

describe('ServiceNowClient requests', () => {
  it('sends raw values without reference links and the basic header', async () => {
    const scope = nock(INSTANCE, { reqheaders: { authorization: BASIC_HEADER } })
      .post('/api/now/table/incident', { short_description: 'S3 bucket is public' })
      .query({ sysparm_display_value: 'false', sysparm_exclude_reference_link: 'true', sysparm_fields: 'sys_id,number' })
      .reply(201, okRecord(), JSON_TYPE);
    const client = basicClient();

    const record = await client.createRecord(
      'incident',
      { short_description: 'S3 bucket is public' },
      { fields: ['sys_id', 'number'] },
    );

    expect(record.sys_id).toBe(SYS_ID);
    expect(scope.isDone()).toBe(true);
    expect(client.calls).toBe(1);
  });

  it('sends the encoded query as one URL-encoded parameter', async () => {
    const value = `a^^b&c=d e"f'g`;
    const scope = nock(INSTANCE)
      .get('/api/now/table/incident')
      .query((query) => query.sysparm_query === `correlation_id=${value}^ORDERBYsys_id` && query.sysparm_limit === '10')
      .reply(200, JSON.stringify({ result: [] }), JSON_TYPE);

    const records: unknown[] = [];
    for await (const record of basicClient().queryRecords('incident', `correlation_id=${value}`, { pageSize: 10 })) {
      records.push(record);
    }

    expect(records).toEqual([]);
    expect(scope.isDone()).toBe(true);
  });

  it('rejects invalid table names and sys_ids before sending', async () => {
    const client = basicClient();

    await expect(client.getRecord('incident/../sys_user', SYS_ID)).rejects.toThrow(/Invalid ServiceNow table name/);
    await expect(client.updateRecord('incident', 'not-a-sys-id', {})).rejects.toThrow(/Invalid sys_id "not-a-sys-id"/);
    expect(client.calls).toBe(0);
  });
});

describe('ServiceNowClient retries', () => {
  it('waits for Retry-After on a 429, then succeeds', async () => {
    const scope = nock(INSTANCE)
      .get(`/api/now/table/incident/${SYS_ID}`)
      .query(true)
      .reply(429, JSON.stringify(fixture('errors/429-rate-limited.http.json').body), { ...JSON_TYPE, 'Retry-After': '1' })
      .get(`/api/now/table/incident/${SYS_ID}`)
      .query(true)
      .reply(200, okRecord(), JSON_TYPE);
    const { logger, lines } = capturingLogger();
    const client = basicClient({ logger });
    const started = Date.now();

    const record = await client.getRecord('incident', SYS_ID);

    expect(record?.number).toBe('INC0010042');
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(client.calls).toBe(2);
    expect(scope.isDone()).toBe(true);

    const retryLine = JSON.parse(lines.find((line) => line.includes('retrying')) ?? '{}') as Record<string, unknown>;
    expect(retryLine).toMatchObject({ level: 40, operation: `get incident ${SYS_ID}`, table: 'incident', sysId: SYS_ID, attempt: 1, status: 429 });
  });

  it('waits until X-RateLimit-Reset when there is no Retry-After', async () => {
    const reset = Math.floor(Date.now() / 1000) + 2;
    const headers = { ...JSON_TYPE, 'X-RateLimit-Limit': '100', 'X-RateLimit-Reset': String(reset) };
    nock(INSTANCE)
      .get(`/api/now/table/incident/${SYS_ID}`)
      .query(true)
      .reply(429, JSON.stringify(fixture('errors/429-rate-limited.http.json').body), headers)
      .get(`/api/now/table/incident/${SYS_ID}`)
      .query(true)
      .reply(200, okRecord(), JSON_TYPE);
    const client = basicClient();

    await client.getRecord('incident', SYS_ID);

    expect(Date.now()).toBeGreaterThanOrEqual(reset * 1000 - 50);
    expect(client.calls).toBe(2);
  });

  it('backs off on a 429 without rate limit headers', async () => {
    nock(INSTANCE)
      .get(`/api/now/table/incident/${SYS_ID}`)
      .query(true)
      .reply(429, JSON.stringify(fixture('errors/429-rate-limited.http.json').body), JSON_TYPE)
      .get(`/api/now/table/incident/${SYS_ID}`)
      .query(true)
      .reply(200, okRecord(), JSON_TYPE);
    const client = basicClient();

    expect((await client.getRecord('incident', SYS_ID))?.sys_id).toBe(SYS_ID);
    expect(client.calls).toBe(2);
  });

  it('gives up at once when Retry-After exceeds the maximum delay', async () => {
    replyWith(nock(INSTANCE).get(`/api/now/table/incident/${SYS_ID}`).query(true), 'errors/429-rate-limited.http.json');
    const client = basicClient({ maxRetryDelayMs: 10_000 });

    const error = await captureError(client.getRecord('incident', SYS_ID));

    expect(error).toBeInstanceOf(ServiceNowRateLimitError);
    expect(error.retryable).toBe(true);
    expect(error.retryAfterMs).toBe(1_423_000);
    expect(error.serviceNowMessage).toBe('Rate limit exceeded');
    expect(client.calls).toBe(1);
  });

  it('retries a 500 and then succeeds', async () => {
    nock(INSTANCE)
      .patch(`/api/now/table/incident/${SYS_ID}`)
      .query(true)
      .reply(500, JSON.stringify({ error: { message: 'Internal error', detail: null }, status: 'failure' }), JSON_TYPE)
      .patch(`/api/now/table/incident/${SYS_ID}`)
      .query(true)
      .reply(200, okRecord({ state: '2' }), JSON_TYPE);
    const client = basicClient();

    const record = await client.updateRecord('incident', SYS_ID, { state: '2' });

    expect(record.state).toBe('2');
    expect(client.calls).toBe(2);
  });

  it('reports the attempts when retries run out', async () => {
    nock(INSTANCE)
      .patch(`/api/now/table/incident/${SYS_ID}`)
      .query(true)
      .times(4)
      .reply(503, JSON.stringify({ error: { message: 'Service Unavailable', detail: 'maintenance' }, status: 'failure' }), JSON_TYPE);
    const client = basicClient({ maxRetries: 3 });

    const error = await captureError(client.updateRecord('incident', SYS_ID, { state: '2' }));

    expect(error).toBeInstanceOf(ServiceNowServerError);
    expect(error.attempts).toBe(4);
    expect(error.message).toContain(`ServiceNow update incident ${SYS_ID} failed: HTTP 503 "Service Unavailable" (maintenance) after 4 attempts.`);
    expect(client.calls).toBe(4);
  });

  it('retries a network error and a timeout', async () => {
    nock(INSTANCE)
      .get(`/api/now/table/incident/${SYS_ID}`)
      .query(true)
      .replyWithError('read ECONNRESET')
      .get(`/api/now/table/incident/${SYS_ID}`)
      .query(true)
      .delay(500)
      .reply(200, okRecord(), JSON_TYPE)
      .get(`/api/now/table/incident/${SYS_ID}`)
      .query(true)
      .reply(200, okRecord(), JSON_TYPE);
    const client = basicClient({ timeoutMs: 100 });

    expect((await client.getRecord('incident', SYS_ID))?.sys_id).toBe(SYS_ID);
    expect(client.calls).toBe(3);
  });

  it('ends with a ServiceNowNetworkError when the network stays down', async () => {
    nock(INSTANCE).get(`/api/now/table/incident/${SYS_ID}`).query(true).times(2).replyWithError('connect ECONNREFUSED 127.0.0.1:443');

    const error = await captureError(basicClient({ maxRetries: 1 }).getRecord('incident', SYS_ID));

    expect(error).toBeInstanceOf(ServiceNowNetworkError);
    expect(error.status).toBeUndefined();
    expect(error.message).toMatch(/ECONNREFUSED.*Check SERVICENOW_INSTANCE_URL/);
  });
});

describe('ServiceNowClient answers that are not Table API JSON', () => {
  it('treats the hibernation page as unavailable and retries it', async () => {
    replyWith(nock(INSTANCE).get(`/api/now/table/incident/${SYS_ID}`).query(true), 'errors/hibernating-instance.http.json');
    nock(INSTANCE).get(`/api/now/table/incident/${SYS_ID}`).query(true).reply(200, okRecord(), JSON_TYPE);
    const client = basicClient();

    expect((await client.getRecord('incident', SYS_ID))?.sys_id).toBe(SYS_ID);
    expect(client.calls).toBe(2);
  });

  it('names the hibernation page when retries run out', async () => {
    const scope = nock(INSTANCE).get(`/api/now/table/incident/${SYS_ID}`).query(true).times(2);
    replyWith(scope, 'errors/hibernating-instance.http.json');

    const error = await captureError(basicClient({ maxRetries: 1 }).getRecord('incident', SYS_ID));

    expect(error).toBeInstanceOf(ServiceNowUnavailableError);
    expect(error.retryable).toBe(true);
    expect(error.detail).toContain('Instance Hibernating page');
    expect(error.message).toMatch(/hibernating/);
  });

  it('treats a 2xx without result as unavailable', async () => {
    nock(INSTANCE).post('/api/now/table/incident').query(true).times(2).reply(201, JSON.stringify({ status: 'ok' }), JSON_TYPE);

    const error = await captureError(basicClient({ maxRetries: 1 }).createRecord('incident', { short_description: 'x' }));

    expect(error).toBeInstanceOf(ServiceNowUnavailableError);
    expect(error.detail).toBe('the JSON answer has no "result"');
    expect(error.attempts).toBe(2);
  });

  it('does not follow a redirect to a login page', async () => {
    nock(INSTANCE).get(`/api/now/table/incident/${SYS_ID}`).query(true).reply(302, '', { Location: 'https://sso.example.test/login' });
    const client = basicClient();

    const error = await captureError(client.getRecord('incident', SYS_ID));

    expect(error).toBeInstanceOf(ServiceNowUnavailableError);
    expect(error.retryable).toBe(false);
    expect(error.detail).toBe('redirected to https://sso.example.test/login');
    expect(client.calls).toBe(1);
  });
});

describe('ServiceNowClient errors that are not retried', () => {
  it('carries the invalid table message on a 400', async () => {
    replyWith(nock(INSTANCE).get('/api/now/table/incidnet').query(true), 'errors/400-invalid-table.http.json');
    const client = basicClient();

    const error = await captureError(client.queryPage('incidnet', '', { limit: 1 }));

    expect(error).toBeInstanceOf(ServiceNowRequestError);
    expect(error.status).toBe(400);
    expect(error.serviceNowMessage).toBe('Invalid table incidnet');
    expect(error.message).toContain('ServiceNow query incidnet failed: HTTP 400 "Invalid table incidnet"');
    expect(client.calls).toBe(1);
  });

  it('names the role to grant on an ACL 403', async () => {
    replyWith(nock(INSTANCE).post('/api/now/table/incident').query(true), 'errors/403-acl.http.json');
    const client = basicClient();

    const error = await captureError(client.createRecord('incident', { short_description: 'x' }));

    expect(error).toBeInstanceOf(ServiceNowPermissionError);
    expect(error.detail).toBe('Failed API level ACL Validation');
    expect(error.message).toContain('Grant the integration user a role that may create incident records');
    expect(client.calls).toBe(1);
  });

  it('carries the data policy detail on a 403', async () => {
    replyWith(nock(INSTANCE).patch(`/api/now/table/incident/${SYS_ID}`).query(true), 'errors/403-data-policy.http.json');
    const client = basicClient();

    const error = await captureError(client.updateRecord('incident', SYS_ID, { state: '6' }));

    expect(error).toBeInstanceOf(ServiceNowDataPolicyError);
    expect(error.retryable).toBe(false);
    expect(error.operation).toBe(`update incident ${SYS_ID}`);
    expect(error.detail).toContain('Resolution code is mandatory');
    expect(error.message).toContain('(Data Policy Exception: Resolution code is mandatory Resolution notes is mandatory)');
    expect(error.message).toContain('close_code and close_notes');
    expect(client.calls).toBe(1);
  });

  it('names a business rule abort, not a role', async () => {
    nock(INSTANCE)
      .patch(`/api/now/table/change_request/${SYS_ID}`)
      .query(true)
      .reply(403, {
        error: {
          message: 'Operation Failed',
          detail: "Operation against file 'change_request' was aborted by Business Rule 'Change Model: Check State Transition^abc'.",
        },
        status: 'failure',
      });
    const client = basicClient();

    const error = await captureError(client.updateRecord('change_request', SYS_ID, { state: '3' }));

    expect(error).toBeInstanceOf(ServiceNowRequestError);
    expect(error.retryable).toBe(false);
    expect(error.message).toContain('A business rule on the instance rejected this write');
    expect(error.message).not.toContain('Grant the integration user');
  });

  it('raises a 404 on update and returns undefined on get', async () => {
    replyWith(nock(INSTANCE).patch(`/api/now/table/incident/${SYS_ID}`).query(true), 'errors/404-no-record.http.json');
    replyWith(nock(INSTANCE).get(`/api/now/table/incident/${SYS_ID}`).query(true), 'errors/404-no-record.http.json');
    const client = basicClient();

    const error = await captureError(client.updateRecord('incident', SYS_ID, { state: '2' }));
    const record = await client.getRecord('incident', SYS_ID);

    expect(error).toBeInstanceOf(ServiceNowNotFoundError);
    expect(error.serviceNowMessage).toBe('No Record found');
    expect(record).toBeUndefined();
    expect(client.calls).toBe(2);
  });

  it('tells which settings to check on a basic 401', async () => {
    replyWith(nock(INSTANCE).get(`/api/now/table/incident/${SYS_ID}`).query(true), 'errors/401-not-authenticated.http.json');
    const client = basicClient();

    const error = await captureError(client.getRecord('incident', SYS_ID));

    expect(error).toBeInstanceOf(ServiceNowAuthError);
    expect(error.message).toContain('HTTP 401 "User Not Authenticated"');
    expect(error.message).toContain('SERVICENOW_USERNAME and SERVICENOW_PASSWORD');
    expect(client.calls).toBe(1);
  });
});

describe('ServiceNowClient OAuth', () => {
  it('refreshes the token once on a 401 and repeats the call', async () => {
    const tokens = nock(INSTANCE)
      .post('/oauth_token.do', (body: Record<string, string>) => body.grant_type === 'client_credentials' && body.client_id === 'itsm-sync-client' && body.client_secret === CLIENT_SECRET)
      .reply(...tokenReply('token-one'))
      .post('/oauth_token.do')
      .reply(...tokenReply('token-two'));
    const table = nock(INSTANCE)
      .get(`/api/now/table/incident/${SYS_ID}`)
      .query(true)
      .matchHeader('authorization', 'Bearer token-one')
      .reply(401, JSON.stringify(fixture('errors/401-not-authenticated.http.json').body), JSON_TYPE)
      .get(`/api/now/table/incident/${SYS_ID}`)
      .query(true)
      .matchHeader('authorization', 'Bearer token-two')
      .reply(200, okRecord(), JSON_TYPE);
    const client = oauthClient();

    expect((await client.getRecord('incident', SYS_ID))?.sys_id).toBe(SYS_ID);
    expect(tokens.isDone()).toBe(true);
    expect(table.isDone()).toBe(true);
    expect(client.tokenRequests).toBe(2);
    expect(client.calls).toBe(2);
  });

  it('refreshes only once when the new token is rejected too', async () => {
    nock(INSTANCE).post('/oauth_token.do').times(2).reply(...tokenReply('token'));
    nock(INSTANCE).get(`/api/now/table/incident/${SYS_ID}`).query(true).times(2).reply(401, JSON.stringify(fixture('errors/401-not-authenticated.http.json').body), JSON_TYPE);
    const client = oauthClient();

    const error = await captureError(client.getRecord('incident', SYS_ID));

    expect(error).toBeInstanceOf(ServiceNowAuthError);
    expect(error.message).toContain('SERVICENOW_CLIENT_ID');
    expect(client.tokenRequests).toBe(2);
    expect(client.calls).toBe(2);
  });

  it('caches the token across calls', async () => {
    nock(INSTANCE).post('/oauth_token.do').once().reply(...tokenReply('cached-token'));
    nock(INSTANCE).get(`/api/now/table/incident/${SYS_ID}`).query(true).times(3).matchHeader('authorization', 'Bearer cached-token').reply(200, okRecord(), JSON_TYPE);
    const client = oauthClient();

    await Promise.all([client.getRecord('incident', SYS_ID), client.getRecord('incident', SYS_ID)]);
    await client.getRecord('incident', SYS_ID);

    expect(client.tokenRequests).toBe(1);
    expect(client.calls).toBe(3);
  });

  it('fetches a new token shortly before the old one expires', async () => {
    nock(INSTANCE).post('/oauth_token.do').reply(...tokenReply('short-lived', 1)).post('/oauth_token.do').reply(...tokenReply('next'));
    nock(INSTANCE).get(`/api/now/table/incident/${SYS_ID}`).query(true).matchHeader('authorization', 'Bearer short-lived').reply(200, okRecord(), JSON_TYPE);
    nock(INSTANCE).get(`/api/now/table/incident/${SYS_ID}`).query(true).matchHeader('authorization', 'Bearer next').reply(200, okRecord(), JSON_TYPE);
    const client = oauthClient();

    await client.getRecord('incident', SYS_ID);
    await new Promise((resolve) => setTimeout(resolve, 950));
    await client.getRecord('incident', SYS_ID);

    expect(client.tokenRequests).toBe(2);
  });

  it('rejects a wrong client secret without retrying', async () => {
    nock(INSTANCE).post('/oauth_token.do').reply(401, JSON.stringify({ error_description: 'access_denied', error: 'server_error' }), JSON_TYPE);
    const client = oauthClient();

    const error = await captureError(client.getRecord('incident', SYS_ID));

    expect(error).toBeInstanceOf(ServiceNowAuthError);
    expect(error.operation).toBe('fetch OAuth token');
    expect(error.serviceNowMessage).toBe('access_denied');
    expect(client.tokenRequests).toBe(1);
    expect(client.calls).toBe(0);
  });
});

describe('ServiceNowClient create recovery', () => {
  it('returns the record an earlier attempt created instead of posting again', async () => {
    const posts = nock(INSTANCE).post('/api/now/table/incident').query(true).once().reply(504, '<html><title>Gateway Timeout</title></html>', { 'Content-Type': 'text/html' });
    const found = { sys_id: SYS_ID, number: 'INC0010042' };
    let lookups = 0;
    const client = basicClient();

    const record = await client.createRecord('incident', { correlation_id: 'c-1' }, {
      findExisting: async () => {
        lookups += 1;
        return found;
      },
    });

    expect(record).toEqual(found);
    expect(lookups).toBe(1);
    expect(posts.isDone()).toBe(true);
    expect(client.calls).toBe(1);
  });

  it('posts again when no earlier record exists', async () => {
    nock(INSTANCE).post('/api/now/table/incident').query(true).reply(500, '{}', JSON_TYPE).post('/api/now/table/incident').query(true).reply(201, okRecord(), JSON_TYPE);
    const client = basicClient();

    const record = await client.createRecord('incident', { correlation_id: 'c-1' }, { findExisting: async () => undefined });

    expect(record.sys_id).toBe(SYS_ID);
    expect(client.calls).toBe(2);
  });
});

describe('ServiceNowClient secrets', () => {
  it('keeps passwords, secrets and tokens out of logs and errors', async () => {
    const token = 'tok-3c1f9a77e2b04d5f8a9b-secret';
    const { logger, lines } = capturingLogger();
    const failures: ServiceNowError[] = [];

    // OAuth: a rejected token, a network failure, a 5xx and a final 401.
    nock(INSTANCE).post('/oauth_token.do').times(3).reply(...tokenReply(token));
    nock(INSTANCE)
      .get(`/api/now/table/incident/${SYS_ID}`)
      .query(true)
      .replyWithError('read ECONNRESET')
      .get(`/api/now/table/incident/${SYS_ID}`)
      .query(true)
      .reply(500, '{}', JSON_TYPE)
      .get(`/api/now/table/incident/${SYS_ID}`)
      .query(true)
      .times(2)
      .reply(401, JSON.stringify(fixture('errors/401-not-authenticated.http.json').body), JSON_TYPE);
    const oauth = oauthClient({ logger });
    failures.push(await captureError(oauth.getRecord('incident', SYS_ID)));

    // OAuth: the token request itself fails on the network, then is rejected.
    nock(INSTANCE).post('/oauth_token.do').replyWithError('connect ETIMEDOUT 127.0.0.1:443').post('/oauth_token.do').reply(401, '{"error":"server_error"}', JSON_TYPE);
    failures.push(await captureError(oauthClient({ logger }).getRecord('incident', SYS_ID)));

    // Basic: a network failure that outlasts the retries, then a 401.
    nock(INSTANCE).get(`/api/now/table/incident/${SYS_ID}`).query(true).times(2).replyWithError('connect ECONNREFUSED 127.0.0.1:443');
    failures.push(await captureError(basicClient({ logger, maxRetries: 1 }).getRecord('incident', SYS_ID)));
    replyWith(nock(INSTANCE).get(`/api/now/table/incident/${SYS_ID}`).query(true), 'errors/401-not-authenticated.http.json');
    failures.push(await captureError(basicClient({ logger }).getRecord('incident', SYS_ID)));

    // A transport error whose message quotes the request headers (nock's "no match" error does).
    failures.push(await captureError(basicClient({ logger, maxRetries: 1 }).getRecord('problem', SYS_ID)));
    expect(failures.at(-1)?.message).toContain('authorization');

    const secrets = [PASSWORD, CLIENT_SECRET, token, BASIC_HEADER.slice('Basic '.length)];
    const texts = [
      ...lines,
      ...failures.flatMap((error) => {
        const serviceNowError = error as ServiceNowError;
        return [
          serviceNowError.message,
          String(serviceNowError.stack),
          JSON.stringify(serviceNowError),
          JSON.stringify(serviceNowError.cause ?? null),
          inspect(serviceNowError, { depth: 10, showHidden: true }),
        ];
      }),
    ];

    expect(lines.some((line) => line.includes('retrying'))).toBe(true);
    for (const secret of secrets) {
      for (const text of texts) {
        expect(text.includes(secret), `a secret appears in: ${text.slice(0, 200)}`).toBe(false);
      }
    }
  });

  it('rejects an instance URL with credentials without echoing them', () => {
    const create = () => basicClient({ instanceUrl: `https://itsm.sync:${PASSWORD}@acme.service-now.test` });

    expect(create).toThrow(ServiceNowConfigError);
    expect(create).toThrow(/contains a user name or password/);
    try {
      create();
    } catch (error) {
      expect(String((error as Error).message)).not.toContain(PASSWORD);
    }
  });

  it('rejects missing credentials and unknown auth types', () => {
    expect(() => basicClient({ auth: { type: 'basic', username: 'itsm.sync', password: '' } })).toThrow(/SERVICENOW_PASSWORD/);
    expect(() => basicClient({ auth: { type: 'token' } as never })).toThrow(/Invalid ServiceNow auth type "token"/);
    expect(() => basicClient({ instanceUrl: 'ftp://acme' })).toThrow(/scheme must be https/);
    expect(() => basicClient({ maxRetries: -1 })).toThrow(/maxRetries -1/);
  });
});
