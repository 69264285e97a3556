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

/** The kinds of AWS record that itsm-sync keeps in sync. */
export type SourceKind = 'finding' | 'opsitem' | 'configuration-item' | 'change-request';

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
  /** ISO-8601 time of the record's last change at the source, used to drop stale events. */
  updatedAt?: string;
  /** The document that mapping expressions read. Its shape is documented per kind in docs/mappings.md. */
  view: View;
  /** The keys the AWS write-back adapter needs to address this record, in this format. */
  writebackKey: Record<string, string>;
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

  /** Create a record that carries the correlation value, and return a reference to it. */
  create(table: string, fields: TicketFields, correlation: string): Promise<TicketRef>;

  /** Write the given fields, and only those, to an existing record. */
  update(ref: TicketRef, fields: TicketFields): Promise<void>;

  /** Find the record that carries exactly this correlation value, if there is one. */
  findByCorrelation(table: string, correlation: string): Promise<TicketRef | undefined>;

  /**
   * Iterate over every record whose correlation value starts with `prefix`, with the current
   * values of `fields`, so that links can be rebuilt when the link store was lost.
   */
  listLinked(table: string, prefix: string, fields: string[]): AsyncIterable<LinkedTicket>;
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
  apply(record: SourceRecord, action: WritebackAction): Promise<void>;
}

/** Evaluated write-back for one record. Keys not supported by the record's format are ignored. */
export interface WritebackAction {
  /** Workflow status (ASFF `Workflow.Status`, OpsItem `Status`). */
  status?: string;
  /** Free text: ASFF Note, OCSF Comment, OpsItem OperationalData note. */
  note?: string;
  /** The linked ticket, for adapters that store the reference in a field of their own. */
  ticket?: TicketRef;
}
