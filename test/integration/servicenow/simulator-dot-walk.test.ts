import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { startServiceNowSimulator, type ServiceNowSimulator } from '../../../src/simulators/servicenow/index.js';
import { rawRequest, resultOf, USER } from './support.js';

const ALICE = { username: 'cab.alice', name: 'Alice Approver', email: 'alice@example.com' };

let simulator: ServiceNowSimulator;

beforeAll(async () => {
  simulator = await startServiceNowSimulator({ users: [USER, ALICE], changeApprovers: [ALICE.username] });
});

afterAll(async () => {
  await simulator.stop();
});

beforeEach(() => {
  simulator.reset();
});

async function list(table: string, query: string, fields: string): Promise<Array<Record<string, string>>> {
  const answer = await rawRequest(simulator.url, 'GET', `/api/now/table/${table}`, {
    query: { sysparm_query: query, sysparm_fields: fields },
  });
  expect(answer.status).toBe(200);
  return resultOf(answer);
}

describe('simulator dot-walked sysparm_fields', () => {
  it('returns referenced user fields under the dotted key', async () => {
    const change = simulator.insertRecord('change_request', { type: 'normal', state: '-4' }, { user: USER.username });

    const rows = await list('sysapproval_approver', `sysapproval=${change.sys_id}`, 'sys_id,approver,approver.user_name,approver.name,approver.email');

    expect(rows).toEqual([
      {
        sys_id: expect.stringMatching(/^[0-9a-f]{32}$/),
        approver: expect.stringMatching(/^[0-9a-f]{32}$/),
        'approver.user_name': 'cab.alice',
        'approver.name': 'Alice Approver',
        'approver.email': 'alice@example.com',
      },
    ]);
  });

  it('walks into the task an approval belongs to, and further', async () => {
    const change = simulator.insertRecord('change_request', { type: 'normal', state: '-4' }, { user: USER.username });

    const [row] = await list('sysapproval_approver', `sysapproval=${change.sys_id}`, 'sysapproval.number,sysapproval.opened_by.user_name');

    expect(row).toEqual({ 'sysapproval.number': change.number, 'sysapproval.opened_by.user_name': USER.username });
  });

  it('works on single-record reads and on task tables', async () => {
    const incident = simulator.insertRecord('incident', { short_description: 'x' }, { user: ALICE.username });

    const answer = await rawRequest(simulator.url, 'GET', `/api/now/table/incident/${incident.sys_id}`, {
      query: { sysparm_fields: 'number,opened_by.name,caller_id.name' },
    });

    expect(resultOf(answer)).toEqual({ number: incident.number, 'opened_by.name': 'Alice Approver', 'caller_id.name': '' });
  });

  it('reads an empty reference or a missing record as empty', async () => {
    simulator.insertRecord('sysapproval_approver', { approver: '', state: 'requested' });
    simulator.insertRecord('sysapproval_approver', { approver: '0'.repeat(32), state: 'requested' });

    const rows = await list('sysapproval_approver', 'state=requested', 'approver,approver.user_name');

    expect(rows).toEqual([
      { approver: '', 'approver.user_name': '' },
      { approver: '0'.repeat(32), 'approver.user_name': '' },
    ]);
  });

  it('ignores dot-walks that name no column', async () => {
    simulator.insertRecord('change_request', { type: 'normal', state: '-4' }, { user: USER.username });

    const rows = await list(
      'sysapproval_approver',
      'state=requested',
      'state,approver.no_such_field,state.label,no_such_reference.name,approver.user_name.length',
    );

    expect(rows).toEqual([{ state: 'requested' }]);
  });
});
