import type { SourceKind, TicketRef } from '../core/types.js';

/**
 * The stage of a link:
 * - `pending`: a create was started but its result is not recorded yet (a crash may have left a
 *   ticket behind, so the next attempt searches by correlation before it creates);
 * - `open`: the ticket exists and itsm-sync keeps it in step;
 * - `resolved`: the ticket is resolved or closed, by itsm-sync (the AWS record was resolved) or by
 *   a person in the ITSM system (see `resolvedBy`).
 */
export type LinkStatus = 'pending' | 'open' | 'resolved';

/** The link between one AWS record and one ITSM record, and what was last synced between them. */
export interface Link {
  /** Correlation value, also stored on the ITSM record. Primary key. */
  correlation: string;
  identity: string;
  kind: SourceKind;
  /** Name of the sync rule (mapping) that owns the link. */
  rule: string;
  status: LinkStatus;
  ticket?: TicketRef;
  /** The source record's update time at the last sync, to drop stale events. */
  sourceUpdatedAt?: string;
  /** Per target field, the value itsm-sync last wrote. An unchanged value is not written again. */
  written: Record<string, unknown>;
  /** Per source format (`asff`, `ocsf`, ...), the ticket number last written back to AWS. */
  writebacks: Record<string, string>;
  /** Tickets this record had before the current one (a recurrence after the reopen window). */
  previousTickets: TicketRef[];
  resolvedAt?: string;
  /** The party that resolved the ticket: itsm-sync for the AWS record, or a person on the ITSM side. */
  resolvedBy?: 'aws' | 'itsm';
  /**
   * After a person closed the ticket: whether the AWS record has been resolved since. Only a record
   * that resolves and then fails again reopens a ticket that a person closed.
   */
  recordResolvedSinceClose?: boolean;
  /**
   * Per source format, how the write-back adapter addresses the AWS record, so the way back (which
   * starts from a ticket, not an event) can write to it.
   */
  awsRecords?: Record<string, { displayId: string; writebackKey: Record<string, string> }>;
  /** The AWS status itsm-sync last wrote (workflow status, OpsItem status), in either direction. */
  awsStatus?: string;
  /** The AWS record's status as its last event showed it, set by anyone. */
  awsRecordStatus?: string;
  /**
   * The ticket as itsm-sync last knew it: its version and the values of the fields the change
   * poller reads. A value that equals this is not a change, which is how the connector's own writes
   * are distinguished from people's.
   */
  itsm?: { version?: number; seen: Record<string, unknown> };
  /**
   * The side the pair began on: `itsm` for a ticket that started an AWS runbook (the AWS record came
   * second). Absent for records that came from AWS.
   */
  origin?: 'itsm';
  /**
   * For a link whose ticket came first: the first AWS-side sync records what the rule would write
   * instead of writing it, so the fields people wrote stay theirs.
   */
  baselinePending?: boolean;
  /** When an approval decision of this ticket was sent to AWS (change requests). */
  decidedAt?: string;
  /**
   * The calendar override that Change Manager asked for (change requests): when the connector
   * asked the ticket's approvers again, the ids of the approvals that existed then (they never
   * count as the override decision), and when the override decision was sent.
   */
  calendarOverride?: { requestedAt: string; earlierApprovals: string[]; decidedAt?: string };
  /** CMDB relationships this CI's rule made, by `parentId|childId|type`, with their ids. */
  relations?: Record<string, string>;
  /** Ids of the journal entries already sent to AWS. */
  journalSynced?: string[];
  createdAt: string;
  updatedAt: string;
}

/**
 * The state behind the sync: links, leases and cursors. Implementations: SQLite (one task) and,
 * for several tasks on one queue, a store with conditional writes such as DynamoDB.
 */
export interface StateStore {
  getLink(correlation: string): Promise<Link | undefined>;

  /** Insert or replace a link. */
  putLink(link: Link): Promise<void>;

  /** Count links, optionally of one rule. */
  countLinks(rule?: string): Promise<number>;

  /**
   * Take the lease on `key` for `owner` for `ttlMs` milliseconds. Returns false when another owner
   * holds an unexpired lease. A lease that expired (its holder crashed) can be taken over.
   */
  acquireLease(key: string, owner: string, ttlMs: number): Promise<boolean>;

  /** Give the lease back, if `owner` still holds it. */
  releaseLease(key: string, owner: string): Promise<void>;

  getCursor(name: string): Promise<string | undefined>;
  setCursor(name: string, value: string): Promise<void>;

  /**
   * Record that `decision` is about to be sent, unless it was already: an insert keyed by
   * `executionId` and `decisionKind`, so a decision read twice (the poller's overlap window, the
   * webhook and the poller) is sent once. Returns true when the caller now owns the decision and
   * must send it, then call {@link completeDecision}. Returns false when another claim exists.
   *
   * An existing claim is taken over (and true returned) in two cases only:
   * - its status is `failed`, a failure that retrying can help (throttling, a server error);
   * - its status is `pending` and it was claimed more than `options.pendingTimeoutMs` before
   *   `decision.claimedAt` (default {@link DECISION_PENDING_TIMEOUT_MS}), because its sender
   *   crashed between the claim and the result. The signal may or may not have reached AWS; a
   *   second one is refused by AWS once the execution no longer waits, which the caller records.
   *
   * Taking over replaces the stored decision with `decision` and adds one to its `attempts`.
   *
   * @throws InvalidDecisionError when a time is not ISO-8601 or a required field is empty.
   */
  claimDecision(decision: Decision, options?: ClaimDecisionOptions): Promise<boolean>;

  /**
   * Record the result of sending a claimed decision.
   *
   * @throws DecisionNotFoundError when no decision was claimed under `key`.
   */
  completeDecision(key: DecisionKey, result: DecisionResult): Promise<void>;

  /** List the recorded decisions, oldest decision first (by `decidedAt`, then execution id). */
  listDecisions(filter?: DecisionFilter): Promise<Decision[]>;

  close(): Promise<void>;
}

/**
 * Age at which a `pending` decision counts as abandoned and stops blocking other claims. It is long
 * enough for the SDK's retries of one SendAutomationSignal call and the writes around it (an
 * estimate: 5 attempts with backoff take under a minute). It is short enough that the decision of a
 * crashed sender goes out within the hour.
 */
export const DECISION_PENDING_TIMEOUT_MS = 15 * 60 * 1000;

/** Kind of decision: an approval of the change, or an approval to run while the change calendar is closed. */
export type DecisionKind = 'approval' | 'calendar-override';

/**
 * The stage of a decision:
 * - `pending`: claimed, and the signal is being sent (or its sender crashed);
 * - `sent`: AWS accepted the signal;
 * - `refused`: the signal failed for a reason retrying cannot change (the execution no longer
 *   waits, the connector's role is not an approver, the execution is gone). Final;
 * - `failed`: the signal failed for a reason retrying can help (throttling, a server or network
 *   error). The next claim of the same key takes it over.
 */
export type DecisionStatus = 'pending' | 'sent' | 'refused' | 'failed';

/** One approval decision made in the ITSM system and sent to an AWS Automation execution: the audit trail. */
export interface Decision {
  /** AutomationExecutionId the signal goes to. Part of the key. */
  executionId: string;
  /** Part of the key: at most one decision of each kind is sent per execution. */
  decisionKind: DecisionKind;
  signal: 'Approve' | 'Reject';
  /** Number of the ITSM record that contains the decision, such as the change number CHG0030012. */
  ticketNumber: string;
  ticketUrl: string;
  /** Login of the person who decided in the ITSM system. */
  approver: string;
  /** The comment sent in the signal's payload. */
  comment: string;
  /** ISO-8601 time of the decision in the ITSM system. */
  decidedAt: string;
  /** ISO-8601 time itsm-sync claimed the decision for sending. */
  claimedAt: string;
  status: DecisionStatus;
  /** AWS or local error code of a `refused` or `failed` send. */
  errorCode?: string;
  /** Reason a send was refused or failed, as a clause for people. */
  reason?: string;
  /** ISO-8601 time the result of the send was recorded. */
  completedAt?: string;
  /** Name of the sync rule that sent the decision. */
  rule: string;
  /** Correlation value of the link between the ticket and the change request. */
  correlation: string;
  /** How many times the decision was claimed; set by the store, 1 for the first claim. */
  attempts?: number;
}

/** The key of a decision: one execution, one kind of decision. */
export interface DecisionKey {
  executionId: string;
  decisionKind: DecisionKind;
}

/** The result of sending a claimed decision. */
export interface DecisionResult {
  status: Exclude<DecisionStatus, 'pending'>;
  errorCode?: string;
  reason?: string;
  /** ISO-8601 time of the result. */
  completedAt: string;
}

/** Options of {@link StateStore.claimDecision}. */
export interface ClaimDecisionOptions {
  /** Age in milliseconds after which a `pending` claim may be taken over. Default: {@link DECISION_PENDING_TIMEOUT_MS}. */
  pendingTimeoutMs?: number;
}

/** Filter of {@link StateStore.listDecisions}. */
export interface DecisionFilter {
  /** Only decisions made at or after this ISO-8601 time (by `decidedAt`). */
  since?: string;
}

/** A decision given to the state store has a missing field or a time that is not ISO-8601. */
export class InvalidDecisionError extends Error {
  override readonly name = 'InvalidDecisionError';

  constructor(
    readonly executionId: string,
    /** The field that is wrong, such as `decidedAt`. */
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

/** {@link StateStore.completeDecision} was called for a key that no claim recorded. */
export class DecisionNotFoundError extends Error {
  override readonly name = 'DecisionNotFoundError';

  constructor(readonly key: DecisionKey) {
    super(
      `No ${key.decisionKind} decision was claimed for Automation execution ${key.executionId}, so its result cannot be recorded. ` +
        'Call claimDecision first and record the result only when it returned true.',
    );
  }
}
