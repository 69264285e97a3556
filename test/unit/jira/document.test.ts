import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

import AjvDraft04 from 'ajv-draft-04';
import { describe, expect, it } from 'vitest';

import {
  type AdfDocument,
  isAdfDocument,
  normalizeText,
  readText,
  renderText,
  stripControlCharacters,
} from '../../../src/targets/jira/document.js';

// The ADF JSON schema of the @atlaskit/adf-schema devDependency, a draft-04 schema.
const require = createRequire(import.meta.url);
const adfSchema = JSON.parse(readFileSync(require.resolve('@atlaskit/adf-schema/dist/json-schema/v1/full.json'), 'utf8')) as object;
// ajv-draft-04 is CommonJS; under NodeNext its default import is the module object, whose `default` is the class.
const validateAdf = new AjvDraft04.default({ allErrors: true, strict: false }).compile(adfSchema);

function expectValidAdf(document: unknown, label: string): void {
  const valid = validateAdf(document);
  expect(valid, `${label}: ${JSON.stringify(validateAdf.errors?.slice(0, 3))}`).toBe(true);
}

const adfExamples = JSON.parse(readFileSync(new URL('../../fixtures/jira/platform/adf-examples.json', import.meta.url), 'utf8')) as Record<string, unknown>;
const commentPage = JSON.parse(readFileSync(new URL('../../fixtures/jira/platform/get-comments.http.json', import.meta.url), 'utf8')) as {
  response: { body: { comments: Array<{ body: unknown }> } };
};

const LONG_TEXT = Array.from({ length: 400 }, (_, index) => `Paragraph ${index}: resource arn:aws:s3:::bucket-${index} failed control S3.8.`).join('\n\n');

/** Texts the connector writes: finding descriptions, notes, remediation steps. */
const TEXTS: Record<string, string> = {
  empty: '',
  whitespace: ' \n\t\n ',
  single: 'S3 general purpose buckets should block public access',
  lines: 'Account: 111122223333\nRegion: us-east-1\nSeverity: HIGH',
  paragraphs: 'First paragraph.\n\nSecond paragraph\nwith a second line.\n\n\n\nThird after many blank lines.',
  urls: 'Remediation: https://docs.aws.amazon.com/securityhub/latest/userguide/s3-controls.html#s3-8.\nConsole (https://console.aws.amazon.com/securityhub/home?region=us-east-1#/findings) and http://example.com/a_(b)',
  urlOnly: 'https://console.aws.amazon.com/',
  controlCharacters: 'bell\u0007 null\u0000 escape\u001b delete\u007f and\ttab\r\nwindows line',
  markup: '*not bold* _not italic_ -not struck- {code} [link|http://x] !image.png! h1. not a heading ||a||b|| ^sup^ ~sub~ ??cite?? (y) :) @mention #tag 50% C:\\temp\\*x \\\\server\\share &amp; &#92;',
  leadingMarkup: 'h1. Heading-like line\nbq. quote-like line\n* bullet-like line\n# numbered-like line\n---- rule-like line\n| table | like |',
  unicode: 'Überprüfung — 日本語 ✓ 🚨👩🏽‍💻 <script>x</script>',
  indentation: '  indented line\n\tcode-like line\nend with spaces   ',
  long: LONG_TEXT,
};

describe('renderText for Cloud', () => {
  it('produces documents that the ADF schema accepts', () => {
    for (const [label, text] of Object.entries(TEXTS)) {
      expectValidAdf(renderText(text, 'cloud'), label);
    }
  });

  it('has a validator that rejects invalid documents', () => {
    expect(validateAdf(adfExamples.INVALID_empty_text_node)).toBe(false);
    expect(validateAdf(adfExamples.INVALID_plain_string_instead_of_doc)).toBe(false);
    expect(validateAdf({ type: 'doc', version: 1, content: [{ type: 'paragraph', content: [{ type: 'text', text: '' }] }] })).toBe(false);
  });

  it('renders empty text as a document without content', () => {
    expect(renderText('', 'cloud')).toEqual({ type: 'doc', version: 1, content: [] });
    expect(renderText('\n \n', 'cloud')).toEqual({ type: 'doc', version: 1, content: [] });
  });

  it('splits paragraphs on blank lines and lines with hard breaks', () => {
    const document = renderText('one\ntwo\n\nthree', 'cloud');

    expect(document.content).toEqual([
      { type: 'paragraph', content: [{ type: 'text', text: 'one' }, { type: 'hardBreak' }, { type: 'text', text: 'two' }] },
      { type: 'paragraph', content: [{ type: 'text', text: 'three' }] },
    ]);
  });

  it('links bare URLs without their trailing punctuation', () => {
    const document = renderText('See https://example.com/a_(b), or (https://example.com/c).', 'cloud');
    const nodes = document.content[0]?.content ?? [];

    expect(nodes).toEqual([
      { type: 'text', text: 'See ' },
      { type: 'text', text: 'https://example.com/a_(b)', marks: [{ type: 'link', attrs: { href: 'https://example.com/a_(b)' } }] },
      { type: 'text', text: ', or (' },
      { type: 'text', text: 'https://example.com/c', marks: [{ type: 'link', attrs: { href: 'https://example.com/c' } }] },
      { type: 'text', text: ').' },
    ]);
  });

  it('leaves a bare scheme unlinked', () => {
    const nodes = renderText('Use https:// or http://.', 'cloud').content[0]?.content ?? [];

    expect(nodes.every((node) => node.marks === undefined)).toBe(true);
  });

  it('drops control characters', () => {
    const text = JSON.stringify(renderText('a\u0000b\u001bc\u007fd\u0085e', 'cloud'));

    expect(text).toContain('"abcde"');
  });
});

describe('renderText for Data Center', () => {
  it('escapes wiki markup characters', () => {
    expect(renderText('*bold* _it_ {code} [x|y] a|b !img! 100%', 'datacenter')).toBe('\\*bold\\* \\_it\\_ \\{code\\} \\[x\\|y\\] a\\|b \\!img\\! 100\\%');
  });

  it('writes a backslash before markup as an entity', () => {
    expect(renderText('C:\\temp\\*', 'datacenter')).toBe('C:\\temp&#92;\\*');
    expect(renderText('\\\\server', 'datacenter')).toBe('&#92;\\server');
  });

  it('keeps heading and quote prefixes as text', () => {
    expect(renderText('h1. Title\n  bq. Quote', 'datacenter')).toBe('&#104;1. Title\n  &#98;q. Quote');
  });

  it('leaves URLs unescaped so they stay links', () => {
    expect(renderText('see https://example.com/a_b-c*d?e=f~g+h.', 'datacenter')).toBe('see https://example.com/a_b-c*d?e=f~g+h.');
  });

  it('writes an entity-like text so it shows as typed', () => {
    expect(renderText('&amp; & &copy;', 'datacenter')).toBe('&amp;amp; & &amp;copy;');
  });
});

describe('readText', () => {
  it('inverts renderText for every text the connector writes', () => {
    for (const deployment of ['cloud', 'datacenter'] as const) {
      for (const [label, text] of Object.entries(TEXTS)) {
        expect(readText(renderText(text, deployment)), `${deployment} ${label}`).toBe(normalizeText(text));
      }
    }
  });

  it('reads the rich corpus document as plain text', () => {
    expect(readText(adfExamples.rich)).toBe(
      [
        'AWS Security Hub finding',
        'Control S3.8 failed for bucket example-analytics-exports-111122223333.\nOpen in console (https://console.aws.amazon.com/securityhub/home?region=us-east-1#/findings)',
        '- Account: 111122223333\n- Severity: HIGH',
        '{\n  "BlockPublicAcls": false\n}',
        'Finding ID: arn:aws:securityhub:us-east-1:111122223333:security-control/S3.8/finding/d9f5fc82-ae37-5f1e-abd7-6e9c80df15b3',
      ].join('\n\n'),
    );
  });

  it('reads the other corpus examples', () => {
    expect(readText(adfExamples.minimal)).toBe('Hello');
    expect(readText(adfExamples.empty_document)).toBe('');
    expect(readText(adfExamples.unicode_and_metachars)).toBe('Überprüfung — 日本語 ✓ 🚨 <script>x</script> *not bold* {code} ^caret');
  });

  it('reads a mention in a corpus comment', () => {
    const body = commentPage.response.body.comments[1]?.body;

    expect(readText(body)).toBe('Owner notified. @AWS ITSM Sync (bot) please keep in sync ✓');
  });

  it('reads what people type in the Jira editor', () => {
    const typed: AdfDocument = {
      type: 'doc',
      version: 1,
      content: [
        { type: 'heading', attrs: { level: 2 }, content: [{ type: 'text', text: 'Remediation plan' }] },
        {
          type: 'paragraph',
          content: [
            { type: 'text', text: 'Thanks ' },
            { type: 'mention', attrs: { id: '5b10ac8d82e05b22cc7d4ef5', text: '@Avery Agent' } },
            { type: 'text', text: ' ' },
            { type: 'emoji', attrs: { shortName: ':thumbsup:', id: '1f44d', text: '👍' } },
            { type: 'text', text: ' see ' },
            { type: 'text', text: 'the runbook', marks: [{ type: 'link', attrs: { href: 'https://wiki.example.com/runbook' } }] },
            { type: 'text', text: ' and ' },
            { type: 'inlineCard', attrs: { url: 'https://jira.example.com/browse/SEC-1' } },
          ],
        },
        {
          type: 'orderedList',
          attrs: { order: 3 },
          content: [
            { type: 'listItem', content: [{ type: 'paragraph', content: [{ type: 'text', text: 'Block public access' }] }] },
            {
              type: 'listItem',
              content: [
                { type: 'paragraph', content: [{ type: 'text', text: 'Check the bucket policy' }] },
                { type: 'bulletList', content: [{ type: 'listItem', content: [{ type: 'paragraph', content: [{ type: 'text', text: 'no Principal "*"', marks: [{ type: 'code' }] }] }] }] },
              ],
            },
          ],
        },
        { type: 'codeBlock', attrs: { language: 'bash' }, content: [{ type: 'text', text: 'aws s3api put-public-access-block \\\n  --bucket example' }] },
        { type: 'rule' },
        { type: 'panel', attrs: { panelType: 'warning' }, content: [{ type: 'paragraph', content: [{ type: 'text', text: 'Production bucket' }] }] },
        { type: 'paragraph', content: [{ type: 'mention', attrs: { id: '712020:0f1e' } }] },
        { type: 'paragraph', content: [] },
        { type: 'mediaSingle', content: [{ type: 'media', attrs: { id: 'x', type: 'file', collection: 'y' } }] },
        {
          type: 'table',
          content: [
            { type: 'tableRow', content: [{ type: 'tableHeader', content: [{ type: 'paragraph', content: [{ type: 'text', text: 'Account' }] }] }, { type: 'tableHeader', content: [{ type: 'paragraph', content: [{ type: 'text', text: 'Region' }] }] }] },
            { type: 'tableRow', content: [{ type: 'tableCell', content: [{ type: 'paragraph', content: [{ type: 'text', text: '111122223333' }] }] }, { type: 'tableCell', content: [{ type: 'paragraph', content: [{ type: 'text', text: 'us-east-1' }] }] }] },
          ],
        },
      ],
    };

    expectValidAdf(typed, 'typed in the editor');
    expect(readText(typed)).toBe(
      [
        'Remediation plan',
        'Thanks @Avery Agent 👍 see the runbook (https://wiki.example.com/runbook) and https://jira.example.com/browse/SEC-1',
        '3. Block public access\n4. Check the bucket policy\n  - no Principal "*"',
        'aws s3api put-public-access-block \\\n  --bucket example',
        '---',
        'Production bucket',
        '@712020:0f1e',
        'Account | Region\n111122223333 | us-east-1',
      ].join('\n\n'),
    );
  });

  it('reads wiki markup that people type', () => {
    const wiki = [
      'h2. Remediation plan',
      'Thanks [~avery.agent], *block* _public_ access -now- and see [the runbook|https://wiki.example.com/runbook_v2] or https://example.com/a_b_c.',
      '* first',
      '** nested',
      '# one',
      '# two',
      '||Account||Region||',
      '|111122223333|us-east-1|',
      '{code:bash}aws s3 ls{code} {{monospace}} line\\\\break \\*escaped\\* &amp;',
    ].join('\n');

    expect(readText(wiki)).toBe(
      [
        'Remediation plan',
        'Thanks @avery.agent, block public access now and see the runbook (https://wiki.example.com/runbook_v2) or https://example.com/a_b_c.',
        '- first',
        '  - nested',
        '1. one',
        '2. two',
        'Account | Region',
        '111122223333 | us-east-1',
        'aws s3 ls monospace line',
        'break *escaped* &',
      ].join('\n'),
    );
  });

  it('reads empty values and other types', () => {
    expect(readText(null)).toBe('');
    expect(readText(undefined)).toBe('');
    expect(readText(42)).toBe('42');
    expect(readText({ unrelated: true })).toBe('');
  });
});

describe('text helpers', () => {
  it('strips control characters but keeps tab and line feed', () => {
    expect(stripControlCharacters('a\u0000b\u0008c\td\ne\u000bf\u001fg\u007fh\u009fi')).toBe('abc\td\nefghi');
  });

  it('normalizes line breaks and blank lines', () => {
    expect(normalizeText('\r\n\r\na\r\nb\r\rc \n \n\n')).toBe('a\nb\n\nc ');
  });

  it('tells ADF documents from other values', () => {
    expect(isAdfDocument(renderText('x', 'cloud'))).toBe(true);
    expect(isAdfDocument('x')).toBe(false);
    expect(isAdfDocument({ type: 'paragraph', content: [] })).toBe(false);
  });
});
