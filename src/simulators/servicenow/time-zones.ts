/**
 * Time zone arithmetic for the simulator. An instance stores every date-time in UTC and reads the
 * date-time literals of an encoded query in the acting user's time zone. The simulator converts
 * such wall times to UTC with the IANA rules in Node's bundled ICU data, through `Intl`.
 */

import { offsetAt } from '../../core/time-zone.js';

/** Check that `timeZone` is an IANA time zone id (or link, such as `US/Pacific`) that `Intl` supports. */
export { isTimeZone as isValidTimeZone } from '../../core/time-zone.js';

/** A Table API date-time value: `YYYY-MM-DD HH:mm:ss`. */
export const DATE_TIME_PATTERN = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/;

const MS_PER_DAY = 24 * 60 * 60 * 1000;

/**
 * Convert a wall time `YYYY-MM-DD HH:mm:ss` in `timeZone` to the UTC `YYYY-MM-DD HH:mm:ss` of the
 * same instant. Returns undefined when `wallTime` is not a valid date-time of that shape.
 *
 * Daylight saving time makes some wall times special:
 * - A wall time that does not exist (the clock jumps from 02:00 to 03:00) is read with the offset in
 *   force before the jump, so it lands after the jump: 02:30 becomes 03:30 daylight time.
 * - A wall time that occurs twice (the clock falls back from 02:00 to 01:00) is read as the earlier
 *   instant, which is the daylight time one. A poller's `sys_updated_on>=` cursor then returns a
 *   few records too many rather than too few.
 *
 * NOTE: both choices are java.time's defaults. Which one GlideDateTime makes on an instance has not
 * been verified.
 */
export function wallTimeToUtc(wallTime: string, timeZone: string): string | undefined {
  const wallMs = parseDateTime(wallTime);
  if (wallMs === undefined) {
    return undefined;
  }

  // Near a transition, the offsets a day before and a day after are the two candidates. That
  // assumes no zone changes its offset twice within two days, which holds for current rules.
  const offsetBefore = offsetAt(new Date(wallMs - MS_PER_DAY), timeZone);
  const offsetAfter = offsetAt(new Date(wallMs + MS_PER_DAY), timeZone);

  const matching = [wallMs - offsetBefore, wallMs - offsetAfter].filter(
    (instant) => instant + offsetAt(new Date(instant), timeZone) === wallMs,
  );

  if (matching.length === 0) {
    // The wall time falls in a gap: read it with the offset before the jump.
    return formatUtc(wallMs - offsetBefore);
  }

  return formatUtc(Math.min(...matching));
}

/** Parse `YYYY-MM-DD HH:mm:ss` as if it were UTC, in epoch milliseconds; undefined when invalid. */
export function parseDateTime(value: string): number | undefined {
  const match = DATE_TIME_PATTERN.exec(value);
  if (match === null) {
    return undefined;
  }

  const [year, month, day, hour, minute, second] = match.slice(1).map(Number) as [number, number, number, number, number, number];
  const ms = Date.UTC(year, month - 1, day, hour, minute, second);

  // Date.UTC rolls 2025-02-30 over to March; such a value is not a date-time.
  if (formatUtc(ms) !== value) {
    return undefined;
  }
  return ms;
}

/** Format epoch milliseconds as the Table API does: UTC `YYYY-MM-DD HH:mm:ss`. */
export function formatUtc(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}
