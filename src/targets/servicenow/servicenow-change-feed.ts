import { pino, type Logger } from 'pino';

import type {
  ApprovalRecord,
  ChangedTicket,
  ChangeFeedIdentity,
  ItsmChangeFeed,
  JournalEntry,
  TicketRef,
} from '../../core/types.js';
import type { ServiceNowClient, ServiceNowRecord } from './client.js';
import { EncodedQuery, validateFieldName } from './encoded-query.js';
import { ServiceNowError, ServiceNowInputError } from './errors.js';
import type { ServiceNowTarget } from './servicenow-target.js';
import { parseServiceNowDate } from './servicenow-target.js';
import { lowerBoundIn, validateTimeZone, wallClockIn } from './time-zone.js';

/** Settings of a ServiceNowChangeFeed. */
export interface ServiceNowChangeFeedOptions {
  /**
   * The time zone the instance reads query dates in for the integration user. Leave it out to
   * read it from the user's record (`sys_user.time_zone`) or the instance default
   * (`glide.sys.default.tz`).
   */
  timeZone?: string;
  /** Records per page. Default 200. */
  pageSize?: number;
  logger?: Logger;
}

/** Columns every read of a changed record needs, besides the mapped fields. */
const CHANGE_COLUMNS = ['sys_id', 'number', 'sys_mod_count', 'sys_updated_on', 'sys_updated_by'];

/** Columns of an approval row, with the approver's login and name dot-walked from sys_user. */
const APPROVAL_COLUMNS = ['sys_id', 'sysapproval', 'state', 'approver', 'approver.user_name', 'approver.name', 'sys_updated_on'];

/**
 * How much earlier than asked a poll starts when the instance's time zone is unknown: the widest
 * gap between two UTC offsets in use (UTC-12 to UTC+14). Records are then read again, never missed.
 */
const UNKNOWN_ZONE_MARGIN_MS = 26 * 3_600_000;

/**
 * Reads the ServiceNow records that itsm-sync is linked to and that changed since a time, for the
 * change poller and the webhook.
 *
 * Query dates are written in the integration user's time zone, because the instance reads them
 * that way, while it returns dates in UTC. Pages follow each other by (sys_updated_on, sys_id)
 * rather than by offset, so a record updated while the poller pages moves to the end of the order
 * instead of shifting the others, and every record is read once.
 */
export class ServiceNowChangeFeed implements ItsmChangeFeed {
  readonly system = 'servicenow' as const;
  private timeZone: string | undefined;
  private readonly pageSize: number;
  private readonly logger: Logger;
  private identity: ChangeFeedIdentity | undefined;

  constructor(
    private readonly client: ServiceNowClient,
    private readonly target: ServiceNowTarget,
    options: ServiceNowChangeFeedOptions = {},
  ) {
    this.timeZone = options.timeZone === undefined ? undefined : validateTimeZone(options.timeZone, 'SERVICENOW_TIME_ZONE');
    this.pageSize = options.pageSize ?? 200;
    this.logger = options.logger ?? pino({ level: 'silent' });
  }

  /**
   * Read the integration user's login and time zone. A user without a time zone of their own
   * uses the instance default. When neither can be read (an ACL on sys_user or sys_properties),
   * the poller still works, with a wider overlap, and a warning explains how to fix it.
   */
  async prepare(): Promise<ChangeFeedIdentity> {
    let user: string | undefined;
    let zone = this.timeZone;

    try {
      const page = await this.client.queryPage('sys_user', new EncodedQuery().isCurrentUser('sys_id'), {
        fields: ['user_name', 'time_zone'],
        limit: 1,
      });
      const me = page.records[0];
      user = me?.user_name || undefined;
      zone ??= me?.time_zone || undefined;

      if (zone === undefined) {
        const property = await this.client.queryPage('sys_properties', new EncodedQuery().equals('name', 'glide.sys.default.tz'), {
          fields: ['name', 'value'],
          limit: 1,
        });
        zone = property.records[0]?.value || undefined;
      }
    } catch (error) {
      if (!(error instanceof ServiceNowError)) throw error;
      this.logger.warn(
        { errorName: error.name, errorMessage: error.message },
        'Cannot read the integration user or the instance time zone; the change poller reads with a 26-hour overlap. Set SERVICENOW_TIME_ZONE, or let the user read its own sys_user record',
      );
    }

    this.timeZone = zone === undefined ? undefined : validateTimeZone(zone, 'the integration user or glide.sys.default.tz');
    this.identity = { user, timeZone: this.timeZone };
    this.logger.info({ user, timeZone: this.timeZone ?? 'unknown' }, 'ServiceNow change feed ready');
    return this.identity;
  }

  async *listChanged(table: string, prefixes: string[], since: Date, fields: string[]): AsyncIterable<ChangedTicket> {
    const correlationField = this.target.correlationField;
    const columns = columnsFor(correlationField, fields);
    const linked = new EncodedQuery().startsWithAny(correlationField, prefixes);
    const order = (query: EncodedQuery): EncodedQuery => query.orderBy('sys_updated_on').orderBy('sys_id');

    // The first page starts at `since`; each next one after the last record read.
    let query = order(linked.greaterOrEqual('sys_updated_on', this.lowerBound(since)));

    for (;;) {
      const page = await this.client.queryPage(table, query, { fields: columns, limit: this.pageSize });

      let last: ServiceNowRecord | undefined;
      for (const record of page.records) {
        const correlation = record[correlationField] ?? '';
        // The instance may compare without regard to case; only our exact prefixes are ours.
        if (prefixes.some((prefix) => correlation.startsWith(prefix))) {
          yield this.toChangedTicket(table, record, fields);
        }
        last = record;
      }

      if (last === undefined || page.records.length < this.pageSize) return;

      const lastTime = wallClockIn(new Date(requireDate(last, table)), this.timeZone ?? 'UTC');
      const lastId = last.sys_id ?? '';
      query = order(
        linked
          .greaterThan('sys_updated_on', lastTime)
          .union(linked.equals('sys_updated_on', lastTime).greaterThan('sys_id', lastId)),
      );
    }
  }

  async *listStartCandidates(table: string, query: string, fields: string[], now: Date): AsyncIterable<ChangedTicket> {
    const correlationField = this.target.correlationField;
    // The admin's query is configuration, not data, so it is sent as written; the conditions
    // added here are built by the query builder, which escapes their values.
    const due = new EncodedQuery().isEmpty(correlationField).isEmpty('start_date').orLessOrEqual('start_date', wallClockIn(now, this.timeZone ?? 'UTC'));
    const text = `${query}^${due.orderBy('sys_updated_on').orderBy('sys_id').toString()}`;

    for await (const record of this.client.queryRecords(table, text, { fields: columnsFor(correlationField, [...fields, 'start_date']) })) {
      // A dropped condition would return linked records too; those are the poller's.
      if ((record[correlationField] ?? '') !== '') continue;
      yield this.toChangedTicket(table, record, fields);
    }
  }

  async getChanged(table: string, id: string, fields: string[]): Promise<ChangedTicket | undefined> {
    const record = await this.client.getRecord(table, id, columnsFor(this.target.correlationField, fields));
    return record === undefined ? undefined : this.toChangedTicket(table, record, fields);
  }

  async *listJournal(ref: TicketRef, fields: string[]): AsyncIterable<JournalEntry> {
    if (fields.length === 0) return;
    const query = new EncodedQuery()
      .equals('element_id', ref.id)
      .equals('name', ref.table)
      .in('element', fields)
      .orderBy('sys_created_on');
    const columns = ['sys_id', 'element', 'element_id', 'value', 'sys_created_on', 'sys_created_by'];

    for await (const row of this.client.queryRecords('sys_journal_field', query, { fields: columns })) {
      // Guard against a dropped condition returning other records' entries.
      if (row.element_id !== ref.id || !fields.includes(row.element ?? '')) continue;
      yield {
        id: row.sys_id ?? '',
        field: row.element ?? '',
        text: row.value ?? '',
        author: row.sys_created_by ?? '',
        createdAt: toIso(row.sys_created_on ?? ''),
      };
    }
  }

  /**
   * Read the approvals of a record: its `sysapproval_approver` rows, oldest first, with the
   * approver's login and name and the latest entry of each row's `comments` journal.
   *
   * NOTE: journal times have one-second precision, so of two comments on one approval in the same
   * second either may be taken as the latest.
   */
  async listApprovals(ref: TicketRef): Promise<ApprovalRecord[]> {
    const query = new EncodedQuery().equals('sysapproval', ref.id).orderBy('sys_created_on');
    const rows: ServiceNowRecord[] = [];

    for await (const row of this.client.queryRecords('sysapproval_approver', query, { fields: APPROVAL_COLUMNS })) {
      // Guard against a dropped condition returning the approvals of other records.
      if (row.sysapproval === ref.id) rows.push(row);
    }
    if (rows.length === 0) return [];

    const comments = await this.latestApprovalComments(rows.map((row) => row.sys_id ?? ''));

    return rows.map((row) => ({
      id: row.sys_id ?? '',
      state: row.state ?? '',
      approver: row['approver.user_name'] ?? '',
      approverName: row['approver.name'] ?? '',
      comment: comments.get(row.sys_id ?? '') ?? '',
      decidedAt: toIso(row.sys_updated_on ?? ''),
    }));
  }

  /** Read the latest `comments` journal entry of each approval row, by the row's sys_id. */
  private async latestApprovalComments(approvalIds: string[]): Promise<Map<string, string>> {
    const query = new EncodedQuery()
      .equals('name', 'sysapproval_approver')
      .equals('element', 'comments')
      .in('element_id', approvalIds)
      .orderBy('sys_created_on');
    const columns = ['sys_id', 'element', 'element_id', 'value', 'sys_created_on'];
    const wanted = new Set(approvalIds);
    const latest = new Map<string, string>();

    for await (const entry of this.client.queryRecords('sys_journal_field', query, { fields: columns })) {
      const approvalId = entry.element_id ?? '';
      if (entry.element !== 'comments' || !wanted.has(approvalId)) continue;
      // Entries come oldest first, so the last one written per approval is its latest.
      latest.set(approvalId, entry.value ?? '');
    }
    return latest;
  }

  /** Write the `>=` bound for `since` in the time zone the instance reads it in. */
  private lowerBound(since: Date): string {
    if (this.timeZone !== undefined) return lowerBoundIn(since, this.timeZone);
    return wallClockIn(new Date(since.getTime() - UNKNOWN_ZONE_MARGIN_MS), 'UTC');
  }

  private toChangedTicket(table: string, record: ServiceNowRecord, fields: string[]): ChangedTicket {
    const version = Number(record.sys_mod_count);
    if (!Number.isInteger(version)) {
      throw new ServiceNowInputError(
        'sys_mod_count',
        `Record ${record.sys_id} of ${table} has sys_mod_count ${JSON.stringify(record.sys_mod_count)}; the change poller needs the integer version the Table API returns. Check that the integration user can read sys_mod_count.`,
      );
    }

    return {
      ref: this.target.ticketRef(table, record),
      correlation: record[this.target.correlationField] ?? '',
      version,
      updatedAt: new Date(requireDate(record, table)).toISOString(),
      updatedBy: record.sys_updated_by ?? '',
      values: Object.fromEntries(fields.map((field) => [field, record[field] ?? ''])),
    };
  }
}

function columnsFor(correlationField: string, fields: string[]): string[] {
  fields.forEach(validateFieldName);
  return [...new Set([...CHANGE_COLUMNS, correlationField, ...fields])];
}

function requireDate(record: ServiceNowRecord, table: string): number {
  const time = parseServiceNowDate(record.sys_updated_on ?? '');
  if (Number.isNaN(time)) {
    throw new ServiceNowInputError(
      'sys_updated_on',
      `Record ${record.sys_id} of ${table} has sys_updated_on ${JSON.stringify(record.sys_updated_on)}, not a UTC date. The change poller sends sysparm_display_value=false; check that nothing rewrites the response.`,
    );
  }
  return time;
}

function toIso(text: string): string {
  const time = parseServiceNowDate(text);
  return Number.isNaN(time) ? text : new Date(time).toISOString();
}
