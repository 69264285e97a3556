import type { AxiosResponse } from 'axios';

import { describeNetworkError as describeFailure } from '../http/network-error.js';
import { describeNonJsonBody, headerValue, parseJsonBody } from '../http/response-body.js';
import { readRetryAfterMs as readWaitMs } from '../http/retry-after.js';
import {
  ServiceNowAuthError,
  ServiceNowDataPolicyError,
  ServiceNowError,
  type ServiceNowErrorContext,
  ServiceNowNotFoundError,
  ServiceNowPermissionError,
  ServiceNowRateLimitError,
  ServiceNowRequestError,
  ServiceNowServerError,
  ServiceNowUnavailableError,
} from './errors.js';

/** The call a response belongs to, for error messages. */
export interface ResponseContext {
  operation: string;
  table?: string;
  sysId?: string;
  /** Advice for a 401, which depends on the kind of authentication. */
  advice?: string;
}

export { parseJsonBody } from '../http/response-body.js';

/**
 * Return the `result` of a 2xx Table API response, or throw ServiceNowUnavailableError (retryable)
 * when the body is not JSON or has no `result`.
 */
export function readResult(response: AxiosResponse, context: ResponseContext): unknown {
  const body = parseJsonBody(response);

  if (body === undefined) {
    throw new ServiceNowUnavailableError({
      ...recordContext(context),
      kind: 'unavailable',
      status: response.status,
      detail: describeNonJsonBody(response),
      retryable: true,
      advice: UNAVAILABLE_ADVICE,
    });
  }

  if (typeof body !== 'object' || body === null || !('result' in body)) {
    throw new ServiceNowUnavailableError({
      ...recordContext(context),
      kind: 'unavailable',
      status: response.status,
      detail: 'the JSON answer has no "result"',
      retryable: true,
      advice: UNAVAILABLE_ADVICE,
    });
  }

  return body.result;
}

/** Build the error for a non-2xx Table API response, choosing the class from status and body. */
export function classifyErrorResponse(response: AxiosResponse, context: ResponseContext): ServiceNowError {
  const status = response.status;
  const body = parseJsonBody(response);
  const { message, detail } = readErrorBody(body);
  const base = {
    ...recordContext(context),
    status,
    serviceNowMessage: message,
    detail: body === undefined ? describeNonJsonBody(response) : detail,
  };

  if (status >= 300 && status < 400) {
    const location = headerValue(response, 'location');
    return new ServiceNowUnavailableError({
      ...base,
      kind: 'unavailable',
      detail: location ? `redirected to ${location}` : 'redirected',
      retryable: false,
      advice:
        'The instance redirected an API call, which happens with http:// instead of https:// or an SSO ' +
        'login page in front of the API. Check SERVICENOW_INSTANCE_URL.',
    });
  }

  if (status === 401) {
    return new ServiceNowAuthError({ ...base, kind: 'authentication', retryable: false, advice: context.advice });
  }

  if (status === 403 && /data policy/i.test(`${message ?? ''} ${detail ?? ''}`)) {
    return new ServiceNowDataPolicyError({
      ...base,
      kind: 'data-policy',
      retryable: false,
      advice:
        'Set the mandatory fields named in the detail in the sync rule; resolving an incident usually ' +
        'needs close_code and close_notes.',
    });
  }

  // A business rule that aborted the write is not a missing role: granting one would not help.
  if (status === 403 && /aborted by business rule/i.test(`${message ?? ''} ${detail ?? ''}`)) {
    return new ServiceNowRequestError({
      ...base,
      kind: 'bad-request',
      retryable: false,
      advice:
        'A business rule on the instance rejected this write (named in the detail). For a change request, ' +
        'the state model allows one move at a time: write the states in order with lifecycle.resolve.steps.',
    });
  }

  if (status === 403) {
    return new ServiceNowPermissionError({
      ...base,
      kind: 'permission',
      retryable: false,
      advice: `Grant the integration user a role that may ${verbOf(context.operation)} ${
        context.table ?? 'these'
      } records (for example itil for incident), or adjust the ACL.`,
    });
  }

  if (status === 404) {
    return new ServiceNowNotFoundError({
      ...base,
      kind: 'not-found',
      retryable: false,
      advice: 'The record was deleted, or an ACL hides it from the integration user.',
    });
  }

  if (status === 429) {
    return new ServiceNowRateLimitError({
      ...base,
      kind: 'rate-limited',
      retryable: true,
      retryAfterMs: readRetryAfterMs(response),
      advice:
        "The instance's inbound REST API rate limit was reached. Lower the sync concurrency, or ask the " +
        'ServiceNow admin to raise the rate limit rule for the integration user.',
    });
  }

  if (status === 408 || status >= 500) {
    return new ServiceNowServerError({
      ...base,
      kind: 'server',
      retryable: true,
      retryAfterMs: readRetryAfterMs(response),
      advice:
        body === undefined
          ? UNAVAILABLE_ADVICE
          : "The instance failed to process the request. Check the instance's system log for it.",
    });
  }

  return new ServiceNowRequestError({
    ...base,
    kind: 'bad-request',
    retryable: false,
    advice: 'Check the table name, the field names and the query in the sync rule.',
  });
}

/**
 * Describe an error that came without an HTTP response (refused, reset, timed out), keeping only
 * the error code and message. The axios error itself is dropped, because its `config` contains the
 * Authorization header and, for token requests, the client secret.
 */
export function describeNetworkError(error: unknown): Pick<ServiceNowErrorContext, 'cause' | 'detail' | 'advice'> {
  const { cause, detail, timedOut } = describeFailure(error);

  return {
    cause,
    detail,
    advice: timedOut
      ? 'The instance did not answer in time. Raise SERVICENOW_TIMEOUT_MS if the instance is slow.'
      : 'Check SERVICENOW_INSTANCE_URL and the network path to the instance.',
  };
}

/**
 * Milliseconds the instance asked us to wait: `Retry-After` (seconds or an HTTP date) first, then
 * `X-RateLimit-Reset` (UNIX seconds). Undefined when neither is present or readable.
 */
export function readRetryAfterMs(response: AxiosResponse, now: number = Date.now()): number | undefined {
  return readWaitMs(response, 'unix-seconds', now);
}

const UNAVAILABLE_ADVICE =
  'The instance did not answer with Table API JSON: it may be hibernating (developer instances wake ' +
  'up when someone signs in), under maintenance, or behind a proxy or SSO page. Check ' +
  'SERVICENOW_INSTANCE_URL and that the instance is awake.';

function recordContext(context: ResponseContext): Pick<ServiceNowErrorContext, 'operation' | 'table' | 'sysId'> {
  return { operation: context.operation, table: context.table, sysId: context.sysId };
}

function readErrorBody(body: unknown): { message?: string; detail?: string } {
  if (typeof body !== 'object' || body === null || !('error' in body)) {
    return {};
  }

  const error = body.error;
  if (typeof error !== 'object' || error === null) {
    return {};
  }

  const message = 'message' in error && typeof error.message === 'string' ? error.message : undefined;
  const detail = 'detail' in error && typeof error.detail === 'string' ? error.detail : undefined;
  return { message, detail };
}

function verbOf(operation: string): string {
  const verb = operation.split(' ')[0];
  return verb === 'query' || verb === 'get' ? 'read' : (verb ?? 'access');
}
