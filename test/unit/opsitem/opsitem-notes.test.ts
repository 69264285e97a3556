import { describe, expect, it } from 'vitest';

import { appendNote, NOTES_MAX_BYTES, utf8Bytes } from '../../../src/writeback/opsitem-notes.js';

const FIRST = new Date('2025-03-11T09:02:05Z');
const SECOND = new Date('2025-03-11T10:15:00.250Z');

/** True when `text` contains a UTF-16 surrogate that is not part of a pair. */
function hasLoneSurrogate(text: string): boolean {
  return /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(text);
}

describe('appendNote', () => {
  it('starts the log with a time line', () => {
    const result = appendNote(undefined, 'Linked to INC0010043', FIRST);

    expect(result).toEqual({ value: '--- 2025-03-11T09:02:05.000Z ---\nLinked to INC0010043', droppedNotes: 0, truncated: false });
  });

  it('appends after a blank line', () => {
    const first = appendNote(undefined, 'Linked to INC0010043', FIRST).value;

    const second = appendNote(first, 'Resolved: instance restarted', SECOND).value;

    expect(second).toBe(
      '--- 2025-03-11T09:02:05.000Z ---\nLinked to INC0010043\n\n--- 2025-03-11T10:15:00.250Z ---\nResolved: instance restarted',
    );
  });

  it('treats a blank old value as empty', () => {
    expect(appendNote('  \n', 'Note', FIRST).value).toBe('--- 2025-03-11T09:02:05.000Z ---\nNote');
  });

  it('drops the oldest notes to fit', () => {
    let value: string | undefined;
    for (let index = 0; index < 5; index += 1) {
      value = appendNote(value, `note ${index} ${'x'.repeat(40)}`, new Date(FIRST.getTime() + index * 1000), 200).value;
    }

    const result = appendNote(value, 'newest', SECOND, 200);

    expect(utf8Bytes(result.value)).toBeLessThanOrEqual(200);
    expect(result.droppedNotes).toBeGreaterThan(0);
    expect(result.value.endsWith('--- 2025-03-11T10:15:00.250Z ---\nnewest')).toBe(true);
    expect(result.value.startsWith('--- ')).toBe(true);
    expect(result.value).toContain('note 4');
    expect(result.value).not.toContain('note 0');
  });

  it('drops hand-edited text first', () => {
    const edited = 'Someone typed this in the console.\n\n' + appendNote(undefined, 'kept', FIRST).value;

    const result = appendNote(edited, 'new', SECOND, 100);

    expect(result.droppedNotes).toBe(1);
    expect(result.value).toBe('--- 2025-03-11T09:02:05.000Z ---\nkept\n\n--- 2025-03-11T10:15:00.250Z ---\nnew');
  });

  it('keeps the total within the default limit', () => {
    let value: string | undefined;
    for (let index = 0; index < 30; index += 1) {
      value = appendNote(value, 'ü'.repeat(1_000), new Date(FIRST.getTime() + index * 1000)).value;
    }

    expect(utf8Bytes(value!)).toBeLessThanOrEqual(NOTES_MAX_BYTES);
    expect(utf8Bytes(value!)).toBeGreaterThan(NOTES_MAX_BYTES - 2_100);
  });

  it('cuts a note too large on its own', () => {
    const result = appendNote('--- 2025-03-10T00:00:00.000Z ---\nold', 'é'.repeat(15_000), FIRST);

    expect(result.truncated).toBe(true);
    expect(result.droppedNotes).toBe(1);
    expect(utf8Bytes(result.value)).toBeLessThanOrEqual(NOTES_MAX_BYTES);
    expect(result.value.endsWith('…')).toBe(true);
  });

  it('never splits an emoji', () => {
    const result = appendNote(undefined, '👍🏽'.repeat(60), FIRST, 120);

    expect(utf8Bytes(result.value)).toBeLessThanOrEqual(120);
    expect(hasLoneSurrogate(result.value)).toBe(false);
    // Each emoji with its skin tone is 8 bytes; the cut falls between two of them.
    const text = result.value.split('\n')[1]!;
    expect(text.replace('…', '').length % 4).toBe(0);
  });

  it('rejects a limit too small for a note', () => {
    expect(() => appendNote(undefined, 'x', FIRST, 20)).toThrow(/maxBytes must leave room/);
  });
});
