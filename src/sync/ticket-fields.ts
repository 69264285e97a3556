import type { ItsmTarget, TargetSystem, TicketFields } from '../core/types.js';
import type { SyncRule } from '../rules/sync-rule.js';
import type { Link } from '../state/store.js';

/**
 * List the ticket fields the connector keeps track of for a rule with a way back: the fields its
 * reverse section reads, and the fields AWS owns (to notice a person's edit that the next AWS
 * change overwrites). Journal fields read back empty and are left out. Undefined for a one-way rule.
 */
export function watchedFields(rule: SyncRule, target: Pick<ItsmTarget, 'journalFields'>): string[] | undefined {
  if (rule.reverse === undefined) return undefined;
  const awsOwned = rule.fields.filter((field) => field.owner === 'aws').map((field) => field.name);
  return [...new Set([...rule.reverse.fields, ...awsOwned])].filter((field) => !target.journalFields.includes(field));
}

/**
 * List the fields to read back after each write: the reverse section's fields, without journal
 * fields. Fields AWS owns read back as written, so asking for them (long descriptions included)
 * would only add to every response. Undefined for a one-way rule.
 */
export function snapshotFields(rule: SyncRule, target: Pick<ItsmTarget, 'journalFields'>): string[] | undefined {
  return rule.reverse?.fields.filter((field) => !target.journalFields.includes(field));
}

/**
 * Compare a value as written with a value as read. ITSM systems store text, so the number 2 that
 * a mapping wrote reads back as "2", and an empty field reads back as "".
 */
export function sameValue(left: unknown, right: unknown): boolean {
  return asText(left) === asText(right);
}

function asText(value: unknown): string {
  if (value === undefined || value === null) return '';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/**
 * Keep, of the values read from a ticket, only those that differ from what the connector wrote.
 * A field left out reads as the written value, so a link does not carry every long description
 * twice.
 */
export function compactSeen(values: Record<string, unknown>, written: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(values).filter(([field, value]) => !(field in written) || !sameValue(value, written[field])));
}

/** Return the value of `field` as the connector last saw it on the ticket (see `compactSeen`). */
export function seenValue(link: Pick<Link, 'itsm' | 'written'>, field: string): unknown {
  const seen = link.itsm?.seen ?? {};
  return Object.hasOwn(seen, field) ? seen[field] : link.written[field];
}

/**
 * Build the note for a write that overwrites a person's edits: for every field about to be written that
 * the change poller saw changed on the ticket since the connector last wrote it, the value it
 * replaces. Undefined when nothing a person wrote is lost.
 */
export function conflictNote(
  system: TargetSystem,
  changes: TicketFields,
  link: Pick<Link, 'itsm' | 'written'>,
  /** Fields both sides move by design (a change's state), whose changes the way back carries. */
  workflowFields: readonly string[] = [],
): string | undefined {
  const seen = link.itsm?.seen;
  if (seen === undefined) return undefined;

  const replaced = Object.keys(changes).filter(
    (field) =>
      !workflowFields.includes(field) &&
      Object.hasOwn(seen, field) &&
      field in link.written &&
      !sameValue(seen[field], link.written[field]) &&
      !sameValue(seen[field], changes[field]),
  );
  if (replaced.length === 0) return undefined;

  const lines = replaced.map((field) => `- ${field}: ${JSON.stringify(asText(seen[field]))} was replaced by ${JSON.stringify(asText(changes[field]))}`);
  const where = system === 'servicenow' ? 'ServiceNow' : 'Jira';
  return [
    `itsm-sync: the AWS record changed fields that its mapping gives to AWS, and that were also edited in ${where} since the last sync. The AWS values win; the edits they replaced:`,
    ...lines,
  ].join('\n');
}
