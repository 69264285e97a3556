import type { TicketFields } from '../core/types.js';

/**
 * Return the fields of `desired` whose value differs from what was last written. Values are compared as
 * the ITSM system stores them: ServiceNow turns 2 and "2" into the same string.
 */
export function changedFields(desired: TicketFields, written: Record<string, unknown>): TicketFields {
  const changes: TicketFields = {};
  for (const [name, value] of Object.entries(desired)) {
    if (!(name in written) || comparable(value) !== comparable(written[name])) changes[name] = value;
  }
  return changes;
}

function comparable(value: unknown): string {
  if (value === null || value === undefined) return '';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}
