import { describe, expect, it } from 'vitest';

import { isValidTimeZone, parseDateTime, wallTimeToUtc } from '../../../src/simulators/servicenow/time-zones.js';

describe('simulator wallTimeToUtc', () => {
  it('converts ordinary wall times', () => {
    const cases: Array<[string, string, string]> = [
      ['2025-01-15 09:00:00', 'UTC', '2025-01-15 09:00:00'],
      ['2025-01-15 09:00:00', 'America/Los_Angeles', '2025-01-15 17:00:00'],
      ['2025-07-15 09:00:00', 'America/Los_Angeles', '2025-07-15 16:00:00'],
      ['2025-01-01 00:00:00', 'Asia/Kolkata', '2024-12-31 18:30:00'],
      ['2025-06-30 23:59:59', 'Asia/Kathmandu', '2025-06-30 18:14:59'],
      ['2025-01-15 09:00:00', 'US/Pacific', '2025-01-15 17:00:00'],
    ];

    for (const [wallTime, timeZone, utc] of cases) {
      expect(wallTimeToUtc(wallTime, timeZone), `${wallTime} ${timeZone}`).toBe(utc);
    }
  });

  it('moves wall times in a gap forward', () => {
    // Berlin jumps from 02:00 CET to 03:00 CEST on 30 March 2025; Lord Howe from 02:00 to 02:30.
    expect(wallTimeToUtc('2025-03-30 02:30:00', 'Europe/Berlin')).toBe('2025-03-30 01:30:00');
    expect(wallTimeToUtc('2025-03-30 03:00:00', 'Europe/Berlin')).toBe('2025-03-30 01:00:00');
    expect(wallTimeToUtc('2025-10-05 02:15:00', 'Australia/Lord_Howe')).toBe('2025-10-04 15:45:00');
  });

  it('reads repeated wall times as the earlier instant', () => {
    // Berlin falls back from 03:00 CEST to 02:00 CET on 26 October 2025; Lord Howe from 02:00 to 01:30.
    expect(wallTimeToUtc('2025-10-26 02:30:00', 'Europe/Berlin')).toBe('2025-10-26 00:30:00');
    expect(wallTimeToUtc('2025-10-26 03:00:00', 'Europe/Berlin')).toBe('2025-10-26 02:00:00');
    expect(wallTimeToUtc('2025-04-06 01:45:00', 'Australia/Lord_Howe')).toBe('2025-04-05 14:45:00');
  });

  it('returns undefined for values that are not date-times', () => {
    for (const value of ['2025-02-30 00:00:00', '2025-13-01 00:00:00', '2025-01-01 24:00:00', '2025-01-01', '2025-01-01T00:00:00', '']) {
      expect(wallTimeToUtc(value, 'UTC'), value).toBeUndefined();
      expect(parseDateTime(value), value).toBeUndefined();
    }
  });
});

describe('simulator isValidTimeZone', () => {
  it('accepts IANA ids and links', () => {
    for (const zone of ['UTC', 'America/Los_Angeles', 'Asia/Kolkata', 'US/Pacific', 'Etc/GMT+5']) {
      expect(isValidTimeZone(zone), zone).toBe(true);
    }
  });

  it('rejects unknown ids', () => {
    for (const zone of ['', ' ', 'Mars/Olympus_Mons', 'PST8PDT-ish', 'GMT+25']) {
      expect(isValidTimeZone(zone), zone).toBe(false);
    }
  });
});
