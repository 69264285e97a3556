/**
 * Cutting free text to a field's length limit: mapped ticket fields, Security Hub notes, messages.
 */

/** Appended to text that was cut, so a reader of the finding can tell that something is missing. */
export const TRUNCATION_MARK = '…';

const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });

/**
 * Cuts `text` so that it is at most `maxLength` UTF-16 code units long, ending with "…" when
 * anything was removed. Text that already fits is returned unchanged.
 *
 * The cut falls between grapheme clusters, so it never splits a surrogate pair, and it keeps an
 * emoji together with its skin-tone modifier or a letter with its combining accent. A first grapheme
 * too long to fit on its own (unlikely in real text) is cut between code points instead.
 *
 * Counting UTF-16 code units, as JavaScript, Java and Jira do, keeps the result within the limit
 * whether the target counts code units or code points.
 *
 * @example
 * truncateText('x'.repeat(600), 512).length; // 512, the last character is '…'
 */
export function truncateText(text: string, maxLength: number): string {
  if (!Number.isInteger(maxLength) || maxLength < TRUNCATION_MARK.length) {
    throw new RangeError(`maxLength must be an integer of at least ${TRUNCATION_MARK.length}, got ${maxLength}`);
  }
  if (text.length <= maxLength) {
    return text;
  }

  const budget = maxLength - TRUNCATION_MARK.length;
  let prefix = '';
  for (const { segment } of graphemes.segment(text)) {
    if (prefix.length + segment.length > budget) {
      break;
    }
    prefix += segment;
  }

  if (prefix === '') {
    prefix = takeCodePoints(text, budget);
  }
  return prefix + TRUNCATION_MARK;
}

/** Returns the longest prefix of `text` that ends on a code point boundary and is at most `budget` code units long. */
function takeCodePoints(text: string, budget: number): string {
  let prefix = '';
  for (const codePoint of text) {
    if (prefix.length + codePoint.length > budget) {
      break;
    }
    prefix += codePoint;
  }
  return prefix;
}
