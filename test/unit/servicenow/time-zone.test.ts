import { describe, expect, it } from 'vitest';

import { ServiceNowInputError } from '../../../src/targets/servicenow/errors.js';
import { lowerBoundIn, offsetAt, validateTimeZone, wallClockIn } from '../../../src/targets/servicenow/time-zone.js';

describe('ServiceNow query dates in the user time zone', () => {
  it('writes a UTC instant as the wall clock of the zone', () => {
    const instant = new Date('2026-12-04T23:30:15Z');
    expect(wallClockIn(instant, 'UTC')).toBe('2026-12-04 23:30:15');
    expect(wallClockIn(instant, 'America/Los_Angeles')).toBe('2026-12-04 15:30:15');
    // Half-hour offset, and the date moves forward.
    expect(wallClockIn(instant, 'Asia/Kolkata')).toBe('2026-12-05 05:00:15');
  });

  it('uses 00 for midnight, not 24', () => {
    expect(wallClockIn(new Date('2026-06-01T07:00:00Z'), 'America/Los_Angeles')).toBe('2026-06-01 00:00:00');
  });

  it('knows the offset on each side of a daylight-saving change', () => {
    expect(offsetAt(new Date('2026-07-01T12:00:00Z'), 'America/Los_Angeles')).toBe(-7 * 3_600_000);
    expect(offsetAt(new Date('2026-12-01T12:00:00Z'), 'America/Los_Angeles')).toBe(-8 * 3_600_000);
  });

  it('moves the lower bound an hour earlier near a daylight-saving change only', () => {
    // 2026-11-01 01:00-02:00 occurs twice in Los Angeles (09:00Z and 10:00Z are both 01:xx).
    const nearChange = new Date('2026-11-01T09:30:00Z');
    expect(lowerBoundIn(nearChange, 'America/Los_Angeles')).toBe(wallClockIn(new Date('2026-11-01T08:30:00Z'), 'America/Los_Angeles'));

    const ordinary = new Date('2026-11-10T09:30:00Z');
    expect(lowerBoundIn(ordinary, 'America/Los_Angeles')).toBe('2026-11-10 01:30:00');
  });

  it('rejects an unknown zone with the value and the expected form', () => {
    expect(() => validateTimeZone('Mars/Olympus', 'SERVICENOW_TIME_ZONE')).toThrow(ServiceNowInputError);
    expect(() => validateTimeZone('Mars/Olympus', 'SERVICENOW_TIME_ZONE')).toThrow(/"Mars\/Olympus" \(SERVICENOW_TIME_ZONE\).*IANA/);
    expect(validateTimeZone('Europe/Berlin', 'x')).toBe('Europe/Berlin');
  });
});
