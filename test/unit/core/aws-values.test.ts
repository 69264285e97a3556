import { describe, expect, it } from 'vitest';

import { isoTime, partitionOf, toJson } from '../../../src/core/aws-values.js';

describe('isoTime', () => {
  it('formats a Date', () => {
    expect(isoTime(new Date('2025-03-14T09:26:53.589Z'))).toBe('2025-03-14T09:26:53.589Z');
  });

  it('normalises timestamp text', () => {
    expect(isoTime('2025-03-14T11:26:53+02:00')).toBe('2025-03-14T09:26:53.000Z');
  });

  it.each([
    ['undefined', undefined],
    ['an empty text', ''],
    ['text that is no time', 'yesterday-ish'],
    ['an invalid Date', new Date(Number.NaN)],
    ['a number', 1_741_944_413],
  ])('returns null for %s', (_label, value) => {
    expect(isoTime(value)).toBeNull();
  });
});

describe('toJson', () => {
  it('turns dates into text and drops undefined members', () => {
    const output = { CreatedTime: new Date('2025-03-14T09:26:53Z'), Title: 'CPU high', Notes: undefined, Tags: [{ Key: 'env', When: new Date(0) }] };

    expect(toJson(output)).toEqual({ CreatedTime: '2025-03-14T09:26:53.000Z', Title: 'CPU high', Tags: [{ Key: 'env', When: '1970-01-01T00:00:00.000Z' }] });
    expect(Object.keys(toJson(output) as object)).not.toContain('Notes');
  });

  it('keeps scalars and null', () => {
    expect(toJson(null)).toBeNull();
    expect(toJson(42)).toBe(42);
    expect(toJson('text')).toBe('text');
  });
});

describe('partitionOf', () => {
  it.each([
    ['us-east-1', 'aws'],
    ['eu-central-2', 'aws'],
    ['cn-north-1', 'aws-cn'],
    ['us-gov-west-1', 'aws-us-gov'],
  ])('maps %s to %s', (region, partition) => {
    expect(partitionOf(region)).toBe(partition);
  });
});
