/** Backoff between retries of an HTTP request. */

/** The retry settings that every client in this folder takes. */
export interface RetryPolicy {
  /** Retries after the first attempt. */
  maxRetries: number;
  /** Backoff before the first retry, in milliseconds; it doubles per retry. */
  retryBaseMs: number;
  /** Longest wait before one retry, in milliseconds. */
  maxRetryDelayMs: number;
}

/**
 * Return the wait before retry number `attemptNumber` (1 for the first retry), with "equal
 * jitter": half of the exponential step is fixed and half is random, so that clients that failed
 * together do not retry together.
 *
 * @example
 * ```ts
 * backoffDelayMs(3, { maxRetries: 5, retryBaseMs: 500, maxRetryDelayMs: 30_000 }); // 1000 to 2000
 * ```
 */
export function backoffDelayMs(attemptNumber: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const step = Math.min(policy.maxRetryDelayMs, policy.retryBaseMs * 2 ** (attemptNumber - 1));
  return Math.round(step / 2 + random() * (step / 2));
}
