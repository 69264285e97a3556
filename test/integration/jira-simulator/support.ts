import { readFileSync } from 'node:fs';

import { DEFAULT_INTEGRATION_LOGIN, DEFAULT_INTEGRATION_SECRETS } from '../../../src/simulators/jira/index.js';

/** Basic auth of the default integration user on Cloud (email and API token). */
export const CLOUD_AUTH = `Basic ${Buffer.from(`${DEFAULT_INTEGRATION_LOGIN.cloud}:${DEFAULT_INTEGRATION_SECRETS.apiToken}`).toString('base64')}`;
/** Bearer auth of the default integration user on Data Center (personal access token). */
export const DATA_CENTER_AUTH = `Bearer ${DEFAULT_INTEGRATION_SECRETS.personalAccessToken}`;

/** People of the default user lists. */
export const CLOUD_AGENT = 'avery.agent@example.com';
export const CLOUD_APPROVER = 'casey.example@example.com';
export const DC_AGENT = 'avery.agent';
export const DC_APPROVER = 'casey.example';

/** A recorded HTTP exchange from test/fixtures/jira. */
export interface HttpFixture {
  request: { method: string; url: string; query?: Record<string, string>; headers?: Record<string, string>; body?: unknown };
  response: { status: number; headers: Record<string, string>; body: unknown };
}

export function loadFixture(path: string): HttpFixture {
  return loadJson<HttpFixture>(path);
}

/** Parse a JSON file under test/fixtures/jira. */
export function loadJson<T>(path: string): T {
  return JSON.parse(readFileSync(new URL(`../../fixtures/jira/${path}`, import.meta.url), 'utf8')) as T;
}

/** A raw response from the simulator. */
export interface RawAnswer {
  status: number;
  headers: Headers;
  text: string;
  json: unknown;
}

/** Send one request to the simulator, to look at the raw response. `authorization: null` sends none. */
export async function rawRequest(
  baseUrl: string,
  method: string,
  path: string,
  options: { query?: Record<string, string>; body?: unknown; authorization?: string | null; contentType?: string } = {},
): Promise<RawAnswer> {
  const url = new URL(path, baseUrl);
  for (const [name, value] of Object.entries(options.query ?? {})) {
    url.searchParams.set(name, value);
  }

  const headers: Record<string, string> = { Accept: 'application/json' };
  if (options.authorization !== null) {
    headers.Authorization = options.authorization ?? CLOUD_AUTH;
  }
  let body: string | undefined;
  if (options.body !== undefined) {
    headers['Content-Type'] = options.contentType ?? 'application/json';
    body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
  }

  const response = await fetch(url, { method, headers, body });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
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
