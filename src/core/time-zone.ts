/**
 * Wall-clock times in IANA time zones. ITSM systems read the date literals of a query (a ServiceNow
 * encoded query, JQL) in the time zone of the user the request runs as, so the change poller writes
 * each UTC instant as the wall-clock text that the system reads back as that instant.
 */

/** Return whether `timeZone` is an IANA id this runtime supports, such as `America/Los_Angeles`. */
export function isTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
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
 * Return the instant to write as the lower bound of a `>=` condition: `instant` itself, or an hour
 * earlier when a daylight-saving change is near. Around a change a wall-clock time occurs twice, and
 * a system that reads it as the later occurrence would skip an hour of changes, while an earlier
 * bound only reads some records again, which the poller recognises.
 */
export function lowerBoundInstant(instant: Date, timeZone: string): Date {
  const hour = 3_600_000;
  const before = offsetAt(new Date(instant.getTime() - 2 * hour), timeZone);
  const after = offsetAt(new Date(instant.getTime() + 2 * hour), timeZone);
  return before === after ? instant : new Date(instant.getTime() - hour);
}
