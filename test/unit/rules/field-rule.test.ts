import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { compileExpression, createFieldRule, loadRules, truncateText, type FieldRule } from '../../../src/rules/index.js';
import { mappingsFolder, removeFolder } from './mapping-test-kit.js';

const WHERE = "rule 'test-rule', fields.test.value";

/** Checks that a string has no lone surrogate (String.prototype.isWellFormed is ES2024, newer than our lib). */
function isWellFormed(text: string): boolean {
  return !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(text);
}

const SEVERITY_TO_URGENCY = { CRITICAL: '1', HIGH: '1', MEDIUM: '2', LOW: '3' };

function fieldFrom(source: string, extra: Omit<Parameters<typeof createFieldRule>[0], 'name' | 'owner' | 'expression'> = {}): FieldRule {
  return createFieldRule({ name: 'test', owner: 'aws', expression: compileExpression(source, WHERE), ...extra });
}

describe('createFieldRule value map', () => {
  it('maps a value', async () => {
    const urgency = fieldFrom('severity', { map: SEVERITY_TO_URGENCY, defaultValue: '3' });

    expect(await urgency.evaluate({ severity: 'HIGH' })).toBe('1');
    expect(await urgency.evaluate({ severity: 'MEDIUM' })).toBe('2');
  });

  it('uses the default for a value not in the map', async () => {
    const urgency = fieldFrom('severity', { map: SEVERITY_TO_URGENCY, defaultValue: '3' });

    expect(await urgency.evaluate({ severity: 'INFORMATIONAL' })).toBe('3');
  });

  it('uses the default for a missing or null value', async () => {
    const urgency = fieldFrom('severity', { map: SEVERITY_TO_URGENCY, defaultValue: '3' });

    expect(await urgency.evaluate({})).toBe('3');
    expect(await urgency.evaluate({ severity: null })).toBe('3');
  });

  it('leaves an unmapped value out without a default', async () => {
    const urgency = fieldFrom('severity', { map: SEVERITY_TO_URGENCY });

    expect(await urgency.evaluate({ severity: 'INFORMATIONAL' })).toBeUndefined();
  });

  it('looks numbers and booleans up as text', async () => {
    const field = fieldFrom('value', { map: { '1': 'one', true: 'yes' } });

    expect(await field.evaluate({ value: 1 })).toBe('one');
    expect(await field.evaluate({ value: true })).toBe('yes');
  });

  it('ignores inherited object keys', async () => {
    const field = fieldFrom('value', { map: { HIGH: '1' }, defaultValue: 'none' });

    expect(await field.evaluate({ value: 'constructor' })).toBe('none');
    expect(await field.evaluate({ value: 'toString' })).toBe('none');
  });

  it('does not look lists up', async () => {
    const field = fieldFrom('value', { map: { a: 'mapped' }, defaultValue: 'default' });

    expect(await field.evaluate({ value: ['a'] })).toBe('default');
  });

  it('keeps the types of mapped values', async () => {
    const field = fieldFrom('severity', { map: { HIGH: 1, LOW: false } });

    expect(await field.evaluate({ severity: 'HIGH' })).toBe(1);
    expect(await field.evaluate({ severity: 'LOW' })).toBe(false);
  });
});

describe('createFieldRule value and constant', () => {
  it('returns a constant', async () => {
    const field = createFieldRule({ name: 'category', owner: 'create-only', constant: 'software' });

    expect(await field.evaluate({ anything: 1 })).toBe('software');
    expect(field.owner).toBe('create-only');
  });

  it('maps a constant', async () => {
    const field = createFieldRule({ name: 'state', owner: 'aws', constant: 'resolved', map: { resolved: '6' } });

    expect(await field.evaluate({})).toBe('6');
  });

  it('keeps number results as numbers', async () => {
    const field = fieldFrom('count * 2', { maxLength: 1 });

    expect(await field.evaluate({ count: 21 })).toBe(42);
  });

  it('keeps an empty string', async () => {
    const field = fieldFrom('description', { defaultValue: 'none' });

    expect(await field.evaluate({ description: '' })).toBe('');
  });
});

describe('createFieldRule maxLength', () => {
  it('leaves short text alone', async () => {
    const field = fieldFrom('title', { maxLength: 10 });

    expect(await field.evaluate({ title: '0123456789' })).toBe('0123456789');
  });

  it('cuts long text with an ellipsis', async () => {
    const field = fieldFrom('title', { maxLength: 10 });

    const result = await field.evaluate({ title: '0123456789ABC' });

    expect(result).toBe('012345678…');
    expect((result as string).length).toBe(10);
  });

  it('drops an emoji split by the cut', async () => {
    // "🪣" is one code point but two UTF-16 code units. With maxLength 9 there is room for 8
    // units before the ellipsis, and the 8th is the first half of the emoji.
    const field = fieldFrom('title', { maxLength: 9 });

    const result = (await field.evaluate({ title: 'Bucket 🪣 is public' })) as string;

    expect(result).toBe('Bucket …');
    expect(isWellFormed(result)).toBe(true);
  });

  it('keeps an emoji that fits whole', async () => {
    const field = fieldFrom('title', { maxLength: 10 });

    const result = (await field.evaluate({ title: 'Bucket 🪣🪣 is public' })) as string;

    expect(result).toBe('Bucket 🪣…');
    expect(result.length).toBe(10);
  });

  it('cuts text of emoji only', () => {
    for (let maxLength = 1; maxLength <= 12; maxLength += 1) {
      const result = truncateText('🔥'.repeat(10), maxLength);

      expect(result.length).toBeLessThanOrEqual(maxLength);
      expect(isWellFormed(result)).toBe(true);
      expect(result.endsWith('…')).toBe(true);
    }
  });

  it('applies to the default', async () => {
    const field = fieldFrom('title', { defaultValue: 'a default that is long', maxLength: 5 });

    expect(await field.evaluate({})).toBe('a de…');
  });
});

describe('field specs from a mapping file', () => {
  let dir: string | undefined;

  afterEach(async () => {
    if (dir !== undefined) {
      await removeFolder(dir);
    }
  });

  it('defaults the owner to aws', async () => {
    dir = await mappingsFolder();
    await writeFile(
      join(dir, 'owners.yaml'),
      [
        'name: owners-rule',
        'source: { kind: finding }',
        'target: { system: servicenow, table: incident }',
        'correlation: { prefix: owners- }',
        'lifecycle:',
        '  create: { when: true }',
        '  resolve:',
        '    when: false',
        '    fields: { state: { const: "6" } }',
        'fields:',
        '  short_description: title',
        '  description: { value: description }',
        '  assignment_group: { const: "70265bf90467af9437a1fa007183e153", owner: itsm }',
        '  category: { const: software, owner: create-only }',
        '',
      ].join('\n'),
    );

    const [rule] = await loadRules(dir);

    expect(rule?.fields.map((field) => [field.name, field.owner])).toEqual([
      ['short_description', 'aws'],
      ['description', 'aws'],
      ['assignment_group', 'itsm'],
      ['category', 'create-only'],
    ]);
    expect(await rule?.lifecycle.resolveSteps[0]?.[0]?.evaluate({})).toBe('6');
  });
});
