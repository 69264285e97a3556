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

/** The calendar fields of an instant's wall-clock time in one time zone. */
export interface WallClockParts {
  year: number;
  /** 1 to 12. */
  month: number;
  day: number;
  /** 0 to 23. */
  hour: number;
  minute: number;
  second: number;
}

// Building a formatter costs far more than using one, and simulators format every timestamp they send.
const wallClockFormatters = new Map<string, Intl.DateTimeFormat>();

/** Return the wall-clock fields of `instant` in `timeZone`. Throws RangeError for an unknown time zone. */
export function wallClockPartsIn(instant: Date, timeZone: string): WallClockParts {
  let formatter = wallClockFormatters.get(timeZone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    wallClockFormatters.set(timeZone, formatter);
  }

  const parts = formatter.formatToParts(instant);
  const part = (type: Intl.DateTimeFormatPartTypes): number => Number(parts.find((candidate) => candidate.type === type)?.value ?? 0);
  return { year: part('year'), month: part('month'), day: part('day'), hour: part('hour'), minute: part('minute'), second: part('second') };
}

/** Format `instant` as the wall-clock time of `timeZone`, `YYYY-MM-DD HH:mm:ss`. */
export function wallClockIn(instant: Date, timeZone: string): string {
  const { year, month, day, hour, minute, second } = wallClockPartsIn(instant, timeZone);
  const pad = (value: number): string => String(value).padStart(2, '0');
  return `${year}-${pad(month)}-${pad(day)} ${pad(hour)}:${pad(minute)}:${pad(second)}`;
}

/** Offset of `timeZone` from UTC at `instant`, in milliseconds (positive east of Greenwich). */
export function offsetAt(instant: Date, timeZone: string): number {
  const { year, month, day, hour, minute, second } = wallClockPartsIn(instant, timeZone);
  // The wall-clock time has no milliseconds, so drop the instant's before subtracting.
  return Date.UTC(year, month - 1, day, hour, minute, second) - Math.floor(instant.getTime() / 1000) * 1000;
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
