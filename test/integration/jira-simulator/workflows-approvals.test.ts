import { beforeEach, describe, expect, it } from 'vitest';

import {
  ApprovalDecisionError,
  JiraSimulatorRequestError,
  startJiraSimulator,
  UnknownJiraIssueError,
  UnknownJiraUserError,
  WorkflowPathError,
  type JiraApprovalView,
} from '../../../src/simulators/jira/index.js';
import { adf, CLOUD_AGENT, CLOUD_APPROVER, CLOUD_AUTH, client, JIRA_TIMESTAMP, useJiraSimulator } from './support.js';

const START = Date.parse('2025-03-10T14:00:00.000Z');
let now = START;

/** The default users, with an API token for the approver so the approvals API can be called as them. */
const USERS = [
  { login: 'itsm-sync-bot@example.com', displayName: 'AWS ITSM Sync (bot)', accountId: '712020:0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0', apiToken: 'local-only-api-token' },
  { login: CLOUD_AGENT, displayName: 'Avery Agent', accountId: '5b10ac8d82e05b22cc7d4ef5', timeZone: 'America/Los_Angeles' },
  { login: CLOUD_APPROVER, displayName: 'Casey Example', accountId: '5b10ac8d82e05b22cc7d4ef6', apiToken: 'casey-token' },
  { login: 'second.approver@example.com', displayName: 'Second Approver', apiToken: 'second-token' },
];
const APPROVER_AUTH = `Basic ${Buffer.from(`${CLOUD_APPROVER}:casey-token`).toString('base64')}`;

const cloud = useJiraSimulator({ deployment: 'cloud', users: USERS, changeApprovers: [CLOUD_APPROVER], clock: () => new Date(now) });

beforeEach(() => {
  now = START;
});

function createIncident(): string {
  return cloud.jira.createIssue({ project: { key: 'SEC' }, issuetype: { name: '[System] Incident' }, summary: 'Finding' }).key;
}

function createChange(): string {
  return cloud.jira.createIssue({ project: { key: 'ITS' }, issuetype: { name: '[System] Change' }, summary: 'Patch the fleet' }).key;
}

async function transitionNames(key: string): Promise<string[]> {
  const answer = await cloud.api.get(`/rest/api/3/issue/${key}/transitions`);
  return (answer.json as { transitions: Array<{ name: string }> }).transitions.map((transition) => transition.name);
}

describe('incident workflow', () => {
  it('offers only the transitions of the current status', async () => {
    const key = createIncident();

    expect(await transitionNames(key)).toEqual(['Start progress']);
    cloud.jira.transitionTo(key, 'In Progress', CLOUD_AGENT);
    expect(await transitionNames(key)).toEqual(['Stop progress', 'Resolve issue']);
    cloud.jira.transitionTo(key, 'Closed', CLOUD_AGENT, { resolution: 'Done' });
    expect(await transitionNames(key)).toEqual(['Reopen issue']);
  });

  it('shows the required resolution on the Resolve screen', async () => {
    const key = createIncident();
    cloud.jira.transitionTo(key, 'In Progress', CLOUD_AGENT);

    const answer = await cloud.api.get(`/rest/api/3/issue/${key}/transitions`, { expand: 'transitions.fields' });
    const resolve = (answer.json as { transitions: Array<Record<string, any>> }).transitions.find((transition) => transition.id === '31');

    expect(resolve?.hasScreen).toBe(true);
    expect(resolve?.fields.resolution).toMatchObject({ required: true, hasDefaultValue: false, key: 'resolution', operations: ['set'] });
    expect(resolve?.to).toMatchObject({ name: 'Resolved', statusCategory: { key: 'done' } });
  });

  it('leaves screen fields out without transitions.fields', async () => {
    const key = createIncident();

    const answer = await cloud.api.get(`/rest/api/3/issue/${key}/transitions`);

    expect((answer.json as { transitions: Array<Record<string, unknown>> }).transitions[0]).not.toHaveProperty('fields');
  });

  it('rejects a transition without its required field', async () => {
    const key = createIncident();
    cloud.jira.transitionTo(key, 'In Progress', CLOUD_AGENT);

    const answer = await cloud.api.post(`/rest/api/3/issue/${key}/transitions`, { transition: { id: '31' } });

    expect(answer.status).toBe(400);
    expect(answer.json).toEqual({ errorMessages: ["Field 'resolution' is required"], errors: {} });
    expect(cloud.jira.issue(key)?.fields.status.name).toBe('In Progress');
  });

  it('rejects a field that is not on the transition screen', async () => {
    const key = createIncident();
    cloud.jira.transitionTo(key, 'In Progress', CLOUD_AGENT);

    const answer = await cloud.api.post(`/rest/api/3/issue/${key}/transitions`, {
      transition: { id: '31' },
      fields: { resolution: { name: 'Done' }, priority: { name: 'High' } },
    });

    expect(answer.status).toBe(400);
    expect(answer.json).toEqual({
      errorMessages: [],
      errors: { priority: "Field 'priority' cannot be set. It is not on the appropriate screen, or unknown." },
    });
  });

  it('rejects an unknown resolution and a missing transition id', async () => {
    const key = createIncident();
    cloud.jira.transitionTo(key, 'In Progress', CLOUD_AGENT);

    const unknown = await cloud.api.post(`/rest/api/3/issue/${key}/transitions`, { transition: { id: '31' }, fields: { resolution: { name: 'Fixed' } } });
    const missing = await cloud.api.post(`/rest/api/3/issue/${key}/transitions`, { fields: {} });

    expect(unknown.status).toBe(400);
    expect((unknown.json as { errors: Record<string, string> }).errors.resolution).toContain("'Fixed'");
    expect(missing.status).toBe(400);
  });

  it('reaches Closed in three hops and reopens without a resolution', async () => {
    const key = createIncident();
    now += 60_000;

    const closed = cloud.jira.transitionTo(key, 'Closed', CLOUD_AGENT, { resolution: 'Duplicate' });
    now += 60_000;
    const reopened = cloud.jira.transitionTo(key, 'Reopened', CLOUD_AGENT);

    expect(closed.fields.status.name).toBe('Closed');
    expect(closed.fields.resolution?.name).toBe('Duplicate');
    expect(closed.fields.resolutiondate).toBe('2025-03-10T14:01:00.000+0000');
    expect(closed.fields.statuscategorychangedate).toBe('2025-03-10T14:01:00.000+0000');
    expect(reopened.fields.status.statusCategory.key).toBe('new');
    expect(reopened.fields.resolution).toBeNull();
    expect(reopened.fields.resolutiondate).toBeNull();
    expect(await transitionNames(key)).toEqual(['Start progress', 'Resolve issue']);
  });

  it('explains an unreachable status and a missing screen field', () => {
    const key = createIncident();

    expect(() => cloud.jira.transitionTo(key, 'Awaiting approval', CLOUD_AGENT)).toThrow(WorkflowPathError);
    expect(() => cloud.jira.transitionTo(key, 'Awaiting approval', CLOUD_AGENT)).toThrow(/Reachable statuses: In Progress, Resolved, Closed, Reopened/);
    expect(() => cloud.jira.transitionTo(key, 'Resolved', CLOUD_AGENT)).toThrow(JiraSimulatorRequestError);
    expect(() => cloud.jira.transitionTo(key, 'Resolved', CLOUD_AGENT)).toThrow(/Field 'resolution' is required/);
    expect(() => cloud.jira.transitionTo(key, 'Resolved', CLOUD_AGENT, { priority: { name: 'High' } })).toThrow(/priority/);
  });

  it('rejects helpers naming an unknown issue or user', () => {
    const key = createIncident();

    expect(() => cloud.jira.transitionTo('SEC-404', 'In Progress', CLOUD_AGENT)).toThrow(UnknownJiraIssueError);
    expect(() => cloud.jira.transitionTo(key, 'In Progress', 'nobody@example.com')).toThrow(UnknownJiraUserError);
    expect(cloud.jira.issue('SEC-404')).toBeUndefined();
  });
});

describe('task workflow', () => {
  it('uses the screen default resolution', () => {
    const key = cloud.jira.createIssue({ project: { key: 'SEC' }, issuetype: { name: 'Task' }, summary: 'Rotate keys' }).key;

    const done = cloud.jira.transitionTo(key, 'Done', CLOUD_AGENT);
    const accepted = cloud.jira.transitionTo(key, 'Risk Accepted', CLOUD_AGENT);
    const backToWork = cloud.jira.transitionTo(key, 'In Progress', CLOUD_AGENT);

    expect(done.fields.resolution?.name).toBe('Done');
    expect(accepted.fields.resolution?.name).toBe("Won't Do");
    expect(backToWork.fields.resolution).toBeNull();
  });
});

describe('updated time and attribution', () => {
  it('moves updated only on real changes', async () => {
    const key = createIncident();
    const updatedAt = (): string | undefined => cloud.jira.issue(key)?.fields.updated;

    now += 60_000;
    await cloud.api.put(`/rest/api/3/issue/${key}`, { fields: { summary: 'Renamed' } });
    const afterEdit = updatedAt();
    now += 60_000;
    await cloud.api.put(`/rest/api/3/issue/${key}`, { fields: { summary: 'Renamed' } });
    const afterRepeat = updatedAt();
    await cloud.api.put(`/rest/api/3/issue/${key}/properties/itsm-sync`, { identity: 'abc' });
    const afterProperty = updatedAt();
    now += 60_000;
    cloud.jira.transitionTo(key, 'In Progress', CLOUD_AGENT);
    const afterTransition = updatedAt();
    now += 60_000;
    cloud.jira.addComment(key, 'Looking', CLOUD_AGENT);
    const afterComment = updatedAt();

    expect(afterEdit).toBe('2025-03-10T14:01:00.000+0000');
    expect(afterRepeat).toBe(afterEdit);
    expect(afterProperty).toBe(afterEdit);
    expect(afterTransition).toBe('2025-03-10T14:03:00.000+0000');
    expect(afterComment).toBe('2025-03-10T14:04:00.000+0000');
  });

  it('attributes helper changes to the person', () => {
    const key = cloud.jira.createIssue({ project: { key: 'SEC' }, issuetype: { name: 'Task' }, summary: 'x' }, CLOUD_AGENT).key;

    const edited = cloud.jira.editIssue(key, { description: 'Checked the bucket.\n\nIt is private now.' }, CLOUD_AGENT);
    const comment = cloud.jira.addComment(key, 'Done on my side', CLOUD_AGENT);

    expect(edited.fields.reporter).toMatchObject({ displayName: 'Avery Agent', accountId: '5b10ac8d82e05b22cc7d4ef5' });
    expect(edited.fields.creator).toMatchObject({ displayName: 'Avery Agent' });
    expect(edited.fields.description).toEqual(adf('Checked the bucket.', 'It is private now.'));
    expect(comment.author).toMatchObject({ displayName: 'Avery Agent' });
    expect(comment.jsdPublic).toBe(true);
    expect(cloud.jira.addComment(key, 'Internal note', CLOUD_AGENT, { internal: true }).jsdPublic).toBe(false);
  });

  it('rejects a helper edit that Jira would reject', () => {
    const key = createIncident();

    expect(() => cloud.jira.editIssue(key, { summary: '' }, CLOUD_AGENT)).toThrow(JiraSimulatorRequestError);
    expect(() => cloud.jira.editIssue(key, { summary: '' }, CLOUD_AGENT)).toThrow(/summary: You must specify a summary of the issue\./);
    expect(() => cloud.jira.editIssue(key, { status: { name: 'Closed' } }, CLOUD_AGENT)).toThrow(/cannot be set/);
  });
});

describe('JSM change approvals', () => {
  async function approvals(key: string, auth = CLOUD_AUTH, query: Record<string, string> = {}): Promise<{ values: JiraApprovalView[]; [key: string]: unknown }> {
    const answer = await client(cloud.jira.url, auth).get(`/rest/servicedeskapi/request/${key}/approval`, query);
    expect(answer.status, answer.text).toBe(200);
    return answer.json as { values: JiraApprovalView[] };
  }

  it('starts an approval when a change enters Awaiting approval', async () => {
    const key = createChange();
    now += 60_000;

    const moved = await cloud.api.post(`/rest/api/3/issue/${key}/transitions`, { transition: { id: '121' } });
    const page = await approvals(key);

    expect(moved.status).toBe(204);
    expect(page).toMatchObject({ size: 1, start: 0, limit: 50, isLastPage: true });
    expect(page.values).toHaveLength(1);
    const [approval] = page.values;
    expect(approval).toMatchObject({ name: 'Awaiting approval', finalDecision: 'pending', canAnswerApproval: false });
    expect(approval?.approvers).toEqual([
      { approver: expect.objectContaining({ accountId: '5b10ac8d82e05b22cc7d4ef6', displayName: 'Casey Example' }), approverDecision: 'pending' },
    ]);
    expect(approval?.createdDate).toMatchObject({ jira: '2025-03-10T14:01:00.000+0000', iso8601: '2025-03-10T14:01:00+0000', epochMillis: START + 60_000 });
    expect(approval).not.toHaveProperty('completedDate');
  });

  it('hides the decision transitions while the approval is pending', async () => {
    const key = createChange();
    cloud.jira.transitionTo(key, 'Awaiting approval', CLOUD_AGENT);

    expect(await transitionNames(key)).toEqual(['Cancel']);
    const forced = await cloud.api.post(`/rest/api/3/issue/${key}/transitions`, { transition: { id: '131' } });
    expect(forced.status).toBe(400);
    expect(() => cloud.jira.transitionTo(key, 'Awaiting implementation', CLOUD_AGENT)).toThrow(WorkflowPathError);
  });

  it('lets the approver approve through the API and moves the change on', async () => {
    const key = createChange();
    cloud.jira.transitionTo(key, 'Awaiting approval', CLOUD_AGENT);
    const [pending] = (await approvals(key, APPROVER_AUTH)).values;
    now += 120_000;

    const answer = await client(cloud.jira.url, APPROVER_AUTH).post(`/rest/servicedeskapi/request/${key}/approval/${pending?.id}`, { decision: 'approve' });
    const approval = answer.json as JiraApprovalView;

    expect(pending?.canAnswerApproval).toBe(true);
    expect(answer.status).toBe(200);
    expect(approval.finalDecision).toBe('approved');
    expect(approval.canAnswerApproval).toBe(false);
    expect(approval.approvers[0]?.approverDecision).toBe('approved');
    expect(approval.completedDate?.jira).toBe('2025-03-10T14:02:00.000+0000');
    const change = cloud.jira.issue(key);
    expect(change?.fields.status.name).toBe('Awaiting implementation');
    expect(change?.fields.updated).toBe('2025-03-10T14:02:00.000+0000');
    expect(await transitionNames(key)).toEqual(['Implement', 'Request approval again', 'Cancel']);
  });

  it('rejects an answer from someone who is not an approver', async () => {
    const key = createChange();
    cloud.jira.transitionTo(key, 'Awaiting approval', CLOUD_AGENT);
    const [pending] = (await approvals(key)).values;

    const answer = await cloud.api.post(`/rest/servicedeskapi/request/${key}/approval/${pending?.id}`, { decision: 'approve' });
    const invalid = await client(cloud.jira.url, APPROVER_AUTH).post(`/rest/servicedeskapi/request/${key}/approval/${pending?.id}`, { decision: 'yes' });
    const missing = await cloud.api.get(`/rest/servicedeskapi/request/${key}/approval/999`);

    expect(answer.status).toBe(403);
    expect(answer.json).toMatchObject({ errorMessage: expect.stringContaining('not an approver'), i18nErrorMessage: { i18nKey: expect.any(String), parameters: [] } });
    expect(invalid.status).toBe(400);
    expect(missing.status).toBe(404);
    expect(cloud.jira.issue(key)?.fields.status.name).toBe('Awaiting approval');
  });

  it('declines through the helper, with a comment, to Declined', () => {
    const key = createChange();
    cloud.jira.transitionTo(key, 'Awaiting approval', CLOUD_AGENT);

    const approval = cloud.jira.decideApproval(key, CLOUD_APPROVER, 'decline', 'Not during the freeze.');

    expect(approval.finalDecision).toBe('declined');
    const change = cloud.jira.issue(key);
    expect(change?.fields.status.name).toBe('Declined');
    expect(change?.fields.resolution?.name).toBe('Declined');
    expect(cloud.jira.comments(key).map((comment) => [comment.body, (comment.author as { displayName: string }).displayName])).toEqual([
      [adf('Not during the freeze.'), 'Casey Example'],
    ]);
    expect(() => cloud.jira.decideApproval(key, CLOUD_APPROVER, 'approve')).toThrow(ApprovalDecisionError);
  });

  it('waits for the required number of approvals', async () => {
    const twoApprovers = await startJiraSimulator({
      deployment: 'cloud',
      users: USERS,
      changeApprovers: [CLOUD_APPROVER, 'second.approver@example.com'],
      requiredApprovals: 2,
    });
    try {
      const key = twoApprovers.createIssue({ project: { key: 'ITS' }, issuetype: { name: '[System] Change' }, summary: 'x' }).key;
      twoApprovers.transitionTo(key, 'Awaiting approval', CLOUD_AGENT);

      const first = twoApprovers.decideApproval(key, CLOUD_APPROVER, 'approve');
      const statusAfterFirst = twoApprovers.issue(key)?.fields.status.name;
      const second = twoApprovers.decideApproval(key, 'second.approver@example.com', 'approve');

      expect(first.finalDecision).toBe('pending');
      expect(statusAfterFirst).toBe('Awaiting approval');
      expect(second.finalDecision).toBe('approved');
      expect(twoApprovers.issue(key)?.fields.status.name).toBe('Awaiting implementation');
    } finally {
      await twoApprovers.close();
    }
  });

  it('explains why a helper decision is impossible', () => {
    const key = createChange();

    expect(() => cloud.jira.decideApproval(key, CLOUD_APPROVER, 'approve')).toThrow(/no pending approval/);
    cloud.jira.transitionTo(key, 'Awaiting approval', CLOUD_AGENT);
    expect(() => cloud.jira.decideApproval(key, CLOUD_AGENT, 'approve')).toThrow(/no pending answer on approval 1\. Approvers: casey\.example@example\.com \(pending\)/);
  });

  it('completes a change through implementation with a resolution', () => {
    const key = createChange();
    cloud.jira.transitionTo(key, 'Awaiting approval', CLOUD_AGENT);
    cloud.jira.decideApproval(key, CLOUD_APPROVER, 'approve');

    const completed = cloud.jira.transitionTo(key, 'Completed', CLOUD_AGENT, { resolution: 'Done' });

    expect(completed.fields.status.name).toBe('Completed');
    expect(completed.fields.resolutiondate).toMatch(JIRA_TIMESTAMP);
    expect(cloud.jira.approvals(key).map((approval) => approval.finalDecision)).toEqual(['approved']);
  });

  it('pages approvals with start and limit and checks them', async () => {
    const key = createChange();
    cloud.jira.transitionTo(key, 'Awaiting approval', CLOUD_AGENT);

    const empty = await approvals(key, CLOUD_AUTH, { start: '1', limit: '1' });
    const bad = await cloud.api.get(`/rest/servicedeskapi/request/${key}/approval`, { limit: '0' });

    expect(empty).toMatchObject({ size: 0, start: 1, limit: 1, isLastPage: true, values: [] });
    expect(bad.status).toBe(400);
  });

  it('answers 404 for an issue outside a service desk', async () => {
    const software = await startJiraSimulator({ deployment: 'cloud', projects: [{ key: 'DEV', projectTypeKey: 'software' }] });
    try {
      const key = software.createIssue({ project: { key: 'DEV' }, issuetype: { name: 'Task' }, summary: 'x' }).key;

      const answer = await client(software.url).get(`/rest/servicedeskapi/request/${key}/approval`);

      expect(answer.status).toBe(404);
      expect(answer.json).toMatchObject({ errorMessage: expect.any(String) });
    } finally {
      await software.close();
    }
  });
});
