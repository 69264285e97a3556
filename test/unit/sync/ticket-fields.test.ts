import { describe, expect, it } from 'vitest';

import { createFieldRule } from '../../../src/rules/field-rule.js';
import type { SyncRule } from '../../../src/rules/sync-rule.js';
import { compactSeen, conflictNote, sameValue, seenValue, watchedFields } from '../../../src/sync/ticket-fields.js';

const field = (name: string, owner: 'aws' | 'itsm' | 'create-only') => createFieldRule({ name, owner, constant: 'x' });

function rule(reverse: boolean): SyncRule {
  return {
    fields: [field('short_description', 'aws'), field('urgency', 'aws'), field('work_notes', 'aws'), field('category', 'create-only'), field('assignment_group', 'itsm')],
    reverse: reverse ? { fields: ['state', 'close_code'], closed: { source: 'true', evaluate: async () => true } } : undefined,
  } as unknown as SyncRule;
}

describe('watchedFields', () => {
  it('reads the reverse fields and the AWS-owned fields, without journal fields', () => {
    expect(watchedFields(rule(true), { journalFields: ['work_notes', 'comments'] })).toEqual(['state', 'close_code', 'short_description', 'urgency']);
  });

  it('watches nothing for a one-way rule', () => {
    expect(watchedFields(rule(false), { journalFields: [] })).toBeUndefined();
  });
});

describe('sameValue', () => {
  it('compares as the ITSM system stores values: text, with empty for missing', () => {
    expect(sameValue(2, '2')).toBe(true);
    expect(sameValue(undefined, '')).toBe(true);
    expect(sameValue(null, '')).toBe(true);
    expect(sameValue('2', '3')).toBe(false);
    expect(sameValue('', '0')).toBe(false);
  });
});

describe('conflictNote', () => {
  const written = { urgency: '2', short_description: 'Bucket is public' };

  it('names each AWS-owned field a person changed that the write replaces', () => {
    const note = conflictNote('servicenow', { urgency: '1' }, { written, itsm: { version: 3, seen: { urgency: '3', short_description: 'Bucket is public' } } });
    expect(note).toContain('edited in ServiceNow');
    expect(note).toContain('- urgency: "3" was replaced by "1"');
    expect(note).not.toContain('short_description');
  });

  it('says nothing when the ticket still holds what the connector wrote', () => {
    expect(conflictNote('servicenow', { urgency: '1' }, { written, itsm: { version: 3, seen: { urgency: '2' } } })).toBeUndefined();
  });

  it('says nothing when the person already set the value AWS now sets', () => {
    expect(conflictNote('servicenow', { urgency: '1' }, { written, itsm: { version: 3, seen: { urgency: '1' } } })).toBeUndefined();
  });

  it('says nothing without a way back, since nothing was read', () => {
    expect(conflictNote('servicenow', { urgency: '1' }, { written })).toBeUndefined();
  });
});

describe('compactSeen and seenValue', () => {
  it('keeps only values that differ from what was written', () => {
    const written = { urgency: '2', description: 'long text' };
    const seen = compactSeen({ urgency: '2', description: 'edited text', state: '1' }, written);

    expect(seen).toEqual({ description: 'edited text', state: '1' });
    expect(seenValue({ written, itsm: { seen } }, 'urgency')).toBe('2');
    expect(seenValue({ written, itsm: { seen } }, 'description')).toBe('edited text');
    expect(seenValue({ written, itsm: { seen } }, 'close_code')).toBeUndefined();
  });
});
