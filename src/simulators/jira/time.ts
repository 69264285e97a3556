/**
 * Date-times as Jira writes and reads them. Jira renders every timestamp in the time zone of the
 * user who sends the request, as `2025-03-10T14:05:09.123+0000` (no colon in the offset). It reads
 * JQL date literals in that same zone, to the minute.
 */

import { offsetAt, wallClockPartsIn } from '../../core/time-zone.js';
import { wallTimeToUtc } from '../servicenow/time-zones.js';

const MINUTE_MS = 60_000;
const PERIOD_UNIT_MS: Record<string, number> = { w: 7 * 24 * 60 * MINUTE_MS, d: 24 * 60 * MINUTE_MS, h: 60 * MINUTE_MS, m: MINUTE_MS };

/** Format an instant as a Jira REST timestamp in `timeZone`, such as `2025-03-10T07:05:09.123-0700`. */
export function formatJiraTimestamp(epochMs: number, timeZone: string): string {
  const offsetMinutes = offsetMinutesAt(epochMs, timeZone);
  const local = new Date(epochMs + offsetMinutes * MINUTE_MS).toISOString().slice(0, 23);
  return `${local}${formatOffset(offsetMinutes)}`;
}

/** A date as the JSM REST API (`/rest/servicedeskapi`) writes it. */
export interface JsmDate {
  iso8601: string;
  jira: string;
  friendly: string;
  epochMillis: number;
}

/** Format an instant as a JSM date object in `timeZone`. */
export function formatJsmDate(epochMs: number, timeZone: string): JsmDate {
  const jira = formatJiraTimestamp(epochMs, timeZone);
  const parts = wallClockPartsIn(new Date(epochMs), timeZone);
  const hour12 = parts.hour % 12 === 0 ? 12 : parts.hour % 12;
  const month = new Date(Date.UTC(2000, parts.month - 1, 1)).toLocaleString('en-US', { month: 'short', timeZone: 'UTC' });

  return {
    // The ISO form has no milliseconds.
    iso8601: `${jira.slice(0, 19)}${jira.slice(23)}`,
    jira,
    // NOTE: real sites write "Today 2:40 PM" for recent dates; this form is always the full date.
    friendly: `${String(parts.day).padStart(2, '0')}/${month}/${String(parts.year).slice(2)} ${hour12}:${String(parts.minute).padStart(2, '0')} ${parts.hour < 12 ? 'AM' : 'PM'}`,
    epochMillis: epochMs,
  };
}

/**
 * Read a JQL date value in the caller's time zone and return the instant it names, in epoch
 * milliseconds. Accepts `yyyy/MM/dd HH:mm`, `yyyy-MM-dd HH:mm`, the same without the time
 * (midnight), and periods relative to `nowMs` such as `-5m`, `-1d` or `-4w 2d` (units w, d, h, m).
 * Returns undefined for anything else.
 */
export function parseJqlDate(value: string, timeZone: string, nowMs: number): number | undefined {
  const trimmed = value.trim();

  const absolute = /^(\d{4})[/-](\d{1,2})[/-](\d{1,2})(?: (\d{1,2}):(\d{2}))?$/.exec(trimmed);
  if (absolute !== null) {
    const [year, month, day, hour = '0', minute = '0'] = absolute.slice(1);
    const wallTime = `${year}-${pad(month)}-${pad(day)} ${pad(hour)}:${pad(minute)}:00`;
    const utc = wallTimeToUtc(wallTime, timeZone);
    return utc === undefined ? undefined : Date.parse(`${utc.replace(' ', 'T')}Z`);
  }

  const period = /^([-+]?)((?:\d+[wdhm]\s*)+)$/.exec(trimmed);
  if (period !== null) {
    const sign = period[1] === '-' ? -1 : 1;
    let totalMs = 0;
    for (const [, amount, unit] of (period[2] ?? '').matchAll(/(\d+)([wdhm])/g)) {
      totalMs += Number(amount) * (PERIOD_UNIT_MS[unit ?? 'm'] ?? MINUTE_MS);
    }
    // Jira rounds relative dates down to the minute as well.
    return Math.floor((nowMs + sign * totalMs) / MINUTE_MS) * MINUTE_MS;
  }

  return undefined;
}

/**
 * Parse a date-time that a client writes to a datetime field, such as
 * `2025-03-10T14:05:09.123+0000` or `2025-03-10T14:05:09.123Z`. Returns epoch milliseconds, or
 * undefined when the value is not such a date-time.
 */
export function parseJiraDateTime(value: string): number | undefined {
  const match = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?)(Z|[+-]\d{2}:?\d{2})$/.exec(value);
  if (match === null) {
    return undefined;
  }
  const zone = match[2] === 'Z' ? 'Z' : `${match[2]?.slice(0, 3)}:${match[2]?.slice(-2)}`;
  const epochMs = Date.parse(`${match[1]}${zone}`);
  return Number.isNaN(epochMs) ? undefined : epochMs;
}

/** Return the offset of `timeZone` from UTC at an instant, in whole minutes (positive east of Greenwich). */
function offsetMinutesAt(epochMs: number, timeZone: string): number {
  return Math.round(offsetAt(new Date(epochMs), timeZone) / MINUTE_MS);
}

function formatOffset(offsetMinutes: number): string {
  const sign = offsetMinutes < 0 ? '-' : '+';
  const absolute = Math.abs(offsetMinutes);
  return `${sign}${pad(String(Math.floor(absolute / 60)))}${pad(String(absolute % 60))}`;
}

function pad(value: string | undefined): string {
  return (value ?? '').padStart(2, '0');
}
