/**
 * Error bodies and HTTP plumbing of the Jira simulator. The platform API's errors are
 * `{"errorMessages": [...], "errors": {field: message}}`, except a 401, which is
 * `{"message", "status-code"}`. The JSM API (`/rest/servicedeskapi`) uses
 * `{"errorMessage", "i18nErrorMessage"}`.
 *
 * NOTE: the wording of messages not taken from a recorded response (those marked "recorded" below)
 * is modelled on Jira's but not verified against a site.
 */

import type { ServerResponse } from 'node:http';

import { type SimulatorResponse, writeResponse } from '../simulator-http.js';

/** A response the simulator is about to send. `send` writes no body for a null body, as for an undefined one. */
export type Answer = SimulatorResponse;

/** The platform API's error body. */
export interface ErrorCollection {
  errorMessages: string[];
  errors: Record<string, string>;
}

export const JSON_CONTENT_TYPE = 'application/json;charset=UTF-8';

/** Build a response with the platform API's error body. */
export function errorAnswer(status: number, errorMessages: string[], errors: Record<string, string> = {}): Answer {
  return { status, body: { errorMessages, errors } satisfies ErrorCollection };
}

/** Build a response with the JSM API's error body. */
export function jsmErrorAnswer(status: number, message: string, i18nKey: string): Answer {
  return { status, body: { errorMessage: message, i18nErrorMessage: { i18nKey, parameters: [] } } };
}

/** Recorded: the 401 body of a request without valid credentials. */
export const UNAUTHENTICATED_BODY = { message: 'Client must be authenticated to access this resource.', 'status-code': 401 };

/** Recorded: Cloud's 401 for basic auth with a password instead of an API token. */
export const PASSWORD_BASIC_AUTH_BODY =
  'Basic authentication with passwords is deprecated.  For more information, see: https://developer.atlassian.com/cloud/confluence/deprecation-notice-basic-auth/';

export const MESSAGES = {
  /** Recorded. */
  issueNotFound: 'Issue does not exist or you do not have permission to see it.',
  /** Recorded. */
  summaryMissing: 'You must specify a summary of the issue.',
  /** Recorded. */
  summaryTooLong: 'Summary must be less than 255 characters.',
  /** Recorded. */
  notAdf: 'Operation value must be an Atlassian Document (see the Atlassian Document Format)',
  /** Recorded. */
  textTooLong: (limit: number) => `The entered text is too long. It exceeds the allowed limit of ${limit.toLocaleString('en-US')} characters.`,
  /** Recorded. */
  labelWithSpace: (label: string) => `The label '${label}' contains spaces which is invalid.`,
  /** Recorded. */
  notOnScreen: (field: string) => `Field '${field}' cannot be set. It is not on the appropriate screen, or unknown.`,
  /** Recorded. */
  fieldRequired: (name: string) => `Field '${name}' is required`,
  /** Recorded. */
  transitionNotValid: (id: string) => `Transition id '${id}' is not valid for this issue.`,
  /** Recorded. */
  jqlFieldUnknown: (field: string) => `Field '${field}' does not exist or you do not have permission to view it.`,
  /** Recorded. */
  jqlUnbounded: 'Unbounded JQL queries are not allowed here. Please add a search restriction to your query.',
  labelTooLong: (label: string) => `The label '${label}' exceeds the maximum length for a single label of 255 characters.`,
  notString: 'Operation value must be a string',
  notNumber: 'Operation value must be a number',
  notArray: 'Operation value must be an array',
  projectInvalid: 'Specify a valid project ID or key',
  issueTypeMissing: 'Specify an issue type',
  issueTypeInvalid: 'Specify a valid issue type',
  priorityInvalid: 'The priority selected is invalid.',
  resolutionInvalid: (value: string) => `Could not find resolution with name or id '${value}'.`,
  userInvalid: (field: string) => `Specify a valid value for ${field}`,
  optionInvalid: (value: string) => `Option value '${value}' is not valid`,
  dateInvalid: "Invalid date format. Please enter the date in the format \"yyyy-MM-dd'T'HH:mm:ss.SSSZ\".",
  requestTypeInvalid: (value: string) => `The request type '${value}' is not a request type of this project for this issue type.`,
  fieldInBothPlaces: (field: string) => `Field '${field}' cannot be set in both 'fields' and 'update'.`,
  updateOperationInvalid: (field: string) => `The 'update' operation for field '${field}' is not supported.`,
  commentEmpty: 'Comment body can not be empty!',
  transitionMissing: "Missing 'transition' identifier",
  invalidJson: 'The request body is not valid JSON.',
  invalidBody: 'The request body must be a JSON object.',
  propertyNotFound: (key: string) => `The property with key '${key}' does not exist.`,
  propertyKeyTooLong: 'The property key cannot be longer than 255 characters.',
  propertyValueTooLong: 'The property value cannot be longer than 32768 bytes.',
  statusNotFound: (idOrName: string) => `The status with id or name '${idOrName}' does not exist.`,
  projectNotFound: (keyOrId: string) => `No project could be found with key '${keyOrId}'.`,
  searchRemoved:
    'The requested API has been removed. Use POST /rest/api/3/search/jql, which pages with nextPageToken instead of startAt.',
  invalidPageToken: 'The nextPageToken is invalid or belongs to another query. Start again without a nextPageToken.',
  maxResultsInvalid: (value: string, max: number) => `The value '${value}' is invalid for maxResults: use a whole number from 1 to ${max}.`,
  startAtInvalid: (value: string) => `The value '${value}' is invalid for startAt: use a whole number of 0 or more.`,
  tooManyOrderBy: (max: number) => `The ORDER BY clause can contain at most ${max} fields.`,
  resourceNotFound: (path: string) => `No resource at ${path} on this Jira site.`,
  methodNotAllowed: (method: string) => `Method ${method} is not allowed for this resource.`,
  rateLimited: 'Rate limit exceeded.',
  serviceUnavailable: 'Jira is temporarily unavailable. Try again later.',
} as const;

/** Parse a JSON request body. An empty body is `undefined`; invalid JSON throws SyntaxError. */
export function parseJsonBody(text: string): unknown {
  return text.trim() === '' ? undefined : (JSON.parse(text) as unknown);
}

/**
 * Write a response with Jira's `X-Arequestid` header: objects as JSON, strings as HTML unless a
 * Content-Type is given, no body for 204, undefined or null.
 */
export function send(response: ServerResponse, answer: Answer): void {
  const headers = { 'X-Arequestid': requestId(), ...answer.headers };
  writeResponse(response, { status: answer.status, body: answer.body ?? undefined, headers }, { 'Content-Type': JSON_CONTENT_TYPE });
}

let requestCounter = 0;

/** Return a request id for Jira's `X-Arequestid` header. */
function requestId(): string {
  requestCounter += 1;
  return `sim-${requestCounter.toString(16).padStart(8, '0')}`;
}
