/**
 * `sysparm_fields`: the columns a Table API response returns, with dot-walking through reference
 * columns. A request for `approver.user_name` on `sysapproval_approver` returns the user name of
 * the referenced `sys_user` record under the key `approver.user_name`, as the Table API does.
 */

import type { SimulatedTable, StoredRecord } from './record-store.js';
import { REFERENCE_FIELDS } from './tables.js';

/** Finds a simulated table by name. */
export type TableLookup = (name: string) => SimulatedTable | undefined;

/**
 * Apply `sysparm_fields`. Names the table lacks are ignored, as on a real instance, and so are
 * dot-walks through columns that REFERENCE_FIELDS does not list as references.
 *
 * NOTE: when no listed name is valid, the whole record is returned; what a real instance does then
 * is unverified. `sysparm_display_value` is not simulated: values are always raw.
 */
export function project(
  tables: TableLookup,
  table: SimulatedTable,
  record: StoredRecord,
  params: URLSearchParams,
): StoredRecord {
  const fields = (params.get('sysparm_fields') ?? '')
    .split(',')
    .map((field) => field.trim())
    .filter((field) => field !== '' && isKnownPath(tables, table.name, field));

  if (fields.length === 0) {
    return { ...record };
  }

  const projected: StoredRecord = {};
  for (const field of fields) {
    projected[field] = readPath(tables, table.name, record, field);
  }
  return projected;
}

/**
 * Check whether a column name or dot-walked path (`approver.manager.name`) names a column: each
 * step but the last must be a reference column, and the last a column of the referenced table.
 */
export function isKnownPath(tables: TableLookup, tableName: string, path: string): boolean {
  const [column = '', ...rest] = path.split('.');
  const table = tables(tableName);
  if (table === undefined || !table.hasField(column)) {
    return false;
  }
  if (rest.length === 0) {
    return true;
  }

  const targets = REFERENCE_FIELDS[tableName]?.[column] ?? [];
  return targets.some((target) => isKnownPath(tables, target, rest.join('.')));
}

/**
 * Read a column or a dot-walked path of a record. An empty reference, or one whose record is gone,
 * reads as an empty string, as on an instance.
 */
export function readPath(tables: TableLookup, tableName: string, record: StoredRecord, path: string): string {
  const [column = '', ...rest] = path.split('.');
  const value = record[column] ?? '';
  if (rest.length === 0 || value === '') {
    return value;
  }

  // A reference to the task base table may point into any task table: use the one that has it.
  for (const target of REFERENCE_FIELDS[tableName]?.[column] ?? []) {
    const referenced = tables(target)?.get(value);
    if (referenced !== undefined) {
      return readPath(tables, target, referenced, rest.join('.'));
    }
  }
  return '';
}
