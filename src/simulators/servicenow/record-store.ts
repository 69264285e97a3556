import { SYSTEM_FIELDS, type TableDefinition } from './tables.js';

/**
 * Creation sequence shared by every table, so that the records of a base table and of the tables
 * extending it can be listed together in creation order.
 */
let nextSequence = 0;

/** A stored record: every value is a string, as the Table API returns it. */
export type StoredRecord = Record<string, string>;

/**
 * Columns with an equality index: the correlation value, the CMDB object id that adoption looks up,
 * and the two ends of a CMDB relationship. Reads by them do not scan the table, which keeps a
 * 10,000-CI backfill against the simulator linear.
 */
export const INDEXED_FIELDS: ReadonlySet<string> = new Set(['correlation_id', 'object_id', 'parent', 'child']);

/**
 * The records of one simulated table, indexed by sys_id and by the {@link INDEXED_FIELDS}, so that
 * reads by them do not scan the table.
 */
export class SimulatedTable {
  readonly name: string;
  readonly definition: TableDefinition;
  private readonly rows = new Map<string, StoredRecord>();
  /** Per indexed field, lower-cased value to sys_ids, because queries compare strings without regard to case. */
  private readonly byField = new Map<string, Map<string, Set<string>>>();
  /** Columns the table has: its defaults plus every column a record was written with. */
  private readonly fieldNames = new Set<string>();
  /** Creation sequence per sys_id, to return index hits in creation order. */
  private readonly sequence = new Map<string, number>();
  private numberCounter: number;

  constructor(definition: TableDefinition) {
    this.name = definition.name;
    this.definition = definition;
    this.numberCounter = definition.numbering?.first ?? 0;
    this.resetFieldNames();
  }

  get size(): number {
    return this.rows.size;
  }

  get(sysId: string): StoredRecord | undefined {
    return this.rows.get(sysId);
  }

  /** Stored records in creation order. Callers must not change them. */
  all(): StoredRecord[] {
    return [...this.rows.values()];
  }

  hasField(field: string): boolean {
    return this.fieldNames.has(field);
  }

  /**
   * Check whether a write may store this column. A table with `strictColumns` takes its defaults,
   * the system columns and custom `u_` columns, and any other table takes every column.
   */
  acceptsField(field: string): boolean {
    if (!this.definition.strictColumns) {
      return true;
    }
    return (
      field in this.definition.defaults ||
      (SYSTEM_FIELDS as readonly string[]).includes(field) ||
      field.startsWith('u_')
    );
  }

  /** Position of a record in the order of creation across all tables, or undefined when it is not stored here. */
  sequenceOf(sysId: string): number | undefined {
    return this.sequence.get(sysId);
  }

  /** Records whose indexed `field` equals `value`, ignoring case, in creation order. */
  findByField(field: string, value: string): StoredRecord[] {
    const ids = this.byField.get(field)?.get(value.toLowerCase());
    if (ids === undefined) {
      return [];
    }
    return [...ids]
      .sort((left, right) => (this.sequence.get(left) ?? 0) - (this.sequence.get(right) ?? 0))
      .map((id) => this.rows.get(id))
      .filter((record): record is StoredRecord => record !== undefined);
  }

  /** Take the next value of the `number` column (INC0010001, ...), or undefined for tables without one. */
  takeNumber(): string | undefined {
    const numbering = this.definition.numbering;
    if (numbering === undefined) {
      return undefined;
    }

    const value = `${numbering.prefix}${String(this.numberCounter).padStart(7, '0')}`;
    this.numberCounter += 1;
    return value;
  }

  /** Store a new record or replace an existing one with the same sys_id. */
  save(record: StoredRecord): void {
    const sysId = record.sys_id;
    if (sysId === undefined) {
      throw new Error(`Cannot store a ${this.name} record without sys_id.`);
    }

    const previous = this.rows.get(sysId);
    if (previous !== undefined) {
      this.unindex(previous);
    } else {
      this.sequence.set(sysId, nextSequence);
      nextSequence += 1;
    }

    this.rows.set(sysId, record);
    this.index(record);

    for (const field of Object.keys(record)) {
      this.fieldNames.add(field);
    }
  }

  /** Replace every record with `records`, and continue numbering after the highest number among them. */
  restore(records: readonly StoredRecord[]): void {
    this.clear();
    const numbering = this.definition.numbering;

    for (const record of records) {
      this.save({ ...record });

      const number = record.number ?? '';
      if (numbering !== undefined && number.startsWith(numbering.prefix)) {
        const value = Number(number.slice(numbering.prefix.length));
        if (Number.isInteger(value) && value >= this.numberCounter) {
          this.numberCounter = value + 1;
        }
      }
    }
  }

  delete(sysId: string): boolean {
    const record = this.rows.get(sysId);
    if (record === undefined) {
      return false;
    }

    this.unindex(record);
    this.rows.delete(sysId);
    this.sequence.delete(sysId);
    return true;
  }

  clear(): void {
    this.rows.clear();
    this.byField.clear();
    this.sequence.clear();
    this.numberCounter = this.definition.numbering?.first ?? 0;
    this.resetFieldNames();
  }

  private resetFieldNames(): void {
    this.fieldNames.clear();
    for (const field of [...SYSTEM_FIELDS, ...Object.keys(this.definition.defaults)]) {
      this.fieldNames.add(field);
    }
    if (this.definition.numbering !== undefined) {
      this.fieldNames.add('number');
    }
  }

  private index(record: StoredRecord): void {
    for (const field of INDEXED_FIELDS) {
      const value = record[field];
      if (!value) continue;

      let values = this.byField.get(field);
      if (values === undefined) {
        values = new Map();
        this.byField.set(field, values);
      }
      const key = value.toLowerCase();
      let ids = values.get(key);
      if (ids === undefined) {
        ids = new Set();
        values.set(key, ids);
      }
      ids.add(record.sys_id ?? '');
    }
  }

  private unindex(record: StoredRecord): void {
    for (const field of INDEXED_FIELDS) {
      const value = record[field];
      if (!value) continue;

      const key = value.toLowerCase();
      const ids = this.byField.get(field)?.get(key);
      ids?.delete(record.sys_id ?? '');
      if (ids?.size === 0) this.byField.get(field)?.delete(key);
    }
  }
}
