import { describe, expect, it } from 'vitest';

import { adf, CLOUD_AGENT, useJiraSimulator } from './support.js';

const cloud = useJiraSimulator({ deployment: 'cloud' });

function createTask(fields: Record<string, unknown> = {}): string {
  return cloud.jira.createIssue({ project: { key: 'SEC' }, issuetype: { name: 'Task' }, summary: 'Rotate keys', ...fields }).key;
}

describe('GET issue', () => {
  it('returns every field by default, comments included', async () => {
    const key = createTask({ labels: ['b', 'a'] });
    cloud.jira.addComment(key, 'First', CLOUD_AGENT);

    const answer = await cloud.api.get(`/rest/api/3/issue/${key}`);
    const body = answer.json as { fields: Record<string, any> };

    expect(answer.status).toBe(200);
    expect(Object.keys(body.fields)).toEqual(
      expect.arrayContaining(['summary', 'description', 'labels', 'status', 'priority', 'resolution', 'issuetype', 'project', 'created', 'updated', 'customfield_10010', 'customfield_10060', 'comment']),
    );
    expect(body.fields.labels).toEqual(['a', 'b']);
    expect(body.fields.priority.name).toBe('Medium');
    expect(body.fields.customfield_10060).toBeNull();
    expect(body.fields.comment).toMatchObject({ total: 1, startAt: 0, comments: [{ body: adf('First') }] });
  });

  it('returns only the asked fields, and names, schema, transitions and properties when expanded', async () => {
    const key = createTask();
    await cloud.api.put(`/rest/api/3/issue/${key}/properties/itsm-sync`, { identity: 'finding-1' });

    const answer = await cloud.api.get(`/rest/api/3/issue/${key}`, { fields: 'summary,status', expand: 'names,schema,transitions', properties: 'itsm-sync,other' });
    const body = answer.json as Record<string, any>;

    expect(Object.keys(body.fields)).toEqual(['summary', 'status']);
    expect(body.names).toEqual({ summary: 'Summary', status: 'Status' });
    expect(body.schema.summary).toEqual({ type: 'string', system: 'summary' });
    expect(body.transitions.map((transition: { name: string }) => transition.name)).toEqual(['In Progress', 'Done', 'Risk accepted']);
    expect(body.properties).toEqual({ 'itsm-sync': { identity: 'finding-1' } });
  });

  it('leaves a field out with -field', async () => {
    const key = createTask();

    const answer = await cloud.api.get(`/rest/api/3/issue/${key}`, { fields: '*all,-description,-comment' });
    const fields = (answer.json as { fields: Record<string, unknown> }).fields;

    expect(fields).not.toHaveProperty('description');
    expect(fields).not.toHaveProperty('comment');
    expect(fields).toHaveProperty('summary');
  });

  it('finds an issue by id and by key in any case', async () => {
    const key = createTask();
    const id = cloud.jira.issue(key)?.id ?? '';

    expect((await cloud.api.get(`/rest/api/3/issue/${id}`)).status).toBe(200);
    expect((await cloud.api.get(`/rest/api/3/issue/${key.toLowerCase()}`)).status).toBe(200);
  });
});

describe('PUT issue', () => {
  it('answers 204, or the issue with returnIssue', async () => {
    const key = createTask();

    const plain = await cloud.api.put(`/rest/api/3/issue/${key}`, { fields: { summary: 'New summary' } });
    const returned = await cloud.api.put(`/rest/api/3/issue/${key}`, { fields: { priority: { name: 'High' } } }, { returnIssue: 'true' });

    expect(plain.status).toBe(204);
    expect(plain.text).toBe('');
    expect(returned.status).toBe(200);
    expect((returned.json as { fields: { priority: { name: string } } }).fields.priority.name).toBe('High');
  });

  it('adds and removes labels with update operations', async () => {
    const key = createTask({ labels: ['keep', 'drop'] });

    const answer = await cloud.api.put(`/rest/api/3/issue/${key}`, { update: { labels: [{ add: 'added' }, { remove: 'drop' }] } });
    const both = await cloud.api.put(`/rest/api/3/issue/${key}`, { fields: { labels: ['x'] }, update: { labels: [{ add: 'y' }] } });

    expect(answer.status).toBe(204);
    expect(cloud.jira.issue(key)?.fields.labels).toEqual(['added', 'keep']);
    expect(both.status).toBe(400);
  });

  it('adds a comment through update', async () => {
    const key = createTask();

    await cloud.api.put(`/rest/api/3/issue/${key}`, { update: { comment: [{ add: { body: adf('Via update') } }] } });

    expect(cloud.jira.comments(key).map((comment) => comment.body)).toEqual([adf('Via update')]);
  });

  it('rejects read-only fields', async () => {
    const key = createTask();

    const answer = await cloud.api.put(`/rest/api/3/issue/${key}`, { fields: { status: { name: 'Done' }, created: '2025-01-01T00:00:00.000+0000' } });

    expect(answer.status).toBe(400);
    expect(Object.keys((answer.json as { errors: Record<string, string> }).errors).sort()).toEqual(['created', 'status']);
  });

  it('accepts only the same project and issue type', async () => {
    const key = createTask();

    const sameProject = await cloud.api.put(`/rest/api/3/issue/${key}`, { fields: { project: { key: 'SEC' }, issuetype: { name: 'Task' } } });
    const otherProject = await cloud.api.put(`/rest/api/3/issue/${key}`, { fields: { project: { key: 'ITS' } } });

    expect(sameProject.status).toBe(204);
    expect(otherProject.status).toBe(400);
  });

  it('checks custom field values', async () => {
    const key = createTask();

    const valid = await cloud.api.put(`/rest/api/3/issue/${key}`, {
      fields: { customfield_10004: { value: 'Minor / Localized' }, customfield_10041: '2025-03-11T09:00:00.000+0100', customfield_10060: 'arn:aws:s3:::bucket' },
    });
    const invalidOption = await cloud.api.put(`/rest/api/3/issue/${key}`, { fields: { customfield_10004: { value: 'Huge' } } });
    const invalidDate = await cloud.api.put(`/rest/api/3/issue/${key}`, { fields: { customfield_10041: 'tomorrow' } });
    const tooLong = await cloud.api.put(`/rest/api/3/issue/${key}`, { fields: { customfield_10060: 'a'.repeat(256) } });

    expect(valid.status).toBe(204);
    const fields = cloud.jira.issue(key)?.fields;
    expect(fields?.customfield_10004).toMatchObject({ value: 'Minor / Localized' });
    expect(fields?.customfield_10041).toBe('2025-03-11T08:00:00.000+0000');
    expect(invalidOption.json).toEqual({ errorMessages: [], errors: { customfield_10004: "Option value 'Huge' is not valid" } });
    expect(invalidDate.status).toBe(400);
    expect(tooLong.status).toBe(400);
  });

  it('answers 400 for a body that is not JSON', async () => {
    const key = createTask();

    const answer = await cloud.api.put(`/rest/api/3/issue/${key}`, '{"fields": ');

    expect(answer.status).toBe(400);
    expect(answer.json).toMatchObject({ errorMessages: [expect.stringContaining('not valid JSON')], errors: {} });
  });
});

describe('comments', () => {
  it('pages with startAt and maxResults, oldest first or newest first', async () => {
    const key = createTask();
    for (let index = 1; index <= 5; index += 1) {
      cloud.jira.addComment(key, `Comment ${index}`, CLOUD_AGENT);
    }

    const pages: Array<{ startAt: number; maxResults: number; total: number; comments: Array<{ body: unknown }> }> = [];
    for (let startAt = 0; startAt < 5; startAt += 2) {
      pages.push((await cloud.api.get(`/rest/api/3/issue/${key}/comment`, { startAt: String(startAt), maxResults: '2', orderBy: 'created' })).json as (typeof pages)[number]);
    }
    const newestFirst = (await cloud.api.get(`/rest/api/3/issue/${key}/comment`, { orderBy: '-created', maxResults: '1' })).json as (typeof pages)[number];

    expect(pages.map((page) => [page.startAt, page.maxResults, page.total, page.comments.length])).toEqual([
      [0, 2, 5, 2],
      [2, 2, 5, 2],
      [4, 2, 5, 1],
    ]);
    expect(pages.flatMap((page) => page.comments.map((comment) => comment.body))).toEqual([1, 2, 3, 4, 5].map((index) => adf(`Comment ${index}`)));
    expect(newestFirst.comments[0]?.body).toEqual(adf('Comment 5'));
  });

  it('rejects an empty comment', async () => {
    const key = createTask();

    const answer = await cloud.api.post(`/rest/api/2/issue/${key}/comment`, { body: '' });

    expect(answer.status).toBe(400);
    expect(answer.json).toEqual({ errorMessages: [], errors: { comment: 'Comment body can not be empty!' } });
  });
});

describe('entity properties', () => {
  it('creates, replaces, lists, reads and deletes a property', async () => {
    const key = createTask();
    const path = `/rest/api/3/issue/${key}/properties/itsm-sync`;

    const created = await cloud.api.put(path, { identity: 'a' });
    const replaced = await cloud.api.put(path, { identity: 'b' });
    const read = await cloud.api.get(path);
    const list = await cloud.api.get(`/rest/api/3/issue/${key}/properties`);
    const deleted = await cloud.api.delete(path);
    const missing = await cloud.api.get(path);

    expect(created.status).toBe(201);
    expect(replaced.status).toBe(200);
    expect(read.json).toEqual({ key: 'itsm-sync', value: { identity: 'b' } });
    expect((list.json as { keys: Array<{ key: string }> }).keys.map((entry) => entry.key)).toEqual(['itsm-sync']);
    expect(deleted.status).toBe(204);
    expect(missing.status).toBe(404);
    expect(missing.json).toEqual({ errorMessages: ["The property with key 'itsm-sync' does not exist."], errors: {} });
    expect(cloud.jira.properties(key)).toEqual({});
  });

  it('sets properties on create and rejects oversized values', async () => {
    const created = await cloud.api.post('/rest/api/3/issue', {
      fields: { project: { key: 'SEC' }, issuetype: { name: 'Task' }, summary: 'x' },
      properties: [{ key: 'itsm-sync', value: { identity: 'finding-9' } }],
    });
    const key = (created.json as { key: string }).key;

    const oversized = await cloud.api.put(`/rest/api/3/issue/${key}/properties/big`, { blob: 'x'.repeat(33_000) });

    expect(cloud.jira.properties(key)).toEqual({ 'itsm-sync': { identity: 'finding-9' } });
    expect(oversized.status).toBe(400);
  });
});

describe('scripted failures and counters', () => {
  it('sends an HTML 503 page and recovers', async () => {
    const page = '<html><body><h1>Service Unavailable</h1></body></html>';
    cloud.jira.failNext({ method: 'GET', pathPattern: /\/myself$/, status: 503, body: page, times: 2 });

    const first = await cloud.api.get('/rest/api/3/myself');
    const second = await cloud.api.get('/rest/api/3/myself');
    const third = await cloud.api.get('/rest/api/3/myself');

    expect([first.status, second.status, third.status]).toEqual([503, 503, 200]);
    expect(first.text).toBe(page);
    expect(first.headers.get('Content-Type')).toContain('text/html');
  });

  it('matches on method and route template', async () => {
    const key = createTask();
    cloud.jira.failNext({ method: 'POST', pathPattern: '/rest/api/3/issue/{issueIdOrKey}/transitions', status: 429, headers: { 'Retry-After': '2' } });

    const read = await cloud.api.get(`/rest/api/3/issue/${key}/transitions`);
    const write = await cloud.api.post(`/rest/api/3/issue/${key}/transitions`, { transition: { id: '21' } });

    expect(read.status).toBe(200);
    expect(write.status).toBe(429);
    expect(write.headers.get('Retry-After')).toBe('2');
    expect(cloud.jira.issue(key)?.fields.status.name).toBe('To Do');
  });

  it('can fail after the request took effect', async () => {
    cloud.jira.failNext({ method: 'POST', pathPattern: '/rest/api/3/issue', status: 502, afterProcessing: true });

    const answer = await cloud.api.post('/rest/api/3/issue', { fields: { project: { key: 'SEC' }, issuetype: { name: 'Task' }, summary: 'Committed' } });

    expect(answer.status).toBe(502);
    expect(cloud.jira.issues('SEC').map((issue) => issue.fields.summary)).toEqual(['Committed']);
  });

  it('rejects a scripted failure without a valid status', () => {
    expect(() => cloud.jira.failNext({ status: 42 })).toThrow(RangeError);
    expect(() => cloud.jira.failNext({ status: 500, times: 0 })).toThrow(RangeError);
  });

  it('counts calls per method and route template', async () => {
    const key = createTask();

    await cloud.api.get(`/rest/api/3/issue/${key}`);
    await cloud.api.get('/rest/api/3/issue/SEC-404');
    await cloud.api.post('/rest/api/3/search/jql', { jql: 'project = SEC' });
    await cloud.api.get('/rest/api/3/nothing-here');

    expect(cloud.jira.calls['GET /rest/api/3/issue/{issueIdOrKey}']).toBe(2);
    expect(cloud.jira.calls['POST /rest/api/3/search/jql']).toBe(1);
    expect(cloud.jira.calls['GET /rest/api/3/nothing-here']).toBe(1);
    expect(cloud.jira.totalCalls()).toBe(4);
    expect(cloud.jira.requests.map((request) => request.status)).toEqual([200, 404, 200, 404]);
    expect(cloud.jira.requests[2]).toMatchObject({ template: '/rest/api/3/search/jql', body: { jql: 'project = SEC' }, login: 'itsm-sync-bot@example.com' });
  });

  it('answers 405 for a known path with another method', async () => {
    const answer = await cloud.api.delete('/rest/api/3/myself');

    expect(answer.status).toBe(405);
  });
});
