/** The retry loop shared by the ServiceNow and Jira clients. */

import pRetry, { AbortError, type RetryContext } from 'p-retry';
import type { Logger } from 'pino';

import { backoffDelayMs, type RetryPolicy } from './backoff.js';

/**
 * The shape of a client's error class that the retry loop reads. ServiceNowError and JiraError both
 * have it.
 */
export interface RetryableFailure extends Error {
  readonly kind: string;
  readonly status?: number;
  /** Whether the same request may succeed later without a change on the client's side. */
  readonly retryable: boolean;
  /** Wait that the server asked for, in milliseconds. */
  readonly retryAfterMs?: number;
  /** Store the number of requests made, so that the message can end with "after 4 attempts". */
  recordAttempts(attempts: number): void;
}

/** Settings of one `sendWithRetries` call. */
export interface RetryOptions<T> {
  /** Name of the remote system in log messages: `ServiceNow`, `Jira`. */
  service: string;
  policy: RetryPolicy;
  logger: Logger;
  /** Ids written on every retry log line: the operation, the table or issue, the record. */
  logContext: Record<string, unknown>;
  /** Tell the client's own errors from anything else; only those can be retried. */
  isFailure: (error: unknown) => error is RetryableFailure;
  /**
   * Called before each retry. A value it returns ends the operation with that value, for a create
   * that an earlier attempt may already have made.
   */
  recover?: () => Promise<T | undefined>;
}

/**
 * Run `attempt` until it succeeds, retrying the client's retryable errors with exponential backoff
 * and jitter, or after the wait the server asked for.
 *
 * A retryable error that asks for a wait longer than `maxRetryDelayMs` ends the loop at once, so the
 * caller can release its work instead of blocking. Any other error ends the loop unchanged. The
 * final error gets the number of attempts made.
 *
 * @example
 * ```ts
 * const record = await sendWithRetries(() => sendOnce(request), {
 *   service: 'Jira', policy, logger, logContext: { operation: 'get issue', issue: 'SEC-17' },
 *   isFailure: (error): error is JiraError => error instanceof JiraError,
 * });
 * ```
 */
export async function sendWithRetries<T>(attempt: () => Promise<T>, options: RetryOptions<T>): Promise<T> {
  let attempts = 0;

  try {
    return await pRetry(
      async (attemptNumber) => {
        attempts = attemptNumber;

        if (attemptNumber > 1 && options.recover) {
          const recovered = await options.recover();
          if (recovered !== undefined) {
            return recovered;
          }
        }

        try {
          return await attempt();
        } catch (error) {
          // Only retryable errors of the client go round again; anything else ends the operation.
          if (options.isFailure(error) && error.retryable) {
            throw error;
          }
          throw new AbortError(error instanceof Error ? error : new Error(String(error)));
        }
      },
      {
        retries: options.policy.maxRetries,
        // The wait is made in waitBeforeRetry, which reads the server's wait time.
        minTimeout: 0,
        onFailedAttempt: (context) => waitBeforeRetry(context, options),
      },
    );
  } catch (error) {
    if (options.isFailure(error)) {
      error.recordAttempts(attempts);
    }
    throw error;
  }
}

/** Log the failed attempt and wait before the next one; throw to stop retrying. */
async function waitBeforeRetry<T>(context: RetryContext, options: RetryOptions<T>): Promise<void> {
  const error = context.error;
  if (!options.isFailure(error) || context.retriesLeft <= 0) {
    return;
  }

  const logContext = { ...options.logContext, attempt: context.attemptNumber, status: error.status, kind: error.kind };
  const { maxRetryDelayMs } = options.policy;

  if (error.retryAfterMs !== undefined && error.retryAfterMs > maxRetryDelayMs) {
    options.logger.warn(
      { ...logContext, retryAfterMs: error.retryAfterMs, maxRetryDelayMs },
      `${options.service} asks to wait longer than the maximum retry delay; giving up for now`,
    );
    throw error;
  }

  const delayMs = error.retryAfterMs ?? backoffDelayMs(context.attemptNumber, options.policy);
  options.logger.warn({ ...logContext, delayMs, error: error.message }, `${options.service} request failed; retrying`);
  await new Promise((resolve) => setTimeout(resolve, delayMs));
}
