/**
 * The contracts between the stages of the sync pipeline:
 *
 *   SQS message ─► intake ─► source adapter ─► sync rule ─► ITSM target ─► AWS write-back
 *                                                   │             │
 *                                                   └─ link store ◄┘
 *
 * Every flow (findings, OpsItems, configuration items, change requests) and every ITSM system
 * (ServiceNow, Jira) plugs into these interfaces, so a new flow is a source adapter, a write-back
 * adapter and a mapping file.
 */

/**
 * The kinds of AWS record that itsm-sync keeps in sync. A `config-compliance` record is the
 * evaluation of one resource by one AWS Config rule.
 */
export type SourceKind = 'finding' | 'opsitem' | 'configuration-item' | 'change-request' | 'config-compliance';

/** The ITSM systems that itsm-sync writes to. */
export type TargetSystem = 'servicenow' | 'jira';

/** An EventBridge event as delivered to SQS, after any SNS envelope has been removed. */
export interface EventBridgeEvent {
  version?: string;
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources?: string[];
  detail: unknown;
}

/**
 * One AWS record, normalized by a source adapter from an event (and, where the event is only a
 * trigger, from the AWS API).
 */
export interface SourceRecord<View extends object = object> {
  kind: SourceKind;
  /** The wire format the record came in, for example `asff` or `ocsf` for findings. */
  format: string;
  /**
   * Stable identity of the record across formats and events, for example
   * `finding|111122223333|arn:aws:securityhub:...`. The correlation value is derived from it.
   */
  identity: string;
  /** A short id for logs, such as the finding Id or the OpsItemId. */
  displayId: string;
  /**
   * The record's type within its kind, where kinds have many (a configuration item's resource
   * type). Records of a type no rule handles are logged once per type.
   */
  type?: string;
  /** ISO-8601 time of the record's last change at the source, used to drop stale events. */
  updatedAt?: string;
  /** The document that mapping expressions read. Its shape is documented per kind in docs/mappings.md. */
  view: View;
  /** The keys the AWS write-back adapter needs to address this record, in this format. */
  writebackKey: Record<string, string>;
  /**
   * The record's own status, in the words its write-back takes (finding workflow status, OpsItem
   * status), so the way back can tell when someone in AWS changed it. For change requests, the
   * Automation execution status (`PendingChangeCalendarOverride`, …).
   */
  status?: string;
  /**
   * The identity of the configuration item of the one AWS resource this record is about (see
   * `configurationItemIdentity` in src/sources/config/configuration-item-record.ts). The engine
   * binds the CI linked to that identity as `$ci`. Absent for records that name no single resource.
   */
  configurationItemIdentity?: string;
  /**
   * True for a record built from another record's ids alone (the account and Region of a
   * configuration item), whose content changes only with them. Many events carry the same one, so
   * the engine syncs each at most once per `SyncEngineOptions.derivedRecordTtlMs`.
   */
  derived?: boolean;
}

/** A reference to one ITSM record. */
export interface TicketRef {
  system: TargetSystem;
  /** ServiceNow table name or Jira project key. */
  table: string;
  /** ServiceNow sys_id or Jira issue id. */
  id: string;
  /** Human-facing number: incident number (INC0010001) or issue key (SEC-12). */
  number: string;
  /** Link to the record in the ITSM user interface. */
  url: string;
}

/** Field values as sent to the ITSM system. ServiceNow takes strings; Jira may take objects. */
export type TicketFields = Record<string, unknown>;

/**
 * One ITSM system, seen through the operations the sync engine needs. Each implementation hides
 * its API's paging, errors, retries and where it stores the correlation value.
 */
export interface ItsmTarget {
  readonly system: TargetSystem;

  /**
   * Fields that add a journal entry on each write and read back empty (ServiceNow `work_notes`),
   * so comparing what was written with what is read says nothing about them.
   */
  readonly journalFields: readonly string[];

  /**
   * Create a record that carries the correlation value, and return a reference to it. With
   * `options.read`, the reference also carries a snapshot of those fields as stored after the
   * create (business rules included), so the change poller can tell these values from later edits.
   */
  create(table: string, fields: TicketFields, correlation: string, options?: WriteOptions): Promise<WrittenTicket>;

  /**
   * Write the given fields, and only those, to an existing record. Returns a snapshot of the
   * `options.read` fields after the write, where the system returns one.
   */
  update(ref: TicketRef, fields: TicketFields, options?: WriteOptions): Promise<TicketSnapshot | undefined>;

  /**
   * Store a correlation value on an existing record that has none (a record made in the ITSM
   * system that now has an AWS record), with `fields` in the same write.
   */
  attach(ref: TicketRef, correlation: string, fields: TicketFields, options?: WriteOptions): Promise<TicketSnapshot | undefined>;

  /**
   * Find the oldest record whose `field` equals `value` and that carries no correlation value: a
   * record another tool made for the same resource, to be adopted.
   */
  findUnlinked(table: string, field: string, value: string): Promise<TicketRef | undefined>;

  /**
   * Relate two records (a CMDB relationship) with the named type, unless they are related so
   * already; returns the relationship's id. Systems without relationships leave it out.
   */
  relate?(parent: TicketRef, child: TicketRef, typeName: string): Promise<string>;

  /**
   * Ask these people (by login) to approve the record again, with new approval records (ServiceNow
   * `sysapproval_approver` rows). Systems whose approvals come from the workflow leave it out.
   */
  requestApproval?(ref: TicketRef, approvers: readonly string[]): Promise<void>;

  /** Remove a relationship made by `relate`. One that is gone already counts as removed. */
  unrelate?(relationshipId: string): Promise<void>;

  /** Find the record that carries exactly this correlation value, if there is one. */
  findByCorrelation(table: string, correlation: string): Promise<TicketRef | undefined>;

  /**
   * Iterate over the open records of `table` whose reference `field` holds the record `referencedId`
   * (incidents on a CI) and whose correlation value starts with one of `prefixes`, so only the
   * records itsm-sync made. Systems without such references leave it out.
   */
  listOpenReferencing?(table: string, field: string, referencedId: string, prefixes: readonly string[]): AsyncIterable<LinkedTicket>;

  /**
   * Iterate over every record of `table` that matches `query`, with the values of `fields`, in a
   * stable order. The query is in the system's own language, such as a ServiceNow encoded query,
   * and undefined means every record. With `only`, just the record with that id, if it matches.
   * CMDB publications read through it. Systems whose CMDB cannot be published leave it out.
   */
  listRecords?(table: string, query: string | undefined, fields: readonly string[], only?: string): AsyncIterable<CmdbRecord>;

  /**
   * Iterate over every record whose correlation value starts with `prefix`, with the current
   * values of `fields`, so that links can be rebuilt when the link store was lost.
   */
  listLinked(table: string, prefix: string, fields: string[]): AsyncIterable<LinkedTicket>;
}

/** A CMDB record as a publication reads it: its id in the ITSM system and the fields asked for. */
export interface CmdbRecord {
  /** The record's id, such as a ServiceNow `sys_id`. */
  id: string;
  values: Record<string, unknown>;
}

/**
 * A create made the ticket, but a later step of it failed (a Jira transition, a comment). The
 * engine records the link to `ticket` before passing `cause` on, so the retry updates this ticket
 * instead of making a second one: ITSM search may not show a ticket seconds old.
 */
export class TicketCreatedError extends Error {
  constructor(
    readonly ticket: TicketRef,
    override readonly cause: unknown,
  ) {
    super(`Created ${ticket.number}, but the rest of the create failed: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = 'TicketCreatedError';
  }
}

/** Options of a write to the ITSM system. */
export interface WriteOptions {
  /** Fields to return in the snapshot of the record after the write. */
  read?: string[];
  /**
   * A note for the people working the ticket, added with the same write (a ServiceNow work note,
   * a Jira comment).
   */
  note?: string;
  /**
   * Names the AWS record in words (`Security Hub finding arn:…`), for systems that must cut a long
   * text and say where the rest can be read.
   */
  recordLabel?: string;
}

/** A reference to a record just written, with its stored values when they were asked for. */
export interface WrittenTicket extends TicketRef {
  snapshot?: TicketSnapshot;
}

/** The values of some fields of a record at one version. */
export interface TicketSnapshot {
  /** Version of the record (ServiceNow `sys_mod_count`); each write adds at least one. */
  version?: number;
  values: Record<string, unknown>;
}

/**
 * The ITSM → AWS direction of one ITSM system: the records that changed, and their journal.
 * The change poller and the webhook read through it.
 */
export interface ItsmChangeFeed {
  readonly system: TargetSystem;

  /** Learn what reading changes needs (the integration user's name and time zone). Call once. */
  prepare(): Promise<ChangeFeedIdentity>;

  /**
   * Iterate over the records of `table` whose correlation value starts with one of `prefixes` and
   * that changed at or after `since`, oldest change first, each record once, with `fields`.
   */
  listChanged(table: string, prefixes: string[], since: Date, fields: string[]): AsyncIterable<ChangedTicket>;

  /** Read one record by id with `fields`, or undefined when it is gone. */
  getChanged(table: string, id: string, fields: string[]): Promise<ChangedTicket | undefined>;

  /**
   * The records of `table` that match an admin-written query, carry no correlation value yet and
   * whose planned start is empty or past: changes that may start a runbook.
   */
  listStartCandidates?(table: string, query: string, fields: string[], now: Date): AsyncIterable<ChangedTicket>;

  /** The journal entries (comments, work notes) of a record in `fields`, oldest first. */
  listJournal(ref: TicketRef, fields: string[]): AsyncIterable<JournalEntry>;

  /**
   * The approvals of a record (ServiceNow `sysapproval_approver` rows of a change request), oldest
   * first, each with its approver and latest comment. Systems without approval records leave it out.
   */
  listApprovals?(ref: TicketRef): Promise<ApprovalRecord[]>;
}

/**
 * State of one approval. ServiceNow's `sysapproval_approver.state` values; an instance with its
 * own choices may return others, which are passed on as they are.
 */
export type ApprovalState = 'requested' | 'approved' | 'rejected' | 'cancelled' | 'not_required' | 'not requested';

/** One person's approval of a record, as an approver decided it or is yet to. */
export interface ApprovalRecord {
  /** Unique id of the approval (ServiceNow `sysapproval_approver.sys_id`). */
  id: string;
  // `string & {}` keeps the known values for editors while accepting an instance's own choices.
  state: ApprovalState | (string & {});
  /** Login of the approver (ServiceNow `approver.user_name`); empty when it cannot be read. */
  approver: string;
  /** Display name of the approver (ServiceNow `approver.name`). */
  approverName: string;
  /** The approver's latest comment on the approval; empty when there is none. */
  comment: string;
  /**
   * ISO-8601 UTC time the approval last changed (ServiceNow `sys_updated_on`): the time of the
   * decision once it is decided, and of the request while it is still requested.
   */
  decidedAt: string;
}

/** The connector's identity in the ITSM system, as far as reading changes is concerned. */
export interface ChangeFeedIdentity {
  /** The integration user's login; its own journal entries are not synced back. */
  user?: string;
  /** The time zone the system reads query dates in, as an IANA id, when known. */
  timeZone?: string;
}

/** A record as the change poller reads it. */
export interface ChangedTicket {
  ref: TicketRef;
  correlation: string;
  /** Version of the record (ServiceNow `sys_mod_count`). */
  version: number;
  /** Time of the last change, ISO-8601 UTC. */
  updatedAt: string;
  /** Login of the user who made the last change. */
  updatedBy: string;
  values: Record<string, unknown>;
}

/** One comment or work note on a record. */
export interface JournalEntry {
  /** Unique id of the entry (ServiceNow `sys_journal_field.sys_id`). */
  id: string;
  /** The journal field: `comments`, `work_notes`. */
  field: string;
  text: string;
  /** Login or display name of the author, as notes show it. */
  author: string;
  /**
   * Stable id of the author (a Jira account id) where it differs from `author`; the connector's own
   * entries are recognised by it. Defaults to `author`.
   */
  authorId?: string;
  /** ISO-8601 UTC. */
  createdAt: string;
}

/** A record found by its correlation prefix. */
export interface LinkedTicket {
  ref: TicketRef;
  correlation: string;
  /** True when the record is closed for good (ServiceNow `active` false). */
  closed: boolean;
  /** Current values of the fields asked for. */
  values: Record<string, unknown>;
}

/**
 * Writes ITSM-side results back to the AWS record: the ticket link, workflow status, notes.
 * The action's keys are the `writeback` keys of the mapping, already evaluated.
 */
export interface AwsWriteback {
  readonly kind: SourceKind;
  apply(record: WritebackRecord, action: WritebackAction): Promise<void>;
}

/**
 * The fields a write-back adapter needs to address one AWS record. A source record is one; the change
 * poller builds one from the keys the link store kept, because it has no event to start from.
 */
export type WritebackRecord = Pick<SourceRecord, 'kind' | 'format' | 'displayId' | 'writebackKey'>;

/** Evaluated write-back for one record. Keys not supported by the record's format are ignored. */
export interface WritebackAction {
  /** Workflow status (ASFF `Workflow.Status`, OpsItem `Status`). */
  status?: string;
  /** Free text: ASFF Note, OCSF Comment, an OpsItem note (see the OpsItem write-back). */
  note?: string;
  /** The linked ticket, for adapters that store the reference in a field of their own. */
  ticket?: TicketRef;
  /**
   * An approval decision for an Automation execution that waits for one (change requests only):
   * sent as SendAutomationSignal with `comment` in the payload.
   */
  signal?: { type: 'Approve' | 'Reject'; comment: string };
}
