/**
 * Table inheritance, as the CMDB uses it: a table and the tables that extend it (its family) share
 * one set of records. A record lives in the table of its class and is read, updated and deleted
 * through any ancestor too, which shows only the ancestor's columns.
 */

import type { SimulatedTable, StoredRecord } from './record-store.js';

/** A stored record together with the table of its class, which stores it. */
export interface LocatedRecord {
  owner: SimulatedTable;
  record: StoredRecord;
}

/** The families of the simulator's tables, built once from their `extends` definitions. */
export class TableFamilies {
  /** Each table's name to the tables that extend it, directly or through others, and itself first. */
  private readonly families = new Map<string, SimulatedTable[]>();

  constructor(tables: Iterable<SimulatedTable>) {
    const all = [...tables];
    const children = new Map<string, SimulatedTable[]>();

    for (const table of all) {
      const parent = table.definition.extends;
      if (parent !== undefined) {
        children.set(parent, [...(children.get(parent) ?? []), table]);
      }
    }

    for (const table of all) {
      const members: SimulatedTable[] = [];
      const pending = [table];
      for (let next = pending.shift(); next !== undefined; next = pending.shift()) {
        members.push(next);
        pending.push(...(children.get(next.name) ?? []));
      }
      this.families.set(table.name, members);
    }
  }

  /** Return the table and every table that extends it. */
  members(table: SimulatedTable): SimulatedTable[] {
    return this.families.get(table.name) ?? [table];
  }

  /** Check whether `table` is `ancestor` or extends it. */
  isWithin(table: SimulatedTable, ancestor: string): boolean {
    return (this.families.get(ancestor) ?? []).includes(table);
  }

  /** Find a record by sys_id in the table or in a table that extends it. */
  locate(table: SimulatedTable, sysId: string): LocatedRecord | undefined {
    for (const owner of this.members(table)) {
      const record = owner.get(sysId);
      if (record !== undefined) {
        return { owner, record };
      }
    }
    return undefined;
  }

  /** Return the records of the table and of the tables that extend it, in creation order. */
  records(table: SimulatedTable): StoredRecord[] {
    const members = this.members(table);
    if (members.length === 1) {
      return table.all();
    }
    return inCreationOrder(members, (member) => member.all());
  }

  /**
   * Return the record as a read through `table` shows it. A record of a class that extends `table`
   * shows only the columns of `table`, as the Table API returns only base columns from `cmdb_ci`.
   * Every column of a record stored in `table` itself is a column of `table`, so it shows whole.
   */
  view(table: SimulatedTable, record: StoredRecord): StoredRecord {
    if (this.members(table).length === 1) {
      return record;
    }

    const view: StoredRecord = {};
    for (const [field, value] of Object.entries(record)) {
      if (table.hasField(field)) {
        view[field] = value;
      }
    }
    return view;
  }

  /** Return the records of the family whose indexed `field` equals `value`, ignoring case, in creation order. */
  findByField(table: SimulatedTable, field: string, value: string): StoredRecord[] {
    return inCreationOrder(this.members(table), (member) => member.findByField(field, value));
  }
}

function inCreationOrder(
  members: readonly SimulatedTable[],
  recordsOf: (member: SimulatedTable) => StoredRecord[],
): StoredRecord[] {
  const entries: Array<{ position: number; record: StoredRecord }> = [];

  for (const member of members) {
    for (const record of recordsOf(member)) {
      entries.push({ position: member.sequenceOf(record.sys_id ?? '') ?? 0, record });
    }
  }

  return entries.sort((left, right) => left.position - right.position).map((entry) => entry.record);
}
