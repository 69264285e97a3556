import type { AxiosResponse } from 'axios';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';

import { AccessTokenCache } from '../../../src/targets/http/access-token-cache.js';
import { backoffDelayMs } from '../../../src/targets/http/backoff.js';
import { sendWithFreshToken } from '../../../src/targets/http/credentials.js';
import { redactCredentials } from '../../../src/targets/http/network-error.js';
import { describeNonJsonBody, isEmptyBody, parseJsonBody } from '../../../src/targets/http/response-body.js';
import { readRetryAfterMs } from '../../../src/targets/http/retry-after.js';
import { sendWithRetries } from '../../../src/targets/http/retry.js';
import { checkBaseUrl } from '../../../src/targets/http/settings.js';
import { JiraError, JiraRateLimitError, JiraUnavailableError } from '../../../src/targets/jira/errors.js';
import { readJiraErrorBody } from '../../../src/targets/jira/responses.js';

const NOW = Date.parse('2025-03-10T14:06:30Z');
const silent = pino({ level: 'silent' });

function response(status: number, headers: Record<string, string>, data: unknown = ''): AxiosResponse {
  return { status, headers, data } as unknown as AxiosResponse;
}

describe('readRetryAfterMs', () => {
  it('reads Retry-After seconds and HTTP dates first', () => {
    expect(readRetryAfterMs(response(429, { 'retry-after': '15', 'x-ratelimit-reset': '2025-03-10T14:10Z' }), 'iso-8601', NOW)).toBe(15_000);
    expect(readRetryAfterMs(response(429, { 'retry-after': '0.5' }), 'iso-8601', NOW)).toBe(500);
    expect(readRetryAfterMs(response(503, { 'retry-after': 'Mon, 10 Mar 2025 14:07:00 GMT' }), 'unix-seconds', NOW)).toBe(30_000);
  });

  it('reads the ISO reset time of Jira', () => {
    expect(readRetryAfterMs(response(429, { 'x-ratelimit-reset': '2025-03-10T14:07Z' }), 'iso-8601', NOW)).toBe(30_000);
    expect(readRetryAfterMs(response(429, { 'x-ratelimit-reset': '2025-03-10T14:07:10.5Z' }), 'iso-8601', NOW)).toBe(40_500);
    expect(readRetryAfterMs(response(429, { 'x-ratelimit-reset': '2025-03-10T15:07+01:00' }), 'iso-8601', NOW)).toBe(30_000);
    expect(readRetryAfterMs(response(429, { 'x-ratelimit-reset': '2025-03-10T14:00Z' }), 'iso-8601', NOW)).toBe(0);
  });

  it('reads the UNIX reset time of ServiceNow', () => {
    expect(readRetryAfterMs(response(429, { 'x-ratelimit-reset': String(NOW / 1000 + 20) }), 'unix-seconds', NOW)).toBe(20_000);
  });

  it('ignores a reset time in the other format or missing headers', () => {
    expect(readRetryAfterMs(response(429, { 'x-ratelimit-reset': '1741615620' }), 'iso-8601', NOW)).toBeUndefined();
    expect(readRetryAfterMs(response(429, { 'x-ratelimit-reset': '2025-03-10T14:07Z' }), 'unix-seconds', NOW)).toBeUndefined();
    expect(readRetryAfterMs(response(429, { 'retry-after': 'soon' }), 'iso-8601', NOW)).toBeUndefined();
    expect(readRetryAfterMs(response(429, {}), 'iso-8601', NOW)).toBeUndefined();
  });
});

describe('backoffDelayMs', () => {
  const policy = { maxRetries: 5, retryBaseMs: 500, maxRetryDelayMs: 3_000 };

  it('doubles per attempt with half of each step random', () => {
    expect(backoffDelayMs(1, policy, () => 0)).toBe(250);
    expect(backoffDelayMs(1, policy, () => 1)).toBe(500);
    expect(backoffDelayMs(3, policy, () => 0)).toBe(1_000);
    expect(backoffDelayMs(3, policy, () => 1)).toBe(2_000);
  });

  it('never waits longer than the maximum delay', () => {
    expect(backoffDelayMs(10, policy, () => 1)).toBe(3_000);
  });
});

describe('AccessTokenCache', () => {
  it('shares one request among concurrent callers and caches the token', async () => {
    let requests = 0;
    const cache = new AccessTokenCache(async () => {
      requests += 1;
      await new Promise((resolve) => setTimeout(resolve, 10));
      return { token: `token-${requests}`, expiresInSeconds: 3600 };
    }, 60_000);

    const tokens = await Promise.all([cache.current(), cache.current(), cache.current()]);

    expect(tokens).toEqual(['token-1', 'token-1', 'token-1']);
    expect(await cache.current()).toBe('token-1');
    expect(cache.tokenRequests).toBe(1);
  });

  it('refreshes a minute before expiry, or a tenth of a short lifetime', async () => {
    let now = 0;
    let requests = 0;
    const lifetimes = [3600, 10];
    const cache = new AccessTokenCache(async () => ({ token: `t${(requests += 1)}`, expiresInSeconds: lifetimes[requests - 1] }), 60_000, () => now);

    await cache.current();
    now = 3_540_000 - 1;
    expect(await cache.current()).toBe('t1');
    now = 3_540_000;
    expect(await cache.current()).toBe('t2');
    now += 9_000 - 1;
    expect(await cache.current()).toBe('t2');
    now += 1;
    expect(await cache.current()).toBe('t3');
  });

  it('uses the default lifetime without expires_in', async () => {
    let now = 0;
    const cache = new AccessTokenCache(async () => ({ token: 'x' }), 600_000, () => now);

    await cache.current();
    now = 539_999;
    await cache.current();
    expect(cache.tokenRequests).toBe(1);
    now = 540_000;
    await cache.current();
    expect(cache.tokenRequests).toBe(2);
  });

  it('forgets only the token that was rejected', async () => {
    let requests = 0;
    const cache = new AccessTokenCache(async () => ({ token: `t${(requests += 1)}` }), 600_000);

    await cache.current();
    cache.invalidate('some-older-token');
    expect(await cache.current()).toBe('t1');
    cache.invalidate('t1');
    expect(await cache.current()).toBe('t2');
  });
});

describe('sendWithFreshToken', () => {
  function source() {
    let issued = 0;
    const invalidated: string[] = [];
    return {
      invalidated,
      credentials: async () => ({ authorization: `Bearer t${issued + 1}`, token: `t${(issued += 1)}` }),
      invalidate: (token: string) => void invalidated.push(token),
    };
  }

  it('sends once more with a new token after a 401', async () => {
    const tokens = source();
    const seen: string[] = [];
    let rejected = 0;

    const answer = await sendWithFreshToken(
      tokens,
      async (authorization) => {
        seen.push(authorization);
        return response(seen.length === 1 ? 401 : 200, {});
      },
      () => (rejected += 1),
    );

    expect(answer.status).toBe(200);
    expect(seen).toEqual(['Bearer t1', 'Bearer t2']);
    expect(tokens.invalidated).toEqual(['t1']);
    expect(rejected).toBe(1);
  });

  it('returns the second 401 and a 401 to fixed credentials', async () => {
    const tokens = source();
    let sent = 0;

    const second = await sendWithFreshToken(tokens, async () => {
      sent += 1;
      return response(401, {});
    });
    const fixed = await sendWithFreshToken({ credentials: async () => ({ authorization: 'Basic x' }), invalidate: () => {} }, async () => response(401, {}));

    expect(second.status).toBe(401);
    expect(sent).toBe(2);
    expect(fixed.status).toBe(401);
  });
});

describe('sendWithRetries', () => {
  const policy = { maxRetries: 3, retryBaseMs: 1, maxRetryDelayMs: 1_000 };
  const isFailure = (error: unknown): error is JiraError => error instanceof JiraError;
  const unavailable = () => new JiraUnavailableError({ kind: 'server', operation: 'get issue', status: 503, retryable: true });

  it('retries retryable failures and records the attempts', async () => {
    let attempts = 0;

    const error = await sendWithRetries(
      async () => {
        attempts += 1;
        throw unavailable();
      },
      { service: 'Jira', policy, logger: silent, logContext: {}, isFailure },
    ).catch((caught: unknown) => caught);

    expect(attempts).toBe(4);
    expect((error as JiraError).attempts).toBe(4);
    expect((error as JiraError).message).toContain('after 4 attempts');
  });

  it('does not retry other errors', async () => {
    let attempts = 0;

    await expect(
      sendWithRetries(
        async () => {
          attempts += 1;
          throw new TypeError('bug');
        },
        { service: 'Jira', policy, logger: silent, logContext: {}, isFailure },
      ),
    ).rejects.toThrow(TypeError);
    expect(attempts).toBe(1);
  });

  it('gives up when the server asks for a longer wait than allowed', async () => {
    let attempts = 0;
    const limited = new JiraRateLimitError({ kind: 'rate-limited', operation: 'search issues', status: 429, retryable: true, retryAfterMs: 5_000 });

    await expect(
      sendWithRetries(
        async () => {
          attempts += 1;
          throw limited;
        },
        { service: 'Jira', policy, logger: silent, logContext: {}, isFailure },
      ),
    ).rejects.toBe(limited);
    expect(attempts).toBe(1);
  });

  it('ends with the value that recover finds', async () => {
    let attempts = 0;

    const value = await sendWithRetries(
      async () => {
        attempts += 1;
        throw unavailable();
      },
      { service: 'Jira', policy, logger: silent, logContext: {}, isFailure, recover: async () => 'found' },
    );

    expect(value).toBe('found');
    expect(attempts).toBe(1);
  });
});

describe('response bodies', () => {
  it('parses JSON only when it looks like JSON', () => {
    expect(parseJsonBody(response(200, { 'content-type': 'application/json' }, '{"a":1}'))).toEqual({ a: 1 });
    expect(parseJsonBody(response(200, {}, '[1]'))).toEqual([1]);
    expect(parseJsonBody(response(200, { 'content-type': 'text/html' }, '{"a":1}'))).toBeUndefined();
    expect(parseJsonBody(response(200, { 'content-type': 'application/json' }, '<html></html>'))).toBeUndefined();
    expect(parseJsonBody(response(200, { 'content-type': 'application/json' }, '{broken'))).toBeUndefined();
  });

  it('treats a missing body and JSON null as empty', () => {
    expect(isEmptyBody(response(204, {}, ''))).toBe(true);
    expect(isEmptyBody(response(429, {}, ' null '))).toBe(true);
    expect(isEmptyBody(response(200, {}, '{}'))).toBe(false);
  });

  it('describes bodies that are not JSON', () => {
    expect(describeNonJsonBody(response(503, { 'content-type': 'text/html' }, '<html><title> Maintenance </title></html>'))).toBe('text/html page "Maintenance"');
    expect(describeNonJsonBody(response(502, {}, ''))).toBe('empty body (no Content-Type)');
    expect(describeNonJsonBody(response(401, { 'content-type': 'text/plain' }, 'first line\nsecond'))).toBe('text/plain body "first line"');
    expect(describeNonJsonBody(response(401, { 'content-type': 'text/plain' }, 'x'.repeat(300)))).toBe(`text/plain body "${'x'.repeat(200)}…"`);
    expect(describeNonJsonBody(response(500, { 'content-type': 'application/xml' }, '<a/>'))).toBe('non-JSON body (application/xml)');
  });

  it('redacts credentials but keeps words', () => {
    expect(redactCredentials('authorization: Basic aXRzbS5zeW5jOnNlY3JldA== sent')).toBe('authorization: Basic [redacted] sent');
    expect(redactCredentials('Bearer eyJhbGciOiJIUzI1NiJ9.e30.x')).toBe('Bearer [redacted]');
    expect(redactCredentials('Basic authentication with passwords is deprecated')).toBe('Basic authentication with passwords is deprecated');
  });
});

describe('readJiraErrorBody', () => {
  it('reads the three error shapes', () => {
    expect(readJiraErrorBody({ errorMessages: ['a', ''], errors: { summary: 'b', bad: 3 } })).toEqual({ messages: ['a'], fieldErrors: { summary: 'b' } });
    expect(readJiraErrorBody({ message: 'Client must be authenticated to access this resource.', 'status-code': 401 })).toEqual({
      messages: ['Client must be authenticated to access this resource.'],
      fieldErrors: {},
    });
    expect(readJiraErrorBody({ errorMessage: 'The request type is not valid.', i18nErrorMessage: { i18nKey: 'x', parameters: [] } })).toEqual({
      messages: ['The request type is not valid.'],
      fieldErrors: {},
    });
    expect(readJiraErrorBody('text')).toEqual({ messages: [], fieldErrors: {} });
  });
});

describe('checkBaseUrl', () => {
  const description = { label: 'Jira base URL', example: 'https://acme.atlassian.net', credentialSettings: 'JIRA_API_TOKEN' };
  const fail = (message: string) => new Error(message);

  it('keeps the path and drops a trailing slash', () => {
    expect(checkBaseUrl('https://api.atlassian.com/ex/jira/1a2b/', description, fail)).toBe('https://api.atlassian.com/ex/jira/1a2b');
    expect(checkBaseUrl('http://127.0.0.1:8080', description, fail)).toBe('http://127.0.0.1:8080');
  });

  it('names what is wrong', () => {
    expect(() => checkBaseUrl('acme.atlassian.net', description, fail)).toThrow('Invalid Jira base URL "acme.atlassian.net": use the form https://acme.atlassian.net.');
    expect(() => checkBaseUrl('https://acme.atlassian.net/?x=1', description, fail)).toThrow(/remove the query string/);
    expect(() => checkBaseUrl('https://u:secret@acme.atlassian.net', description, fail)).toThrow(/Put credentials in JIRA_API_TOKEN instead/);
  });
});
