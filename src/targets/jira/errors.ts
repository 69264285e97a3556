/**
 * Errors raised by the Jira REST client.
 *
 * Every error names the operation and the issue, the HTTP status, Jira's own messages
 * (`errorMessages`, or `message` of a Cloud 401) and field errors (`errors`), and an advice that
 * names the setting or mapping field to fix (see ApiError, which keeps secrets out of them).
 */

import { ApiError, oneLine, type ApiErrorContext } from '../http/api-error.js';
import { ClientConfigError, ClientInputError, QueryConditionError } from '../http/client-errors.js';

/** The category of failure, for callers that branch on it. */
export type JiraErrorKind =
  /** 401: the credentials, the token or the OAuth client were rejected. */
  | 'authentication'
  /** 403: the integration user lacks a project permission. */
  | 'permission'
  /** 404: the issue (or other resource) does not exist or the user may not see it. */
  | 'not-found'
  /** 400 and other 4xx: a field value, a transition or a JQL query was rejected. */
  | 'bad-request'
  /** 410: the endpoint was removed (the old Cloud `/rest/api/3/search`). */
  | 'gone'
  /** 429: a Jira rate limit was reached. */
  | 'rate-limited'
  /** 5xx from Jira. */
  | 'server'
  /** A response that is not Jira's REST JSON: a proxy or SSO page, a maintenance page, a redirect. */
  | 'unavailable'
  /** No HTTP response at all: connection refused or reset, DNS failure, timeout. */
  | 'network';

/** The context that every Jira error carries. */
export interface JiraErrorContext extends ApiErrorContext<JiraErrorKind> {
  /** Key or id of the issue the operation worked on. */
  issue?: string;
  /** Jira's `errorMessages`, or the `message` of a Cloud 401 body. */
  jiraMessages?: readonly string[];
  /** Jira's `errors`: field id → message, such as `summary` → `You must specify a summary of the issue.` */
  fieldErrors?: Readonly<Record<string, string>>;
}

/**
 * A failed call to the Jira REST API, the JSM API, the Assets API or the OAuth token endpoint.
 *
 * Catch it to read `kind`, `status`, `jiraMessages`, `fieldErrors` and `retryable`. `attempts` is
 * the number of HTTP requests made before the client gave up.
 *
 * @example
 * ```ts
 * try {
 *   await client.createIssue({ project: { key: 'SEC' }, summary: '' });
 * } catch (error) {
 *   if (error instanceof JiraRequestError) {
 *     logger.error({ fieldErrors: error.fieldErrors }, 'the mapping must set these fields');
 *   }
 * }
 * ```
 */
export class JiraError extends ApiError<JiraErrorKind> {
  override name = 'JiraError';
  readonly issue?: string;
  readonly jiraMessages: readonly string[];
  readonly fieldErrors: Readonly<Record<string, string>>;

  constructor(context: JiraErrorContext) {
    super(context);
    this.issue = context.issue;
    this.jiraMessages = context.jiraMessages ?? [];
    this.fieldErrors = context.fieldErrors ?? {};
    this.refreshMessage();
  }

  protected subject(): string {
    return this.issue === undefined ? `Jira ${this.operation}` : `Jira ${this.operation} (issue ${this.issue})`;
  }

  protected systemMessages(): string[] {
    return [
      ...this.jiraMessages.map((message) => `"${oneLine(message)}"`),
      ...Object.entries(this.fieldErrors).map(([field, message]) => `${field}: "${oneLine(message)}"`),
    ];
  }
}

/** 401 from Jira, or a token request rejected by the OAuth token endpoint. Not retryable. */
export class JiraAuthError extends JiraError {
  override name = 'JiraAuthError';
}

/** 403: the integration user lacks a project permission, such as Transition issues. Not retryable. */
export class JiraPermissionError extends JiraError {
  override name = 'JiraPermissionError';
}

/** 404: the issue does not exist, was moved, or the integration user may not browse it. Not retryable. */
export class JiraNotFoundError extends JiraError {
  override name = 'JiraNotFoundError';
}

/**
 * 400 and the other 4xx statuses: Jira rejected a field value ("Field 'priority' is required"), a
 * transition or a JQL query. Not retryable; `fieldErrors` names the fields.
 */
export class JiraRequestError extends JiraError {
  override name = 'JiraRequestError';
}

/**
 * 429: a Jira rate limit was reached. Retryable, after `retryAfterMs` when Jira sent
 * `Retry-After` or `X-RateLimit-Reset`, otherwise after the client's own backoff.
 */
export class JiraRateLimitError extends JiraError {
  override name = 'JiraRateLimitError';
}

/**
 * 5xx, or a response that is not Jira's REST JSON (an HTML page from a proxy or an SSO login, a 2xx
 * with a body that is not JSON), or a redirect. Retryable, except for redirects and responses of an
 * unexpected shape.
 */
export class JiraUnavailableError extends JiraError {
  override name = 'JiraUnavailableError';
}

/** No HTTP response: connection refused or reset, DNS failure or timeout. Retryable. */
export class JiraNetworkError extends JiraError {
  override name = 'JiraNetworkError';
}

/**
 * 410 Gone: Jira removed the endpoint. Jira Cloud answers 410 on the old `/rest/api/2/search`
 * and `/rest/api/3/search`, which a client configured for Data Center would call. Not retryable.
 */
export class JiraGoneError extends JiraError {
  override name = 'JiraGoneError';
}

/**
 * Invalid client configuration, such as a base URL with credentials in it or a missing API token.
 * `option` names the setting: `baseUrl`, `auth.apiToken`, `maxRetries`, ...
 */
export class JiraConfigError extends ClientConfigError {
  override name = 'JiraConfigError';
}

/**
 * A value that the client rejects before sending anything: an invalid issue key, a page size out
 * of range, a property key that is too long. `input` names the checked input: `issue`, `pageSize`,
 * `propertyKey`, `path`, ...
 */
export class JiraInputError extends ClientInputError {
  override name = 'JiraInputError';
}

/** A condition that the JQL builder cannot write safely, such as a value with a line break. */
export class JqlError extends QueryConditionError {
  override name = 'JqlError';
}

/** Text cannot be made to fit a Jira field, such as a length limit smaller than the cut marker. */
export class JiraFieldLimitError extends Error {
  override name = 'JiraFieldLimitError';
}

