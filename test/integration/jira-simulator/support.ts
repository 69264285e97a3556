import { afterAll, beforeAll, beforeEach } from 'vitest';

import {
  DEFAULT_INTEGRATION_LOGIN,
  DEFAULT_INTEGRATION_SECRETS,
  startJiraSimulator,
  type JiraSimulator,
  type JiraSimulatorOptions,
} from '../../../src/simulators/jira/index.js';
import { fixture, type HttpFixture } from '../../support/fixtures.js';
import { type RawAnswer, sendRawRequest } from '../../support/raw-http.js';

export type { HttpFixture } from '../../support/fixtures.js';
export type { RawAnswer } from '../../support/raw-http.js';

/** Basic auth of the default integration user on Cloud (email and API token). */
export const CLOUD_AUTH = `Basic ${Buffer.from(`${DEFAULT_INTEGRATION_LOGIN.cloud}:${DEFAULT_INTEGRATION_SECRETS.apiToken}`).toString('base64')}`;
/** Bearer auth of the default integration user on Data Center (personal access token). */
export const DATA_CENTER_AUTH = `Bearer ${DEFAULT_INTEGRATION_SECRETS.personalAccessToken}`;

/** People of the default user lists. */
export const CLOUD_AGENT = 'avery.agent@example.com';
export const CLOUD_APPROVER = 'casey.example@example.com';
export const DC_AGENT = 'avery.agent';
export const DC_APPROVER = 'casey.example';

/** Read a recorded HTTP exchange under test/fixtures/jira. */
export function loadFixture(path: string): HttpFixture {
  return loadJson<HttpFixture>(path);
}

/** Parse a JSON file under test/fixtures/jira. */
export function loadJson<T>(path: string): T {
  return fixture<T>(`jira/${path}`);
}

/**
 * Send one request to the simulator, to look at the raw response. A string body is sent as it is.
 * Without `authorization` the default Cloud user's basic auth is sent, and `authorization: null` sends none.
 */
export function rawRequest(
  baseUrl: string,
  method: string,
  path: string,
  options: { query?: Record<string, string>; body?: unknown; authorization?: string | null; contentType?: string } = {},
): Promise<RawAnswer> {
  const authorization = options.authorization === null ? undefined : (options.authorization ?? CLOUD_AUTH);
  return sendRawRequest(baseUrl, method, path, { ...options, authorization });
}

/** Shorthand for rawRequest with a JSON body and the given auth. */
export function client(baseUrl: string, authorization: string = CLOUD_AUTH) {
  return {
    get: (path: string, query?: Record<string, string>) => rawRequest(baseUrl, 'GET', path, { query, authorization }),
    post: (path: string, body?: unknown, query?: Record<string, string>) => rawRequest(baseUrl, 'POST', path, { body, query, authorization }),
    put: (path: string, body?: unknown, query?: Record<string, string>) => rawRequest(baseUrl, 'PUT', path, { body, query, authorization }),
    delete: (path: string) => rawRequest(baseUrl, 'DELETE', path, { authorization }),
  };
}

/** A simulator that {@link useJiraSimulator} started, and a client for it. */
export interface SuiteSimulator {
  jira: JiraSimulator;
  api: ReturnType<typeof client>;
}

/**
 * Start one simulator for the enclosing suite (or file), with a client that sends `authorization`,
 * reset it before each test and close it after the suite. Read `jira` and `api` only inside tests
 * and hooks, because they are set in beforeAll.
 */
export function useJiraSimulator(options: JiraSimulatorOptions, authorization: string = CLOUD_AUTH): SuiteSimulator {
  const suite = {} as SuiteSimulator;

  beforeAll(async () => {
    suite.jira = await startJiraSimulator(options);
    suite.api = client(suite.jira.url, authorization);
  });

  afterAll(async () => {
    await suite.jira?.close();
  });

  beforeEach(() => {
    suite.jira.reset();
  });

  return suite;
}

/** Build an ADF document with one paragraph per argument. */
export function adf(...paragraphs: string[]): Record<string, unknown> {
  return {
    type: 'doc',
    version: 1,
    content: paragraphs.map((text) => ({ type: 'paragraph', content: [{ type: 'text', text }] })),
  };
}

/** Jira's timestamp form, such as 2025-03-10T14:05:09.123+0000. */
export const JIRA_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}[+-]\d{4}$/;

/** Map each key of an object to the JavaScript type of its value ("null" for null, "array" for arrays). */
export function typesOf(value: unknown): Record<string, string> {
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).map(([key, entry]) => [key, entry === null ? 'null' : Array.isArray(entry) ? 'array' : typeof entry]),
  );
}

/** Wait for a number of milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
