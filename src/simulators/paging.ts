/**
 * Paging of the simulators' list operations (GetFindings, DescribeOpsItems). The `NextToken` is
 * opaque to clients; here it is the offset of the next page as base64url-encoded JSON.
 */

/** One page of a list operation's results. */
export interface Page<T> {
  items: T[];
  /** Token of the next page; absent on the last page. */
  nextToken?: string;
}

/** Returns the results from `offset` on, at most `maxResults` of them, and the token of the next page when more remain. */
export function pageOf<T>(results: readonly T[], offset: number, maxResults: number): Page<T> {
  const page: Page<T> = { items: results.slice(offset, offset + maxResults) };
  if (offset + maxResults < results.length) {
    page.nextToken = Buffer.from(JSON.stringify({ offset: offset + maxResults }), 'utf8').toString('base64url');
  }
  return page;
}

/**
 * Reads the offset from a `NextToken` that {@link pageOf} issued: 0 when the request has no token,
 * undefined when the token was not issued by a simulator. The caller raises its service's error then.
 */
export function readPageOffset(token: unknown): number | undefined {
  if (token === undefined || token === null || token === '') {
    return 0;
  }
  try {
    const decoded = JSON.parse(Buffer.from(String(token), 'base64url').toString('utf8')) as { offset?: unknown };
    if (Number.isInteger(decoded.offset) && (decoded.offset as number) >= 0) {
      return decoded.offset as number;
    }
  } catch {
    // Not base64url-encoded JSON: the caller reports the token as not issued.
  }
  return undefined;
}
