import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { JiraGoneError, JiraInputError, JiraUnavailableError } from '../../../src/targets/jira/errors.js';
import { Jql } from '../../../src/targets/jira/jql.js';
import { type FakeJira, fixtureReply, startFakeJira } from './fake-jira.js';
import { captureError, cloudClient, collect, dataCenterClient, issue, loadFixture } from './support.js';

const CLOUD_SEARCH = '/rest/api/3/search/jql';
const DC_SEARCH = '/rest/api/2/search';
const JQL = new Jql().equals('project', 'SEC').equals('labels', 'aws-securityhub').orderBy('updated', 'ASC');

let jira: FakeJira;

beforeEach(async () => {
  jira = await startFakeJira();
});

afterEach(async () => {
  await jira.close();
});

describe('JiraClient Cloud search', () => {
  it('follows nextPageToken until it is missing', async () => {
    jira.queue(
      'POST',
      CLOUD_SEARCH,
      { body: { issues: [issue(10001), issue(10002)], nextPageToken: 'page-2' } },
      { body: { issues: [issue(10003), issue(10004)], nextPageToken: 'page-3' } },
      { body: { issues: [issue(10005)] } },
    );
    const client = cloudClient(jira.url);

    const issues = await collect(client.searchIssues(JQL, ['summary', 'status'], { pageSize: 2, expand: 'changelog' }));

    expect(issues.map((found) => found.key)).toEqual(['SEC-1', 'SEC-2', 'SEC-3', 'SEC-4', 'SEC-5']);
    const bodies = jira.requestsTo('POST', CLOUD_SEARCH).map((request) => request.body);
    expect(bodies).toEqual([
      { jql: JQL.toString(), fields: ['summary', 'status'], maxResults: 2, expand: 'changelog' },
      { jql: JQL.toString(), fields: ['summary', 'status'], maxResults: 2, nextPageToken: 'page-2', expand: 'changelog' },
      { jql: JQL.toString(), fields: ['summary', 'status'], maxResults: 2, nextPageToken: 'page-3', expand: 'changelog' },
    ]);
    expect(client.calls).toBe(3);
  });

  it('reads the corpus pages and stops at isLast', async () => {
    jira.queue('POST', CLOUD_SEARCH, fixtureReply(loadFixture('platform/search-jql.page1.http.json')), fixtureReply(loadFixture('platform/search-jql.last-page.http.json')));

    const issues = await collect(cloudClient(jira.url).searchIssues(JQL, ['summary', 'status'], { pageSize: 2 }));

    expect(issues.map((found) => found.key)).toEqual(['SEC-17', 'SEC-18', 'SEC-19']);
    expect(issues[0]?.fields.updated).toBe('2025-03-10T14:05:09.123+0000');
    expect(jira.requestsTo('POST', CLOUD_SEARCH)).toHaveLength(2);
  });

  it('stops at isLast even when a token comes with it', async () => {
    jira.queue('POST', CLOUD_SEARCH, { body: { issues: [issue(10001)], nextPageToken: 'more', isLast: true } });

    const issues = await collect(cloudClient(jira.url).searchIssues(JQL, ['summary']));

    expect(issues).toHaveLength(1);
    expect(jira.requestsTo('POST', CLOUD_SEARCH)).toHaveLength(1);
  });

  it('stops at an empty page even when a token comes with it', async () => {
    jira.queue('POST', CLOUD_SEARCH, { body: { issues: [issue(10001)], nextPageToken: 'a' } }, { body: { issues: [], nextPageToken: 'b' } });

    const issues = await collect(cloudClient(jira.url).searchIssues(JQL, ['summary']));

    expect(issues).toHaveLength(1);
    expect(jira.requestsTo('POST', CLOUD_SEARCH)).toHaveLength(2);
  });

  it('yields an issue that moved to the next page once', async () => {
    jira.queue(
      'POST',
      CLOUD_SEARCH,
      { body: { issues: [issue(10001), issue(10002)], nextPageToken: 'a' } },
      { body: { issues: [issue(10002), issue(10003)] } },
    );

    const issues = await collect(cloudClient(jira.url).searchIssues(JQL, ['summary'], { pageSize: 2 }));

    expect(issues.map((found) => found.id)).toEqual(['10001', '10002', '10003']);
  });

  it('fails instead of looping when a token repeats', async () => {
    let page = 0;
    jira.route('POST', CLOUD_SEARCH, () => {
      page += 1;
      return { body: { issues: [issue(10000 + page)], nextPageToken: page === 1 ? 'first' : 'stuck' } };
    });
    const seen: string[] = [];

    const error = await captureError(
      (async () => {
        for await (const found of cloudClient(jira.url).searchIssues(JQL, ['summary'])) {
          seen.push(found.id);
        }
      })(),
    );

    expect(error).toBeInstanceOf(JiraUnavailableError);
    expect(error.retryable).toBe(false);
    expect(error.message).toContain('the same nextPageToken twice');
    expect(seen).toEqual(['10001', '10002', '10003']);
    expect(jira.requestsTo('POST', CLOUD_SEARCH)).toHaveLength(3);
  });

  it('sends no more requests when the caller stops early', async () => {
    jira.queue('POST', CLOUD_SEARCH, { body: { issues: [issue(10001), issue(10002)], nextPageToken: 'a' } });

    for await (const found of cloudClient(jira.url).searchIssues(JQL, ['labels'], { pageSize: 2 })) {
      expect(found.id).toBe('10001');
      break;
    }

    expect(jira.requestsTo('POST', CLOUD_SEARCH)).toHaveLength(1);
  });

  it('carries the message of a rejected query', async () => {
    jira.queue('POST', CLOUD_SEARCH, fixtureReply(loadFixture('errors/400-jql-unbounded.http.json')));

    const error = await captureError(collect(cloudClient(jira.url).searchIssues('ORDER BY updated DESC', ['summary'])));

    expect(error.status).toBe(400);
    expect(error.message).toContain('"Unbounded JQL queries are not allowed here. Please add a search restriction to your query."');
    expect(error.advice).toContain('search restriction');
  });

  it('rejects a page size out of range before sending', async () => {
    const client = cloudClient(jira.url);

    await expect(collect(client.searchIssues(JQL, [], { pageSize: 0 }))).rejects.toBeInstanceOf(JiraInputError);
    await expect(collect(client.searchIssues(JQL, [], { pageSize: 5001 }))).rejects.toThrow(/from 1 to 5000/);
    expect(client.calls).toBe(0);
  });
});

describe('JiraClient Data Center search', () => {
  it('follows startAt until total is reached', async () => {
    jira.queue(
      'POST',
      DC_SEARCH,
      { body: { startAt: 0, maxResults: 2, total: 5, issues: [issue(10001), issue(10002)] } },
      { body: { startAt: 2, maxResults: 2, total: 5, issues: [issue(10003), issue(10004)] } },
      { body: { startAt: 4, maxResults: 2, total: 5, issues: [issue(10005)] } },
    );
    const client = dataCenterClient(jira.url);

    const issues = await collect(client.searchIssues(JQL, ['summary'], { pageSize: 2, expand: 'changelog,renderedFields' }));

    expect(issues.map((found) => found.id)).toEqual(['10001', '10002', '10003', '10004', '10005']);
    const bodies = jira.requestsTo('POST', DC_SEARCH).map((request) => request.body as Record<string, unknown>);
    expect(bodies.map((body) => body.startAt)).toEqual([0, 2, 4]);
    expect(bodies[0]).toEqual({ jql: JQL.toString(), fields: ['summary'], startAt: 0, maxResults: 2, expand: ['changelog', 'renderedFields'] });
  });

  it('continues after a page shorter than asked for', async () => {
    // Jira caps maxResults on its own; the next page must start after what arrived.
    jira.queue(
      'POST',
      DC_SEARCH,
      { body: { startAt: 0, maxResults: 1, total: 3, issues: [issue(10001)] } },
      { body: { startAt: 1, maxResults: 1, total: 3, issues: [issue(10002)] } },
      { body: { startAt: 2, maxResults: 1, total: 3, issues: [issue(10003)] } },
    );

    const issues = await collect(dataCenterClient(jira.url).searchIssues(JQL, ['summary'], { pageSize: 50 }));

    expect(issues).toHaveLength(3);
    expect(jira.requestsTo('POST', DC_SEARCH).map((request) => (request.body as { startAt: number }).startAt)).toEqual([0, 1, 2]);
  });

  it('stops at an empty page when total is missing', async () => {
    jira.queue('POST', DC_SEARCH, { body: { startAt: 0, issues: [issue(10001)] } }, { body: { startAt: 1, issues: [] } });

    const issues = await collect(dataCenterClient(jira.url).searchIssues(JQL, ['summary']));

    expect(issues).toHaveLength(1);
    expect(jira.requestsTo('POST', DC_SEARCH)).toHaveLength(2);
  });

  it('stops when the server ignores startAt', async () => {
    jira.route('POST', DC_SEARCH, () => ({ body: { startAt: 0, maxResults: 2, issues: [issue(10001), issue(10002)] } }));

    const issues = await collect(dataCenterClient(jira.url).searchIssues(JQL, ['summary'], { pageSize: 2 }));

    expect(issues).toHaveLength(2);
    expect(jira.requestsTo('POST', DC_SEARCH)).toHaveLength(2);
  });

  it('explains a 410 from a Cloud site', async () => {
    // A client set up for Data Center against Jira Cloud calls the removed /rest/api/2/search.
    jira.queue('POST', DC_SEARCH, { status: 410, body: { errorMessages: ['The requested API has been removed. Please migrate to the /rest/api/3/search/jql API.'], errors: {} } });
    const client = dataCenterClient(jira.url);

    const error = await captureError(collect(client.searchIssues(JQL, ['summary'])));

    expect(error).toBeInstanceOf(JiraGoneError);
    expect(error.retryable).toBe(false);
    expect(error.message).toContain('HTTP 410 "The requested API has been removed.');
    expect(error.message).toContain('JIRA_DEPLOYMENT=cloud');
    expect(client.calls).toBe(1);
  });
});
