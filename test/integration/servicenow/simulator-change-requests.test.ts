import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import {
  BusinessRuleAbort,
  ChangeApprovalError,
  DataPolicyViolation,
  InvalidSimulatorOptionError,
  startServiceNowSimulator,
  UnknownRecordError,
  userSysId,
  type ServiceNowSimulator,
} from '../../../src/simulators/servicenow/index.js';
import { loadFixture, rawRequest, resultOf, SYS_ID, TABLE_API_DATE, USER } from './support.js';

const ALICE = { username: 'cab.alice', name: 'Alice Approver', password: 'alice-password' };
const BOB = { username: 'cab.bob', name: 'Bob Approver' };
const REQUESTER = { username: 'jane.doe', name: 'Jane Doe' };
const ALICE_AUTH = `Basic ${Buffer.from(`${ALICE.username}:${ALICE.password}`).toString('base64')}`;

let simulator: ServiceNowSimulator;
let now = new Date('2025-03-10T15:00:00Z');

beforeAll(async () => {
  simulator = await startServiceNowSimulator({
    users: [USER, ALICE, BOB, REQUESTER],
    changeApprovers: [ALICE.username, BOB.username],
    clock: () => now,
  });
});

afterAll(async () => {
  await simulator.stop();
});

beforeEach(() => {
  simulator.reset();
  now = new Date('2025-03-10T15:00:00Z');
});

/** Advance the simulator clock by some seconds, so that each write has its own time. */
function tick(seconds = 1): void {
  now = new Date(now.getTime() + seconds * 1000);
}

async function createChange(body: Record<string, unknown>): Promise<Record<string, string>> {
  const answer = await rawRequest(simulator.url, 'POST', '/api/now/table/change_request', {
    body: { short_description: 'Restart web tier', ...body },
  });
  expect(answer.status).toBe(201);
  return resultOf(answer);
}

async function patchChange(sysId: string, body: Record<string, unknown>) {
  tick();
  return rawRequest(simulator.url, 'PATCH', `/api/now/table/change_request/${sysId}`, { body });
}

function changeRecord(sysId: string): Record<string, string> {
  const record = simulator.records('change_request').find((candidate) => candidate.sys_id === sysId);
  expect(record).toBeDefined();
  return record!;
}

function approvalsOf(sysId: string): Array<Record<string, string>> {
  return simulator.records('sysapproval_approver').filter((row) => row.sysapproval === sysId);
}

function approvalStates(sysId: string): Record<string, string> {
  return Object.fromEntries(approvalsOf(sysId).map((row) => [row.approver, row.state]));
}

/** Create a normal change and submit it for approval (New → Assess). */
async function changeInAssess(): Promise<Record<string, string>> {
  const change = await createChange({ type: 'normal' });
  const submitted = await patchChange(change.sys_id!, { state: '-4' });
  expect(submitted.status).toBe(200);
  return resultOf(submitted);
}

describe('simulator normal change with approvals', () => {
  it('asks each approver when the change enters Assess', async () => {
    const change = await createChange({ type: 'normal' });
    expect(change).toMatchObject({ state: '-5', approval: 'not requested' });
    expect(approvalsOf(change.sys_id!)).toEqual([]);

    const submitted = resultOf(await patchChange(change.sys_id!, { state: '-4' }));

    expect(submitted).toMatchObject({ state: '-4', approval: 'requested' });
    const rows = approvalsOf(change.sys_id!);
    expect(rows.map((row) => row.approver)).toEqual([userSysId(ALICE.username), userSysId(BOB.username)]);
    for (const row of rows) {
      expect(row).toMatchObject({ state: 'requested', sysapproval: change.sys_id, document_id: change.sys_id, source_table: 'change_request' });
      expect(row.sys_id).toMatch(SYS_ID);
      expect(row.sys_updated_on).toMatch(TABLE_API_DATE);
    }
  });

  it('serves approval rows with the recorded columns', async () => {
    const change = await changeInAssess();
    const fixture = loadFixture('table/sysapproval_approver-list.http.json');
    const expectedRow = (fixture.response.body as { result: Array<Record<string, unknown>> }).result[0]!;

    const answer = await rawRequest(simulator.url, 'GET', '/api/now/table/sysapproval_approver', {
      query: { ...fixture.request.query, sysparm_query: `sysapproval=${change.sys_id}^ORDERBYDESCsys_updated_on` },
    });
    const rows = resultOf<Array<Record<string, string>>>(answer);

    expect(answer.status).toBe(fixture.response.status);
    expect(answer.headers.get('X-Total-Count')).toBe('2');
    expect(Object.keys(rows[0]!).sort()).toEqual(Object.keys(expectedRow).sort());
    expect(rows.every((row) => row.comments === '')).toBe(true);
  });

  it('approves, schedules and lets the change close in steps', async () => {
    const change = await changeInAssess();
    const versionBefore = Number(changeRecord(change.sys_id!).sys_mod_count);

    tick();
    const approved = simulator.approveChange(change.sys_id!, { user: ALICE.username, comment: 'Low risk, go ahead' });

    expect(approved).toMatchObject({
      state: '-2',
      approval: 'approved',
      approval_set: '2025-03-10 15:00:02',
      sys_updated_by: ALICE.username,
      sys_updated_on: '2025-03-10 15:00:02',
    });
    expect(Number(approved.sys_mod_count)).toBe(versionBefore + 1);
    expect(approvalStates(change.sys_id!)).toEqual({
      [userSysId(ALICE.username)]: 'approved',
      [userSysId(BOB.username)]: 'not_required',
    });

    const aliceRow = approvalsOf(change.sys_id!).find((row) => row.approver === userSysId(ALICE.username))!;
    expect(aliceRow.sys_updated_by).toBe(ALICE.username);
    const journal = simulator.records('sys_journal_field').filter((entry) => entry.element_id === aliceRow.sys_id);
    expect(journal).toEqual([
      expect.objectContaining({ name: 'sysapproval_approver', element: 'comments', value: 'Low risk, go ahead', sys_created_by: ALICE.username }),
    ]);

    expect((await patchChange(change.sys_id!, { state: '-1' })).status).toBe(200);
    expect((await patchChange(change.sys_id!, { state: '0' })).status).toBe(200);
    const closed = await patchChange(change.sys_id!, { state: '3', close_code: 'successful', close_notes: 'Runbook succeeded' });

    expect(closed.status).toBe(200);
    expect(resultOf(closed)).toMatchObject({ state: '3', active: 'false', closed_by: userSysId(USER.username) });
  });

  it('lets an approver approve through the Table API', async () => {
    const change = await changeInAssess();
    const row = approvalsOf(change.sys_id!).find((candidate) => candidate.approver === userSysId(ALICE.username))!;

    tick();
    const answer = await rawRequest(simulator.url, 'PATCH', `/api/now/table/sysapproval_approver/${row.sys_id}`, {
      body: { state: 'approved', comments: 'Approved from my phone' },
      authorization: ALICE_AUTH,
    });

    expect(answer.status).toBe(200);
    expect(resultOf(answer)).toMatchObject({ state: 'approved', comments: '' });
    expect(changeRecord(change.sys_id!)).toMatchObject({ state: '-2', approval: 'approved', sys_updated_by: ALICE.username });
  });

  it('counts the first decision only', async () => {
    const change = await changeInAssess();
    simulator.approveChange(change.sys_id!, { user: ALICE.username });

    expect(() => simulator.rejectChange(change.sys_id!, { user: BOB.username, comment: 'Too late' })).toThrow(ChangeApprovalError);
    expect(changeRecord(change.sys_id!)).toMatchObject({ state: '-2', approval: 'approved' });
  });

  it('asks again after a rejection and resubmission', async () => {
    const change = await changeInAssess();
    tick();
    const rejected = simulator.rejectChange(change.sys_id!, { user: BOB.username, comment: 'No rollback plan' });

    expect(rejected).toMatchObject({ state: '-5', approval: 'rejected', sys_updated_by: BOB.username });
    expect(approvalStates(change.sys_id!)).toEqual({
      [userSysId(ALICE.username)]: 'not_required',
      [userSysId(BOB.username)]: 'rejected',
    });

    const resubmitted = resultOf(await patchChange(change.sys_id!, { state: '-4' }));

    expect(resubmitted).toMatchObject({ state: '-4', approval: 'requested' });
    expect(approvalsOf(change.sys_id!).map((row) => row.state)).toEqual(['not_required', 'rejected', 'requested', 'requested']);
  });

  it('cancels pending approvals when reverted to New', async () => {
    const change = await changeInAssess();

    const reverted = resultOf(await patchChange(change.sys_id!, { state: '-5' }));

    expect(reverted).toMatchObject({ state: '-5', approval: 'not requested' });
    expect(approvalsOf(change.sys_id!).map((row) => row.state)).toEqual(['cancelled', 'cancelled']);
    expect(() => simulator.approveChange(change.sys_id!, { user: ALICE.username })).toThrow(ChangeApprovalError);
  });

  it('sends webhooks for the approval and the change', async () => {
    const deliveries: Array<{ table: string; operation: string }> = [];
    const { createServer } = await import('node:http');
    const receiver = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      request.on('end', () => {
        const parsed = JSON.parse(body) as { table: string; operation: string };
        deliveries.push({ table: parsed.table, operation: parsed.operation });
        response.writeHead(202).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const port = (receiver.address() as { port: number }).port;
    const withWebhook = await startServiceNowSimulator({
      users: [USER, ALICE],
      changeApprovers: [ALICE.username],
      webhooks: [{ url: `http://127.0.0.1:${port}/hook`, secret: 'test-secret', tables: ['change_request', 'sysapproval_approver'] }],
    });

    try {
      const change = withWebhook.insertRecord('change_request', { type: 'normal', state: '-4' });
      withWebhook.approveChange(change.sys_id!, { user: ALICE.username });
      await withWebhook.webhooksSettled();
    } finally {
      await withWebhook.stop();
      await new Promise<void>((resolve) => receiver.close(() => resolve()));
    }

    expect(deliveries).toEqual([
      { table: 'change_request', operation: 'insert' },
      { table: 'sysapproval_approver', operation: 'insert' },
      { table: 'sysapproval_approver', operation: 'update' },
      { table: 'change_request', operation: 'update' },
    ]);
  });
});

describe('simulator emergency and standard changes', () => {
  it('asks for approval in Authorize for an emergency change', async () => {
    const change = await createChange({ type: 'emergency' });

    expect((await patchChange(change.sys_id!, { state: '-4' })).status).toBe(403);
    const authorized = resultOf(await patchChange(change.sys_id!, { state: '-3' }));

    expect(authorized).toMatchObject({ state: '-3', approval: 'requested' });
    expect(simulator.approveChange(change.sys_id!, { user: BOB.username })).toMatchObject({ state: '-2', approval: 'approved' });
  });

  it('starts a standard change pre-approved in Scheduled', async () => {
    const change = await createChange({ type: 'standard', state: '-2' });

    expect(change).toMatchObject({ state: '-2', approval: 'approved' });
    expect(approvalsOf(change.sys_id!)).toEqual([]);
  });

  it('moves a standard change from New to Scheduled without approvals', async () => {
    const change = await createChange({ type: 'standard' });
    expect(change.approval).toBe('not requested');

    const scheduled = resultOf(await patchChange(change.sys_id!, { state: '-2' }));

    expect(scheduled).toMatchObject({ state: '-2', approval: 'approved' });
    expect(approvalsOf(change.sys_id!)).toEqual([]);
    expect((await patchChange(change.sys_id!, { state: '-4' })).status).toBe(403);
  });
});

describe('simulator change cancellation', () => {
  it('cancels as the user, with the reason as a work note', async () => {
    const change = await changeInAssess();
    const versionBefore = Number(changeRecord(change.sys_id!).sys_mod_count);

    tick();
    const canceled = simulator.cancelChange(change.sys_id!, { user: REQUESTER.username, reason: 'Maintenance window moved' });

    expect(canceled).toMatchObject({ state: '4', active: 'false', sys_updated_by: REQUESTER.username, work_notes: '' });
    expect(Number(canceled.sys_mod_count)).toBe(versionBefore + 1);
    expect(approvalsOf(change.sys_id!).map((row) => row.state)).toEqual(['cancelled', 'cancelled']);
    const notes = simulator.records('sys_journal_field').filter((entry) => entry.element_id === change.sys_id);
    expect(notes).toEqual([expect.objectContaining({ element: 'work_notes', value: 'Maintenance window moved', sys_created_by: REQUESTER.username })]);
  });

  it('cannot cancel a change in Review', async () => {
    const change = await createChange({ type: 'standard', state: '-2' });
    await patchChange(change.sys_id!, { state: '-1' });
    await patchChange(change.sys_id!, { state: '0' });

    expect(() => simulator.cancelChange(change.sys_id!, { user: REQUESTER.username, reason: 'Too late' })).toThrow(BusinessRuleAbort);
    expect(changeRecord(change.sys_id!).state).toBe('0');
  });
});

describe('simulator change data policy and state model', () => {
  it('needs close code and notes to close', async () => {
    const change = await createChange({ type: 'standard', state: '-2' });
    await patchChange(change.sys_id!, { state: '-1' });
    await patchChange(change.sys_id!, { state: '0' });
    const versionBefore = changeRecord(change.sys_id!).sys_mod_count;

    const rejected = await patchChange(change.sys_id!, { state: '3', close_notes: 'Done' });

    expect(rejected.status).toBe(403);
    expect(rejected.json).toMatchObject({ status: 'failure', error: { message: 'Operation Failed' } });
    expect(JSON.stringify(rejected.json)).toContain('Close code is mandatory');
    expect(JSON.stringify(rejected.json)).not.toContain('Close notes is mandatory');
    expect(changeRecord(change.sys_id!)).toMatchObject({ state: '0', sys_mod_count: versionBefore });
    expect(() => simulator.updateRecord('change_request', change.sys_id!, { state: '3' })).toThrow(DataPolicyViolation);
  });

  it('aborts a skipped state with the business rule answer', async () => {
    const change = await createChange({ type: 'standard', state: '-2' });
    await patchChange(change.sys_id!, { state: '-1' });
    const before = changeRecord(change.sys_id!);

    const rejected = await patchChange(change.sys_id!, { state: '3', close_code: 'successful', close_notes: 'Done' });

    expect(rejected.status).toBe(403);
    expect(rejected.json).toEqual({
      error: {
        message: 'Operation Failed',
        detail: expect.stringMatching(
          /^Operation against file 'change_request' was aborted by Business Rule 'Change Model: Check State Transition\^[0-9a-f]{32}'\. Business Rule Stack:Change Model: Check State Transition$/,
        ),
      },
      status: 'failure',
    });
    expect(changeRecord(change.sys_id!)).toEqual(before);
  });

  it('rejects moves a person cannot make', async () => {
    const cases: Array<{ type: string; path: string[]; to: string }> = [
      { type: 'normal', path: [], to: '-2' },
      { type: 'normal', path: ['-4'], to: '-2' },
      { type: 'normal', path: ['-4'], to: '-3' },
      { type: 'normal', path: [], to: '0' },
      { type: 'standard', path: ['-2', '-1'], to: '-2' },
      { type: 'standard', path: ['-2', '-1', '0', '3'], to: '4' },
      { type: 'standard', path: ['-2', '4'], to: '-2' },
    ];

    for (const { type, path, to } of cases) {
      const change = await createChange({ type });
      for (const state of path) {
        const step = await patchChange(change.sys_id!, { state, close_code: 'successful', close_notes: 'Done' });
        expect(step.status, `${type} ${state}`).toBe(200);
      }
      const from = changeRecord(change.sys_id!).state;

      const rejected = await patchChange(change.sys_id!, { state: to });

      expect(rejected.status, `${type} ${from} -> ${to}`).toBe(403);
      expect(changeRecord(change.sys_id!).state, `${type} ${from} -> ${to}`).toBe(from);
    }
  });

  it('explains a rejected direct update', async () => {
    const change = await changeInAssess();

    expect(() => simulator.updateRecord('change_request', change.sys_id!, { state: '-2' })).toThrow(
      /normal change CHG\d{7} cannot move from Assess \(-4\) to Scheduled \(-2\)/,
    );
  });

  it('lets other fields change in any state', async () => {
    const change = await changeInAssess();

    const answer = await patchChange(change.sys_id!, { description: 'More detail', state: '-4' });

    expect(answer.status).toBe(200);
    expect(resultOf(answer)).toMatchObject({ description: 'More detail', state: '-4', approval: 'requested' });
    expect(approvalsOf(change.sys_id!)).toHaveLength(2);
  });
});

describe('simulator change approvers', () => {
  it('rejects an approver that is not a user', async () => {
    await expect(startServiceNowSimulator({ users: [USER], changeApprovers: ['ghost'] })).rejects.toThrow(InvalidSimulatorOptionError);
    expect(() => simulator.setChangeApprovers(['ghost'])).toThrow(/Unknown change approver "ghost"/);
  });

  it('asks the approvers set at run time until reset', async () => {
    simulator.setChangeApprovers([REQUESTER.username]);
    const first = await changeInAssess();
    expect(approvalsOf(first.sys_id!).map((row) => row.approver)).toEqual([userSysId(REQUESTER.username)]);

    simulator.reset();
    const second = await changeInAssess();
    expect(approvalsOf(second.sys_id!)).toHaveLength(2);
  });

  it('waits without approvers', async () => {
    simulator.setChangeApprovers([]);
    const change = await changeInAssess();

    expect(change.approval).toBe('requested');
    expect(approvalsOf(change.sys_id!)).toEqual([]);
    expect(() => simulator.approveChange(change.sys_id!, { user: ALICE.username })).toThrow(/no one \(set the changeApprovers option\)/);
  });

  it('names an unknown change', () => {
    expect(() => simulator.approveChange('0'.repeat(32), { user: ALICE.username })).toThrow(UnknownRecordError);
    expect(() => simulator.cancelChange('0'.repeat(32), { user: ALICE.username, reason: 'x' })).toThrow(
      `No change_request record with sys_id ${'0'.repeat(32)} in the ServiceNow simulator.`,
    );
  });

  it('refuses a user who is not asked', async () => {
    const change = await changeInAssess();

    expect(() => simulator.approveChange(change.sys_id!, { user: REQUESTER.username })).toThrow(
      /jane\.doe has no requested approval on CHG\d{7} \(state -4, approval "requested"\).*Approvers: cab\.alice, cab\.bob\./,
    );
  });
});
