import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import {
  CLOUD_FIELDS_MAX_RESULTS,
  CLOUD_ID_ONLY_MAX_RESULTS,
  DATA_CENTER_MAX_RESULTS,
  startJiraSimulator,
  type JiraSimulator,
} from '../../../src/simulators/jira/index.js';
import { adf, CLOUD_AGENT, client, DATA_CENTER_AUTH, JIRA_TIMESTAMP, sleep, useJiraSimulator } from './support.js';

interface CloudPage {
  issues: Array<{ id: string; key?: string; fields?: Record<string, any> }>;
  nextPageToken?: string;
  isLast: boolean;
}

const START = Date.parse('2025-03-10T14:00:30.000Z');

/** Users with their own time zones, to check how JQL dates and timestamps follow the caller. */
const USERS = [
  { login: 'utc.bot@example.com', displayName: 'UTC bot', apiToken: 'utc-token', timeZone: 'Etc/UTC' },
  { login: 'la.bot@example.com', displayName: 'LA bot', apiToken: 'la-token', timeZone: 'America/Los_Angeles' },
  { login: 'avery.agent@example.com', displayName: 'Avery Agent', accountId: '5b10ac8d82e05b22cc7d4ef5' },
];
const basic = (login: string, token: string): string => `Basic ${Buffer.from(`${login}:${token}`).toString('base64')}`;

/** Fetch every page of a Cloud search, failing after 100 pages so a paging bug cannot hang the test. */
async function searchAll(api: ReturnType<typeof client>, body: Record<string, unknown>): Promise<{ pages: CloudPage[]; ids: string[] }> {
  const pages: CloudPage[] = [];
  let token: string | undefined;
  do {
    const answer = await api.post('/rest/api/3/search/jql', { ...body, nextPageToken: token });
    expect(answer.status, answer.text).toBe(200);
    const page = answer.json as CloudPage;
    pages.push(page);
    token = page.nextPageToken;
    if (pages.length > 100) {
      throw new Error('search did not end after 100 pages');
    }
  } while (token !== undefined);
  return { pages, ids: pages.flatMap((page) => page.issues.map((issue) => issue.id)) };
}

describe('Cloud search paging', () => {
  const cloud = useJiraSimulator({ deployment: 'cloud' });

  function seed(count: number): void {
    for (let index = 0; index < count; index += 1) {
      cloud.jira.createIssue({ project: { key: 'SEC' }, issuetype: { name: 'Task' }, summary: `Issue ${index}` });
    }
  }

  it('returns every issue once and ends with a page without token', async () => {
    seed(7);

    const { pages, ids } = await searchAll(cloud.api, { jql: 'project = SEC ORDER BY key ASC', maxResults: 3 });

    expect(pages.map((page) => page.issues.length)).toEqual([3, 3, 1]);
    expect(pages.map((page) => page.isLast)).toEqual([false, false, true]);
    expect(pages.at(-1)).not.toHaveProperty('nextPageToken');
    expect(new Set(ids).size).toBe(7);
    expect(ids).toEqual(cloud.jira.issues('SEC').map((issue) => issue.id));
  });

  it('ends at once when nothing matches', async () => {
    seed(2);

    const { pages } = await searchAll(cloud.api, { jql: 'project = ITS' });

    expect(pages).toEqual([{ issues: [], isLast: true }]);
  });

  it('ends when the page is exactly full', async () => {
    seed(4);

    const { pages } = await searchAll(cloud.api, { jql: 'project = SEC', maxResults: 2 });

    expect(pages.map((page) => page.issues.length)).toEqual([2, 2]);
    expect(pages[1]).not.toHaveProperty('nextPageToken');
  });

  it('caps pages at 100 issues when fields are asked', async () => {
    seed(CLOUD_FIELDS_MAX_RESULTS + 1);

    const withFields = await cloud.api.post('/rest/api/3/search/jql', { jql: 'project = SEC', fields: ['summary'], maxResults: 500 });
    const idsOnly = await cloud.api.post('/rest/api/3/search/jql', { jql: 'project = SEC', fields: ['id'], maxResults: 500 });

    expect((withFields.json as CloudPage).issues).toHaveLength(CLOUD_FIELDS_MAX_RESULTS);
    expect((withFields.json as CloudPage).nextPageToken).toBeDefined();
    expect((idsOnly.json as CloudPage).issues).toHaveLength(CLOUD_FIELDS_MAX_RESULTS + 1);
    expect((idsOnly.json as CloudPage).isLast).toBe(true);
  });

  it('caps id-only pages at 5000 issues', async () => {
    seed(CLOUD_ID_ONLY_MAX_RESULTS + 1);

    const first = await cloud.api.post('/rest/api/3/search/jql', { jql: 'project = SEC', maxResults: 10_000 });
    const page = first.json as CloudPage;
    const second = await cloud.api.post('/rest/api/3/search/jql', { jql: 'project = SEC', maxResults: 10_000, nextPageToken: page.nextPageToken });

    expect(page.issues).toHaveLength(CLOUD_ID_ONLY_MAX_RESULTS);
    expect(page.isLast).toBe(false);
    expect((second.json as CloudPage).issues).toHaveLength(1);
  });

  it('returns id and key when only the key is asked', async () => {
    seed(1);

    const answer = await cloud.api.get('/rest/api/3/search/jql', { jql: 'project = SEC', fields: 'key' });

    expect((answer.json as CloudPage).issues).toEqual([{ id: cloud.jira.issues()[0]?.id, key: 'SEC-1' }]);
  });

  it('rejects invalid maxResults values', async () => {
    for (const maxResults of [0, -1, 2.5, 'many']) {
      const answer = await cloud.api.post('/rest/api/3/search/jql', { jql: 'project = SEC', maxResults });
      expect(answer.status, String(maxResults)).toBe(400);
      expect((answer.json as { errorMessages: string[] }).errorMessages[0]).toContain('maxResults');
    }
  });

  it('rejects a token of another query', async () => {
    seed(3);
    const first = await cloud.api.post('/rest/api/3/search/jql', { jql: 'project = SEC', maxResults: 1 });
    const token = (first.json as CloudPage).nextPageToken;

    const other = await cloud.api.post('/rest/api/3/search/jql', { jql: 'project = SEC ORDER BY key', maxResults: 1, nextPageToken: token });
    const forged = await cloud.api.post('/rest/api/3/search/jql', { jql: 'project = SEC', maxResults: 1, nextPageToken: 'abc' });

    expect(other.status).toBe(400);
    expect(forged.status).toBe(400);
  });

  it('rejects more than seven ORDER BY fields', async () => {
    const answer = await cloud.api.post('/rest/api/3/search/jql', { jql: 'project = SEC ORDER BY key, id, created, updated, status, priority, summary, labels' });

    expect(answer.status).toBe(400);
  });

  it('answers 410 Gone on the removed search endpoints', async () => {
    for (const path of ['/rest/api/2/search', '/rest/api/3/search']) {
      const viaGet = await cloud.api.get(path, { jql: 'project = SEC' });
      const viaPost = await cloud.api.post(path, { jql: 'project = SEC' });
      expect(viaGet.status, path).toBe(410);
      expect(viaPost.status, path).toBe(410);
      expect(viaGet.json).toMatchObject({ errorMessages: [expect.stringContaining('/rest/api/3/search/jql')], errors: {} });
    }
  });

  it('serves search/jql on REST v2 too, with strings for rich text', async () => {
    cloud.jira.createIssue({ project: { key: 'SEC' }, issuetype: { name: 'Task' }, summary: 'x', description: 'First line\nsecond line' });

    const answer = await cloud.api.post('/rest/api/2/search/jql', { jql: 'project = SEC', fields: ['description'] });

    expect((answer.json as CloudPage).issues[0]?.fields?.description).toBe('First line\nsecond line');
  });
});

describe('search lag', () => {
  let jira: JiraSimulator;
  let api: ReturnType<typeof client>;
  // Long enough that the requests right after a write land within the lag even on a busy machine.
  const LAG_MS = 500;

  beforeAll(async () => {
    jira = await startJiraSimulator({ deployment: 'cloud', searchLagMs: LAG_MS });
    api = client(jira.url);
  });

  afterAll(async () => {
    await jira.close();
  });

  const search = async (jql: string, extra: Record<string, unknown> = {}): Promise<CloudPage> =>
    (await api.post('/rest/api/3/search/jql', { jql, fields: ['summary', 'labels'], ...extra })).json as CloudPage;

  it('hides a new issue until the lag passes', async () => {
    const created = await api.post('/rest/api/3/issue', { fields: { project: { key: 'ITS' }, issuetype: { name: 'Task' }, summary: 'Fresh' } });
    const { key, id } = created.json as { key: string; id: string };

    const byKey = await api.get(`/rest/api/3/issue/${key}`);
    const early = await search(`key = ${key}`);
    const reconciled = await search(`key = ${key}`, { reconcileIssues: [Number(id)] });
    await sleep(LAG_MS + 100);
    const late = await search(`key = ${key}`);

    expect(byKey.status).toBe(200);
    expect(early.issues).toEqual([]);
    expect(reconciled.issues.map((issue) => issue.key)).toEqual([key]);
    expect(late.issues.map((issue) => issue.key)).toEqual([key]);
  });

  it('shows old values of a changed issue until the lag has passed', async () => {
    const created = jira.createIssue({ project: { key: 'ITS' }, issuetype: { name: 'Task' }, summary: 'Before', labels: ['old'] });
    await sleep(LAG_MS + 100);

    await api.put(`/rest/api/3/issue/${created.key}`, { fields: { summary: 'After', labels: ['new'] } });
    const early = await search(`key = ${created.key}`);
    const earlyByLabel = await search('labels = new');
    await sleep(LAG_MS + 100);
    const late = await search(`key = ${created.key}`);
    const lateByLabel = await search('labels = new');

    expect(jira.issue(created.key)?.fields.summary).toBe('After');
    expect(early.issues[0]?.fields?.summary).toBe('Before');
    expect(earlyByLabel.issues).toEqual([]);
    expect(late.issues[0]?.fields?.summary).toBe('After');
    expect(lateByLabel.issues.map((issue) => issue.key)).toEqual([created.key]);
  });

  it('rejects more than 50 reconcileIssues', async () => {
    const answer = await api.post('/rest/api/3/search/jql', { jql: 'project = ITS', reconcileIssues: Array.from({ length: 51 }, (_, index) => 10_000 + index) });

    expect(answer.status).toBe(400);
  });
});

describe('JQL semantics through search', () => {
  let jira: JiraSimulator;
  let now = START;
  const utc = () => client(jira.url, basic('utc.bot@example.com', 'utc-token'));
  const losAngeles = () => client(jira.url, basic('la.bot@example.com', 'la-token'));

  beforeAll(async () => {
    jira = await startJiraSimulator({ deployment: 'cloud', users: USERS, clock: () => new Date(now) });

    // SEC-1 at 14:00:30 UTC, open, labelled; SEC-2 at 14:10 UTC, resolved, high priority, no labels;
    // SEC-3 at 14:20 UTC, in progress, with a finding ARN; ITS-1 at 14:30 UTC.
    now = START;
    jira.createIssue({ project: { key: 'SEC' }, issuetype: { name: '[System] Incident' }, summary: 'S3 bucket is public', labels: ['aws-securityhub', 'control-S3.8'], description: 'Block public access on the bucket.' }, 'utc.bot@example.com');
    now = Date.parse('2025-03-10T14:10:00.000Z');
    jira.createIssue({ project: { key: 'SEC' }, issuetype: { name: '[System] Incident' }, summary: 'Root user has no hardware MFA', priority: { name: 'High' } }, 'utc.bot@example.com');
    jira.transitionTo('SEC-2', 'Resolved', CLOUD_AGENT, { resolution: "Won't Do" });
    now = Date.parse('2025-03-10T14:20:00.000Z');
    jira.createIssue({ project: { key: 'SEC' }, issuetype: { name: '[System] Incident' }, summary: 'Old OpenSSL package', labels: ['aws-securityhub'], customfield_10060: 'arn:aws:inspector2:us-east-1:111122223333:finding/abc123', assignee: { accountId: '5b10ac8d82e05b22cc7d4ef5' }, customfield_10004: { value: 'Significant / Large' } }, 'utc.bot@example.com');
    jira.transitionTo('SEC-3', 'In Progress', CLOUD_AGENT);
    now = Date.parse('2025-03-10T14:30:00.000Z');
    jira.createIssue({ project: { key: 'ITS' }, issuetype: { name: '[System] Change' }, summary: 'Patch the fleet' }, 'utc.bot@example.com');
  });

  afterAll(async () => {
    await jira.close();
  });

  async function keys(jql: string, api = utc()): Promise<string[]> {
    const answer = await api.post('/rest/api/3/search/jql', { jql, fields: ['key'] });
    expect(answer.status, `${jql}: ${answer.text}`).toBe(200);
    return (answer.json as CloudPage).issues.map((issue) => issue.key ?? '');
  }

  async function rejection(jql: string): Promise<string> {
    const answer = await utc().post('/rest/api/3/search/jql', { jql });
    expect(answer.status, jql).toBe(400);
    return (answer.json as { errorMessages: string[] }).errorMessages[0] ?? '';
  }

  it('matches exact fields by name, id and key', async () => {
    expect(await keys('project = SEC ORDER BY key ASC')).toEqual(['SEC-1', 'SEC-2', 'SEC-3']);
    expect(await keys('project = "IT Service Management"')).toEqual(['ITS-1']);
    expect(await keys('status = "In Progress"')).toEqual(['SEC-3']);
    expect(await keys('status = 3')).toEqual(['SEC-3']);
    expect(await keys('issuetype = "[System] Change"')).toEqual(['ITS-1']);
    expect(await keys('statusCategory = Done')).toEqual(['SEC-2']);
    expect(await keys('statusCategory in (new, indeterminate) ORDER BY key ASC')).toEqual(['ITS-1', 'SEC-1', 'SEC-3']);
    expect(await keys('resolution = "Won\'t Do"')).toEqual(['SEC-2']);
    expect(await keys('project = SEC AND resolution = Unresolved ORDER BY key ASC')).toEqual(['SEC-1', 'SEC-3']);
    expect(await keys('key in (SEC-1, "SEC-3") ORDER BY key DESC')).toEqual(['SEC-3', 'SEC-1']);
    expect(await keys('project = SEC AND key > SEC-1 ORDER BY key ASC')).toEqual(['SEC-2', 'SEC-3']);
    expect(await keys(`id = ${jira.issue('SEC-2')?.id}`)).toEqual(['SEC-2']);
  });

  it('leaves issues with an empty field out of != and NOT IN', async () => {
    expect(await keys('project = SEC AND labels != "control-S3.8"')).toEqual(['SEC-3']);
    expect(await keys('project = SEC AND labels not in ("control-S3.8") ORDER BY key ASC')).toEqual(['SEC-3']);
    expect(await keys('project = SEC AND (labels != "control-S3.8" OR labels is EMPTY) ORDER BY key ASC')).toEqual(['SEC-2', 'SEC-3']);
    expect(await keys('project = SEC AND NOT labels = "control-S3.8" ORDER BY key ASC')).toEqual(['SEC-2', 'SEC-3']);
    expect(await keys('project = SEC AND labels is not EMPTY ORDER BY key ASC')).toEqual(['SEC-1', 'SEC-3']);
    expect(await keys('project = SEC AND labels = EMPTY')).toEqual(['SEC-2']);
  });

  it('searches text with ~ by whole words', async () => {
    expect(await keys('summary ~ "bucket public"')).toEqual(['SEC-1']);
    expect(await keys('summary ~ "buck*"')).toEqual(['SEC-1']);
    expect(await keys('summary ~ "buck"')).toEqual([]);
    expect(await keys('summary ~ "\\"public bucket\\""')).toEqual([]);
    expect(await keys('summary ~ "\\"bucket is public\\""')).toEqual(['SEC-1']);
    expect(await keys('description ~ "public access"')).toEqual(['SEC-1']);
    expect(await keys('text ~ "OpenSSL"')).toEqual(['SEC-3']);
    expect(await keys('project = SEC AND summary !~ bucket ORDER BY key ASC')).toEqual(['SEC-2', 'SEC-3']);
  });

  it('finds custom fields by cf[n], id and name', async () => {
    const arn = 'arn:aws:inspector2:us-east-1:111122223333:finding/abc123';

    expect(await keys(`cf[10060] ~ "${arn}"`)).toEqual(['SEC-3']);
    expect(await keys(`customfield_10060 ~ "${arn}"`)).toEqual(['SEC-3']);
    expect(await keys(`"AWS finding ID" ~ "${arn}"`)).toEqual(['SEC-3']);
    expect(await keys('Impact = "Significant / Large"')).toEqual(['SEC-3']);
    expect(await keys('cf[10004] is EMPTY AND project = SEC ORDER BY key ASC')).toEqual(['SEC-1', 'SEC-2']);
  });

  it('matches users, currentUser() and priorities', async () => {
    expect(await keys('assignee = 5b10ac8d82e05b22cc7d4ef5')).toEqual(['SEC-3']);
    expect(await keys('project = SEC AND assignee is EMPTY ORDER BY key ASC')).toEqual(['SEC-1', 'SEC-2']);
    expect(await keys('reporter = currentUser() AND project = ITS')).toEqual(['ITS-1']);
    expect(await keys('priority = High')).toEqual(['SEC-2']);
    expect(await keys('project = SEC ORDER BY priority DESC, key ASC')).toEqual(['SEC-2', 'SEC-1', 'SEC-3']);
  });

  it('reads date literals in the caller time zone', async () => {
    // 07:10 in Los Angeles is 14:10 UTC: SEC-2 was changed at 14:10, SEC-1 at 14:00:30.
    expect(await keys('project = SEC AND updated >= "2025/03/10 07:10" ORDER BY key ASC', losAngeles())).toEqual(['SEC-2', 'SEC-3']);
    expect(await keys('project = SEC AND updated >= "2025/03/10 07:10" ORDER BY key ASC', utc())).toEqual(['SEC-1', 'SEC-2', 'SEC-3']);
    expect(await keys('project = SEC AND updated >= "2025-03-10 14:10" ORDER BY key ASC', utc())).toEqual(['SEC-2', 'SEC-3']);
    // Minute precision: "14:00" means 14:00:00.000, so the issue created at 14:00:30 is after it.
    expect(await keys('project = SEC AND created > "2025-03-10 14:00" AND created < "2025-03-10 14:01"')).toEqual(['SEC-1']);
    expect(await keys('project = SEC AND resolutiondate is not EMPTY')).toEqual(['SEC-2']);
  });

  it('renders timestamps in the caller time zone', async () => {
    const inUtc = await utc().get('/rest/api/3/issue/SEC-1', { fields: 'created' });
    const inLosAngeles = await losAngeles().get('/rest/api/3/issue/SEC-1', { fields: 'created' });

    expect((inUtc.json as { fields: { created: string } }).fields.created).toBe('2025-03-10T14:00:30.000+0000');
    expect((inLosAngeles.json as { fields: { created: string } }).fields.created).toBe('2025-03-10T07:00:30.000-0700');
    expect((inLosAngeles.json as { fields: { created: string } }).fields.created).toMatch(JIRA_TIMESTAMP);
  });

  it('rejects what Jira rejects', async () => {
    expect(await rejection('project = SEC AND findingArn ~ "x"')).toBe("Field 'findingArn' does not exist or you do not have permission to view it.");
    expect(await rejection('issue.property[itsm-sync].identity = "abc"')).toBe(
      "Field 'issue.property[itsm-sync].identity' does not exist or you do not have permission to view it.",
    );
    expect(await rejection('summary = "S3 bucket is public"')).toBe("The operator '=' is not supported by the 'summary' field.");
    expect(await rejection('labels ~ aws')).toBe("The operator '~' is not supported by the 'labels' field.");
    expect(await rejection('status = Nope')).toBe("The value 'Nope' does not exist for the field 'status'.");
    expect(await rejection('project = NOPE')).toBe("The value 'NOPE' does not exist for the field 'project'.");
    expect(await rejection('key = SEC-999')).toBe("An issue with key 'SEC-999' does not exist for field 'key'.");
    expect(await rejection('updated >= "2025-13-01"')).toContain("Date value '2025-13-01' for field 'updated' is invalid.");
    expect(await rejection('updated >= startOfDay()')).toBe("Unable to find JQL function 'startOfDay()'.");
    expect(await rejection('labels = control-S3.8')).toContain("The character '.' is a reserved JQL character.");
  });
});

describe('Data Center search', () => {
  let jira: JiraSimulator;
  let api: ReturnType<typeof client>;

  beforeAll(async () => {
    jira = await startJiraSimulator({ deployment: 'datacenter' });
    api = client(jira.url, DATA_CENTER_AUTH);
    for (let index = 0; index < 5; index += 1) {
      jira.createIssue({ project: { key: 'SEC' }, issuetype: { name: 'Task' }, summary: `Issue ${index}`, description: `Text *${index}*` });
    }
  });

  afterAll(async () => {
    await jira.close();
  });

  it('pages with startAt and total until the last issue', async () => {
    const pages: Array<{ startAt: number; maxResults: number; total: number; issues: Array<{ key: string; fields: Record<string, unknown> }> }> = [];
    let startAt = 0;
    for (;;) {
      const answer = await api.post('/rest/api/2/search', { jql: 'project = SEC ORDER BY key ASC', startAt, maxResults: 2, fields: ['summary', 'description'] });
      expect(answer.status, answer.text).toBe(200);
      const page = answer.json as (typeof pages)[number];
      pages.push(page);
      startAt += page.issues.length;
      if (page.issues.length === 0 || startAt >= page.total || pages.length > 10) break;
    }

    expect(pages.map((page) => [page.startAt, page.maxResults, page.total, page.issues.length])).toEqual([
      [0, 2, 5, 2],
      [2, 2, 5, 2],
      [4, 2, 5, 1],
    ]);
    expect(pages.flatMap((page) => page.issues.map((issue) => issue.key))).toEqual(['SEC-1', 'SEC-2', 'SEC-3', 'SEC-4', 'SEC-5']);
    expect(pages[0]?.issues[0]?.fields.description).toBe('Text *0*');
  });

  it('returns navigable fields by default, allows unbounded JQL and caps pages', async () => {
    const answer = await api.get('/rest/api/2/search', { jql: '', maxResults: String(DATA_CENTER_MAX_RESULTS + 500) });
    const body = answer.json as { maxResults: number; total: number; issues: Array<{ fields: Record<string, unknown> }> };

    expect(answer.status).toBe(200);
    expect(body.maxResults).toBe(DATA_CENTER_MAX_RESULTS);
    expect(body.total).toBe(5);
    expect(Object.keys(body.issues[0]?.fields ?? {})).toEqual(expect.arrayContaining(['summary', 'status', 'updated', 'labels']));
  });

  it('has no search/jql and no REST v3', async () => {
    const jql = await api.post('/rest/api/2/search/jql', { jql: 'project = SEC' });
    const v3 = await api.get('/rest/api/3/issue/SEC-1');

    expect(jql.status).toBe(404);
    expect(v3.status).toBe(404);
  });

  it('rejects a negative startAt', async () => {
    const answer = await api.get('/rest/api/2/search', { jql: 'project = SEC', startAt: '-1' });

    expect(answer.status).toBe(400);
  });
});

describe('search lag with several writers', () => {
  let jira: JiraSimulator;

  beforeEach(async () => {
    jira = await startJiraSimulator({ deployment: 'cloud', searchLagMs: 400 });
  });

  afterEach(async () => {
    await jira.close();
  });

  it('shows a comment-only change once the lag has passed', async () => {
    const api = client(jira.url);
    const created = jira.createIssue({ project: { key: 'SEC' }, issuetype: { name: 'Task' }, summary: 'x' });
    await sleep(450);
    const before = ((await api.post('/rest/api/3/search/jql', { jql: 'key = SEC-1', fields: ['updated'] })).json as CloudPage).issues[0]?.fields?.updated;

    await api.post(`/rest/api/3/issue/${created.key}/comment`, { body: adf('news') });
    const early = ((await api.post('/rest/api/3/search/jql', { jql: 'key = SEC-1', fields: ['updated'] })).json as CloudPage).issues[0]?.fields?.updated;
    await sleep(450);
    const late = ((await api.post('/rest/api/3/search/jql', { jql: 'key = SEC-1', fields: ['updated'] })).json as CloudPage).issues[0]?.fields?.updated;

    expect(early).toBe(before);
    expect(late).toBe(jira.issue(created.key)?.fields.updated);
    expect(late).not.toBe(before);
  });
});
