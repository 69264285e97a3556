/**
 * Rich text for Jira. Plain text from the connector is rendered as an Atlassian Document Format
 * (ADF) document for Jira Cloud (REST v3) or as wiki markup for Jira Data Center (REST v2). The text
 * that people type in Jira is read back as plain text.
 *
 * Rendering and reading are inverse for every text the connector writes:
 * `readText(renderText(text, deployment)) === normalizeText(text)`.
 */

import type { JiraDeployment } from './auth.js';

/** One node of an ADF document. */
export interface AdfNode {
  type: string;
  attrs?: Record<string, unknown>;
  content?: AdfNode[];
  text?: string;
  marks?: Array<{ type: string; attrs?: Record<string, unknown> }>;
}

/** An ADF document, the value of rich-text fields and comment bodies on Jira Cloud. */
export interface AdfDocument {
  type: 'doc';
  version: 1;
  content: AdfNode[];
}

/** The result of `renderText`: an ADF document (Cloud) or a wiki markup string (Data Center). */
export type RenderedText = AdfDocument | string;

// C0 and C1 control characters except tab (\u0009) and line feed (\u000a). Carriage returns are
// turned into line feeds before this runs.
const CONTROL_CHARACTERS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/**
 * Bare URLs: http(s), then characters up to whitespace or a character that wiki markup gives a
 * meaning (`{}[]|!^\`), so that a URL never swallows markup. Trailing punctuation is cut off later.
 */
const URL_PATTERN = /https?:\/\/[^\s<>"{}[\]|\\^`!\u0000\u0001]+/g;
const TRAILING_URL_PUNCTUATION = /[.,;:?'")*_~+-]$/;

/**
 * Characters that Jira's wiki renderer reads as markup and lets a backslash escape (the set of
 * Jira's BackslashEscapeRendererComponent). A backslash before any other character stays a
 * backslash, and two backslashes are a line break.
 */
const WIKI_ESCAPABLE = new Set(['-', '#', '*', '_', '+', '?', '^', '~', '|', '%', '{', '}', '[', ']', '(', ')', '!', '@']);
const WIKI_ESCAPE_OR_ENTITY = /\\([-#*_+?^~|%{}[\]()!@])|&(#\d{1,7}|#x[0-9a-fA-F]{1,6}|amp|lt|gt|quot|apos|nbsp);/g;
const ENTITY_LIKE = /^&(#\d+|#x[0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);/;
/** A line that wiki markup would turn into a heading or a block quote. */
const WIKI_BLOCK_PREFIX = /^(\s*)(h[1-6]|bq)\./;

const NAMED_ENTITIES: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };

/**
 * Remove control characters except tab and line feed. Jira rejects some of them and renders none.
 *
 * @example
 * ```ts
 * stripControlCharacters('bell\u0007 and\ttab\n'); // 'bell and\ttab\n'
 * ```
 */
export function stripControlCharacters(text: string): string {
  return text.replace(CONTROL_CHARACTERS, '');
}

/**
 * Bring text into the form that rendering keeps. Line breaks become `\n`, control characters other
 * than tab are removed, and whitespace-only lines become empty. At most one empty line in a row is
 * kept (a paragraph break), and none at the start or end.
 */
export function normalizeText(text: string): string {
  const lines = stripControlCharacters(text.replace(/\r\n?/g, '\n'))
    .split('\n')
    .map((line) => (line.trim() === '' ? '' : line));

  const kept: string[] = [];
  for (const line of lines) {
    const previous = kept.at(-1);
    if (line === '' && (previous === undefined || previous === '')) {
      continue;
    }
    kept.push(line);
  }

  if (kept.at(-1) === '') {
    kept.pop();
  }

  return kept.join('\n');
}

/**
 * Render plain text as the value of a Jira rich-text field or comment body.
 *
 * Cloud gets an ADF document: one paragraph per block of lines separated by an empty line, a
 * `hardBreak` for each single line break, and a `link` mark on each bare http(s) URL. Empty text
 * gives a document without content. Data Center gets wiki markup with every markup character
 * escaped, so the text shows as typed.
 *
 * @example
 * ```ts
 * renderText('S3 bucket is public\nSee https://console.aws.amazon.com', 'cloud');
 * // { type: 'doc', version: 1, content: [{ type: 'paragraph', content: [text, hardBreak, text, link text] }] }
 * renderText('*not bold*', 'datacenter'); // '\\*not bold\\*'
 * ```
 */
export function renderText(text: string, deployment: 'cloud'): AdfDocument;
export function renderText(text: string, deployment: 'datacenter'): string;
export function renderText(text: string, deployment: JiraDeployment): RenderedText;
export function renderText(text: string, deployment: JiraDeployment): RenderedText {
  return deployment === 'cloud' ? renderAdf(text) : renderWiki(text);
}

/** Render plain text as an ADF document (see renderText). */
export function renderAdf(text: string): AdfDocument {
  const normalized = normalizeText(text);
  if (normalized === '') {
    return { type: 'doc', version: 1, content: [] };
  }

  const paragraphs = normalized.split('\n\n').map((paragraph): AdfNode => {
    const content: AdfNode[] = [];

    paragraph.split('\n').forEach((line, index) => {
      if (index > 0) {
        content.push({ type: 'hardBreak' });
      }
      for (const part of splitUrls(line)) {
        content.push(part.url ? { type: 'text', text: part.text, marks: [{ type: 'link', attrs: { href: part.text } }] } : { type: 'text', text: part.text });
      }
    });

    return { type: 'paragraph', content };
  });

  return { type: 'doc', version: 1, content: paragraphs };
}

/**
 * Render plain text as Jira wiki markup (see renderText).
 *
 * Markup characters get a backslash. A literal backslash that would form an escape or a line
 * break becomes `&#92;`, and an `&` that would start an entity becomes `&amp;`. Bare URLs are left
 * as they are, because the renderer links them before it reads markup and an escape would break
 * the link.
 *
 * NOTE: the wiki renderer was not available to check this against; the escape set follows Jira's
 * renderer source as published in Atlassian's own wiki markup transformer.
 */
export function renderWiki(text: string): string {
  const normalized = normalizeText(text);

  return normalized
    .split('\n')
    .map((line) => {
      const escaped = splitUrls(line)
        .map((part) => (part.url ? part.text : escapeWiki(part.text)))
        .join('');
      // "h1. " and "bq. " at the start of a line make a heading or a quote; an entity for the
      // first letter keeps the line as text.
      return escaped.replace(WIKI_BLOCK_PREFIX, (_match, indent: string, marker: string) => `${indent}&#${marker.charCodeAt(0)};${marker.slice(1)}.`);
    })
    .join('\n');
}

/**
 * Read a rich-text value as plain text: an ADF document (Cloud), or a wiki markup string (Data
 * Center, and JSM comment bodies). Empty for null and undefined.
 *
 * ADF becomes paragraphs separated by an empty line, list items as `- ` or `1. ` lines, code
 * blocks as they are, mentions as `@Name`, emoji as the emoji, links as `text (url)` when the text
 * differs from the URL. Wiki markup loses its formatting characters, and its escapes are undone.
 *
 * @example
 * ```ts
 * readText(renderText('Line one\nLine two', 'cloud')); // 'Line one\nLine two'
 * readText('h3. Finding\n*S3.8* failed, see [console|https://console.aws.amazon.com]');
 * // 'Finding\nS3.8 failed, see console (https://console.aws.amazon.com)'
 * ```
 */
export function readText(value: unknown): string {
  if (value === null || value === undefined) {
    return '';
  }

  if (typeof value === 'string') {
    return normalizeText(readWiki(value));
  }

  if (typeof value === 'number' || typeof value === 'boolean') {
    return String(value);
  }

  if (isAdfNode(value)) {
    return normalizeText(value.type === 'doc' ? readBlocks(value.content ?? [], '\n\n', 0) : readBlock(value, 0));
  }

  return '';
}

/** Check whether a value is an ADF document (`{type: 'doc', version: 1, content: [...]}`). */
export function isAdfDocument(value: unknown): value is AdfDocument {
  return isAdfNode(value) && value.type === 'doc' && Array.isArray(value.content);
}

/** One piece of a line: plain text, or a bare URL. */
interface LinePart {
  text: string;
  url: boolean;
}

/** Split a line into plain text and bare URLs, with trailing punctuation kept out of each URL. */
function splitUrls(line: string): LinePart[] {
  const parts: LinePart[] = [];
  let position = 0;

  for (const match of line.matchAll(URL_PATTERN)) {
    const url = trimUrl(match[0]);
    // A scheme with nothing after it ("https://." at the end of a sentence) is not a link.
    if (!/^https?:\/\/[^/?#]/.test(url)) {
      continue;
    }

    if (match.index > position) {
      parts.push({ text: line.slice(position, match.index), url: false });
    }
    parts.push({ text: url, url: true });
    position = match.index + url.length;
  }

  if (position < line.length) {
    parts.push({ text: line.slice(position), url: false });
  }

  return parts;
}

/** Cut sentence punctuation off the end of a URL; a closing parenthesis stays when it has a partner. */
function trimUrl(candidate: string): string {
  let url = candidate;

  while (TRAILING_URL_PUNCTUATION.test(url)) {
    if (url.endsWith(')') && count(url, '(') >= count(url, ')')) {
      break;
    }
    url = url.slice(0, -1);
  }

  return url;
}

function count(text: string, character: string): number {
  return text.split(character).length - 1;
}

function escapeWiki(text: string): string {
  let escaped = '';

  for (let index = 0; index < text.length; index += 1) {
    const character = text.charAt(index);
    const next = text.charAt(index + 1);

    if (WIKI_ESCAPABLE.has(character)) {
      escaped += `\\${character}`;
    } else if (character === '\\') {
      // Before another backslash or a markup character, a bare backslash would become a line
      // break or an escape.
      escaped += next === '\\' || WIKI_ESCAPABLE.has(next) ? '&#92;' : '\\';
    } else if (character === '&' && ENTITY_LIKE.test(text.slice(index))) {
      escaped += '&amp;';
    } else {
      escaped += character;
    }
  }

  return escaped;
}

/**
 * Read wiki markup as plain text: undo escapes and entities, drop formatting, turn links into
 * `text (url)` and list markers into `- `.
 */
function readWiki(markup: string): string {
  // Escapes, entities and bare URLs are set aside first, so that no formatting rule touches them.
  // The placeholders use control characters, which the input cannot contain once they are stripped.
  const protectedParts: string[] = [];
  const protect = (text: string): string => {
    protectedParts.push(text);
    return `\u0000${protectedParts.length - 1}\u0001`;
  };

  let text = stripControlCharacters(markup.replace(/\r\n?/g, '\n'));
  text = text.replace(WIKI_ESCAPE_OR_ENTITY, (_match, escaped: string | undefined, entity: string | undefined) =>
    protect(escaped ?? decodeEntity(entity ?? '')),
  );
  text = text.replace(/\[([^\]|\n]*)\|([^\]\n]+)\]/g, (_match, label: string, target: string) =>
    label.trim() === '' || label.trim() === target.trim() ? protect(target.trim()) : `${label} (${protect(target.trim())})`,
  );
  text = text.replace(/\[~([^\]\n]+)\]/g, '@$1').replace(/\[\^?([^\]\n]+)\]/g, (_match, target: string) => protect(target));
  text = text.replace(URL_PATTERN, (url) => protect(url));

  text = readWikiLines(text)
    .replace(/\\\\/g, '\n')
    .replace(/\{(code|noformat|quote|panel|color|anchor)(:[^}\n]*)?\}/g, '')
    .replace(/\{\{(.+?)\}\}/g, '$1')
    .replace(/\?\?(.+?)\?\?/g, '$1')
    .replace(/!([^\s!|]+)(\|[^!\n]*)?!/g, '$1');

  for (const marker of ['*', '_', '+', '-', '^', '~']) {
    text = text.replace(emphasisPattern(marker), '$1$2');
  }

  return text.replace(/\u0000(\d+)\u0001/g, (_match, index: string) => protectedParts[Number(index)] ?? '');
}

/** Drop line-start markup: headings, quotes, table bars, and list markers (kept as `- ` and `1. `). */
function readWikiLines(text: string): string {
  let number = 0;

  return text
    .split('\n')
    .map((line) => {
      const heading = /^\s*(h[1-6]|bq)\.\s+/.exec(line);
      if (heading) {
        number = 0;
        return line.slice(heading[0].length);
      }

      const list = /^\s*([*#-]+)\s+/.exec(line);
      if (list?.[1] && !/^-{4,}$/.test(line.trim())) {
        const markers = list[1];
        const indent = '  '.repeat(markers.length - 1);
        const rest = line.slice(list[0].length);
        if (markers.endsWith('#')) {
          number += 1;
          return `${indent}${number}. ${rest}`;
        }
        return `${indent}- ${rest}`;
      }

      number = 0;
      if (/^\s*\|/.test(line)) {
        return line
          .replace(/^\s*\|\|?/, '')
          .replace(/\|\|?\s*$/, '')
          .split(/\|\|?/)
          .map((cell) => cell.trim())
          .join(' | ');
      }

      return line;
    })
    .join('\n');
}

/** Wiki emphasis: a marker pair around text, not inside a word, such as `*bold*` or `-deleted-`. */
function emphasisPattern(marker: string): RegExp {
  // Unicode-mode patterns accept a backslash only before syntax characters, and `-` only in a class.
  const outside = marker.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');
  const inside = marker.replace(/[\\\]^-]/g, '\\$&');
  return new RegExp(
    `(^|[^\\p{L}\\p{N}${inside}])${outside}([^\\s${inside}](?:[^${inside}\\n]*?[^\\s${inside}])?)${outside}(?=$|[^\\p{L}\\p{N}${inside}])`,
    'gmu',
  );
}

function decodeEntity(entity: string): string {
  if (entity.startsWith('#x') || entity.startsWith('#X')) {
    return codePointText(Number.parseInt(entity.slice(2), 16));
  }
  if (entity.startsWith('#')) {
    return codePointText(Number.parseInt(entity.slice(1), 10));
  }
  return NAMED_ENTITIES[entity] ?? `&${entity};`;
}

function codePointText(codePoint: number): string {
  return Number.isInteger(codePoint) && codePoint > 0 && codePoint <= 0x10ffff ? String.fromCodePoint(codePoint) : '';
}

/** Read block nodes and join their texts, leaving out blocks without text. */
function readBlocks(nodes: readonly unknown[], separator: string, depth: number): string {
  return nodes
    .filter(isAdfNode)
    .map((node) => readBlock(node, depth))
    .filter((text) => text !== '')
    .join(separator);
}

function readBlock(node: AdfNode, depth: number): string {
  const content = node.content ?? [];

  switch (node.type) {
    case 'paragraph':
    case 'heading':
      return readInline(content);
    case 'codeBlock':
      return content.map((child) => (isAdfNode(child) && typeof child.text === 'string' ? child.text : '')).join('');
    case 'bulletList':
      return readListItems(content, depth, () => '- ');
    case 'orderedList': {
      const start = typeof node.attrs?.order === 'number' ? node.attrs.order : 1;
      return readListItems(content, depth, (index) => `${start + index}. `);
    }
    case 'taskList':
      return readListItems(content, depth, (_index, item) => (item.attrs?.state === 'DONE' ? '[x] ' : '[ ] '));
    case 'decisionList':
      return readListItems(content, depth, () => '- ');
    case 'taskItem':
    case 'decisionItem':
      return readInline(content);
    case 'rule':
      return '---';
    case 'table':
      return content
        .filter(isAdfNode)
        .map((row) => (row.content ?? []).filter(isAdfNode).map((cell) => readBlocks(cell.content ?? [], ' ', depth)).join(' | '))
        .join('\n');
    case 'expand':
    case 'nestedExpand': {
      const title = typeof node.attrs?.title === 'string' && node.attrs.title !== '' ? [node.attrs.title] : [];
      return [...title, readBlocks(content, '\n\n', depth)].filter((text) => text !== '').join('\n\n');
    }
    case 'blockCard':
    case 'embedCard':
      return typeof node.attrs?.url === 'string' ? node.attrs.url : '';
    case 'mediaSingle':
    case 'mediaGroup':
    case 'media':
    case 'extension':
      return '';
    default:
      // blockquote, panel, layouts, bodied extensions and node types added later: their content.
      if (typeof node.text === 'string') {
        return node.text;
      }
      return readBlocks(content, '\n\n', depth);
  }
}

function readListItems(items: readonly unknown[], depth: number, marker: (index: number, item: AdfNode) => string): string {
  const indent = '  '.repeat(depth);

  return items
    .filter(isAdfNode)
    .map((item, index) => {
      const blocks = (item.content ?? []).filter(isAdfNode);
      const own = blocks.filter((block) => !isList(block));
      const nested = blocks.filter(isList).map((list) => readBlock(list, depth + 1));
      const text = item.type === 'taskItem' || item.type === 'decisionItem' ? readInline(item.content ?? []) : readBlocks(own, '\n', depth);
      return [`${indent}${marker(index, item)}${text}`, ...nested.filter((line) => line !== '')].join('\n');
    })
    .join('\n');
}

function isList(node: AdfNode): boolean {
  return node.type === 'bulletList' || node.type === 'orderedList' || node.type === 'taskList' || node.type === 'decisionList';
}

function readInline(nodes: readonly unknown[]): string {
  return nodes
    .filter(isAdfNode)
    .map((node) => {
      const attrs = node.attrs ?? {};

      switch (node.type) {
        case 'text': {
          const text = node.text ?? '';
          const href = node.marks?.find((mark) => mark.type === 'link')?.attrs?.href;
          return typeof href === 'string' && href !== text ? `${text} (${href})` : text;
        }
        case 'hardBreak':
          return '\n';
        case 'mention': {
          const name = typeof attrs.text === 'string' && attrs.text !== '' ? attrs.text : String(attrs.id ?? '');
          return name.startsWith('@') ? name : `@${name}`;
        }
        case 'emoji':
          return typeof attrs.text === 'string' && attrs.text !== '' ? attrs.text : String(attrs.shortName ?? '');
        case 'inlineCard':
          return typeof attrs.url === 'string' ? attrs.url : '';
        case 'date':
          return readAdfDate(attrs.timestamp);
        case 'status':
          return typeof attrs.text === 'string' ? attrs.text : '';
        default:
          return typeof node.text === 'string' ? node.text : readInline(node.content ?? []);
      }
    })
    .join('');
}

/** Format an ADF date node, which contains milliseconds since the epoch as a string, as its UTC day. */
function readAdfDate(timestamp: unknown): string {
  const date = new Date(Number(timestamp));
  return Number.isNaN(date.getTime()) ? '' : date.toISOString().slice(0, 10);
}

function isAdfNode(value: unknown): value is AdfNode {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && typeof (value as { type?: unknown }).type === 'string';
}
