/**
 * The demo's access to the ITSM system it runs against: read the tickets the connector wrote,
 * act as the people who work them, and count the writes the system's API received. The parts of
 * the demo (timeline, way back, change approval) and its printer take a DemoTarget, so the same
 * story runs against the ServiceNow simulator and the Jira simulator.
 */
import type { SourceKind, TicketRef } from '../core/types.js';
import type { SyncOutcome } from '../sync/engine.js';

/** A ticket that a finding or OpsItem is linked to, as the demo's tables show it. */
export interface DemoTicket {
  /** Incident number or issue key. */
  number: string;
  /** The priority as the timeline shows it: ServiceNow urgency / impact (`1 / 2`), a Jira priority name. */
  priority: string;
  /** State or status in words, such as `New` or `Open`. */
  state: string;
  /** True once the ticket is resolved, closed or canceled. */
  closed: boolean;
  /** Login of the person who changed the ticket last, when the system stores it. */
  updatedBy?: string;
}

/** A change ticket as the change approval part shows it. */
export interface ChangeView {
  /** Change number or issue key. */
  number: string;
  /** ServiceNow change type (`normal`, `standard`, `emergency`) or the Jira issue type. */
  type: string;
  /** The stored state: ServiceNow `change_request.state` (such as `-4`) or the Jira status name. */
  state: string;
  /** The state in words, such as `Assess (-4)` or `Awaiting approval`. */
  stateName: string;
  /**
   * The approval: ServiceNow `requested`, `approved`, `rejected` or `not requested`; Jira the
   * decision of the latest JSM approval, `pending`, `approved` or `declined`, or `none`.
   */
  approval: string;
  /** True while the change waits for its approvers' decision. */
  awaitingApproval: boolean;
  /** True once the change cannot move any more: ServiceNow Closed or Canceled, Jira status category Done. */
  final: boolean;
  /** ServiceNow close code or Jira resolution, empty while there is none. */
  closeCode: string;
}

/** A change ticket with the correlation value that links it to its AWS execution. */
export interface StoredChange {
  view: ChangeView;
  /** Empty when the change carries none. */
  correlation: string;
}

/** An AWS resource's configuration item as the CMDB shows it. */
export interface CmdbItemView {
  /** Assets object key such as `AWS-3`, or the CI's sys_id in ServiceNow, whose CIs have no number. */
  number: string;
  name: string;
  /** Status in words, such as `Active`, `Retired` or `Installed (1)`. */
  status: string;
  /**
   * The CIs this one is related to, one line each: `relationship: number` for Assets references,
   * `descriptor: name` for ServiceNow `cmdb_rel_ci` rows, such as `Contained by: orders-vpc`.
   */
  references: string[];
  /** The CI class table, such as `cmdb_ci_vm_instance`, where the CMDB has one (ServiceNow). */
  className?: string;
  /** The CI's `object_id`, such as the AWS resource id, where the CMDB stores one (ServiceNow). */
  objectId?: string;
  /**
   * The status as the demo's checks read it: `in-use` for Assets Active or ServiceNow Installed,
   * `retired` for Retired in either, `other` for any other status.
   */
  lifecycle: CmdbLifecycle;
}

/** The stage of a CI's life, whatever the CMDB calls its status. */
export type CmdbLifecycle = 'in-use' | 'retired' | 'other';

/** A person's resolution of the ticket of one sample record. */
export interface PersonEdit {
  kind: Extract<SourceKind, 'finding' | 'opsitem'>;
  /** The finding Id (ASFF) or the OpsItemId, as in the sample file. */
  recordId: string;
  /** ServiceNow close code, or the Jira resolution name. */
  resolution: string;
  /** ServiceNow close notes, or the comment the person adds in Jira before resolving. */
  note: string;
}

/** The system the demo runs against, through its simulator. */
export interface DemoTarget {
  /** The system's name in sentences: `ServiceNow`, `Jira Cloud`. */
  readonly name: string;
  /** Name of the ticket of a finding or OpsItem: `incident` or `issue`. */
  readonly ticketNoun: string;
  /** Login of the person who resolves tickets in the way back. */
  readonly resolver: string;
  /** Login of the person who approves the demo's change. */
  readonly approver: string;
  /** The resolutions the resolver makes in the way back. */
  readonly personEdits: readonly PersonEdit[];
  /** Heads and widths of the timeline's three ticket columns: number, priority, state. */
  readonly ticketColumns: { heads: [string, string, string]; widths: [number, number, number] };
  /** Head of the write count column, such as `ServiceNow Table API`. */
  readonly apiName: string;
  /** Sentence under the write counts about where the people made their edits. */
  readonly editsNote: string;
  /** Head of the change table's column for {@link ChangeView.closeCode}. */
  readonly closeCodeColumn: string;
  /** Meanings of the change sync outcomes whose words name this system's states. */
  readonly changeOutcomeMeanings: Partial<Record<SyncOutcome, string>>;

  /** Reads the ticket of a finding or OpsItem; undefined when the system has no such ticket. */
  ticket(ref: TicketRef): DemoTicket | undefined;
  /** Counts the tickets of findings and OpsItems in the system, changes left out. */
  ticketCount(): number;
  /** Resolves the ticket as {@link resolver}, in the system itself rather than through its API. */
  resolveAsPerson(ref: TicketRef, edit: PersonEdit): void;
  /** Reads a change ticket; undefined when the system has no such change. */
  change(ref: TicketRef): ChangeView | undefined;
  /** Lists every change ticket in the system, oldest first. */
  changes(): StoredChange[];
  /** Approves the change as {@link approver}, in the system itself, with a comment. */
  approveChange(ref: TicketRef, comment: string): void;
  /** Counts the successful writes the system's API received since the simulator started. */
  countWrites(): number;
  /** Names the records of a table in the poll summary: `incident`, `change`, `issue`. */
  recordNoun(table: string): string;
  /** Name of the CMDB in sentences, such as `JSM Assets`; present where the demo shows the CMDB. */
  readonly cmdbName?: string;
  /** Reads the CMDB object of an AWS resource; present where the demo shows the CMDB. */
  configurationItem?(ref: TicketRef): CmdbItemView | undefined;
  /**
   * Lists every CI in the CMDB, for the counts of the CMDB part and its duplicate check. Present
   * where the CMDB outlives a run, as the ServiceNow simulator's records do.
   */
  configurationItems?(): CmdbItemView[];
}
