/**
 * The part of the Assets Query Language (AQL) the simulator understands: conditions
 * `<attribute> <operator> <value>` joined with AND, OR and parentheses, and `order by`.
 *
 * Operators: `=` and `!=` (without regard to case), `==` (with), `<`, `>`, `<=`, `>=`, `like`
 * and `not like` (contains), `startswith`, `endswith`, `in (...)`, `not in (...)`, `is EMPTY` and
 * `is not EMPTY`. Keywords: objectType, objectTypeId, objectSchema, objectSchemaId, objectId.
 * Values are bare words or double-quoted strings in which a backslash escapes the next character.
 *
 * Anything else (functions, dot notation, `having`) raises AqlSyntaxError. The routes respond to it
 * with HTTP 400, as Assets does for a query it cannot parse.
 */

/** A query the simulator cannot parse or does not support. */
export class AqlSyntaxError extends Error {
  override name = 'AqlSyntaxError';
}

/** The properties and attribute values of one object that a query compares. */
export interface AqlSubject {
  id: number;
  objectTypeId: number;
  objectTypeName: string;
  objectSchemaId: number;
  objectSchemaName: string;
  /**
   * The values of an attribute of the object as AQL compares them, or undefined when the object's
   * type has no attribute of that name.
   */
  values(attribute: string): string[] | undefined;
}

type Operator = '=' | '==' | '!=' | '<' | '>' | '<=' | '>=' | 'like' | 'not like' | 'startswith' | 'endswith' | 'in' | 'not in' | 'is empty' | 'is not empty';

type Expression =
  | { kind: 'and' | 'or'; left: Expression; right: Expression }
  | { kind: 'condition'; attribute: string; operator: Operator; values: string[] };

/** A parsed query: a filter and an optional sort. */
export interface AqlQuery {
  /** Null for an empty query, which matches every object. */
  filter: Expression | null;
  orderBy?: { attribute: string; descending: boolean };
}

interface Token {
  kind: 'word' | 'string' | 'symbol';
  text: string;
  position: number;
}

const KEYWORDS = new Set(['objecttype', 'objecttypeid', 'objectschema', 'objectschemaid', 'objectid']);

/** Parse an AQL query; throws AqlSyntaxError with the position of the problem. */
export function parseAql(text: string): AqlQuery {
  const parser = new Parser(tokenize(text), text);
  return parser.parseQuery();
}

/** Return whether the subject matches the query's filter. */
export function matchesAql(query: AqlQuery, subject: AqlSubject): boolean {
  return query.filter === null || evaluate(query.filter, subject);
}

/**
 * Throw AqlSyntaxError for an attribute name that no object type has: Assets calls such a query
 * invalid. `knownAttribute` returns whether any object type of the workspace has the name.
 */
export function checkAttributes(query: AqlQuery, knownAttribute: (name: string) => boolean): void {
  const names: string[] = [];
  collectAttributes(query.filter, names);
  if (query.orderBy) names.push(query.orderBy.attribute);

  for (const name of names) {
    if (!KEYWORDS.has(name.toLowerCase()) && !knownAttribute(name)) {
      throw new AqlSyntaxError(`AQL: the attribute "${name}" does not exist in any object type.`);
    }
  }
}

/** Values to sort by: the first value of the attribute, numbers by value. */
export function compareForOrder(left: string | undefined, right: string | undefined): number {
  if (left === right) return 0;
  if (left === undefined) return 1;
  if (right === undefined) return -1;
  const leftNumber = Number(left);
  const rightNumber = Number(right);
  if (left !== '' && right !== '' && !Number.isNaN(leftNumber) && !Number.isNaN(rightNumber)) return leftNumber - rightNumber;
  return left.localeCompare(right);
}

function collectAttributes(expression: Expression | null, names: string[]): void {
  if (expression === null) return;
  if (expression.kind === 'condition') {
    names.push(expression.attribute);
    return;
  }
  collectAttributes(expression.left, names);
  collectAttributes(expression.right, names);
}

function evaluate(expression: Expression, subject: AqlSubject): boolean {
  if (expression.kind !== 'condition') {
    return expression.kind === 'and'
      ? evaluate(expression.left, subject) && evaluate(expression.right, subject)
      : evaluate(expression.left, subject) || evaluate(expression.right, subject);
  }

  const actual = keywordValues(expression.attribute, subject) ?? subject.values(expression.attribute);
  // An object whose type lacks the attribute matches no condition on it.
  if (actual === undefined) return false;
  return compare(expression.operator, actual, expression.values);
}

function keywordValues(attribute: string, subject: AqlSubject): string[] | undefined {
  switch (attribute.toLowerCase()) {
    case 'objecttype':
      return [subject.objectTypeName];
    case 'objecttypeid':
      return [String(subject.objectTypeId)];
    case 'objectschema':
      return [subject.objectSchemaName];
    case 'objectschemaid':
      return [String(subject.objectSchemaId)];
    case 'objectid':
      return [String(subject.id)];
    default:
      return undefined;
  }
}

function compare(operator: Operator, actual: string[], expected: string[]): boolean {
  const lower = (text: string) => text.toLowerCase();
  const wanted = expected[0] ?? '';

  switch (operator) {
    case '=':
      return actual.some((value) => lower(value) === lower(wanted));
    case '==':
      return actual.some((value) => value === wanted);
    case '!=':
      return !actual.some((value) => lower(value) === lower(wanted));
    case 'like':
      return actual.some((value) => lower(value).includes(lower(wanted)));
    case 'not like':
      return !actual.some((value) => lower(value).includes(lower(wanted)));
    case 'startswith':
      return actual.some((value) => lower(value).startsWith(lower(wanted)));
    case 'endswith':
      return actual.some((value) => lower(value).endsWith(lower(wanted)));
    case 'in':
      return actual.some((value) => expected.some((item) => lower(item) === lower(value)));
    case 'not in':
      return !actual.some((value) => expected.some((item) => lower(item) === lower(value)));
    case 'is empty':
      return actual.length === 0;
    case 'is not empty':
      return actual.length > 0;
    case '<':
      return actual.some((value) => compareForOrder(value, wanted) < 0);
    case '>':
      return actual.some((value) => compareForOrder(value, wanted) > 0);
    case '<=':
      return actual.some((value) => compareForOrder(value, wanted) <= 0);
    case '>=':
      return actual.some((value) => compareForOrder(value, wanted) >= 0);
  }
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let index = 0;

  while (index < text.length) {
    const character = text[index]!;

    if (/\s/.test(character)) {
      index += 1;
      continue;
    }

    if (character === '"' || character === "'") {
      const start = index;
      let value = '';
      index += 1;
      while (index < text.length && text[index] !== character) {
        // A backslash makes the next character literal: \" is a quote, \\ a backslash.
        if (text[index] === '\\') index += 1;
        if (index < text.length) value += text[index];
        index += 1;
      }
      if (index >= text.length) throw new AqlSyntaxError(`AQL: the string that starts at position ${start} has no closing quote.`);
      index += 1;
      tokens.push({ kind: 'string', text: value, position: start });
      continue;
    }

    const symbol = /^(==|!=|<=|>=|=|<|>|\(|\)|,)/.exec(text.slice(index));
    if (symbol !== null) {
      tokens.push({ kind: 'symbol', text: symbol[0], position: index });
      index += symbol[0].length;
      continue;
    }

    const word = /^[^\s"'=!<>(),]+/.exec(text.slice(index));
    if (word === null) throw new AqlSyntaxError(`AQL: unexpected character ${JSON.stringify(character)} at position ${index}.`);
    tokens.push({ kind: 'word', text: word[0], position: index });
    index += word[0].length;
  }

  return tokens;
}

class Parser {
  private index = 0;

  constructor(
    private readonly tokens: Token[],
    private readonly text: string,
  ) {}

  parseQuery(): AqlQuery {
    if (this.tokens.length === 0) return { filter: null };

    const filter = this.atWord('order') ? null : this.parseOr();
    let orderBy: AqlQuery['orderBy'];

    if (this.atWord('order')) {
      this.index += 1;
      this.expectWord('by');
      const attribute = this.expectOperand('an attribute to order by');
      let descending = false;
      if (this.atWord('asc') || this.atWord('desc')) {
        descending = this.next()!.text.toLowerCase() === 'desc';
      }
      orderBy = { attribute, descending };
    }

    const rest = this.peek();
    if (rest !== undefined) {
      throw new AqlSyntaxError(`AQL: unexpected ${JSON.stringify(rest.text)} at position ${rest.position} in ${JSON.stringify(this.text)}.`);
    }
    return { filter, orderBy };
  }

  private parseOr(): Expression {
    let left = this.parseAnd();
    while (this.atWord('or')) {
      this.index += 1;
      left = { kind: 'or', left, right: this.parseAnd() };
    }
    return left;
  }

  private parseAnd(): Expression {
    let left = this.parseTerm();
    while (this.atWord('and')) {
      this.index += 1;
      left = { kind: 'and', left, right: this.parseTerm() };
    }
    return left;
  }

  private parseTerm(): Expression {
    if (this.atSymbol('(')) {
      this.index += 1;
      const inner = this.parseOr();
      this.expectSymbol(')');
      return inner;
    }
    return this.parseCondition();
  }

  private parseCondition(): Expression {
    const attribute = this.expectOperand('an attribute name');
    if (attribute.includes('.') && this.tokens[this.index - 1]?.kind === 'word') {
      throw new AqlSyntaxError(`AQL: dot notation ("${attribute}") is not supported by this simulator.`);
    }

    const operator = this.parseOperator();
    if (operator === 'is empty' || operator === 'is not empty') {
      return { kind: 'condition', attribute, operator, values: [] };
    }
    if (operator === 'in' || operator === 'not in') {
      return { kind: 'condition', attribute, operator, values: this.parseList() };
    }

    const value = this.expectOperand(`a value after ${JSON.stringify(operator)}`);
    if (this.atSymbol('(')) {
      throw new AqlSyntaxError(`AQL: functions such as ${value}() are not supported by this simulator.`);
    }
    return { kind: 'condition', attribute, operator, values: [value] };
  }

  private parseOperator(): Operator {
    const token = this.next();
    if (token === undefined) throw new AqlSyntaxError(`AQL: the query ${JSON.stringify(this.text)} ends where an operator was expected.`);

    if (token.kind === 'symbol' && ['=', '==', '!=', '<', '>', '<=', '>='].includes(token.text)) {
      return token.text as Operator;
    }

    const word = token.kind === 'word' ? token.text.toLowerCase() : '';
    if (word === 'like' || word === 'startswith' || word === 'endswith' || word === 'in') return word;
    if (word === 'not') {
      const following = this.next();
      const second = following?.kind === 'word' ? following.text.toLowerCase() : '';
      if (second === 'like' || second === 'in') return `not ${second}`;
      if (second === 'having') throw new AqlSyntaxError('AQL: "not having" is not supported by this simulator.');
    }
    if (word === 'is') {
      const negated = this.atWord('not');
      if (negated) this.index += 1;
      this.expectWord('empty');
      return negated ? 'is not empty' : 'is empty';
    }
    if (word === 'having') throw new AqlSyntaxError('AQL: "having" is not supported by this simulator.');

    throw new AqlSyntaxError(`AQL: expected an operator at position ${token.position}, found ${JSON.stringify(token.text)}.`);
  }

  private parseList(): string[] {
    this.expectSymbol('(');
    const values = [this.expectOperand('a value in the list')];
    while (this.atSymbol(',')) {
      this.index += 1;
      values.push(this.expectOperand('a value in the list'));
    }
    this.expectSymbol(')');
    return values;
  }

  private expectOperand(what: string): string {
    const token = this.next();
    if (token === undefined) throw new AqlSyntaxError(`AQL: the query ${JSON.stringify(this.text)} ends where ${what} was expected.`);
    if (token.kind === 'symbol') throw new AqlSyntaxError(`AQL: expected ${what} at position ${token.position}, found ${JSON.stringify(token.text)}.`);
    return token.text;
  }

  private expectWord(word: string): void {
    const token = this.next();
    if (token?.kind !== 'word' || token.text.toLowerCase() !== word) {
      throw new AqlSyntaxError(`AQL: expected "${word}" at position ${token?.position ?? this.text.length}.`);
    }
  }

  private expectSymbol(symbol: string): void {
    const token = this.next();
    if (token?.kind !== 'symbol' || token.text !== symbol) {
      throw new AqlSyntaxError(`AQL: expected "${symbol}" at position ${token?.position ?? this.text.length}.`);
    }
  }

  private atWord(word: string): boolean {
    const token = this.peek();
    return token?.kind === 'word' && token.text.toLowerCase() === word;
  }

  private atSymbol(symbol: string): boolean {
    const token = this.peek();
    return token?.kind === 'symbol' && token.text === symbol;
  }

  private peek(): Token | undefined {
    return this.tokens[this.index];
  }

  private next(): Token | undefined {
    const token = this.tokens[this.index];
    this.index += 1;
    return token;
  }
}
