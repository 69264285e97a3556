import { readFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import {
  dropUnknownFields,
  matchesQuery,
  parseEncodedQuery,
  sortRecords,
  splitTerms,
} from '../../../src/simulators/servicenow/query-engine.js';

const examples = JSON.parse(
  readFileSync(new URL('../../fixtures/servicenow/encoded-query-examples.json', import.meta.url), 'utf8'),
) as Record<string, unknown>;

function matches(query: string, record: Record<string, string>): boolean {
  return matchesQuery(record, parseEncodedQuery(query));
}

describe('simulator encoded query parser', () => {
  it('splits at single carets and keeps doubled ones', () => {
    expect(splitTerms('a=1^b=x^^y^^^ORc=2')).toEqual(['a=1', 'b=x^y^', 'ORc=2']);
    expect(splitTerms('')).toEqual([]);
  });

  it('binds OR tighter than AND', () => {
    const query = 'active=true^priority=1^ORpriority=2';

    expect(matches(query, { active: 'true', priority: '2' })).toBe(true);
    expect(matches(query, { active: 'false', priority: '1' })).toBe(false);
    expect(matches(query, { active: 'true', priority: '3' })).toBe(false);
  });

  it('unions NQ segments', () => {
    const query = examples.new_query_union as string;

    expect(matches(query, { priority: '1', state: '7' })).toBe(true);
    expect(matches(query, { priority: '4', state: '2' })).toBe(true);
    expect(matches(query, { priority: '4', state: '7' })).toBe(false);
  });

  it('evaluates each operator', () => {
    const record = { state: '6', short_description: 'S3 Public Access', correlation_id: 'arn:aws:x', close_code: '' };

    expect(matches('state!=7', record)).toBe(true);
    expect(matches('stateIN1,2,6', record)).toBe(true);
    expect(matches('stateNOT IN1,2,6', record)).toBe(false);
    expect(matches('state>3', record)).toBe(true);
    expect(matches('state>=6', record)).toBe(true);
    expect(matches('state<6', record)).toBe(false);
    expect(matches('state<=6', record)).toBe(true);
    expect(matches('short_descriptionLIKEpublic access', record)).toBe(true);
    expect(matches('short_descriptionNOT LIKEpublic', record)).toBe(false);
    expect(matches('correlation_idSTARTSWITHarn:aws:', record)).toBe(true);
    expect(matches('correlation_idENDSWITH:x', record)).toBe(true);
    expect(matches('close_codeISEMPTY', record)).toBe(true);
    expect(matches('close_codeISNOTEMPTY', record)).toBe(false);
  });

  it('compares numbers as numbers and dates as text', () => {
    expect(matches('state>10', { state: '9' })).toBe(false);
    expect(matches('sys_updated_on>=2025-03-10 14:00:00', { sys_updated_on: '2025-03-10 14:02:40' })).toBe(true);
    expect(matches('sys_updated_on>=2025-03-10 14:00:00', { sys_updated_on: '' })).toBe(false);
  });

  it('reads ^^ in a value as a literal caret', () => {
    const escaped = (examples.literal_caret_in_value as { escaped_for_query: string }).escaped_for_query;

    expect(matches(escaped, { short_description: 'see tag^prod' })).toBe(true);
    expect(matches(escaped, { short_description: 'see tag' })).toBe(false);
  });

  it('parses orderings', () => {
    const parsed = parseEncodedQuery(examples.order as string);

    expect(parsed.orderings).toEqual([
      { field: 'sys_updated_on', descending: false },
      { field: 'number', descending: true },
    ]);
  });

  it('drops conditions on unknown fields', () => {
    const pitfall = examples.pitfall_invalid_field_is_ignored as { query: string };
    const known = new Set(['active', 'priority']);
    const parsed = dropUnknownFields(parseEncodedQuery(pitfall.query), (field) => known.has(field));

    // 'activ=true' is gone, so an inactive priority-1 record now matches.
    expect(matchesQuery({ active: 'false', priority: '1' }, parsed)).toBe(true);
    expect(matchesQuery({ active: 'false', priority: '2' }, parsed)).toBe(false);
  });

  it('sorts numerically, descending and with empty values first', () => {
    const records = [{ n: '10' }, { n: '9' }, { n: '' }, { n: '100' }];

    expect(sortRecords([...records], [{ field: 'n', descending: false }]).map((r) => r.n)).toEqual([
      '',
      '9',
      '10',
      '100',
    ]);
    expect(sortRecords([...records], [{ field: 'n', descending: true }]).map((r) => r.n)).toEqual([
      '100',
      '10',
      '9',
      '',
    ]);
  });
});
