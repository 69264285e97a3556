import { ServiceNowInputError } from './errors.js';

/**
 * ServiceNow reads a date literal in an encoded query (`sys_updated_on>=2026-12-04 10:00:00`) in
 * the time zone of the user the request runs as, while it returns dates in UTC. These helpers
 * write a UTC instant as the wall-clock text that the instance reads back as that instant.
 */

/** Check that `timeZone` is an IANA id this runtime supports, such as `America/Los_Angeles`. */
export function validateTimeZone(timeZone: string, source: string): string {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return timeZone;
  } catch {
    throw new ServiceNowInputError(
      'timeZone',
      `Unknown time zone ${JSON.stringify(timeZone)} (${source}). Use an IANA id such as America/Los_Angeles or Europe/Berlin.`,
    );
  }
}

/** Format `instant` as the wall-clock time of `timeZone`, `YYYY-MM-DD HH:mm:ss`. */
export function wallClockIn(instant: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(instant);
  const part = (type: Intl.DateTimeFormatPartTypes): string => parts.find((candidate) => candidate.type === type)?.value ?? '00';
  return `${part('year')}-${part('month')}-${part('day')} ${part('hour')}:${part('minute')}:${part('second')}`;
}

/** Offset of `timeZone` from UTC at `instant`, in milliseconds (positive east of Greenwich). */
export function offsetAt(instant: Date, timeZone: string): number {
  const wallClock = wallClockIn(instant, timeZone);
  const asUtc = Date.parse(`${wallClock.replace(' ', 'T')}Z`);
  return asUtc - Math.floor(instant.getTime() / 1000) * 1000;
}

/**
 * Format a lower bound for a `>=` condition: the wall-clock text of `instant`, moved an hour
 * earlier when a daylight-saving change is near. Around a change a wall-clock time can occur twice.
 * An instance that reads it as the later occurrence would skip an hour of changes, while an earlier
 * bound only re-reads records, and the poller dedupes those.
 */
export function lowerBoundIn(instant: Date, timeZone: string): string {
  const hour = 3_600_000;
  const before = offsetAt(new Date(instant.getTime() - 2 * hour), timeZone);
  const after = offsetAt(new Date(instant.getTime() + 2 * hour), timeZone);
  const bound = before === after ? instant : new Date(instant.getTime() - hour);
  return wallClockIn(bound, timeZone);
}
