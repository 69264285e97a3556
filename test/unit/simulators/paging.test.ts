/**
 * Paging of the simulators' list operations. How each simulator reports a bad token is tested
 * with the simulator (GetFindings, DescribeOpsItems).
 */
import { describe, expect, it } from 'vitest';

import { pageOf, readPageOffset } from '../../../src/simulators/paging.js';

const RESULTS = ['a', 'b', 'c', 'd', 'e'];

/** Collects every item by following the tokens, as a client does. */
function readAll(maxResults: number): string[][] {
  const pages: string[][] = [];
  let offset: number | undefined = 0;
  for (;;) {
    const page = pageOf(RESULTS, offset ?? 0, maxResults);
    pages.push(page.items);
    if (page.nextToken === undefined) {
      return pages;
    }
    offset = readPageOffset(page.nextToken);
    expect(offset, `token ${page.nextToken} did not decode`).toBeDefined();
  }
}

describe('pageOf', () => {
  it('follows tokens through every result', () => {
    expect(readAll(2)).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
  });

  it('issues no token when the page reaches the end', () => {
    expect(pageOf(RESULTS, 0, 5)).toEqual({ items: RESULTS });
    expect(pageOf(RESULTS, 3, 2)).toEqual({ items: ['d', 'e'] });
  });

  it('returns an empty page past the end', () => {
    expect(pageOf(RESULTS, 9, 2)).toEqual({ items: [] });
  });

  it('encodes the token as base64url', () => {
    expect(pageOf(RESULTS, 0, 2).nextToken).toMatch(/^[A-Za-z0-9_-]+$/);
  });
});

describe('readPageOffset', () => {
  it.each([undefined, null, ''])('reads %s as the first page', (token) => {
    expect(readPageOffset(token)).toBe(0);
  });

  it('reads a token it issued', () => {
    expect(readPageOffset(pageOf(RESULTS, 1, 3).nextToken)).toBe(4);
  });

  it.each([
    ['text', 'not-a-token'],
    ['JSON without offset', Buffer.from('{"page":2}').toString('base64url')],
    ['a negative offset', Buffer.from('{"offset":-1}').toString('base64url')],
    ['a fractional offset', Buffer.from('{"offset":1.5}').toString('base64url')],
    ['a number', 42],
  ])('rejects %s', (_label, token) => {
    expect(readPageOffset(token)).toBeUndefined();
  });
});
