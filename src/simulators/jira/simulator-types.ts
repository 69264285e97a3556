/** The public shape of the Jira simulator: its options and the handle `startJiraSimulator` returns. */

import type { Logger } from 'pino';

import type { AssetsStore, AssetsStoreOptions } from './assets/store.js';
import type { CustomFieldOptions } from './catalog.js';
import type { FailNextOptions, RateLimitOptions } from './faults.js';
import type { JiraSimulatorProjectOptions } from './projects.js';
import type { JiraDeployment, JiraSimulatorUserOptions, OAuthClientOptions, SimulatedJiraUser } from './users.js';

/** Options of `startJiraSimulator`. */
export interface JiraSimulatorOptions {
  /** Cloud (REST v3 with ADF, token-paged search, OAuth) or Data Center (REST v2 with wiki text, PATs). */
  deployment: JiraDeployment;
  /** Port on 127.0.0.1; 0 (the default) picks a free one. */
  port?: number;
  /**
   * How long a create or change takes to reach search results, in milliseconds. Within that time
   * search leaves a new issue out and shows a changed issue's old values, while GET by key shows
   * the current issue. Default 0.
   */
  searchLagMs?: number;
  /** Projects of the site. Default: SEC and ITS, see DEFAULT_PROJECTS. */
  projects?: JiraSimulatorProjectOptions[];
  /** Custom fields besides the JSM request type (customfield_10010). Default: DEFAULT_CUSTOM_FIELDS. */
  customFields?: CustomFieldOptions[];
  /** Users of the site. Default: defaultJiraUsers(deployment), whose first user is the integration user. */
  users?: JiraSimulatorUserOptions[];
  /**
   * The default user time zone (IANA id): users without their own get it, and the test helpers
   * write date-times in it. Default `Etc/UTC`.
   */
  timeZone?: string;
  /**
   * OAuth 2.0 clients of `POST /oauth/token` (Cloud only). Default on Cloud: one client
   * `local-only-client` / `local-only-secret` acting as the first user.
   */
  oauthClients?: OAuthClientOptions[];
  /** Lifetime of OAuth access tokens, in seconds. Default 3600. */
  tokenTtlSeconds?: number;
  /** Logins of the users asked to approve a JSM change when it enters Awaiting approval. Default: none. */
  changeApprovers?: string[];
  /** Approvals needed to approve a change (one decline always declines). Default 1. */
  requiredApprovals?: number;
  /** Respond with 429 like Jira Cloud once more than `burst` requests come faster than `burst` per `perSeconds`. Default: no limit. */
  rateLimit?: RateLimitOptions;
  /** Delay before every API response, in milliseconds. Default 0. */
  latencyMs?: number;
  /**
   * Clock for created, updated and the other times a write sets, and for relative JQL dates.
   * Default: the real time. The search lag and token expiry always use the real time.
   */
  clock?: () => Date;
  /** Options of the Assets workspace the simulator serves. */
  assets?: AssetsStoreOptions;
  /** Logger for the simulator's own failures. Default: warnings and errors to stderr. */
  logger?: Logger;
}

/** One request the simulator received. */
export interface RecordedJiraRequest {
  method: string;
  path: string;
  /** The route template, such as `/rest/api/3/issue/{issueIdOrKey}`, or undefined for an unknown path. */
  template?: string;
  query: Record<string, string>;
  status: number;
  /** The parsed JSON body, if any. */
  body?: unknown;
  /** Login of the authenticated user. */
  login?: string;
}

/** A status as the helpers show it. */
export interface JiraStatusView {
  id: string;
  name: string;
  statusCategory: { id: number; key: string; name: string };
  [property: string]: unknown;
}

/** An issue as the helpers show it: the `GET /rest/api/{3 on Cloud, 2 on DC}/issue/{key}` body with every field. */
export interface JiraIssueView {
  id: string;
  key: string;
  self: string;
  fields: {
    summary: string;
    status: JiraStatusView;
    issuetype: { id: string; name: string; [property: string]: unknown };
    project: { id: string; key: string; [property: string]: unknown };
    labels: string[];
    priority: { id: string; name: string; [property: string]: unknown } | null;
    resolution: { id: string; name: string; [property: string]: unknown } | null;
    /** ADF on Cloud, a wiki string on Data Center. */
    description: unknown;
    created: string;
    updated: string;
    resolutiondate: string | null;
    [fieldId: string]: unknown;
  };
}

/** A comment as the helpers show it (the REST comment body). */
export interface JiraCommentView {
  id: string;
  /** ADF on Cloud, a wiki string on Data Center. */
  body: unknown;
  author: Record<string, unknown> | null;
  created: string;
  updated: string;
  /** Cloud only: whether customers see the comment in the JSM portal. */
  jsdPublic?: boolean;
  [property: string]: unknown;
}

/** A JSM approval as `GET /rest/servicedeskapi/request/{key}/approval` shows it. */
export interface JiraApprovalView {
  id: string;
  name: string;
  finalDecision: 'approved' | 'declined' | 'pending';
  canAnswerApproval: boolean;
  approvers: Array<{ approver: Record<string, unknown>; approverDecision: 'approved' | 'declined' | 'pending' }>;
  createdDate: { iso8601: string; jira: string; friendly: string; epochMillis: number };
  completedDate?: { iso8601: string; jira: string; friendly: string; epochMillis: number };
  [property: string]: unknown;
}

/** Options of the `addComment` helper. */
export interface HelperCommentOptions {
  /** Keep the comment out of the JSM portal. Default false: public on service desk projects. */
  internal?: boolean;
}

/** A running Jira simulator. */
export interface JiraSimulator {
  /** Base URL, such as `http://127.0.0.1:40123`. */
  readonly url: string;
  readonly deployment: JiraDeployment;
  /**
   * Requests received per method and route template, such as `POST /rest/api/3/issue` or
   * `GET /rest/api/3/issue/{issueIdOrKey}/transitions`; unknown paths count under their path.
   * Failed requests count too. The object is live.
   */
  readonly calls: Readonly<Record<string, number>>;
  /** Every request received, oldest first (the last 100,000 are kept). */
  readonly requests: readonly RecordedJiraRequest[];
  /** The site's users, the integration user first when the default users are used. */
  readonly users: readonly SimulatedJiraUser[];
  /** The Assets workspace served under `/jsm/assets/...` (Cloud) or `/rest/assets/1.0/...` (Data Center). */
  readonly assets: AssetsStore;
  /** Stop serving and close open connections. */
  close(): Promise<void>;
  /** Number of requests received, failed ones included. */
  totalCalls(): number;
  /** The issue with every field, or undefined when there is none with that key or id. */
  issue(keyOrId: string): JiraIssueView | undefined;
  /** Every issue, or those of one project, oldest first. */
  issues(projectKey?: string): JiraIssueView[];
  /**
   * Create an issue as a person would (portal or agent view): `fields` as the REST create takes
   * them, except that rich text may be plain text on Cloud. Default user: the first user. Throws
   * JiraSimulatorRequestError where the API would respond with 400.
   */
  createIssue(fields: Record<string, unknown>, asUser?: string): JiraIssueView;
  /**
   * Edit an issue as `asUser` (a login). `fields` as `PUT /issue` takes them, except that rich text
   * may be plain text on Cloud. Throws JiraSimulatorRequestError where the API would respond with 400.
   */
  editIssue(keyOrId: string, fields: Record<string, unknown>, asUser: string): JiraIssueView;
  /**
   * Move an issue to a status by name through the workflow, as `asUser` would, taking as many
   * transitions as needed. `fields` go to the screens that have them; `resolution` may be given as
   * a name. Throws WorkflowPathError when no chain of agent transitions reaches the status (a
   * status behind a JSM approval needs decideApproval), and JiraSimulatorRequestError when a
   * screen needs a field that `fields` lacks.
   */
  transitionTo(keyOrId: string, statusName: string, asUser: string, fields?: Record<string, unknown>): JiraIssueView;
  /** Add a comment as `asUser`, from plain text (stored as ADF on Cloud). */
  addComment(keyOrId: string, text: string, asUser: string, options?: HelperCommentOptions): JiraCommentView;
  /**
   * Answer the issue's pending JSM approval as `approverLogin`. A comment, if given, is added as
   * that user first. When the answer decides the approval, the change moves on (approved: to
   * Awaiting implementation, declined: to Declined). Throws ApprovalDecisionError when the user
   * cannot answer.
   */
  decideApproval(keyOrId: string, approverLogin: string, decision: 'approve' | 'decline', comment?: string): JiraApprovalView;
  /** The issue's JSM approvals, oldest first. */
  approvals(keyOrId: string): JiraApprovalView[];
  /** The issue's comments, oldest first. */
  comments(keyOrId: string): JiraCommentView[];
  /** The issue's entity properties. */
  properties(keyOrId: string): Record<string, unknown>;
  /** Respond to the next matching requests with a scripted response instead (rate limits, outages, HTML pages). */
  failNext(options: FailNextOptions): void;
  /** Expire every OAuth access token issued so far, so the next call with one gets a 401. */
  expireTokens(): void;
  /**
   * Remove every issue, request record, counter and scripted failure. Users, projects, approvers
   * and the Assets workspace stay.
   */
  reset(): void;
}
