import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { startServiceNowSimulator, type ServiceNowSimulator } from '../../../src/simulators/servicenow/index.js';
import { EncodedQuery } from '../../../src/targets/servicenow/encoded-query.js';
import { ServiceNowDataPolicyError, ServiceNowInputError } from '../../../src/targets/servicenow/errors.js';
import { ServiceNowTarget, toServiceNowFields } from '../../../src/targets/servicenow/servicenow-target.js';
import { collect, SYS_ID, simulatorClient } from './support.js';

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

function newTarget(logLines?: string[]) {
  const client = simulatorClient(simulator.url);
  const logger = logLines ? pino({ level: 'warn' }, { write: (line: string) => logLines.push(line) }) : undefined;
  return { client, target: new ServiceNowTarget(client, { instanceUrl: `${simulator.url}/`, logger }) };
}

describe('ServiceNowTarget.create', () => {
  it('creates a record with string values and the correlation', async () => {
    const { target } = newTarget();

    const ref = await target.create(
      'incident',
      { short_description: 'S3 bucket is public', urgency: 2, impact: 2, knowledge: false, description: null, watch_list: ['a', 'b'] },
      'sechub-3f9a0c',
    );

    expect(ref).toEqual({
      system: 'servicenow',
      table: 'incident',
      id: expect.stringMatching(SYS_ID),
      number: 'INC0010001',
      url: `${simulator.url}/nav_to.do?uri=incident.do%3Fsys_id%3D${ref.id}`,
    });
    expect(simulator.records('incident')[0]).toMatchObject({
      sys_id: ref.id,
      correlation_id: 'sechub-3f9a0c',
      urgency: '2',
      impact: '2',
      priority: '3',
      knowledge: 'false',
      description: '',
      watch_list: 'a,b',
    });
    expect(simulator.requests[0]?.body).toMatchObject({ urgency: '2', knowledge: 'false', description: '', correlation_id: 'sechub-3f9a0c' });
  });

  it('rejects a correlation longer than 100 characters without calling', async () => {
    const { target, client } = newTarget();
    const long = `finding|111122223333|${'x'.repeat(90)}`;

    await expect(target.create('incident', {}, long)).rejects.toThrow(ServiceNowInputError);
    await expect(target.create('incident', {}, long)).rejects.toThrow(/has 111 characters, but correlation_id holds at most 100/);
    expect(client.calls).toBe(0);
  });

  it('warns when the instance cuts the correlation', async () => {
    const narrow = await startServiceNowSimulator();
    const lines: string[] = [];
    const client = simulatorClient(narrow.url);
    const target = new ServiceNowTarget(client, {
      instanceUrl: narrow.url,
      logger: pino({ level: 'warn' }, { write: (line: string) => lines.push(line) }),
    });
    // A business rule on this instance cuts correlation_id to 10 characters.
    narrow.injectFaults([{ status: 201, method: 'POST', body: { result: { sys_id: 'a'.repeat(32), number: 'INC0000001', correlation_id: 'sechub-3f9' } } }]);

    try {
      const ref = await target.create('incident', {}, 'sechub-3f9a0c');

      expect(ref.id).toBe('a'.repeat(32));
      expect(lines).toHaveLength(1);
      expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({ level: 40, correlation: 'sechub-3f9a0c', stored: 'sechub-3f9' });
    } finally {
      await narrow.stop();
    }
  });

  it('rejects fields that set another correlation value', async () => {
    const { target } = newTarget();

    await expect(target.create('incident', { correlation_id: 'other' }, 'mine')).rejects.toThrow(/differs from the correlation value "mine"/);
    expect(await target.create('incident', { correlation_id: 'mine' }, 'mine')).toMatchObject({ number: 'INC0010001' });
  });

  it('rejects values the Table API cannot store', () => {
    expect(() => toServiceNowFields({ cmdb_ci: { value: 'x' } })).toThrow(/Invalid value for ServiceNow field "cmdb_ci"/);
    expect(() => toServiceNowFields({ impact: Number.NaN })).toThrow(/numbers must be finite/);
    expect(() => toServiceNowFields({ 'Short Description': 'x' })).toThrow(/Invalid field name/);
    expect(toServiceNowFields({ due_date: new Date('2025-03-10T14:02:40.123Z') })).toEqual({ due_date: '2025-03-10 14:02:40' });
  });

  it('does not duplicate a record when the POST times out after the write', async () => {
    const { target, client } = newTarget();
    simulator.injectFaults([{ status: 504, body: '<html><title>Gateway Timeout</title></html>', method: 'POST', processRequest: true }]);

    const ref = await target.create('incident', { short_description: 'x' }, 'retry-safe');

    expect(simulator.records('incident')).toHaveLength(1);
    expect(ref.id).toBe(simulator.records('incident')[0]?.sys_id);
    // One POST, then one query that found the record.
    expect(client.calls).toBe(2);
  });

  it('ignores older tickets when recovering a create', async () => {
    // sys_created_on cannot be written, so the old ticket is aged through a snapshot.
    const old = simulator.insertRecord('incident', { correlation_id: 'recurring' });
    simulator.restore({ tables: { incident: [{ ...old, sys_created_on: '2020-01-01 00:00:00' }] } });
    simulator.injectFaults([{ status: 502, method: 'POST' }]);
    const { target } = newTarget();

    const ref = await target.create('incident', {}, 'recurring');

    expect(ref.id).not.toBe(old.sys_id);
    expect(simulator.records('incident')).toHaveLength(2);
  });
});

describe('ServiceNowTarget.update', () => {
  it('sends only the given fields', async () => {
    const { target } = newTarget();
    const ref = await target.create('incident', { short_description: 'x', urgency: 2 }, 'upd-1');
    const before = simulator.records('incident')[0] ?? {};

    await target.update(ref, { urgency: 1, work_notes: 'escalated' });

    const patch = simulator.requests.at(-1);
    expect(patch?.method).toBe('PATCH');
    expect(patch?.body).toEqual({ urgency: '1', work_notes: 'escalated' });

    // sys_updated_on changes too, unless both writes fell in the same second.
    const after = simulator.records('incident')[0] ?? {};
    const changed = Object.keys(after).filter((field) => field !== 'sys_updated_on' && after[field] !== before[field]);
    expect(changed.sort()).toEqual(['priority', 'sys_mod_count', 'urgency']);
    expect(simulator.records('sys_journal_field').map((row) => row.value)).toEqual(['escalated']);
  });

  it('makes no call for empty fields', async () => {
    const { target, client } = newTarget();
    const ref = await target.create('incident', {}, 'upd-2');

    await target.update(ref, {});

    expect(client.calls).toBe(1);
  });

  it('surfaces the data policy on a resolve without close_code', async () => {
    const { target } = newTarget();
    const ref = await target.create('incident', {}, 'upd-3');

    await expect(target.update(ref, { state: 6 })).rejects.toBeInstanceOf(ServiceNowDataPolicyError);
    await target.update(ref, { state: 6, close_code: 'Solution provided', close_notes: 'Fixed at the source' });

    expect(simulator.records('incident')[0]).toMatchObject({ state: '6', close_code: 'Solution provided' });
  });

  it('refuses a Jira ticket', async () => {
    const { target } = newTarget();

    await expect(target.update({ system: 'jira', table: 'SEC', id: '10001', number: 'SEC-1', url: '' }, { state: 2 })).rejects.toThrow(/Cannot update jira ticket SEC-1/);
  });
});

describe('ServiceNowTarget.findByCorrelation', () => {
  it('finds the record, or nothing', async () => {
    const { target, client } = newTarget();
    const ref = await target.create('incident', {}, 'find-1');
    await target.create('incident', {}, 'find-10');

    expect(await target.findByCorrelation('incident', 'find-1')).toEqual(ref);
    expect(await target.findByCorrelation('incident', 'find-2')).toBeUndefined();
    expect(client.calls).toBe(4);

    const lookup = simulator.requests.at(-1);
    expect(lookup?.query).toMatchObject({
      sysparm_query: 'correlation_id=find-2^ORDERBYsys_created_on^ORDERBYsys_id',
      sysparm_limit: '2',
      sysparm_fields: 'sys_id,number,sys_created_on,correlation_id',
    });
  });

  it('takes the oldest of two records and warns', async () => {
    const lines: string[] = [];
    const { target } = newTarget(lines);
    // Records made within one second tie on sys_created_on, so the first one is aged.
    const first = simulator.insertRecord('incident', { correlation_id: 'dup' });
    simulator.restore({ tables: { incident: [{ ...first, sys_created_on: '2024-01-01 00:00:00' }] } });
    simulator.insertRecord('incident', { correlation_id: 'dup' });

    const ref = await target.findByCorrelation('incident', 'dup');

    expect(ref?.id).toBe(first.sys_id);
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({ level: 40, table: 'incident', correlation: 'dup', chosen: first.sys_id });
  });

  it('skips records that match only without regard to case', async () => {
    const { target } = newTarget();
    simulator.insertRecord('incident', { correlation_id: 'CASE-1' });
    simulator.insertRecord('incident', { correlation_id: 'Case-1' });
    const exact = simulator.insertRecord('incident', { correlation_id: 'case-1' });

    const ref = await target.findByCorrelation('incident', 'case-1');

    expect(ref?.id).toBe(exact.sys_id);
  });

  it('fails instead of matching everything on a table without correlation_id', async () => {
    const { target } = newTarget();
    simulator.insertRecord('u_aws_account', { u_account_id: '111122223333' });

    await expect(target.findByCorrelation('u_aws_account', 'acct-1')).rejects.toThrow(/Table u_aws_account has no column correlation_id/);
  });

  it('finds exactly its own record among similar special-character values', async () => {
    const { target } = newTarget();
    const values = [
      `a^b&c=d e"f'g`,
      `a^b&c=d e"f'`,
      'a^b',
      'a^^b',
      'a',
      'a^ORb',
      'x^NQcorrelation_id=a',
      'a,b',
      'a%5Eb',
      `a^b&c=d e"f'g ^`,
    ];
    const refs = new Map<string, string>();
    for (const value of values) {
      refs.set(value, (await target.create('incident', {}, value)).id);
    }

    for (const value of values) {
      const ref = await target.findByCorrelation('incident', value);
      expect(ref?.id, value).toBe(refs.get(value));
    }
  });
});

describe('encoded queries against the simulator', () => {
  it('match special-character values exactly', async () => {
    const { client } = newTarget();
    const values = [`a^b&c=d e"f'g`, `a^b&c=d e"f'gh`, `a^^b&c=d e"f'g`, `a b&c=d e"f'g`, `a^b`];
    for (const value of values) {
      simulator.insertRecord('incident', { correlation_id: value });
    }

    for (const value of values) {
      const records = await collect(client.queryRecords('incident', new EncodedQuery().equals('correlation_id', value), { fields: ['correlation_id'] }));
      expect(records.map((record) => record.correlation_id), value).toEqual([value]);
    }
  });

  it('broaden the result when a field name is mistyped', async () => {
    const { client } = newTarget();
    simulator.insertRecord('incident', { correlation_id: 'one' });
    simulator.insertRecord('incident', { correlation_id: 'two' });

    const records = await collect(client.queryRecords('incident', new EncodedQuery().equals('correlaton_id', 'one')));

    expect(records).toHaveLength(2);
  });
});

describe('ServiceNowTarget.listLinked', () => {
  it('lists every record with the prefix', async () => {
    const { target } = newTarget();
    const created = new Map<string, string>();
    for (let index = 0; index < 120; index += 1) {
      const correlation = `itsm-sync:${index}`;
      created.set(correlation, simulator.insertRecord('incident', { correlation_id: correlation }).sys_id ?? '');
    }
    simulator.insertRecord('incident', { correlation_id: 'ITSM-SYNC:upper' });
    simulator.insertRecord('incident', { correlation_id: 'vendor-connector:1' });

    const listed = await collect(target.listLinked('incident', 'itsm-sync:', ['urgency']));

    expect(listed).toHaveLength(120);
    for (const { ref, correlation, closed, values } of listed) {
      expect(ref.id).toBe(created.get(correlation));
      expect(ref.number).toMatch(/^INC\d{7}$/);
      expect(closed).toBe(false);
      expect(values).toEqual({ urgency: '3' });
    }
  });

  it('reports closed records', async () => {
    const { target } = newTarget();
    simulator.insertRecord('incident', { correlation_id: 'itsm-sync:closed', state: '7', close_code: 'Solution provided', close_notes: 'done' });

    const [listed] = await collect(target.listLinked('incident', 'itsm-sync:', []));

    expect(listed?.closed).toBe(true);
  });

  it('rejects an empty prefix', async () => {
    const { target } = newTarget();

    await expect(collect(target.listLinked('incident', '', []))).rejects.toThrow(/prefix is empty/);
  });
});

describe('ServiceNowTarget.getChoices', () => {
  it('reads active choice values in display order', async () => {
    const { target } = newTarget();
    simulator.insertRecord('sys_choice', { name: 'incident', element: 'state', value: '9', label: 'Retired', inactive: 'true', sequence: '5' });
    simulator.insertRecord('sys_choice', { name: 'incident', element: 'state', value: '6', label: 'Résolu', language: 'fr', sequence: '30' });

    expect(await target.getChoices('incident', 'state')).toEqual(['1', '2', '3', '6', '7', '8']);
    expect(await target.getChoices('incident', 'close_code')).toContain('Solution provided');
    expect(await target.getChoices('problem', 'state')).toEqual(['101', '102', '103', '104', '106', '107']);
    expect(await target.getChoices('incident', 'no_such_field')).toEqual([]);
  });
});
