/**
 * JQL search. Cloud serves `GET|POST /rest/api/{2,3}/search/jql`, which pages with an opaque
 * `nextPageToken` (omitted on the last page), has no `total`, returns only issue ids unless
 * `fields` names more, and rejects unbounded queries. Data Center serves
 * `GET|POST /rest/api/2/search` with `startAt`, `maxResults` and `total`. Both read issues as the
 * search index has them (see IssueStore.searchable).
 */

import { createHash } from 'node:crypto';

import type { IssueEntry, IssueRecord, IssueStore } from './issue-store.js';
import { issueJson, parseFieldSelection, type ViewContext } from './issue-views.js';
import { compileJql, type CompiledJql, JqlQueryError } from './jql/evaluator.js';
import { type JqlQuery, JqlSyntaxError, parseJql } from './jql/parser.js';
import { type Answer, errorAnswer, MESSAGES } from './responses.js';
import type { SimulatedJiraUser } from './users.js';

/**
 * Page size limits of Cloud's `search/jql`. Its documentation allows at most 5000 issues a page,
 * and fewer "depending on search criteria". The simulator allows 5000 when the request names only
 * ids (or keys) and 100 when it names any field.
 *
 * NOTE: the 100 is an assumption, because Atlassian does not publish the reduced limit.
 */
export const CLOUD_ID_ONLY_MAX_RESULTS = 5000;
export const CLOUD_FIELDS_MAX_RESULTS = 100;
/** Data Center's default `jira.search.views.default.max`. */
export const DATA_CENTER_MAX_RESULTS = 1000;
const DEFAULT_MAX_RESULTS = 50;
/** Cloud's limit on ORDER BY fields in `search/jql`. */
const MAX_ORDER_BY_FIELDS = 7;
/** Cloud's limit on `reconcileIssues`. */
const MAX_RECONCILE_ISSUES = 50;

/** The parameters of a search, from the query string of a GET or the body of a POST. */
export interface SearchParameters {
  jql: string;
  fields?: string[];
  maxResults?: unknown;
  nextPageToken?: unknown;
  startAt?: unknown;
  expand?: string[];
  properties?: string[];
  reconcileIssues?: unknown;
}

/** The inputs of a search. */
export interface SearchContext {
  view: ViewContext;
  store: IssueStore;
  user: SimulatedJiraUser;
  /** Real time, for the search lag. */
  realNowMs: number;
  /** Time of the simulator's clock, for relative dates in JQL. */
  clockNowMs: number;
}

/** Read search parameters from a GET query string. */
export function searchParametersFromQuery(query: URLSearchParams): SearchParameters {
  const list = (name: string): string[] | undefined => {
    const values = query.getAll(name);
    return values.length === 0 ? undefined : values.flatMap((value) => value.split(','));
  };
  return {
    jql: query.get('jql') ?? '',
    fields: list('fields'),
    maxResults: query.get('maxResults') ?? undefined,
    nextPageToken: query.get('nextPageToken') ?? undefined,
    startAt: query.get('startAt') ?? undefined,
    expand: list('expand'),
    properties: list('properties'),
    reconcileIssues: list('reconcileIssues'),
  };
}

/** Read search parameters from a POST body. Returns undefined when the body is not an object. */
export function searchParametersFromBody(body: unknown): SearchParameters | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return undefined;
  }
  const record = body as Record<string, unknown>;
  const list = (value: unknown): string[] | undefined => {
    if (value === undefined || value === null) {
      return undefined;
    }
    return Array.isArray(value) ? value.map(String) : String(value).split(',');
  };
  return {
    jql: typeof record.jql === 'string' ? record.jql : '',
    fields: list(record.fields),
    maxResults: record.maxResults ?? undefined,
    nextPageToken: record.nextPageToken ?? undefined,
    startAt: record.startAt ?? undefined,
    expand: list(record.expand),
    properties: list(record.properties),
    reconcileIssues: record.reconcileIssues,
  };
}

/** Respond to Cloud's `search/jql`. */
export function searchCloud(context: SearchContext, parameters: SearchParameters): Answer {
  const selection = parseFieldSelection(parameters.fields, 'id');
  const keyRequested = (parameters.fields ?? []).some((field) => field.split(',').map((part) => part.trim()).includes('key'));
  const maxAllowed = selection.none ? CLOUD_ID_ONLY_MAX_RESULTS : CLOUD_FIELDS_MAX_RESULTS;

  const maxResults = readPositiveInteger(parameters.maxResults, DEFAULT_MAX_RESULTS);
  if (maxResults === undefined) {
    return errorAnswer(400, [MESSAGES.maxResultsInvalid(String(parameters.maxResults), CLOUD_ID_ONLY_MAX_RESULTS)]);
  }
  const pageSize = Math.min(maxResults, maxAllowed);

  const query = parseQuery(parameters.jql);
  if ('answer' in query) {
    return query.answer;
  }
  if (query.parsed.where === undefined) {
    return errorAnswer(400, [MESSAGES.jqlUnbounded]);
  }
  if (query.parsed.orderBy.length > MAX_ORDER_BY_FIELDS) {
    return errorAnswer(400, [MESSAGES.tooManyOrderBy(MAX_ORDER_BY_FIELDS)]);
  }

  const reconcile = readReconcileIssues(parameters.reconcileIssues);
  if (reconcile === undefined) {
    return errorAnswer(400, [`reconcileIssues takes at most ${MAX_RECONCILE_ISSUES} issue ids (numbers).`]);
  }

  // The token ties a page to its query and fields, so a token cannot be replayed with another query.
  const queryHash = createHash('sha256').update(JSON.stringify([parameters.jql, parameters.fields ?? []])).digest('base64url').slice(0, 16);
  const offset = readPageToken(parameters.nextPageToken, queryHash);
  if (offset === undefined) {
    return errorAnswer(400, [MESSAGES.invalidPageToken]);
  }

  const results = runQuery(context, query.parsed, reconcile);
  if ('answer' in results) {
    return results.answer;
  }

  const page = results.records.slice(offset, offset + pageSize);
  const isLast = offset + pageSize >= results.records.length;
  const issues = page.map((record) => {
    if (selection.none) {
      return keyRequested ? { id: record.id, key: record.key } : { id: record.id };
    }
    return issueJson(context.view, record, {
      fields: selection,
      expand: new Set(parameters.expand ?? []),
      properties: parameters.properties,
      propertyValues: context.store.find(record.id)?.properties,
    });
  });

  const body: Record<string, unknown> = { issues };
  if (!isLast) {
    body.nextPageToken = Buffer.from(JSON.stringify({ offset: offset + pageSize, query: queryHash })).toString('base64url');
  }
  body.isLast = isLast;
  return { status: 200, body };
}

/** Respond to Data Center's `search`. */
export function searchDataCenter(context: SearchContext, parameters: SearchParameters): Answer {
  const maxResults = readPositiveInteger(parameters.maxResults, DEFAULT_MAX_RESULTS);
  if (maxResults === undefined) {
    return errorAnswer(400, [MESSAGES.maxResultsInvalid(String(parameters.maxResults), DATA_CENTER_MAX_RESULTS)]);
  }
  const pageSize = Math.min(maxResults, DATA_CENTER_MAX_RESULTS);

  const startAt = parameters.startAt === undefined ? 0 : Number(parameters.startAt);
  if (!Number.isInteger(startAt) || startAt < 0) {
    return errorAnswer(400, [MESSAGES.startAtInvalid(String(parameters.startAt))]);
  }

  const query = parseQuery(parameters.jql);
  if ('answer' in query) {
    return query.answer;
  }

  const results = runQuery(context, query.parsed, []);
  if ('answer' in results) {
    return results.answer;
  }

  const selection = parseFieldSelection(parameters.fields, '*navigable');
  const issues = results.records.slice(startAt, startAt + pageSize).map((record) =>
    issueJson(context.view, record, {
      fields: selection,
      expand: new Set(parameters.expand ?? []),
      properties: parameters.properties,
      propertyValues: context.store.find(record.id)?.properties,
    }),
  );

  return {
    status: 200,
    body: { expand: 'schema,names', startAt, maxResults: pageSize, total: results.records.length, issues },
  };
}

function parseQuery(jql: string): { parsed: JqlQuery } | { answer: Answer } {
  try {
    return { parsed: parseJql(jql) };
  } catch (error) {
    if (error instanceof JqlSyntaxError) {
      return { answer: errorAnswer(400, [error.message]) };
    }
    throw error;
  }
}

/**
 * Run a query over the issues as the search index has them, with the current version of the
 * issues named in `reconcileIds` (Cloud's `reconcileIssues`, which requests read-after-write
 * consistency).
 */
function runQuery(context: SearchContext, query: JqlQuery, reconcileIds: readonly string[]): { records: IssueRecord[] } | { answer: Answer } {
  let compiled: CompiledJql;
  try {
    compiled = compileJql(query, {
      site: context.view.site,
      callerLogin: context.user.login,
      timeZone: context.user.timeZone,
      nowMs: context.clockNowMs,
      issueKeyExists: (key) => context.store.find(key) !== undefined,
    });
  } catch (error) {
    if (error instanceof JqlQueryError) {
      return { answer: errorAnswer(400, [error.message]) };
    }
    throw error;
  }

  const byId = new Map(context.store.searchable(context.realNowMs).map((record) => [record.id, record]));
  for (const id of reconcileIds) {
    const entry: IssueEntry | undefined = context.store.find(id);
    if (entry !== undefined) {
      byId.set(id, entry.record);
    }
  }

  const records = [...byId.values()].filter((record) => compiled.matches(record)).sort((a, b) => compiled.compare(a, b));
  return { records };
}

/** Read a positive whole number; `fallback` when absent, undefined when invalid. */
function readPositiveInteger(value: unknown, fallback: number): number | undefined {
  if (value === undefined || value === null || value === '') {
    return fallback;
  }
  const number = typeof value === 'number' ? value : Number(value);
  return Number.isInteger(number) && number >= 1 ? number : undefined;
}

/** Read the offset from a page token issued for the same query; 0 without a token, undefined when invalid. */
function readPageToken(token: unknown, queryHash: string): number | undefined {
  if (token === undefined || token === null || token === '') {
    return 0;
  }
  try {
    const decoded = JSON.parse(Buffer.from(String(token), 'base64url').toString('utf8')) as { offset?: unknown; query?: unknown };
    if (Number.isInteger(decoded.offset) && (decoded.offset as number) >= 0 && decoded.query === queryHash) {
      return decoded.offset as number;
    }
  } catch {
    // Not a token this simulator issued.
  }
  return undefined;
}

function readReconcileIssues(value: unknown): string[] | undefined {
  if (value === undefined || value === null) {
    return [];
  }
  if (!Array.isArray(value) || value.length > MAX_RECONCILE_ISSUES) {
    return undefined;
  }
  const ids = value.map((id) => String(id));
  return ids.every((id) => /^\d+$/.test(id)) ? ids : undefined;
}
