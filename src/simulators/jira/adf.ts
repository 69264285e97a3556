/**
 * Atlassian Document Format (ADF): the JSON documents that Jira Cloud REST v3 takes and returns for
 * rich text (description, environment, multi-line custom fields, comment bodies). The simulator
 * checks documents against the published ADF JSON schema and converts between ADF and the plain
 * strings of REST v2.
 */


import type AjvDraft04 from 'ajv-draft-04';
import type { ValidateFunction } from 'ajv-draft-04';
import type { Logger } from 'pino';

/** An ADF node, loosely typed: the schema check decides what is valid. */
export interface AdfNode {
  type: string;
  version?: number;
  text?: string;
  attrs?: Record<string, unknown>;
  content?: AdfNode[];
  marks?: Array<{ type: string; attrs?: Record<string, unknown> }>;
}

/** The outcome of checking a value against the ADF schema. */
export type AdfCheck = { valid: true } | { valid: false; reason: string };

/** Checks values against the ADF schema. */
export type AdfValidator = (value: unknown) => AdfCheck;

/** The ADF schema of `@atlaskit/adf-schema`, a JSON Schema draft-04 document. */

let schemaValidator: ValidateFunction | undefined;
let fallbackWarned = false;

/**
 * Return a validator for ADF documents. It compiles the schema of `@atlaskit/adf-schema` with
 * `ajv-draft-04` once per process, which takes a few hundred milliseconds. Both packages are
 * development dependencies. Where they are not installed, such as in a production image, the
 * validator checks structure only (a `doc` of version 1 whose nodes have a type and whose text
 * nodes are not empty) and logs a warning once.
 */
export function adfValidator(logger: Logger): AdfValidator {
  const validate = loadSchemaValidator();

  if (validate === undefined) {
    if (!fallbackWarned) {
      fallbackWarned = true;
      logger.warn(
        { packages: ['@atlaskit/adf-schema', 'ajv-draft-04'] },
        'Jira simulator checks ADF documents by structure only, because the ADF schema packages are not installed',
      );
    }
    return checkAdfStructure;
  }

  return (value) => {
    if (validate(value)) {
      return { valid: true };
    }
    const [first] = validate.errors ?? [];
    return { valid: false, reason: first === undefined ? 'invalid' : `${first.instancePath || '/'} ${first.message ?? ''}`.trim() };
  };
}

function loadSchemaValidator(): ValidateFunction | undefined {
  return schemaValidator;
}

/**
 * Compile the ADF JSON schema once, before the first simulator starts. The schema packages are
 * development dependencies, loaded with dynamic imports so that a production install without them
 * still runs (with the structure check only).
 */
export async function preloadAdfSchema(): Promise<void> {
  if (schemaValidator !== undefined) {
    return;
  }

  let Ajv: typeof AjvDraft04.default;
  let schema: Record<string, unknown>;
  try {
    // The package's module.exports is the Ajv class itself.
    Ajv = ((await import('ajv-draft-04')) as unknown as { default: typeof AjvDraft04.default }).default;
    schema = ((await import('@atlaskit/adf-schema/dist/json-schema/v1/full.json', { with: { type: 'json' } })) as { default: Record<string, unknown> }).default;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      return;
    }
    throw error;
  }

  // strict: false, because the schema uses keywords and formats that Ajv's strict mode rejects.
  const ajv = new Ajv({ strict: false, allErrors: false, validateFormats: false });
  schemaValidator = ajv.compile(schema);
}

/** Check a value by structure only, for when the schema packages are missing. */
function checkAdfStructure(value: unknown): AdfCheck {
  if (!isObject(value) || value.type !== 'doc' || value.version !== 1 || !Array.isArray(value.content)) {
    return { valid: false, reason: 'not a doc node of version 1 with a content array' };
  }

  const problems: string[] = [];
  const visit = (node: unknown, path: string): void => {
    if (!isObject(node) || typeof node.type !== 'string') {
      problems.push(`${path} is not a node with a type`);
      return;
    }
    if (node.type === 'text' && (typeof node.text !== 'string' || node.text === '')) {
      problems.push(`${path} is a text node without text`);
    }
    if (node.content !== undefined) {
      if (!Array.isArray(node.content)) {
        problems.push(`${path}/content is not an array`);
        return;
      }
      node.content.forEach((child, index) => visit(child, `${path}/content/${index}`));
    }
  };
  value.content.forEach((child, index) => visit(child, `/content/${index}`));

  return problems.length === 0 ? { valid: true } : { valid: false, reason: problems[0] ?? 'invalid' };
}

/**
 * Convert plain text to an ADF document the way a person's typing ends up: blank lines separate
 * paragraphs and single newlines become hard breaks. Empty text gives a document without content.
 */
export function textToAdf(text: string): AdfNode {
  const paragraphs = text
    .replace(/\r\n?/g, '\n')
    .split(/\n{2,}/)
    .filter((paragraph) => paragraph !== '');

  return {
    type: 'doc',
    version: 1,
    content: paragraphs.map((paragraph) => {
      const content: AdfNode[] = [];
      paragraph.split('\n').forEach((line, index) => {
        if (index > 0) {
          content.push({ type: 'hardBreak' });
        }
        if (line !== '') {
          content.push({ type: 'text', text: line });
        }
      });
      return { type: 'paragraph', content };
    }),
  };
}

const LIST_TYPES = new Set(['bulletList', 'orderedList', 'taskList', 'decisionList']);

/**
 * Convert an ADF document to plain text: block nodes are separated by a blank line, list items by
 * a newline, hard breaks become newlines, and inline nodes (mentions, emoji, cards) their text.
 *
 * NOTE: REST v2 on a real Cloud site returns rich text converted to wiki markup (`*bold*`, `{code}`);
 * the simulator returns the plain text without marks.
 */
export function adfToText(node: unknown): string {
  if (!isObject(node)) {
    return '';
  }

  switch (node.type) {
    case 'text':
      return typeof node.text === 'string' ? node.text : '';
    case 'hardBreak':
      return '\n';
    case 'mention':
    case 'emoji':
    case 'status':
      return isObject(node.attrs) ? String(node.attrs.text ?? node.attrs.shortName ?? '') : '';
    case 'inlineCard':
    case 'blockCard':
      return isObject(node.attrs) ? String(node.attrs.url ?? '') : '';
  }

  const children = Array.isArray(node.content) ? node.content : [];
  const hasBlockChildren = children.some((child) => isObject(child) && isBlockNode(child.type));
  if (!hasBlockChildren) {
    return children.map((child) => adfToText(child)).join('');
  }

  const separator = LIST_TYPES.has(String(node.type)) ? '\n' : '\n\n';
  return children.map((child) => adfToText(child)).join(separator);
}

function isBlockNode(type: unknown): boolean {
  return typeof type === 'string' && !['text', 'hardBreak', 'mention', 'emoji', 'status', 'inlineCard', 'date', 'placeholder'].includes(type);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
