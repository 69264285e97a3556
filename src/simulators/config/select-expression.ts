/**
 * A small subset of the AWS Config advanced query language, enough for SelectResourceConfig and
 * SelectAggregateResourceConfig in tests:
 *
 *     SELECT resourceId, resourceName, configuration.instanceType, tags
 *     WHERE resourceType = 'AWS::EC2::Instance' AND tags.key = 'env'
 *
 * Conditions are `property = literal`, `property IN (literal, …)` and `property LIKE 'text%'`,
 * joined with AND. Literals are single-quoted strings, numbers, true and false. A property that
 * runs through an array (`relationships.resourceId`, `tags.value`) matches when any element
 * matches, as in AWS Config. OR, NOT, aggregate functions, GROUP BY and ORDER BY are rejected with
 * InvalidExpressionException, so a test never gets a wrong result.
 */
import { invalidExpression } from './api-error.js';
import type { SimulatedConfigurationItem } from './configuration-items.js';

/** A parsed query. */
export interface SelectQuery {
  /** Selected properties, as written (`configuration.instanceType`). */
  fields: string[];
  conditions: Condition[];
}

type Literal = string | number | boolean;

interface Condition {
  path: string;
  operator: '=' | 'IN' | 'LIKE';
  values: Literal[];
}

type Token = { kind: 'word'; text: string } | { kind: 'string'; text: string } | { kind: 'number'; value: number } | { kind: 'symbol'; text: string };

const UNSUPPORTED_KEYWORDS = new Set(['OR', 'NOT', 'GROUP', 'ORDER', 'BY', 'COUNT', 'SUM', 'MIN', 'MAX', 'AVG', 'BETWEEN', 'FROM', 'LIMIT', 'HAVING']);

/**
 * Parses an advanced query expression.
 *
 * @throws ConfigApiError InvalidExpressionException naming the part that is invalid or unsupported.
 */
export function parseSelectExpression(expression: string): SelectQuery {
  const tokens = tokenize(expression);
  let position = 0;
  const peek = (): Token | undefined => tokens[position];
  const next = (): Token | undefined => tokens[position++];
  const isKeyword = (token: Token | undefined, keyword: string): boolean => token?.kind === 'word' && token.text.toUpperCase() === keyword;

  if (!isKeyword(next(), 'SELECT')) {
    throw invalidExpression(`The expression must start with SELECT, got: ${expression}`);
  }

  const fields: string[] = [];
  do {
    fields.push(readProperty(next(), 'a property to select'));
  } while (peek()?.kind === 'symbol' && (peek() as { text: string }).text === ',' && next() !== undefined);

  const conditions: Condition[] = [];
  if (peek() !== undefined) {
    if (!isKeyword(next(), 'WHERE')) {
      throw invalidExpression(`Expected WHERE or the end of the expression after the selected properties in: ${expression}`);
    }
    do {
      conditions.push(readCondition());
    } while (isKeyword(peek(), 'AND') && next() !== undefined);
  }
  if (peek() !== undefined) {
    throw invalidExpression(`Unexpected ${describe(peek()!)} in: ${expression}`);
  }
  return { fields, conditions };

  function readCondition(): Condition {
    const path = readProperty(next(), 'a property in the WHERE clause');
    const operator = next();
    if (operator?.kind === 'symbol' && operator.text === '=') {
      return { path, operator: '=', values: [readLiteral(next())] };
    }
    if (isKeyword(operator, 'LIKE')) {
      const pattern = readLiteral(next());
      if (typeof pattern !== 'string') {
        throw invalidExpression(`LIKE needs a quoted text pattern, got ${String(pattern)}`);
      }
      return { path, operator: 'LIKE', values: [pattern] };
    }
    if (isKeyword(operator, 'IN')) {
      expectSymbol(next(), '(');
      const values = [readLiteral(next())];
      while (peek()?.kind === 'symbol' && (peek() as { text: string }).text === ',') {
        next();
        values.push(readLiteral(next()));
      }
      expectSymbol(next(), ')');
      return { path, operator: 'IN', values };
    }
    throw invalidExpression(`The simulator supports =, IN and LIKE after ${path}, got ${operator === undefined ? 'the end of the expression' : describe(operator)}`);
  }
}

/** Returns the rows of the query over `items` (already narrowed to the resources it may see), each as a JSON string. */
export function runSelectQuery(query: SelectQuery, items: readonly SimulatedConfigurationItem[]): string[] {
  return items
    .map(queryDocument)
    .filter((document) => query.conditions.every((condition) => matches(document, condition)))
    .map((document) => JSON.stringify(project(document, query.fields)));
}

/** The item as advanced queries see it: configuration as an object, times as ISO strings, tags as a list. */
function queryDocument(item: SimulatedConfigurationItem): Record<string, unknown> {
  return {
    version: item.version,
    accountId: item.accountId,
    configurationItemCaptureTime: item.configurationItemCaptureTime.toISOString(),
    configurationItemStatus: item.configurationItemStatus,
    configurationStateId: item.configurationStateId,
    arn: item.arn,
    resourceType: item.resourceType,
    resourceId: item.resourceId,
    resourceName: item.resourceName,
    awsRegion: item.awsRegion,
    availabilityZone: item.availabilityZone,
    resourceCreationTime: item.resourceCreationTime?.toISOString(),
    configuration: item.configuration ?? undefined,
    supplementaryConfiguration: item.supplementaryConfiguration,
    tags: Object.entries(item.tags).map(([key, value]) => ({ key, value, tag: `${key}=${value}` })),
    relationships: item.relationships,
  };
}

function matches(document: Record<string, unknown>, condition: Condition): boolean {
  const values = valuesAt(document, condition.path.split('.'));
  return values.some((value) => {
    if (condition.operator === 'LIKE') {
      return typeof value === 'string' && likePattern(condition.values[0] as string).test(value);
    }
    return condition.values.some((literal) => literal === value);
  });
}

/** Returns every value at `path`, following each element of the arrays on the way. */
function valuesAt(value: unknown, path: readonly string[]): unknown[] {
  if (Array.isArray(value)) {
    return value.flatMap((element) => valuesAt(element, path));
  }
  if (path.length === 0) {
    return value === undefined ? [] : [value];
  }
  if (typeof value !== 'object' || value === null) {
    return [];
  }
  return valuesAt((value as Record<string, unknown>)[path[0]!], path.slice(1));
}

/** Builds the row: the selected properties nested as in the item, leaving out those the item lacks. */
function project(document: Record<string, unknown>, fields: readonly string[]): Record<string, unknown> {
  const row: Record<string, unknown> = {};
  for (const field of fields) {
    const [first, ...rest] = field.split('.') as [string, ...string[]];
    const value = narrow(document[first], rest);
    if (value !== undefined) {
      row[first] = mergeValues(row[first], value);
    }
  }
  return row;
}

/** Returns `value` cut down to the property at `path`, keeping the nesting and mapping over arrays; undefined when absent. */
function narrow(value: unknown, path: readonly string[]): unknown {
  if (path.length === 0) {
    return value === undefined ? undefined : structuredClone(value);
  }
  if (Array.isArray(value)) {
    const elements = value.map((element) => narrow(element, path)).filter((element) => element !== undefined);
    return elements.length === 0 ? undefined : elements;
  }
  if (typeof value !== 'object' || value === null) {
    return undefined;
  }
  const child = narrow((value as Record<string, unknown>)[path[0]!], path.slice(1));
  return child === undefined ? undefined : { [path[0]!]: child };
}

/** Merges two selections of the same property, such as `tags.key` and `tags.value`. */
function mergeValues(existing: unknown, added: unknown): unknown {
  if (Array.isArray(existing) && Array.isArray(added) && existing.length === added.length) {
    return existing.map((element, index) => mergeValues(element, added[index]));
  }
  if (isPlainObject(existing) && isPlainObject(added)) {
    const merged: Record<string, unknown> = { ...existing };
    for (const [key, value] of Object.entries(added)) {
      merged[key] = key in merged ? mergeValues(merged[key], value) : value;
    }
    return merged;
  }
  return added;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function likePattern(pattern: string): RegExp {
  const escaped = pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/%/g, '.*').replace(/_/g, '.');
  return new RegExp(`^${escaped}$`, 's');
}

function tokenize(expression: string): Token[] {
  const tokens: Token[] = [];
  let index = 0;
  while (index < expression.length) {
    const char = expression[index]!;
    if (/\s/.test(char)) {
      index += 1;
    } else if (char === "'") {
      // A quote inside a string is written twice, as in SQL.
      let text = '';
      index += 1;
      for (;;) {
        if (index >= expression.length) {
          throw invalidExpression(`Unterminated string in: ${expression}`);
        }
        if (expression[index] === "'" && expression[index + 1] === "'") {
          text += "'";
          index += 2;
        } else if (expression[index] === "'") {
          index += 1;
          break;
        } else {
          text += expression[index];
          index += 1;
        }
      }
      tokens.push({ kind: 'string', text });
    } else if (/[-\d]/.test(char)) {
      const match = /^-?\d+(\.\d+)?/.exec(expression.slice(index));
      if (match === null) {
        throw invalidExpression(`Unexpected "${char}" at position ${index} in: ${expression}`);
      }
      tokens.push({ kind: 'number', value: Number(match[0]) });
      index += match[0].length;
    } else if (/[A-Za-z_]/.test(char)) {
      const match = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(expression.slice(index))!;
      tokens.push({ kind: 'word', text: match[0] });
      index += match[0].length;
    } else if ('=,()'.includes(char)) {
      tokens.push({ kind: 'symbol', text: char });
      index += 1;
    } else {
      throw invalidExpression(`The simulator does not support "${char}" (position ${index}) in: ${expression}`);
    }
  }
  return tokens;
}

function readProperty(token: Token | undefined, expected: string): string {
  if (token?.kind !== 'word') {
    throw invalidExpression(`Expected ${expected}, got ${token === undefined ? 'the end of the expression' : describe(token)}`);
  }
  const upper = token.text.toUpperCase();
  if (UNSUPPORTED_KEYWORDS.has(upper) || ['SELECT', 'WHERE', 'AND', 'IN', 'LIKE'].includes(upper)) {
    throw invalidExpression(`The simulator does not support ${upper} here; it takes SELECT properties WHERE conditions joined with AND.`);
  }
  if (token.text.endsWith('.') || token.text.includes('..')) {
    throw invalidExpression(`${token.text} is not a property path`);
  }
  return token.text;
}

function readLiteral(token: Token | undefined): Literal {
  if (token?.kind === 'string') return token.text;
  if (token?.kind === 'number') return token.value;
  if (token?.kind === 'word' && /^(true|false)$/i.test(token.text)) return token.text.toLowerCase() === 'true';
  throw invalidExpression(`Expected a quoted string, a number, true or false, got ${token === undefined ? 'the end of the expression' : describe(token)}`);
}

function expectSymbol(token: Token | undefined, symbol: string): void {
  if (token?.kind !== 'symbol' || token.text !== symbol) {
    throw invalidExpression(`Expected "${symbol}", got ${token === undefined ? 'the end of the expression' : describe(token)}`);
  }
}

function describe(token: Token): string {
  switch (token.kind) {
    case 'string':
      return `'${token.text}'`;
    case 'number':
      return String(token.value);
    default:
      return `"${token.text}"`;
  }
}

