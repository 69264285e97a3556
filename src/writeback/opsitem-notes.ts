/**
 * The notes log that the OpsItem write-back keeps in one OperationalData value: each note under a
 * line with its time, oldest first, cut from the front to stay within the value size limit.
 *
 *   --- 2025-03-11T09:02:05.402Z ---
 *   Incident INC0010043 was resolved: restarted the instance.
 *
 *   --- 2025-03-11T10:15:00.000Z ---
 *   …
 */
import { truncateText } from '../core/text.js';

/**
 * Maximum size of the notes value. The SSM API reference limits an OperationalData value to
 * "20 KB" without defining the unit; 20,000 bytes of UTF-8 is the strictest reading.
 */
export const NOTES_MAX_BYTES = 20_000;

/** Separates two notes. */
const NOTE_SEPARATOR = '\n\n';

/** A separator followed by the time line of the next note. */
const NOTE_BOUNDARY = /\n\n(?=--- \d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z ---\n)/;

/** The new notes value and what had to be removed to fit it. */
export interface AppendedNotes {
  value: string;
  /** How many older notes were dropped. Text before the first time line counts as one note. */
  droppedNotes: number;
  /** True when the new note alone was too large and was cut. */
  truncated: boolean;
}

/**
 * Appends `note` with a time line to the notes in `existing`, then drops the oldest notes until the
 * value fits in `maxBytes` bytes of UTF-8. A note too large on its own is cut between grapheme
 * clusters and ends with "…".
 *
 * Text in `existing` that was not written here (someone edited the value in the console) is kept
 * as one note and is the first to go.
 *
 * @example
 * appendNote(undefined, 'Linked to INC0010043', new Date('2025-03-11T09:02:05Z')).value;
 * // '--- 2025-03-11T09:02:05.000Z ---\nLinked to INC0010043'
 */
export function appendNote(existing: string | undefined, note: string, at: Date, maxBytes = NOTES_MAX_BYTES): AppendedNotes {
  const header = `--- ${at.toISOString()} ---\n`;
  const textBudget = maxBytes - utf8Bytes(header);
  if (textBudget < utf8Bytes('…')) {
    throw new RangeError(`maxBytes must leave room for the time line and a note, got ${maxBytes}`);
  }

  const text = truncateToBytes(note, textBudget);
  const entry = header + text;

  const entries = existing === undefined || existing.trim() === '' ? [] : existing.split(NOTE_BOUNDARY);
  let total = entries.reduce((sum, old) => sum + utf8Bytes(old) + utf8Bytes(NOTE_SEPARATOR), utf8Bytes(entry));
  let droppedNotes = 0;
  while (total > maxBytes && entries.length > 0) {
    const oldest = entries.shift()!;
    total -= utf8Bytes(oldest) + utf8Bytes(NOTE_SEPARATOR);
    droppedNotes += 1;
  }

  return { value: [...entries, entry].join(NOTE_SEPARATOR), droppedNotes, truncated: text !== note };
}

/** Size of `text` in bytes of UTF-8. */
export function utf8Bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/**
 * Cuts `text` to at most `maxBytes` bytes of UTF-8 with `truncateText`, which cuts between grapheme
 * clusters and counts UTF-16 code units. A code unit takes one to three bytes, so the length limit
 * shrinks in proportion to the excess until the bytes fit.
 */
function truncateToBytes(text: string, maxBytes: number): string {
  if (utf8Bytes(text) <= maxBytes) {
    return text;
  }

  let maxLength = Math.min(text.length, maxBytes);
  let cut = truncateText(text, maxLength);
  while (utf8Bytes(cut) > maxBytes) {
    // Shrink by at least one code unit, so the loop ends; truncateText(text, 1) is "…", which fits.
    maxLength = Math.max(1, Math.min(maxLength - 1, Math.floor((maxLength * maxBytes) / utf8Bytes(cut))));
    cut = truncateText(text, maxLength);
  }
  return cut;
}
