import { describe, expect, it } from 'vitest';

import { ConfigurationError, readSettings, type JiraSettings } from '../../../src/config/env.js';

/** The settings every run needs, without any ITSM system. */
const AWS = {
  SQS_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/111122223333/itsm-sync-events',
  AWS_REGION: 'us-east-1',
};

// Secrets that must never show up in a problem message. Each is distinctive, so a test that finds
// one in a message cannot match it by accident.
const API_TOKEN = 'ATATT3xFfGF0-jira-api-token-do-not-log';
const PAT = 'NjM5MDk0-jira-personal-access-token-do-not-log';
const CLIENT_SECRET = 'ATOA-jira-oauth-client-secret-do-not-log';

const CLOUD = {
  ...AWS,
  JIRA_BASE_URL: 'https://acme.atlassian.net/',
  JIRA_EMAIL: 'itsm-sync@acme.com',
  JIRA_API_TOKEN: API_TOKEN,
};

const DATA_CENTER = {
  ...AWS,
  JIRA_BASE_URL: 'https://jira.acme.com/',
  JIRA_DEPLOYMENT: 'datacenter',
  JIRA_API_TOKEN: PAT,
};

const OAUTH = {
  ...AWS,
  JIRA_BASE_URL: 'https://api.atlassian.com/ex/jira/7f2b6d8e-1c3a-4b5d-9e0f-a1b2c3d4e5f6',
  JIRA_SITE_URL: 'https://acme.atlassian.net',
  JIRA_CLIENT_ID: 'f3Kq9ZtVh2pLw8Xc',
  JIRA_CLIENT_SECRET: CLIENT_SECRET,
};

const CLOUD_CREDENTIALS_MISSING =
  "JIRA_EMAIL and JIRA_API_TOKEN are required for Jira Cloud: the integration user's e-mail and an API token from " +
  'https://id.atlassian.com/manage-profile/security/api-tokens (or set JIRA_CLIENT_ID and JIRA_CLIENT_SECRET for OAuth 2.0)';

/** Read the Jira settings of a valid environment. Throws the ConfigurationError of an invalid one. */
function jiraOf(env: Record<string, string>): JiraSettings | undefined {
  return readSettings(env).jira;
}

/** Return the problems that readSettings reports ([] for a valid environment), after checking that none names a secret. */
function problemsOf(env: Record<string, string>): string[] {
  let error: unknown;
  try {
    readSettings(env);
    return [];
  } catch (caught) {
    error = caught;
  }

  expect(error).toBeInstanceOf(ConfigurationError);
  const { problems, message } = error as ConfigurationError;
  for (const secret of [API_TOKEN, PAT, CLIENT_SECRET]) {
    expect(message, 'a problem message shows a secret').not.toContain(secret);
  }
  return problems;
}

describe('readSettings for Jira', () => {
  it('leaves Jira off without JIRA_BASE_URL', () => {
    // The other JIRA_* variables are not read at all then, so a bad one is no problem.
    const settings = readSettings({ ...AWS, JIRA_TIME_ZONE: 'Mars/Olympus_Mons', JIRA_API_TOKEN: API_TOKEN });

    expect(settings.jira).toBeUndefined();
    expect(settings.serviceNow).toBeUndefined();
  });

  it('reads a Cloud site with its defaults', () => {
    const jira = jiraOf(CLOUD);

    expect(jira).toEqual({
      baseUrl: 'https://acme.atlassian.net',
      siteUrl: 'https://acme.atlassian.net',
      deployment: 'cloud',
      auth: { type: 'basic', email: 'itsm-sync@acme.com', apiToken: API_TOKEN },
      timeoutMs: 30_000,
      poll: { intervalMs: 30_000, overlapMs: 180_000 },
      timeZone: undefined,
      assetsUrl: undefined,
      assetsCorrelationAttribute: 'itsm-sync correlation',
    });
  });

  it('reads Jira next to ServiceNow', () => {
    const settings = readSettings({
      ...CLOUD,
      SERVICENOW_INSTANCE_URL: 'https://example.service-now.com',
      SERVICENOW_USERNAME: 'itsm.sync',
      SERVICENOW_PASSWORD: 'Sup3r-secret-value',
    });

    expect(settings.jira?.baseUrl).toBe('https://acme.atlassian.net');
    expect(settings.serviceNow?.instanceUrl).toBe('https://example.service-now.com');
  });

  it('reads the poller, time zone, timeout and Assets attribute', () => {
    const jira = jiraOf({
      ...CLOUD,
      JIRA_POLL_INTERVAL_SECONDS: '0',
      JIRA_POLL_OVERLAP_SECONDS: '60',
      JIRA_TIME_ZONE: 'Europe/Berlin',
      JIRA_TIMEOUT_MS: '5000',
      JIRA_ASSETS_CORRELATION_ATTRIBUTE: 'AWS correlation',
    });

    expect(jira?.poll).toEqual({ intervalMs: 0, overlapMs: 60_000 });
    expect(jira?.timeZone).toBe('Europe/Berlin');
    expect(jira?.timeoutMs).toBe(5_000);
    expect(jira?.assetsCorrelationAttribute).toBe('AWS correlation');
  });

  it('rejects a Cloud site without an API token', () => {
    const { JIRA_API_TOKEN: _token, ...env } = CLOUD;

    expect(problemsOf(env)).toEqual([CLOUD_CREDENTIALS_MISSING]);
  });

  it('rejects a Cloud site without an e-mail', () => {
    const { JIRA_EMAIL: _email, ...env } = CLOUD;

    expect(problemsOf(env)).toEqual([CLOUD_CREDENTIALS_MISSING]);
  });

  it('takes a personal access token on Data Center', () => {
    const jira = jiraOf(DATA_CENTER);

    expect(jira?.deployment).toBe('datacenter');
    expect(jira?.auth).toEqual({ type: 'pat', token: PAT });
  });

  it('needs no e-mail on Data Center', () => {
    const jira = jiraOf({ ...DATA_CENTER, JIRA_EMAIL: 'ignored@acme.com' });

    expect(jira?.auth).toEqual({ type: 'pat', token: PAT });
  });

  it('rejects Data Center without a token', () => {
    const { JIRA_API_TOKEN: _token, ...env } = DATA_CENTER;

    expect(problemsOf(env)).toEqual([
      'JIRA_API_TOKEN is required: a personal access token of the integration user (Profile → Personal Access Tokens)',
    ]);
  });

  it('rejects an unknown deployment', () => {
    expect(problemsOf({ ...CLOUD, JIRA_DEPLOYMENT: 'server' })).toEqual(['JIRA_DEPLOYMENT must be one of cloud, datacenter, got "server"']);
  });

  it('reads OAuth 2.0 client credentials', () => {
    const jira = jiraOf(OAUTH);

    expect(jira?.auth).toEqual({ type: 'oauth', clientId: 'f3Kq9ZtVh2pLw8Xc', clientSecret: CLIENT_SECRET, tokenUrl: 'https://auth.atlassian.com/oauth/token' });
    expect(jira?.baseUrl).toBe('https://api.atlassian.com/ex/jira/7f2b6d8e-1c3a-4b5d-9e0f-a1b2c3d4e5f6');
    expect(jira?.siteUrl).toBe('https://acme.atlassian.net');
  });

  it('prefers OAuth over an API token', () => {
    const jira = jiraOf({ ...OAUTH, JIRA_EMAIL: 'itsm-sync@acme.com', JIRA_API_TOKEN: API_TOKEN });

    expect(jira?.auth.type).toBe('oauth');
  });

  it('rejects OAuth on Data Center', () => {
    const problems = problemsOf({ ...DATA_CENTER, JIRA_CLIENT_ID: 'f3Kq9ZtVh2pLw8Xc', JIRA_CLIENT_SECRET: CLIENT_SECRET });

    expect(problems).toContain(
      'JIRA_CLIENT_ID and JIRA_CLIENT_SECRET are for Jira Cloud; Data Center takes a personal access token in JIRA_API_TOKEN',
    );
  });

  it('rejects half of the OAuth credentials', () => {
    const { JIRA_CLIENT_SECRET: _secret, ...env } = OAUTH;

    expect(problemsOf(env)).toEqual(['JIRA_CLIENT_ID and JIRA_CLIENT_SECRET must be set together for OAuth 2.0 client credentials']);
  });

  it('rejects OAuth against the site URL', () => {
    const problems = problemsOf({ ...OAUTH, JIRA_BASE_URL: 'https://acme.atlassian.net' });

    expect(problems).toEqual([
      'With OAuth 2.0, JIRA_BASE_URL must be https://api.atlassian.com/ex/jira/<cloud id>, and JIRA_SITE_URL the site (https://<site>.atlassian.net)',
    ]);
  });

  it('takes any base URL with its own token URL', () => {
    // A token URL of its own is how tests and proxies point OAuth elsewhere.
    const jira = jiraOf({ ...OAUTH, JIRA_BASE_URL: 'http://127.0.0.1:8181', JIRA_OAUTH_TOKEN_URL: 'http://127.0.0.1:8181/oauth/token' });

    expect(jira?.auth).toMatchObject({ type: 'oauth', tokenUrl: 'http://127.0.0.1:8181/oauth/token' });
  });

  it('rejects a poll overlap under a minute', () => {
    // JQL compares dates by the minute, so a shorter overlap could skip changes.
    expect(problemsOf({ ...CLOUD, JIRA_POLL_OVERLAP_SECONDS: '59' })).toEqual([
      'JIRA_POLL_OVERLAP_SECONDS must be a whole number from 60 to 86400, got "59"',
    ]);
  });

  it('rejects a poll interval out of range', () => {
    expect(problemsOf({ ...CLOUD, JIRA_POLL_INTERVAL_SECONDS: '3601' })).toEqual([
      'JIRA_POLL_INTERVAL_SECONDS must be a whole number from 0 to 3600, got "3601"',
    ]);
  });

  it('rejects an unknown time zone', () => {
    expect(problemsOf({ ...CLOUD, JIRA_TIME_ZONE: 'Mars/Olympus_Mons' })).toEqual([
      'JIRA_TIME_ZONE is invalid ("Mars/Olympus_Mons"): expected an IANA time zone such as Europe/Berlin',
    ]);
  });

  it('rejects a base URL that is not http(s)', () => {
    expect(problemsOf({ ...CLOUD, JIRA_BASE_URL: 'ftp://acme.atlassian.net' })).toEqual([
      'JIRA_BASE_URL is invalid ("ftp://acme.atlassian.net"): expected an http(s) URL',
    ]);
  });

  it('lists every Jira problem at once', () => {
    const problems = problemsOf({
      ...AWS,
      JIRA_BASE_URL: 'https://jira.acme.com',
      JIRA_DEPLOYMENT: 'datacenter',
      JIRA_POLL_OVERLAP_SECONDS: '30',
      JIRA_TIME_ZONE: 'Nowhere/Town',
    });

    expect(problems).toHaveLength(3);
    expect(problems.some((problem) => problem.startsWith('JIRA_POLL_OVERLAP_SECONDS'))).toBe(true);
    expect(problems.some((problem) => problem.startsWith('JIRA_TIME_ZONE'))).toBe(true);
    expect(problems.some((problem) => problem.startsWith('JIRA_API_TOKEN is required'))).toBe(true);
  });

  it('names no secret in any message', () => {
    // Every configuration below is invalid while its secrets are set.
    const invalid = [
      { ...CLOUD, JIRA_EMAIL: '', JIRA_TIMEOUT_MS: 'soon' },
      { ...DATA_CENTER, JIRA_CLIENT_ID: 'f3Kq9ZtVh2pLw8Xc', JIRA_CLIENT_SECRET: CLIENT_SECRET },
      { ...OAUTH, JIRA_BASE_URL: 'https://acme.atlassian.net', JIRA_CLIENT_ID: '' },
      { ...DATA_CENTER, JIRA_POLL_OVERLAP_SECONDS: '0', JIRA_TIME_ZONE: 'Nowhere/Town' },
    ];

    for (const env of invalid) {
      // problemsOf fails the test when a message shows a secret.
      expect(problemsOf(env).length, JSON.stringify(Object.keys(env))).toBeGreaterThan(0);
    }
  });
});

describe('Assets URL', () => {
  it('derives the Cloud URL from the workspace id', () => {
    const jira = jiraOf({ ...CLOUD, JIRA_ASSETS_WORKSPACE_ID: 'e9a4c7b2-3f1d-4a8e-b6c5-0d2f9e8a7b31' });

    expect(jira?.assetsUrl).toBe('https://api.atlassian.com/jsm/assets/workspace/e9a4c7b2-3f1d-4a8e-b6c5-0d2f9e8a7b31/v1');
  });

  it('leaves Assets off on Cloud without a workspace id', () => {
    expect(jiraOf(CLOUD)?.assetsUrl).toBeUndefined();
  });

  it('derives the Data Center URL from the base URL', () => {
    expect(jiraOf(DATA_CENTER)?.assetsUrl).toBe('https://jira.acme.com/rest/assets/1.0');
  });

  it('prefers JIRA_ASSETS_URL over the workspace id', () => {
    const jira = jiraOf({
      ...CLOUD,
      JIRA_ASSETS_WORKSPACE_ID: 'e9a4c7b2-3f1d-4a8e-b6c5-0d2f9e8a7b31',
      JIRA_ASSETS_URL: 'https://api.atlassian.com/ex/jira/7f2b6d8e/jsm/assets/workspace/e9a4c7b2/v1/',
    });

    expect(jira?.assetsUrl).toBe('https://api.atlassian.com/ex/jira/7f2b6d8e/jsm/assets/workspace/e9a4c7b2/v1');
  });

  it('overrides the Data Center default', () => {
    const jira = jiraOf({ ...DATA_CENTER, JIRA_ASSETS_URL: 'https://jira.acme.com/rest/insight/1.0' });

    expect(jira?.assetsUrl).toBe('https://jira.acme.com/rest/insight/1.0');
  });

  it('rejects a workspace id with other characters', () => {
    expect(problemsOf({ ...CLOUD, JIRA_ASSETS_WORKSPACE_ID: 'e9a4/../admin' })).toEqual([
      'JIRA_ASSETS_WORKSPACE_ID is invalid ("e9a4/../admin"): expected the Assets workspace id (GET /rest/servicedeskapi/assets/workspace)',
    ]);
  });

  it('rejects an Assets URL that is not a URL', () => {
    expect(problemsOf({ ...CLOUD, JIRA_ASSETS_URL: 'workspace-e9a4' })).toEqual([
      'JIRA_ASSETS_URL is invalid ("workspace-e9a4"): expected an http(s) URL',
    ]);
  });
});
