import { describe, expect, it } from 'vitest';

import { InvalidDurationError, parseDuration } from '../../../src/rules/index.js';

describe('parseDuration', () => {
  it.each([
    ['45s', 45_000],
    ['30m', 1_800_000],
    ['12h', 43_200_000],
    ['7d', 604_800_000],
    ['0', 0],
    [0, 0],
  ])('reads %j', (text, milliseconds) => {
    expect(parseDuration(text)).toBe(milliseconds);
  });

  it.each(['7', '7 days', '1w', '07d', '-1d', '1.5h', '', 'd', '0d', 7])('rejects %j', (text) => {
    expect(() => parseDuration(text)).toThrow(InvalidDurationError);
  });

  it('names the value and the format', () => {
    expect(() => parseDuration('7 days')).toThrow(
      'Invalid duration "7 days": write a whole number followed by s, m, h or d (for example 7d or 12h), or 0',
    );
  });
});
