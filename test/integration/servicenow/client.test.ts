import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { HIBERNATING_PAGE } from '../../../src/simulators/servicenow/canned-responses.js';
import { startServiceNowSimulator, type ServiceNowSimulator } from '../../../src/simulators/servicenow/index.js';
import { EncodedQuery } from '../../../src/targets/servicenow/encoded-query.js';
import {
  ServiceNowAuthError,
  ServiceNowDataPolicyError,
  ServiceNowUnavailableError,
} from '../../../src/targets/servicenow/errors.js';
import { collect, SYS_ID, simulatorClient } from './support.js';

let simulator: ServiceNowSimulator;

beforeAll(async () => {
  simulator = await startServiceNowSimulator({
    oauthClients: [{ clientId: 'sync-client', clientSecret: 'sync-secret' }],
  });
});

afterAll(async () => {
  await simulator.stop();
});

beforeEach(() => {
  simulator.reset();
});

describe('ServiceNowClient against the simulator', () => {
  it('creates, reads and updates an incident', async () => {
    const client = simulatorClient(simulator.url);

    const created = await client.createRecord('incident', { short_description: 'S3 bucket is public', impact: '2', urgency: '2' });
    const updated = await client.updateRecord('incident', created.sys_id ?? '', { state: '2' });
    const read = await client.getRecord('incident', created.sys_id ?? '', ['number', 'state', 'priority']);

    expect(created.sys_id).toMatch(SYS_ID);
    expect(created.number).toBe('INC0010001');
    expect(updated.sys_mod_count).toBe('1');
    expect(read).toEqual({ number: 'INC0010001', state: '2', priority: '3' });
    expect(client.calls).toBe(3);
    expect(simulator.tableCalls()).toBe(3);
  });

  it('always asks for raw values without reference links', async () => {
    const client = simulatorClient(simulator.url);

    await client.createRecord('incident', {});
    await collect(client.queryRecords('incident', ''));

    for (const request of simulator.requests) {
      expect(request.query).toMatchObject({ sysparm_display_value: 'false', sysparm_exclude_reference_link: 'true' });
    }
  });

  it('reads each of 250 records exactly once in pages of 100', async () => {
    for (let index = 0; index < 250; index += 1) {
      simulator.insertRecord('incident', { short_description: `finding ${index}`, correlation_id: `page-${index}` });
    }
    simulator.insertRecord('incident', { short_description: 'not ours', correlation_id: 'other' });
    const client = simulatorClient(simulator.url);

    const records = await collect(
      client.queryRecords('incident', new EncodedQuery().startsWith('correlation_id', 'page-'), { pageSize: 100, fields: ['correlation_id'] }),
    );

    const correlations = records.map((record) => record.correlation_id);
    expect(records).toHaveLength(250);
    expect(new Set(correlations).size).toBe(250);
    expect(correlations).not.toContain('other');
    expect(Object.keys(records[0] ?? {}).sort()).toEqual(['correlation_id', 'sys_id']);
    expect(client.calls).toBe(3);

    const offsets = simulator.requests.map((request) => request.query.sysparm_offset);
    expect(offsets).toEqual(['0', '100', '200']);
    expect(simulator.requests[0]?.query.sysparm_query).toBe('correlation_idSTARTSWITHpage-^ORDERBYsys_id');
  });

  it('stops on an empty last page', async () => {
    for (let index = 0; index < 4; index += 1) {
      simulator.insertRecord('incident', {});
    }
    const client = simulatorClient(simulator.url);

    const records = await collect(client.queryRecords('incident', '', { pageSize: 2 }));

    expect(records).toHaveLength(4);
    expect(client.calls).toBe(3);
  });

  it('reads one page with the total count', async () => {
    for (let index = 0; index < 3; index += 1) {
      simulator.insertRecord('incident', {});
    }

    const page = await simulatorClient(simulator.url).queryPage('incident', 'ORDERBYnumber', { limit: 2, offset: 2 });

    expect(page.totalCount).toBe(3);
    expect(page.records.map((record) => record.number)).toEqual(['INC0010003']);
  });

  it('returns undefined for a record that does not exist', async () => {
    const client = simulatorClient(simulator.url);

    expect(await client.getRecord('incident', 'ffa63583dfa6706b87d284b86b0d693a')).toBeUndefined();
    expect(client.calls).toBe(1);
  });
});

describe('ServiceNowClient authentication against the simulator', () => {
  it('rejects a wrong password without retrying', async () => {
    const client = simulatorClient(simulator.url, { auth: { type: 'basic', username: 'itsm.sync', password: 'wrong' } });

    await expect(client.createRecord('incident', {})).rejects.toBeInstanceOf(ServiceNowAuthError);
    expect(simulator.tableCalls()).toBe(1);
  });

  it('uses one OAuth token for many calls and refreshes it after expiry', async () => {
    const client = simulatorClient(simulator.url, { auth: { type: 'oauth', clientId: 'sync-client', clientSecret: 'sync-secret' } });

    const created = await client.createRecord('incident', {});
    await client.getRecord('incident', created.sys_id ?? '');
    simulator.expireTokens();
    await client.updateRecord('incident', created.sys_id ?? '', { state: '2' });

    expect(client.tokenRequests).toBe(2);
    // The expired token costs one rejected call.
    expect(client.calls).toBe(4);
    expect(simulator.records('incident')[0]?.state).toBe('2');
  });

  it('rejects a wrong OAuth secret', async () => {
    const client = simulatorClient(simulator.url, { auth: { type: 'oauth', clientId: 'sync-client', clientSecret: 'wrong' } });

    await expect(client.getRecord('incident', 'ffa63583dfa6706b87d284b86b0d693a')).rejects.toThrow(/fetch OAuth token failed: HTTP 401 "access_denied"/);
    expect(simulator.tableCalls()).toBe(0);
  });
});

describe('ServiceNowClient faults from the simulator', () => {
  it('retries injected rate limits and server errors', async () => {
    simulator.injectFaults([
      { status: 429, headers: { 'Retry-After': '0' } },
      { status: 429 },
      { status: 503 },
    ]);
    const client = simulatorClient(simulator.url);

    const record = await client.createRecord('incident', { short_description: 'x' });

    expect(record.number).toBe('INC0010001');
    expect(client.calls).toBe(4);
    expect(simulator.records('incident')).toHaveLength(1);
  });

  it('retries a hibernation page and a 200 without result', async () => {
    simulator.injectFaults([{ status: 200, body: HIBERNATING_PAGE }, { status: 200 }]);
    const client = simulatorClient(simulator.url);

    const records = await collect(client.queryRecords('incident', ''));

    expect(records).toEqual([]);
    expect(client.calls).toBe(3);
  });

  it('fails with ServiceNowUnavailableError while the instance hibernates', async () => {
    simulator.setHibernating(true);
    const client = simulatorClient(simulator.url, { maxRetries: 1 });

    await expect(client.createRecord('incident', {})).rejects.toBeInstanceOf(ServiceNowUnavailableError);
    expect(simulator.tableCalls()).toBe(2);
  });

  it('does not retry the data policy 403 on a resolve without close_code', async () => {
    const client = simulatorClient(simulator.url);
    const created = await client.createRecord('incident', {});

    const failure = client.updateRecord('incident', created.sys_id ?? '', { state: '6', close_notes: 'fixed' });

    await expect(failure).rejects.toBeInstanceOf(ServiceNowDataPolicyError);
    await expect(failure).rejects.toThrow(/Resolution code is mandatory/);
    expect(simulator.tableCalls()).toBe(2);
    expect(simulator.records('incident')[0]?.state).toBe('1');
  });
});
