/**
 * Building JQL (Jira Query Language) queries from values that may come from AWS data or mappings.
 *
 * Every field name and every value is written as a double-quoted JQL string, so that no value can
 * end its string and add conditions. Reserved words (`AND`, `ORDER`, a project key `SET`) and
 * characters such as `@`, `.`, `-` in a value stay plain data. Custom fields are written `cf[10010]`,
 * the one form that needs no quotes.
 */

import { isTimeZone, wallClockIn } from '../../core/time-zone.js';
import { JqlError } from './errors.js';

/** A value of a condition. Numbers are written as quoted strings too; Jira converts them. */
export type JqlValue = string | number;

/** Sort direction of an ORDER BY field. */
export type JqlDirection = 'ASC' | 'DESC';

const CUSTOM_FIELD_REFERENCE = /^cf\[(\d+)\]$/;
const CUSTOM_FIELD_ID = /^customfield_(\d+)$/;
// Control characters, including line breaks: a JQL string cannot hold them unescaped, and Jira's
// escapes for them are not worth the risk for the values the connector searches by.
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/;

/**
 * Quote a value or a field name as a JQL string: wrapped in double quotes, with `\` and `"`
 * escaped by a backslash.
 *
 * Throws a JqlError for text with line breaks or other control characters, which a JQL string
 * cannot hold as they are.
 *
 * @example
 * ```ts
 * quoteJql('say "hi"');  // '"say \\"hi\\""'
 * quoteJql('SET');       // '"SET"', a project key that is also a reserved word
 * ```
 */
export function quoteJql(text: string): string {
  if (CONTROL_CHARACTERS.test(text)) {
    throw new JqlError(
      text,
      `Invalid JQL value ${JSON.stringify(text)}: it contains a line break or another control character. ` +
        'Search by a single-line value, such as the correlation label, instead.',
    );
  }

  return `"${text.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
}

/**
 * Write a field for JQL: `cf[10010]` for a custom field (given as `cf[10010]` or `customfield_10010`),
 * otherwise the name quoted like a value, so that `"Request Type"` and `"project"` both work.
 */
export function jqlField(field: string): string {
  const reference = CUSTOM_FIELD_REFERENCE.exec(field) ?? CUSTOM_FIELD_ID.exec(field);
  if (reference) {
    return `cf[${reference[1]}]`;
  }

  if (field.trim() === '') {
    throw new JqlError(field, 'Invalid JQL field: the field name is empty.');
  }

  return quoteJql(field);
}

/**
 * Format an instant as a JQL date literal, `yyyy/MM/dd HH:mm`, in the given time zone.
 *
 * Jira reads date literals in the time zone of the user who runs the query (the integration user's
 * profile), at minute precision. Seconds are dropped, so a lower bound never moves later than the
 * instant. Callers that poll read with an overlap and skip what they have seen.
 *
 * @param timeZone an IANA time zone id, such as `Europe/Berlin`; the integration user's `timeZone`.
 *
 * @example
 * ```ts
 * formatJqlDate(new Date('2025-03-10T14:05:09Z'), 'America/Los_Angeles'); // '2025/03/10 07:05'
 * ```
 */
export function formatJqlDate(date: Date, timeZone: string): string {
  if (!(date instanceof Date) || Number.isNaN(date.getTime())) {
    throw new JqlError('date', `Invalid date ${String(date)} for a JQL date literal: pass a valid Date.`);
  }

  if (!isTimeZone(timeZone)) {
    throw new JqlError(
      'timeZone',
      `Unknown time zone ${JSON.stringify(timeZone)} for a JQL date literal. Use an IANA id such as Europe/Berlin ` +
        "(the integration user's Jira profile time zone).",
    );
  }

  // JQL takes minutes: `YYYY-MM-DD HH:mm:ss` becomes `YYYY/MM/DD HH:mm`.
  const wallClock = wallClockIn(date, timeZone);
  return `${wallClock.slice(0, 10).replaceAll('-', '/')} ${wallClock.slice(11, 16)}`;
}

/**
 * An immutable JQL query builder: conditions joined with AND, an optional OR with another query,
 * and ORDER BY fields. Each method returns a new query.
 *
 * @example
 * ```ts
 * const jql = new Jql()
 *   .equals('project', 'SEC')
 *   .equals('labels', 'itsm-sync:finding:3f2a')
 *   .greaterOrEqual('updated', formatJqlDate(since, 'Europe/Berlin'))
 *   .orderBy('updated', 'ASC');
 * jql.toString();
 * // '"project" = "SEC" AND "labels" = "itsm-sync:finding:3f2a" AND "updated" >= "2025/03/10 15:05" ORDER BY "updated" ASC'
 * ```
 */
export class Jql {
  private readonly conditions: readonly string[];
  private readonly orderings: readonly string[];

  constructor(conditions: readonly string[] = [], orderings: readonly string[] = []) {
    this.conditions = conditions;
    this.orderings = orderings;
  }

  /** `field = "value"` */
  equals(field: string, value: JqlValue): Jql {
    return this.withCondition(`${jqlField(field)} = ${quoteValue(field, value)}`);
  }

  /** `field != "value"`. Jira leaves out issues where the field is empty; add `isEmpty` with `or` for those. */
  notEquals(field: string, value: JqlValue): Jql {
    return this.withCondition(`${jqlField(field)} != ${quoteValue(field, value)}`);
  }

  /** `field in ("a", "b")`: the field equals any of the values. */
  in(field: string, values: readonly JqlValue[]): Jql {
    return this.withCondition(`${jqlField(field)} in ${quoteList(field, values)}`);
  }

  /** `field not in ("a", "b")` */
  notIn(field: string, values: readonly JqlValue[]): Jql {
    return this.withCondition(`${jqlField(field)} not in ${quoteList(field, values)}`);
  }

  /** `field is EMPTY` */
  isEmpty(field: string): Jql {
    return this.withCondition(`${jqlField(field)} is EMPTY`);
  }

  /** `field is not EMPTY` */
  isNotEmpty(field: string): Jql {
    return this.withCondition(`${jqlField(field)} is not EMPTY`);
  }

  /** `field >= "value"`. For dates, pass `formatJqlDate(date, userTimeZone)`. */
  greaterOrEqual(field: string, value: JqlValue): Jql {
    return this.withCondition(`${jqlField(field)} >= ${quoteValue(field, value)}`);
  }

  /** `field <= "value"`. For dates, pass `formatJqlDate(date, userTimeZone)`. */
  lessOrEqual(field: string, value: JqlValue): Jql {
    return this.withCondition(`${jqlField(field)} <= ${quoteValue(field, value)}`);
  }

  /**
   * `(this OR other)`: issues that match the conditions of this query or those of the other one.
   * The result is one parenthesized condition, so conditions added after it apply to both sides
   * (JQL binds AND tighter than OR). Orderings belong on the result, not on the parts.
   */
  or(other: Jql): Jql {
    if (this.orderings.length > 0 || other.orderings.length > 0) {
      throw new JqlError('ORDER BY', 'Add ORDER BY to the result of or(), not to the queries it joins.');
    }
    if (this.conditions.length === 0 || other.conditions.length === 0) {
      throw new JqlError('OR', 'Both sides of or() need at least one condition.');
    }

    return new Jql([`(${this.group()} OR ${other.group()})`]);
  }

  /** Add `field ASC|DESC` to ORDER BY. Several orderings apply in the order they were added. */
  orderBy(field: string, direction: JqlDirection = 'ASC'): Jql {
    if (direction !== 'ASC' && direction !== 'DESC') {
      throw new JqlError(field, `Invalid sort direction ${JSON.stringify(direction)} for "${field}": use "ASC" or "DESC".`);
    }

    return new Jql(this.conditions, [...this.orderings, `${jqlField(field)} ${direction}`]);
  }

  /** Return the query text, to send as the `jql` of a search. */
  toString(): string {
    const where = this.where();
    const orderBy = this.orderings.length > 0 ? `ORDER BY ${this.orderings.join(', ')}` : '';
    return [where, orderBy].filter((part) => part !== '').join(' ');
  }

  private where(): string {
    return this.conditions.join(' AND ');
  }

  /** Return the conditions as one operand of OR, in parentheses when there are several. */
  private group(): string {
    return this.conditions.length === 1 ? this.where() : `(${this.where()})`;
  }

  private withCondition(condition: string): Jql {
    return new Jql([...this.conditions, condition], this.orderings);
  }
}

function quoteValue(field: string, value: JqlValue): string {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) {
      throw new JqlError(field, `Invalid value ${value} for "${field}": numbers in JQL must be finite.`);
    }
    return quoteJql(String(value));
  }

  if (typeof value !== 'string') {
    throw new JqlError(field, `Invalid value ${JSON.stringify(value)} for "${field}": JQL values are text or numbers.`);
  }

  return quoteJql(value);
}

function quoteList(field: string, values: readonly JqlValue[]): string {
  if (values.length === 0) {
    throw new JqlError(field, `The in/not in condition on "${field}" needs at least one value.`);
  }

  return `(${values.map((value) => quoteValue(field, value)).join(', ')})`;
}
