import { describe, expect, it } from 'vitest';

import { normalizeText, readText, renderText } from '../../../src/targets/jira/document.js';
import { JiraFieldLimitError } from '../../../src/targets/jira/errors.js';
import {
  LABEL_MAX_LENGTH,
  limitRenderedText,
  limitSummary,
  SUMMARY_MAX_LENGTH,
  TEXT_FIELD_MAX_LENGTH,
  toLabel,
} from '../../../src/targets/jira/field-limits.js';

const RECORD = 'Security Hub finding arn:aws:securityhub:us-east-1:111122223333:security-control/S3.8/finding/d9f5fc82';
const POINTER = `… [cut by itsm-sync; the full text is on ${RECORD}]`;

function renderedLength(text: string, deployment: 'cloud' | 'datacenter'): number {
  const rendered = renderText(text, deployment);
  return typeof rendered === 'string' ? rendered.length : JSON.stringify(rendered).length;
}

function hasLoneSurrogate(text: string): boolean {
  return /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(text);
}

describe('limitRenderedText', () => {
  it('returns text that fits unchanged apart from normalizing', () => {
    const text = 'Short description\r\n\r\n\r\nwith a paragraph.';

    expect(limitRenderedText(text, 'cloud', TEXT_FIELD_MAX_LENGTH, RECORD)).toBe(normalizeText(text));
  });

  it('cuts until the rendered value fits, for both deployments', () => {
    const paragraphs = Array.from({ length: 3000 }, (_, index) => `Line ${index} with *markup* and https://example.com/${index}`).join('\n\n');

    for (const deployment of ['cloud', 'datacenter'] as const) {
      const limited = limitRenderedText(paragraphs, deployment, TEXT_FIELD_MAX_LENGTH, RECORD);
      const length = renderedLength(limited, deployment);

      expect(length, deployment).toBeLessThanOrEqual(TEXT_FIELD_MAX_LENGTH);
      // The cut keeps as much as fits: one more grapheme would not fit (URLs and escapes make
      // single characters cost more, so allow the length of one rendered line).
      expect(length, deployment).toBeGreaterThan(TEXT_FIELD_MAX_LENGTH - 200);
      expect(limited.endsWith(POINTER), deployment).toBe(true);
      expect(readText(renderText(limited, deployment)).startsWith('Line 0 with *markup*'), deployment).toBe(true);
    }
  });

  it('counts the JSON of the ADF document, not the text', () => {
    // Each quote costs two characters in JSON, so the text alone would fit but the document not.
    const quotes = '"'.repeat(20_000);

    const limited = limitRenderedText(quotes, 'cloud', TEXT_FIELD_MAX_LENGTH, RECORD);

    expect(quotes.length).toBeLessThan(TEXT_FIELD_MAX_LENGTH);
    expect(limited.endsWith(POINTER)).toBe(true);
    expect(JSON.stringify(renderText(limited, 'cloud')).length).toBeLessThanOrEqual(TEXT_FIELD_MAX_LENGTH);
  });

  it('counts the escapes of wiki markup', () => {
    const stars = '*'.repeat(20_000);

    const limited = limitRenderedText(stars, 'datacenter', TEXT_FIELD_MAX_LENGTH, RECORD);

    expect(limited.endsWith(POINTER)).toBe(true);
    expect(renderText(limited, 'datacenter').length).toBeLessThanOrEqual(TEXT_FIELD_MAX_LENGTH);
    expect(renderText(limited, 'datacenter').length).toBeGreaterThan(TEXT_FIELD_MAX_LENGTH - 2);
  });

  it('never splits a surrogate pair or an emoji sequence', () => {
    const emoji = '👩🏽‍💻🚨'.repeat(5_000);

    for (const maxLength of [1_000, 1_001, 1_002, 1_003, 1_004]) {
      const limited = limitRenderedText(emoji, 'datacenter', maxLength, RECORD);
      const kept = limited.slice(0, -POINTER.length);

      expect(hasLoneSurrogate(limited), String(maxLength)).toBe(false);
      expect(kept.replaceAll('👩🏽‍💻🚨', '').replaceAll('👩🏽‍💻', ''), String(maxLength)).toBe('');
      expect(renderText(limited, 'datacenter').length).toBeLessThanOrEqual(maxLength);
    }
  });

  it('rejects a limit that cannot hold the pointer', () => {
    expect(() => limitRenderedText('x'.repeat(500), 'cloud', 100, RECORD)).toThrow(JiraFieldLimitError);
    expect(() => limitRenderedText('x', 'cloud', 0, RECORD)).toThrow(RangeError);
  });

  it('strips control characters before measuring', () => {
    const limited = limitRenderedText('a\u0000b\u0007c', 'cloud', TEXT_FIELD_MAX_LENGTH, RECORD);

    expect(limited).toBe('abc');
  });
});

describe('limitSummary', () => {
  it('folds the text into one line', () => {
    expect(limitSummary('  [AWS Security Hub] HIGH:\nS3 bucket\r\n\tis public \u0007 ')).toBe('[AWS Security Hub] HIGH: S3 bucket is public');
  });

  it('cuts to 255 characters with an ellipsis', () => {
    const summary = limitSummary(`${'x'.repeat(254)}🚨🚨`);

    expect(summary.length).toBeLessThanOrEqual(SUMMARY_MAX_LENGTH);
    expect(summary.endsWith('…')).toBe(true);
    expect(hasLoneSurrogate(summary)).toBe(false);
  });

  it('keeps a summary of exactly 255 characters', () => {
    expect(limitSummary('y'.repeat(255))).toBe('y'.repeat(255));
  });
});

describe('toLabel', () => {
  it('replaces whitespace with underscores', () => {
    expect(toLabel('aws security hub')).toBe('aws_security_hub');
    expect(toLabel(' a \t b\nc ')).toBe('a_b_c');
  });

  it('cuts to 255 characters without splitting a character', () => {
    const label = toLabel(`${'l'.repeat(254)}🚨`);

    expect(label).toBe('l'.repeat(254));
    expect(toLabel('m'.repeat(300))).toHaveLength(LABEL_MAX_LENGTH);
  });

  it('returns an empty label for invisible text', () => {
    expect(toLabel(' \u0007\n')).toBe('');
  });
});
