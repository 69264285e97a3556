import { pino, type Logger } from 'pino';

import type { CmdbRecord, ItsmTarget, LinkedTicket, TicketFields, TicketRef, TicketSnapshot, WriteOptions, WrittenTicket } from '../../core/types.js';
import type { ServiceNowClient, ServiceNowRecord } from './client.js';
import { EncodedQuery, escapeQueryValue, validateFieldName } from './encoded-query.js';
import { EncodedQueryError, ServiceNowInputError } from './errors.js';

/** Dictionary length of `task.correlation_id` on a default instance. */
export const MAX_CORRELATION_LENGTH = 100;

/**
 * How far back from the start of a create a record may have been created and still count as the
 * result of that create's earlier attempt. It covers clock skew between this host and the instance.
 */
const CREATE_RECOVERY_WINDOW_MS = 5 * 60_000;

/** Settings of a ServiceNowTarget. */
export interface ServiceNowTargetOptions {
  /** Base URL of the instance, for the links in TicketRef.url. */
  instanceUrl: string;
  /** Column that carries the correlation value. Default `correlation_id`. */
  correlationField?: string;
  logger?: Logger;
}

/**
 * The ServiceNow side of the sync: creates and updates records through the Table API and finds
 * them again by their correlation value.
 *
 * Field values are converted to the strings the Table API stores. The correlation value is written
 * to `correlation_id` (or the configured column), whose dictionary length is 100 characters, so
 * longer values are rejected here instead of being cut by the instance.
 *
 * @example
 * ```ts
 * const target = new ServiceNowTarget(client, { instanceUrl: 'https://acme.service-now.com' });
 * const ref = await target.create('incident', { short_description: 'S3 bucket is public', urgency: 2 }, 'sechub-3f9a…');
 * await target.update(ref, { state: 6, close_code: 'Solution provided', close_notes: 'Fixed' });
 * ```
 */
export class ServiceNowTarget implements ItsmTarget {
  readonly system = 'servicenow' as const;
  readonly journalFields = ['work_notes', 'comments', 'comments_and_work_notes'] as const;
  private readonly relationshipTypes = new Map<string, string>();
  private readonly instanceUrl: string;
  /** Column that carries the correlation value. */
  readonly correlationField: string;
  private readonly logger: Logger;

  constructor(
    private readonly client: ServiceNowClient,
    options: ServiceNowTargetOptions,
  ) {
    this.instanceUrl = options.instanceUrl.replace(/\/+$/, '');
    this.correlationField = options.correlationField ?? 'correlation_id';
    this.logger = options.logger ?? pino({ level: 'silent' });
    validateFieldName(this.correlationField);
  }

  /**
   * Create a record that carries `correlation` and return a reference to it.
   *
   * When an attempt of the POST fails in a way that may still have created the record (timeout,
   * 5xx), the record is looked up by its correlation value before the next attempt, so a retry does
   * not create a duplicate.
   */
  async create(table: string, fields: TicketFields, correlation: string, options: WriteOptions = {}): Promise<WrittenTicket> {
    validateCorrelation(correlation, this.correlationField);
    const values = withNote(toServiceNowFields(fields), options.note);
    const mappedCorrelation = values[this.correlationField];

    if (mappedCorrelation !== undefined && mappedCorrelation !== '' && mappedCorrelation !== correlation) {
      throw new ServiceNowInputError(
        'correlation',
        `The fields set ${this.correlationField} to ${JSON.stringify(mappedCorrelation)}, which differs from the ` +
          `correlation value ${JSON.stringify(correlation)}. Remove ${this.correlationField} from the sync rule's fields.`,
      );
    }
    values[this.correlationField] = correlation;

    const startedAt = Date.now();
    const record = await this.client.createRecord(table, values, {
      fields: [...new Set(['sys_id', 'number', this.correlationField, ...snapshotColumns(options.read)])],
      findExisting: () => this.findCreatedSince(table, correlation, startedAt - CREATE_RECOVERY_WINDOW_MS),
    });

    // An instance whose column is shorter than 100 characters cuts the value without an error, and
    // then findByCorrelation can no longer find the record.
    const stored = record[this.correlationField];
    if (stored !== undefined && stored !== correlation) {
      this.logger.warn(
        { table, sysId: record.sys_id, number: record.number, correlation, stored },
        `ServiceNow stored a different ${this.correlationField} than was sent; check the column's maximum length`,
      );
    }

    const ref = this.ticketRef(table, record);
    return options.read === undefined ? ref : { ...ref, snapshot: toSnapshot(record, options.read) };
  }

  /**
   * Write the given fields, and only those, to the record. An empty `fields` without a note sends
   * nothing. The PATCH response is the record after the write, so the snapshot costs no extra call.
   */
  async update(ref: TicketRef, fields: TicketFields, options: WriteOptions = {}): Promise<TicketSnapshot | undefined> {
    if (ref.system !== 'servicenow') {
      throw new ServiceNowInputError(
        'ticket',
        `Cannot update ${ref.system} ticket ${ref.number} through the ServiceNow target.`,
      );
    }

    const values = withNote(toServiceNowFields(fields), options.note);
    if (Object.keys(values).length === 0) {
      return undefined;
    }

    const record = await this.client.updateRecord(ref.table, ref.id, values, {
      fields: ['sys_id', ...snapshotColumns(options.read)],
    });
    return options.read === undefined ? undefined : toSnapshot(record, options.read);
  }

  async attach(ref: TicketRef, correlation: string, fields: TicketFields, options: WriteOptions = {}): Promise<TicketSnapshot | undefined> {
    validateCorrelation(correlation, this.correlationField);
    return this.update(ref, { ...fields, [this.correlationField]: correlation }, options);
  }

  async relate(parent: TicketRef, child: TicketRef, typeName: string): Promise<string> {
    const type = await this.relationshipType(typeName);
    const query = new EncodedQuery().equals('parent', parent.id).equals('child', child.id).equals('type', type);
    for await (const row of this.client.queryRecords('cmdb_rel_ci', query, { fields: ['sys_id', 'parent', 'child', 'type'], pageSize: 1 })) {
      if (row.parent === parent.id && row.child === child.id && row.type === type) return row.sys_id ?? '';
    }
    const created = await this.client.createRecord('cmdb_rel_ci', { parent: parent.id, child: child.id, type }, { fields: ['sys_id'] });
    return created.sys_id ?? '';
  }

  /**
   * Ask each approver (by `sys_user.user_name`) to approve the record, with a `requested`
   * `sysapproval_approver` row, unless one is requested already. Approvers see it under My
   * Approvals, as with the approvals the change's own flow requests.
   */
  async requestApproval(ref: TicketRef, approvers: readonly string[]): Promise<void> {
    for (const login of approvers) {
      const user = await this.userNamed(login);
      const pending = new EncodedQuery().equals('sysapproval', ref.id).equals('approver', user).equals('state', 'requested');
      let requested = false;
      for await (const row of this.client.queryRecords('sysapproval_approver', pending, { fields: ['sys_id', 'sysapproval', 'approver', 'state'], pageSize: 1 })) {
        requested ||= row.sysapproval === ref.id && row.approver === user && row.state === 'requested';
      }
      if (requested) continue;

      await this.client.createRecord(
        'sysapproval_approver',
        { sysapproval: ref.id, document_id: ref.id, source_table: ref.table, approver: user, state: 'requested' },
        { fields: ['sys_id'] },
      );
    }
  }

  /** Return the sys_id of the user with this user_name. */
  private async userNamed(login: string): Promise<string> {
    for await (const row of this.client.queryRecords('sys_user', new EncodedQuery().equals('user_name', login), { fields: ['sys_id', 'user_name'], pageSize: 1 })) {
      if (row.user_name === login && row.sys_id) return row.sys_id;
    }
    throw new ServiceNowInputError(
      'approvers',
      `ServiceNow has no user with the user name ${JSON.stringify(login)}. List user names (sys_user.user_name) in reverse.decision.calendarOverride.approvers.`,
    );
  }

  async unrelate(relationshipId: string): Promise<void> {
    await this.client.deleteRecord('cmdb_rel_ci', relationshipId);
  }

  /** Return the sys_id of a `cmdb_rel_type` by name, read once per name. */
  private async relationshipType(name: string): Promise<string> {
    const known = this.relationshipTypes.get(name);
    if (known !== undefined) return known;
    for await (const row of this.client.queryRecords('cmdb_rel_type', new EncodedQuery().equals('name', name), { fields: ['sys_id', 'name'], pageSize: 1 })) {
      if (row.name === name && row.sys_id) {
        this.relationshipTypes.set(name, row.sys_id);
        return row.sys_id;
      }
    }
    throw new ServiceNowInputError('relationship', `ServiceNow has no cmdb_rel_type named ${JSON.stringify(name)}. Use a name from that table, such as "Contains::Contained by".`);
  }

  async findUnlinked(table: string, field: string, value: string): Promise<TicketRef | undefined> {
    validateFieldName(field);
    const query = new EncodedQuery().equals(field, value).isEmpty(this.correlationField).orderBy('sys_created_on');
    for await (const record of this.client.queryRecords(table, query, { fields: ['sys_id', 'number', field, this.correlationField], pageSize: 5 })) {
      // Compare again: the instance may compare without regard to case, or drop an unknown field.
      if (record[field] === value && (record[this.correlationField] ?? '') === '') return this.ticketRef(table, record);
    }
    return undefined;
  }

  /**
   * Find the record whose correlation value is exactly `correlation`. When several records carry
   * it, the oldest wins and a warning is logged.
   *
   * The returned values are compared with `correlation`, because the instance drops a condition on a
   * column the table lacks (and would then return unrelated records), and may compare strings without
   * regard to case.
   */
  async findByCorrelation(table: string, correlation: string): Promise<TicketRef | undefined> {
    validateCorrelation(correlation, this.correlationField);
    const query = new EncodedQuery().equals(this.correlationField, correlation).orderBy('sys_created_on');
    const fields = ['sys_id', 'number', 'sys_created_on', this.correlationField];
    const matches: ServiceNowRecord[] = [];

    // Pages of two records: one request finds the record and shows whether a duplicate exists.
    // Rows that match only without regard to case make the loop read further pages.
    for await (const record of this.client.queryRecords(table, query, { fields, pageSize: 2 })) {
      this.checkCorrelationColumn(table, [record]);

      if (record[this.correlationField] === correlation) {
        matches.push(record);
      }
      if (matches.length === 2) {
        break;
      }
    }

    const [oldest, ...others] = matches.sort(compareByCreation);
    if (oldest === undefined) {
      return undefined;
    }

    if (others.length > 0) {
      this.logger.warn(
        { table, correlation, chosen: oldest.sys_id, others: others.map((record) => record.sys_id) },
        'Several ServiceNow records carry one correlation value; using the oldest',
      );
    }

    return this.ticketRef(table, oldest);
  }

  /**
   * Iterate over the records whose correlation value starts with `prefix`, with the current values
   * of `fields`, for rebuilding links after the link store was lost.
   *
   * NOTE: only `active` false (Closed, Canceled) counts as closed. A Resolved incident is still
   * active on a default instance, so its rebuilt link counts as open.
   */
  async *listLinked(table: string, prefix: string, fields: string[] = []): AsyncIterable<LinkedTicket> {
    if (prefix === '') {
      throw new ServiceNowInputError('correlation', 'The correlation prefix is empty; give the prefix itsm-sync writes.');
    }
    validateCorrelation(prefix, this.correlationField);
    fields.forEach(validateFieldName);

    const query = new EncodedQuery().startsWith(this.correlationField, prefix);
    const columns = [...new Set(['sys_id', 'number', 'active', this.correlationField, ...fields])];

    for await (const record of this.client.queryRecords(table, query, { fields: columns })) {
      this.checkCorrelationColumn(table, [record]);
      const correlation = record[this.correlationField] ?? '';

      // Skip rows that matched only without regard to case.
      if (!correlation.startsWith(prefix)) continue;

      yield {
        ref: this.ticketRef(table, record),
        correlation,
        closed: record.active === 'false',
        values: Object.fromEntries(fields.map((field) => [field, record[field] ?? ''])),
      };
    }
  }

  /**
   * Iterate over the active records of `table` whose reference `field` holds `referencedId` and
   * whose correlation value starts with one of `prefixes`: the incidents itsm-sync opened on a CI.
   */
  async *listOpenReferencing(table: string, field: string, referencedId: string, prefixes: readonly string[]): AsyncIterable<LinkedTicket> {
    prefixes.forEach((prefix) => validateCorrelation(prefix, this.correlationField));
    const query = new EncodedQuery().equals(field, referencedId).equals('active', true).startsWithAny(this.correlationField, prefixes);

    for await (const record of this.client.queryRecords(table, query, { fields: ['sys_id', 'number', 'active', this.correlationField] })) {
      this.checkCorrelationColumn(table, [record]);
      const correlation = record[this.correlationField] ?? '';
      // STARTSWITH ignores case; only the exact prefixes are itsm-sync's.
      if (!prefixes.some((prefix) => correlation.startsWith(prefix))) continue;
      yield { ref: this.ticketRef(table, record), correlation, closed: false, values: {} };
    }
  }

  /**
   * Iterate over the records of a table that match an encoded query (written by a mapping's
   * author, used as it is), with `fields`, ordered by sys_id. `only` adds an escaped sys_id
   * condition.
   */
  async *listRecords(table: string, query: string | undefined, fields: readonly string[], only?: string): AsyncIterable<CmdbRecord> {
    fields.forEach(validateFieldName);
    let encoded = new EncodedQuery(query === undefined ? [] : [query]);
    if (only !== undefined) encoded = encoded.equals('sys_id', only);

    for await (const record of this.client.queryRecords(table, encoded, { fields: [...new Set(['sys_id', ...fields])] })) {
      const id = record.sys_id;
      if (id === undefined || id === '') {
        throw new ServiceNowInputError('sys_id', `A ${table} record came back without a sys_id; check the read ACLs of the integration user on ${table}.sys_id.`);
      }
      yield { id, values: Object.fromEntries(fields.map((field) => [field, record[field] ?? ''])) };
    }
  }

  /**
   * Return the active choice values of a choice field, such as incident `state` or `close_code`,
   * read from `sys_choice` in their display order.
   */
  async getChoices(table: string, element: string): Promise<string[]> {
    const query = new EncodedQuery()
      .equals('name', table)
      .equals('element', element)
      .equals('inactive', false)
      .orderBy('sequence');
    const values: string[] = [];

    for await (const record of this.client.queryRecords('sys_choice', query, { fields: ['value', 'name', 'element'] })) {
      // Guard against dropped conditions. sys_choice contains one row per language, hence the dedupe.
      const value = record.value;
      if (record.name === table && record.element === element && value !== undefined && !values.includes(value)) {
        values.push(value);
      }
    }

    return values;
  }

  /** Build the reference to a record from its table and Table API fields. */
  ticketRef(table: string, record: ServiceNowRecord): TicketRef {
    const sysId = record.sys_id ?? '';
    return {
      system: 'servicenow',
      table,
      id: sysId,
      // Tables without a number column (cmdb_ci, custom tables) are named by sys_id.
      number: record.number || sysId,
      url: `${this.instanceUrl}/nav_to.do?uri=${encodeURIComponent(`${table}.do?sys_id=${sysId}`)}`,
    };
  }

  /** Find the newest record with this correlation created at or after `sinceMs`. */
  private async findCreatedSince(table: string, correlation: string, sinceMs: number): Promise<ServiceNowRecord | undefined> {
    const query = new EncodedQuery().equals(this.correlationField, correlation).orderByDesc('sys_created_on');
    const fields = ['sys_id', 'number', 'sys_created_on', this.correlationField];

    // Newest first, so only the records created since `sinceMs` are read.
    for await (const record of this.client.queryRecords(table, query, { fields, pageSize: 5 })) {
      this.checkCorrelationColumn(table, [record]);

      if (parseServiceNowDate(record.sys_created_on ?? '') < sinceMs) {
        return undefined;
      }
      if (record[this.correlationField] === correlation) {
        return record;
      }
    }

    return undefined;
  }

  /** Throw when the rows lack the correlation column, a sign that the instance dropped the condition. */
  private checkCorrelationColumn(table: string, records: ServiceNowRecord[]): void {
    if (records.some((record) => record[this.correlationField] === undefined)) {
      throw new ServiceNowInputError(
        'correlationField',
        `Table ${table} has no column ${this.correlationField}, so ServiceNow ignored the correlation ` +
          'condition. Use a table that extends task, or set correlationField to a column of that table.',
      );
    }
  }
}

/** Add a note as a work note, after any work note the fields already carry. */
function withNote(values: Record<string, string>, note: string | undefined): Record<string, string> {
  if (note === undefined || note === '') return values;
  const existing = values.work_notes;
  return { ...values, work_notes: existing ? `${existing}\n\n${note}` : note };
}

/** The columns a snapshot of `read` needs: the fields and the record's version. */
function snapshotColumns(read: string[] | undefined): string[] {
  return read === undefined ? [] : ['sys_mod_count', ...read];
}

function toSnapshot(record: ServiceNowRecord, read: string[]): TicketSnapshot {
  const version = Number(record.sys_mod_count);
  return {
    version: Number.isInteger(version) ? version : undefined,
    values: Object.fromEntries(read.map((field) => [field, record[field] ?? ''])),
  };
}

/**
 * Convert field values to the strings the Table API stores: numbers and booleans become their
 * text, null and undefined become `''` (which clears the field), arrays become comma-separated lists
 * (the glide_list format), and dates become UTC `YYYY-MM-DD HH:mm:ss`. Other objects are rejected.
 */
export function toServiceNowFields(fields: TicketFields): Record<string, string> {
  const values: Record<string, string> = {};

  for (const [name, value] of Object.entries(fields)) {
    try {
      validateFieldName(name);
    } catch (error) {
      if (error instanceof EncodedQueryError) {
        throw new ServiceNowInputError('field', error.message);
      }
      throw error;
    }

    values[name] = toServiceNowValue(name, value);
  }

  return values;
}

function toServiceNowValue(name: string, value: unknown): string {
  if (value === null || value === undefined) {
    return '';
  }

  if (typeof value === 'string') {
    return value;
  }

  if (typeof value === 'number') {
    if (!Number.isFinite(value)) {
      throw new ServiceNowInputError('field', `Invalid value ${value} for ServiceNow field "${name}": numbers must be finite.`);
    }
    return String(value);
  }

  if (typeof value === 'boolean' || typeof value === 'bigint') {
    return String(value);
  }

  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) {
      throw new ServiceNowInputError('field', `Invalid date for ServiceNow field "${name}".`);
    }
    return formatServiceNowDate(value);
  }

  if (Array.isArray(value) && value.every((item) => ['string', 'number', 'boolean'].includes(typeof item))) {
    return value.map(String).join(',');
  }

  throw new ServiceNowInputError(
    'field',
    `Invalid value for ServiceNow field "${name}": ${JSON.stringify(value)?.slice(0, 100)} is an object, ` +
      'but the Table API stores strings. Make the mapping expression return a string.',
  );
}

/** Format a date as the Table API writes dates: UTC `YYYY-MM-DD HH:mm:ss`. */
export function formatServiceNowDate(date: Date): string {
  return date.toISOString().slice(0, 19).replace('T', ' ');
}

/** Parse a Table API date (UTC `YYYY-MM-DD HH:mm:ss`) to epoch milliseconds; NaN when invalid. */
export function parseServiceNowDate(text: string): number {
  if (!/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/.test(text)) {
    return Number.NaN;
  }
  return Date.parse(`${text.replace(' ', 'T')}Z`);
}

function validateCorrelation(correlation: string, field: string): void {
  if (typeof correlation !== 'string' || correlation === '') {
    throw new ServiceNowInputError('correlation', 'The correlation value is empty; every record itsm-sync writes needs one.');
  }

  if (correlation.length > MAX_CORRELATION_LENGTH) {
    throw new ServiceNowInputError(
      'correlation',
      `The correlation value ${JSON.stringify(correlation)} has ${correlation.length} characters, but ` +
        `${field} holds at most ${MAX_CORRELATION_LENGTH}. Derive a shorter value (a hash of the identity).`,
    );
  }

  if (/[\r\n]/.test(correlation)) {
    throw new ServiceNowInputError(
      'correlation',
      `The correlation value ${JSON.stringify(correlation)} contains a line break, which an encoded query cannot match.`,
    );
  }

  try {
    escapeQueryValue(field, correlation);
  } catch (error) {
    if (error instanceof EncodedQueryError) {
      throw new ServiceNowInputError('correlation', error.message);
    }
    throw error;
  }
}

/** Order records oldest first; Table API dates sort as text. Ties are broken by sys_id. */
function compareByCreation(left: ServiceNowRecord, right: ServiceNowRecord): number {
  const leftKey = `${left.sys_created_on ?? ''} ${left.sys_id ?? ''}`;
  const rightKey = `${right.sys_created_on ?? ''} ${right.sys_id ?? ''}`;

  if (leftKey === rightKey) {
    return 0;
  }
  return leftKey < rightKey ? -1 : 1;
}
