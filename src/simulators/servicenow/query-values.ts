/**
 * Resolves the values of an encoded query that depend on the acting user: `javascript:` values and
 * date-time literals. An instance evaluates `javascript:` values on the server, for example
 * `assigned_to=javascript:gs.getUserID()`, and reads date-time literals in the acting user's time
 * zone (the user's `time_zone`, else the system property `glide.sys.default.tz`).
 *
 * The simulator evaluates these scripts only:
 * - `gs.getUserID()` and `gs.getUserName()`: the acting user's sys_id and user_name;
 * - `gs.dateGenerate('YYYY-MM-DD', 'HH:mm:ss')`, where the time may also be `start` or `end`: a
 *   wall time in the acting user's time zone.
 *
 * Any other script cannot be run here. Its condition is dropped and reported, as an instance drops
 * an invalid condition (`glide.invalid_query.returns_no_rows=false`, the default), so the result
 * gets broader. The server logs each dropped script.
 */

import type { Condition, ParsedQuery } from './query-engine.js';
import { DATE_TIME_PATTERN, wallTimeToUtc } from './time-zones.js';

/** The user a query runs as, with the time zone its date-time literals are read in. */
export interface QueryUser {
  sysId: string;
  username: string;
  /** IANA time zone id: the user's own, or the system default when the user has none. */
  timeZone: string;
}

/** A query with its values resolved, and the scripts that could not be evaluated. */
export interface ResolvedQuery {
  query: ParsedQuery;
  /** The `javascript:` values whose conditions were dropped. */
  unsupportedScripts: string[];
}

const SCRIPT_PREFIX = /^javascript:/i;
const GET_USER_ID = /^gs\.getUserID\(\)\s*;?$/;
const GET_USER_NAME = /^gs\.getUserName\(\)\s*;?$/;
const DATE_GENERATE = /^gs\.dateGenerate\(\s*'(\d{4}-\d{2}-\d{2})'\s*,\s*'(\d{2}:\d{2}:\d{2}|start|end)'\s*\)\s*;?$/;

/** Operators whose value is one literal, which a script or a date-time literal can stand for. */
const SINGLE_VALUE_OPERATORS = new Set(['=', '!=', '>', '>=', '<', '<=']);

/**
 * Replace the `javascript:` values the simulator can evaluate, work out the UTC form of date-time
 * literals, and drop the conditions whose script it cannot evaluate (with the OR-groups left empty).
 */
export function resolveQueryValues(query: ParsedQuery, user: QueryUser): ResolvedQuery {
  const unsupportedScripts: string[] = [];

  const segments = query.segments.map((groups) =>
    groups
      .map((group) =>
        group.flatMap((condition) => {
          const resolved = resolveCondition(condition, user);
          if (resolved === undefined) {
            unsupportedScripts.push(condition.value);
            return [];
          }
          return [resolved];
        }),
      )
      .filter((group) => group.length > 0),
  );

  return { query: { segments, orderings: query.orderings }, unsupportedScripts };
}

/** Resolve one condition, or return undefined when it contains a script the simulator cannot evaluate. */
function resolveCondition(condition: Condition, user: QueryUser): Condition | undefined {
  if (condition.operator === 'BETWEEN') {
    return resolveBetween(condition, user);
  }

  if (!SINGLE_VALUE_OPERATORS.has(condition.operator)) {
    return SCRIPT_PREFIX.test(condition.value) ? undefined : condition;
  }

  const value = evaluateValue(condition.value, user);
  if (value === undefined) {
    return undefined;
  }

  const utcValue = wallTimeToUtc(value, user.timeZone);
  return utcValue === undefined ? { ...condition, value } : { ...condition, value, utcValue };
}

/** BETWEEN takes `low@high`; each bound may be a literal or a script. */
function resolveBetween(condition: Condition, user: QueryUser): Condition | undefined {
  const separator = condition.value.indexOf('@');
  if (separator === -1) {
    return condition;
  }

  const low = evaluateValue(condition.value.slice(0, separator), user);
  const high = evaluateValue(condition.value.slice(separator + 1), user);
  if (low === undefined || high === undefined) {
    return undefined;
  }

  const value = `${low}@${high}`;
  if (!DATE_TIME_PATTERN.test(low) && !DATE_TIME_PATTERN.test(high)) {
    return { ...condition, value };
  }

  const utcValue = `${wallTimeToUtc(low, user.timeZone) ?? low}@${wallTimeToUtc(high, user.timeZone) ?? high}`;
  return { ...condition, value, utcValue };
}

/** Evaluate a value: a literal stays as it is, a supported script gives its result, others undefined. */
function evaluateValue(value: string, user: QueryUser): string | undefined {
  if (!SCRIPT_PREFIX.test(value)) {
    return value;
  }

  const script = value.replace(SCRIPT_PREFIX, '').trim();

  if (GET_USER_ID.test(script)) {
    return user.sysId;
  }
  if (GET_USER_NAME.test(script)) {
    return user.username;
  }

  const dateGenerate = DATE_GENERATE.exec(script);
  if (dateGenerate !== null) {
    const [, date, time] = dateGenerate;
    if (time === 'start') {
      return `${date} 00:00:00`;
    }
    if (time === 'end') {
      return `${date} 23:59:59`;
    }
    return `${date} ${time}`;
  }

  return undefined;
}
