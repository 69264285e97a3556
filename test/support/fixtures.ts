/** Reading the fixtures under test/fixtures, which are copies of recorded AWS events and HTTP exchanges. */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const REPOSITORY_ROOT = resolve(import.meta.dirname, '../..');

/** A recorded HTTP exchange: the request a client sent and the response the system returned. */
export interface HttpFixture<RequestBody = unknown> {
  request: { method: string; url: string; query?: Record<string, string>; headers?: Record<string, string>; body?: RequestBody };
  response: { status: number; headers: Record<string, string>; body: unknown };
}

/** Read a fixture under test/fixtures as JSON. */
export function fixture<T = Record<string, unknown>>(path: string): T {
  return JSON.parse(readFileSync(join(REPOSITORY_ROOT, 'test/fixtures', path), 'utf8')) as T;
}
