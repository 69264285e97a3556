/**
 * Reading how long a server asks a client to wait before the next request, from `Retry-After`
 * and `X-RateLimit-Reset`.
 */

import type { AxiosResponse } from 'axios';

import { headerValue } from './response-body.js';

/**
 * How a server writes `X-RateLimit-Reset`:
 * - `unix-seconds`: seconds since the epoch, as ServiceNow's inbound REST rate limiter does;
 * - `iso-8601`: an ISO 8601 UTC time such as `2025-03-10T14:07Z` (`yyyy-MM-ddTHH:mmZ`), as Jira Cloud does.
 */
export type RateLimitResetFormat = 'unix-seconds' | 'iso-8601';

const SECONDS = /^\d+(\.\d+)?$/;
const UNIX_SECONDS = /^\d+$/;
// Minutes are required; seconds and fractions are optional; the zone is Z or an offset.
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;

/**
 * Milliseconds the server asked the client to wait: `Retry-After` (seconds or an HTTP date) first,
 * then `X-RateLimit-Reset` in the given format. Undefined when neither header is present or
 * readable, which Jira does on some 429 responses; the caller then backs off on its own. A reset time
 * in the past gives 0.
 *
 * @example
 * ```ts
 * readRetryAfterMs({ headers: { 'retry-after': '15' } }, 'iso-8601'); // 15000
 * readRetryAfterMs({ headers: { 'x-ratelimit-reset': '2025-03-10T14:07Z' } }, 'iso-8601', Date.parse('2025-03-10T14:06:30Z')); // 30000
 * ```
 */
export function readRetryAfterMs(
  response: Pick<AxiosResponse, 'headers'>,
  resetFormat: RateLimitResetFormat,
  now: number = Date.now(),
): number | undefined {
  const retryAfter = headerValue(response, 'retry-after')?.trim();

  if (retryAfter !== undefined && retryAfter !== '') {
    if (SECONDS.test(retryAfter)) {
      return Math.round(Number(retryAfter) * 1000);
    }

    const date = Date.parse(retryAfter);
    if (!Number.isNaN(date)) {
      return Math.max(0, date - now);
    }
  }

  const reset = headerValue(response, 'x-ratelimit-reset')?.trim();
  if (reset === undefined) {
    return undefined;
  }

  if (resetFormat === 'unix-seconds' && UNIX_SECONDS.test(reset)) {
    return Math.max(0, Number(reset) * 1000 - now);
  }

  if (resetFormat === 'iso-8601' && ISO_TIME.test(reset)) {
    const date = Date.parse(reset);
    return Number.isNaN(date) ? undefined : Math.max(0, date - now);
  }

  return undefined;
}
