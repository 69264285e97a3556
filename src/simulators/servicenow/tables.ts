/**
 * The tables the simulator serves: their default values, number prefixes and journal fields, and the
 * `sys_choice` rows it starts with. The incident, problem and change_request columns follow recorded
 * Table API responses. The CMDB tables are defined in cmdb.ts. The other tables carry a few common
 * columns only.
 */

import { CI_TABLE_NAMES, CMDB_CHOICE_LISTS, cmdbTables } from './cmdb.js';

/** One simulated table. */
export interface TableDefinition {
  name: string;
  /** Values of a new record before the request body is applied (system fields aside). */
  defaults: Readonly<Record<string, string>>;
  /** Prefix and first value of the `number` column, for task tables. */
  numbering?: { prefix: string; first: number };
  /** Journal fields: a write adds a `sys_journal_field` row, and the field reads back empty. */
  journalFields?: readonly string[];
  /** Rows come from the simulator's options, and the Table API rejects writes with 403. */
  readOnly?: boolean;
  /**
   * The table this one extends, such as `cmdb_ci` for a CI class table. Reads of the parent return
   * the child's records too, with the parent's columns only.
   */
  extends?: string;
  /**
   * Writes keep only the columns in `defaults`, the system columns and custom `u_` columns, as an
   * instance ignores fields its dictionary lacks. Without it, every written field is kept.
   */
  strictColumns?: boolean;
}

/** Columns every record has. */
export const SYSTEM_FIELDS = [
  'sys_id',
  'sys_created_on',
  'sys_created_by',
  'sys_updated_on',
  'sys_updated_by',
  'sys_mod_count',
  'sys_tags',
] as const;

/** Columns of the `task` table, which incident, problem and change_request extend. */
const TASK_DEFAULTS: Record<string, string> = {
  number: '',
  task_effective_number: '',
  sys_class_name: '',
  parent: '',
  made_sla: 'true',
  watch_list: '',
  upon_reject: 'cancel',
  approval_history: '',
  opened_by: '',
  opened_at: '',
  sys_domain: 'global',
  sys_domain_path: '/',
  state: '1',
  knowledge: 'false',
  order: '',
  closed_at: '',
  closed_by: '',
  cmdb_ci: '',
  delivery_plan: '',
  delivery_task: '',
  contract: '',
  impact: '3',
  urgency: '3',
  priority: '5',
  active: 'true',
  work_notes: '',
  work_notes_list: '',
  comments: '',
  comments_and_work_notes: '',
  business_service: '',
  service_offering: '',
  time_worked: '',
  expected_start: '',
  business_duration: '',
  calendar_duration: '',
  group_list: '',
  work_start: '',
  work_end: '',
  approval: 'not requested',
  approval_set: '',
  universal_request: '',
  short_description: '',
  description: '',
  correlation_id: '',
  correlation_display: '',
  assignment_group: '',
  assigned_to: '',
  additional_assignee_list: '',
  close_notes: '',
  follow_up: '',
  contact_type: '',
  company: '',
  reassignment_count: '0',
  activity_due: '',
  sla_due: '',
  due_date: '',
  escalation: '0',
  upon_approval: 'proceed',
  location: '',
};

const INCIDENT_DEFAULTS: Record<string, string> = {
  ...TASK_DEFAULTS,
  sys_class_name: 'incident',
  state: '1',
  incident_state: '1',
  caller_id: '',
  category: 'inquiry',
  subcategory: '',
  caused_by: '',
  child_incidents: '0',
  hold_reason: '',
  origin_table: '',
  origin_id: '',
  resolved_by: '',
  resolved_at: '',
  user_input: '',
  route_reason: '',
  calendar_stc: '',
  business_stc: '',
  business_impact: '',
  rfc: '',
  reopened_time: '',
  reopened_by: '',
  reopen_count: '0',
  close_code: '',
  cause: '',
  notify: '1',
  parent_incident: '',
  problem_id: '',
  severity: '3',
};

const PROBLEM_DEFAULTS: Record<string, string> = {
  ...TASK_DEFAULTS,
  sys_class_name: 'problem',
  state: '101',
  problem_state: '101',
  known_error: 'false',
  first_reported_by_task: '',
  cause_notes: '',
  fix_notes: '',
  resolution_code: '',
  workaround: '',
  related_incidents: '0',
  resolved_at: '',
  resolved_by: '',
};

const CHANGE_REQUEST_DEFAULTS: Record<string, string> = {
  ...TASK_DEFAULTS,
  sys_class_name: 'change_request',
  type: 'normal',
  state: '-5',
  phase: 'requested',
  on_hold: 'false',
  chg_model: '',
  risk: '3',
  category: 'Other',
  start_date: '',
  end_date: '',
  requested_by: '',
  cab_required: 'false',
  conflict_status: 'Not Run',
  close_code: '',
};

const SECURITY_INCIDENT_DEFAULTS: Record<string, string> = {
  ...TASK_DEFAULTS,
  sys_class_name: 'sn_si_incident',
  // NOTE: 10 (Draft) and the closing states 3 and 7 below are from memory of the Security Incident
  // Response plug-in, not from a recorded response.
  state: '10',
  category: '',
  subcategory: '',
  close_code: '',
  risk_score: '',
  business_criticality: '',
};

const TASK_JOURNAL_FIELDS = ['work_notes', 'comments'];

/** Tables every simulator serves. Others can be added with the `tables` option. */
export const BUILT_IN_TABLES: readonly TableDefinition[] = [
  {
    name: 'incident',
    defaults: INCIDENT_DEFAULTS,
    numbering: { prefix: 'INC', first: 10001 },
    journalFields: TASK_JOURNAL_FIELDS,
  },
  {
    name: 'problem',
    defaults: PROBLEM_DEFAULTS,
    numbering: { prefix: 'PRB', first: 40001 },
    journalFields: TASK_JOURNAL_FIELDS,
  },
  {
    name: 'change_request',
    defaults: CHANGE_REQUEST_DEFAULTS,
    numbering: { prefix: 'CHG', first: 30001 },
    journalFields: TASK_JOURNAL_FIELDS,
  },
  {
    name: 'sn_si_incident',
    defaults: SECURITY_INCIDENT_DEFAULTS,
    numbering: { prefix: 'SIR', first: 10001 },
    journalFields: TASK_JOURNAL_FIELDS,
  },
  {
    name: 'sys_choice',
    defaults: { name: '', element: '', value: '', label: '', sequence: '0', inactive: 'false', language: 'en', dependent_value: '' },
  },
  {
    name: 'sys_journal_field',
    defaults: { name: '', element: '', element_id: '', value: '' },
  },
  {
    name: 'sysapproval_approver',
    defaults: { state: 'requested', approver: '', sysapproval: '', source_table: '', document_id: '', comments: '' },
    // The approver's comments are a journal, as on the task tables.
    journalFields: ['comments'],
  },
  {
    name: 'sys_user',
    defaults: { user_name: '', name: '', email: '', time_zone: '', active: 'true', web_service_access_only: 'false' },
    readOnly: true,
  },
  {
    name: 'sys_properties',
    defaults: { name: '', value: '', type: 'string', description: '' },
    readOnly: true,
  },
  {
    name: 'sys_user_group',
    defaults: { name: '', description: '', active: 'true', email: '' },
  },
  ...cmdbTables(),
];

/**
 * Human labels of fields, as a data policy message names them: `table.field` for a label that one
 * table overrides, otherwise the field name.
 */
export const FIELD_LABELS: Readonly<Record<string, string>> = {
  close_code: 'Resolution code',
  close_notes: 'Resolution notes',
  'change_request.close_code': 'Close code',
  'change_request.close_notes': 'Close notes',
  short_description: 'Short description',
  caller_id: 'Caller',
  assignment_group: 'Assignment group',
  category: 'Category',
};

/** Return the label of a field of a table, or the field name when the simulator has none. */
export function fieldLabel(table: string, field: string): string {
  return FIELD_LABELS[`${table}.${field}`] ?? FIELD_LABELS[field] ?? field;
}

/** Task tables, which a reference to `task` (such as `sysapproval`) may point into. */
const TASK_TABLES = ['change_request', 'incident', 'problem', 'sn_si_incident'];

/** Reference columns of the task tables, to the table each one points to. */
const TASK_REFERENCES: Readonly<Record<string, readonly string[]>> = {
  opened_by: ['sys_user'],
  closed_by: ['sys_user'],
  assigned_to: ['sys_user'],
  assignment_group: ['sys_user_group'],
  parent: TASK_TABLES,
  cmdb_ci: CI_TABLE_NAMES,
};

/**
 * Reference columns that dot-walking in `sysparm_fields` can follow, per table: the column and
 * the tables its sys_id is looked up in (several for a reference to the `task` base table).
 */
export const REFERENCE_FIELDS: Readonly<Record<string, Readonly<Record<string, readonly string[]>>>> = {
  incident: { ...TASK_REFERENCES, caller_id: ['sys_user'], resolved_by: ['sys_user'], reopened_by: ['sys_user'] },
  problem: { ...TASK_REFERENCES, resolved_by: ['sys_user'] },
  change_request: { ...TASK_REFERENCES, requested_by: ['sys_user'] },
  sn_si_incident: TASK_REFERENCES,
  sysapproval_approver: { approver: ['sys_user'], sysapproval: TASK_TABLES },
  cmdb_rel_ci: { parent: CI_TABLE_NAMES, child: CI_TABLE_NAMES, type: ['cmdb_rel_type'] },
};

/** Choice lists, per `table.element`: value and label, in display order. */
const CHOICE_LISTS: Readonly<Record<string, ReadonlyArray<readonly [string, string]>>> = {
  'incident.state': [
    ['1', 'New'],
    ['2', 'In Progress'],
    ['3', 'On Hold'],
    ['6', 'Resolved'],
    ['7', 'Closed'],
    ['8', 'Canceled'],
  ],
  'incident.hold_reason': [
    ['1', 'Awaiting Caller'],
    ['3', 'Awaiting Problem'],
    ['4', 'Awaiting Vendor'],
    ['5', 'Awaiting Change'],
  ],
  'incident.close_code': [
    ['Duplicate', 'Duplicate'],
    ['Known error', 'Known error'],
    ['Resolved by caller', 'Resolved by caller'],
    ['Resolved by change', 'Resolved by change'],
    ['Resolved by problem', 'Resolved by problem'],
    ['Solution provided', 'Solution provided'],
    ['Workaround provided', 'Workaround provided'],
    ['User error', 'User error'],
  ],
  'incident.impact': [
    ['1', '1 - High'],
    ['2', '2 - Medium'],
    ['3', '3 - Low'],
  ],
  'incident.urgency': [
    ['1', '1 - High'],
    ['2', '2 - Medium'],
    ['3', '3 - Low'],
  ],
  'incident.priority': [
    ['1', '1 - Critical'],
    ['2', '2 - High'],
    ['3', '3 - Moderate'],
    ['4', '4 - Low'],
    ['5', '5 - Planning'],
  ],
  'problem.state': [
    ['101', 'New'],
    ['102', 'Assess'],
    ['103', 'Root Cause Analysis'],
    ['104', 'Fix in Progress'],
    ['106', 'Resolved'],
    ['107', 'Closed'],
  ],
  'change_request.state': [
    ['-5', 'New'],
    ['-4', 'Assess'],
    ['-3', 'Authorize'],
    ['-2', 'Scheduled'],
    ['-1', 'Implement'],
    ['0', 'Review'],
    ['3', 'Closed'],
    ['4', 'Canceled'],
  ],
  'change_request.risk': [
    ['1', 'Very High'],
    ['2', 'High'],
    ['3', 'Moderate'],
    ['4', 'Low'],
  ],
  'change_request.type': [
    ['standard', 'Standard'],
    ['normal', 'Normal'],
    ['emergency', 'Emergency'],
  ],
  // Values as the Ansible servicenow.itsm collection sends them; the labels are not confirmed.
  'change_request.close_code': [
    ['successful', 'Successful'],
    ['successful_issues', 'Successful with issues'],
    ['unsuccessful', 'Unsuccessful'],
  ],
  'sysapproval_approver.state': [
    ['requested', 'Requested'],
    ['approved', 'Approved'],
    ['rejected', 'Rejected'],
    ['cancelled', 'Cancelled'],
    ['not_required', 'No Longer Required'],
  ],
};

/** Build the `sys_choice` rows a new simulator starts with (without system fields). */
export function seedChoiceRows(): Array<Record<string, string>> {
  const rows: Array<Record<string, string>> = [];

  for (const [key, choices] of Object.entries({ ...CHOICE_LISTS, ...CMDB_CHOICE_LISTS })) {
    const [name = '', element = ''] = key.split('.');
    choices.forEach(([value, label], index) => {
      rows.push({ name, element, value, label, sequence: String(index * 10), inactive: 'false', language: 'en' });
    });
  }

  return rows;
}
