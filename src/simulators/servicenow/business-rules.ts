import { randomBytes } from 'node:crypto';

import { applyChangeRules, CHANGE_STATE } from './change-model.js';
import type { SimulatedTable, StoredRecord } from './record-store.js';
import { fieldLabel } from './tables.js';

/** Dictionary length of `correlation_id` on a default instance. */
export const CORRELATION_ID_LENGTH = 100;

/** The user a write is made as. */
export interface ActingUser {
  username: string;
  sysId: string;
}

/** Everything a write needs besides the record. */
export interface WriteContext {
  table: SimulatedTable;
  user: ActingUser;
  /** UTC `YYYY-MM-DD HH:mm:ss`. */
  now: string;
  /** Fields a data policy makes mandatory on this table. */
  mandatoryFields: readonly string[];
  /**
   * True for a write that a business rule makes, such as the change update of an approval. Rules
   * that only check what people do (the change state model) do not apply to it.
   */
  madeByBusinessRule?: boolean;
}

/** A journal entry (work note or comment) to store in `sys_journal_field`. */
export interface JournalEntry {
  element: string;
  value: string;
}

/** The result of a write, before it is stored. */
export interface WriteResult {
  record: StoredRecord;
  journal: JournalEntry[];
  /** Request fields that the table's columns lack, which the write ignored (see `strictColumns`). */
  ignoredFields: string[];
}

/** A write rejected by a data policy. The server responds with 403 "Data Policy Exception". */
export class DataPolicyViolation extends Error {
  override name = 'DataPolicyViolation';

  constructor(readonly missingLabels: readonly string[]) {
    super(`Data Policy Exception: ${missingLabels.map((label) => `${label} is mandatory`).join(', ')}`);
  }
}

/** Columns that only the instance writes. */
const READ_ONLY_FIELDS = new Set([
  'sys_created_on',
  'sys_created_by',
  'sys_updated_on',
  'sys_updated_by',
  'sys_mod_count',
  'sys_class_name',
  'task_effective_number',
]);

/** Format a date as the Table API does: UTC `YYYY-MM-DD HH:mm:ss`. */
export function formatTimestamp(date: Date): string {
  return date.toISOString().slice(0, 19).replace('T', ' ');
}

/**
 * Convert a JSON request body to stored values. The Table API accepts numbers and booleans and
 * stores their text; a reference given as `{ "value": ... }` stores the value.
 */
export function toStoredValues(body: Readonly<Record<string, unknown>>): StoredRecord {
  const values: StoredRecord = {};

  for (const [field, value] of Object.entries(body)) {
    if (value === null || value === undefined) {
      values[field] = '';
    } else if (typeof value === 'object' && 'value' in value) {
      values[field] = String((value as { value: unknown }).value ?? '');
    } else if (typeof value === 'object') {
      values[field] = JSON.stringify(value);
    } else {
      values[field] = String(value);
    }
  }

  return values;
}

/** Build a new record from the request values, applying defaults and the table's business rules. */
export function buildNewRecord(context: WriteContext, input: StoredRecord): WriteResult {
  const { table, user, now } = context;
  const { values, journal, ignoredFields } = separateJournal(context, input);

  const requestedId = values.sys_id;
  const sysId =
    requestedId !== undefined && /^[0-9a-f]{32}$/.test(requestedId) && table.get(requestedId) === undefined
      ? requestedId
      : randomBytes(16).toString('hex');

  const record: StoredRecord = { ...table.definition.defaults };
  for (const [field, value] of Object.entries(values)) {
    if (!READ_ONLY_FIELDS.has(field)) {
      record[field] = value;
    }
  }

  record.sys_id = sysId;
  record.sys_created_on = now;
  record.sys_created_by = user.username;
  record.sys_updated_on = now;
  record.sys_updated_by = user.username;
  record.sys_mod_count = '0';
  record.sys_tags ??= '';

  if (table.definition.numbering !== undefined) {
    if (!record.number) {
      record.number = table.takeNumber() ?? '';
    }
    record.task_effective_number = record.number;
    record.opened_at ||= now;
    record.opened_by ||= user.sysId;
  }

  truncateCorrelation(record);
  applyStateRules(context, undefined, record);
  checkDataPolicies(context, record);

  return { record, journal, ignoredFields };
}

/** Apply an update (PATCH or PUT) to a copy of `existing`. */
export function buildUpdatedRecord(context: WriteContext, existing: StoredRecord, input: StoredRecord): WriteResult {
  const { values, journal, ignoredFields } = separateJournal(context, input);
  const record: StoredRecord = { ...existing };

  for (const [field, value] of Object.entries(values)) {
    if (!READ_ONLY_FIELDS.has(field) && field !== 'sys_id') {
      record[field] = value;
    }
  }

  record.sys_updated_on = context.now;
  record.sys_updated_by = context.user.username;
  record.sys_mod_count = String(Number(existing.sys_mod_count ?? '0') + 1);

  truncateCorrelation(record);
  applyStateRules(context, existing, record);
  checkDataPolicies(context, record);

  return { record, journal, ignoredFields };
}

/**
 * Priority from impact and urgency, by the default priority lookup: 1/1 is 1 - Critical, 3/3 is
 * 5 - Planning, and each step down in impact or urgency lowers the priority by one.
 */
export function computePriority(impact: string, urgency: string): string {
  const impactLevel = clampLevel(impact);
  const urgencyLevel = clampLevel(urgency);
  return String(impactLevel + urgencyLevel - 1);
}

function clampLevel(value: string): number {
  const level = Number(value);
  return Number.isInteger(level) && level >= 1 && level <= 3 ? level : 3;
}

/**
 * Split the request fields into column values, journal entries and fields the table lacks. Journal
 * fields are written to `sys_journal_field`, and the record's own column reads back empty.
 */
function separateJournal(
  context: WriteContext,
  input: StoredRecord,
): { values: StoredRecord; journal: JournalEntry[]; ignoredFields: string[] } {
  const journalFields = context.table.definition.journalFields ?? [];
  const values: StoredRecord = {};
  const journal: JournalEntry[] = [];
  const ignoredFields: string[] = [];

  for (const [field, value] of Object.entries(input)) {
    if (!context.table.acceptsField(field)) {
      ignoredFields.push(field);
      continue;
    }
    if (journalFields.includes(field)) {
      if (value !== '') {
        journal.push({ element: field, value });
      }
      continue;
    }
    values[field] = value;
  }

  return { values, journal, ignoredFields };
}

/**
 * Cut correlation_id to its dictionary length.
 *
 * NOTE: whether a real instance cuts an over-long value silently or rejects it is unverified. The
 * simulator cuts silently, which is the case that would hurt a sync engine most.
 */
function truncateCorrelation(record: StoredRecord): void {
  const correlation = record.correlation_id;
  if (correlation !== undefined && correlation.length > CORRELATION_ID_LENGTH) {
    record.correlation_id = correlation.slice(0, CORRELATION_ID_LENGTH);
  }
}

/** Apply the business rules of the task tables that change fields when the state changes. */
function applyStateRules(context: WriteContext, previous: StoredRecord | undefined, record: StoredRecord): void {
  switch (context.table.name) {
    case 'incident':
      applyIncidentRules(context, previous, record);
      break;
    case 'problem':
      record.problem_state = record.state ?? '';
      applyClosingRules(context, previous, record, { resolved: ['106'], closed: ['107'] });
      break;
    case 'change_request':
      applyChangeRules(previous, record, { madeByBusinessRule: context.madeByBusinessRule ?? false, now: context.now });
      applyClosingRules(context, previous, record, { resolved: [], closed: [CHANGE_STATE.closed, CHANGE_STATE.canceled] });
      break;
    case 'sn_si_incident':
      applyClosingRules(context, previous, record, { resolved: [], closed: ['3', '7'] });
      break;
  }
}

/**
 * Apply the incident state model. Resolved (6) sets resolved_at and resolved_by but leaves the
 * incident active. Closed (7) and Canceled (8) make it inactive. Going back to New, In Progress or
 * On Hold reopens it. The priority is computed from impact and urgency and cannot be written.
 */
function applyIncidentRules(context: WriteContext, previous: StoredRecord | undefined, record: StoredRecord): void {
  record.priority = computePriority(record.impact ?? '3', record.urgency ?? '3');
  record.incident_state = record.state ?? '';
  applyClosingRules(context, previous, record, { resolved: ['6'], closed: ['7', '8'] });

  const wasFinished = previous !== undefined && ['6', '7', '8'].includes(previous.state ?? '');
  const isOpen = ['1', '2', '3'].includes(record.state ?? '');

  if (wasFinished && isOpen) {
    record.reopen_count = String(Number(record.reopen_count ?? '0') + 1);
    record.reopened_time = context.now;
    record.reopened_by = context.user.sysId;
  }
}

function applyClosingRules(
  context: WriteContext,
  previous: StoredRecord | undefined,
  record: StoredRecord,
  states: { resolved: readonly string[]; closed: readonly string[] },
): void {
  const state = record.state ?? '';
  const stateChanged = previous === undefined || previous.state !== state;

  if (states.resolved.includes(state)) {
    record.active = 'true';
    if (stateChanged) {
      record.resolved_at = context.now;
      record.resolved_by = context.user.sysId;
    }
    return;
  }

  if (states.closed.includes(state)) {
    record.active = 'false';
    if (stateChanged) {
      record.closed_at = context.now;
      record.closed_by = context.user.sysId;
      if ('resolved_at' in record && record.resolved_at === '') {
        record.resolved_at = context.now;
        record.resolved_by = context.user.sysId;
      }
    }
    return;
  }

  // Any other state is an open one.
  record.active = 'true';
  if ('resolved_at' in record) {
    record.resolved_at = '';
    record.resolved_by = '';
  }
  if ('closed_at' in record) {
    record.closed_at = '';
    record.closed_by = '';
  }
}

/**
 * Check the data policies. The configured mandatory fields always apply. An incident that is
 * Resolved or Closed also needs its resolution code and notes, a policy that recent releases ship.
 * A change request that is Closed needs its close code and notes.
 *
 * NOTE: the documentation names the change policy a UI policy, which the Table API would not
 * enforce. That it holds for API writes too is taken from the Ansible servicenow.itsm collection,
 * which requires both fields before closing a change. It is unverified against an instance.
 */
function checkDataPolicies(context: WriteContext, record: StoredRecord): void {
  const mandatory = new Set(context.mandatoryFields);
  const table = context.table.name;
  const state = record.state ?? '';

  if (table === 'incident' && ['6', '7'].includes(state)) {
    mandatory.add('close_code');
    mandatory.add('close_notes');
  }
  if (table === 'change_request' && state === CHANGE_STATE.closed) {
    mandatory.add('close_code');
    mandatory.add('close_notes');
  }

  const missing = [...mandatory].filter((field) => (record[field] ?? '') === '');
  if (missing.length > 0) {
    throw new DataPolicyViolation(missing.map((field) => fieldLabel(table, field)));
  }
}
