/** The ServiceNow side of the demo: incidents, changes and CIs in the ServiceNow simulator. */
import type { TicketRef } from '../core/types.js';
import { LOCAL_SERVICENOW_PEOPLE } from '../simulators/local-stack.js';
import { describeChangeState } from '../simulators/servicenow/change-model.js';
import { CMDB_CHOICE_LISTS } from '../simulators/servicenow/cmdb.js';
import { CMDB_BASE_TABLE, INSTALL_STATUS, RELATIONSHIP_TABLE, type ServiceNowSimulator, type StoredRecord } from '../simulators/servicenow/index.js';
import type { ChangeView, CmdbItemView, CmdbLifecycle, DemoTarget, DemoTicket, PersonEdit, StoredChange } from './demo-target.js';

/** The person who works incidents in the ServiceNow simulator during the demo. */
export const RESOLVER = LOCAL_SERVICENOW_PEOPLE[0]!.username;

/** The member of the change advisory board who approves the demo's change in ServiceNow. */
export const APPROVER = LOCAL_SERVICENOW_PEOPLE[1]!.username;

/**
 * Edits the person makes in the demo. With close code Risk Accepted the mapping suppresses the
 * finding, and any other close code resolves it. Resolving the OpsItem's incident resolves the OpsItem.
 */
export const PERSON_EDITS: readonly PersonEdit[] = [
  {
    kind: 'finding',
    recordId: 'arn:aws:securityhub:us-east-1:111122223333:security-control/IAM.6/finding/f1ddf319-3e60-5921-830d-cb9bd7a12376',
    resolution: 'Risk Accepted',
    note: 'Root has a virtual MFA device and no access keys; a hardware key is not required in this sandbox account',
  },
  {
    kind: 'opsitem',
    recordId: 'oi-4f2a9c81d0e7',
    resolution: 'Solution provided',
    note: 'Scaled orders-api out from 2 to 4 tasks; CPU is back under 60%',
  },
];

const INCIDENT_STATES: Record<string, string> = { '1': 'New', '2': 'In Progress', '3': 'On Hold', '6': 'Resolved', '7': 'Closed', '8': 'Canceled' };

/** Incident states that count as closed (Resolved, Closed, Canceled). */
const CLOSED_STATES = new Set(['6', '7', '8']);
const RESOLVED_STATE = '6';

/** Change states after which the change never moves again: Closed and Canceled. */
const FINAL_CHANGE_STATES = new Set(['3', '4']);

/** Labels of `cmdb_ci.install_status` values, such as `7` Retired. */
const INSTALL_STATUS_LABELS = new Map(CMDB_CHOICE_LISTS['cmdb_ci.install_status']);

/** The demo's view of the ServiceNow simulator. */
export class ServiceNowDemoTarget implements DemoTarget {
  readonly name = 'ServiceNow';
  readonly ticketNoun = 'incident';
  readonly resolver = RESOLVER;
  readonly approver = APPROVER;
  readonly personEdits = PERSON_EDITS;
  readonly ticketColumns = { heads: ['Incident', 'Urgency / impact', 'State'], widths: [12, 10, 10] } satisfies DemoTarget['ticketColumns'];
  readonly apiName = 'ServiceNow Table API';
  readonly editsNote = `${RESOLVER}'s and ${APPROVER}'s edits are made in the instance, not through the Table API.`;
  readonly closeCodeColumn = 'Close code';
  readonly cmdbName = 'the ServiceNow CMDB';
  readonly changeOutcomeMeanings = {
    updated: 'the change got the fields that changed: Implement, because the runbook runs',
    resolved: "the runbook ended, so the change moved to Review, then Closed with the runbook's outcome",
  };

  constructor(private readonly serviceNow: ServiceNowSimulator) {}

  ticket(ref: TicketRef): DemoTicket | undefined {
    const incident = this.serviceNow.records('incident').find((candidate) => candidate.sys_id === ref.id);
    if (incident === undefined) return undefined;
    return {
      number: incident.number ?? ref.number,
      priority: `${incident.urgency ?? '-'} / ${incident.impact ?? '-'}`,
      state: incidentStateName(incident.state),
      closed: CLOSED_STATES.has(incident.state ?? ''),
      updatedBy: incident.sys_updated_by,
    };
  }

  ticketCount(): number {
    return this.serviceNow.records('incident').length;
  }

  resolveAsPerson(ref: TicketRef, edit: PersonEdit): void {
    this.serviceNow.updateRecord('incident', ref.id, { state: RESOLVED_STATE, close_code: edit.resolution, close_notes: edit.note }, { user: RESOLVER });
  }

  change(ref: TicketRef): ChangeView | undefined {
    const change = this.serviceNow.records('change_request').find((candidate) => candidate.sys_id === ref.id);
    return change === undefined ? undefined : changeView(change);
  }

  changes(): StoredChange[] {
    return this.serviceNow.records('change_request').map((change) => ({ view: changeView(change), correlation: change.correlation_id ?? '' }));
  }

  approveChange(ref: TicketRef, comment: string): void {
    // The approver decides in the instance itself, as a person does, not through the Table API.
    this.serviceNow.approveChange(ref.id, { user: APPROVER, comment });
  }

  countWrites(): number {
    return this.serviceNow.requests.filter((request) => request.method !== 'GET' && request.path.startsWith('/api/now/table/') && request.status < 300).length;
  }

  recordNoun(table: string): string {
    if (table === 'incident') return 'incident';
    return table === 'change_request' ? 'change' : table;
  }

  /**
   * Reads the CI from its class table (`ref.table`), with its relationships from `cmdb_rel_ci`,
   * each named from the CI's own end: the instance in `orders-vpc Contains orders-api-prod-2`
   * lists `Contained by: orders-vpc`.
   */
  configurationItem(ref: TicketRef): CmdbItemView | undefined {
    const ci = this.serviceNow.records(ref.table).find((candidate) => candidate.sys_id === ref.id);
    return ci === undefined ? undefined : ciView(ci, this.readRelationships());
  }

  /** Lists the CIs of every class, read through the `cmdb_ci` base table, oldest first. */
  configurationItems(): CmdbItemView[] {
    const relationships = this.readRelationships();
    return this.serviceNow.records(CMDB_BASE_TABLE).map((ci) => ciView(ci, relationships));
  }

  /** Reads every `cmdb_rel_ci` row with its type's descriptors and the names of both CIs. */
  private readRelationships(): CiRelationship[] {
    const types = new Map(this.serviceNow.records('cmdb_rel_type').map((type) => [type.sys_id, type]));
    const names = new Map(this.serviceNow.records(CMDB_BASE_TABLE).map((ci) => [ci.sys_id, ci.name ?? '']));

    return this.serviceNow.records(RELATIONSHIP_TABLE).map((row) => {
      const type = types.get(row.type ?? '');
      const parent = row.parent ?? '';
      const child = row.child ?? '';
      return {
        parent,
        child,
        parentName: names.get(parent) ?? parent,
        childName: names.get(child) ?? child,
        // A type missing from cmdb_rel_type shows as its sys_id, so the row is still listed.
        parentDescriptor: type?.parent_descriptor ?? row.type ?? '',
        childDescriptor: type?.child_descriptor ?? row.type ?? '',
      };
    });
  }
}

/** One `cmdb_rel_ci` row, read as `parent <parent descriptor> child` and `child <child descriptor> parent`. */
interface CiRelationship {
  parent: string;
  child: string;
  parentName: string;
  childName: string;
  parentDescriptor: string;
  childDescriptor: string;
}

function ciView(ci: StoredRecord, relationships: readonly CiRelationship[]): CmdbItemView {
  const sysId = ci.sys_id ?? '';
  const installStatus = ci.install_status ?? '';
  const references: string[] = [];
  for (const relationship of relationships) {
    if (relationship.parent === sysId) references.push(`${relationship.parentDescriptor}: ${relationship.childName}`);
    if (relationship.child === sysId) references.push(`${relationship.childDescriptor}: ${relationship.parentName}`);
  }

  return {
    number: sysId,
    name: ci.name ?? '',
    status: `${INSTALL_STATUS_LABELS.get(installStatus) ?? 'Unknown'} (${installStatus})`,
    // Sorted, so a CI lists its relationships in the same order in every run.
    references: references.sort(),
    className: ci.sys_class_name ?? '',
    objectId: ci.object_id ?? '',
    lifecycle: installLifecycle(installStatus),
  };
}

function installLifecycle(installStatus: string): CmdbLifecycle {
  if (installStatus === INSTALL_STATUS.installed) return 'in-use';
  return installStatus === INSTALL_STATUS.retired ? 'retired' : 'other';
}

function changeView(change: StoredRecord): ChangeView {
  const state = change.state ?? '';
  return {
    number: change.number ?? '(no number)',
    type: change.type ?? '',
    state,
    stateName: describeChangeState(state),
    approval: change.approval ?? '',
    awaitingApproval: change.approval === 'requested',
    final: FINAL_CHANGE_STATES.has(state),
    closeCode: change.close_code ?? '',
  };
}

function incidentStateName(state: string | undefined): string {
  return state ? (INCIDENT_STATES[state] ?? state) : '-';
}
