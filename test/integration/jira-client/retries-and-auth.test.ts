import { inspect } from 'node:util';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { JiraClient } from '../../../src/targets/jira/client.js';
import {
  JiraAuthError,
  JiraConfigError,
  JiraError,
  JiraNetworkError,
  JiraPermissionError,
  JiraRateLimitError,
  JiraRequestError,
  JiraUnavailableError,
} from '../../../src/targets/jira/errors.js';
import { type FakeJira, fixtureReply, startFakeJira } from './fake-jira.js';
import {
  API_TOKEN,
  BASIC_HEADER,
  captureError,
  capturingLogger,
  CLIENT_SECRET,
  cloudClient,
  dataCenterClient,
  EMAIL,
  loadFixture,
  oauthClient,
  PAT,
} from './support.js';

const ISSUE_PATH = '/rest/api/3/issue/SEC-17';
const OK_ISSUE = { id: '10042', key: 'SEC-17', fields: { summary: 'S3 bucket is public' } };
const HTML_PAGE = '<html><head><title>Atlassian Cloud Notifications - Page Unavailable</title></head><body>down</body></html>';

let jira: FakeJira;

beforeEach(async () => {
  jira = await startFakeJira();
});

afterEach(async () => {
  await jira.close();
});

/** Format an instant as `yyyy-MM-ddTHH:mmZ`, the form of Jira's X-RateLimit-Reset. */
function isoMinute(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 16) + 'Z';
}

describe('JiraClient retries', () => {
  it('waits for Retry-After on a 429, then succeeds', async () => {
    jira.queue('GET', ISSUE_PATH, { status: 429, headers: { 'Retry-After': '1', 'RateLimit-Reason': 'jira-burst-based' }, body: 'null' }, { body: OK_ISSUE });
    const { logger, lines } = capturingLogger();
    const client = cloudClient(jira.url, { logger });
    const started = Date.now();

    const read = await client.getIssue('SEC-17', ['summary']);

    expect(read?.key).toBe('SEC-17');
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(client.calls).toBe(2);
    const retryLine = JSON.parse(lines.find((line) => line.includes('retrying')) ?? '{}') as Record<string, unknown>;
    expect(retryLine).toMatchObject({ level: 40, operation: 'get issue', issue: 'SEC-17', attempt: 1, status: 429, delayMs: 1000 });
  });

  it('gives up at once when the corpus Retry-After exceeds the maximum delay', async () => {
    jira.queue('GET', ISSUE_PATH, fixtureReply(loadFixture('errors/429-rate-limited.http.json')));
    const client = cloudClient(jira.url, { maxRetryDelayMs: 10_000 });

    const error = await captureError(client.getIssue('SEC-17', ['summary']));

    expect(error).toBeInstanceOf(JiraRateLimitError);
    expect(error.retryable).toBe(true);
    expect(error.retryAfterMs).toBe(15_000);
    expect(error.detail).toBe('RateLimit-Reason: jira-burst-based');
    expect(client.calls).toBe(1);
  });

  it('reads an ISO X-RateLimit-Reset when Retry-After is missing', async () => {
    const reset = isoMinute(Date.now() + 3 * 60_000);
    jira.queue('GET', ISSUE_PATH, { status: 429, headers: { 'X-RateLimit-Reset': reset }, body: 'null' });
    const client = cloudClient(jira.url, { maxRetryDelayMs: 10_000 });

    const error = await captureError(client.getIssue('SEC-17', ['summary']));

    expect(error).toBeInstanceOf(JiraRateLimitError);
    // The reset lies two to three minutes ahead: the header has minute precision.
    expect(error.retryAfterMs).toBeGreaterThan(115_000);
    expect(error.retryAfterMs).toBeLessThanOrEqual(180_000);
    expect(client.calls).toBe(1);
  });

  it('retries at once when X-RateLimit-Reset has passed', async () => {
    jira.queue('GET', ISSUE_PATH, { status: 429, headers: { 'X-RateLimit-Reset': isoMinute(Date.now() - 60_000) }, body: 'null' }, { body: OK_ISSUE });
    const { logger, lines } = capturingLogger();
    const client = cloudClient(jira.url, { logger, retryBaseMs: 5_000 });
    const started = Date.now();

    await client.getIssue('SEC-17', ['summary']);

    expect(Date.now() - started).toBeLessThan(2_000);
    expect(lines.some((line) => line.includes('"delayMs":0'))).toBe(true);
    expect(client.calls).toBe(2);
  });

  it('backs off on a 429 without rate limit headers', async () => {
    jira.queue('POST', '/rest/api/3/issue/SEC-17/comment', fixtureReply(loadFixture('errors/429-no-retry-after.http.json')), {
      status: 201,
      body: { id: '10100', body: { type: 'doc', version: 1, content: [] }, created: '2025-03-10T14:05:09.511+0000' },
    });
    const { logger, lines } = capturingLogger();
    const client = cloudClient(jira.url, { logger, retryBaseMs: 40 });

    const comment = await client.addComment('SEC-17', { type: 'doc', version: 1, content: [] });

    expect(comment.id).toBe('10100');
    const delay = (JSON.parse(lines.find((line) => line.includes('retrying')) ?? '{}') as { delayMs?: number }).delayMs;
    expect(delay).toBeGreaterThanOrEqual(20);
    expect(delay).toBeLessThanOrEqual(40);
    expect(client.calls).toBe(2);
  });

  it('retries a 503 and reports the attempts when retries run out', async () => {
    jira.route('PUT', ISSUE_PATH, () => ({ status: 503, body: { errorMessages: ['Service Unavailable'], errors: {} } }));
    const client = cloudClient(jira.url, { maxRetries: 2 });

    const error = await captureError(client.updateIssue('SEC-17', { summary: 'x' }));

    expect(error).toBeInstanceOf(JiraUnavailableError);
    expect(error.kind).toBe('server');
    expect(error.attempts).toBe(3);
    expect(error.message).toContain('Jira update issue (issue SEC-17) failed: HTTP 503 "Service Unavailable" after 3 attempts.');
    expect(client.calls).toBe(3);
  });

  it('retries an HTML page that answered in place of Jira', async () => {
    jira.queue('GET', ISSUE_PATH, { status: 200, headers: { 'Content-Type': 'text/html' }, body: HTML_PAGE }, { status: 502, headers: { 'Content-Type': 'text/html' }, body: HTML_PAGE }, { body: OK_ISSUE });
    const client = cloudClient(jira.url);

    const read = await client.getIssue('SEC-17', ['summary']);

    expect(read?.fields.summary).toBe('S3 bucket is public');
    expect(client.calls).toBe(3);
  });

  it('names the HTML page when retries run out', async () => {
    jira.route('GET', ISSUE_PATH, () => ({ status: 200, headers: { 'Content-Type': 'text/html' }, body: HTML_PAGE }));

    const error = await captureError(cloudClient(jira.url, { maxRetries: 1 }).getIssue('SEC-17', ['summary']));

    expect(error).toBeInstanceOf(JiraUnavailableError);
    expect(error.retryable).toBe(true);
    expect(error.detail).toBe('text/html page "Atlassian Cloud Notifications - Page Unavailable"');
    expect(error.message).toContain('Check JIRA_BASE_URL');
  });

  it('does not follow a redirect', async () => {
    jira.queue('GET', ISSUE_PATH, { status: 302, headers: { Location: 'https://id.atlassian.example.test/login' } });
    const client = cloudClient(jira.url);

    const error = await captureError(client.getIssue('SEC-17', ['summary']));

    expect(error).toBeInstanceOf(JiraUnavailableError);
    expect(error.retryable).toBe(false);
    expect(error.detail).toBe('redirected to https://id.atlassian.example.test/login');
    expect(client.calls).toBe(1);
  });

  it('retries a dropped connection and a timeout', async () => {
    jira.queue('GET', ISSUE_PATH, { destroy: true }, { delayMs: 400, body: OK_ISSUE }, { body: OK_ISSUE });
    const client = cloudClient(jira.url, { timeoutMs: 100 });

    expect((await client.getIssue('SEC-17', ['summary']))?.id).toBe('10042');
    expect(client.calls).toBe(3);
  });

  it('ends with JiraNetworkError when nothing listens', async () => {
    const url = jira.url;
    await jira.close();
    jira = await startFakeJira();

    const error = await captureError(cloudClient(url, { maxRetries: 1 }).getIssue('SEC-17', ['summary']));

    expect(error).toBeInstanceOf(JiraNetworkError);
    expect(error.status).toBeUndefined();
    expect(error.attempts).toBe(2);
    expect(error.message).toMatch(/ECONNREFUSED.*Check JIRA_BASE_URL/);
  });

  it('returns the issue an earlier create attempt made', async () => {
    jira.queue('POST', '/rest/api/3/issue', { status: 504, headers: { 'Content-Type': 'text/html' }, body: '<html><title>Gateway Timeout</title></html>' });
    let lookups = 0;
    const client = cloudClient(jira.url);

    const created = await client.createIssue({ summary: 'x' }, {
      findExisting: async () => {
        lookups += 1;
        return { id: '10042', key: 'SEC-17', self: `${jira.url}/rest/api/3/issue/10042` };
      },
    });

    expect(created.key).toBe('SEC-17');
    expect(lookups).toBe(1);
    expect(jira.requestsTo('POST', '/rest/api/3/issue')).toHaveLength(1);
  });
});

describe('JiraClient errors that are not retried', () => {
  it('names the field errors of a 400', async () => {
    jira.queue('POST', '/rest/api/3/issue', fixtureReply(loadFixture('errors/400-field-not-on-screen.http.json')));
    const client = cloudClient(jira.url);

    const error = await captureError(client.createIssue({ customfield_10060: 'x' }));

    expect(error).toBeInstanceOf(JiraRequestError);
    expect(error.fieldErrors).toEqual({ customfield_10060: "Field 'customfield_10060' cannot be set. It is not on the appropriate screen, or unknown." });
    expect(error.message).toContain('customfield_10060: "Field \'customfield_10060\' cannot be set.');
    expect(error.message).toContain('screen');
    expect(client.calls).toBe(1);
  });

  it('names the permission on a 403', async () => {
    jira.queue('POST', '/rest/api/3/issue/SEC-17/transitions', fixtureReply(loadFixture('errors/403-no-permission.http.json')));

    const error = await captureError(cloudClient(jira.url).transitionIssue('SEC-17', '31'));

    expect(error).toBeInstanceOf(JiraPermissionError);
    expect(error.jiraMessages).toEqual(['You do not have permission to transition this issue.']);
    expect(error.message).toContain('"Transition issues');
  });

  it('reads the Cloud 401 body and names the basic auth settings', async () => {
    jira.queue('GET', '/rest/api/3/myself', fixtureReply(loadFixture('errors/401-unauthenticated.http.json')));
    const client = cloudClient(jira.url);

    const error = await captureError(client.myself());

    expect(error).toBeInstanceOf(JiraAuthError);
    expect(error.jiraMessages).toEqual(['Client must be authenticated to access this resource.']);
    expect(error.message).toContain('JIRA_EMAIL and JIRA_API_TOKEN');
    expect(client.calls).toBe(1);
  });

  it('quotes the plain-text 401 about passwords', async () => {
    jira.queue('GET', '/rest/api/3/myself', fixtureReply(loadFixture('errors/401-basic-auth-password.http.json')));

    const error = await captureError(cloudClient(jira.url).myself());

    expect(error).toBeInstanceOf(JiraAuthError);
    expect(error.detail).toContain('"Basic authentication with passwords is deprecated.');
  });

  it('names the personal access token on a Data Center 401', async () => {
    jira.queue('GET', '/rest/api/2/myself', { status: 401, body: { errorMessages: ['You are not authenticated. Authentication required to perform this operation.'], errors: {} } });

    const error = await captureError(dataCenterClient(jira.url).myself());

    expect(error).toBeInstanceOf(JiraAuthError);
    expect(error.message).toContain('personal access token');
    expect(error.message).toContain('JIRA_API_TOKEN');
  });
});

describe('JiraClient OAuth 2.0 client credentials', () => {
  const tokenReply = (token: string, expiresIn = 3600) => ({ body: { access_token: token, expires_in: expiresIn, token_type: 'Bearer', scope: 'read:jira-work write:jira-work' } });

  it('fetches a token with a JSON body and sends it as Bearer', async () => {
    jira.queue('POST', '/oauth/token', tokenReply('token-1'));
    jira.queue('GET', ISSUE_PATH, { body: OK_ISSUE });
    const client = oauthClient(jira.url);

    await client.getIssue('SEC-17', ['summary']);

    const tokenRequest = jira.requestsTo('POST', '/oauth/token')[0];
    expect(tokenRequest?.headers['content-type']).toBe('application/json');
    expect(tokenRequest?.body).toEqual({ grant_type: 'client_credentials', client_id: 'itsm-sync-client', client_secret: CLIENT_SECRET });
    expect(jira.requestsTo('GET', ISSUE_PATH)[0]?.headers.authorization).toBe('Bearer token-1');
    expect(client.tokenRequests).toBe(1);
  });

  it('fetches a new token once after a 401', async () => {
    jira.queue('POST', '/oauth/token', tokenReply('revoked'), tokenReply('fresh'));
    jira.queue('GET', ISSUE_PATH, fixtureReply(loadFixture('errors/401-unauthenticated.http.json')), { body: OK_ISSUE });
    const client = oauthClient(jira.url);

    const read = await client.getIssue('SEC-17', ['summary']);

    expect(read?.id).toBe('10042');
    expect(jira.requestsTo('GET', ISSUE_PATH).map((request) => request.headers.authorization)).toEqual(['Bearer revoked', 'Bearer fresh']);
    expect(client.tokenRequests).toBe(2);
    expect(client.calls).toBe(2);
  });

  it('fails with JiraAuthError when the new token is rejected too', async () => {
    jira.route('POST', '/oauth/token', () => tokenReply('rejected'));
    jira.route('GET', ISSUE_PATH, () => fixtureReply(loadFixture('errors/401-unauthenticated.http.json')));
    const client = oauthClient(jira.url);

    const error = await captureError(client.getIssue('SEC-17', ['summary']));

    expect(error).toBeInstanceOf(JiraAuthError);
    expect(error.message).toContain('JIRA_CLIENT_ID and JIRA_CLIENT_SECRET');
    expect(client.tokenRequests).toBe(2);
    expect(client.calls).toBe(2);
  });

  it('shares one token among concurrent calls', async () => {
    jira.queue('POST', '/oauth/token', { ...tokenReply('shared'), delayMs: 50 });
    jira.route('GET', ISSUE_PATH, () => ({ body: OK_ISSUE }));
    const client = oauthClient(jira.url);

    await Promise.all([client.getIssue('SEC-17', []), client.getIssue('SEC-17', []), client.getIssue('SEC-17', [])]);
    await client.getIssue('SEC-17', []);

    expect(client.tokenRequests).toBe(1);
    expect(jira.requestsTo('GET', ISSUE_PATH).every((request) => request.headers.authorization === 'Bearer shared')).toBe(true);
  });

  it('rejects a wrong client secret without calling Jira', async () => {
    jira.queue('POST', '/oauth/token', { status: 401, body: { error: 'access_denied', error_description: 'Unauthorized' } });
    const client = oauthClient(jira.url);

    const error = await captureError(client.getIssue('SEC-17', ['summary']));

    expect(error).toBeInstanceOf(JiraAuthError);
    expect(error.operation).toBe('fetch OAuth token');
    expect(error.jiraMessages).toEqual(['Unauthorized']);
    expect(client.calls).toBe(0);
    expect(client.tokenRequests).toBe(1);
  });
});

describe('JiraClient secrets', () => {
  it('keeps tokens and secrets out of logs and errors', async () => {
    const accessToken = 'access-token-never-logged-d41d8cd9';
    const { logger, lines } = capturingLogger();
    const failures: JiraError[] = [];

    // OAuth: a dropped connection, a 503 and two rejected tokens.
    jira.route('POST', '/oauth/token', () => ({ body: { access_token: accessToken, expires_in: 3600 } }));
    jira.queue('GET', ISSUE_PATH, { destroy: true }, { status: 503, body: 'null', headers: { 'Content-Type': 'application/json' } });
    jira.route('GET', ISSUE_PATH, () => fixtureReply(loadFixture('errors/401-unauthenticated.http.json')));
    failures.push(await captureError(oauthClient(jira.url, { logger }).getIssue('SEC-17', ['summary'])));

    // Basic and PAT: a page that echoes the Authorization header back, and a 401.
    jira.route('PUT', ISSUE_PATH, (request) => ({ status: 502, headers: { 'Content-Type': 'text/plain' }, body: `proxy error for authorization: ${String(request.headers.authorization)}` }));
    failures.push(await captureError(cloudClient(jira.url, { logger, maxRetries: 1 }).updateIssue('SEC-17', {})));
    jira.route('GET', '/rest/api/2/myself', () => ({ status: 401, body: { errorMessages: ['not authenticated'], errors: {} } }));
    failures.push(await captureError(dataCenterClient(jira.url, { logger }).myself()));

    const secrets = [API_TOKEN, PAT, CLIENT_SECRET, accessToken, BASIC_HEADER.slice('Basic '.length)];
    const texts = [
      ...lines,
      ...failures.flatMap((error) => [error.message, String(error.stack), JSON.stringify(error), JSON.stringify(error.cause ?? null), inspect(error, { depth: 10, showHidden: true })]),
    ];

    expect(lines.some((line) => line.includes('retrying'))).toBe(true);
    expect(failures[1]?.detail).toContain('[redacted]');
    for (const secret of secrets) {
      for (const text of texts) {
        expect(text.includes(secret), `a secret appears in: ${text.slice(0, 200)}`).toBe(false);
      }
    }
  });

  it('rejects bad settings without echoing secrets', () => {
    const make = (config: Partial<ConstructorParameters<typeof JiraClient>[0]>) => () =>
      new JiraClient({ baseUrl: 'https://acme.atlassian.net', deployment: 'cloud', auth: { type: 'basic', email: EMAIL, apiToken: API_TOKEN }, ...config });

    expect(make({ baseUrl: `https://${EMAIL}:${API_TOKEN}@acme.atlassian.net` })).toThrow(/contains a user name or password/);
    expect(make({ baseUrl: `https://${EMAIL}:${API_TOKEN}@acme.atlassian.net` })).not.toThrow(API_TOKEN);
    expect(make({ baseUrl: 'ftp://acme' })).toThrow(/scheme must be https/);
    expect(make({ deployment: 'server' as never })).toThrow(/Invalid Jira deployment "server"/);
    expect(make({ auth: { type: 'basic', email: EMAIL, apiToken: '' } })).toThrow(/Missing Jira auth.apiToken: set JIRA_API_TOKEN/);
    expect(make({ auth: { type: 'pat', token: PAT } })).toThrow(JiraConfigError);
    expect(make({ auth: { type: 'pat', token: PAT } })).toThrow(/Data Center feature/);
    expect(make({ deployment: 'datacenter', auth: { type: 'oauth', clientId: 'a', clientSecret: CLIENT_SECRET } })).toThrow(/Cloud only/);
    expect(make({ auth: { type: 'token' } as never })).toThrow(/Invalid Jira auth type "token"/);
    expect(make({ maxRetries: -1 })).toThrow(/Invalid Jira maxRetries -1/);
  });
});
