const ELLIPSIS = '…';

/**
 * Cuts `text` so that its length (in UTF-16 code units, as JavaScript, Java and Jira count it) is at
 * most `maxLength`, ending with "…" when it was cut. The cut falls between code points, so a
 * surrogate pair such as an emoji is never split into an invalid half. Counting code units rather
 * than code points keeps the result within the limit whichever way the target counts.
 *
 * @example
 * truncateText('Bucket 🪣 is public', 9); // 'Bucket 🪣…'
 */
export function truncateText(text: string, maxLength: number): string {
  if (text.length <= maxLength) {
    return text;
  }
  if (maxLength < 1) {
    return '';
  }

  const budget = maxLength - ELLIPSIS.length;
  let prefix = '';
  // Iterating a string yields whole code points, so a pair is kept or dropped as one.
  for (const codePoint of text) {
    if (prefix.length + codePoint.length > budget) {
      break;
    }
    prefix += codePoint;
  }
  return prefix + ELLIPSIS;
}
