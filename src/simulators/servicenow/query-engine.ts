/**
 * Parses and evaluates ServiceNow encoded queries (`sysparm_query`) the way the Table API does:
 *
 * - `^` joins conditions with AND, `^OR` joins a condition to the one before it with OR (OR binds
 *   tighter than AND), and `^NQ` starts a new query whose results are added (a union);
 * - `^^` is a literal `^` inside a value;
 * - `ORDERBYfield` and `ORDERBYDESCfield` sort, in the order given;
 * - a condition on a field the table does not have is dropped, so the result gets broader. That is a
 *   real instance's default (`glide.invalid_query.returns_no_rows=false`);
 * - a date-time field compared with a date-time literal uses the literal's UTC form, which
 *   `resolveQueryValues` (query-values.ts) works out from the acting user's time zone.
 *
 * NOTE: string comparisons ignore case, as on instances whose database uses a case-insensitive
 * collation (the usual MySQL/MariaDB setup). Instances on other databases may differ.
 */

export type Operator =
  | '='
  | '!='
  | '>'
  | '>='
  | '<'
  | '<='
  | 'STARTSWITH'
  | 'ENDSWITH'
  | 'LIKE'
  | 'NOT LIKE'
  | 'IN'
  | 'NOT IN'
  | 'ISEMPTY'
  | 'ISNOTEMPTY'
  | 'BETWEEN';

export interface Condition {
  field: string;
  operator: Operator;
  /** The value as written in the query; for BETWEEN, the two bounds joined by `@`. */
  value: string;
  /**
   * The value with its date-time literals converted to UTC, used when the field contains date-times.
   * Set by `resolveQueryValues` when the value contains such a literal.
   */
  utcValue?: string;
}

export interface Ordering {
  field: string;
  descending: boolean;
}

/** A parsed query: a union of segments, each an AND of OR-groups. */
export interface ParsedQuery {
  segments: Condition[][][];
  orderings: Ordering[];
}

// Longer operators first, so that `>=` is not read as `>` and `NOT LIKE` not as something else.
const OPERATORS: readonly Operator[] = [
  'BETWEEN',
  'ISNOTEMPTY',
  'ISEMPTY',
  'STARTSWITH',
  'ENDSWITH',
  'NOT LIKE',
  'LIKE',
  'NOT IN',
  'IN',
  '!=',
  '>=',
  '<=',
  '=',
  '>',
  '<',
];

const FIELD_PREFIX = /^[a-z0-9_.]+/;

/**
 * Parse an encoded query. Terms that are not conditions (an unknown operator, an empty term) are
 * skipped, like conditions on unknown fields.
 */
export function parseEncodedQuery(query: string): ParsedQuery {
  const segments: Condition[][][] = [[]];
  const orderings: Ordering[] = [];

  for (const term of splitTerms(query)) {
    if (term.startsWith('ORDERBYDESC')) {
      orderings.push({ field: term.slice('ORDERBYDESC'.length), descending: true });
      continue;
    }

    if (term.startsWith('ORDERBY')) {
      orderings.push({ field: term.slice('ORDERBY'.length), descending: false });
      continue;
    }

    let text = term;
    let joinWithOr = false;

    if (text.startsWith('NQ')) {
      segments.push([]);
      text = text.slice(2);
    } else if (text.startsWith('OR')) {
      joinWithOr = true;
      text = text.slice(2);
    }

    const condition = parseCondition(text);
    if (condition === undefined) {
      continue;
    }

    const groups = segments[segments.length - 1] ?? [];
    const lastGroup = groups[groups.length - 1];

    if (joinWithOr && lastGroup !== undefined) {
      lastGroup.push(condition);
    } else {
      groups.push([condition]);
    }
  }

  return { segments, orderings };
}

/** Split at single `^`; a doubled `^^` stands for a literal `^` in a value. */
export function splitTerms(query: string): string[] {
  const terms: string[] = [];
  let current = '';

  for (let index = 0; index < query.length; index += 1) {
    const character = query[index];

    if (character !== '^') {
      current += character;
      continue;
    }

    if (query[index + 1] === '^') {
      current += '^';
      index += 1;
      continue;
    }

    terms.push(current);
    current = '';
  }

  terms.push(current);
  return terms.filter((term) => term !== '' && term !== 'EQ');
}

function parseCondition(text: string): Condition | undefined {
  const field = FIELD_PREFIX.exec(text)?.[0];
  if (field === undefined) {
    return undefined;
  }

  const rest = text.slice(field.length);
  const operator = OPERATORS.find((candidate) => rest.startsWith(candidate));
  if (operator === undefined) {
    return undefined;
  }

  return { field, operator, value: rest.slice(operator.length) };
}

/**
 * Remove conditions on fields for which `hasField` is false, and OR-groups left empty by that.
 * Orderings on unknown fields are removed as well.
 */
export function dropUnknownFields(query: ParsedQuery, hasField: (field: string) => boolean): ParsedQuery {
  return {
    segments: query.segments.map((groups) =>
      groups
        .map((group) => group.filter((condition) => hasField(condition.field)))
        .filter((group) => group.length > 0),
    ),
    orderings: query.orderings.filter((ordering) => hasField(ordering.field)),
  };
}

/** Check whether a record matches the query: some segment has a true condition in every group. */
export function matchesQuery(record: Readonly<Record<string, string>>, query: ParsedQuery): boolean {
  return query.segments.some((groups) =>
    groups.every((group) => group.some((condition) => matchesCondition(record[condition.field] ?? '', condition))),
  );
}

function matchesCondition(actual: string, condition: Condition): boolean {
  const value =
    condition.utcValue !== undefined && containsDateTimes(condition.field, actual) ? condition.utcValue : condition.value;

  switch (condition.operator) {
    case '=':
      return equalsIgnoringCase(actual, value);
    case '!=':
      return !equalsIgnoringCase(actual, value);
    case 'STARTSWITH':
      return actual.toLowerCase().startsWith(value.toLowerCase());
    case 'ENDSWITH':
      return actual.toLowerCase().endsWith(value.toLowerCase());
    case 'LIKE':
      return actual.toLowerCase().includes(value.toLowerCase());
    case 'NOT LIKE':
      return !actual.toLowerCase().includes(value.toLowerCase());
    case 'IN':
      return value.split(',').some((item) => equalsIgnoringCase(actual, item));
    case 'NOT IN':
      return !value.split(',').some((item) => equalsIgnoringCase(actual, item));
    case 'ISEMPTY':
      return actual === '';
    case 'ISNOTEMPTY':
      return actual !== '';
    case '>':
      return actual !== '' && compareValues(actual, value) > 0;
    case '>=':
      return actual !== '' && compareValues(actual, value) >= 0;
    case '<':
      return actual !== '' && compareValues(actual, value) < 0;
    case '<=':
      return actual !== '' && compareValues(actual, value) <= 0;
    case 'BETWEEN':
      return actual !== '' && isBetween(actual, value);
  }
}

/** Date-time columns of the built-in tables; other columns count when the value has the shape. */
const DATE_TIME_FIELDS = new Set([
  'sys_created_on',
  'sys_updated_on',
  'opened_at',
  'resolved_at',
  'closed_at',
  'reopened_time',
  'work_start',
  'work_end',
  'expected_start',
  'due_date',
  'start_date',
  'end_date',
]);

const DATE_TIME_VALUE = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;

/** Check whether a field contains date-times, by its name or by the shape of the stored value. */
function containsDateTimes(field: string, actual: string): boolean {
  return DATE_TIME_FIELDS.has(field) || DATE_TIME_VALUE.test(actual);
}

/** BETWEEN takes `low@high` and includes both bounds; a value without `@` matches nothing. */
function isBetween(actual: string, bounds: string): boolean {
  const separator = bounds.indexOf('@');
  if (separator === -1) {
    return false;
  }

  const low = bounds.slice(0, separator);
  const high = bounds.slice(separator + 1);
  return compareValues(actual, low) >= 0 && compareValues(actual, high) <= 0;
}

function equalsIgnoringCase(left: string, right: string): boolean {
  return left === right || left.toLowerCase() === right.toLowerCase();
}

const NUMBER = /^-?\d+(\.\d+)?$/;

/**
 * Compare two stored values: numerically when both are numbers (state, priority, sys_mod_count),
 * otherwise as text without regard to case. Table API dates (`YYYY-MM-DD HH:mm:ss`) sort correctly as text.
 */
export function compareValues(left: string, right: string): number {
  if (NUMBER.test(left) && NUMBER.test(right)) {
    return Number(left) - Number(right);
  }

  const a = left.toLowerCase();
  const b = right.toLowerCase();

  if (a === b) {
    return 0;
  }
  return a < b ? -1 : 1;
}

/** Sort records by the orderings; empty values sort first in ascending order, like NULLs in SQL. */
export function sortRecords<T extends Readonly<Record<string, string>>>(records: T[], orderings: readonly Ordering[]): T[] {
  if (orderings.length === 0) {
    return records;
  }

  return records.sort((left, right) => {
    for (const ordering of orderings) {
      const a = left[ordering.field] ?? '';
      const b = right[ordering.field] ?? '';
      let difference: number;

      if (a === b) {
        difference = 0;
      } else if (a === '') {
        difference = -1;
      } else if (b === '') {
        difference = 1;
      } else {
        difference = compareValues(a, b);
      }

      if (difference !== 0) {
        return ordering.descending ? -difference : difference;
      }
    }
    return 0;
  });
}
