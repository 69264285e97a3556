import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { renderText } from '../../../src/targets/jira/document.js';
import { JiraInputError, JiraNotFoundError, JiraRequestError } from '../../../src/targets/jira/errors.js';
import { type FakeJira, fixtureReply, startFakeJira } from './fake-jira.js';
import { BASIC_HEADER, captureError, cloudClient, collect, dataCenterClient, loadFixture, PAT } from './support.js';

let jira: FakeJira;

beforeAll(async () => {
  jira = await startFakeJira();
});

afterAll(async () => {
  await jira.close();
});

/** A fresh fake server per test would be slower; paths carry a per-test issue key instead. */
let nextIssue = 100;
function issueKey(): string {
  nextIssue += 1;
  return `SEC-${nextIssue}`;
}

describe('JiraClient issue operations on Cloud', () => {
  it('creates an issue with REST v3 and basic auth', async () => {
    const fixture = loadFixture('platform/create-issue.http.json');
    jira.queue('POST', '/rest/api/3/issue', fixtureReply(fixture));
    const client = cloudClient(jira.url);
    const fields = (fixture.request.body as { fields: Record<string, unknown> }).fields;

    const created = await client.createIssue(fields);

    expect(created).toEqual({ id: '10042', key: 'SEC-17', self: 'https://jira-cloud.example.com/rest/api/3/issue/10042' });
    const request = jira.requestsTo('POST', '/rest/api/3/issue').at(-1);
    expect(request?.headers.authorization).toBe(BASIC_HEADER);
    expect(request?.headers['content-type']).toBe('application/json');
    expect(request?.body).toEqual({ fields });
    expect(client.calls).toBe(1);
  });

  it('updates an issue with PUT and a 204', async () => {
    const key = issueKey();
    jira.queue('PUT', `/rest/api/3/issue/${key}`, { status: 204 });
    const client = cloudClient(jira.url);

    await expect(client.updateIssue(key, { summary: 'New summary' })).resolves.toBeUndefined();

    expect(jira.requestsTo('PUT', `/rest/api/3/issue/${key}`)[0]?.body).toEqual({ fields: { summary: 'New summary' } });
  });

  it('reads an issue with the listed fields and expand', async () => {
    const key = issueKey();
    jira.queue('GET', `/rest/api/3/issue/${key}`, { body: { id: '10077', key, fields: { summary: 'x', status: { name: 'Open' } }, changelog: { histories: [] } } });

    const read = await cloudClient(jira.url).getIssue(key, ['summary', 'status'], { expand: 'changelog' });

    expect(read).toEqual({ id: '10077', key, fields: { summary: 'x', status: { name: 'Open' } }, changelog: { histories: [] } });
    const query = jira.requestsTo('GET', `/rest/api/3/issue/${key}`)[0]?.query;
    expect(query?.get('fields')).toBe('summary,status');
    expect(query?.get('expand')).toBe('changelog');
  });

  it('returns undefined for an issue that does not exist', async () => {
    jira.queue('GET', '/rest/api/3/issue/SEC-9999', fixtureReply(loadFixture('errors/404-issue.http.json')));
    const client = cloudClient(jira.url);

    expect(await client.getIssue('SEC-9999', ['summary'])).toBeUndefined();
    expect(client.calls).toBe(1);
  });

  it('reports a missing issue on update as JiraNotFoundError', async () => {
    jira.queue('PUT', '/rest/api/3/issue/SEC-9998', fixtureReply(loadFixture('errors/404-issue.http.json')));

    const error = await captureError(cloudClient(jira.url).updateIssue('SEC-9998', { summary: 'x' }));

    expect(error).toBeInstanceOf(JiraNotFoundError);
    expect(error.issue).toBe('SEC-9998');
    expect(error.jiraMessages).toEqual(['Issue does not exist or you do not have permission to see it.']);
    expect(error.message).toContain('Jira update issue (issue SEC-9998) failed: HTTP 404');
    expect(error.message).toContain('Browse projects');
  });

  it('lists transitions with their screen fields', async () => {
    jira.queue('GET', '/rest/api/3/issue/SEC-17/transitions', fixtureReply(loadFixture('platform/get-transitions.http.json')));

    const transitions = await cloudClient(jira.url).getTransitions('SEC-17');

    expect(transitions.map((transition) => [transition.id, transition.to.name])).toEqual([
      ['11', 'To Do'],
      ['21', 'In Progress'],
      ['31', 'Done'],
      ['41', 'Risk Accepted'],
    ]);
    expect(transitions[2]?.fields?.resolution?.required).toBe(true);
    expect(jira.requestsTo('GET', '/rest/api/3/issue/SEC-17/transitions')[0]?.query.get('expand')).toBe('transitions.fields');
  });

  it('transitions an issue with screen fields', async () => {
    const key = issueKey();
    jira.queue('POST', `/rest/api/3/issue/${key}/transitions`, { status: 204 }, { status: 204 });
    const client = cloudClient(jira.url);

    await client.transitionIssue(key, '31', { resolution: { name: 'Done' } });
    await client.transitionIssue(key, '21');

    const bodies = jira.requestsTo('POST', `/rest/api/3/issue/${key}/transitions`).map((request) => request.body);
    expect(bodies).toEqual([{ transition: { id: '31' }, fields: { resolution: { name: 'Done' } } }, { transition: { id: '21' } }]);
  });

  it('names the required field of a rejected transition', async () => {
    const key = issueKey();
    jira.queue('POST', `/rest/api/3/issue/${key}/transitions`, fixtureReply(loadFixture('errors/400-field-required.http.json')));

    const error = await captureError(cloudClient(jira.url).transitionIssue(key, '31'));

    expect(error).toBeInstanceOf(JiraRequestError);
    expect(error.retryable).toBe(false);
    expect(error.message).toContain(`Jira transition issue (issue ${key}) failed: HTTP 400 "Field 'priority' is required".`);
    expect(error.message).toContain('resolution');
  });

  it('adds a comment and reads the stored comment', async () => {
    const fixture = loadFixture('platform/add-comment.http.json');
    jira.queue('POST', '/rest/api/3/issue/SEC-17/comment', fixtureReply(fixture));
    const body = renderText('Security Hub workflow status changed to NOTIFIED by aws-itsm-sync.', 'cloud');

    const comment = await cloudClient(jira.url).addComment('SEC-17', body);

    expect(comment.id).toBe('10100');
    expect(comment.author?.displayName).toBe('AWS ITSM Sync (bot)');
    expect(jira.requestsTo('POST', '/rest/api/3/issue/SEC-17/comment').at(-1)?.body).toEqual({ body });
  });

  it('pages through comments by startAt, oldest first', async () => {
    const key = issueKey();
    const comments = (loadFixture('platform/get-comments.http.json').response.body as { comments: unknown[] }).comments;
    const extra = { id: '10102', body: 'third', created: '2025-03-11T09:00:00.000+0000' };
    jira.queue(
      'GET',
      `/rest/api/3/issue/${key}/comment`,
      { body: { startAt: 0, maxResults: 2, total: 3, comments } },
      { body: { startAt: 2, maxResults: 2, total: 3, comments: [extra] } },
    );

    const read = await collect(cloudClient(jira.url).listComments(key));

    expect(read.map((comment) => comment.id)).toEqual(['10100', '10101', '10102']);
    const queries = jira.requestsTo('GET', `/rest/api/3/issue/${key}/comment`).map((request) => Object.fromEntries(request.query));
    expect(queries).toEqual([
      { startAt: '0', maxResults: '100', orderBy: 'created' },
      { startAt: '2', maxResults: '100', orderBy: 'created' },
    ]);
  });

  it('stops paging comments when a page repeats the previous one', async () => {
    const key = issueKey();
    const page = { startAt: 0, maxResults: 1, total: 50, comments: [{ id: '1', body: 'x', created: '2025-03-11T09:00:00.000+0000' }] };
    jira.route('GET', `/rest/api/3/issue/${key}/comment`, () => ({ body: page }));

    const read = await collect(cloudClient(jira.url).listComments(key));

    expect(read.map((comment) => comment.id)).toEqual(['1']);
    expect(jira.requestsTo('GET', `/rest/api/3/issue/${key}/comment`)).toHaveLength(2);
  });

  it('writes and reads an issue property', async () => {
    const key = issueKey();
    const path = `/rest/api/3/issue/${key}/properties/itsm-sync.link`;
    jira.queue('PUT', path, { status: 201 });
    jira.queue('GET', path, { body: { key: 'itsm-sync.link', value: { correlation: 'aws:finding:1' } } });
    jira.queue('GET', `/rest/api/3/issue/${key}/properties/missing`, fixtureReply(loadFixture('errors/404-issue.http.json')));
    const client = cloudClient(jira.url);

    await client.setIssueProperty(key, 'itsm-sync.link', { correlation: 'aws:finding:1' });
    const value = await client.getIssueProperty(key, 'itsm-sync.link');
    const missing = await client.getIssueProperty(key, 'missing');

    expect(jira.requestsTo('PUT', path)[0]?.rawBody).toBe('{"correlation":"aws:finding:1"}');
    expect(value).toEqual({ correlation: 'aws:finding:1' });
    expect(missing).toBeUndefined();
  });

  it('sends a bare string property value as JSON', async () => {
    const key = issueKey();
    const path = `/rest/api/3/issue/${key}/properties/marker`;
    jira.queue('PUT', path, { status: 200 });

    await cloudClient(jira.url).setIssueProperty(key, 'marker', 'plain');

    expect(jira.requestsTo('PUT', path)[0]?.rawBody).toBe('"plain"');
    expect(jira.requestsTo('PUT', path)[0]?.headers['content-type']).toBe('application/json');
  });

  it('reads myself, the fields and a status', async () => {
    jira.queue('GET', '/rest/api/3/myself', { body: { accountId: '712020:0f1e', displayName: 'AWS ITSM Sync (bot)', timeZone: 'Etc/UTC', active: true } });
    jira.queue('GET', '/rest/api/3/field', {
      body: [
        { id: 'summary', name: 'Summary', custom: false, schema: { type: 'string', system: 'summary' } },
        { id: 'customfield_10060', name: 'Finding ARN', custom: true, schema: { type: 'string', custom: 'com.atlassian.jira.plugin.system.customfieldtypes:textarea', customId: 10060 } },
      ],
    });
    jira.queue('GET', '/rest/api/3/status/Done', { body: { id: '10002', name: 'Done', statusCategory: { id: 3, key: 'done' } } });
    jira.queue('GET', '/rest/api/3/status/Nowhere', { status: 404, body: { errorMessages: ["The status with id 'Nowhere' does not exist."], errors: {} } });
    const client = cloudClient(jira.url);

    const me = await client.myself();
    const fields = await client.listFields();
    const done = await client.getStatus('Done');
    const nowhere = await client.getStatus('Nowhere');

    expect(me).toEqual({ accountId: '712020:0f1e', displayName: 'AWS ITSM Sync (bot)', timeZone: 'Etc/UTC' });
    expect(fields.map((field) => [field.id, field.custom, field.schema?.custom])).toEqual([
      ['summary', false, undefined],
      ['customfield_10060', true, 'com.atlassian.jira.plugin.system.customfieldtypes:textarea'],
    ]);
    expect(done).toEqual({ id: '10002', name: 'Done', statusCategory: { key: 'done' } });
    expect(nowhere).toBeUndefined();
  });

  it('encodes a status name with spaces and slashes in the path', async () => {
    jira.queue('GET', '/rest/api/3/status/Waiting%20for%20support%2Fvendor', { body: { id: '10010', name: 'Waiting for support/vendor', statusCategory: { key: 'indeterminate' } } });

    const status = await cloudClient(jira.url).getStatus('Waiting for support/vendor');

    expect(status?.id).toBe('10010');
  });

  it('rejects an invalid issue key before sending', async () => {
    const client = cloudClient(jira.url);

    await expect(client.getIssue('SEC-17/../../admin', ['summary'])).rejects.toBeInstanceOf(JiraInputError);
    await expect(client.updateIssue('', {})).rejects.toThrow(/Invalid Jira issue key or id ""/);
    await expect(client.transitionIssue('SEC-17', 'done')).rejects.toThrow(/Invalid transition id "done"/);
    await expect(client.setIssueProperty('SEC-17', 'x'.repeat(256), 1)).rejects.toThrow(/1 to 255 characters/);
    await expect(client.send({ operation: 'probe', method: 'GET', path: '//evil.example.test/x' })).rejects.toThrow(/Invalid Jira request path/);
    expect(client.calls).toBe(0);
  });
});

describe('JiraClient JSM approvals', () => {
  const approval = (id: number, finalDecision: string, approverDecision: string) => ({
    id: String(id),
    name: 'Change manager approval',
    finalDecision,
    canAnswerApproval: finalDecision === 'pending',
    approvers: [{ approver: { accountId: '5b10ac8d82e05b22cc7d4ef5', displayName: 'Avery Agent' }, approverDecision }],
    createdDate: { iso8601: '2025-03-10T14:05:09+0000', jira: '2025-03-10T14:05:09.000+0000', friendly: 'Today 2:05 PM', epochMillis: 1741615509000 },
    ...(finalDecision === 'pending' ? {} : { completedDate: { iso8601: '2025-03-10T15:00:00+0000', epochMillis: 1741618800000 } }),
  });

  it('reads every page of approvals', async () => {
    const key = issueKey();
    const path = `/rest/servicedeskapi/request/${key}/approval`;
    jira.queue(
      'GET',
      path,
      { body: { size: 2, start: 0, limit: 2, isLastPage: false, values: [approval(1, 'declined', 'declined'), approval(2, 'approved', 'approved')] } },
      { body: { size: 1, start: 2, limit: 2, isLastPage: true, values: [approval(3, 'pending', 'pending')] } },
    );

    const approvals = await cloudClient(jira.url).listApprovals(key);

    expect(approvals.map((item) => [item.id, item.finalDecision])).toEqual([
      ['1', 'declined'],
      ['2', 'approved'],
      ['3', 'pending'],
    ]);
    expect(approvals[0]?.approvers[0]?.approver.accountId).toBe('5b10ac8d82e05b22cc7d4ef5');
    expect(approvals[0]?.completedDate?.epochMillis).toBe(1741618800000);
    expect(jira.requestsTo('GET', path).map((request) => request.query.get('start'))).toEqual(['0', '2']);
  });

  it('stops at an empty page when isLastPage is missing', async () => {
    const key = issueKey();
    const path = `/rest/servicedeskapi/request/${key}/approval`;
    jira.queue('GET', path, { body: { size: 1, start: 0, limit: 50, values: [approval(7, 'approved', 'approved')] } }, { body: { size: 0, start: 1, limit: 50, values: [] } });

    const approvals = await cloudClient(jira.url).listApprovals(key);

    expect(approvals.map((item) => item.id)).toEqual(['7']);
    expect(jira.requestsTo('GET', path)).toHaveLength(2);
  });

  it('answers an approval', async () => {
    const key = issueKey();
    const path = `/rest/servicedeskapi/request/${key}/approval/5`;
    jira.queue('POST', path, { body: approval(5, 'approved', 'approved') });

    const answered = await cloudClient(jira.url).answerApproval(key, '5', 'approve');

    expect(answered.finalDecision).toBe('approved');
    expect(jira.requestsTo('POST', path)[0]?.body).toEqual({ decision: 'approve' });
  });
});

describe('JiraClient on Data Center', () => {
  it('uses REST v2 and the personal access token', async () => {
    const key = issueKey();
    jira.queue('POST', '/rest/api/2/issue', { status: 201, body: { id: '20001', key, self: `${jira.url}/rest/api/2/issue/20001` } });
    jira.queue('POST', `/rest/api/2/issue/${key}/comment`, { status: 201, body: { id: '300', body: 'wiki \\*text\\*', created: '2025-03-10T14:05:09.123+0000', author: { name: 'itsm.sync', key: 'JIRAUSER10100', displayName: 'AWS ITSM Sync (bot)' } } });
    const client = dataCenterClient(jira.url);

    const created = await client.createIssue({ project: { key: 'SEC' }, summary: 'x' });
    const comment = await client.addComment(key, renderText('wiki *text*', 'datacenter'));

    expect(client.apiPath).toBe('/rest/api/2');
    expect(created.key).toBe(key);
    expect(comment.author?.name).toBe('itsm.sync');
    expect(jira.requestsTo('POST', '/rest/api/2/issue').at(-1)?.headers.authorization).toBe(`Bearer ${PAT}`);
    expect(jira.requestsTo('POST', `/rest/api/2/issue/${key}/comment`)[0]?.body).toEqual({ body: 'wiki \\*text\\*' });
  });

  it('keeps a context path of the base URL', async () => {
    const key = issueKey();
    jira.queue('GET', `/jira/rest/api/2/issue/${key}`, { body: { id: '20002', key, fields: {} } });

    const read = await dataCenterClient(`${jira.url}/jira/`).getIssue(key, []);

    expect(read?.id).toBe('20002');
    expect(jira.requestsTo('GET', `/jira/rest/api/2/issue/${key}`)[0]?.query.has('fields')).toBe(false);
  });

  it('sends to an absolute URL for Assets on Cloud', async () => {
    jira.queue('GET', '/jsm/assets/workspace/ws-1/v1/objectschema/list', { body: { values: [] } });

    const answer = await cloudClient('https://jira.example.test').send<{ values: unknown[] }>({
      operation: 'list object schemas',
      method: 'GET',
      path: `${jira.url}/jsm/assets/workspace/ws-1/v1/objectschema/list`,
    });

    expect(answer).toEqual({ values: [] });
    expect(jira.requestsTo('GET', '/jsm/assets/workspace/ws-1/v1/objectschema/list')[0]?.headers.authorization).toBe(BASIC_HEADER);
  });
});
