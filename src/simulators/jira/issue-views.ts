/**
 * How the REST API shows issues, comments, statuses and transitions: the JSON shapes of the
 * platform API, with rich text in the format of the REST version and date-times in the time zone
 * of the user who sends the request.
 */

import { adfToText, textToAdf } from './adf.js';
import { changelogJson } from './changelog.js';
import type { FieldDefinition, IssueTypeDefinition, PriorityDefinition, ResolutionDefinition, StatusDefinition } from './catalog.js';
import type { CommentRecord, IssueEntry, IssueRecord, StoredText } from './issue-store.js';
import type { ProjectDefinition } from './projects.js';
import type { JiraSite } from './site.js';
import { formatJiraTimestamp, formatJsmDate } from './time.js';
import { platformUserJson } from './users.js';
import type { ScreenField, TransitionDefinition } from './workflows.js';

/** The requesting user's view: REST version and time zone. */
export interface ViewContext {
  site: JiraSite;
  /** The simulator's base URL, such as `http://127.0.0.1:40123`. */
  baseUrl: string;
  apiVersion: '2' | '3';
  /** Date-times are written in this time zone: the requesting user's. */
  timeZone: string;
}

/** The fields a response includes, from a `fields` parameter. */
export interface FieldSelection {
  /** Whether the response includes a field. */
  includes(fieldId: string): boolean;
  /** True when no field is included (`fields=id` on Cloud search), so issues have no `fields` object. */
  readonly none: boolean;
}

/**
 * Read a `fields` parameter: field ids, `*all`, `*navigable`, `id` (no fields), and `-<id>` to leave
 * one out. `defaultSelection` applies when the parameter is absent or empty. Unknown ids are
 * ignored, as Jira does.
 */
export function parseFieldSelection(spec: readonly string[] | undefined, defaultSelection: '*all' | '*navigable' | 'id'): FieldSelection {
  const tokens = (spec ?? [])
    .flatMap((entry) => entry.split(','))
    .map((token) => token.trim())
    .filter((token) => token !== '');
  const effective = tokens.length === 0 ? [defaultSelection] : tokens;

  let everything = false;
  const named = new Set<string>();
  const excluded = new Set<string>();
  for (const token of effective) {
    if (token === '*all' || token === '*navigable') {
      everything = true;
    } else if (token.startsWith('-')) {
      excluded.add(token.slice(1));
    } else if (token !== 'id' && token !== 'key') {
      named.add(token);
    }
  }
  // `-summary` alone means all navigable fields but the summary.
  if (named.size === 0 && excluded.size > 0) {
    everything = true;
  }

  return {
    includes: (fieldId) => !excluded.has(fieldId) && (named.has(fieldId) || (everything && fieldId !== 'comment')),
    none: !everything && named.size === 0,
  };
}

/** Options of {@link issueJson}. */
export interface IssueJsonOptions {
  fields: FieldSelection;
  /** `expand` values: names, schema, transitions, renderedFields, changelog. */
  expand: ReadonlySet<string>;
  /** Entity properties to include. */
  properties?: readonly string[];
  /** The comments, for the `comment` field. */
  comments?: readonly CommentRecord[];
  /** Available transitions, for `expand=transitions`. */
  transitions?: readonly TransitionDefinition[];
  /** The entry's entity properties. */
  propertyValues?: ReadonlyMap<string, unknown>;
}

/** Render an issue as `GET /rest/api/{v}/issue/{key}` and search results show it. */
export function issueJson(context: ViewContext, record: IssueRecord, options: IssueJsonOptions): Record<string, unknown> {
  const apiBase = `${context.baseUrl}/rest/api/${context.apiVersion}`;
  const json: Record<string, unknown> = {
    expand: 'renderedFields,names,schema,operations,editmeta,changelog,versionedRepresentations',
    id: record.id,
    self: `${apiBase}/issue/${record.id}`,
    key: record.key,
  };

  if (!options.fields.none) {
    const fields: Record<string, unknown> = {};
    const names: Record<string, string> = {};
    const schema: Record<string, unknown> = {};
    for (const field of [...context.site.fields, COMMENT_FIELD]) {
      if (!options.fields.includes(field.id)) {
        continue;
      }
      fields[field.id] = fieldValueJson(context, record, field, options.comments ?? []);
      names[field.id] = field.name;
      schema[field.id] = field.schema;
    }
    json.fields = fields;
    if (options.expand.has('names')) {
      json.names = names;
    }
    if (options.expand.has('schema')) {
      json.schema = schema;
    }
    if (options.expand.has('renderedFields')) {
      json.renderedFields = renderedFields(context, record, options.fields);
    }
  }

  if (options.expand.has('changelog')) {
    json.changelog = changelogJson(context, record);
  }

  if (options.expand.has('transitions')) {
    json.transitions = (options.transitions ?? []).map((transition) => transitionJson(context, transition, false));
  }

  if (options.properties !== undefined && options.properties.length > 0) {
    const properties: Record<string, unknown> = {};
    for (const key of options.properties) {
      if (options.propertyValues?.has(key)) {
        properties[key] = options.propertyValues.get(key);
      }
    }
    json.properties = properties;
  }

  return json;
}

/** The `comment` field of GET issue; it is not in `GET /field`'s list of the simulator. */
const COMMENT_FIELD: FieldDefinition = {
  id: 'comment',
  name: 'Comment',
  custom: false,
  kind: 'readOnly',
  schema: { type: 'comments-page', system: 'comment' },
  clauseNames: ['comment'],
  settable: false,
};

/** Render one field of an issue. */
function fieldValueJson(context: ViewContext, record: IssueRecord, field: FieldDefinition, comments: readonly CommentRecord[]): unknown {
  const { site } = context;
  const apiBase = `${context.baseUrl}/rest/api/${context.apiVersion}`;
  const time = (epochMs: number | null): string | null => (epochMs === null ? null : formatJiraTimestamp(epochMs, context.timeZone));
  const user = (login: string | null): unknown => {
    const found = login === null ? undefined : site.users.find(login);
    return found === undefined ? null : platformUserJson(found, site.deployment, apiBase);
  };

  switch (field.id) {
    case 'summary':
      return record.summary;
    case 'labels':
      return [...record.labels];
    case 'priority':
      return record.priorityId === null ? null : priorityJson(context, site.findPriority(record.priorityId));
    case 'resolution':
      return record.resolutionId === null ? null : resolutionJson(context, site.findResolution(record.resolutionId));
    case 'status':
      return statusJson(context, site.status(record.statusId));
    case 'issuetype':
      return issueTypeJson(context, site.issueType(record.issueTypeId));
    case 'project':
      return projectJson(context, site.projectById(record.projectId));
    case 'assignee':
      return user(record.assignee);
    case 'reporter':
      return user(record.reporter);
    case 'creator':
      return user(record.creator);
    case 'created':
      return time(record.created);
    case 'updated':
      return time(record.updated);
    case 'resolutiondate':
      return time(record.resolutionDate);
    case 'statuscategorychangedate':
      return time(record.statusCategoryChanged);
    case 'comment':
      return {
        comments: comments.map((comment) => commentJson(context, record, comment)),
        self: `${apiBase}/issue/${record.id}/comment`,
        maxResults: comments.length,
        total: comments.length,
        startAt: 0,
      };
  }

  const value = record.values[field.id];
  if (value === undefined || value === null) {
    return null;
  }

  switch (field.kind) {
    case 'richText':
      return richTextJson(context, value);
    case 'select': {
      const option = field.options?.find((candidate) => candidate.id === value);
      return option === undefined ? null : { self: `${apiBase}/customFieldOption/${option.id}`, value: option.value, id: option.id };
    }
    case 'datetime':
      return time(value as number);
    case 'requestType':
      return requestTypeJson(context, record, String(value));
    default:
      return value;
  }
}

/** Render stored rich text for the REST version: ADF for v3, a string for v2. */
export function richTextJson(context: ViewContext, value: StoredText): unknown {
  if (value === null || value === undefined) {
    return null;
  }
  if (context.apiVersion === '3') {
    return typeof value === 'string' ? textToAdf(value) : structuredClone(value);
  }
  return typeof value === 'string' ? value : adfToText(value);
}

function renderedFields(context: ViewContext, record: IssueRecord, selection: FieldSelection): Record<string, unknown> {
  const rendered: Record<string, unknown> = {};
  for (const field of context.site.fields) {
    if (field.kind !== 'richText' || !selection.includes(field.id)) {
      continue;
    }
    const value = record.values[field.id];
    let text = '';
    if (typeof value === 'string') {
      text = value;
    } else if (value !== undefined && value !== null) {
      text = adfToText(value);
    }
    rendered[field.id] = text === '' ? null : text.split(/\n{2,}/).map((paragraph) => `<p>${escapeHtml(paragraph).replace(/\n/g, '<br/>')}</p>`).join('\n');
  }
  return rendered;
}

function requestTypeJson(context: ViewContext, record: IssueRecord, requestTypeId: string): unknown {
  const project = context.site.projectById(record.projectId);
  const requestType = project.requestTypes.find((candidate) => candidate.id === requestTypeId);
  if (requestType === undefined) {
    return null;
  }
  const status = context.site.status(record.statusId);
  return {
    _links: {
      jiraRest: `${context.baseUrl}/rest/api/2/issue/${record.id}`,
      web: `${context.baseUrl}/servicedesk/customer/portal/${requestType.serviceDeskId}/${record.key}`,
      self: `${context.baseUrl}/rest/servicedeskapi/request/${record.id}`,
    },
    requestType: {
      _expands: ['field'],
      id: requestType.id,
      _links: { self: `${context.baseUrl}/rest/servicedeskapi/servicedesk/${requestType.serviceDeskId}/requesttype/${requestType.id}` },
      name: requestType.name,
      description: '',
      helpText: '',
      issueTypeId: requestType.issueTypeId,
      serviceDeskId: requestType.serviceDeskId,
      portalId: requestType.serviceDeskId,
      groupIds: [],
    },
    currentStatus: {
      status: status.name,
      statusCategory: status.category.toUpperCase(),
      statusDate: formatJsmDate(record.updated, context.timeZone),
    },
  };
}

/** Render a comment as the comment endpoints and the `comment` field show it. */
export function commentJson(context: ViewContext, record: IssueRecord, comment: CommentRecord): Record<string, unknown> {
  const apiBase = `${context.baseUrl}/rest/api/${context.apiVersion}`;
  const user = (login: string): unknown => {
    const found = context.site.users.find(login);
    return found === undefined ? null : platformUserJson(found, context.site.deployment, apiBase);
  };

  const json: Record<string, unknown> = {
    self: `${apiBase}/issue/${record.id}/comment/${comment.id}`,
    id: comment.id,
    author: user(comment.author),
    body: richTextJson(context, comment.body),
    updateAuthor: user(comment.updateAuthor),
    created: formatJiraTimestamp(comment.created, context.timeZone),
    updated: formatJiraTimestamp(comment.updated, context.timeZone),
  };
  // Only Cloud reports whether a comment is public in the JSM portal.
  if (context.site.deployment === 'cloud') {
    json.jsdPublic = comment.jsdPublic;
  }
  return json;
}

/** Render a status with its category. */
export function statusJson(context: ViewContext, status: StatusDefinition): Record<string, unknown> {
  const apiBase = `${context.baseUrl}/rest/api/${context.apiVersion}`;
  const category = context.site.statusCategory(status.category);
  return {
    self: `${apiBase}/status/${status.id}`,
    description: status.description,
    iconUrl: `${context.baseUrl}/images/icons/statuses/generic.png`,
    name: status.name,
    id: status.id,
    statusCategory: {
      self: `${apiBase}/statuscategory/${category.id}`,
      id: category.id,
      key: category.key,
      colorName: category.colorName,
      name: category.name,
    },
  };
}

export function priorityJson(context: ViewContext, priority: PriorityDefinition | undefined): Record<string, unknown> | null {
  if (priority === undefined) {
    return null;
  }
  return {
    self: `${context.baseUrl}/rest/api/${context.apiVersion}/priority/${priority.id}`,
    iconUrl: `${context.baseUrl}/images/icons/priorities/${priority.iconName}.svg`,
    name: priority.name,
    id: priority.id,
  };
}

export function resolutionJson(context: ViewContext, resolution: ResolutionDefinition | undefined): Record<string, unknown> | null {
  if (resolution === undefined) {
    return null;
  }
  return {
    self: `${context.baseUrl}/rest/api/${context.apiVersion}/resolution/${resolution.id}`,
    id: resolution.id,
    description: resolution.description,
    name: resolution.name,
  };
}

export function issueTypeJson(context: ViewContext, issueType: IssueTypeDefinition): Record<string, unknown> {
  return {
    self: `${context.baseUrl}/rest/api/${context.apiVersion}/issuetype/${issueType.id}`,
    id: issueType.id,
    description: issueType.description,
    iconUrl: `${context.baseUrl}/images/icons/issuetypes/${issueType.workflow}.svg`,
    name: issueType.name,
    subtask: false,
    hierarchyLevel: 0,
  };
}

export function projectJson(context: ViewContext, project: ProjectDefinition): Record<string, unknown> {
  return {
    self: `${context.baseUrl}/rest/api/${context.apiVersion}/project/${project.id}`,
    id: project.id,
    key: project.key,
    name: project.name,
    projectTypeKey: project.projectTypeKey,
    simplified: false,
  };
}

/** Render a transition; with `withFields`, the screen fields as `expand=transitions.fields` shows them. */
export function transitionJson(context: ViewContext, transition: TransitionDefinition, withFields: boolean): Record<string, unknown> {
  const json: Record<string, unknown> = {
    id: transition.id,
    name: transition.name,
    to: statusJson(context, context.site.status(transition.to)),
    hasScreen: transition.screen.length > 0,
    isGlobal: transition.from === 'any',
    isInitial: false,
    isAvailable: true,
    isConditional: false,
    isLooped: false,
  };
  if (withFields) {
    json.fields = Object.fromEntries(transition.screen.map((screenField) => [screenField.fieldId, screenFieldJson(context, screenField)]));
  }
  return json;
}

function screenFieldJson(context: ViewContext, screenField: ScreenField): Record<string, unknown> {
  const field = context.site.field(screenField.fieldId);
  const json: Record<string, unknown> = {
    required: screenField.required,
    schema: { type: field?.schema.type ?? screenField.fieldId, system: screenField.fieldId },
    name: field?.name ?? screenField.fieldId,
    key: screenField.fieldId,
    hasDefaultValue: screenField.defaultResolutionId !== undefined,
    operations: ['set'],
  };
  if (screenField.fieldId === 'resolution') {
    json.allowedValues = context.site.resolutions().map((resolution) => ({
      self: `${context.baseUrl}/rest/api/${context.apiVersion}/resolution/${resolution.id}`,
      name: resolution.name,
      id: resolution.id,
    }));
  }
  if (screenField.fieldId === 'priority') {
    json.allowedValues = context.site.priorities().map((priority) => priorityJson(context, priority));
  }
  return json;
}

/** Render an entry for a test helper: every field, through the site's own REST version, in the site's time zone. */
export function helperIssueJson(site: JiraSite, baseUrl: string, entry: IssueEntry): Record<string, unknown> {
  const context: ViewContext = { site, baseUrl, apiVersion: site.nativeApiVersion, timeZone: site.timeZone };
  return issueJson(context, entry.record, {
    fields: parseFieldSelection(['*all', 'comment'], '*all'),
    expand: new Set(),
    comments: entry.comments,
  });
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
