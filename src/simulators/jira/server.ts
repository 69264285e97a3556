import type { IncomingMessage, Server, ServerResponse } from 'node:http';

import { pino, type Logger } from 'pino';

import { isTimeZone } from '../../core/time-zone.js';
import { closeServer, readRequestBody, startSimulatorServer } from '../simulator-http.js';
import { preloadAdfSchema, textToAdf } from './adf.js';
import { handleAssetsRequest } from './assets/routes.js';
import { AssetsStore } from './assets/store.js';
import { DEFAULT_CUSTOM_FIELDS } from './catalog.js';
import {
  ApprovalDecisionError,
  InvalidJiraSimulatorOptionError,
  JiraSimulatorRequestError,
  UnknownJiraIssueError,
  UnknownJiraUserError,
  WorkflowPathError,
} from './errors.js';
import { FaultQueue, faultAnswer, RateLimiter } from './faults.js';
import { IssueService, type Rejection } from './issue-service.js';
import { type IssueEntry, IssueStore } from './issue-store.js';
import { commentJson, helperIssueJson, type ViewContext } from './issue-views.js';
import { addRequestComment, answerApproval, approvalJson, getApproval, listApprovals, type JsmRouteContext } from './jsm-routes.js';
import * as platform from './platform-routes.js';
import { DEFAULT_PROJECTS } from './projects.js';
import {
  type Answer,
  errorAnswer,
  MESSAGES,
  parseJsonBody,
  PASSWORD_BASIC_AUTH_BODY,
  send,
  UNAUTHENTICATED_BODY,
} from './responses.js';
import { searchCloud, searchDataCenter, searchParametersFromBody, searchParametersFromQuery, type SearchContext } from './search.js';
import type {
  JiraApprovalView,
  JiraCommentView,
  JiraIssueView,
  JiraSimulator,
  JiraSimulatorOptions,
  RecordedJiraRequest,
} from './simulator-types.js';
import { JiraSite } from './site.js';
import { defaultJiraUsers, type SimulatedJiraUser } from './users.js';
import { transitionPath } from './workflows.js';

export type {
  HelperCommentOptions,
  JiraApprovalView,
  JiraCommentView,
  JiraIssueView,
  JiraSimulator,
  JiraSimulatorOptions,
  JiraStatusView,
  RecordedJiraRequest,
} from './simulator-types.js';

const MAX_REQUEST_LOG = 100_000;
const DEFAULT_OAUTH_CLIENT = { clientId: 'local-only-client', clientSecret: 'local-only-secret' } as const;
/** Sent with a 401, as recorded from Jira Cloud. */
const UNAUTHENTICATED_HEADERS = {
  'WWW-Authenticate': 'OAuth realm="jira-simulator"',
  'X-Seraph-Loginreason': 'AUTHENTICATED_FAILED',
};

/** The inputs of a route handler. */
interface RouteRequest {
  user: SimulatedJiraUser;
  apiVersion: '2' | '3';
  query: URLSearchParams;
  body: unknown;
}

interface Route {
  method: string;
  /** Such as `/rest/api/3/issue/{issueIdOrKey}`. */
  template: string;
  pattern: RegExp;
  handle(request: RouteRequest, params: string[]): Answer;
}

/**
 * Start a Jira simulator on 127.0.0.1, for Cloud or Data Center. It serves the platform REST API:
 * issues with Jira's field checks (ADF on Cloud REST v3), workflows reached by transitions,
 * comments, entity properties, JQL search with the search index's lag, and site configuration.
 * It also serves JSM approvals and request comments and the Assets API. It takes basic, bearer
 * and OAuth authentication, and can script failures and rate limits.
 *
 * @example
 * ```ts
 * const jira = await startJiraSimulator({ deployment: 'cloud', searchLagMs: 200, changeApprovers: ['casey.example@example.com'] });
 * const auth = 'Basic ' + Buffer.from('itsm-sync-bot@example.com:local-only-api-token').toString('base64');
 * await fetch(`${jira.url}/rest/api/3/issue`, {
 *   method: 'POST',
 *   headers: { Authorization: auth, 'Content-Type': 'application/json' },
 *   body: JSON.stringify({ fields: { project: { key: 'SEC' }, issuetype: { name: 'Task' }, summary: 'Rotate the key' } }),
 * });
 * jira.transitionTo('SEC-1', 'Done', 'avery.agent@example.com');
 * await jira.close();
 * ```
 */
export async function startJiraSimulator(options: JiraSimulatorOptions): Promise<JiraSimulator> {
  const logger = options.logger ?? pino({ level: 'warn' }, pino.destination(2));
  await preloadAdfSchema();
  const state = new SimulatorState(options, logger);

  const { server, url } = await startSimulatorServer({
    port: options.port,
    name: 'Jira simulator',
    logger,
    handle: (request, response) => state.handle(request, response),
    sendInternalError: (response) => send(response, errorAnswer(500, ['Internal server error in the Jira simulator.'])),
  });

  state.baseUrl = url;
  return state.handleFor(server);
}

/** The state behind one simulator: the site, its issues, the routes, faults and the request log. */
class SimulatorState {
  baseUrl = '';
  readonly requests: RecordedJiraRequest[] = [];
  readonly calls: Record<string, number> = {};
  private readonly deployment: JiraSimulatorOptions['deployment'];
  private readonly site: JiraSite;
  private readonly store: IssueStore;
  private readonly service: IssueService;
  private readonly assets: AssetsStore;
  private readonly faults = new FaultQueue();
  private rateLimiter: RateLimiter | undefined;
  private readonly routes: Route[];
  private readonly clock: () => number;
  private readonly latencyMs: number;
  private readonly tokenTtlSeconds: number;
  private totalCallCount = 0;

  constructor(
    private readonly options: JiraSimulatorOptions,
    logger: Logger,
  ) {
    this.deployment = checkOptions(options);
    const timeZone = options.timeZone ?? 'Etc/UTC';

    if (this.deployment === 'datacenter' && options.oauthClients !== undefined) {
      throw new InvalidJiraSimulatorOptionError('oauthClients', 'oauthClients is a Cloud option: Data Center logins use personal access tokens.');
    }
    this.site = new JiraSite({
      deployment: this.deployment,
      projects: options.projects ?? DEFAULT_PROJECTS,
      customFields: options.customFields ?? DEFAULT_CUSTOM_FIELDS,
      users: options.users ?? defaultJiraUsers(this.deployment),
      oauthClients: this.deployment === 'cloud' ? (options.oauthClients ?? [DEFAULT_OAUTH_CLIENT]) : [],
      timeZone,
      logger,
    });

    const approvers = options.changeApprovers ?? [];
    for (const login of approvers) {
      if (this.site.users.find(login) === undefined) {
        throw new InvalidJiraSimulatorOptionError(
          'changeApprovers',
          `Unknown change approver ${JSON.stringify(login)}: add a user with that login to the users option. ` +
            `Users: ${this.site.users.users.map((user) => user.login).join(', ')}.`,
        );
      }
    }

    const clockOption = options.clock;
    this.clock = clockOption === undefined ? () => Date.now() : () => clockOption().getTime();
    this.latencyMs = options.latencyMs ?? 0;
    this.tokenTtlSeconds = options.tokenTtlSeconds ?? 3600;
    this.store = new IssueStore(options.searchLagMs ?? 0);
    this.service = new IssueService(this.site, this.store, this.clock, () => Date.now(), {
      approvers: approvers.map((login) => this.site.users.find(login)?.login ?? login),
      requiredApprovals: options.requiredApprovals ?? 1,
    });
    this.assets = new AssetsStore(options.assets);
    this.rateLimiter = options.rateLimit === undefined ? undefined : new RateLimiter(options.rateLimit, Date.now());
    this.routes = this.buildRoutes();
  }

  /** Build the public handle around the running server. */
  handleFor(server: Server): JiraSimulator {
    const site = this.site;
    return {
      url: this.baseUrl,
      deployment: this.deployment,
      calls: this.calls,
      requests: this.requests,
      users: site.users.users,
      assets: this.assets,
      close: () => closeServer(server),
      totalCalls: () => this.totalCallCount,
      issue: (keyOrId) => {
        const entry = this.store.find(keyOrId);
        return entry === undefined ? undefined : this.issueView(entry);
      },
      issues: (projectKey) =>
        this.store
          .all()
          .filter((entry) => projectKey === undefined || site.projectById(entry.record.projectId).key === projectKey.toUpperCase())
          .map((entry) => this.issueView(entry)),
      createIssue: (fields, asUser) => {
        const user = asUser === undefined ? this.firstUser() : this.requireUser(asUser);
        const created = this.service.createIssue({ fields: this.plainTextToNative(fields) }, user, site.nativeApiVersion);
        if ('rejection' in created) {
          throw requestError('create of an issue', created.rejection);
        }
        return this.issueView(created.entry);
      },
      editIssue: (keyOrId, fields, asUser) => {
        const entry = this.requireIssue(keyOrId);
        const rejection = this.service.editIssue(entry, { fields: this.plainTextToNative(fields) }, this.requireUser(asUser), site.nativeApiVersion);
        if (rejection !== undefined) {
          throw requestError(`edit of ${entry.record.key}`, rejection);
        }
        return this.issueView(entry);
      },
      transitionTo: (keyOrId, statusName, asUser, fields = {}) => this.transitionTo(keyOrId, statusName, asUser, fields),
      addComment: (keyOrId, text, asUser, commentOptions = {}) => {
        const entry = this.requireIssue(keyOrId);
        const user = this.requireUser(asUser);
        const project = this.service.projectOf(entry.record);
        const body = site.deployment === 'cloud' ? textToAdf(text) : text;
        const jsdPublic = project.serviceDeskId !== undefined && commentOptions.internal !== true;
        const comment = this.service.addComment(entry, { body, jsdPublic }, user);
        return commentJson(this.helperView(), entry.record, comment) as JiraCommentView;
      },
      decideApproval: (keyOrId, approverLogin, decision, comment) => this.decideApproval(keyOrId, approverLogin, decision, comment),
      approvals: (keyOrId) => {
        const entry = this.requireIssue(keyOrId);
        return entry.approvals.map((approval) => approvalJson(this.helperView(), entry, approval, this.firstUser()) as JiraApprovalView);
      },
      comments: (keyOrId) => {
        const entry = this.requireIssue(keyOrId);
        return entry.comments.map((comment) => commentJson(this.helperView(), entry.record, comment) as JiraCommentView);
      },
      properties: (keyOrId) => Object.fromEntries([...this.requireIssue(keyOrId).properties].map(([key, value]) => [key, structuredClone(value)])),
      failNext: (fault) => this.faults.add(fault),
      expireTokens: () => site.users.expireTokens(),
      reset: () => {
        this.store.clear();
        this.requests.length = 0;
        for (const key of Object.keys(this.calls)) {
          delete this.calls[key];
        }
        this.totalCallCount = 0;
        this.faults.clear();
        this.rateLimiter = this.options.rateLimit === undefined ? undefined : new RateLimiter(this.options.rateLimit, Date.now());
      },
    };
  }

  async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://simulator.invalid');
    const method = (request.method ?? 'GET').toUpperCase();
    const path = url.pathname.length > 1 ? url.pathname.replace(/\/+$/, '') : url.pathname;
    const bodyText = await readRequestBody(request);

    const match = this.match(method, path);
    const template = match?.route?.template ?? match?.template;
    const counterKey = `${method} ${template ?? path}`;
    this.calls[counterKey] = (this.calls[counterKey] ?? 0) + 1;
    this.totalCallCount += 1;

    if (this.latencyMs > 0) {
      await new Promise((resolve) => setTimeout(resolve, this.latencyMs));
    }

    let login: string | undefined;
    let answer: Answer;
    const fault = this.faults.take(method, path, template);
    if (fault !== undefined && fault.afterProcessing !== true) {
      answer = faultAnswer(fault);
    } else {
      const processed = this.process(request, method, path, url.searchParams, bodyText, match);
      login = processed.login;
      answer = fault === undefined ? processed.answer : faultAnswer(fault);
    }

    this.log({
      method,
      path,
      template,
      query: Object.fromEntries(url.searchParams),
      status: answer.status,
      // The token request carries the client secret, which is never kept.
      body: path === '/oauth/token' ? undefined : safeJson(bodyText),
      login,
    });
    send(response, answer);
  }

  /** Respond to a request that no scripted failure replaced: rate limit, token endpoint, authentication, then the route. */
  private process(
    request: IncomingMessage,
    method: string,
    path: string,
    query: URLSearchParams,
    bodyText: string,
    match: ReturnType<SimulatorState['match']>,
  ): { answer: Answer; login?: string } {
    const limited = this.rateLimiter?.take(Date.now());
    if (limited !== undefined) {
      return { answer: limited };
    }

    if (this.deployment === 'cloud' && path === '/oauth/token') {
      return { answer: method === 'POST' ? this.answerTokenRequest(request, bodyText) : errorAnswer(405, [MESSAGES.methodNotAllowed(method)]) };
    }

    const outcome = this.site.users.authenticate(request.headers.authorization, Date.now());
    if ('failure' in outcome) {
      if (outcome.failure === 'password-on-cloud') {
        return { answer: { status: 401, body: PASSWORD_BASIC_AUTH_BODY, headers: { 'Content-Type': 'text/plain;charset=UTF-8' } } };
      }
      return { answer: { status: 401, body: UNAUTHENTICATED_BODY, headers: UNAUTHENTICATED_HEADERS } };
    }
    const user = outcome.user;

    let body: unknown;
    try {
      body = parseJsonBody(bodyText);
    } catch {
      return { answer: errorAnswer(400, [MESSAGES.invalidJson]), login: user.login };
    }

    const route = match?.route;
    if (route !== undefined) {
      const apiVersion = route.template.startsWith('/rest/api/3/') ? '3' : '2';
      return { answer: route.handle({ user, apiVersion, query, body }, match?.params ?? []), login: user.login };
    }
    if (match !== undefined) {
      return { answer: errorAnswer(405, [MESSAGES.methodNotAllowed(method)]), login: user.login };
    }

    const assetsAnswer = handleAssetsRequest({ method, path, query, body, user, deployment: this.deployment, store: this.assets });
    return { answer: assetsAnswer ?? errorAnswer(404, [MESSAGES.resourceNotFound(path)]), login: user.login };
  }

  /**
   * `POST /oauth/token` with `grant_type=client_credentials`, `client_id` and `client_secret`, as
   * JSON (as Atlassian documents it) or as a form.
   */
  private answerTokenRequest(request: IncomingMessage, bodyText: string): Answer {
    let parameters: Record<string, unknown> = {};
    try {
      if ((request.headers['content-type'] ?? '').includes('application/x-www-form-urlencoded')) {
        parameters = Object.fromEntries(new URLSearchParams(bodyText));
      } else {
        const parsed = parseJsonBody(bodyText);
        parameters = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
      }
    } catch {
      return { status: 400, body: { error: 'invalid_request', error_description: 'The request body is not valid JSON.' } };
    }

    if (parameters.grant_type !== 'client_credentials') {
      return { status: 400, body: { error: 'unsupported_grant_type', error_description: 'Only grant_type client_credentials is supported here.' } };
    }
    const token = this.site.users.issueToken(String(parameters.client_id ?? ''), String(parameters.client_secret ?? ''), this.tokenTtlSeconds, Date.now());
    if (token === undefined) {
      return { status: 401, body: { error: 'access_denied', error_description: 'Unauthorized' } };
    }
    return { status: 200, body: { access_token: token, expires_in: this.tokenTtlSeconds, token_type: 'Bearer', scope: 'read:jira-work write:jira-work' } };
  }

  /** Find the route of a request; a path that matches with another method gives its template only. */
  private match(method: string, path: string): { route?: Route; template?: string; params: string[] } | undefined {
    let template: string | undefined;
    for (const route of this.routes) {
      const found = route.pattern.exec(path);
      if (found === null) {
        continue;
      }
      const params = found.slice(1).map((value) => decodeURIComponent(value));
      if (route.method === method) {
        return { route, params };
      }
      template ??= route.template;
    }
    return template === undefined ? undefined : { template, params: [] };
  }

  private buildRoutes(): Route[] {
    const routes: Route[] = [];
    const add = (method: string, template: string, handle: Route['handle']): void => {
      const pattern = new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '([^/]+)')}$`);
      routes.push({ method, template, pattern, handle });
    };
    const on = (handler: (context: platform.PlatformRouteContext, ...params: string[]) => Answer): Route['handle'] => {
      return (request, params) => handler(this.platformContext(request), ...params);
    };

    for (const version of this.deployment === 'cloud' ? ['2', '3'] : ['2']) {
      const base = `/rest/api/${version}`;
      add('POST', `${base}/issue`, on(platform.createIssue));
      add('GET', `${base}/issue/{issueIdOrKey}`, on(platform.getIssue));
      add('PUT', `${base}/issue/{issueIdOrKey}`, on(platform.editIssue));
      add('GET', `${base}/issue/{issueIdOrKey}/transitions`, on(platform.getTransitions));
      add('POST', `${base}/issue/{issueIdOrKey}/transitions`, on(platform.doTransition));
      add('GET', `${base}/issue/{issueIdOrKey}/comment`, on(platform.listComments));
      add('POST', `${base}/issue/{issueIdOrKey}/comment`, on(platform.addComment));
      add('GET', `${base}/issue/{issueIdOrKey}/comment/{id}`, on(platform.getComment));
      add('GET', `${base}/issue/{issueIdOrKey}/properties`, on(platform.listProperties));
      add('GET', `${base}/issue/{issueIdOrKey}/properties/{propertyKey}`, on(platform.getProperty));
      add('PUT', `${base}/issue/{issueIdOrKey}/properties/{propertyKey}`, on(platform.putProperty));
      add('DELETE', `${base}/issue/{issueIdOrKey}/properties/{propertyKey}`, on(platform.deleteProperty));
      add('GET', `${base}/myself`, on(platform.myself));
      add('GET', `${base}/field`, on(platform.listFields));
      add('GET', `${base}/status`, on(platform.listStatuses));
      add('GET', `${base}/status/{idOrName}`, on(platform.getStatus));
      add('GET', `${base}/priority`, on(platform.listPriorities));
      add('GET', `${base}/resolution`, on(platform.listResolutions));
      add('GET', `${base}/project/{projectIdOrKey}`, on(platform.getProject));
      add('GET', `${base}/serverInfo`, on(platform.serverInfo));

      if (this.deployment === 'cloud') {
        add('GET', `${base}/search/jql`, (request) => searchCloud(this.searchContext(request), searchParametersFromQuery(request.query)));
        add('POST', `${base}/search/jql`, (request) => this.searchWithBody(request, searchCloud));
        // Cloud removed the startAt-paged search; clients must move to search/jql.
        const gone = (): Answer => errorAnswer(410, [MESSAGES.searchRemoved]);
        add('GET', `${base}/search`, gone);
        add('POST', `${base}/search`, gone);
      } else {
        add('GET', `${base}/search`, (request) => searchDataCenter(this.searchContext(request), searchParametersFromQuery(request.query)));
        add('POST', `${base}/search`, (request) => this.searchWithBody(request, searchDataCenter));
      }
    }

    const jsm = (handler: (context: JsmRouteContext, ...params: string[]) => Answer): Route['handle'] => {
      return (request, params) => handler(this.jsmContext(request), ...params);
    };
    add('GET', '/rest/servicedeskapi/request/{issueIdOrKey}/approval', jsm(listApprovals));
    add('GET', '/rest/servicedeskapi/request/{issueIdOrKey}/approval/{approvalId}', jsm(getApproval));
    add('POST', '/rest/servicedeskapi/request/{issueIdOrKey}/approval/{approvalId}', jsm(answerApproval));
    add('POST', '/rest/servicedeskapi/request/{issueIdOrKey}/comment', jsm(addRequestComment));

    return routes;
  }

  private searchWithBody(request: RouteRequest, search: typeof searchCloud): Answer {
    const parameters = searchParametersFromBody(request.body);
    if (parameters === undefined) {
      return errorAnswer(400, [MESSAGES.invalidBody]);
    }
    return search(this.searchContext(request), parameters);
  }

  private viewFor(request: RouteRequest): ViewContext {
    return { site: this.site, baseUrl: this.baseUrl, apiVersion: request.apiVersion, timeZone: request.user.timeZone };
  }

  private platformContext(request: RouteRequest): platform.PlatformRouteContext {
    return {
      view: this.viewFor(request),
      site: this.site,
      store: this.store,
      service: this.service,
      user: request.user,
      query: request.query,
      body: request.body,
      clockNowMs: this.clock(),
    };
  }

  private searchContext(request: RouteRequest): SearchContext {
    return { view: this.viewFor(request), store: this.store, user: request.user, realNowMs: Date.now(), clockNowMs: this.clock() };
  }

  private jsmContext(request: RouteRequest): JsmRouteContext {
    return {
      view: { ...this.viewFor(request), apiVersion: this.site.nativeApiVersion },
      service: this.service,
      user: request.user,
      query: request.query,
      body: request.body,
      findRequest: (idOrKey) => this.store.find(idOrKey),
    };
  }

  /** The view of the test helpers: the site's own REST version, in the site's time zone. */
  private helperView(): ViewContext {
    return { site: this.site, baseUrl: this.baseUrl, apiVersion: this.site.nativeApiVersion, timeZone: this.site.timeZone };
  }

  private issueView(entry: IssueEntry): JiraIssueView {
    return helperIssueJson(this.site, this.baseUrl, entry) as unknown as JiraIssueView;
  }

  private transitionTo(keyOrId: string, statusName: string, asUser: string, fields: Record<string, unknown>): JiraIssueView {
    const entry = this.requireIssue(keyOrId);
    const user = this.requireUser(asUser);
    const workflow = this.site.workflowOf(entry.record);
    const current = this.site.status(entry.record.statusId);

    const target = workflow.statusIds.map((id) => this.site.status(id)).find((status) => status.name.toLowerCase() === statusName.toLowerCase());
    const path = target === undefined ? undefined : transitionPath(workflow, entry.record.statusId, target.id);
    if (target === undefined || path === undefined) {
      const reachable = workflow.statusIds
        .filter((id) => id !== entry.record.statusId && transitionPath(workflow, entry.record.statusId, id) !== undefined)
        .map((id) => this.site.status(id).name);
      throw new WorkflowPathError(entry.record.key, current.name, statusName, reachable);
    }

    // A resolution may be given by name for convenience.
    const screenValues = { ...fields };
    if (typeof screenValues.resolution === 'string') {
      screenValues.resolution = { name: screenValues.resolution };
    }
    const unused = Object.keys(screenValues).filter((fieldId) => !path.some((hop) => hop.screen.some((screenField) => screenField.fieldId === fieldId)));
    if (unused.length > 0) {
      const errors = Object.fromEntries(unused.map((fieldId) => [fieldId, MESSAGES.notOnScreen(fieldId)]));
      throw new JiraSimulatorRequestError(`move of ${entry.record.key} to ${target.name}`, [], errors);
    }

    for (const hop of path) {
      const hopFields = Object.fromEntries(
        Object.entries(screenValues).filter(([fieldId]) => hop.screen.some((screenField) => screenField.fieldId === fieldId)),
      );
      const rejection = this.service.transition(entry, { transition: { id: hop.id }, fields: hopFields }, user, this.site.nativeApiVersion);
      if (rejection !== undefined) {
        throw requestError(`transition '${hop.name}' of ${entry.record.key}`, rejection);
      }
    }
    return this.issueView(entry);
  }

  private decideApproval(keyOrId: string, approverLogin: string, decision: 'approve' | 'decline', comment: string | undefined): JiraApprovalView {
    const entry = this.requireIssue(keyOrId);
    const user = this.requireUser(approverLogin);
    const approval = [...entry.approvals].reverse().find((candidate) => candidate.finalDecision === 'pending');
    if (approval === undefined) {
      throw new ApprovalDecisionError(entry.record.key, user.login, 'the issue has no pending approval. A change gets one when it enters Awaiting approval.');
    }
    if (decision !== 'approve' && decision !== 'decline') {
      throw new ApprovalDecisionError(entry.record.key, user.login, `the decision ${JSON.stringify(decision)} is neither 'approve' nor 'decline'.`);
    }

    if (!approval.approvers.some((approver) => approver.login === user.login && approver.decision === 'pending')) {
      const approvers = approval.approvers.map((approver) => `${approver.login} (${approver.decision})`).join(', ') || 'none; set the changeApprovers option';
      throw new ApprovalDecisionError(entry.record.key, user.login, `they have no pending answer on approval ${approval.id}. Approvers: ${approvers}.`);
    }
    if (comment !== undefined) {
      this.service.addComment(entry, { body: this.site.deployment === 'cloud' ? textToAdf(comment) : comment, jsdPublic: false }, user);
    }

    const problem = this.service.decideApproval(entry, approval, user, decision === 'approve' ? 'approved' : 'declined');
    if (problem !== undefined) {
      throw new ApprovalDecisionError(entry.record.key, user.login, problem);
    }
    return approvalJson(this.helperView(), entry, approval, user) as JiraApprovalView;
  }

  /** Convert plain text given to a helper for a rich text field into the site's format. */
  private plainTextToNative(fields: Record<string, unknown>): Record<string, unknown> {
    if (this.site.deployment !== 'cloud') {
      return fields;
    }
    return Object.fromEntries(
      Object.entries(fields).map(([fieldId, value]) => [
        fieldId,
        typeof value === 'string' && this.site.field(fieldId)?.kind === 'richText' ? textToAdf(value) : value,
      ]),
    );
  }

  private requireIssue(keyOrId: string): IssueEntry {
    const entry = this.store.find(keyOrId);
    if (entry === undefined) {
      throw new UnknownJiraIssueError(keyOrId);
    }
    return entry;
  }

  private requireUser(login: string): SimulatedJiraUser {
    const user = this.site.users.find(login);
    if (user === undefined) {
      throw new UnknownJiraUserError(login, this.site.users.users.map((candidate) => candidate.login));
    }
    return user;
  }

  private firstUser(): SimulatedJiraUser {
    const user = this.site.users.users[0];
    if (user === undefined) {
      throw new Error('The Jira simulator has no users.');
    }
    return user;
  }

  private log(entry: RecordedJiraRequest): void {
    this.requests.push(entry);
    if (this.requests.length > MAX_REQUEST_LOG) {
      this.requests.splice(0, this.requests.length - MAX_REQUEST_LOG);
    }
  }
}

/** Check the options that need no site to check, and return the deployment. */
function checkOptions(options: JiraSimulatorOptions): 'cloud' | 'datacenter' {
  if (options?.deployment !== 'cloud' && options?.deployment !== 'datacenter') {
    throw new InvalidJiraSimulatorOptionError(
      'deployment',
      `Invalid deployment ${JSON.stringify(options?.deployment)} for the Jira simulator: use "cloud" or "datacenter".`,
    );
  }
  if (options.timeZone !== undefined && !isTimeZone(options.timeZone)) {
    throw new InvalidJiraSimulatorOptionError(
      'timeZone',
      `Invalid timeZone ${JSON.stringify(options.timeZone)} for the Jira simulator: use an IANA time zone id such as "Etc/UTC" or "America/Los_Angeles".`,
    );
  }
  const nonNegative: Array<[string, number | undefined]> = [
    ['searchLagMs', options.searchLagMs],
    ['latencyMs', options.latencyMs],
  ];
  for (const [name, value] of nonNegative) {
    if (value !== undefined && !(Number.isFinite(value) && value >= 0)) {
      throw new InvalidJiraSimulatorOptionError(name, `${name} must be a number of milliseconds of 0 or more, got ${String(value)}.`);
    }
  }
  if (options.tokenTtlSeconds !== undefined && !(Number.isFinite(options.tokenTtlSeconds) && options.tokenTtlSeconds > 0)) {
    throw new InvalidJiraSimulatorOptionError('tokenTtlSeconds', `tokenTtlSeconds must be above 0, got ${String(options.tokenTtlSeconds)}.`);
  }
  if (options.requiredApprovals !== undefined && !(Number.isInteger(options.requiredApprovals) && options.requiredApprovals >= 1)) {
    throw new InvalidJiraSimulatorOptionError('requiredApprovals', `requiredApprovals must be a whole number of 1 or more, got ${String(options.requiredApprovals)}.`);
  }
  return options.deployment;
}

function requestError(action: string, rejection: Rejection): JiraSimulatorRequestError {
  return new JiraSimulatorRequestError(action, rejection.errorMessages, rejection.errors);
}

function safeJson(text: string): unknown {
  if (text.trim() === '') {
    return undefined;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
