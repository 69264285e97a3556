/**
 * The site-wide configuration the Jira simulator serves: status categories, statuses, priorities,
 * resolutions, issue types and fields. On a real site these are global objects with numeric ids,
 * shared by every project. The ids here are those of a new site or of the classic Jira defaults
 * where known, and made up otherwise.
 */

/** A status category. Jira has exactly these four; `key` is what clients should compare. */
export interface StatusCategory {
  id: number;
  key: 'undefined' | 'new' | 'indeterminate' | 'done';
  name: string;
  colorName: string;
}

export const STATUS_CATEGORIES: readonly StatusCategory[] = [
  { id: 1, key: 'undefined', name: 'No Category', colorName: 'medium-gray' },
  { id: 2, key: 'new', name: 'To Do', colorName: 'blue-gray' },
  { id: 4, key: 'indeterminate', name: 'In Progress', colorName: 'yellow' },
  { id: 3, key: 'done', name: 'Done', colorName: 'green' },
];

/** A workflow status. */
export interface StatusDefinition {
  id: string;
  name: string;
  category: StatusCategory['key'];
  description: string;
}

/**
 * Every status of the simulated site. Open, In Progress, Reopened, Resolved and Closed keep the ids
 * of the classic Jira workflow (1, 3, 4, 5, 6).
 */
export const STATUSES: readonly StatusDefinition[] = [
  { id: '1', name: 'Open', category: 'new', description: 'The issue is open and ready for the assignee to start work on it.' },
  { id: '3', name: 'In Progress', category: 'indeterminate', description: 'This issue is being actively worked on at the moment by the assignee.' },
  { id: '4', name: 'Reopened', category: 'new', description: 'This issue was once resolved, but the resolution was deemed incorrect.' },
  { id: '5', name: 'Resolved', category: 'done', description: 'A resolution has been taken, and it is awaiting verification by reporter.' },
  { id: '6', name: 'Closed', category: 'done', description: 'The issue is considered finished, the resolution is correct.' },
  { id: '10000', name: 'To Do', category: 'new', description: '' },
  { id: '10002', name: 'Done', category: 'done', description: '' },
  { id: '10003', name: 'Risk Accepted', category: 'done', description: 'The risk was reviewed and accepted without a fix.' },
  { id: '10100', name: 'Planning', category: 'indeterminate', description: 'The change is being planned.' },
  { id: '10101', name: 'Awaiting approval', category: 'indeterminate', description: 'The change waits for its approvers.' },
  { id: '10102', name: 'Awaiting implementation', category: 'indeterminate', description: 'The change is approved and scheduled.' },
  { id: '10103', name: 'Implementing', category: 'indeterminate', description: 'The change is being implemented.' },
  { id: '10104', name: 'Completed', category: 'done', description: 'The change was implemented.' },
  { id: '10105', name: 'Declined', category: 'done', description: 'An approver declined the change.' },
  { id: '10106', name: 'Canceled', category: 'done', description: 'The change was canceled before implementation.' },
];

export interface PriorityDefinition {
  id: string;
  name: string;
  iconName: string;
}

/** Jira's default priority scheme, highest first. New issues get Medium unless they name one. */
export const PRIORITIES: readonly PriorityDefinition[] = [
  { id: '1', name: 'Highest', iconName: 'highest' },
  { id: '2', name: 'High', iconName: 'high' },
  { id: '3', name: 'Medium', iconName: 'medium' },
  { id: '4', name: 'Low', iconName: 'low' },
  { id: '5', name: 'Lowest', iconName: 'lowest' },
];

export const DEFAULT_PRIORITY_ID = '3';

export interface ResolutionDefinition {
  id: string;
  name: string;
  description: string;
}

/** The resolutions of a new Jira Service Management site. */
export const RESOLUTIONS: readonly ResolutionDefinition[] = [
  { id: '10000', name: 'Done', description: 'Work has been completed on this issue.' },
  { id: '10001', name: "Won't Do", description: 'This issue won\'t be actioned.' },
  { id: '10002', name: 'Duplicate', description: 'The problem is a duplicate of an existing issue.' },
  { id: '10003', name: 'Cannot Reproduce', description: 'This issue could not be reproduced.' },
  { id: '10004', name: 'Declined', description: 'This request was declined.' },
];

/** Workflows an issue type can use; see workflows.ts. */
export type WorkflowName = 'incident' | 'change' | 'task';

/** An issue type and the workflow its issues follow. */
export interface IssueTypeDefinition {
  id: string;
  name: string;
  description: string;
  workflow: WorkflowName;
}

/**
 * The issue types of a Jira Service Management IT service project. Cloud puts "[System]" before
 * the names of the types that JSM features (approvals, request types) depend on. A site admin can
 * rename them, so the connector takes issue type names from its mappings.
 */
export const DEFAULT_ISSUE_TYPES: readonly IssueTypeDefinition[] = [
  { id: '10002', name: 'Task', description: 'A small, distinct piece of work.', workflow: 'task' },
  { id: '10004', name: '[System] Incident', description: 'For system outages or incidents.', workflow: 'incident' },
  { id: '10005', name: '[System] Service request', description: 'Requests for help or a service.', workflow: 'incident' },
  { id: '10006', name: '[System] Change', description: 'Requests to change production systems.', workflow: 'change' },
];

/** The kinds of field values the simulator stores and checks. */
export type FieldKind =
  | 'summary'
  | 'text' // single-line text, at most 255 characters
  | 'richText' // description, environment, textarea custom fields: ADF on Cloud REST v3, wiki strings elsewhere
  | 'labels'
  | 'priority'
  | 'resolution'
  | 'status'
  | 'issuetype'
  | 'project'
  | 'user'
  | 'datetime'
  | 'number'
  | 'select'
  | 'requestType'
  | 'readOnly';

/** A field as `GET /rest/api/{v}/field` lists it, with what the simulator needs to store it. */
export interface FieldDefinition {
  id: string;
  name: string;
  custom: boolean;
  kind: FieldKind;
  schema: { type: string; items?: string; system?: string; custom?: string; customId?: number };
  /** Names JQL accepts for the field: the field name, and `cf[n]` for custom fields. */
  clauseNames: string[];
  /** Values of a select field. */
  options?: Array<{ id: string; value: string }>;
  /** Whether a create or edit may set the field. */
  settable: boolean;
}

/** A custom field as the `customFields` option takes it. */
export interface CustomFieldOptions {
  /** `customfield_<number>`. */
  id: string;
  name: string;
  type: 'text' | 'textarea' | 'select' | 'datetime' | 'number';
  /** Values of a select field. */
  options?: string[];
}

const CUSTOM_TYPE_KEYS: Record<CustomFieldOptions['type'], { type: string; custom: string; kind: FieldKind }> = {
  text: { type: 'string', custom: 'com.atlassian.jira.plugin.system.customfieldtypes:textfield', kind: 'text' },
  textarea: { type: 'string', custom: 'com.atlassian.jira.plugin.system.customfieldtypes:textarea', kind: 'richText' },
  select: { type: 'option', custom: 'com.atlassian.jira.plugin.system.customfieldtypes:select', kind: 'select' },
  datetime: { type: 'datetime', custom: 'com.atlassian.jira.plugin.system.customfieldtypes:datetime', kind: 'datetime' },
  number: { type: 'number', custom: 'com.atlassian.jira.plugin.system.customfieldtypes:float', kind: 'number' },
};

/** The JSM request type field. Its id is customfield_10010 on Cloud sites. */
export const REQUEST_TYPE_FIELD_ID = 'customfield_10010';

/**
 * Custom fields of the default site: the JSM request type, an AWS finding id (single line), AWS
 * details (multi-line), an impact select list, and the planned window of a change.
 */
export const DEFAULT_CUSTOM_FIELDS: readonly CustomFieldOptions[] = [
  { id: 'customfield_10060', name: 'AWS finding ID', type: 'text' },
  { id: 'customfield_10061', name: 'AWS details', type: 'textarea' },
  { id: 'customfield_10004', name: 'Impact', type: 'select', options: ['Extensive / Widespread', 'Significant / Large', 'Moderate / Limited', 'Minor / Localized'] },
  { id: 'customfield_10041', name: 'Planned start', type: 'datetime' },
  { id: 'customfield_10042', name: 'Planned end', type: 'datetime' },
];

/** Build the system fields and the given custom fields, in the order `GET /field` lists them. */
export function buildFieldDefinitions(customFields: readonly CustomFieldOptions[]): FieldDefinition[] {
  const system = (id: string, name: string, kind: FieldKind, schema: FieldDefinition['schema'], settable = true): FieldDefinition => ({
    id,
    name,
    custom: false,
    kind,
    schema: { ...schema, system: id },
    clauseNames: [id],
    settable,
  });

  const fields: FieldDefinition[] = [
    system('summary', 'Summary', 'summary', { type: 'string' }),
    system('description', 'Description', 'richText', { type: 'string' }),
    system('environment', 'Environment', 'richText', { type: 'string' }),
    system('labels', 'Labels', 'labels', { type: 'array', items: 'string' }),
    system('priority', 'Priority', 'priority', { type: 'priority' }),
    system('resolution', 'Resolution', 'resolution', { type: 'resolution' }, false),
    system('status', 'Status', 'status', { type: 'status' }, false),
    system('issuetype', 'Issue Type', 'issuetype', { type: 'issuetype' }),
    system('project', 'Project', 'project', { type: 'project' }),
    system('assignee', 'Assignee', 'user', { type: 'user' }),
    system('reporter', 'Reporter', 'user', { type: 'user' }),
    system('creator', 'Creator', 'readOnly', { type: 'user' }, false),
    system('created', 'Created', 'readOnly', { type: 'datetime' }, false),
    system('updated', 'Updated', 'readOnly', { type: 'datetime' }, false),
    system('resolutiondate', 'Resolved', 'readOnly', { type: 'datetime' }, false),
    system('statuscategorychangedate', 'Status Category Changed', 'readOnly', { type: 'datetime' }, false),
  ];
  // JQL also accepts these names.
  fields.find((field) => field.id === 'issuetype')?.clauseNames.push('type');
  fields.find((field) => field.id === 'resolutiondate')?.clauseNames.push('resolved');

  fields.push({
    id: REQUEST_TYPE_FIELD_ID,
    name: 'Request Type',
    custom: true,
    kind: 'requestType',
    schema: { type: 'sd-customerrequesttype', custom: 'com.atlassian.servicedesk:vp-origin', customId: customIdOf(REQUEST_TYPE_FIELD_ID) },
    clauseNames: [`cf[${customIdOf(REQUEST_TYPE_FIELD_ID)}]`, 'Request Type'],
    settable: true,
  });

  // Option ids are global on a site, so they are numbered across fields.
  let nextOptionId = 10200;
  for (const field of customFields) {
    const type = CUSTOM_TYPE_KEYS[field.type];
    const customId = customIdOf(field.id);
    fields.push({
      id: field.id,
      name: field.name,
      custom: true,
      kind: type.kind,
      schema: { type: type.type, custom: type.custom, customId },
      clauseNames: [`cf[${customId}]`, field.name],
      options: field.options?.map((value) => ({ id: String(nextOptionId++), value })),
      settable: true,
    });
  }

  return fields;
}

/** Return the number of a `customfield_<n>` id. */
export function customIdOf(fieldId: string): number {
  return Number(fieldId.slice('customfield_'.length));
}

/** Check the form of a custom field id: `customfield_` followed by a number. */
export function isCustomFieldId(fieldId: string): boolean {
  return /^customfield_[1-9]\d*$/.test(fieldId);
}
