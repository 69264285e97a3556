/** Turning Jira's HTTP responses into values and JiraError subclasses. */

import type { AxiosResponse } from 'axios';

import { describeNetworkError } from '../http/network-error.js';
import { describeNonJsonBody, headerValue, isEmptyBody, parseJsonBody } from '../http/response-body.js';
import { readRetryAfterMs } from '../http/retry-after.js';
import {
  JiraAuthError,
  JiraError,
  type JiraErrorContext,
  JiraGoneError,
  JiraNetworkError,
  JiraNotFoundError,
  JiraPermissionError,
  JiraRateLimitError,
  JiraRequestError,
  JiraUnavailableError,
} from './errors.js';

/** The call a response belongs to, for error messages. */
export interface ResponseContext {
  operation: string;
  issue?: string;
  /** Advice for a 401, which depends on the kind of authentication. */
  authAdvice: string;
  /** The setting that contains the URL of the request: `JIRA_BASE_URL`, or `JIRA_ASSETS_URL` for Assets. */
  urlSetting: string;
}

/** Jira's own words from an error body. */
export interface JiraErrorBody {
  messages: string[];
  fieldErrors: Record<string, string>;
}

/**
 * Read the messages of a Jira error body. Jira writes them in three shapes:
 * - platform REST and Assets: `{"errorMessages": [...], "errors": {"field": "message"}}`;
 * - Cloud 401: `{"message": "...", "status-code": 401}`;
 * - JSM (`/rest/servicedeskapi`): `{"errorMessage": "...", "i18nErrorMessage": {...}}`.
 */
export function readJiraErrorBody(body: unknown): JiraErrorBody {
  const messages: string[] = [];
  const fieldErrors: Record<string, string> = {};

  if (!isRecord(body)) {
    return { messages, fieldErrors };
  }

  if (Array.isArray(body.errorMessages)) {
    messages.push(...body.errorMessages.filter((message): message is string => typeof message === 'string' && message !== ''));
  }

  for (const key of ['message', 'errorMessage'] as const) {
    const message = body[key];
    if (typeof message === 'string' && message !== '') {
      messages.push(message);
    }
  }

  if (isRecord(body.errors)) {
    for (const [field, message] of Object.entries(body.errors)) {
      if (typeof message === 'string') {
        fieldErrors[field] = message;
      }
    }
  }

  return { messages, fieldErrors };
}

/**
 * Return the JSON body of a 2xx response, or undefined for a response without content (204, or an
 * empty body). Throws a retryable JiraUnavailableError when the body is not JSON, such as the HTML
 * page of a proxy that responded in Jira's place.
 */
export function readJsonAnswer(response: AxiosResponse, context: ResponseContext): unknown {
  if (response.status === 204 || isEmptyBody(response)) {
    return undefined;
  }

  const body = parseJsonBody(response);
  if (body !== undefined) {
    return body;
  }

  throw new JiraUnavailableError({
    ...callContext(context),
    kind: 'unavailable',
    status: response.status,
    detail: describeNonJsonBody(response),
    retryable: true,
    advice: unavailableAdvice(context),
  });
}

/** Build the error for a non-2xx response, choosing the class from the status and the body. */
export function classifyErrorResponse(response: AxiosResponse, context: ResponseContext): JiraError {
  const status = response.status;
  const body = parseJsonBody(response);
  const { messages, fieldErrors } = readJiraErrorBody(body);
  const base = {
    ...callContext(context),
    status,
    jiraMessages: messages,
    fieldErrors,
    detail: body === undefined && !isEmptyBody(response) ? describeNonJsonBody(response) : undefined,
  };

  if (status >= 300 && status < 400) {
    const location = headerValue(response, 'location');
    return new JiraUnavailableError({
      ...base,
      kind: 'unavailable',
      detail: location ? `redirected to ${location}` : 'redirected',
      retryable: false,
      advice:
        'Jira redirected an API call, which happens with http:// instead of https://, a renamed site, or an SSO ' +
        `login page in front of the API. Check ${context.urlSetting}.`,
    });
  }

  if (status === 401) {
    return new JiraAuthError({ ...base, kind: 'authentication', retryable: false, advice: context.authAdvice });
  }

  if (status === 403) {
    return new JiraPermissionError({ ...base, kind: 'permission', retryable: false, advice: permissionAdvice(context.operation) });
  }

  if (status === 404) {
    return new JiraNotFoundError({
      ...base,
      kind: 'not-found',
      retryable: false,
      advice:
        context.issue !== undefined
          ? 'The issue was deleted or moved to another project, or the integration user lacks the Browse projects permission on it.'
          : `Jira does not know this resource. Check ${context.urlSetting} (with the context path on Data Center) and the names in the sync rule.`,
    });
  }

  if (status === 410) {
    return new JiraGoneError({
      ...base,
      kind: 'gone',
      retryable: false,
      advice:
        'Jira removed this endpoint. Atlassian Cloud answers 410 to /rest/api/2/search and /rest/api/3/search: ' +
        'for a Cloud site set JIRA_DEPLOYMENT=cloud, so that searches use POST /rest/api/3/search/jql.',
    });
  }

  if (status === 429) {
    const reason = headerValue(response, 'ratelimit-reason');
    return new JiraRateLimitError({
      ...base,
      kind: 'rate-limited',
      detail: reason ? `RateLimit-Reason: ${reason}` : base.detail,
      retryable: true,
      retryAfterMs: readRetryAfterMs(response, 'iso-8601'),
      advice:
        'A Jira rate limit was reached. Lower the sync concurrency; "jira-per-issue-on-write" means too many ' +
        'writes to one issue in a short time.',
    });
  }

  if (status === 408 || status >= 500) {
    return new JiraUnavailableError({
      ...base,
      kind: 'server',
      retryable: true,
      retryAfterMs: readRetryAfterMs(response, 'iso-8601'),
      advice:
        body === undefined
          ? unavailableAdvice(context)
          : 'Jira failed to process the request. If it keeps failing, look for the request in the Jira logs or on the Atlassian status page.',
    });
  }

  return new JiraRequestError({ ...base, kind: 'bad-request', retryable: false, advice: requestAdvice(context.operation, fieldErrors) });
}

/** Build the error for a request that got no HTTP response (refused, reset, timed out). Retryable. */
export function networkError(error: unknown, context: ResponseContext): JiraNetworkError {
  const { cause, detail, timedOut } = describeNetworkError(error);

  return new JiraNetworkError({
    ...callContext(context),
    kind: 'network',
    detail,
    cause,
    retryable: true,
    advice: timedOut
      ? 'Jira did not answer in time. Raise JIRA_TIMEOUT_MS if the site is slow.'
      : `Check ${context.urlSetting} and the network path to Jira.`,
  });
}

/** Build the error for a 2xx response whose JSON does not have the documented shape. Not retryable. */
export function unexpectedAnswer(context: Omit<ResponseContext, 'authAdvice'>, expected: string): JiraUnavailableError {
  return new JiraUnavailableError({
    operation: context.operation,
    issue: context.issue,
    kind: 'unavailable',
    detail: `the answer is not ${expected}`,
    retryable: false,
    advice: `Check that ${context.urlSetting} points at Jira itself and not at a proxy that rewrites answers.`,
  });
}

/** Project permissions by operation, for the advice of a 403. */
const PERMISSIONS: Readonly<Record<string, string>> = {
  'create issue': 'Create issues',
  'update issue': 'Edit issues',
  'transition issue': 'Transition issues (and Resolve issues for a resolution)',
  'add comment': 'Add comments',
  'set issue property': 'Edit issues',
  'answer approval': 'be one of the approvers of the request',
};

function permissionAdvice(operation: string): string {
  const permission = PERMISSIONS[operation];

  if (permission === undefined) {
    return (
      "Grant the integration user the permission this call needs in the project's permission scheme " +
      '(Browse projects to read; Create issues, Edit issues, Transition issues or Add comments to write).'
    );
  }

  if (permission.startsWith('be ')) {
    return `Only an approver can decide an approval: the integration user must ${permission}.`;
  }

  return `Grant the integration user the "${permission}" permission in the project's permission scheme.`;
}

function requestAdvice(operation: string, fieldErrors: Record<string, string>): string {
  if (operation === 'search issues') {
    return (
      'Check the JQL: every field must exist and be visible to the integration user, and Jira Cloud rejects a ' +
      'query without a search restriction such as a project.'
    );
  }

  if (Object.values(fieldErrors).some((message) => /not on the appropriate screen/i.test(message))) {
    return "Add the field to the screen of this issue type (or of the transition) in the project's screen scheme, or remove it from the sync rule.";
  }

  if (operation === 'transition issue') {
    return 'Check the transition and the fields its screen requires, such as resolution, in the sync rule.';
  }

  return (
    'Check the values that the sync rule writes to the fields named above (field ids as listed by GET /rest/api/3/field, ' +
    'or /rest/api/2/field on Data Center).'
  );
}

function unavailableAdvice(context: Pick<ResponseContext, 'urlSetting'>): string {
  return (
    'Jira did not answer with REST API JSON: a proxy, an SSO login page or a maintenance page answered instead. ' +
    `Check ${context.urlSetting} and that the site is up.`
  );
}

function callContext(context: Pick<ResponseContext, 'operation' | 'issue'>): Pick<JiraErrorContext, 'operation' | 'issue'> {
  return { operation: context.operation, issue: context.issue };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
