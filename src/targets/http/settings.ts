/** Checks of HTTP client settings, with messages that name the option and the fix. */

import type { RetryPolicy } from './backoff.js';

/** The timeout and retry settings that every REST client takes. */
export interface RequestSettings {
  /** Timeout of one HTTP request, in milliseconds. Default 30,000. */
  timeoutMs?: number;
  /** Retries after the first attempt, for retryable failures. Default 5. */
  maxRetries?: number;
  /** Backoff before the first retry, in milliseconds; it doubles per retry, with jitter. Default 500. */
  retryBaseMs?: number;
  /**
   * Maximum wait before one retry, in milliseconds. A 429 that asks for a longer wait fails at once
   * (retryable, with `retryAfterMs`), so the caller can release its work instead of blocking.
   * Default 30,000.
   */
  maxRetryDelayMs?: number;
}

/** Words that make a base URL message specific to one product. */
export interface BaseUrlDescription {
  /** `ServiceNow instance URL`, `Jira base URL`. */
  label: string;
  /** A valid URL to show: `https://acme.service-now.com`. */
  example: string;
  /** The settings for credentials: `SERVICENOW_USERNAME/SERVICENOW_PASSWORD or the OAuth client settings`. */
  credentialSettings: string;
}

/**
 * Check a base URL and return it without a trailing slash. It must be http(s) and carry no
 * credentials, query string or fragment. A path is kept, such as a Jira Data Center context path or
 * `https://api.atlassian.com/ex/jira/<cloud id>`.
 *
 * @param fail builds the client's own configuration error from the message.
 */
export function checkBaseUrl(value: string, description: BaseUrlDescription, fail: (message: string) => Error): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw fail(`Invalid ${description.label} ${JSON.stringify(value)}: use the form ${description.example}.`);
  }

  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw fail(
      `Invalid ${description.label} ${JSON.stringify(value)}: the scheme must be https (or http for a local simulator).`,
    );
  }

  if (url.username !== '' || url.password !== '') {
    // Do not echo the URL: it contains a credential.
    throw fail(
      `Invalid ${description.label}: it contains a user name or password. Put credentials in ` +
        `${description.credentialSettings} instead.`,
    );
  }

  if (url.search !== '' || url.hash !== '') {
    throw fail(`Invalid ${description.label} ${JSON.stringify(value)}: remove the query string and fragment.`);
  }

  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

/**
 * Return `value`, or `fallback` when it is undefined, after checking that it is an integer of 0 or
 * more.
 *
 * @param product the product name in the message: `ServiceNow`, `Jira`.
 */
export function readNonNegativeInteger(
  product: string,
  option: string,
  value: number | undefined,
  fallback: number,
  fail: (message: string) => Error,
): number {
  if (value === undefined) {
    return fallback;
  }

  if (!Number.isInteger(value) || value < 0) {
    throw fail(`Invalid ${product} ${option} ${value}: it must be an integer of 0 or more.`);
  }

  return value;
}

/**
 * Check the timeout and retry settings and fill in the defaults of {@link RequestSettings}.
 *
 * @param product the product name in messages: `ServiceNow`, `Jira`.
 * @param fail builds the client's own configuration error for the option at fault.
 */
export function readRequestSettings(
  product: string,
  settings: RequestSettings,
  fail: (option: string, message: string) => Error,
): { timeoutMs: number; retryPolicy: RetryPolicy } {
  const read = (option: string, value: number | undefined, fallback: number): number =>
    readNonNegativeInteger(product, option, value, fallback, (message) => fail(option, message));

  const retryPolicy = {
    maxRetries: read('maxRetries', settings.maxRetries, 5),
    retryBaseMs: read('retryBaseMs', settings.retryBaseMs, 500),
    maxRetryDelayMs: read('maxRetryDelayMs', settings.maxRetryDelayMs, 30_000),
  };
  const timeoutMs = read('timeoutMs', settings.timeoutMs, 30_000);

  return { timeoutMs, retryPolicy };
}
