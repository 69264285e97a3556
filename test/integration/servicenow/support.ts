import { ServiceNowClient, type ServiceNowClientConfig } from '../../../src/targets/servicenow/client.js';
import { fixture, type HttpFixture as RecordedExchange } from '../../support/fixtures.js';
import { type RawAnswer, sendRawRequest } from '../../support/raw-http.js';

export type { RawAnswer } from '../../support/raw-http.js';

/** The simulator's default login. */
export const USER = { username: 'itsm.sync', password: 'demo-password' };

export const BASIC_AUTH = `Basic ${Buffer.from(`${USER.username}:${USER.password}`).toString('base64')}`;

/** A recorded HTTP exchange from test/fixtures/servicenow: Table API requests send JSON objects. */
export type HttpFixture = RecordedExchange<Record<string, unknown>>;

/** Read a recorded HTTP exchange under test/fixtures/servicenow. */
export function loadFixture(path: string): HttpFixture {
  return loadJson<HttpFixture>(path);
}

/** Parse a JSON file under test/fixtures/servicenow. */
export function loadJson<T>(path: string): T {
  return fixture<T>(`servicenow/${path}`);
}

/**
 * Send one request to the simulator without the client, to look at the raw response. The body is
 * always sent as JSON, a string too. Without `authorization` the default user's basic auth is
 * sent, and `authorization: null` sends none.
 */
export function rawRequest(
  baseUrl: string,
  method: string,
  path: string,
  options: { query?: Record<string, string>; body?: unknown; authorization?: string | null } = {},
): Promise<RawAnswer> {
  const authorization = options.authorization === null ? undefined : (options.authorization ?? BASIC_AUTH);
  const body = options.body === undefined ? undefined : JSON.stringify(options.body);
  return sendRawRequest(baseUrl, method, path, { query: options.query, body, authorization });
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
