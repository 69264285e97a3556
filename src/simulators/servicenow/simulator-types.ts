/**
 * The public shape of the ServiceNow simulator: its options and the handle that
 * `startServiceNowSimulator` returns.
 */

import type { Logger } from 'pino';

import type { AwsConnectorCi } from './cmdb.js';
import type { StoredRecord } from './record-store.js';
import type { SimulatorUserOptions } from './users.js';
import type { WebhookDeliveries, WebhookOptions } from './webhooks.js';

export type { AwsConnectorCi } from './cmdb.js';

/** Options of `startServiceNowSimulator`. */
export interface ServiceNowSimulatorOptions {
  /** Port on 127.0.0.1; 0 (the default) picks a free one. */
  port?: number;
  /** Delay before every Table API response, in milliseconds. Default 0. */
  latencyMs?: number;
  /**
   * Users of the instance, served as `sys_user` rows. Those with a password can log in with basic
   * auth. Default: one user `itsm.sync` with password `demo-password` and no time zone of its own.
   */
  users?: SimulatorUserOptions[];
  /**
   * The system time zone (`glide.sys.default.tz`), as an IANA id: query date-times of users without
   * a time zone of their own are read in it. Default `UTC`.
   */
  systemTimeZone?: string;
  /**
   * Clock for sys_created_on, sys_updated_on and the other times a write sets, and for webhook
   * timestamps. Default: the real time. Tests use it to write several times in one second or to
   * jump ahead. Token expiry always uses the real time.
   */
  clock?: () => Date;
  /** Webhooks sent after each insert or update, as an async business rule would. Default: none. */
  webhooks?: WebhookOptions[];
  /** OAuth clients for the client credentials grant; tokens act as `username` (default: the first user). */
  oauthClients?: Array<{ clientId: string; clientSecret: string; username?: string }>;
  /** Lifetime of OAuth tokens, in seconds. Default 1799, as a default instance. */
  tokenTtlSeconds?: number;
  /** Fields that a data policy makes mandatory, per table. */
  mandatoryFields?: Record<string, string[]>;
  /** Extra tables without default columns, such as custom `u_` tables. */
  tables?: string[];
  /**
   * Users (user_name, each one of `users`) who must approve a normal or emergency change when it
   * enters Assess or Authorize: each gets a `sysapproval_approver` row. The first decision decides
   * the change. Default: none, so such a change waits for approval until it is reverted or canceled.
   */
  changeApprovers?: string[];
  /** Logger for the simulator's own failures. Default: warnings and errors to stderr. */
  logger?: Logger;
}

/**
 * A scripted response for the next matching Table API request, sent instead of the real one. A string
 * body is sent as HTML and an object as JSON. Without a body, a typical ServiceNow body for the status
 * is sent, and a 2xx gets `{}`, which has no `result`.
 */
export interface InjectedFault {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Only requests with this HTTP method (any case). */
  method?: string;
  /** Only requests to this table. */
  table?: string;
  /**
   * Carry out the request first and then send the fault instead of its response, like a gateway
   * timeout after the instance committed the write. Default false: the request has no effect.
   */
  processRequest?: boolean;
}

/** One request the simulator received. */
export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  status: number;
  /** The parsed JSON body of a Table API POST, PATCH or PUT. */
  body?: unknown;
}

/** Options of the direct write methods of the simulator handle. */
export interface DirectWriteOptions {
  /** The user the write is made as (sys_created_by, sys_updated_by). Default: the first user. */
  user?: string;
}

/** An approver's decision on a change, for `approveChange` and `rejectChange`. */
export interface ChangeDecision {
  /** The approver's user_name. */
  user: string;
  /** Added to the approval row's `comments` journal. Default: no comment. */
  comment?: string;
}

/** The cancellation of a change, for `cancelChange`. */
export interface ChangeCancellation {
  /** The user_name of the person who cancels. */
  user: string;
  /**
   * Added to the change as a work note in the same update.
   *
   * NOTE: where the Cancel action of an instance stores its reason is unverified.
   */
  reason: string;
}

/** The records of every table, as `snapshot()` returns them and `restore()` takes them. */
export interface SimulatorSnapshot {
  tables: Record<string, StoredRecord[]>;
}

/** A running ServiceNow simulator. */
export interface ServiceNowSimulator {
  /** Base URL, such as `http://127.0.0.1:40123`. */
  readonly url: string;
  /** Every request received, oldest first (the last 100,000 are kept). */
  readonly requests: RecordedRequest[];
  /** Stop serving, and wait for webhook deliveries in flight. */
  stop(): Promise<void>;
  /**
   * Copies of the records of a table and of the tables that extend it (every CI for `cmdb_ci`), in
   * creation order, with all their columns.
   */
  records(table: string): StoredRecord[];
  /** Number of records that `records(table)` returns (for pollers such as the benchmark). */
  count(table: string): number;
  /** Number of Table API requests received, failed ones included. */
  tableCalls(): number;
  /** Queue responses for the next matching Table API requests, one request per fault. */
  injectFaults(faults: InjectedFault[]): void;
  /** Respond to every request with the HTML page of a hibernating instance (status 200). */
  setHibernating(on: boolean): void;
  /** Expire every OAuth token issued so far, so the next call with one gets a 401. */
  expireTokens(): void;
  /** Remove all records, requests, faults and counters; choices and users are seeded again. */
  reset(): void;
  /** Copy the records of every table, for example to keep them in a file between demo runs. */
  snapshot(): SimulatorSnapshot;
  /**
   * Replace the records of each table named in the snapshot; numbering continues after the highest
   * restored number. Tables the simulator does not know are rejected. The read-only tables
   * (sys_user, sys_properties) keep the rows the options gave them.
   */
  restore(snapshot: SimulatorSnapshot): void;
  /**
   * Create a record as a person in the instance would, with the same defaults, business rules,
   * data policies and webhooks as a POST (throws DataPolicyViolation, and ReadOnlyTableError for
   * sys_user and sys_properties). Not counted as a Table API call.
   */
  insertRecord(table: string, fields: Record<string, unknown>, options?: DirectWriteOptions): StoredRecord;
  /**
   * Update a record as a person in the instance would (see insertRecord). Also throws
   * BusinessRuleAbort for a change_request state move that the change state model does not allow.
   * `table` may be a table that the record's class extends, such as `cmdb_ci` for a VM instance:
   * then only that table's columns are written.
   */
  updateRecord(table: string, sysId: string, fields: Record<string, unknown>, options?: DirectWriteOptions): StoredRecord;
  /**
   * Insert a CI as the AWS Service Management Connector creates it, for tests of adopting such CIs:
   * discovery_source `AWS`, object_id set to the resource id, no correlation_id, made by `system`.
   * Runs the same rules and webhooks as insertRecord. Throws when `className` is not `cmdb_ci` or a
   * table extending it, or when `resourceId` is empty.
   */
  seedAwsConnectorCi(ci: AwsConnectorCi): StoredRecord;
  /**
   * Request approval of changes from these users (user_name, each one of the `users` option) from
   * now on, in place of the `changeApprovers` option until the next reset. Rows already added stay.
   */
  setChangeApprovers(usernames: string[]): void;
  /**
   * Approve a change as `decision.user`: their requested `sysapproval_approver` row becomes
   * `approved` with the comment in its `comments` journal, and the change's approval rules run
   * (the change becomes `approved` and moves to Scheduled, updated by that user). Returns the
   * change. Throws ChangeApprovalError when the user has no requested approval on the change.
   */
  approveChange(changeSysId: string, decision: ChangeDecision): StoredRecord;
  /**
   * Reject a change as `decision.user` (see approveChange): the change becomes `rejected` and goes
   * back to New.
   */
  rejectChange(changeSysId: string, decision: ChangeDecision): StoredRecord;
  /**
   * Cancel a change as `cancellation.user`: one update that sets the state to Canceled (4) and adds
   * the reason as a work note. Requested approvals are cancelled. Throws BusinessRuleAbort for a
   * change in Review, Closed or Canceled, since the state model allows no move from those to Canceled.
   */
  cancelChange(changeSysId: string, cancellation: ChangeCancellation): StoredRecord;
  /** Counts and latest outcomes of webhook deliveries. */
  webhookDeliveries(): WebhookDeliveries;
  /** Wait until every webhook delivery started so far has finished. */
  webhooksSettled(): Promise<void>;
}
