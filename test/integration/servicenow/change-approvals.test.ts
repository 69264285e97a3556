import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import type { ChangedTicket } from '../../../src/core/types.js';
import { startServiceNowSimulator, type ServiceNowSimulator } from '../../../src/simulators/servicenow/index.js';
import { ServiceNowClient } from '../../../src/targets/servicenow/client.js';
import { ServiceNowChangeFeed } from '../../../src/targets/servicenow/servicenow-change-feed.js';
import { ServiceNowTarget } from '../../../src/targets/servicenow/servicenow-target.js';
import { collect } from './support.js';

/** The integration user reads query dates in Los Angeles time; approval times must still come back in UTC. */
const INTEGRATION_USER = { username: 'itsm.sync', password: 'approvals-test-password', timeZone: 'America/Los_Angeles' };
const ALICE = { username: 'cab.alice', name: 'Alice Approver' };
const BOB = { username: 'cab.bob', name: 'Bob Approver' };

let simulator: ServiceNowSimulator;
let now = new Date('2025-03-10T15:00:00Z');

beforeAll(async () => {
  simulator = await startServiceNowSimulator({
    users: [INTEGRATION_USER, ALICE, BOB],
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

function connect() {
  const client = new ServiceNowClient({ instanceUrl: simulator.url, auth: { type: 'basic', ...INTEGRATION_USER }, maxRetries: 0 });
  const target = new ServiceNowTarget(client, { instanceUrl: simulator.url });
  return { target, feed: new ServiceNowChangeFeed(client, target) };
}

/** Create a normal change as the connector would, and submit it for approval at the given time. */
async function submittedChange(correlation: string, at = '2025-03-10T15:00:00Z') {
  now = new Date(at);
  const { target } = connect();
  const ref = await target.create('change_request', { type: 'normal', short_description: 'Restart web tier' }, correlation);
  await target.update(ref, { state: '-4' });
  return ref;
}

function at(time: string): void {
  now = new Date(time);
}

/**
 * Sort approvals by approver. Rows of one round share their creation second, and the Table API then
 * orders them by sys_id, which is random.
 */
function byApprover<T extends { approver: string }>(approvals: T[]): T[] {
  return [...approvals].sort((left, right) => left.approver.localeCompare(right.approver));
}

describe('ServiceNowChangeFeed.listApprovals', () => {
  it('lists each approval with its approver, state and time', async () => {
    const ref = await submittedChange('aws-cr-1');
    at('2025-03-10T15:05:00Z');
    simulator.approveChange(ref.id, { user: ALICE.username, comment: 'Low risk, go ahead' });

    const approvals = await connect().feed.listApprovals(ref);

    expect(byApprover(approvals)).toEqual([
      {
        id: expect.stringMatching(/^[0-9a-f]{32}$/),
        state: 'approved',
        approver: 'cab.alice',
        approverName: 'Alice Approver',
        comment: 'Low risk, go ahead',
        decidedAt: '2025-03-10T15:05:00.000Z',
      },
      {
        id: expect.stringMatching(/^[0-9a-f]{32}$/),
        state: 'not_required',
        approver: 'cab.bob',
        approverName: 'Bob Approver',
        comment: '',
        decidedAt: '2025-03-10T15:05:00.000Z',
      },
    ]);
  });

  it('takes the latest comment of each approval', async () => {
    const ref = await submittedChange('aws-cr-2');
    at('2025-03-10T15:01:00Z');
    simulator.rejectChange(ref.id, { user: BOB.username, comment: 'No rollback plan' });
    const bobRow = simulator.records('sysapproval_approver').find((row) => row.state === 'rejected')!;
    at('2025-03-10T15:02:00Z');
    simulator.updateRecord('sysapproval_approver', bobRow.sys_id!, { comments: 'Add a rollback step and resubmit' }, { user: BOB.username });

    const approvals = await connect().feed.listApprovals(ref);
    const bob = approvals.find((approval) => approval.approver === BOB.username);

    expect(bob).toMatchObject({ state: 'rejected', comment: 'Add a rollback step and resubmit', decidedAt: '2025-03-10T15:02:00.000Z' });
    expect(approvals.find((approval) => approval.approver === ALICE.username)).toMatchObject({ state: 'not_required', comment: '' });
  });

  it('keeps the rounds of a resubmitted change, oldest first', async () => {
    const ref = await submittedChange('aws-cr-3');
    at('2025-03-10T15:01:00Z');
    simulator.rejectChange(ref.id, { user: BOB.username, comment: 'Wrong window' });
    at('2025-03-10T15:10:00Z');
    await connect().target.update(ref, { state: '-4' });
    at('2025-03-10T15:11:00Z');
    simulator.approveChange(ref.id, { user: ALICE.username, comment: 'New window is fine' });

    const approvals = (await connect().feed.listApprovals(ref)).map(({ approver, state, comment }) => ({ approver, state, comment }));

    expect(byApprover(approvals.slice(0, 2))).toEqual([
      { approver: 'cab.alice', state: 'not_required', comment: '' },
      { approver: 'cab.bob', state: 'rejected', comment: 'Wrong window' },
    ]);
    expect(byApprover(approvals.slice(2))).toEqual([
      { approver: 'cab.alice', state: 'approved', comment: 'New window is fine' },
      { approver: 'cab.bob', state: 'not_required', comment: '' },
    ]);
  });

  it('lists requested approvals without a decision', async () => {
    const ref = await submittedChange('aws-cr-4', '2025-03-10T15:30:00Z');

    const approvals = await connect().feed.listApprovals(ref);

    expect(byApprover(approvals).map(({ approver, state, comment, decidedAt }) => ({ approver, state, comment, decidedAt }))).toEqual([
      { approver: 'cab.alice', state: 'requested', comment: '', decidedAt: '2025-03-10T15:30:00.000Z' },
      { approver: 'cab.bob', state: 'requested', comment: '', decidedAt: '2025-03-10T15:30:00.000Z' },
    ]);
  });

  it('returns nothing for a change without approvals, and skips the journal', async () => {
    const { target, feed } = connect();
    const ref = await target.create('change_request', { type: 'standard', state: '-2' }, 'aws-cr-5');
    const requestsBefore = simulator.requests.length;

    expect(await feed.listApprovals(ref)).toEqual([]);
    expect(simulator.requests.slice(requestsBefore).map((request) => request.path)).toEqual(['/api/now/table/sysapproval_approver']);
  });

  it('lists only the approvals of the change asked for', async () => {
    const first = await submittedChange('aws-cr-6');
    const second = await submittedChange('aws-cr-7');
    simulator.approveChange(second.id, { user: BOB.username, comment: 'Second change only' });

    const approvals = await connect().feed.listApprovals(first);

    expect(approvals.map((approval) => approval.state)).toEqual(['requested', 'requested']);
    expect(approvals.every((approval) => approval.comment === '')).toBe(true);
  });

  it('escapes the sys_id in the encoded query', async () => {
    const ref = await submittedChange('aws-cr-8');
    const { feed } = connect();
    const requestsBefore = simulator.requests.length;

    // A caret would start a new condition (here: an OR that matches every row) if it were not escaped.
    const approvals = await feed.listApprovals({ ...ref, id: `${ref.id}^ORsysapprovalISNOTEMPTY` });

    expect(approvals).toEqual([]);
    const [request] = simulator.requests.slice(requestsBefore);
    expect(request?.query.sysparm_query).toBe(`sysapproval=${ref.id}^^ORsysapprovalISNOTEMPTY^ORDERBYsys_created_on^ORDERBYsys_id`);
  });

  it('reads the approver fields by dot-walking', async () => {
    const ref = await submittedChange('aws-cr-9');
    const requestsBefore = simulator.requests.length;

    await connect().feed.listApprovals(ref);

    const [approvalRead, journalRead] = simulator.requests.slice(requestsBefore);
    expect(approvalRead?.query.sysparm_fields?.split(',')).toEqual(
      expect.arrayContaining(['approver.user_name', 'approver.name', 'state', 'sys_updated_on']),
    );
    expect(journalRead?.path).toBe('/api/now/table/sys_journal_field');
    expect(journalRead?.query.sysparm_query).toMatch(/^name=sysapproval_approver\^element=comments\^element_idIN[0-9a-f]{32},[0-9a-f]{32}\^/);
  });
});

describe('approval decisions seen by the change poller', () => {
  it('shows the decision as one change by the approver', async () => {
    const ref = await submittedChange('aws-cr-10');
    const { feed } = connect();
    await feed.prepare();
    const submitted = await feed.getChanged('change_request', ref.id, ['state', 'approval']);

    at('2025-03-10T15:20:00Z');
    simulator.approveChange(ref.id, { user: ALICE.username, comment: 'Approved' });
    const changed: ChangedTicket[] = await collect(
      feed.listChanged('change_request', ['aws-cr-'], new Date('2025-03-10T15:10:00Z'), ['state', 'approval']),
    );

    expect(changed).toHaveLength(1);
    expect(changed[0]).toMatchObject({
      correlation: 'aws-cr-10',
      version: submitted!.version + 1,
      updatedBy: 'cab.alice',
      updatedAt: '2025-03-10T15:20:00.000Z',
      values: { state: '-2', approval: 'approved' },
    });
  });

  it('shows a cancellation with its reason in the journal', async () => {
    const ref = await submittedChange('aws-cr-11');
    const { feed } = connect();
    await feed.prepare();

    at('2025-03-10T15:20:00Z');
    simulator.cancelChange(ref.id, { user: BOB.username, reason: 'Window moved to next week' });
    const [ticket] = await collect(feed.listChanged('change_request', ['aws-cr-'], new Date('2025-03-10T15:10:00Z'), ['state']));
    const notes = await collect(feed.listJournal(ref, ['work_notes']));

    expect(ticket).toMatchObject({ updatedBy: 'cab.bob', values: { state: '4' } });
    expect(notes.map(({ text, author }) => ({ text, author }))).toEqual([{ text: 'Window moved to next week', author: 'cab.bob' }]);
    expect((await feed.listApprovals(ref)).map((approval) => approval.state)).toEqual(['cancelled', 'cancelled']);
  });

  it('closes in steps as the connector does', async () => {
    const ref = await submittedChange('aws-cr-12');
    simulator.approveChange(ref.id, { user: ALICE.username });
    const { target } = connect();

    await expect(target.update(ref, { state: '3', close_code: 'successful', close_notes: 'Runbook succeeded' })).rejects.toThrow(
      /aborted by Business Rule 'Change Model: Check State Transition/,
    );
    await target.update(ref, { state: '-1' });
    await target.update(ref, { state: '0' });
    await target.update(ref, { state: '3', close_code: 'successful', close_notes: 'Runbook succeeded' });

    expect(simulator.records('change_request')[0]).toMatchObject({ state: '3', active: 'false', close_code: 'successful' });
  });
});
