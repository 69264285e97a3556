import { pino } from 'pino';
import { expect } from 'vitest';

import { JiraClient, type JiraClientConfig } from '../../../src/targets/jira/client.js';
import { JiraError } from '../../../src/targets/jira/errors.js';
import { fixture, type HttpFixture } from '../../support/fixtures.js';

export type { HttpFixture } from '../../support/fixtures.js';

export const EMAIL = 'itsm-sync@example.com';
export const API_TOKEN = 'api-token-never-logged-7f3a';
export const PAT = 'pat-never-logged-91c2';
export const CLIENT_SECRET = 'client-secret-never-logged-44d0';
export const BASIC_HEADER = `Basic ${Buffer.from(`${EMAIL}:${API_TOKEN}`).toString('base64')}`;

/** Read a recorded HTTP exchange (or another JSON file) under test/fixtures/jira. */
export function loadFixture<T = HttpFixture>(path: string): T {
  return fixture<T>(`jira/${path}`);
}

/** Create a Cloud client with basic auth and short retry waits. */
export function cloudClient(baseUrl: string, overrides: Partial<JiraClientConfig> = {}): JiraClient {
  return new JiraClient({
    baseUrl,
    deployment: 'cloud',
    auth: { type: 'basic', email: EMAIL, apiToken: API_TOKEN },
    retryBaseMs: 5,
    maxRetries: 3,
    ...overrides,
  });
}

/** Create a Data Center client with a personal access token and short retry waits. */
export function dataCenterClient(baseUrl: string, overrides: Partial<JiraClientConfig> = {}): JiraClient {
  return new JiraClient({
    baseUrl,
    deployment: 'datacenter',
    auth: { type: 'pat', token: PAT },
    retryBaseMs: 5,
    maxRetries: 3,
    ...overrides,
  });
}

/** Create a Cloud client with OAuth client credentials against the fake server's token endpoint. */
export function oauthClient(baseUrl: string, overrides: Partial<JiraClientConfig> = {}): JiraClient {
  return cloudClient(baseUrl, {
    auth: { type: 'oauth', clientId: 'itsm-sync-client', clientSecret: CLIENT_SECRET, tokenUrl: `${baseUrl}/oauth/token` },
    ...overrides,
  });
}

/** Collects pino's output lines. */
export function capturingLogger(): { logger: pino.Logger; lines: string[] } {
  const lines: string[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => lines.push(line) });
  return { logger, lines };
}

export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const collected: T[] = [];
  for await (const item of items) {
    collected.push(item);
  }
  return collected;
}

/** Await a promise that must fail with a JiraError, and return the error. */
export async function captureError(promise: Promise<unknown>): Promise<JiraError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(JiraError);
  return error as JiraError;
}

/** An issue as search and get return it. */
export function issue(id: number, fields: Record<string, unknown> = {}): Record<string, unknown> {
  return { id: String(id), key: `SEC-${id - 10_000}`, self: `https://jira.example.test/rest/api/3/issue/${id}`, fields };
}
