/**
 * Errors raised by the ServiceNow Table API client and target.
 *
 * Every error names the operation ("create incident", "update incident 9f2c…"), the HTTP status and
 * ServiceNow's own `error.message` / `error.detail`, and tells the reader what to do next (see
 * ApiError, which keeps secrets out of them).
 */

import { ApiError, type ApiErrorContext } from '../http/api-error.js';
import { ClientConfigError, ClientInputError, QueryConditionError } from '../http/client-errors.js';

/** The category of failure, for callers that branch on it. */
export type ServiceNowErrorKind =
  /** 401: the credentials or the OAuth client were rejected. */
  | 'authentication'
  /** 403 from an ACL: the integration user lacks a role. */
  | 'permission'
  /** 403 "Data Policy Exception": a mandatory field is missing. */
  | 'data-policy'
  /** 404: the record does not exist or an ACL hides it. */
  | 'not-found'
  /** Any other 4xx (invalid table, invalid query, negative offset, ...). */
  | 'bad-request'
  /** 429: the instance's inbound REST rate limit was exceeded. */
  | 'rate-limited'
  /** 5xx from the instance. */
  | 'server'
  /** A response that is not the Table API's JSON: a hibernating instance, a proxy or SSO page, a redirect. */
  | 'unavailable'
  /** No HTTP response at all: connection refused or reset, DNS failure, timeout. */
  | 'network';

/** The context that every ServiceNow error carries. */
export interface ServiceNowErrorContext extends ApiErrorContext<ServiceNowErrorKind> {
  table?: string;
  sysId?: string;
  /** ServiceNow's `error.message`, for example `User Not Authenticated`. */
  serviceNowMessage?: string;
}

/**
 * A failed call to the ServiceNow Table API (or its OAuth token endpoint).
 *
 * Catch it to read `kind`, `status`, `serviceNowMessage`, `detail` (ServiceNow's `error.detail`,
 * for example `Data Policy Exception: ...`) and `retryable`. `attempts` is the number of HTTP
 * requests made before the client gave up.
 *
 * @example
 * ```ts
 * try {
 *   await client.updateRecord('incident', sysId, { state: '6' });
 * } catch (error) {
 *   if (error instanceof ServiceNowError && error.kind === 'data-policy') {
 *     logger.error({ detail: error.detail }, 'the mapping must set close_code and close_notes');
 *   }
 * }
 * ```
 */
export class ServiceNowError extends ApiError<ServiceNowErrorKind> {
  override name = 'ServiceNowError';
  readonly table?: string;
  readonly sysId?: string;
  readonly serviceNowMessage?: string;

  constructor(context: ServiceNowErrorContext) {
    super(context);
    this.table = context.table;
    this.sysId = context.sysId;
    this.serviceNowMessage = context.serviceNowMessage;
    this.refreshMessage();
  }

  protected subject(): string {
    return `ServiceNow ${this.operation}`;
  }

  protected systemMessages(): string[] {
    return this.serviceNowMessage ? [`"${this.serviceNowMessage}"`] : [];
  }
}

/** 401 from the Table API, or a token request rejected by `/oauth_token.do`. Not retryable. */
export class ServiceNowAuthError extends ServiceNowError {
  override name = 'ServiceNowAuthError';
}

/** 403 from an ACL (`User Not Authorized`). Not retryable. */
export class ServiceNowPermissionError extends ServiceNowError {
  override name = 'ServiceNowPermissionError';
}

/** 403 `Data Policy Exception`: the write lacks a mandatory field. Not retryable. */
export class ServiceNowDataPolicyError extends ServiceNowError {
  override name = 'ServiceNowDataPolicyError';
}

/** 404 `No Record found`. Not retryable. */
export class ServiceNowNotFoundError extends ServiceNowError {
  override name = 'ServiceNowNotFoundError';
}

/** Any other 4xx, such as an invalid table or a negative offset. Not retryable. */
export class ServiceNowRequestError extends ServiceNowError {
  override name = 'ServiceNowRequestError';
}

/** 429 from the inbound REST rate limiter. Retryable, after `retryAfterMs` when the instance gave a wait time. */
export class ServiceNowRateLimitError extends ServiceNowError {
  override name = 'ServiceNowRateLimitError';
}

/** 5xx from the instance. Retryable. */
export class ServiceNowServerError extends ServiceNowError {
  override name = 'ServiceNowServerError';
}

/**
 * A response that is not Table API JSON: an HTML page from a hibernating instance or a proxy, a
 * 2xx without `result`, or a redirect. Retryable, except for redirects.
 */
export class ServiceNowUnavailableError extends ServiceNowError {
  override name = 'ServiceNowUnavailableError';
}

/** No HTTP answer: connection refused or reset, DNS failure or timeout. Retryable. */
export class ServiceNowNetworkError extends ServiceNowError {
  override name = 'ServiceNowNetworkError';
}

/** Invalid client configuration, such as an instance URL with credentials in it. `option` names the setting. */
export class ServiceNowConfigError extends ClientConfigError {
  override name = 'ServiceNowConfigError';
}

/**
 * A value that the client or target rejects before sending anything: an invalid table name,
 * sys_id or field name, a field value that ServiceNow cannot store, a correlation value that is
 * too long. `input` names the checked input: `table`, `sys_id`, `field`, `correlation`, ...
 */
export class ServiceNowInputError extends ClientInputError {
  override name = 'ServiceNowInputError';
}

/** A condition that cannot be expressed safely as a ServiceNow encoded query. `field` names its field. */
export class EncodedQueryError extends QueryConditionError {
  override name = 'EncodedQueryError';
}
