/**
 * Validation of the `fields` and `update` of a create, edit or transition request: which fields
 * the request may set, whether each value is valid for the field and the REST version, and what
 * to store. Rejections carry the body of Jira's 400 response.
 */

import { textToAdf } from './adf.js';
import type { FieldDefinition, IssueTypeDefinition } from './catalog.js';
import type { IssueRecord, StoredText } from './issue-store.js';
import type { ProjectDefinition } from './projects.js';
import { MESSAGES } from './responses.js';
import type { JiraSite } from './site.js';
import { parseJiraDateTime } from './time.js';
import type { ScreenField } from './workflows.js';

/** Jira's limit for multi-line text fields and comments, in UTF-16 code units of the value as sent. */
export const TEXT_LIMIT = 32_767;
/** Jira's limit for summaries, single-line text fields and labels. */
export const SHORT_TEXT_LIMIT = 255;

/** The changes a request makes, in stored form. Absent keys are left as they are. */
export interface IssueChanges {
  summary?: string;
  labels?: string[];
  priorityId?: string | null;
  resolutionId?: string | null;
  reporter?: string | null;
  assignee?: string | null;
  /** Other fields, by field id, in stored form (see IssueRecord.values). */
  values: Record<string, unknown>;
  /** Comments added through `update.comment`. */
  comments: NewComment[];
}

/** A comment to add, with its body in the site's own format. */
export interface NewComment {
  body: StoredText;
  jsdPublic: boolean;
}

/** A rejected request, with the body of Jira's 400 response. */
export interface WriteRejection {
  errorMessages: string[];
  errors: Record<string, string>;
}

/** The request being read. */
export type WriteMode =
  | { kind: 'create'; project: ProjectDefinition; issueType: IssueTypeDefinition }
  | { kind: 'edit'; project: ProjectDefinition; record: IssueRecord }
  | { kind: 'transition'; project: ProjectDefinition; record: IssueRecord; screen: readonly ScreenField[] };

type Operation = { verb: 'set' | 'add' | 'remove'; value: unknown };

/**
 * Read the `fields` and `update` of a request. `apiVersion` decides the rich text format on Cloud:
 * REST v3 takes ADF documents, REST v2 takes strings.
 */
export function readFieldWrites(
  site: JiraSite,
  mode: WriteMode,
  apiVersion: '2' | '3',
  fields: unknown,
  update: unknown,
): { changes: IssueChanges } | { rejection: WriteRejection } {
  const rejection: WriteRejection = { errorMessages: [], errors: {} };
  const changes: IssueChanges = { values: {}, comments: [] };

  if ((fields !== undefined && !isObject(fields)) || (update !== undefined && !isObject(update))) {
    return { rejection: { errorMessages: [MESSAGES.invalidBody], errors: {} } };
  }

  // Collect the operations of each field from both parts of the request.
  const operations = new Map<string, Operation[]>();
  for (const [fieldId, value] of Object.entries(fields ?? {})) {
    operations.set(fieldId, [{ verb: 'set', value }]);
  }
  for (const [fieldId, entries] of Object.entries(update ?? {})) {
    if (operations.has(fieldId)) {
      rejection.errors[fieldId] = MESSAGES.fieldInBothPlaces(fieldId);
      continue;
    }
    const parsed = parseUpdateOperations(entries);
    if (parsed === undefined) {
      rejection.errors[fieldId] = MESSAGES.updateOperationInvalid(fieldId);
      continue;
    }
    operations.set(fieldId, parsed);
  }

  for (const [fieldId, fieldOperations] of operations) {
    if (fieldId === 'comment' && fields !== undefined && Object.hasOwn(fields, 'comment')) {
      rejection.errors.comment = MESSAGES.notOnScreen('comment');
      continue;
    }
    if (fieldId === 'comment') {
      readCommentOperations(site, mode, apiVersion, fieldOperations, changes, rejection);
      continue;
    }

    const field = site.field(fieldId);
    const refusal = field === undefined ? MESSAGES.notOnScreen(fieldId) : settableRefusal(field, mode);
    if (refusal === 'unchanged') {
      continue;
    }
    if (refusal !== undefined || field === undefined) {
      rejection.errors[fieldId] = refusal ?? MESSAGES.notOnScreen(fieldId);
      continue;
    }

    for (const operation of fieldOperations) {
      const message = applyOperation(site, mode, apiVersion, field, operation, changes);
      if (message !== undefined) {
        rejection.errors[fieldId] = message;
        break;
      }
    }
  }

  checkRequiredFields(site, mode, changes, rejection);

  if (rejection.errorMessages.length > 0 || Object.keys(rejection.errors).length > 0) {
    return { rejection };
  }
  return { changes };
}

/**
 * Check the body of a comment for the site and REST version and convert it to the site's format.
 * Returns the stored body or the error message for the `comment` field.
 */
export function readCommentBody(site: JiraSite, apiVersion: '2' | '3', body: unknown): { body: StoredText } | { error: string } {
  const read = readRichText(site, apiVersion, body);
  if ('error' in read) {
    return read;
  }
  if (read.value === null) {
    return { error: MESSAGES.commentEmpty };
  }
  return { body: read.value };
}

/**
 * Return whether a comment is public in the JSM portal. The platform API makes comments on a
 * service desk project public unless the `sd.public.comment` property is `{"internal": true}`.
 */
export function commentVisibility(project: ProjectDefinition, properties: unknown): boolean {
  if (project.projectTypeKey !== 'service_desk') {
    return false;
  }
  if (Array.isArray(properties)) {
    for (const property of properties) {
      if (isObject(property) && property.key === 'sd.public.comment' && isObject(property.value) && property.value.internal === true) {
        return false;
      }
    }
  }
  return true;
}

function parseUpdateOperations(entries: unknown): Operation[] | undefined {
  if (!Array.isArray(entries)) {
    return undefined;
  }
  const operations: Operation[] = [];
  for (const entry of entries) {
    if (!isObject(entry)) {
      return undefined;
    }
    const verbs = Object.keys(entry);
    const verb = verbs[0];
    if (verbs.length !== 1 || (verb !== 'set' && verb !== 'add' && verb !== 'remove')) {
      return undefined;
    }
    operations.push({ verb, value: entry[verb] });
  }
  return operations;
}

function readCommentOperations(
  site: JiraSite,
  mode: WriteMode,
  apiVersion: '2' | '3',
  operations: Operation[],
  changes: IssueChanges,
  rejection: WriteRejection,
): void {
  if (mode.kind === 'create') {
    rejection.errors.comment = MESSAGES.notOnScreen('comment');
    return;
  }
  for (const operation of operations) {
    if (operation.verb !== 'add' || !isObject(operation.value)) {
      rejection.errors.comment = MESSAGES.updateOperationInvalid('comment');
      return;
    }
    const read = readCommentBody(site, apiVersion, operation.value.body);
    if ('error' in read) {
      rejection.errors.comment = read.error;
      return;
    }
    changes.comments.push({ body: read.body, jsdPublic: commentVisibility(mode.project, operation.value.properties) });
  }
}

/**
 * Return why the request may not set the field, `unchanged` for a project or issue type that an
 * edit repeats, or undefined when it may set it.
 */
function settableRefusal(field: FieldDefinition, mode: WriteMode): string | 'unchanged' | undefined {
  if (mode.kind === 'transition') {
    return mode.screen.some((screenField) => screenField.fieldId === field.id) ? undefined : MESSAGES.notOnScreen(field.id);
  }

  if (field.id === 'project' || field.id === 'issuetype') {
    // A create reads these two before anything else. An edit may repeat them but not change them.
    return mode.kind === 'create' ? 'unchanged' : undefined;
  }
  if (!field.settable) {
    return MESSAGES.notOnScreen(field.id);
  }
  if (field.kind === 'requestType' && mode.project.serviceDeskId === undefined) {
    return MESSAGES.notOnScreen(field.id);
  }
  return undefined;
}

/** Apply one operation on a field to `changes`. Returns the error message when the value is invalid. */
function applyOperation(
  site: JiraSite,
  mode: WriteMode,
  apiVersion: '2' | '3',
  field: FieldDefinition,
  operation: Operation,
  changes: IssueChanges,
): string | undefined {
  if (field.kind === 'labels') {
    return applyLabelOperation(mode, operation, changes);
  }
  if (operation.verb !== 'set') {
    return MESSAGES.updateOperationInvalid(field.id);
  }

  const value = operation.value;
  switch (field.kind) {
    case 'project':
    case 'issuetype': {
      // Only an edit gets here: it may name the issue's own project or issue type.
      const record = mode.kind === 'edit' ? mode.record : undefined;
      const current = field.kind === 'project' ? record?.projectId : record?.issueTypeId;
      const reference = isObject(value) ? String(value.id ?? value.key ?? value.name ?? '') : '';
      const matches =
        field.kind === 'project'
          ? site.project(reference)?.id === current
          : site.issueTypes().some((type) => type.id === current && (type.id === reference || type.name === reference));
      return matches ? undefined : MESSAGES.notOnScreen(field.id);
    }
    case 'summary':
      return applySummary(value, changes);
    case 'richText': {
      const read = readRichText(site, apiVersion, value);
      if ('error' in read) {
        return read.error;
      }
      changes.values[field.id] = read.value;
      return undefined;
    }
    case 'text': {
      if (value !== null && typeof value !== 'string') {
        return MESSAGES.notString;
      }
      if (typeof value === 'string' && value.length > SHORT_TEXT_LIMIT) {
        return MESSAGES.textTooLong(SHORT_TEXT_LIMIT);
      }
      changes.values[field.id] = value === '' ? null : value;
      return undefined;
    }
    case 'priority': {
      if (value === null) {
        changes.priorityId = null;
        return undefined;
      }
      const priority = isObject(value) ? site.findPriority(String(value.id ?? value.name ?? '')) : undefined;
      if (priority === undefined) {
        return MESSAGES.priorityInvalid;
      }
      changes.priorityId = priority.id;
      return undefined;
    }
    case 'resolution': {
      if (value === null) {
        changes.resolutionId = null;
        return undefined;
      }
      const reference = isObject(value) ? String(value.id ?? value.name ?? '') : String(value);
      const resolution = isObject(value) ? site.findResolution(reference) : undefined;
      if (resolution === undefined) {
        return MESSAGES.resolutionInvalid(reference);
      }
      changes.resolutionId = resolution.id;
      return undefined;
    }
    case 'user': {
      const user = isObject(value) ? site.users.findByReference(value) : undefined;
      if (value !== null && user === undefined) {
        return MESSAGES.userInvalid(field.id);
      }
      const login = user?.login ?? null;
      if (field.id === 'assignee') {
        changes.assignee = login;
      } else {
        changes.reporter = login;
      }
      return undefined;
    }
    case 'datetime': {
      if (value === null) {
        changes.values[field.id] = null;
        return undefined;
      }
      const epochMs = typeof value === 'string' ? parseJiraDateTime(value) : undefined;
      if (epochMs === undefined) {
        return MESSAGES.dateInvalid;
      }
      changes.values[field.id] = epochMs;
      return undefined;
    }
    case 'number': {
      if (value !== null && (typeof value !== 'number' || !Number.isFinite(value))) {
        return MESSAGES.notNumber;
      }
      changes.values[field.id] = value;
      return undefined;
    }
    case 'select': {
      if (value === null) {
        changes.values[field.id] = null;
        return undefined;
      }
      const reference = isObject(value) ? String(value.value ?? value.id ?? '') : String(value);
      const option = isObject(value) ? field.options?.find((candidate) => candidate.id === reference || candidate.value === reference) : undefined;
      if (option === undefined) {
        return MESSAGES.optionInvalid(reference);
      }
      changes.values[field.id] = option.id;
      return undefined;
    }
    case 'requestType': {
      const issueTypeId = mode.kind === 'create' ? mode.issueType.id : mode.record.issueTypeId;
      const requestType =
        typeof value === 'string' ? mode.project.requestTypes.find((candidate) => candidate.id === value && candidate.issueTypeId === issueTypeId) : undefined;
      if (value !== null && requestType === undefined) {
        return MESSAGES.requestTypeInvalid(typeof value === 'string' ? value : JSON.stringify(value));
      }
      changes.values[field.id] = requestType?.id ?? null;
      return undefined;
    }
    default:
      return MESSAGES.notOnScreen(field.id);
  }
}

function applySummary(value: unknown, changes: IssueChanges): string | undefined {
  if (value !== null && typeof value !== 'string') {
    return MESSAGES.notString;
  }
  if (value === null || value.trim() === '') {
    return MESSAGES.summaryMissing;
  }
  if (value.length > SHORT_TEXT_LIMIT) {
    return MESSAGES.summaryTooLong;
  }
  changes.summary = value;
  return undefined;
}

function applyLabelOperation(mode: WriteMode, operation: Operation, changes: IssueChanges): string | undefined {
  const current = changes.labels ?? (mode.kind === 'create' ? [] : mode.record.labels);
  let labels: unknown[];

  if (operation.verb === 'set') {
    if (operation.value !== null && !Array.isArray(operation.value)) {
      return MESSAGES.notArray;
    }
    labels = operation.value ?? [];
  } else {
    labels = [operation.value];
  }

  for (const label of labels) {
    if (typeof label !== 'string') {
      return MESSAGES.notString;
    }
    if (label === '' || /\s/.test(label)) {
      return MESSAGES.labelWithSpace(label);
    }
    if (label.length > SHORT_TEXT_LIMIT) {
      return MESSAGES.labelTooLong(label);
    }
  }

  const strings = labels as string[];
  let next: string[];
  if (operation.verb === 'set') {
    next = strings;
  } else if (operation.verb === 'add') {
    next = [...current, ...strings];
  } else {
    next = current.filter((label) => !strings.includes(label));
  }
  changes.labels = [...new Set(next)].sort();
  return undefined;
}

/**
 * Check a rich text value. Cloud REST v3 takes an ADF document; REST v2 and Data Center take a
 * string, which Cloud stores as ADF. The length limit applies to the value as sent: the JSON of an
 * ADF document, or the string.
 *
 * NOTE: how Jira Cloud counts an ADF document against the 32,767 limit is not documented; the JSON
 * length is an assumption.
 */
function readRichText(site: JiraSite, apiVersion: '2' | '3', value: unknown): { value: StoredText | null } | { error: string } {
  if (value === null || value === undefined) {
    return { value: null };
  }

  if (site.deployment === 'cloud' && apiVersion === '3') {
    if (!isObject(value) || !site.validateAdf(value).valid) {
      return { error: MESSAGES.notAdf };
    }
    if (JSON.stringify(value).length > TEXT_LIMIT) {
      return { error: MESSAGES.textTooLong(TEXT_LIMIT) };
    }
    return { value: structuredClone(value) };
  }

  if (typeof value !== 'string') {
    return { error: MESSAGES.notString };
  }
  if (value.length > TEXT_LIMIT) {
    return { error: MESSAGES.textTooLong(TEXT_LIMIT) };
  }
  if (value === '') {
    return { value: null };
  }
  return { value: site.deployment === 'cloud' ? textToAdf(value) : value };
}

/**
 * Check that a create sets the summary and the project's required fields, that an edit does not
 * clear a required field, and that a transition has its required screen fields (using the screen's
 * default resolution where it has one).
 */
function checkRequiredFields(site: JiraSite, mode: WriteMode, changes: IssueChanges, rejection: WriteRejection): void {
  if (mode.kind === 'transition') {
    for (const screenField of mode.screen) {
      if (!screenField.required || screenField.fieldId !== 'resolution' || changes.resolutionId !== undefined) {
        continue;
      }
      if (screenField.defaultResolutionId !== undefined) {
        changes.resolutionId = screenField.defaultResolutionId;
      } else {
        rejection.errorMessages.push(MESSAGES.fieldRequired(screenField.fieldId));
      }
    }
    return;
  }

  if (mode.kind === 'create' && changes.summary === undefined && rejection.errors.summary === undefined) {
    rejection.errors.summary = MESSAGES.summaryMissing;
  }

  const issueTypeId = mode.kind === 'create' ? mode.issueType.id : mode.record.issueTypeId;
  for (const fieldId of mode.project.requiredFields.get(issueTypeId) ?? []) {
    if (rejection.errors[fieldId] !== undefined) {
      continue;
    }
    const value = storedChange(changes, fieldId);
    const missing = mode.kind === 'create' ? value === undefined || isEmptyValue(value) : value !== undefined && isEmptyValue(value);
    if (missing) {
      rejection.errorMessages.push(MESSAGES.fieldRequired(site.field(fieldId)?.id ?? fieldId));
    }
  }
}

function storedChange(changes: IssueChanges, fieldId: string): unknown {
  switch (fieldId) {
    case 'summary':
      return changes.summary;
    case 'labels':
      return changes.labels;
    case 'priority':
      return changes.priorityId;
    case 'assignee':
      return changes.assignee;
    case 'reporter':
      return changes.reporter;
    default:
      return Object.hasOwn(changes.values, fieldId) ? changes.values[fieldId] : undefined;
  }
}

function isEmptyValue(value: unknown): boolean {
  return value === null || value === '' || (Array.isArray(value) && value.length === 0);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
