import { isTimeZone, lowerBoundInstant, offsetAt, wallClockIn } from '../../core/time-zone.js';
import { ServiceNowInputError } from './errors.js';

/**
 * ServiceNow reads a date literal in an encoded query (`sys_updated_on>=2026-12-04 10:00:00`) in
 * the time zone of the user the request runs as, while it returns dates in UTC (see
 * src/core/time-zone.ts).
 */

export { offsetAt, wallClockIn };

/** Check that `timeZone` is an IANA id this runtime supports, such as `America/Los_Angeles`. */
export function validateTimeZone(timeZone: string, source: string): string {
  if (isTimeZone(timeZone)) return timeZone;
  throw new ServiceNowInputError(
    'timeZone',
    `Unknown time zone ${JSON.stringify(timeZone)} (${source}). Use an IANA id such as America/Los_Angeles or Europe/Berlin.`,
  );
}

/** Format a lower bound for a `>=` condition in `timeZone` (see lowerBoundInstant). */
export function lowerBoundIn(instant: Date, timeZone: string): string {
  return wallClockIn(lowerBoundInstant(instant, timeZone), timeZone);
}
