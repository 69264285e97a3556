import { Agent, request as httpRequest } from 'node:http';

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import {
  DataPolicyViolation,
  startServiceNowSimulator,
  type ServiceNowSimulator,
} from '../../../src/simulators/servicenow/index.js';
import { BASIC_AUTH, rawRequest, resultOf } from './support.js';

let simulator: ServiceNowSimulator;

beforeAll(async () => {
  simulator = await startServiceNowSimulator({ tables: ['u_aws_account'] });
});

afterAll(async () => {
  await simulator.stop();
});

beforeEach(() => {
  simulator.reset();
});

async function create(table: string, body: Record<string, unknown>): Promise<Record<string, string>> {
  const answer = await rawRequest(simulator.url, 'POST', `/api/now/table/${table}`, { body });
  expect(answer.status).toBe(201);
  return resultOf(answer);
}

async function patch(table: string, sysId: string, body: Record<string, unknown>): Promise<{ status: number; record: Record<string, string> }> {
  const answer = await rawRequest(simulator.url, 'PATCH', `/api/now/table/${table}/${sysId}`, { body });
  return { status: answer.status, record: resultOf(answer) };
}

async function list(table: string, query: string, extra: Record<string, string> = {}): Promise<Array<Record<string, string>>> {
  const answer = await rawRequest(simulator.url, 'GET', `/api/now/table/${table}`, { query: { sysparm_query: query, ...extra } });
  expect(answer.status).toBe(200);
  return resultOf(answer);
}

describe('simulator encoded queries', () => {
  beforeEach(async () => {
    await create('incident', { short_description: 'public bucket', priority: '1', impact: '1', urgency: '1', correlation_id: 'c-1' });
    await create('incident', { short_description: 'open port', impact: '1', urgency: '2', correlation_id: 'c-2' });
    await create('incident', { short_description: 'root login', impact: '3', urgency: '3', correlation_id: 'C-3' });
  });

  const descriptions = (records: Array<Record<string, string>>) => records.map((record) => record.short_description);

  it('filters with each supported operator', async () => {
    expect(descriptions(await list('incident', 'priority=1'))).toEqual(['public bucket']);
    expect(descriptions(await list('incident', 'priority!=1'))).toEqual(['open port', 'root login']);
    expect(descriptions(await list('incident', 'priorityIN1,5'))).toEqual(['public bucket', 'root login']);
    expect(descriptions(await list('incident', 'priority>=2^priority<5'))).toEqual(['open port']);
    expect(descriptions(await list('incident', 'short_descriptionLIKEport'))).toEqual(['open port']);
    expect(descriptions(await list('incident', 'short_descriptionSTARTSWITHroot'))).toEqual(['root login']);
    expect(descriptions(await list('incident', 'short_descriptionENDSWITHbucket'))).toEqual(['public bucket']);
    expect(descriptions(await list('incident', 'close_codeISEMPTY'))).toHaveLength(3);
    expect(descriptions(await list('incident', 'correlation_idISNOTEMPTY'))).toHaveLength(3);
  });

  it('combines OR, NQ and orderings', async () => {
    expect(descriptions(await list('incident', 'priority=1^ORpriority=5^ORDERBYDESCpriority'))).toEqual(['root login', 'public bucket']);
    expect(descriptions(await list('incident', 'priority=2^NQshort_descriptionLIKEroot^ORDERBYshort_description'))).toEqual(['open port', 'root login']);
  });

  it('uses the correlation index without regard to case', async () => {
    expect(descriptions(await list('incident', 'correlation_id=c-3'))).toEqual(['root login']);
    expect(descriptions(await list('incident', 'correlation_id=c-1^priority=2'))).toEqual([]);
  });

  it('drops a condition on a field the table lacks', async () => {
    // A typo in the field name broadens the result instead of failing.
    expect(await list('incident', 'correlaton_id=c-1')).toHaveLength(3);
    expect(descriptions(await list('incident', 'activ=true^priority=1'))).toEqual(['public bucket']);
  });

  it('ignores unknown names in sysparm_fields', async () => {
    const records = await list('incident', 'priority=1', { sysparm_fields: 'number,correlaton_id,priority' });

    expect(Object.keys(records[0] ?? {})).toEqual(['number', 'priority']);
  });

  it('pages with limit and offset', async () => {
    const first = await list('incident', 'ORDERBYshort_description', { sysparm_limit: '2' });
    const second = await list('incident', 'ORDERBYshort_description', { sysparm_limit: '2', sysparm_offset: '2' });

    expect(descriptions(first)).toEqual(['open port', 'public bucket']);
    expect(descriptions(second)).toEqual(['root login']);
  });
});

describe('simulator records', () => {
  it('computes incident priority from impact and urgency', async () => {
    const cases: Array<[string, string, string]> = [
      ['1', '1', '1'],
      ['1', '2', '2'],
      ['2', '1', '2'],
      ['1', '3', '3'],
      ['2', '2', '3'],
      ['2', '3', '4'],
      ['3', '3', '5'],
    ];
    for (const [impact, urgency, priority] of cases) {
      const record = await create('incident', { impact, urgency, priority: '1' });
      expect(record.priority, `impact ${impact}, urgency ${urgency}`).toBe(priority);
    }

    const defaults = await create('incident', {});
    expect(defaults).toMatchObject({ state: '1', active: 'true', impact: '3', urgency: '3', priority: '5' });
  });

  it('stores numbers and booleans as strings', async () => {
    const record = await create('incident', { impact: 2, urgency: 1, knowledge: true, description: null });

    expect(record).toMatchObject({ impact: '2', urgency: '1', priority: '2', knowledge: 'true', description: '' });
  });

  it('numbers records per table', async () => {
    const incidents = [await create('incident', {}), await create('incident', {})];
    const user = await create('u_aws_account', { u_account_id: '111122223333' });

    expect(incidents.map((record) => record.number)).toEqual(['INC0010001', 'INC0010002']);
    expect(user.number).toBeUndefined();
    expect(user.u_account_id).toBe('111122223333');
  });

  it('follows the incident state model', async () => {
    const { sys_id: sysId = '' } = await create('incident', {});
    const close = { close_code: 'Solution provided', close_notes: 'fixed' };

    const resolved = await patch('incident', sysId, { state: '6', ...close });
    expect(resolved.record).toMatchObject({ state: '6', active: 'true', sys_mod_count: '1' });
    expect(resolved.record.resolved_at).not.toBe('');

    const closed = await patch('incident', sysId, { state: '7' });
    expect(closed.record).toMatchObject({ state: '7', active: 'false' });
    expect(closed.record.closed_at).not.toBe('');

    const reopened = await patch('incident', sysId, { state: '2' });
    expect(reopened.record).toMatchObject({ state: '2', active: 'true', reopen_count: '1', resolved_at: '', sys_mod_count: '3' });
  });

  it('rejects resolving without close fields, one field at a time', async () => {
    const { sys_id: sysId = '' } = await create('incident', {});

    const missingNotes = await rawRequest(simulator.url, 'PATCH', `/api/now/table/incident/${sysId}`, { body: { state: '7', close_code: 'Duplicate' } });

    expect(missingNotes.status).toBe(403);
    expect((missingNotes.json as { error: { detail: string } }).error.detail).toBe('Data Policy Exception: \n\tResolution notes is mandatory\n');
  });

  it('cuts correlation_id to 100 characters', async () => {
    const long = `arn:aws:securityhub:us-east-1:111122223333:security-control/S3.8/finding/${'f'.repeat(60)}`;

    const record = await create('incident', { correlation_id: long });

    expect(record.correlation_id).toBe(long.slice(0, 100));
    expect(await list('incident', `correlation_id=${long.slice(0, 100)}`)).toHaveLength(1);
  });

  it('deletes records', async () => {
    const { sys_id: sysId = '' } = await create('incident', { correlation_id: 'gone' });

    const deleted = await rawRequest(simulator.url, 'DELETE', `/api/now/table/incident/${sysId}`);
    const again = await rawRequest(simulator.url, 'DELETE', `/api/now/table/incident/${sysId}`);

    expect(deleted.status).toBe(204);
    expect(again.status).toBe(404);
    expect(await list('incident', 'correlation_id=gone')).toEqual([]);
  });

  it('rejects a body that is not a JSON object', async () => {
    const answer = await rawRequest(simulator.url, 'POST', '/api/now/table/incident', { body: ['a'] });

    expect(answer.status).toBe(400);
    expect(answer.json).toMatchObject({ status: 'failure', error: { message: 'Exception while reading request' } });
  });
});

describe('simulator options and controls', () => {
  it('enforces configured mandatory fields', async () => {
    const strict = await startServiceNowSimulator({ mandatoryFields: { incident: ['assignment_group'] } });
    try {
      const answer = await rawRequest(strict.url, 'POST', '/api/now/table/incident', { body: { short_description: 'x' } });

      expect(answer.status).toBe(403);
      expect((answer.json as { error: { detail: string } }).error.detail).toBe('Data Policy Exception: \n\tAssignment group is mandatory\n');
      expect(strict.records('incident')).toEqual([]);
      expect(() => strict.insertRecord('incident', {})).toThrow(DataPolicyViolation);
    } finally {
      await strict.stop();
    }
  });

  it('writes records as another user', async () => {
    const record = simulator.insertRecord('incident', { short_description: 'by hand' }, { user: 'agent.one' });
    const updated = simulator.updateRecord('incident', record.sys_id ?? '', { state: '2' }, { user: 'agent.one' });

    expect(record).toMatchObject({ sys_created_by: 'agent.one', number: 'INC0010001' });
    expect(updated).toMatchObject({ sys_updated_by: 'agent.one', state: '2', sys_mod_count: '1' });
    expect(simulator.tableCalls()).toBe(0);
  });

  it('applies faults only to matching requests, once each', async () => {
    simulator.injectFaults([{ status: 500, method: 'post', table: 'problem' }]);

    const get = await rawRequest(simulator.url, 'GET', '/api/now/table/problem');
    const postIncident = await rawRequest(simulator.url, 'POST', '/api/now/table/incident', { body: {} });
    const postProblem = await rawRequest(simulator.url, 'POST', '/api/now/table/problem', { body: {} });
    const postProblemAgain = await rawRequest(simulator.url, 'POST', '/api/now/table/problem', { body: {} });

    expect([get.status, postIncident.status, postProblem.status, postProblemAgain.status]).toEqual([200, 201, 500, 201]);
    expect(simulator.records('problem')).toHaveLength(1);
  });

  it('can carry out a request and still answer with a fault', async () => {
    simulator.injectFaults([{ status: 504, body: '<html>Gateway Timeout</html>', processRequest: true }]);

    const answer = await rawRequest(simulator.url, 'POST', '/api/now/table/incident', { body: { short_description: 'x' } });

    expect(answer.status).toBe(504);
    expect(simulator.records('incident')).toHaveLength(1);
  });

  it('records requests with their bodies', async () => {
    await rawRequest(simulator.url, 'PATCH', '/api/now/table/incident/ffa63583dfa6706b87d284b86b0d693a', {
      query: { sysparm_fields: 'sys_id' },
      body: { state: '2' },
    });

    expect(simulator.requests).toEqual([
      { method: 'PATCH', path: '/api/now/table/incident/ffa63583dfa6706b87d284b86b0d693a', query: { sysparm_fields: 'sys_id' }, status: 404, body: { state: '2' } },
    ]);
  });

  it('restores a snapshot and numbers on from it', async () => {
    await create('incident', { correlation_id: 'kept' });
    await create('incident', {});
    const snapshot = JSON.parse(JSON.stringify(simulator.snapshot())) as ReturnType<ServiceNowSimulator['snapshot']>;

    simulator.reset();
    expect(simulator.records('incident')).toEqual([]);
    simulator.restore(snapshot);
    const next = await create('incident', {});

    expect(simulator.records('incident').map((record) => record.number)).toEqual(['INC0010001', 'INC0010002', 'INC0010003']);
    expect(next.number).toBe('INC0010003');
    expect(await list('incident', 'correlation_id=kept')).toHaveLength(1);
    expect(() => simulator.restore({ tables: { incidnet: [] } })).toThrow(/no table "incidnet"/);
  });

  it('delays Table API answers by latencyMs', async () => {
    const slow = await startServiceNowSimulator({ latencyMs: 50 });
    try {
      const started = performance.now();
      await rawRequest(slow.url, 'GET', '/api/now/table/incident');
      expect(performance.now() - started).toBeGreaterThanOrEqual(45);
    } finally {
      await slow.stop();
    }
  });
});

// Speed is measured by `npm run bench`, not here: a timed assertion fails on a busy machine.
describe('simulator under concurrent reads', () => {
  it('answers 3,000 concurrent reads by sys_id and correlation', async () => {
    const created: Array<Record<string, string>> = [];
    for (let index = 0; index < 2_000; index += 1) {
      created.push(simulator.insertRecord('incident', { short_description: `load ${index}`, correlation_id: `load-${index}` }));
    }

    const agent = new Agent({ keepAlive: true, maxSockets: 16 });
    const get = (path: string) =>
      new Promise<number>((resolve, reject) => {
        const request = httpRequest(`${simulator.url}${path}`, { agent, headers: { Authorization: BASIC_AUTH } }, (response) => {
          response.resume();
          response.on('end', () => resolve(response.statusCode ?? 0));
        });
        request.on('error', reject);
        request.end();
      });

    const total = 3_000;
    let next = 0;
    const statuses: number[] = [];
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < total) {
          const index = next;
          next += 1;
          const record = created[index % created.length];
          const path =
            index % 2 === 0
              ? `/api/now/table/incident/${record?.sys_id}`
              : `/api/now/table/incident?sysparm_query=correlation_id%3Dload-${index % created.length}&sysparm_limit=2`;
          statuses.push(await get(path));
        }
      }),
    );
    agent.destroy();

    expect(statuses).toHaveLength(total);
    expect(statuses.every((status) => status === 200)).toBe(true);
  });
});
