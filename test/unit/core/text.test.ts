import { describe, expect, it } from 'vitest';
import { truncateText } from '../../../src/core/text.js';
import { hasLoneSurrogate } from '../../integration/writeback/support.js';

describe('truncateText', () => {
  it('returns text that fits unchanged', () => {
    expect(truncateText('Tracked in INC0010001', 512)).toBe('Tracked in INC0010001');
    expect(truncateText('z'.repeat(512), 512)).toBe('z'.repeat(512));
  });

  it('cuts ASCII to the limit with an ellipsis', () => {
    const cut = truncateText('z'.repeat(600), 512);
    expect(cut).toHaveLength(512);
    expect(cut).toBe(`${'z'.repeat(511)}…`);
  });

  it('never splits a surrogate pair', () => {
    // Every emoji is two code units, so half of the possible cut points fall inside a pair.
    for (let limit = 2; limit <= 40; limit += 1) {
      const cut = truncateText('🔥'.repeat(30), limit);
      expect(hasLoneSurrogate(cut), `limit ${limit}: ${JSON.stringify(cut)}`).toBe(false);
      expect(cut.length).toBeLessThanOrEqual(limit);
    }
  });

  it('keeps an emoji with its skin-tone modifier', () => {
    // 👍🏽 is two code points and four code units; a code-point cut after 👍 would drop the tone.
    const cut = truncateText(`abc👍🏽def`, 7);
    expect(cut).toBe('abc…');
  });

  it('keeps a letter with its combining accent', () => {
    const cut = truncateText('cafe\u0301 ok', 5);
    expect(cut).toBe('caf…');
  });

  it('falls back to code points for an oversized grapheme', () => {
    // One base letter with many combining marks is a single grapheme longer than the limit.
    const cut = truncateText(`a${'\u0301'.repeat(20)}`, 5);
    expect(cut).toBe(`a${'\u0301'.repeat(3)}…`);
  });

  it('rejects a limit too small for the ellipsis', () => {
    expect(() => truncateText('abc', 0)).toThrow(/maxLength must be an integer of at least 1, got 0/);
  });
});
