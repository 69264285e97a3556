/**
 * Jira's length limits, applied to text before it is written.
 *
 * - Summary: at most 255 characters ("Summary must be less than 255 characters").
 * - Multi-line text (description, environment, textarea custom fields, comment bodies): at most
 *   32,767 characters ("The entered text is too long. It exceeds the allowed limit of 32,767
 *   characters."), counted here on the value that is sent: the JSON of the ADF document on Cloud,
 *   the wiki markup string on Data Center.
 * - Labels: no spaces, at most 255 characters.
 *
 * Lengths are counted in UTF-16 code units, as JavaScript and Jira's Java code count them, and no
 * cut splits a surrogate pair or a grapheme cluster.
 */

import { truncateText } from '../../core/text.js';
import type { JiraDeployment } from './auth.js';
import { normalizeText, renderAdf, renderWiki, stripControlCharacters } from './document.js';
import { JiraFieldLimitError } from './errors.js';

export { stripControlCharacters } from './document.js';

/** Maximum summary length Jira accepts, in characters. */
export const SUMMARY_MAX_LENGTH = 255;

/**
 * Maximum length of a multi-line text field or comment, in characters.
 *
 * NOTE: Jira Cloud's documentation does not say how it counts an ADF document against this limit.
 * Counting the JSON text is the strictest reading, because the JSON is longer than its text.
 */
export const TEXT_FIELD_MAX_LENGTH = 32_767;

/** Maximum label length Jira accepts, in characters. */
export const LABEL_MAX_LENGTH = 255;

const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });

/** Code units looked at on each side of a cut when searching a grapheme boundary. */
const GRAPHEME_WINDOW = 64;

/**
 * Cut text so that its rendered value fits `maxLength`, and return the text to render.
 *
 * The text is normalized as `renderText` does it. When its rendering is too long, the longest
 * start of it that fits together with a pointer, `… [cut by itsm-sync; the full text is on
 * <recordLabel>]`, is returned. The length is measured on what Jira receives: `JSON.stringify` of
 * the ADF document on Cloud, the wiki string on Data Center, where escapes make the value longer
 * than the text.
 *
 * Throws a JiraFieldLimitError when not even the pointer fits.
 *
 * @param recordLabel names where the full text is, such as `Security Hub finding arn:aws:securityhub:…`.
 *
 * @example
 * ```ts
 * const text = limitRenderedText(description, 'cloud', TEXT_FIELD_MAX_LENGTH, `Security Hub finding ${findingId}`);
 * const value = renderText(text, 'cloud'); // JSON.stringify(value).length <= 32,767
 * ```
 */
export function limitRenderedText(text: string, deployment: JiraDeployment, maxLength: number, recordLabel: string): string {
  if (!Number.isInteger(maxLength) || maxLength < 1) {
    throw new RangeError(`maxLength must be a positive integer, got ${maxLength}`);
  }

  const normalized = normalizeText(text);
  const renderedLength = (candidate: string): number =>
    deployment === 'cloud' ? JSON.stringify(renderAdf(candidate)).length : renderWiki(candidate).length;

  if (renderedLength(normalized) <= maxLength) {
    return normalized;
  }

  const pointer = `… [cut by itsm-sync; the full text is on ${recordLabel}]`;
  const withPointer = (prefixLength: number): string => normalizeText(`${normalized.slice(0, prefixLength).trimEnd()}${pointer}`);
  const fits = (prefixLength: number): boolean => renderedLength(withPointer(prefixLength)) <= maxLength;

  if (!fits(0)) {
    throw new JiraFieldLimitError(
      `Cannot cut text to ${maxLength} characters: the pointer to the full text ("${pointer}") alone is longer. ` +
        'Use a shorter record label.',
    );
  }

  // Binary search for the longest prefix that fits. The rendered length grows with the prefix, and
  // rendering never makes text shorter, so no prefix longer than maxLength can fit.
  let low = 0;
  let high = Math.min(normalized.length, maxLength);
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (fits(middle)) {
      low = middle;
    } else {
      high = middle - 1;
    }
  }

  // Move the cut back to a grapheme boundary. Stepping back further covers the rare prefix where a
  // URL or a paragraph break changes the rendering so that a shorter prefix is longer rendered.
  let cut = graphemeBoundaryAtOrBefore(normalized, low);
  while (cut > 0 && !fits(cut)) {
    cut = graphemeBoundaryAtOrBefore(normalized, cut - 1);
  }

  return withPointer(cut);
}

/**
 * Return the last grapheme boundary at or before `position`. Only a window around the position is
 * segmented: Intl.Segmenter is slow on long strings, and no grapheme cluster is near this long.
 */
function graphemeBoundaryAtOrBefore(text: string, position: number): number {
  if (position <= 0 || position >= text.length) {
    return Math.max(0, Math.min(position, text.length));
  }

  const windowStart = Math.max(0, position - GRAPHEME_WINDOW);
  let boundary = windowStart;
  for (const { index } of graphemes.segment(text.slice(windowStart, position + GRAPHEME_WINDOW))) {
    if (windowStart + index > position) {
      break;
    }
    boundary = windowStart + index;
  }
  return boundary;
}

/**
 * Make a summary: control characters removed, all whitespace (line breaks included) folded into
 * single spaces, and cut to 255 characters with `…`.
 *
 * @example
 * ```ts
 * limitSummary('S3 bucket\nis public  '); // 'S3 bucket is public'
 * ```
 */
export function limitSummary(text: string): string {
  const singleLine = stripControlCharacters(text).replace(/\s+/g, ' ').trim();
  return truncateText(singleLine, SUMMARY_MAX_LENGTH);
}

/**
 * Make a label: control characters removed, each run of whitespace replaced by `_` (Jira rejects
 * labels with spaces), and cut to 255 characters without splitting a character. Returns an empty
 * string for text without visible characters; such a label cannot be written.
 *
 * @example
 * ```ts
 * toLabel('aws security hub'); // 'aws_security_hub'
 * ```
 */
export function toLabel(text: string): string {
  const label = stripControlCharacters(text).trim().replace(/\s+/g, '_');
  if (label.length <= LABEL_MAX_LENGTH) {
    return label;
  }

  return label.slice(0, graphemeBoundaryAtOrBefore(label, LABEL_MAX_LENGTH));
}
