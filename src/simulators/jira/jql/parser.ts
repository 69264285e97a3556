/**
 * A parser for the part of JQL (Jira Query Language) that the connector and its tests use:
 *
 * ```
 * query    := [or] [ORDER BY sortKey {, sortKey}]
 * or       := and {(OR | || | |) and}
 * and      := not {(AND | && | &) not}
 * not      := (NOT | !) not | "(" or ")" | clause
 * clause   := field operator operand
 * operator := = | != | ~ | !~ | > | >= | < | <= | IN | NOT IN | IS | IS NOT
 * operand  := value | "(" value {, value} ")"
 * value    := word | "string" | 'string' | EMPTY | NULL | function "(" [value {, value}] ")"
 * sortKey  := field [ASC | DESC]
 * ```
 *
 * Keywords are case-insensitive. Quoted strings take the escapes `\"`, `\'`, `\\`, `\n`, `\r`, `\t`,
 * `\ ` and `\uXXXX`, which unquoted words take too. An unquoted word may not contain Jira's
 * reserved characters (`+ . , ; ? | * / % ^ $ # @ [ ]`), except in a custom field reference such
 * as `cf[10060]` and an entity property reference such as `issue.property[key].path`. The parser
 * only checks syntax; which fields and values exist is the evaluator's business.
 */

/** A JQL syntax error, with a message in Jira's words and the 1-based character position. */
export class JqlSyntaxError extends Error {
  override name = 'JqlSyntaxError';

  constructor(
    detail: string,
    /** 1-based position of the offending character in the query. */
    readonly position: number,
  ) {
    super(`Error in the JQL Query: ${detail} (line 1, character ${position})`);
  }
}

export type JqlOperator = '=' | '!=' | '~' | '!~' | '>' | '>=' | '<' | '<=' | 'in' | 'not in' | 'is' | 'is not';

/** A value on the right of an operator. */
export type JqlValue =
  | { kind: 'text'; value: string; quoted: boolean; position: number }
  | { kind: 'empty'; position: number }
  | { kind: 'function'; name: string; args: string[]; position: number };

/** One condition: `field operator operand`. */
export interface JqlClause {
  type: 'clause';
  field: string;
  /** Whether the field name was quoted, which makes a keyword such as "order" a field name. */
  fieldQuoted: boolean;
  position: number;
  operator: JqlOperator;
  /** A single value, or the list of `in` and `not in` (also allowed after `=` by the grammar, and rejected later). */
  operand: JqlValue | JqlValue[];
}

export type JqlNode = JqlClause | { type: 'and'; children: JqlNode[] } | { type: 'or'; children: JqlNode[] } | { type: 'not'; child: JqlNode };

export interface JqlSortKey {
  field: string;
  position: number;
  direction: 'ASC' | 'DESC';
}

/** A parsed query: the condition (absent for a query with only ORDER BY) and the sort keys. */
export interface JqlQuery {
  where?: JqlNode;
  orderBy: JqlSortKey[];
}

type TokenKind = 'word' | 'string' | 'lparen' | 'rparen' | 'comma' | 'operator' | 'and' | 'or' | 'not' | 'end';

interface Token {
  kind: TokenKind;
  /** The word or string after escapes, or the operator or punctuation. */
  text: string;
  /** The text as written, for error messages. */
  raw: string;
  position: number;
}

const RESERVED_CHARACTERS = new Set(['+', '.', ',', ';', '?', '|', '*', '/', '%', '^', '$', '#', '@', '[', ']']);
/** Characters that end an unquoted word. */
const WORD_BREAKS = new Set(['(', ')', '=', '!', '~', '<', '>', ',', '"', "'", '&', '|']);
const PUNCTUATION: Record<string, TokenKind | undefined> = { '(': 'lparen', ')': 'rparen', ',': 'comma' };
const ESCAPES: Record<string, string> = { '"': '"', "'": "'", '\\': '\\', n: '\n', r: '\r', t: '\t', ' ': ' ' };
const OPERATOR_LIST = "'=', '!=', '~', '!~', '<', '>', '<=', '>=', 'IN', 'NOT IN', 'IS' and 'IS NOT'";

/**
 * Parse a JQL query. Throws JqlSyntaxError with Jira's kind of message and the position of the
 * first error.
 *
 * @example
 * ```ts
 * const query = parseJql('project = "SEC" AND labels in (aws, "finding x") ORDER BY updated ASC');
 * // query.where is an `and` node with two clauses; query.orderBy[0] is { field: 'updated', direction: 'ASC', ... }
 * ```
 */
export function parseJql(text: string): JqlQuery {
  const parser = new Parser(tokenize(text));
  return parser.parseQuery();
}

/** Split a query into tokens. */
function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let index = 0;

  while (index < text.length) {
    const char = text[index] ?? '';
    const position = index + 1;

    if (/\s/.test(char)) {
      index += 1;
      continue;
    }

    const punctuation = PUNCTUATION[char];
    if (punctuation !== undefined) {
      tokens.push({ kind: punctuation, text: char, raw: char, position });
      index += 1;
      continue;
    }

    const two = text.slice(index, index + 2);
    if (two === '!=' || two === '!~' || two === '>=' || two === '<=') {
      tokens.push({ kind: 'operator', text: two, raw: two, position });
      index += 2;
      continue;
    }
    if (two === '&&' || two === '||') {
      tokens.push({ kind: two === '&&' ? 'and' : 'or', text: two, raw: two, position });
      index += 2;
      continue;
    }
    if (char === '=' || char === '~' || char === '<' || char === '>') {
      tokens.push({ kind: 'operator', text: char, raw: char, position });
      index += 1;
      continue;
    }
    if (char === '&' || char === '|') {
      tokens.push({ kind: char === '&' ? 'and' : 'or', text: char, raw: char, position });
      index += 1;
      continue;
    }
    if (char === '!') {
      tokens.push({ kind: 'not', text: char, raw: char, position });
      index += 1;
      continue;
    }

    if (char === '"' || char === "'") {
      const { value, end } = readQuoted(text, index);
      tokens.push({ kind: 'string', text: value, raw: text.slice(index, end), position });
      index = end;
      continue;
    }

    const { value, end } = readWord(text, index);
    const raw = text.slice(index, end);
    const lower = value.toLowerCase();
    const keyword = raw === value && (lower === 'and' || lower === 'or' || lower === 'not') ? lower : undefined;
    tokens.push({ kind: keyword ?? 'word', text: value, raw, position });
    index = end;
  }

  tokens.push({ kind: 'end', text: '', raw: '', position: text.length + 1 });
  return tokens;
}

/** Read a quoted string that starts at `start`; returns its value and the index after the closing quote. */
function readQuoted(text: string, start: number): { value: string; end: number } {
  const quote = text[start];
  let value = '';
  let index = start + 1;

  while (index < text.length) {
    const char = text[index] ?? '';
    if (char === quote) {
      return { value, end: index + 1 };
    }
    if (char === '\\') {
      const escaped = readEscape(text, index);
      value += escaped.value;
      index = escaped.end;
      continue;
    }
    value += char;
    index += 1;
  }

  throw new JqlSyntaxError(`The quoted string '${text.slice(start + 1)}' has not been completed.`, start + 1);
}

/** Read an unquoted word that starts at `start`. */
function readWord(text: string, start: number): { value: string; end: number } {
  let value = '';
  let index = start;

  // A custom field reference such as cf[10060], or an entity property reference such as
  // issue.property[itsm-sync].id, is one word, brackets and dots included.
  const reference = /^(?:cf\[\d+\]|issue\.property\[[^\]\s]*\](?:\.[\w.-]+)?)/i.exec(text.slice(start));
  if (reference !== null) {
    return { value: reference[0], end: start + reference[0].length };
  }

  while (index < text.length) {
    const char = text[index] ?? '';
    if (/\s/.test(char) || WORD_BREAKS.has(char)) {
      break;
    }
    if (char === '\\') {
      const escaped = readEscape(text, index);
      value += escaped.value;
      index = escaped.end;
      continue;
    }
    if (RESERVED_CHARACTERS.has(char)) {
      const code = char.charCodeAt(0).toString(16).padStart(4, '0');
      throw new JqlSyntaxError(
        `The character '${char}' is a reserved JQL character. You must enclose it in a string or use the escape '\\u${code}' instead.`,
        index + 1,
      );
    }
    value += char;
    index += 1;
  }

  return { value, end: index };
}

/** Read the escape sequence at `start` (a backslash). */
function readEscape(text: string, start: number): { value: string; end: number } {
  const next = text[start + 1];
  if (next !== undefined && ESCAPES[next] !== undefined) {
    return { value: ESCAPES[next], end: start + 2 };
  }
  if (next === 'u') {
    const hex = text.slice(start + 2, start + 6);
    if (/^[0-9a-fA-F]{4}$/.test(hex)) {
      return { value: String.fromCharCode(Number.parseInt(hex, 16)), end: start + 6 };
    }
  }
  throw new JqlSyntaxError(`The escape sequence '${text.slice(start, start + 2)}' is not valid.`, start + 1);
}

class Parser {
  private index = 0;

  constructor(private readonly tokens: Token[]) {}

  parseQuery(): JqlQuery {
    let where: JqlNode | undefined;
    if (!this.atOrderBy() && this.peek().kind !== 'end') {
      where = this.parseOr();
    }

    const orderBy = this.atOrderBy() ? this.parseOrderBy() : [];

    const rest = this.peek();
    if (rest.kind !== 'end') {
      throw new JqlSyntaxError(`Expecting either 'OR' or 'AND' but got '${rest.raw}'.`, rest.position);
    }
    return { where, orderBy };
  }

  private parseOr(): JqlNode {
    const children = [this.parseAnd()];
    while (this.peek().kind === 'or') {
      this.next();
      children.push(this.parseAnd());
    }
    return children.length === 1 ? children[0]! : { type: 'or', children };
  }

  private parseAnd(): JqlNode {
    const children = [this.parseNot()];
    while (this.peek().kind === 'and') {
      this.next();
      children.push(this.parseNot());
    }
    return children.length === 1 ? children[0]! : { type: 'and', children };
  }

  private parseNot(): JqlNode {
    const token = this.peek();
    if (token.kind === 'not') {
      this.next();
      return { type: 'not', child: this.parseNot() };
    }
    if (token.kind === 'lparen') {
      this.next();
      const inner = this.parseOr();
      this.expect('rparen', "Expecting ')'");
      return inner;
    }
    return this.parseClause();
  }

  private parseClause(): JqlClause {
    const fieldToken = this.next();
    if (fieldToken.kind !== 'word' && fieldToken.kind !== 'string') {
      throw new JqlSyntaxError(
        fieldToken.kind === 'end' ? 'Expecting a field name at the end of the query.' : `Expecting a field name but got '${fieldToken.raw}'.`,
        fieldToken.position,
      );
    }
    if (fieldToken.text === '') {
      throw new JqlSyntaxError('A field name cannot be empty.', fieldToken.position);
    }

    const operator = this.parseOperator();
    const operand = this.parseOperand(operator);
    return { type: 'clause', field: fieldToken.text, fieldQuoted: fieldToken.kind === 'string', position: fieldToken.position, operator, operand };
  }

  private parseOperator(): JqlOperator {
    const token = this.next();

    if (token.kind === 'operator') {
      return token.text as JqlOperator;
    }

    const word = token.kind === 'word' || token.kind === 'not' ? token.text.toLowerCase() : '';
    if (word === 'in') {
      return 'in';
    }
    if (word === 'is') {
      if (this.peek().kind === 'not') {
        this.next();
        return 'is not';
      }
      return 'is';
    }
    if (word === 'not') {
      const following = this.next();
      if (following.kind === 'word' && following.text.toLowerCase() === 'in') {
        return 'not in';
      }
      throw new JqlSyntaxError(`Expecting 'IN' after 'NOT' but got '${following.raw}'.`, following.position);
    }
    if (word === 'was' || word === 'changed') {
      throw new JqlSyntaxError(`The operator '${token.raw}' is not supported by the Jira simulator. The supported operators are ${OPERATOR_LIST}.`, token.position);
    }

    const got = token.kind === 'end' ? 'the end of the query' : `'${token.raw}'`;
    throw new JqlSyntaxError(`Expecting operator but got ${got}. The valid operators are ${OPERATOR_LIST}.`, token.position);
  }

  private parseOperand(operator: JqlOperator): JqlValue | JqlValue[] {
    if (this.peek().kind !== 'lparen') {
      if (operator === 'in' || operator === 'not in') {
        const token = this.peek();
        throw new JqlSyntaxError(`Expecting '(' after '${operator.toUpperCase()}' but got '${token.raw}'.`, token.position);
      }
      return this.parseValue();
    }

    const open = this.next();
    const values: JqlValue[] = [];
    if (this.peek().kind === 'rparen') {
      throw new JqlSyntaxError('Expecting a value in the list but got \')\'.', this.peek().position);
    }
    for (;;) {
      values.push(this.parseValue());
      const separator = this.next();
      if (separator.kind === 'rparen') {
        break;
      }
      if (separator.kind !== 'comma') {
        throw new JqlSyntaxError(`Expecting ',' or ')' in the list that starts at character ${open.position} but got '${separator.raw}'.`, separator.position);
      }
    }
    return values;
  }

  private parseValue(): JqlValue {
    const token = this.next();

    if (token.kind === 'string') {
      return { kind: 'text', value: token.text, quoted: true, position: token.position };
    }

    if (token.kind !== 'word') {
      const got = token.kind === 'end' ? 'the end of the query' : `'${token.raw}'`;
      throw new JqlSyntaxError(`Expecting a value but got ${got}.`, token.position);
    }

    const lower = token.text.toLowerCase();
    if (token.raw === token.text && (lower === 'empty' || lower === 'null')) {
      return { kind: 'empty', position: token.position };
    }

    if (this.peek().kind === 'lparen') {
      return this.parseFunction(token);
    }

    return { kind: 'text', value: token.text, quoted: false, position: token.position };
  }

  private parseFunction(nameToken: Token): JqlValue {
    this.next();
    const args: string[] = [];
    if (this.peek().kind !== 'rparen') {
      for (;;) {
        const argument = this.next();
        if (argument.kind !== 'word' && argument.kind !== 'string') {
          throw new JqlSyntaxError(`Expecting a function argument but got '${argument.raw}'.`, argument.position);
        }
        args.push(argument.text);
        if (this.peek().kind !== 'comma') {
          break;
        }
        this.next();
      }
    }
    this.expect('rparen', `Expecting ')' to close the call of '${nameToken.text}'`);
    return { kind: 'function', name: nameToken.text, args, position: nameToken.position };
  }

  private parseOrderBy(): JqlSortKey[] {
    this.next(); // ORDER
    const by = this.next();
    if (by.kind !== 'word' || by.text.toLowerCase() !== 'by') {
      throw new JqlSyntaxError(`Expecting 'BY' after 'ORDER' but got '${by.raw}'.`, by.position);
    }

    const keys: JqlSortKey[] = [];
    for (;;) {
      const field = this.next();
      if (field.kind !== 'word' && field.kind !== 'string') {
        const got = field.kind === 'end' ? 'the end of the query' : `'${field.raw}'`;
        throw new JqlSyntaxError(`Expecting a field name in the ORDER BY clause but got ${got}.`, field.position);
      }

      let direction: 'ASC' | 'DESC' = 'ASC';
      const maybeDirection = this.peek();
      if (maybeDirection.kind === 'word' && /^(asc|desc)$/i.test(maybeDirection.text)) {
        direction = maybeDirection.text.toUpperCase() as 'ASC' | 'DESC';
        this.next();
      }
      keys.push({ field: field.text, position: field.position, direction });

      if (this.peek().kind !== 'comma') {
        return keys;
      }
      this.next();
    }
  }

  private atOrderBy(): boolean {
    const token = this.peek();
    const following = this.tokens[this.index + 1];
    return (
      token.kind === 'word' &&
      token.raw.toLowerCase() === 'order' &&
      following !== undefined &&
      following.kind === 'word' &&
      following.raw.toLowerCase() === 'by'
    );
  }

  private expect(kind: TokenKind, detail: string): Token {
    const token = this.next();
    if (token.kind !== kind) {
      const got = token.kind === 'end' ? 'the end of the query' : `'${token.raw}'`;
      throw new JqlSyntaxError(`${detail} but got ${got}.`, token.position);
    }
    return token;
  }

  private peek(): Token {
    return this.tokens[this.index] ?? this.tokens[this.tokens.length - 1]!;
  }

  private next(): Token {
    const token = this.peek();
    if (this.index < this.tokens.length - 1) {
      this.index += 1;
    }
    return token;
  }
}
