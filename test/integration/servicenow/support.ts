import { readFileSync } from 'node:fs';

import { ServiceNowClient, type ServiceNowClientConfig } from '../../../src/targets/servicenow/client.js';

/** The simulator's default login. */
export const USER = { username: 'itsm.sync', password: 'demo-password' };

export const BASIC_AUTH = `Basic ${Buffer.from(`${USER.username}:${USER.password}`).toString('base64')}`;

/** A recorded HTTP exchange from test/fixtures/servicenow. */
export interface HttpFixture {
  request: { method: string; url: string; query?: Record<string, string>; body?: Record<string, unknown> };
  response: { status: number; headers: Record<string, string>; body: unknown };
}

export function loadFixture(path: string): HttpFixture {
  return loadJson<HttpFixture>(path);
}

/** Parse a JSON file under test/fixtures/servicenow. */
export function loadJson<T>(path: string): T {
  return JSON.parse(readFileSync(new URL(`../../fixtures/servicenow/${path}`, import.meta.url), 'utf8')) as T;
}

/** A raw response from the simulator. */
export interface RawAnswer {
  status: number;
  headers: Headers;
  text: string;
  json: unknown;
}

/** Send one request to the simulator without the client, to look at the raw response. */
export async function rawRequest(
  baseUrl: string,
  method: string,
  path: string,
  options: { query?: Record<string, string>; body?: unknown; authorization?: string | null } = {},
): Promise<RawAnswer> {
  const url = new URL(path, baseUrl);
  for (const [name, value] of Object.entries(options.query ?? {})) {
    url.searchParams.set(name, value);
  }

  const headers: Record<string, string> = { Accept: 'application/json' };
  if (options.authorization !== null) {
    headers.Authorization = options.authorization ?? BASIC_AUTH;
  }
  if (options.body !== undefined) {
    headers['Content-Type'] = 'application/json';
  }

  const response = await fetch(url, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }

  return { status: response.status, headers: response.headers, text, json };
}

/** Create a client for the simulator with basic auth and fast retries. */
export function simulatorClient(url: string, overrides: Partial<ServiceNowClientConfig> = {}): ServiceNowClient {
  return new ServiceNowClient({
    instanceUrl: url,
    auth: { type: 'basic', ...USER },
    retryBaseMs: 5,
    maxRetries: 3,
    ...overrides,
  });
}

/** Return the `result` of a Table API response. */
export function resultOf<T = Record<string, string>>(answer: RawAnswer): T {
  return (answer.json as { result: T }).result;
}

/** Collect an async iterable into an array. */
export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) {
    items.push(item);
  }
  return items;
}

export const TABLE_API_DATE = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;
export const SYS_ID = /^[0-9a-f]{32}$/;
