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
  /** Who resolved the ticket: itsm-sync for the AWS record, or a person on the ITSM side. */
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
  /**
   * The ticket as itsm-sync last knew it: its version and the values of the fields the change
   * poller reads. A value that equals this is not a change, which is how the connector's own writes
   * are told apart from people's.
   */
  itsm?: { version?: number; seen: Record<string, unknown> };
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

  close(): Promise<void>;
}
