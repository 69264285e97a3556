import { beforeEach, describe, expect, it } from 'vitest';

import { startJiraSimulator } from '../../../src/simulators/jira/index.js';
import { adf, CLOUD_AGENT, CLOUD_AUTH, JIRA_TIMESTAMP, loadFixture, loadJson, rawRequest, typesOf, useJiraSimulator } from './support.js';

/** The recorded exchanges happen around 2025-03-10 14:05 UTC; the simulator's clock starts there. */
const START = Date.parse('2025-03-10T14:05:00.000Z');
let now = START;

const cloud = useJiraSimulator({ deployment: 'cloud', clock: () => new Date(now) });

beforeEach(() => {
  now = START;
});

/** Build the body of a create request for the SEC project. */
function createBody(fields: Record<string, unknown> = {}): Record<string, unknown> {
  return { fields: { project: { key: 'SEC' }, issuetype: { name: '[System] Incident' }, summary: 'Finding', ...fields } };
}

describe('issues compared with recorded Jira Cloud answers', () => {
  it('creates an issue like the recorded POST', async () => {
    const fixture = loadFixture('platform/create-issue.http.json');
    const expected = fixture.response.body as Record<string, string>;

    const answer = await cloud.api.post('/rest/api/3/issue', fixture.request.body);
    const body = answer.json as Record<string, string>;

    expect(answer.status).toBe(fixture.response.status);
    expect(answer.headers.get('Content-Type')).toBe(fixture.response.headers['Content-Type']);
    expect(typesOf(body)).toEqual(typesOf(expected));
    expect(body.key).toMatch(/^SEC-\d+$/);
    expect(body.id).toMatch(/^\d+$/);
    expect(body.self).toBe(`${cloud.jira.url}/rest/api/3/issue/${body.id}`);

    // The stored issue keeps what the request set; Jira returns labels sorted.
    const request = fixture.request.body as { fields: Record<string, unknown> };
    const issue = cloud.jira.issue(body.key ?? '');
    expect(issue?.fields.summary).toBe(request.fields.summary);
    expect(issue?.fields.description).toEqual(request.fields.description);
    expect(issue?.fields.priority?.name).toBe('High');
    expect(issue?.fields.labels).toEqual(['account-111122223333', 'aws-securityhub', 'control-S3.8']);
    expect(issue?.fields.customfield_10060).toBe(request.fields.customfield_10060);
    expect(issue?.fields.status.name).toBe('Open');
  });

  it('creates and transitions like the recorded POST with a transition', async () => {
    const fixture = loadFixture('platform/create-issue-with-transition.http.json');

    const answer = await cloud.api.post('/rest/api/3/issue', fixture.request.body);
    const body = answer.json as Record<string, unknown>;

    expect(answer.status).toBe(201);
    expect(Object.keys(body).sort()).toEqual(Object.keys(fixture.response.body as object).sort());
    expect(body.transition).toEqual((fixture.response.body as Record<string, unknown>).transition);
    expect(cloud.jira.issue(String(body.key))?.fields.status.name).toBe('In Progress');
  });

  it('reports a failed create transition in the 201 answer', async () => {
    const answer = await cloud.api.post('/rest/api/3/issue', { ...createBody(), transition: { id: '999' } });
    const body = answer.json as { key: string; transition: { status: number; errorCollection: { errorMessages: string[] } } };

    expect(answer.status).toBe(201);
    expect(body.transition.status).toBe(400);
    expect(body.transition.errorCollection.errorMessages).toEqual(["Transition id '999' is not valid for this issue."]);
    expect(cloud.jira.issue(body.key)?.fields.status.name).toBe('Open');
  });

  it('lists transitions like the recorded GET', async () => {
    const fixture = loadFixture('platform/get-transitions.http.json');
    const expected = fixture.response.body as { expand: string; transitions: Array<Record<string, unknown>> };
    const expectedDone = expected.transitions.find((transition) => transition.name === 'Done') as Record<string, any>;
    const task = cloud.jira.createIssue({ project: { key: 'SEC' }, issuetype: { name: 'Task' }, summary: 'Rotate keys' });
    cloud.jira.transitionTo(task.key, 'In Progress', CLOUD_AGENT);

    const answer = await cloud.api.get(`/rest/api/3/issue/${task.key}/transitions`, fixture.request.query);
    const body = answer.json as { expand: string; transitions: Array<Record<string, any>> };

    expect(answer.status).toBe(200);
    expect(body.expand).toBe(expected.expand);
    expect(body.transitions.map((transition) => transition.name)).toEqual(['To Do', 'Done', 'Risk accepted']);
    for (const transition of body.transitions) {
      expect(Object.keys(transition).sort(), transition.name).toEqual(Object.keys(expected.transitions[0]!).sort());
      expect(Object.keys(transition.to).sort()).toEqual(Object.keys(expectedDone.to).sort());
      expect(Object.keys(transition.to.statusCategory).sort()).toEqual(Object.keys(expectedDone.to.statusCategory).sort());
    }

    const done = body.transitions.find((transition) => transition.name === 'Done');
    expect(done?.to.statusCategory.key).toBe('done');
    expect(done?.hasScreen).toBe(true);
    expect(Object.keys(done?.fields.resolution).sort()).toEqual(Object.keys(expectedDone.fields.resolution).sort());
    expect(done?.fields.resolution.required).toBe(true);
    expect(done?.fields.resolution.hasDefaultValue).toBe(true);
    expect(done?.fields.resolution.allowedValues.map((value: { name: string }) => value.name)).toEqual(
      expect.arrayContaining(expectedDone.fields.resolution.allowedValues.map((value: { name: string }) => value.name)),
    );
  });

  it('takes a transition like the recorded POST', async () => {
    const fixture = loadFixture('platform/do-transition.http.json');
    const created = cloud.jira.createIssue(createBody().fields as Record<string, unknown>);
    cloud.jira.transitionTo(created.key, 'In Progress', CLOUD_AGENT);

    const answer = await cloud.api.post(`/rest/api/3/issue/${created.key}/transitions`, fixture.request.body);

    expect(answer.status).toBe(fixture.response.status);
    expect(answer.text).toBe('');
    const issue = cloud.jira.issue(created.key);
    expect(issue?.fields.status.name).toBe('Resolved');
    expect(issue?.fields.resolution?.name).toBe('Done');
    expect(issue?.fields.resolutiondate).toMatch(JIRA_TIMESTAMP);
    expect(cloud.jira.comments(created.key).map((comment) => comment.body)).toEqual([
      adf('Resolved automatically: Security Hub Compliance.Status=PASSED.'),
    ]);
  });
});

describe('search compared with recorded answers', () => {
  const pageFixture = loadFixture('platform/search-jql.page1.http.json');
  const lastFixture = loadFixture('platform/search-jql.last-page.http.json');

  beforeEach(() => {
    for (const [index, labels] of [['aws-securityhub', 'control-S3.8'], ['aws-securityhub', 'control-IAM.6'], ['aws-securityhub'], ['other']].entries()) {
      now = START + index * 60_000;
      cloud.jira.createIssue({ ...createBody().fields as object, summary: `Finding ${index}`, labels, priority: { name: 'High' } });
    }
    now = START + 10 * 60_000;
    cloud.jira.editIssue('SEC-1', { assignee: { accountId: '5b10ac8d82e05b22cc7d4ef5' } }, CLOUD_AGENT);
  });

  it('pages like the recorded first and last pages', async () => {
    const first = await cloud.api.get('/rest/api/3/search/jql', pageFixture.request.query);
    const firstBody = first.json as { issues: Array<Record<string, any>>; nextPageToken?: string; isLast: boolean };
    const expectedFirst = pageFixture.response.body as { issues: Array<Record<string, any>> };

    expect(first.status).toBe(200);
    expect(Object.keys(firstBody).sort()).toEqual(Object.keys(expectedFirst).sort());
    expect(firstBody.isLast).toBe(false);
    expect(typeof firstBody.nextPageToken).toBe('string');
    // ORDER BY updated ASC: SEC-2 and SEC-3 were last changed before the edit of SEC-1.
    expect(firstBody.issues.map((issue) => issue.key)).toEqual(['SEC-2', 'SEC-3']);
    for (const issue of firstBody.issues) {
      expect(Object.keys(issue).sort()).toEqual(Object.keys(expectedFirst.issues[0]!).sort());
      expect(Object.keys(issue.fields).sort()).toEqual(Object.keys(expectedFirst.issues[0]!.fields).sort());
      expect(Object.keys(issue.fields.status).sort()).toEqual(Object.keys(expectedFirst.issues[0]!.fields.status).sort());
      expect(Object.keys(issue.fields.priority).sort()).toEqual(Object.keys(expectedFirst.issues[0]!.fields.priority).sort());
      expect(issue.fields.updated).toMatch(JIRA_TIMESTAMP);
    }

    const last = await cloud.api.get('/rest/api/3/search/jql', { ...lastFixture.request.query, nextPageToken: firstBody.nextPageToken ?? '' });
    const lastBody = last.json as Record<string, any>;
    const expectedLast = lastFixture.response.body as Record<string, any>;

    expect(last.status).toBe(200);
    expect(Object.keys(lastBody).sort()).toEqual(Object.keys(expectedLast).sort());
    expect(lastBody).not.toHaveProperty('nextPageToken');
    expect(lastBody.isLast).toBe(true);
    expect(lastBody.issues.map((issue: { key: string }) => issue.key)).toEqual(['SEC-1']);
    expect(Object.keys(lastBody.issues[0].fields.assignee).sort()).toEqual(Object.keys(expectedFirst.issues[0]!.fields.assignee).sort());
  });

  it('returns ids only by default like the recorded search', async () => {
    const fixture = loadFixture('platform/search-jql.default-fields.http.json');

    const answer = await cloud.api.get('/rest/api/3/search/jql', fixture.request.query);
    const body = answer.json as { issues: Array<Record<string, unknown>>; isLast: boolean };

    expect(answer.status).toBe(200);
    expect(Object.keys(body).sort()).toEqual(Object.keys(fixture.response.body as object).sort());
    expect(body.issues.map((issue) => Object.keys(issue))).toEqual([['id'], ['id'], ['id']]);
    expect(body.isLast).toBe(true);
  });

  it('takes the recorded POST body', async () => {
    const answer = await cloud.api.post('/rest/api/3/search/jql', loadJson<Record<string, unknown>>('platform/search-jql.post.request.json'));
    const body = answer.json as { issues: Array<{ key: string }>; isLast: boolean };

    expect(answer.status).toBe(200);
    expect(body.issues.map((issue) => issue.key)).toEqual(['SEC-2', 'SEC-3', 'SEC-1']);
    expect(body.isLast).toBe(true);
  });
});

describe('comments compared with recorded answers', () => {
  it('adds an internal comment like the recorded POST', async () => {
    const fixture = loadFixture('platform/add-comment.http.json');
    const expected = fixture.response.body as Record<string, any>;
    const created = cloud.jira.createIssue(createBody().fields as Record<string, unknown>);

    const answer = await cloud.api.post(`/rest/api/3/issue/${created.key}/comment`, fixture.request.body);
    const body = answer.json as Record<string, any>;

    expect(answer.status).toBe(201);
    expect(Object.keys(body).sort()).toEqual(Object.keys(expected).sort());
    expect(typesOf(body)).toEqual(typesOf(expected));
    expect(Object.keys(body.author).sort()).toEqual(Object.keys(expected.author).sort());
    expect(body.author.accountId).toBe(expected.author.accountId);
    expect(body.author.displayName).toBe('AWS ITSM Sync (bot)');
    expect(body.body).toEqual(expected.body);
    expect(body.jsdPublic).toBe(false);
    expect(body.created).toBe('2025-03-10T14:05:00.000+0000');
  });

  it('makes a platform comment public on a service project by default', async () => {
    const created = cloud.jira.createIssue(createBody().fields as Record<string, unknown>);

    const answer = await cloud.api.post(`/rest/api/3/issue/${created.key}/comment`, { body: adf('Visible to the customer') });

    expect((answer.json as { jsdPublic: boolean }).jsdPublic).toBe(true);
  });

  it('lists comments like the recorded GET', async () => {
    const fixture = loadFixture('platform/get-comments.http.json');
    const expected = fixture.response.body as { comments: Array<Record<string, unknown>> };
    const created = cloud.jira.createIssue(createBody().fields as Record<string, unknown>);
    await cloud.api.post(`/rest/api/3/issue/${created.key}/comment`, loadFixture('platform/add-comment.http.json').request.body);
    now += 61_000;
    cloud.jira.addComment(created.key, 'Looking at the bucket policy now.', CLOUD_AGENT);

    const answer = await cloud.api.get(`/rest/api/3/issue/${created.key}/comment`, fixture.request.query);
    const body = answer.json as { comments: Array<Record<string, any>>; total: number };

    expect(answer.status).toBe(200);
    expect(Object.keys(body).sort()).toEqual(Object.keys(expected).sort());
    expect(body.total).toBe(2);
    expect(body.comments.map((comment) => Object.keys(comment).sort())).toEqual(expected.comments.map((comment) => Object.keys(comment).sort()));
    expect(body.comments.map((comment) => comment.jsdPublic)).toEqual([false, true]);
    expect(body.comments[1]?.author.displayName).toBe('Avery Agent');
  });

  it('adds an internal JSM request comment like the recorded POST', async () => {
    const fixture = loadFixture('jsm/add-request-comment-internal.http.json');
    const expected = fixture.response.body as Record<string, any>;
    const created = cloud.jira.createIssue({ project: { key: 'ITS' }, issuetype: { name: '[System] Incident' }, summary: 'Instance stopped' });

    const answer = await cloud.api.post(`/rest/servicedeskapi/request/${created.key}/comment`, fixture.request.body);
    const body = answer.json as Record<string, any>;

    expect(answer.status).toBe(201);
    expect(Object.keys(body).sort()).toEqual(Object.keys(expected).sort());
    expect(Object.keys(body.created).sort()).toEqual(Object.keys(expected.created).sort());
    expect(body.public).toBe(false);
    expect(body.body).toBe(expected.body);
    // On Cloud the platform API shows the same comment as ADF, kept out of the portal.
    expect(cloud.jira.comments(created.key)[0]).toMatchObject({ body: adf(expected.body as string), jsdPublic: false });
  });
});

describe('errors compared with recorded answers', () => {
  /** Check status and body against a fixture. */
  async function expectFixtureAnswer(path: string, answerPromise: Promise<{ status: number; json: unknown }>): Promise<void> {
    const fixture = loadFixture(path);
    const answer = await answerPromise;
    expect(answer.status).toBe(fixture.response.status);
    expect(answer.json).toEqual(fixture.response.body);
  }

  it('rejects a create without summary', async () => {
    const body = createBody();
    delete (body.fields as Record<string, unknown>).summary;
    await expectFixtureAnswer('errors/400-summary-missing.http.json', cloud.api.post('/rest/api/3/issue', body));
  });

  it('rejects a summary over 255 characters', async () => {
    await expectFixtureAnswer('errors/400-summary-too-long.http.json', cloud.api.post('/rest/api/3/issue', createBody({ summary: 'x'.repeat(256) })));
  });

  it('accepts a summary of 255 characters', async () => {
    const answer = await cloud.api.post('/rest/api/3/issue', createBody({ summary: 'x'.repeat(255) }));
    expect(answer.status).toBe(201);
  });

  it('rejects a label with spaces', async () => {
    const fixture = loadFixture('errors/400-label-with-space.http.json');
    const labels = (fixture.request.body as { fields: { labels: string[] } }).fields.labels;
    await expectFixtureAnswer('errors/400-label-with-space.http.json', cloud.api.post('/rest/api/3/issue', createBody({ labels })));
  });

  it('rejects a plain string description on REST v3', async () => {
    const fixture = loadFixture('errors/400-description-not-adf.http.json');
    const { description } = (fixture.request.body as { fields: { description: string } }).fields;
    await expectFixtureAnswer('errors/400-description-not-adf.http.json', cloud.api.post('/rest/api/3/issue', createBody({ description })));
  });

  it('rejects a description over 32,767 characters', async () => {
    await expectFixtureAnswer('errors/400-text-too-long.http.json', cloud.api.post('/rest/api/3/issue', createBody({ description: adf('y'.repeat(32_767)) })));
  });

  it('rejects an invalid transition', async () => {
    const created = cloud.jira.createIssue(createBody().fields as Record<string, unknown>);
    const fixture = loadFixture('errors/400-invalid-transition.http.json');
    await expectFixtureAnswer('errors/400-invalid-transition.http.json', cloud.api.post(`/rest/api/3/issue/${created.key}/transitions`, fixture.request.body));
  });

  it('rejects a search on an unknown field', async () => {
    const fixture = loadFixture('errors/400-jql-bad-field.http.json');
    await expectFixtureAnswer('errors/400-jql-bad-field.http.json', cloud.api.get('/rest/api/3/search/jql', fixture.request.query));
  });

  it('rejects an unbounded search', async () => {
    const fixture = loadFixture('errors/400-jql-unbounded.http.json');
    await expectFixtureAnswer('errors/400-jql-unbounded.http.json', cloud.api.get('/rest/api/3/search/jql', fixture.request.query));
  });

  it('answers 404 for an unknown issue', async () => {
    await expectFixtureAnswer('errors/404-issue.http.json', cloud.api.get('/rest/api/3/issue/SEC-9999'));
  });

  it('answers 401 for wrong credentials', async () => {
    const fixture = loadFixture('errors/401-unauthenticated.http.json');
    const wrong = `Basic ${Buffer.from('itsm-sync-bot@example.com:not-the-token').toString('base64')}`;

    const answer = await rawRequest(cloud.jira.url, 'GET', '/rest/api/3/myself', { authorization: wrong });
    const missing = await rawRequest(cloud.jira.url, 'GET', '/rest/api/3/myself', { authorization: null });

    for (const result of [answer, missing]) {
      expect(result.status).toBe(401);
      expect(result.json).toEqual(fixture.response.body);
      expect(result.headers.get('X-Seraph-Loginreason')).toBe(fixture.response.headers['X-Seraph-Loginreason']);
      expect(result.headers.get('Content-Type')).toBe(fixture.response.headers['Content-Type']);
    }
  });

  it('answers the password 401 for basic auth with a password', async () => {
    const fixture = loadFixture('errors/401-basic-auth-password.http.json');
    const withPassword = await startJiraSimulator({
      deployment: 'cloud',
      users: [{ login: 'person@example.com', displayName: 'Person', password: 'hunter2', apiToken: 'token-1' }],
    });
    try {
      const password = `Basic ${Buffer.from('person@example.com:hunter2').toString('base64')}`;
      const token = `Basic ${Buffer.from('person@example.com:token-1').toString('base64')}`;

      const rejected = await rawRequest(withPassword.url, 'GET', '/rest/api/3/myself', { authorization: password });
      const accepted = await rawRequest(withPassword.url, 'GET', '/rest/api/3/myself', { authorization: token });

      expect(rejected.status).toBe(401);
      expect(rejected.text).toBe(fixture.response.body);
      expect(rejected.headers.get('Content-Type')).toBe(fixture.response.headers['Content-Type']);
      expect(accepted.status).toBe(200);
    } finally {
      await withPassword.close();
    }
  });

  it('rejects a project-required field like the recorded answer', async () => {
    const strict = await startJiraSimulator({
      deployment: 'cloud',
      projects: [{ key: 'SEC', requiredFields: { '[System] Incident': ['priority'] } }],
    });
    try {
      const withoutPriority = await rawRequest(strict.url, 'POST', '/rest/api/3/issue', { body: createBody() });
      const withPriority = await rawRequest(strict.url, 'POST', '/rest/api/3/issue', { body: createBody({ priority: { name: 'Low' } }) });

      expect(withoutPriority.status).toBe(400);
      expect(withoutPriority.json).toEqual(loadFixture('errors/400-field-required.http.json').response.body);
      expect(withPriority.status).toBe(201);
    } finally {
      await strict.close();
    }
  });

  it('rejects a field that is not on the create screen', async () => {
    const withoutCustomFields = await startJiraSimulator({ deployment: 'cloud', customFields: [] });
    try {
      const body = createBody({ customfield_10060: 'arn:aws:securityhub:us-east-1:111122223333:finding/1' });
      const answer = await rawRequest(withoutCustomFields.url, 'POST', '/rest/api/3/issue', { body });

      expect(answer.status).toBe(400);
      expect(answer.json).toEqual(loadFixture('errors/400-field-not-on-screen.http.json').response.body);
    } finally {
      await withoutCustomFields.close();
    }
  });

  it('answers 429 with the recorded rate limit headers', async () => {
    const fixture = loadFixture('errors/429-rate-limited.http.json');
    const limited = await startJiraSimulator({ deployment: 'cloud', rateLimit: { burst: 2, perSeconds: 60 } });
    try {
      const statuses: number[] = [];
      let last = await rawRequest(limited.url, 'GET', '/rest/api/3/myself');
      statuses.push(last.status);
      for (let index = 0; index < 2; index += 1) {
        last = await rawRequest(limited.url, 'GET', '/rest/api/3/myself');
        statuses.push(last.status);
      }

      expect(statuses).toEqual([200, 200, 429]);
      for (const name of Object.keys(fixture.response.headers)) {
        expect(last.headers.get(name), name).not.toBeNull();
      }
      // Two requests per minute: the next token comes after 30 seconds.
      expect(last.headers.get('Retry-After')).toBe('30');
      expect(last.headers.get('X-RateLimit-Reset')).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}Z$/);
      expect(Date.parse(last.headers.get('X-RateLimit-Reset') ?? '')).toBeGreaterThanOrEqual(Date.now() + 29_000);
      expect(last.headers.get('X-RateLimit-Limit')).toBe('2');
      expect(last.text).toBe('');
    } finally {
      await limited.close();
    }
  });

  it('scripts a 429 without Retry-After like the recorded answer', async () => {
    const fixture = loadFixture('errors/429-no-retry-after.http.json');
    const created = cloud.jira.createIssue(createBody().fields as Record<string, unknown>);
    cloud.jira.failNext({ method: 'POST', pathPattern: '/rest/api/3/issue/{issueIdOrKey}/comment', status: 429, headers: fixture.response.headers });

    const failed = await cloud.api.post(`/rest/api/3/issue/${created.key}/comment`, { body: adf('x') });
    const retried = await cloud.api.post(`/rest/api/3/issue/${created.key}/comment`, { body: adf('x') });

    expect(failed.status).toBe(429);
    expect(failed.headers.get('Retry-After')).toBeNull();
    expect(failed.headers.get('RateLimit-Reason')).toBe('jira-per-issue-on-write');
    expect(failed.text).toBe('');
    expect(retried.status).toBe(201);
    expect(cloud.jira.comments(created.key)).toHaveLength(1);
  });
});

describe('request basics', () => {
  it('answers with the JSON content type and a request id', async () => {
    const answer = await cloud.api.get('/rest/api/3/myself');

    expect(answer.headers.get('Content-Type')).toBe('application/json;charset=UTF-8');
    expect(answer.headers.get('X-Arequestid')).toMatch(/\S/);
  });

  it('sends CLOUD_AUTH as the integration user', async () => {
    const answer = await rawRequest(cloud.jira.url, 'GET', '/rest/api/3/myself', { authorization: CLOUD_AUTH });
    expect((answer.json as { displayName: string }).displayName).toBe('AWS ITSM Sync (bot)');
  });
});
