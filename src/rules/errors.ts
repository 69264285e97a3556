import { truncateText } from '../core/text.js';

/**
 * One problem found in a mapping file, with the place an editor can jump to.
 * `line` and `column` are 1-based; both are 0 when the problem concerns a whole file or folder.
 */
export interface MappingIssue {
  /** Path of the mapping file, or of the mappings folder for folder-level problems. */
  file: string;
  line: number;
  column: number;
  /** Dotted path of the offending key in the mapping, such as `fields.urgency.map`; empty for the whole file. */
  path: string;
  message: string;
}

/**
 * Formats issues one per line as `file:line:column: path: message`, the shape compilers use so that
 * editors and CI logs turn each line into a link.
 */
export function formatIssues(issues: readonly MappingIssue[]): string {
  return issues.map(formatIssue).join('\n');
}

function formatIssue(issue: MappingIssue): string {
  const place = issue.line > 0 ? `${issue.file}:${issue.line}:${issue.column}` : issue.file;
  const path = issue.path === '' ? '' : ` ${issue.path}:`;
  return `${place}:${path} ${issue.message}`;
}

/**
 * Thrown by `loadRules` when any mapping file is invalid. No rule is loaded in that case, so the
 * daemon never runs with part of its rule set.
 */
export class MappingValidationError extends Error {
  readonly issues: readonly MappingIssue[];

  constructor(issues: readonly MappingIssue[]) {
    const count = issues.length === 1 ? '1 problem' : `${issues.length} problems`;
    super(`Invalid mappings (${count}):\n${formatIssues(issues)}`);
    this.name = 'MappingValidationError';
    this.issues = issues;
  }
}

/**
 * A JSONata expression that failed to evaluate, ran too long or nested too deep.
 * `where` names the rule and the key of the expression, so the message leads to the line to fix.
 */
export class ExpressionError extends Error {
  /** The rule and key the expression belongs to, such as `rule 'x', fields.urgency.value`. */
  readonly where: string;
  /** The expression text as written in the mapping. */
  readonly expression: string;
  /** JSONata error code (for example `T2002`, or `D1012` for the time limit), when JSONata gave one. */
  readonly code: string | undefined;

  constructor(where: string, expression: string, reason: string, code?: string, options?: ErrorOptions) {
    super(`Expression in ${where} failed: ${reason}. Expression: ${oneLine(expression)}`, options);
    this.name = 'ExpressionError';
    this.where = where;
    this.expression = expression;
    this.code = code;
  }
}

/**
 * A JSONata expression that does not compile, or that names a variable, function or record field
 * that does not exist. `offset` is the 0-based character inside the expression where the problem
 * is, so the loader can point at the exact line and column.
 */
export class InvalidExpressionError extends Error {
  readonly where: string;
  readonly expression: string;
  readonly offset: number;
  /** The reason without location, for issue lists that print the location separately. */
  readonly reason: string;

  constructor(where: string, expression: string, reason: string, offset: number) {
    super(`Invalid JSONata in ${where}: ${reason}. Expression: ${oneLine(expression)}`);
    this.name = 'InvalidExpressionError';
    this.where = where;
    this.expression = expression;
    this.reason = reason;
    this.offset = offset;
  }
}

/** Shortens an expression to one line of at most 200 characters, for error messages. */
export function oneLine(expression: string): string {
  return truncateText(expression.replace(/\s+/g, ' ').trim(), 200);
}
