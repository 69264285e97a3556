import type { AxiosInstance, AxiosResponse } from 'axios';
import { pino, type Logger } from 'pino';

import type { RetryPolicy } from '../http/backoff.js';
import { sendWithFreshToken } from '../http/credentials.js';
import { createRestHttpClient, type RestRequest } from '../http/http-client.js';
import { sendWithRetries } from '../http/retry.js';
import { checkBaseUrl, readRequestSettings, type RequestSettings } from '../http/settings.js';
import {
  createJiraAuthProvider,
  type JiraAuthConfig,
  type JiraAuthProvider,
  type JiraDeployment,
  OAuthClientCredentialsProvider,
} from './auth.js';
import { JiraConfigError, JiraError, JiraInputError, JiraNotFoundError, JiraUnavailableError } from './errors.js';
import type { Jql } from './jql.js';
import { classifyErrorResponse, networkError, readJsonAnswer, type ResponseContext, unexpectedAnswer } from './responses.js';

export { ATLASSIAN_TOKEN_URL, type JiraAuthConfig, type JiraDeployment } from './auth.js';

/** Settings of a JiraClient, with the timeout and retry settings of every REST client. */
export interface JiraClientConfig extends RequestSettings {
  /**
   * Base URL of the REST API: the site (`https://acme.atlassian.net`, or `https://jira.acme.com/jira`
   * with a Data Center context path), or `https://api.atlassian.com/ex/jira/<cloud id>` with OAuth.
   */
  baseUrl: string;
  deployment: JiraDeployment;
  auth: JiraAuthConfig;
  logger?: Logger;
}

/** One call of the Jira REST, JSM or Assets API, for `JiraClient.send`. */
export interface JiraRequest extends RestRequest {
  /** Key or id of the issue the call is about, for error messages. */
  issue?: string;
}

/** An issue as REST returns it: `fields` contains the requested fields. */
export interface JiraIssue {
  id: string;
  /** The issue key, such as `SEC-17`; empty when Jira left it out (a search that asked for no fields). */
  key: string;
  self?: string;
  fields: Record<string, unknown>;
  /** Present when the request asked for `expand: 'changelog'`. */
  changelog?: unknown;
}

/** A transition available from the issue's current status, with its screen fields. */
export interface JiraTransition {
  id: string;
  name: string;
  to: { id: string; name: string; statusCategory?: { key: string } };
  fields?: Record<string, { required: boolean; name: string; hasDefaultValue?: boolean; allowedValues?: unknown[] }>;
}

/** A comment: `body` is an ADF document on Cloud (REST v3) and a wiki markup string on Data Center. */
export interface JiraComment {
  id: string;
  body: unknown;
  author?: { accountId?: string; name?: string; displayName?: string };
  created: string;
  updated?: string;
  /** On JSM projects: true when the comment is visible to the customer. */
  jsdPublic?: boolean;
}

/** A JSM date as `/rest/servicedeskapi` writes it. */
export interface JsmDate {
  iso8601: string;
  epochMillis: number;
  jira?: string;
  friendly?: string;
}

/** One approver of a JSM approval and their decision. */
export interface JsmApprover {
  /** `accountId` on Cloud; `key` and `name` on Data Center. */
  approver: { accountId?: string; key?: string; name?: string; displayName?: string };
  approverDecision: 'approved' | 'declined' | 'pending';
}

/** One approval of a JSM request (an approval step of its workflow). */
export interface JsmApproval {
  id: string;
  name: string;
  finalDecision: 'approved' | 'declined' | 'pending';
  canAnswerApproval: boolean;
  approvers: JsmApprover[];
  createdDate?: JsmDate;
  completedDate?: JsmDate;
}

/** The user the client authenticates as. */
export interface JiraMyself {
  /** Cloud. */
  accountId?: string;
  /** Data Center. */
  name?: string;
  /** Data Center. */
  key?: string;
  displayName: string;
  /** IANA id of the profile's time zone: JQL date literals are read in it. */
  timeZone?: string;
}

/** A system or custom field, from `GET /field`. */
export interface JiraField {
  id: string;
  name: string;
  custom: boolean;
  schema?: { type: string; custom?: string; items?: string; system?: string; customId?: number };
}

/** A workflow status, from `GET /status/{idOrName}`. */
export interface JiraStatus {
  id: string;
  name: string;
  statusCategory: { key: string };
}

/** Options of `searchIssues`. */
export interface SearchOptions {
  /** Issues per request (`maxResults`), 1 to 5,000. Default 100. Jira may return fewer. */
  pageSize?: number;
  /** `expand`, such as `changelog`; several are separated by commas. */
  expand?: string;
}

/** Options of `createIssue`. */
export interface CreateIssueOptions {
  /**
   * Looks for the issue that an earlier attempt of this create may have made. It is called before
   * every retry, because a POST that timed out or got a 5xx may still have created the issue. When
   * it returns an issue, that issue is the result and no further POST is sent.
   */
  findExisting?: () => Promise<{ id: string; key: string; self: string } | undefined>;
}

/** A JiraRequest with what only the client itself sets. */
interface ClientRequest extends JiraRequest {
  /** Called before each retry; a value it returns ends the operation (see CreateIssueOptions). */
  recover?: () => Promise<unknown>;
}

const DEFAULT_PAGE_SIZE = 100;
/** Largest `maxResults` of Cloud's search/jql (for id-only searches; Jira returns fewer with fields). */
const MAX_PAGE_SIZE = 5_000;
const COMMENT_PAGE_SIZE = 100;
const APPROVAL_PAGE_SIZE = 50;
/** Jira's limit on entity property keys. */
const MAX_PROPERTY_KEY_LENGTH = 255;
const ISSUE_ID_OR_KEY = /^(?:[A-Za-z][A-Za-z0-9_]*-[1-9][0-9]*|[1-9][0-9]*)$/;
const NUMERIC_ID = /^[0-9]+$/;

/**
 * A client for the Jira REST API (Cloud v3 or Data Center v2) and the JSM API.
 *
 * It authenticates with a Cloud API token (basic), a Data Center personal access token, or Cloud
 * OAuth 2.0 client credentials, fetching a new token once on a 401. It retries network errors,
 * timeouts, 5xx, 429 and responses that are not JSON with exponential backoff and jitter, honouring
 * `Retry-After` and Jira's ISO-time `X-RateLimit-Reset`. Every failure becomes a JiraError subclass
 * that names the operation, the issue, Jira's messages and field errors, and the setting to fix.
 *
 * Text fields are sent as given: render them first with `renderText` (ADF on Cloud, wiki markup on
 * Data Center).
 *
 * @example
 * ```ts
 * const client = new JiraClient({
 *   baseUrl: 'https://acme.atlassian.net',
 *   deployment: 'cloud',
 *   auth: { type: 'basic', email: 'itsm-sync@acme.com', apiToken: process.env.JIRA_API_TOKEN! },
 * });
 * const created = await client.createIssue({ project: { key: 'SEC' }, issuetype: { name: 'Bug' }, summary: 'S3 bucket is public' });
 * for await (const issue of client.searchIssues(new Jql().equals('project', 'SEC'), ['summary', 'status'])) {
 *   console.log(issue.key, issue.fields.summary);
 * }
 * ```
 */
export class JiraClient {
  /** Number of HTTP requests sent to Jira, retries included and token requests excluded. */
  calls = 0;

  readonly deployment: JiraDeployment;
  readonly baseUrl: string;
  /** `/rest/api/3` on Cloud, `/rest/api/2` on Data Center. */
  readonly apiPath: string;

  private readonly http: AxiosInstance;
  private readonly auth: JiraAuthProvider;
  private readonly logger: Logger;
  private readonly retryPolicy: RetryPolicy;

  constructor(config: JiraClientConfig) {
    this.deployment = readDeployment(config.deployment);
    this.baseUrl = checkBaseUrl(
      config.baseUrl,
      {
        label: 'Jira base URL',
        example: 'https://acme.atlassian.net (Cloud) or https://jira.acme.com (Data Center)',
        credentialSettings: 'JIRA_EMAIL/JIRA_API_TOKEN, or JIRA_CLIENT_ID/JIRA_CLIENT_SECRET',
      },
      (message) => new JiraConfigError('baseUrl', message),
    );
    this.apiPath = this.deployment === 'cloud' ? '/rest/api/3' : '/rest/api/2';

    const { timeoutMs, retryPolicy } = readRequestSettings('Jira', config, (option, message) => new JiraConfigError(option, message));
    this.retryPolicy = retryPolicy;
    this.logger = config.logger ?? pino({ level: 'silent' });

    this.http = createRestHttpClient({ baseURL: this.baseUrl, timeoutMs });
    this.auth = createJiraAuthProvider(config.auth, this.deployment, this.http);
  }

  /** Number of OAuth token requests made so far (0 without OAuth). */
  get tokenRequests(): number {
    return this.auth instanceof OAuthClientCredentialsProvider ? this.auth.tokenRequests : 0;
  }

  /**
   * Send one request with authentication and retries, and return the JSON response body (undefined
   * for 204 or an empty body). Throws a JiraError subclass for every failure.
   */
  async send<T>(request: JiraRequest): Promise<T> {
    return (await this.sendRequest(request)) as T;
  }

  /** Create an issue (POST, 201) and return its id, key and URL. */
  async createIssue(fields: Record<string, unknown>, options: CreateIssueOptions = {}): Promise<{ id: string; key: string; self: string }> {
    const operation = 'create issue';
    const findExisting = options.findExisting;

    const answer = await this.sendRequest({
      operation,
      method: 'POST',
      path: `${this.apiPath}/issue`,
      body: { fields },
      recover: findExisting
        ? async () => {
            const existing = await findExisting();
            if (existing !== undefined) {
              this.logger.info(
                { operation, issue: existing.key },
                'Jira create: found the issue made by an earlier attempt; not creating another',
              );
            }
            return existing;
          }
        : undefined,
    });

    if (!isRecord(answer) || typeof answer.id !== 'string' || typeof answer.key !== 'string') {
      throw this.unexpected(operation, undefined, 'an issue reference {id, key, self}');
    }

    return { id: answer.id, key: answer.key, self: typeof answer.self === 'string' ? answer.self : '' };
  }

  /** Write the given fields to an issue (PUT, 204). */
  async updateIssue(idOrKey: string, fields: Record<string, unknown>): Promise<void> {
    await this.sendRequest({
      operation: 'update issue',
      issue: checkIssue(idOrKey),
      method: 'PUT',
      path: this.issuePath(idOrKey),
      body: { fields },
    });
  }

  /**
   * Read an issue with the given fields (all navigable fields when the list is empty). Returns
   * undefined on a 404: the issue was deleted, moved away, or is hidden from the integration user.
   */
  async getIssue(idOrKey: string, fields: string[], options: { expand?: string } = {}): Promise<JiraIssue | undefined> {
    const operation = 'get issue';
    const params: Record<string, string> = {};
    if (fields.length > 0) {
      params.fields = fields.join(',');
    }
    if (options.expand) {
      params.expand = options.expand;
    }

    const answer = await this.readOrUndefined({ operation, issue: checkIssue(idOrKey), method: 'GET', path: this.issuePath(idOrKey), params });
    if (answer === undefined) {
      return undefined;
    }

    return readIssue(answer) ?? this.failUnexpected(operation, idOrKey, 'an issue');
  }

  /** List the transitions available from the issue's current status, with the fields of their screens. */
  async getTransitions(idOrKey: string): Promise<JiraTransition[]> {
    const operation = 'get transitions';
    const answer = await this.sendRequest({
      operation,
      issue: checkIssue(idOrKey),
      method: 'GET',
      path: `${this.issuePath(idOrKey)}/transitions`,
      params: { expand: 'transitions.fields' },
    });

    if (!isRecord(answer) || !Array.isArray(answer.transitions)) {
      throw this.unexpected(operation, idOrKey, 'a list of transitions');
    }

    return answer.transitions.filter(isTransition);
  }

  /** Move an issue through one transition (POST, 204), with the fields its screen takes. */
  async transitionIssue(idOrKey: string, transitionId: string, fields?: Record<string, unknown>): Promise<void> {
    if (!NUMERIC_ID.test(transitionId)) {
      throw new JiraInputError('transitionId', `Invalid transition id ${JSON.stringify(transitionId)}: transition ids are numbers, such as "31".`);
    }

    await this.sendRequest({
      operation: 'transition issue',
      issue: checkIssue(idOrKey),
      method: 'POST',
      path: `${this.issuePath(idOrKey)}/transitions`,
      body: fields === undefined ? { transition: { id: transitionId } } : { transition: { id: transitionId }, fields },
    });
  }

  /** Add a comment. `body` is already rendered: an ADF document on Cloud, a wiki string on Data Center. */
  async addComment(idOrKey: string, body: unknown): Promise<JiraComment> {
    const operation = 'add comment';
    const answer = await this.sendRequest({
      operation,
      issue: checkIssue(idOrKey),
      method: 'POST',
      path: `${this.issuePath(idOrKey)}/comment`,
      body: { body },
    });

    return readComment(answer) ?? this.failUnexpected(operation, idOrKey, 'a comment');
  }

  /** Iterate over the comments of an issue, oldest first, one page (startAt) at a time. */
  async *listComments(idOrKey: string): AsyncIterable<JiraComment> {
    const operation = 'list comments';
    checkIssue(idOrKey);
    const seen = new Set<string>();

    for (let startAt = 0; ; ) {
      const answer = await this.sendRequest({
        operation,
        issue: idOrKey,
        method: 'GET',
        path: `${this.issuePath(idOrKey)}/comment`,
        params: { startAt: String(startAt), maxResults: String(COMMENT_PAGE_SIZE), orderBy: 'created' },
      });

      if (!isRecord(answer) || !Array.isArray(answer.comments)) {
        throw this.unexpected(operation, idOrKey, 'a page of comments');
      }

      const comments = answer.comments.map((item) => readComment(item) ?? this.failUnexpected(operation, idOrKey, 'a comment'));
      const fresh = comments.filter((comment) => !seen.has(comment.id));
      for (const comment of fresh) {
        seen.add(comment.id);
        yield comment;
      }

      startAt += comments.length;
      const total = typeof answer.total === 'number' ? answer.total : undefined;
      if (comments.length === 0 || (total !== undefined && startAt >= total) || this.endsWithoutNews(operation, idOrKey, fresh.length)) {
        return;
      }
    }
  }

  /** Store a value as an issue entity property (PUT, 200 or 201). */
  async setIssueProperty(idOrKey: string, key: string, value: unknown): Promise<void> {
    await this.sendRequest({
      operation: 'set issue property',
      issue: checkIssue(idOrKey),
      method: 'PUT',
      path: this.propertyPath(idOrKey, key),
      body: value,
    });
  }

  /** Read the value of an issue entity property, or undefined when the issue has no such property. */
  async getIssueProperty(idOrKey: string, key: string): Promise<unknown | undefined> {
    const operation = 'get issue property';
    const answer = await this.readOrUndefined({ operation, issue: checkIssue(idOrKey), method: 'GET', path: this.propertyPath(idOrKey, key) });

    if (answer === undefined) {
      return undefined;
    }
    if (!isRecord(answer) || !('value' in answer)) {
      throw this.unexpected(operation, idOrKey, 'an entity property {key, value}');
    }

    return answer.value;
  }

  /**
   * Iterate over the issues that match a JQL query, each once, in pages.
   *
   * Cloud uses `POST /rest/api/3/search/jql` and follows `nextPageToken`. It stops when the token
   * is missing, `isLast` is true or a page is empty, and throws JiraUnavailableError when Jira sends
   * a token twice, so iteration always ends. Data Center uses `POST /rest/api/2/search` and follows
   * `startAt` until `total` is reached or a page is empty.
   *
   * NOTE: Jira's search index lags a few seconds behind writes, so an issue created just now may be
   * missing. Never use a search to decide whether an issue exists before creating one.
   */
  async *searchIssues(jql: Jql | string, fields: string[], options: SearchOptions = {}): AsyncIterable<JiraIssue> {
    const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE_SIZE) {
      throw new JiraInputError('pageSize', `Invalid pageSize ${pageSize}: it must be an integer from 1 to ${MAX_PAGE_SIZE}.`);
    }

    const query = jql.toString();
    if (this.deployment === 'cloud') {
      yield* this.searchCloud(query, fields, pageSize, options.expand);
    } else {
      yield* this.searchDataCenter(query, fields, pageSize, options.expand);
    }
  }

  /** Read the user the client authenticates as (`GET /myself`). */
  async myself(): Promise<JiraMyself> {
    const operation = 'get myself';
    const answer = await this.sendRequest({ operation, method: 'GET', path: `${this.apiPath}/myself` });

    if (!isRecord(answer) || typeof answer.displayName !== 'string') {
      throw this.unexpected(operation, undefined, 'a user');
    }

    return {
      accountId: optionalText(answer.accountId),
      name: optionalText(answer.name),
      key: optionalText(answer.key),
      displayName: answer.displayName,
      timeZone: optionalText(answer.timeZone),
    };
  }

  /** List the system and custom fields of the site (`GET /field`). */
  async listFields(): Promise<JiraField[]> {
    const operation = 'list fields';
    const answer = await this.sendRequest({ operation, method: 'GET', path: `${this.apiPath}/field` });

    if (!Array.isArray(answer)) {
      throw this.unexpected(operation, undefined, 'a list of fields');
    }

    return answer.filter((item): item is JiraField => isRecord(item) && typeof item.id === 'string' && typeof item.name === 'string').map((field) => ({
      id: field.id,
      name: field.name,
      custom: field.custom === true,
      ...(isRecord(field.schema) ? { schema: field.schema } : {}),
    }));
  }

  /** Read a workflow status by id or name, or undefined when the site has no such status. */
  async getStatus(idOrName: string): Promise<JiraStatus | undefined> {
    const operation = 'get status';
    if (idOrName.trim() === '') {
      throw new JiraInputError('status', 'Invalid status: the id or name is empty.');
    }

    const answer = await this.readOrUndefined({ operation, method: 'GET', path: `${this.apiPath}/status/${encodeURIComponent(idOrName)}` });
    if (answer === undefined) {
      return undefined;
    }

    const category = isRecord(answer) && isRecord(answer.statusCategory) ? answer.statusCategory : undefined;
    if (!isRecord(answer) || typeof answer.id !== 'string' || typeof answer.name !== 'string' || typeof category?.key !== 'string') {
      throw this.unexpected(operation, undefined, 'a status with a statusCategory');
    }

    return { id: answer.id, name: answer.name, statusCategory: { key: category.key } };
  }

  /** List every approval of a JSM request, across all pages of `/rest/servicedeskapi/request/{key}/approval`. */
  async listApprovals(idOrKey: string): Promise<JsmApproval[]> {
    const operation = 'list approvals';
    checkIssue(idOrKey);
    const approvals: JsmApproval[] = [];
    const seen = new Set<string>();

    for (let start = 0; ; ) {
      const answer = await this.sendRequest({
        operation,
        issue: idOrKey,
        method: 'GET',
        path: `/rest/servicedeskapi/request/${encodeURIComponent(idOrKey)}/approval`,
        params: { start: String(start), limit: String(APPROVAL_PAGE_SIZE) },
      });

      if (!isRecord(answer) || !Array.isArray(answer.values)) {
        throw this.unexpected(operation, idOrKey, 'a page of approvals');
      }

      const page = answer.values.map((item) => readApproval(item) ?? this.failUnexpected(operation, idOrKey, 'an approval'));
      const fresh = page.filter((approval) => !seen.has(approval.id));
      for (const approval of fresh) {
        seen.add(approval.id);
        approvals.push(approval);
      }

      start += page.length;
      if (page.length === 0 || answer.isLastPage === true || this.endsWithoutNews(operation, idOrKey, fresh.length)) {
        return approvals;
      }
    }
  }

  /** Approve or decline a JSM approval as the integration user, who must be one of its approvers. */
  async answerApproval(idOrKey: string, approvalId: string, decision: 'approve' | 'decline'): Promise<JsmApproval> {
    const operation = 'answer approval';
    if (!NUMERIC_ID.test(approvalId)) {
      throw new JiraInputError('approvalId', `Invalid approval id ${JSON.stringify(approvalId)}: approval ids are numbers.`);
    }
    if (decision !== 'approve' && decision !== 'decline') {
      throw new JiraInputError('decision', `Invalid approval decision ${JSON.stringify(decision)}: use "approve" or "decline".`);
    }

    const answer = await this.sendRequest({
      operation,
      issue: checkIssue(idOrKey),
      method: 'POST',
      path: `/rest/servicedeskapi/request/${encodeURIComponent(idOrKey)}/approval/${approvalId}`,
      body: { decision },
    });

    return readApproval(answer) ?? this.failUnexpected(operation, idOrKey, 'an approval');
  }

  private async *searchCloud(jql: string, fields: string[], pageSize: number, expand: string | undefined): AsyncIterable<JiraIssue> {
    const operation = 'search issues';
    const seenIssues = new Set<string>();
    const seenTokens = new Set<string>();
    let nextPageToken: string | undefined;

    for (;;) {
      const answer = await this.sendRequest({
        operation,
        method: 'POST',
        path: '/rest/api/3/search/jql',
        body: {
          jql,
          fields,
          maxResults: pageSize,
          ...(nextPageToken === undefined ? {} : { nextPageToken }),
          ...(expand ? { expand } : {}),
        },
      });

      const issues = this.readIssuePage(answer, operation);
      for (const issue of issues) {
        if (!seenIssues.has(issue.id)) {
          seenIssues.add(issue.id);
          yield issue;
        }
      }

      // Jira leaves nextPageToken out on the last page (the documentation says null); both end paging.
      const token = isRecord(answer) && typeof answer.nextPageToken === 'string' && answer.nextPageToken !== '' ? answer.nextPageToken : undefined;
      const isLast = isRecord(answer) && answer.isLast === true;
      if (issues.length === 0 || isLast || token === undefined) {
        return;
      }

      if (seenTokens.has(token)) {
        throw new JiraUnavailableError({
          kind: 'unavailable',
          operation,
          detail: 'Jira sent the same nextPageToken twice, so paging would never end',
          retryable: false,
          advice: 'Search the same JQL again later. If it keeps happening, check that JIRA_BASE_URL points at Jira itself and not at a caching proxy.',
        });
      }
      seenTokens.add(token);
      nextPageToken = token;
    }
  }

  private async *searchDataCenter(jql: string, fields: string[], pageSize: number, expand: string | undefined): AsyncIterable<JiraIssue> {
    const operation = 'search issues';
    const seenIssues = new Set<string>();

    for (let startAt = 0; ; ) {
      const answer = await this.sendRequest({
        operation,
        method: 'POST',
        path: '/rest/api/2/search',
        body: {
          jql,
          fields,
          startAt,
          maxResults: pageSize,
          ...(expand ? { expand: expand.split(',').map((part) => part.trim()) } : {}),
        },
      });

      const issues = this.readIssuePage(answer, operation);
      const fresh = issues.filter((issue) => !seenIssues.has(issue.id));
      for (const issue of fresh) {
        seenIssues.add(issue.id);
        yield issue;
      }

      // Jira may return fewer than maxResults per page (its own cap), so the next page starts after
      // what arrived, not after what was asked for.
      startAt += issues.length;
      const total = isRecord(answer) && typeof answer.total === 'number' ? answer.total : undefined;
      if (issues.length === 0 || (total !== undefined && startAt >= total) || this.endsWithoutNews(operation, undefined, fresh.length)) {
        return;
      }
    }
  }

  private readIssuePage(answer: unknown, operation: string): JiraIssue[] {
    if (!isRecord(answer) || !Array.isArray(answer.issues)) {
      throw this.unexpected(operation, undefined, 'a page of issues');
    }

    return answer.issues.map((item) => readIssue(item) ?? this.failUnexpected(operation, undefined, 'an issue'));
  }

  /**
   * Check whether paging must stop because a page brought nothing new. That happens when the server
   * ignores the paging parameters, and going on would loop forever.
   */
  private endsWithoutNews(operation: string, issue: string | undefined, freshCount: number): boolean {
    if (freshCount > 0) {
      return false;
    }

    this.logger.warn({ operation, issue }, 'Jira sent a page with nothing new; stopping paging to avoid an endless loop');
    return true;
  }

  /** Send a read; a 404 gives undefined. */
  private async readOrUndefined(request: ClientRequest): Promise<unknown> {
    try {
      return await this.sendRequest(request);
    } catch (error) {
      if (error instanceof JiraNotFoundError) {
        return undefined;
      }
      throw error;
    }
  }

  private async sendRequest(request: ClientRequest): Promise<unknown> {
    checkPath(request.path);

    return sendWithRetries(() => this.sendOnce(request), {
      service: 'Jira',
      policy: this.retryPolicy,
      logger: this.logger,
      logContext: { operation: request.operation, issue: request.issue },
      isFailure: (error): error is JiraError => error instanceof JiraError,
      recover: request.recover,
    });
  }

  /** Send the request once; on a 401 with OAuth, fetch a new token and send it once more. */
  private async sendOnce(request: ClientRequest): Promise<unknown> {
    const context = this.responseContext(request);

    const response = await sendWithFreshToken(
      this.auth,
      (authorization) => this.request(request, authorization, context),
      () =>
        this.logger.info(
          { operation: request.operation, issue: request.issue, status: 401 },
          'Jira rejected the OAuth token; fetching a new one',
        ),
    );

    if (response.status >= 200 && response.status < 300) {
      return readJsonAnswer(response, context);
    }

    throw classifyErrorResponse(response, context);
  }

  private async request(request: ClientRequest, authorization: string, context: ResponseContext): Promise<AxiosResponse> {
    this.calls += 1;

    const headers: Record<string, string> = { Authorization: authorization };
    if (request.body !== undefined) {
      headers['Content-Type'] = 'application/json';
    }

    try {
      return await this.http.request({
        method: request.method,
        url: request.path,
        params: request.params,
        // Serialized here so that a property value that is a bare string or number is sent as JSON too.
        data: request.body === undefined ? undefined : JSON.stringify(request.body),
        headers,
      });
    } catch (error) {
      throw networkError(error, context);
    }
  }

  private responseContext(request: ClientRequest): ResponseContext {
    return {
      operation: request.operation,
      issue: request.issue,
      authAdvice: this.auth.advice,
      urlSetting: /^https?:\/\//i.test(request.path) ? 'JIRA_ASSETS_URL' : 'JIRA_BASE_URL',
    };
  }

  private issuePath(idOrKey: string): string {
    return `${this.apiPath}/issue/${encodeURIComponent(idOrKey)}`;
  }

  private propertyPath(idOrKey: string, key: string): string {
    if (key === '' || key.length > MAX_PROPERTY_KEY_LENGTH) {
      throw new JiraInputError(
        'propertyKey',
        `Invalid issue property key ${JSON.stringify(key.slice(0, 50))}: it must be 1 to ${MAX_PROPERTY_KEY_LENGTH} characters long.`,
      );
    }

    return `${this.issuePath(idOrKey)}/properties/${encodeURIComponent(key)}`;
  }

  private unexpected(operation: string, issue: string | undefined, expected: string): JiraUnavailableError {
    return unexpectedAnswer({ operation, issue, urlSetting: 'JIRA_BASE_URL' }, expected);
  }

  private failUnexpected(operation: string, issue: string | undefined, expected: string): never {
    throw this.unexpected(operation, issue, expected);
  }
}

function readDeployment(deployment: unknown): JiraDeployment {
  if (deployment === 'cloud' || deployment === 'datacenter') {
    return deployment;
  }

  throw new JiraConfigError(
    'deployment',
    `Invalid Jira deployment ${JSON.stringify(deployment)}: use "cloud" (Atlassian Cloud, REST v3) or "datacenter" (REST v2) in JIRA_DEPLOYMENT.`,
  );
}

/** Check an issue key or id before it goes into a URL path, and return it. */
function checkIssue(idOrKey: string): string {
  if (typeof idOrKey !== 'string' || !ISSUE_ID_OR_KEY.test(idOrKey)) {
    throw new JiraInputError(
      'issue',
      `Invalid Jira issue key or id ${JSON.stringify(idOrKey)}: use a key such as "SEC-17" or a numeric id such as "10042".`,
    );
  }
  return idOrKey;
}

function checkPath(path: string): void {
  const relative = path.startsWith('/') && !path.startsWith('//');
  const absolute = /^https?:\/\/[^/]/i.test(path);

  if (!relative && !absolute) {
    throw new JiraInputError(
      'path',
      `Invalid Jira request path ${JSON.stringify(path)}: use a path such as "/rest/api/3/issue" or an absolute http(s) URL.`,
    );
  }
}

function readIssue(value: unknown): JiraIssue | undefined {
  if (!isRecord(value) || (typeof value.id !== 'string' && typeof value.id !== 'number')) {
    return undefined;
  }

  return {
    id: String(value.id),
    key: typeof value.key === 'string' ? value.key : '',
    ...(typeof value.self === 'string' ? { self: value.self } : {}),
    fields: isRecord(value.fields) ? value.fields : {},
    ...('changelog' in value ? { changelog: value.changelog } : {}),
  };
}

function readComment(value: unknown): JiraComment | undefined {
  if (!isRecord(value) || typeof value.id !== 'string' || typeof value.created !== 'string') {
    return undefined;
  }

  const author = isRecord(value.author) ? value.author : undefined;
  return {
    id: value.id,
    body: value.body,
    ...(author
      ? { author: { accountId: optionalText(author.accountId), name: optionalText(author.name), displayName: optionalText(author.displayName) } }
      : {}),
    created: value.created,
    ...(typeof value.updated === 'string' ? { updated: value.updated } : {}),
    ...(typeof value.jsdPublic === 'boolean' ? { jsdPublic: value.jsdPublic } : {}),
  };
}

function readApproval(value: unknown): JsmApproval | undefined {
  if (!isRecord(value) || (typeof value.id !== 'string' && typeof value.id !== 'number') || !isDecision(value.finalDecision)) {
    return undefined;
  }

  const approvers = Array.isArray(value.approvers)
    ? value.approvers.filter(isApprover).map((entry) => ({
        approver: {
          accountId: optionalText(entry.approver.accountId),
          key: optionalText(entry.approver.key),
          name: optionalText(entry.approver.name),
          displayName: optionalText(entry.approver.displayName),
        },
        approverDecision: entry.approverDecision,
      }))
    : [];
  return {
    id: String(value.id),
    name: typeof value.name === 'string' ? value.name : '',
    finalDecision: value.finalDecision,
    canAnswerApproval: value.canAnswerApproval === true,
    approvers,
    ...(isJsmDate(value.createdDate) ? { createdDate: value.createdDate } : {}),
    ...(isJsmDate(value.completedDate) ? { completedDate: value.completedDate } : {}),
  };
}

function isTransition(value: unknown): value is JiraTransition {
  return isRecord(value) && typeof value.id === 'string' && typeof value.name === 'string' && isRecord(value.to) && typeof value.to.name === 'string';
}

function isApprover(value: unknown): value is { approver: Record<string, unknown>; approverDecision: JsmApprover['approverDecision'] } {
  return isRecord(value) && isRecord(value.approver) && isDecision(value.approverDecision);
}

function isDecision(value: unknown): value is JsmApproval['finalDecision'] {
  return value === 'approved' || value === 'declined' || value === 'pending';
}

function isJsmDate(value: unknown): value is JsmDate {
  return isRecord(value) && typeof value.iso8601 === 'string' && typeof value.epochMillis === 'number';
}

function optionalText(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
