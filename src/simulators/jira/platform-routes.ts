/**
 * The platform REST API routes (`/rest/api/{2|3}/...`) of the simulator: issues, transitions,
 * comments, entity properties, and the read-only site configuration (myself, fields, statuses,
 * priorities, resolutions, projects, server info).
 */

import { readCommentBody } from './field-writes.js';
import type { IssueEntry, IssueStore } from './issue-store.js';
import type { IssueService } from './issue-service.js';
import {
  commentJson,
  issueJson,
  issueTypeJson,
  parseFieldSelection,
  priorityJson,
  projectJson,
  resolutionJson,
  statusJson,
  transitionJson,
  type ViewContext,
} from './issue-views.js';
import { type Answer, errorAnswer, MESSAGES } from './responses.js';
import type { JiraSite } from './site.js';
import { formatJiraTimestamp } from './time.js';
import { platformUserJson, type SimulatedJiraUser } from './users.js';

/** The default and maximum page sizes of `GET .../comment`. */
const COMMENT_PAGE_DEFAULT = 50;
const COMMENT_PAGE_MAX = 100;
/** Jira's limits on entity properties. */
const PROPERTY_KEY_LIMIT = 255;
const PROPERTY_VALUE_LIMIT = 32_768;

/** The inputs of a platform route. */
export interface PlatformRouteContext {
  view: ViewContext;
  site: JiraSite;
  store: IssueStore;
  service: IssueService;
  user: SimulatedJiraUser;
  query: URLSearchParams;
  body: unknown;
  clockNowMs: number;
}

const issueNotFound = (): Answer => errorAnswer(404, [MESSAGES.issueNotFound]);

/** `POST /rest/api/{v}/issue`: 201 with id, key and self, and the outcome of a requested transition. */
export function createIssue(context: PlatformRouteContext): Answer {
  const created = context.service.createIssue(context.body, context.user, context.view.apiVersion);
  if ('rejection' in created) {
    return errorAnswer(created.rejection.status, created.rejection.errorMessages, created.rejection.errors);
  }

  const { record } = created.entry;
  const body: Record<string, unknown> = { id: record.id, key: record.key, self: `${apiBase(context)}/issue/${record.id}` };
  if (created.transition !== undefined) {
    body.transition = created.transition;
  }
  return { status: 201, body };
}

/** `GET /rest/api/{v}/issue/{issueIdOrKey}` with `fields`, `expand` and `properties`. */
export function getIssue(context: PlatformRouteContext, idOrKey: string): Answer {
  const entry = context.store.find(idOrKey);
  if (entry === undefined) {
    return issueNotFound();
  }
  return { status: 200, body: renderIssue(context, entry) };
}

/** `PUT /rest/api/{v}/issue/{issueIdOrKey}`: 204, or 200 with the issue when `returnIssue=true`. */
export function editIssue(context: PlatformRouteContext, idOrKey: string): Answer {
  const entry = context.store.find(idOrKey);
  if (entry === undefined) {
    return issueNotFound();
  }

  const rejection = context.service.editIssue(entry, context.body, context.user, context.view.apiVersion);
  if (rejection !== undefined) {
    return errorAnswer(rejection.status, rejection.errorMessages, rejection.errors);
  }
  if (context.query.get('returnIssue') === 'true') {
    return { status: 200, body: renderIssue(context, entry) };
  }
  return { status: 204 };
}

/** `GET .../transitions`: the transitions from the current status; screen fields with `expand=transitions.fields`. */
export function getTransitions(context: PlatformRouteContext, idOrKey: string): Answer {
  const entry = context.store.find(idOrKey);
  if (entry === undefined) {
    return issueNotFound();
  }

  const withFields = (context.query.get('expand') ?? '').split(',').includes('transitions.fields');
  const onlyId = context.query.get('transitionId');
  const transitions = context.service
    .transitions(entry)
    .filter((transition) => onlyId === null || transition.id === onlyId)
    .map((transition) => transitionJson(context.view, transition, withFields));
  return { status: 200, body: { expand: 'transitions', transitions } };
}

/** `POST .../transitions`: 204, or 400 for an unavailable transition or invalid screen fields. */
export function doTransition(context: PlatformRouteContext, idOrKey: string): Answer {
  const entry = context.store.find(idOrKey);
  if (entry === undefined) {
    return issueNotFound();
  }
  const rejection = context.service.transition(entry, context.body, context.user, context.view.apiVersion);
  if (rejection !== undefined) {
    return errorAnswer(rejection.status, rejection.errorMessages, rejection.errors);
  }
  return { status: 204 };
}

/** `GET .../comment` with `startAt`, `maxResults` and `orderBy` (`created`, `+created`, `-created`). */
export function listComments(context: PlatformRouteContext, idOrKey: string): Answer {
  const entry = context.store.find(idOrKey);
  if (entry === undefined) {
    return issueNotFound();
  }

  const startAt = Number(context.query.get('startAt') ?? '0');
  if (!Number.isInteger(startAt) || startAt < 0) {
    return errorAnswer(400, [MESSAGES.startAtInvalid(context.query.get('startAt') ?? '')]);
  }
  const requested = Number(context.query.get('maxResults') ?? String(COMMENT_PAGE_DEFAULT));
  if (!Number.isInteger(requested) || requested < 1) {
    return errorAnswer(400, [MESSAGES.maxResultsInvalid(context.query.get('maxResults') ?? '', COMMENT_PAGE_MAX)]);
  }
  // NOTE: the page size limit of the comment API is not documented; 100 is an assumption.
  const maxResults = Math.min(requested, COMMENT_PAGE_MAX);

  const ordered = [...entry.comments];
  if (context.query.get('orderBy') === '-created') {
    ordered.reverse();
  }
  const comments = ordered.slice(startAt, startAt + maxResults).map((comment) => commentJson(context.view, entry.record, comment));
  return { status: 200, body: { startAt, maxResults, total: entry.comments.length, comments } };
}

/** `GET .../comment/{id}`. */
export function getComment(context: PlatformRouteContext, idOrKey: string, commentId: string): Answer {
  const entry = context.store.find(idOrKey);
  if (entry === undefined) {
    return issueNotFound();
  }
  const comment = entry.comments.find((candidate) => candidate.id === commentId);
  if (comment === undefined) {
    return errorAnswer(404, [`Can not find a comment for the id: ${commentId}.`]);
  }
  return { status: 200, body: commentJson(context.view, entry.record, comment) };
}

/**
 * `POST .../comment` with `{body, properties?}`: ADF on Cloud REST v3, a string otherwise. On a
 * service desk project the comment is public unless `properties` contains `sd.public.comment`
 * `{"internal": true}`.
 */
export function addComment(context: PlatformRouteContext, idOrKey: string): Answer {
  const entry = context.store.find(idOrKey);
  if (entry === undefined) {
    return issueNotFound();
  }
  if (!isObject(context.body)) {
    return errorAnswer(400, [MESSAGES.invalidBody]);
  }

  const read = readCommentBody(context.site, context.view.apiVersion, context.body.body);
  if ('error' in read) {
    return errorAnswer(400, [], { comment: read.error });
  }

  const jsdPublic = context.service.commentVisibility(entry, context.body.properties);
  const comment = context.service.addComment(entry, { body: read.body, jsdPublic }, context.user);
  return { status: 201, body: commentJson(context.view, entry.record, comment) };
}

/** `GET .../properties`: the keys of the issue's entity properties. */
export function listProperties(context: PlatformRouteContext, idOrKey: string): Answer {
  const entry = context.store.find(idOrKey);
  if (entry === undefined) {
    return issueNotFound();
  }
  const keys = [...entry.properties.keys()].map((key) => ({ self: propertyUrl(context, entry, key), key }));
  return { status: 200, body: { keys } };
}

/** `GET .../properties/{propertyKey}`: `{key, value}`, or 404. */
export function getProperty(context: PlatformRouteContext, idOrKey: string, key: string): Answer {
  const entry = context.store.find(idOrKey);
  if (entry === undefined) {
    return issueNotFound();
  }
  if (!entry.properties.has(key)) {
    return errorAnswer(404, [MESSAGES.propertyNotFound(key)]);
  }
  return { status: 200, body: { key, value: structuredClone(entry.properties.get(key)) } };
}

/**
 * `PUT .../properties/{propertyKey}`: 201 when the property is new, 200 when it is replaced. A
 * property change does not change the issue's `updated` time.
 */
export function putProperty(context: PlatformRouteContext, idOrKey: string, key: string): Answer {
  const entry = context.store.find(idOrKey);
  if (entry === undefined) {
    return issueNotFound();
  }
  if (key.length > PROPERTY_KEY_LIMIT) {
    return errorAnswer(400, [MESSAGES.propertyKeyTooLong]);
  }
  if (context.body === undefined) {
    return errorAnswer(400, [MESSAGES.invalidJson]);
  }
  if (Buffer.byteLength(JSON.stringify(context.body), 'utf8') > PROPERTY_VALUE_LIMIT) {
    return errorAnswer(400, [MESSAGES.propertyValueTooLong]);
  }

  const existed = entry.properties.has(key);
  entry.properties.set(key, structuredClone(context.body));
  return { status: existed ? 200 : 201 };
}

/** `DELETE .../properties/{propertyKey}`: 204, or 404. */
export function deleteProperty(context: PlatformRouteContext, idOrKey: string, key: string): Answer {
  const entry = context.store.find(idOrKey);
  if (entry === undefined) {
    return issueNotFound();
  }
  if (!entry.properties.delete(key)) {
    return errorAnswer(404, [MESSAGES.propertyNotFound(key)]);
  }
  return { status: 204 };
}

/** `GET /rest/api/{v}/myself`: accountId on Cloud, key and name on Data Center. */
export function myself(context: PlatformRouteContext): Answer {
  const user = platformUserJson(context.user, context.site.deployment, apiBase(context));
  return {
    status: 200,
    body: {
      ...user,
      locale: 'en_US',
      groups: { size: 1, items: [] },
      applicationRoles: { size: 1, items: [] },
      expand: 'groups,applicationRoles',
    },
  };
}

/** `GET /rest/api/{v}/field`: system and custom fields with their schema. */
export function listFields(context: PlatformRouteContext): Answer {
  const fields = context.site.fields.map((field) => {
    const json: Record<string, unknown> = {
      id: field.id,
      name: field.name,
      custom: field.custom,
      orderable: field.settable,
      navigable: true,
      searchable: true,
      clauseNames: field.clauseNames,
      schema: field.schema,
    };
    if (context.site.deployment === 'cloud') {
      json.key = field.id;
      if (field.custom) {
        json.untranslatedName = field.name;
      }
    }
    return json;
  });
  return { status: 200, body: fields };
}

/** `GET /rest/api/{v}/status`. */
export function listStatuses(context: PlatformRouteContext): Answer {
  return { status: 200, body: context.site.statuses().map((status) => statusJson(context.view, status)) };
}

/** `GET /rest/api/{v}/status/{idOrName}`. */
export function getStatus(context: PlatformRouteContext, idOrName: string): Answer {
  const status = context.site.findStatus(idOrName);
  if (status === undefined) {
    return errorAnswer(404, [MESSAGES.statusNotFound(idOrName)]);
  }
  return { status: 200, body: statusJson(context.view, status) };
}

/** `GET /rest/api/{v}/priority`. */
export function listPriorities(context: PlatformRouteContext): Answer {
  return { status: 200, body: context.site.priorities().map((priority) => priorityJson(context.view, priority)) };
}

/** `GET /rest/api/{v}/resolution`. */
export function listResolutions(context: PlatformRouteContext): Answer {
  return { status: 200, body: context.site.resolutions().map((resolution) => resolutionJson(context.view, resolution)) };
}

/** `GET /rest/api/{v}/project/{projectIdOrKey}` with its issue types. */
export function getProject(context: PlatformRouteContext, keyOrId: string): Answer {
  const project = context.site.project(keyOrId);
  if (project === undefined) {
    return errorAnswer(404, [MESSAGES.projectNotFound(keyOrId)]);
  }
  return {
    status: 200,
    body: {
      ...projectJson(context.view, project),
      style: 'classic',
      issueTypes: project.issueTypes.map((type) => issueTypeJson(context.view, type)),
    },
  };
}

/** `GET /rest/api/{v}/serverInfo`: `deploymentType` is `Cloud`, or `Server` on Data Center. */
export function serverInfo(context: PlatformRouteContext): Answer {
  const cloud = context.site.deployment === 'cloud';
  // NOTE: Data Center sites report deploymentType "Server" as far as known; not verified on Jira 10.
  return {
    status: 200,
    body: {
      baseUrl: context.view.baseUrl,
      version: cloud ? '1001.0.0-SNAPSHOT' : '9.12.15',
      versionNumbers: cloud ? [1001, 0, 0] : [9, 12, 15],
      deploymentType: cloud ? 'Cloud' : 'Server',
      buildNumber: cloud ? 100290 : 9120015,
      buildDate: formatJiraTimestamp(Date.UTC(2025, 2, 7), context.view.timeZone),
      serverTime: formatJiraTimestamp(context.clockNowMs, context.view.timeZone),
      scmInfo: 'simulator',
      serverTitle: 'Jira',
      defaultLocale: { locale: 'en_US' },
      serverTimeZone: context.site.timeZone,
    },
  };
}

function renderIssue(context: PlatformRouteContext, entry: IssueEntry): Record<string, unknown> {
  // GET issue's `*all`, unlike search's, includes the comments.
  const fieldsParameter = context.query.getAll('fields').flatMap((value) => value.split(','));
  const selection = fieldsParameter.length === 0 || fieldsParameter.includes('*all') ? [...fieldsParameter, '*all', 'comment'] : fieldsParameter;
  const expand = new Set((context.query.get('expand') ?? '').split(',').map((value) => value.trim()).filter((value) => value !== ''));
  const properties = context.query
    .getAll('properties')
    .flatMap((value) => value.split(','))
    .map((value) => value.trim())
    .filter((value) => value !== '');

  return issueJson(context.view, entry.record, {
    fields: parseFieldSelection(selection, '*all'),
    expand,
    properties,
    propertyValues: entry.properties,
    comments: entry.comments,
    transitions: context.service.transitions(entry),
  });
}

function propertyUrl(context: PlatformRouteContext, entry: IssueEntry, key: string): string {
  return `${apiBase(context)}/issue/${entry.record.id}/properties/${encodeURIComponent(key)}`;
}

function apiBase(context: PlatformRouteContext): string {
  return `${context.view.baseUrl}/rest/api/${context.view.apiVersion}`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
