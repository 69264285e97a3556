import { describe, expect, it } from 'vitest';

import { ConfigurationError, readSettings } from '../../../src/config/env.js';

const BASE = {
  SQS_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/111122223333/itsm-sync-events',
  AWS_REGION: 'us-east-1',
  SERVICENOW_INSTANCE_URL: 'https://example.service-now.com/',
  SERVICENOW_USERNAME: 'itsm.sync',
  SERVICENOW_PASSWORD: 'Sup3r-secret-value',
};

function problemsOf(env: Record<string, string>): string[] {
  try {
    readSettings(env);
  } catch (error) {
    if (error instanceof ConfigurationError) return error.problems;
    throw error;
  }
  return [];
}

describe('readSettings', () => {
  it('reads the defaults of the way back', () => {
    const settings = readSettings(BASE);

    expect(settings.serviceNow?.instanceUrl).toBe('https://example.service-now.com');
    expect(settings.serviceNow?.poll).toEqual({ intervalMs: 15_000, overlapMs: 120_000 });
    expect(settings.serviceNow?.timeZone).toBeUndefined();
    expect(settings.serviceNow?.webhookSecret).toBeUndefined();
  });

  it('reads the poller, time zone and webhook settings', () => {
    const settings = readSettings({
      ...BASE,
      SERVICENOW_POLL_INTERVAL_SECONDS: '0',
      SERVICENOW_POLL_OVERLAP_SECONDS: '30',
      SERVICENOW_TIME_ZONE: 'Asia/Kolkata',
      SERVICENOW_WEBHOOK_SECRET: 'x'.repeat(32),
    });

    expect(settings.serviceNow?.poll).toEqual({ intervalMs: 0, overlapMs: 30_000 });
    expect(settings.serviceNow?.timeZone).toBe('Asia/Kolkata');
    expect(settings.serviceNow?.webhookSecret).toBe('x'.repeat(32));
  });

  it('names each bad setting and what it expects', () => {
    const problems = problemsOf({ ...BASE, SERVICENOW_POLL_INTERVAL_SECONDS: '-1', SERVICENOW_TIME_ZONE: 'Mars/Base' });

    expect(problems).toContain('SERVICENOW_POLL_INTERVAL_SECONDS must be a whole number from 0 to 3600, got "-1"');
    expect(problems).toContain('SERVICENOW_TIME_ZONE is invalid ("Mars/Base"): expected an IANA time zone such as America/Los_Angeles');
  });

  it('rejects a short webhook secret without showing it', () => {
    const problems = problemsOf({ ...BASE, SERVICENOW_WEBHOOK_SECRET: 'short-secret' });

    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^SERVICENOW_WEBHOOK_SECRET must be at least 32 characters/);
    expect(problems.join('\n')).not.toContain('short-secret');
  });

  it('rejects a webhook secret when the health port is off', () => {
    const problems = problemsOf({ ...BASE, SERVICENOW_WEBHOOK_SECRET: 'x'.repeat(32), HEALTH_PORT: '0' });

    expect(problems).toEqual([
      'SERVICENOW_WEBHOOK_SECRET is set, but HEALTH_PORT is 0 and the webhook is served on that port; set HEALTH_PORT, or unset the secret',
    ]);
  });

  it('lists every missing required setting at once', () => {
    const problems = problemsOf({ SERVICENOW_INSTANCE_URL: 'https://example.service-now.com' });

    expect(problems.some((problem) => problem.startsWith('SQS_QUEUE_URL is required'))).toBe(true);
    expect(problems.some((problem) => problem.startsWith('AWS_REGION is required'))).toBe(true);
    expect(problems.some((problem) => problem.startsWith('SERVICENOW_USERNAME and SERVICENOW_PASSWORD are required'))).toBe(true);
  });

  it('names only the password when the user name is set', () => {
    const problems = problemsOf({ ...BASE, SERVICENOW_PASSWORD: '' });

    expect(problems).toEqual([
      'SERVICENOW_PASSWORD is required for basic authentication (or set SERVICENOW_CLIENT_ID and SERVICENOW_CLIENT_SECRET for OAuth client credentials)',
    ]);
  });

  it('masks the credentials of a malformed URL', () => {
    const problems = problemsOf({
      ...BASE,
      SERVICENOW_INSTANCE_URL: 'https://itsm.sync:Url/Secret@acme.service-now.com:99999',
      SQS_QUEUE_URL: 'AKIA:Queue@Secret@[bad/1/q',
    });

    expect(problems).toContain('SERVICENOW_INSTANCE_URL is invalid ("https://***@acme.service-now.com:99999"): expected an http(s) URL');
    expect(problems).toContain('SQS_QUEUE_URL is invalid ("***@[bad/1/q"): expected an http(s) URL');
    expect(problems.join('\n')).not.toMatch(/Secret|Queue|itsm\.sync|AKIA/);
  });

  it('lets commands without a queue leave SQS_QUEUE_URL out', () => {
    const { SQS_QUEUE_URL: _queue, ...withoutQueue } = BASE;

    expect(readSettings(withoutQueue, { queue: 'optional' }).queueUrl).toBeUndefined();
    // A queue URL that is set is still checked.
    expect(() => readSettings({ ...withoutQueue, SQS_QUEUE_URL: 'not a url' }, { queue: 'optional' })).toThrow('SQS_QUEUE_URL is invalid ("not a url"): expected an http(s) URL');
  });

  it.each([
    ['sqlite:./data/state.db?journal=bogus', 'has an unknown journal mode "bogus"'],
    ['sqlite:./data/state.db?foo=1', 'has an invalid option "foo=1"'],
    ['redis://cache:6379', 'is not supported: expected sqlite:<path to a file>'],
  ])('checks STATE_STORE %s with the other settings', (location, problem) => {
    const problems = problemsOf({ ...BASE, STATE_STORE: location, SYNC_CONCURRENCY: '0' });

    expect(problems.some((text) => text.startsWith(`STATE_STORE "${location}" ${problem}`))).toBe(true);
    expect(problems.some((text) => text.startsWith('SYNC_CONCURRENCY'))).toBe(true);
  });

  it('accepts STATE_STORE with a journal option', () => {
    expect(readSettings({ ...BASE, STATE_STORE: 'sqlite:/app/data/state.db?journal=delete' }).stateStore).toBe('sqlite:/app/data/state.db?journal=delete');
  });

  it('lists a missing account id with others', () => {
    const { AWS_REGION: _region, ...withoutRegion } = BASE;
    let problems: string[] = [];
    try {
      readSettings(withoutRegion, { queue: 'optional', accountRequiredFor: 'backfill reads this account' });
    } catch (error) {
      problems = (error as ConfigurationError).problems;
    }

    expect(problems.some((problem) => problem.startsWith('AWS_REGION is required'))).toBe(true);
    expect(problems).toContain('AWS_ACCOUNT_ID is required: backfill reads this account');
  });

  it('reports an invalid account id once', () => {
    expect(() => readSettings({ ...BASE, AWS_ACCOUNT_ID: '12345' }, { accountRequiredFor: 'backfill reads this account' })).toThrow(
      expect.objectContaining({ problems: ['AWS_ACCOUNT_ID is invalid ("12345"): expected the 12-digit AWS account id'] }),
    );
  });
});
