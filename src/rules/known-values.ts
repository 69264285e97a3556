import type { SourceKind } from '../core/types.js';
import type { ChangeRequestKind, ChangeRequestOutcome } from '../sources/change-request/change-request-view.js';
import type { ComplianceType } from '../sources/config/config-compliance-view.js';
import type { ConfigurationItemChangeType, ConfigurationItemStatus } from '../sources/config/configuration-item-view.js';

// Where the view declares a field as a union type, the list is written as a Record over that union,
// so that the compiler reports a value added to or removed from the view until this list follows.

const CHANGE_REQUEST_KINDS: Record<ChangeRequestKind, true> = { 'change-manager': true, automation: true };

const CHANGE_REQUEST_OUTCOMES: Record<ChangeRequestOutcome, true> = {
  waiting: true,
  running: true,
  success: true,
  failed: true,
  'timed-out': true,
  cancelled: true,
  rejected: true,
};

const COMPLIANCE_TYPES: Record<ComplianceType, true> = {
  NON_COMPLIANT: true,
  COMPLIANT: true,
  NOT_APPLICABLE: true,
  INSUFFICIENT_DATA: true,
};

const CONFIGURATION_ITEM_STATUSES: Record<ConfigurationItemStatus, true> = {
  OK: true,
  ResourceDiscovered: true,
  ResourceNotRecorded: true,
  ResourceDeleted: true,
  ResourceDeletedNotRecorded: true,
};

const CONFIGURATION_ITEM_CHANGE_TYPES: Record<ConfigurationItemChangeType, true> = { CREATE: true, UPDATE: true, DELETE: true };

const BOOLEAN = ['true', 'false'];

/**
 * The `Status` values of the SSM API (`OpsItemStatus` in the SSM API reference). OpsItems of type
 * `/aws/changerequest` never reach an opsitem rule, but the API names one list for all types.
 */
const OPSITEM_STATUSES = [
  'Open', 'InProgress', 'Resolved', 'Pending', 'TimedOut', 'Cancelling', 'Cancelled', 'Failed',
  'CompletedWithSuccess', 'CompletedWithFailure', 'Scheduled', 'RunbookInProgress',
  'PendingChangeCalendarOverride', 'ChangeCalendarOverrideApproved', 'ChangeCalendarOverrideRejected',
  'PendingApproval', 'Approved', 'Revoked', 'Rejected', 'Closed',
];

/** The `AutomationExecutionStatus` values of the SSM API. */
const AUTOMATION_EXECUTION_STATUSES = [
  'Pending', 'InProgress', 'Waiting', 'Success', 'TimedOut', 'Cancelling', 'Cancelled', 'Failed',
  'PendingApproval', 'Approved', 'Rejected', 'Scheduled', 'RunbookInProgress',
  'PendingChangeCalendarOverride', 'ChangeCalendarOverrideApproved', 'ChangeCalendarOverrideRejected',
  'CompletedWithSuccess', 'CompletedWithFailure', 'Exited',
];

/**
 * The record view fields whose values form a closed list, by source kind, with those values as the
 * value map looks them up: as text, so the OpsItem priority 1 is `"1"` and a boolean is `"true"`.
 * The lists follow the view types under `src/sources/` and the AWS API enumerations they copy.
 * A field that may also be null lists only its text values: null is never looked up in a map.
 */
const KNOWN_VALUES: Record<SourceKind, Readonly<Record<string, readonly string[]>>> = {
  finding: {
    format: ['asff', 'ocsf'],
    severity: ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFORMATIONAL'],
    workflowStatus: ['NEW', 'NOTIFIED', 'RESOLVED', 'SUPPRESSED'],
    recordState: ['ACTIVE', 'ARCHIVED'],
    complianceStatus: ['PASSED', 'WARNING', 'FAILED', 'NOT_AVAILABLE'],
  },
  opsitem: {
    status: OPSITEM_STATUSES,
    priority: ['1', '2', '3', '4', '5'],
  },
  'change-request': {
    kind: Object.keys(CHANGE_REQUEST_KINDS),
    status: AUTOMATION_EXECUTION_STATUSES,
    outcome: Object.keys(CHANGE_REQUEST_OUTCOMES),
    waitingForApproval: BOOLEAN,
    calendarOverride: BOOLEAN,
  },
  'configuration-item': {
    status: Object.keys(CONFIGURATION_ITEM_STATUSES),
    changeType: Object.keys(CONFIGURATION_ITEM_CHANGE_TYPES),
    deleted: BOOLEAN,
  },
  'config-compliance': {
    complianceType: Object.keys(COMPLIANCE_TYPES),
    previousComplianceType: Object.keys(COMPLIANCE_TYPES),
    evaluationMode: ['DETECTIVE', 'PROACTIVE'],
  },
};

/**
 * Returns the values that a record view field takes, as text, or undefined when the field's
 * values are not a closed list (free text, times, ids, lists and maps).
 *
 * @example
 * knownValuesOf('finding', 'severity'); // ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFORMATIONAL']
 * knownValuesOf('finding', 'title');    // undefined
 */
export function knownValuesOf(kind: SourceKind, field: string): readonly string[] | undefined {
  const fields = KNOWN_VALUES[kind];
  return Object.hasOwn(fields, field) ? fields[field] : undefined;
}

/** The record of each source kind, in words, for messages such as "a finding with severity LOW". */
export const RECORD_NOUNS: Record<SourceKind, string> = {
  finding: 'a finding',
  opsitem: 'an OpsItem',
  'change-request': 'a change request',
  'configuration-item': 'a configuration item',
  'config-compliance': 'a rule evaluation',
};
