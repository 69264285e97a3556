import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { startServiceNowSimulator, type ServiceNowSimulator } from '../../../src/simulators/servicenow/index.js';
import { loadFixture, loadJson, rawRequest, type RawAnswer, resultOf, SYS_ID, TABLE_API_DATE } from './support.js';

let simulator: ServiceNowSimulator;

beforeAll(async () => {
  simulator = await startServiceNowSimulator({ oauthClients: [{ clientId: 'sync-client', clientSecret: 'sync-secret' }] });
});

afterAll(async () => {
  await simulator.stop();
});

beforeEach(() => {
  simulator.reset();
});

/** Check that the response has the fixture's values for the named headers. */
function expectFixtureHeaders(answer: RawAnswer, fixtureHeaders: Record<string, string>, names: string[]): void {
  for (const name of names) {
    expect(answer.headers.get(name), name).toBe(fixtureHeaders[name]);
  }
}

const STANDARD_HEADERS = ['Content-Type', 'X-Is-Logged-In', 'Cache-control', 'Pragma', 'Expires'];

/** Map each key to the JavaScript type of its value. */
function typesOf(record: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).map(([key, value]) => [key, typeof value]));
}

function createIncident(body: Record<string, unknown> = { short_description: 'x' }): Promise<RawAnswer> {
  return rawRequest(simulator.url, 'POST', '/api/now/table/incident', { body });
}

describe('simulator answers compared with recorded ServiceNow answers', () => {
  it('creates an incident like the recorded POST', async () => {
    const fixture = loadFixture('table/incident-create.http.json');
    const expected = (fixture.response.body as { result: Record<string, string> }).result;

    const answer = await createIncident(fixture.request.body);
    const record = resultOf(answer);

    expect(answer.status).toBe(201);
    expectFixtureHeaders(answer, fixture.response.headers, STANDARD_HEADERS);
    expect(answer.headers.get('Location')).toBe(`${simulator.url}/api/now/table/incident/${record.sys_id}`);
    expect(Object.keys(record).sort()).toEqual(Object.keys(expected).sort());
    expect(typesOf(record)).toEqual(typesOf(expected));
    expect(record.sys_id).toMatch(SYS_ID);
    expect(record.number).toMatch(/^INC\d{7}$/);
    expect(record.task_effective_number).toBe(record.number);
    for (const field of ['sys_created_on', 'sys_updated_on', 'opened_at']) {
      expect(record[field], field).toMatch(TABLE_API_DATE);
    }

    // Values that the instance derives, compared with the recorded response to the same request.
    for (const field of ['state', 'incident_state', 'active', 'priority', 'impact', 'urgency', 'sys_mod_count', 'work_notes', 'approval']) {
      expect(record[field], field).toBe(expected[field]);
    }
    expect(record.sys_created_by).toBe('itsm.sync');

    // The recorded ARN is longer than the 100-character column; the simulator cuts it, silently.
    expect(expected.correlation_id?.length).toBeGreaterThan(100);
    expect(record.correlation_id).toBe(expected.correlation_id?.slice(0, 100));
  });

  it('resolves an incident like the recorded PATCH', async () => {
    const fixture = loadFixture('table/incident-patch-resolve.http.json');
    const expected = (fixture.response.body as { result: Record<string, string> }).result;
    const created = resultOf(await createIncident({ short_description: 'x', impact: '2', urgency: '2' }));

    const answer = await rawRequest(simulator.url, 'PATCH', `/api/now/table/incident/${created.sys_id}`, {
      query: fixture.request.query,
      body: fixture.request.body,
    });
    const record = resultOf(answer);

    expect(answer.status).toBe(fixture.response.status);
    expectFixtureHeaders(answer, fixture.response.headers, STANDARD_HEADERS);
    expect(Object.keys(record).sort()).toEqual(Object.keys(expected).sort());
    expect(typesOf(record)).toEqual(typesOf(expected));
    expect(record.state).toBe('6');
    expect(record.incident_state).toBe('6');
    expect(record.close_code).toBe(expected.close_code);
    expect(record.resolved_at).toMatch(TABLE_API_DATE);
    expect(record.sys_mod_count).toBe('1');

    const journal = simulator.records('sys_journal_field');
    expect(journal).toHaveLength(1);
    expect(journal[0]).toMatchObject({ name: 'incident', element: 'work_notes', element_id: created.sys_id, value: 'Auto-resolved by aws-itsm-sync' });
  });

  it('stores journal rows shaped like the recorded sys_journal_field list', async () => {
    const fixture = loadFixture('table/sys_journal_field-list.http.json');
    const expected = (fixture.response.body as { result: Array<Record<string, string>> }).result;
    const created = resultOf(await createIncident({ short_description: 'x', comments: 'customer note ^ caret' }));

    const answer = await rawRequest(simulator.url, 'GET', '/api/now/table/sys_journal_field', {
      query: {
        sysparm_query: `element_id=${created.sys_id}^elementINcomments,work_notes^ORDERBYsys_created_on`,
        sysparm_fields: fixture.request.query?.sysparm_fields ?? '',
      },
    });
    const rows = resultOf<Array<Record<string, string>>>(answer);

    expect(answer.status).toBe(200);
    expect(rows).toHaveLength(1);
    expect(Object.keys(rows[0] ?? {}).sort()).toEqual(Object.keys(expected[0] ?? {}).sort());
    expect(rows[0]?.value).toBe('customer note ^ caret');
    expect(created.comments).toBe('');
  });

  it('answers a missing record like the recorded 404', async () => {
    const fixture = loadFixture('errors/404-no-record.http.json');

    const answer = await rawRequest(simulator.url, 'GET', '/api/now/table/incident/ffa63583dfa6706b87d284b86b0d693a');

    expect(answer.status).toBe(404);
    expect(answer.json).toEqual(fixture.response.body);
    expectFixtureHeaders(answer, fixture.response.headers, STANDARD_HEADERS);
  });

  it('answers an unknown table like the recorded 400', async () => {
    const fixture = loadFixture('errors/400-invalid-table.http.json');

    const answer = await rawRequest(simulator.url, 'GET', '/api/now/table/incidnet');

    expect(answer.status).toBe(400);
    expect(answer.json).toEqual(fixture.response.body);
  });

  it('answers a negative offset like the recorded 400', async () => {
    const fixture = loadFixture('errors/400-negative-offset.http.json');

    const answer = await rawRequest(simulator.url, 'GET', '/api/now/table/incident', { query: fixture.request.query });

    expect(answer.status).toBe(400);
    expect(answer.json).toEqual(fixture.response.body);
  });

  it('answers missing and wrong credentials like the recorded 401', async () => {
    const fixture = loadFixture('errors/401-not-authenticated.http.json');
    const wrong = `Basic ${Buffer.from('itsm.sync:wrong').toString('base64')}`;

    for (const authorization of [null, wrong, 'Bearer unknown-token']) {
      const answer = await rawRequest(simulator.url, 'GET', '/api/now/table/incident', { authorization });

      expect(answer.status).toBe(401);
      expect(answer.json).toEqual(fixture.response.body);
      expectFixtureHeaders(answer, fixture.response.headers, [...STANDARD_HEADERS, 'WWW-Authenticate']);
    }
  });

  it('rejects a resolve without close fields like the recorded data policy 403', async () => {
    const fixture = loadFixture('errors/403-data-policy.http.json');
    const created = resultOf(await createIncident());

    const answer = await rawRequest(simulator.url, 'PATCH', `/api/now/table/incident/${created.sys_id}`, {
      body: fixture.request.body,
    });

    expect(answer.status).toBe(403);
    expect(answer.json).toEqual(fixture.response.body);
    expect(simulator.records('incident')[0]?.state).toBe('1');
  });

  it('pages a list with the recorded headers', async () => {
    const first = loadFixture('table/incident-list.page1.http.json');
    const last = loadFixture('table/incident-list.last-page.http.json');
    for (let index = 0; index < 5; index += 1) {
      await createIncident({ short_description: `s${index}`, correlation_display: 'aws-securityhub' });
    }
    await createIncident({ short_description: 'other', correlation_display: 'manual' });
    const query = { ...first.request.query, sysparm_query: 'active=true^correlation_displaySTARTSWITHaws-^ORDERBYsys_updated_on' };

    const pageOne = await rawRequest(simulator.url, 'GET', '/api/now/table/incident', { query });
    const lastPage = await rawRequest(simulator.url, 'GET', '/api/now/table/incident', { query: { ...query, sysparm_offset: '4' } });

    for (const [answer, fixture] of [
      [pageOne, first],
      [lastPage, last],
    ] as const) {
      const expectedBody = fixture.response.body as { result: unknown[] };
      expect(answer.status).toBe(200);
      expect(answer.headers.get('X-Total-Count')).toBe(fixture.response.headers['X-Total-Count']);
      expect(resultOf<unknown[]>(answer)).toHaveLength(expectedBody.result.length);
      expect(parseLinks(answer.headers.get('Link') ?? '')).toEqual(parseLinks(fixture.response.headers.Link ?? ''));
    }
  });

  it('answers an empty list like the recorded one', async () => {
    const fixture = loadFixture('table/incident-list.empty.http.json');

    const answer = await rawRequest(simulator.url, 'GET', '/api/now/table/incident', { query: fixture.request.query });

    expect(answer.status).toBe(200);
    expect(answer.json).toEqual(fixture.response.body);
    expect(answer.headers.get('X-Total-Count')).toBe('0');
  });

  it('sends the recorded 429 body for an injected rate limit', async () => {
    const fixture = loadFixture('errors/429-rate-limited.http.json');
    const rateHeaders = ['Retry-After', 'X-RateLimit-Limit', 'X-RateLimit-Reset', 'X-RateLimit-Rule'];
    simulator.injectFaults([
      { status: 429, headers: Object.fromEntries(rateHeaders.map((name) => [name, fixture.response.headers[name] ?? ''])) },
      { status: 429 },
    ]);

    const withHeaders = await rawRequest(simulator.url, 'GET', '/api/now/table/incident');
    const withoutHeaders = await rawRequest(simulator.url, 'GET', '/api/now/table/incident');

    expect(withHeaders.status).toBe(429);
    expect(withHeaders.json).toEqual(fixture.response.body);
    expectFixtureHeaders(withHeaders, fixture.response.headers, [...STANDARD_HEADERS, ...rateHeaders]);
    expect(withoutHeaders.status).toBe(429);
    expect(withoutHeaders.headers.get('Retry-After')).toBeNull();
    expect(simulator.tableCalls()).toBe(2);
  });

  it('sends the recorded HTML page while hibernating', async () => {
    const fixture = loadFixture('errors/hibernating-instance.http.json');
    const title = /<title>[^<]*<\/title>/.exec(String(fixture.response.body))?.[0];
    simulator.setHibernating(true);

    const answer = await rawRequest(simulator.url, 'GET', '/api/now/table/incident');
    const token = await fetch(`${simulator.url}/oauth_token.do`, { method: 'POST', body: 'grant_type=client_credentials' });

    expect(answer.status).toBe(fixture.response.status);
    expect(answer.headers.get('Content-Type')).toBe(fixture.response.headers['Content-Type']);
    expect(answer.text).toContain(title);
    expect(answer.json).toBeUndefined();
    expect(token.status).toBe(200);
    expect(await token.text()).toContain(title);

    simulator.setHibernating(false);
    expect((await rawRequest(simulator.url, 'GET', '/api/now/table/incident')).status).toBe(200);
  });

  it('creates problems and changes with the recorded columns', async () => {
    for (const [table, fixturePath, prefix] of [
      ['problem', 'table/problem-get.http.json', 'PRB'],
      ['change_request', 'table/change_request-get.http.json', 'CHG'],
    ] as const) {
      const expected = (loadFixture(fixturePath).response.body as { result: Record<string, unknown> }).result;

      const record = resultOf(await rawRequest(simulator.url, 'POST', `/api/now/table/${table}`, { body: { short_description: 'x' } }));

      expect(Object.keys(record), table).toEqual(expect.arrayContaining(Object.keys(expected)));
      expect(Object.values(record).every((value) => typeof value === 'string'), table).toBe(true);
      expect(record.number, table).toMatch(new RegExp(`^${prefix}\\d{7}$`));
    }
  });

  it('seeds sys_choice with the recorded choice lists', async () => {
    const choices = loadJson<Record<string, unknown>>('choices.json');

    const states = resultOf<Array<Record<string, string>>>(
      await rawRequest(simulator.url, 'GET', '/api/now/table/sys_choice', {
        query: { sysparm_query: 'name=incident^element=state^inactive=false^ORDERBYsequence', sysparm_fields: 'value,label' },
      }),
    );
    const closeCodes = resultOf<Array<Record<string, string>>>(
      await rawRequest(simulator.url, 'GET', '/api/now/table/sys_choice', {
        query: { sysparm_query: 'name=incident^element=close_code^ORDERBYsequence', sysparm_fields: 'value' },
      }),
    );

    expect(Object.fromEntries(states.map((row) => [row.value, row.label]))).toEqual(choices['incident.state']);
    expect(closeCodes.map((row) => row.value)).toEqual(choices['incident.close_code (recent releases)']);
  });
});

describe('simulator OAuth', () => {
  async function token(form: string): Promise<Response> {
    return fetch(`${simulator.url}/oauth_token.do`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: form,
    });
  }

  it('issues tokens for the client credentials grant', async () => {
    const response = await token('grant_type=client_credentials&client_id=sync-client&client_secret=sync-secret');
    const body = (await response.json()) as Record<string, unknown>;

    expect(response.status).toBe(200);
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 1799, scope: 'useraccount' });
    expect(typeof body.access_token).toBe('string');

    const answer = await rawRequest(simulator.url, 'GET', '/api/now/table/incident', { authorization: `Bearer ${String(body.access_token)}` });
    expect(answer.status).toBe(200);

    simulator.expireTokens();
    const expired = await rawRequest(simulator.url, 'GET', '/api/now/table/incident', { authorization: `Bearer ${String(body.access_token)}` });
    expect(expired.status).toBe(401);
  });

  it('rejects a wrong secret', async () => {
    const response = await token('grant_type=client_credentials&client_id=sync-client&client_secret=wrong');

    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ error_description: 'access_denied', error: 'server_error' });
  });
});

/** `rel` to `sysparm_offset` for each URL of a Link header. */
function parseLinks(header: string): Record<string, string | null> {
  const links: Record<string, string | null> = {};
  for (const match of header.matchAll(/<([^>]+)>;rel="([a-z]+)"/g)) {
    links[match[2] ?? ''] = new URL(match[1] ?? '').searchParams.get('sysparm_offset');
  }
  return links;
}
