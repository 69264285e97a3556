import {
  isAlias,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  parseAllDocuments,
  Scalar,
  visit,
  type Document,
  type Node,
  type YAMLError,
} from 'yaml';

/** A 1-based place in a file. */
export interface Position {
  line: number;
  column: number;
}

/** A problem found while reading the YAML itself, before the schema is checked. */
export interface YamlProblem extends Position {
  message: string;
}

/**
 * One mapping file parsed as YAML, keeping the node positions so that any key path of the
 * document can be traced back to a line and column.
 */
export class YamlSource {
  readonly text: string;
  readonly problems: YamlProblem[];
  /** The document as plain data; undefined when the YAML could not be read. */
  readonly data: unknown;
  private readonly document: Document | undefined;
  private readonly lineCounter: LineCounter;
  private readonly lines: string[];

  constructor(text: string) {
    this.text = text;
    this.lineCounter = new LineCounter();
    this.lines = text.split(/\r?\n/);
    this.problems = [];

    // prettyErrors off: the message stays one line, and the position is reported separately.
    const documents = parseAllDocuments(text, { lineCounter: this.lineCounter, prettyErrors: false, uniqueKeys: true });
    const list = Array.isArray(documents) ? documents : [];
    for (const document of list) {
      this.problems.push(...this.describeErrors(document));
    }
    if (list.length > 1) {
      const second = list[1]?.range[0] ?? 0;
      this.problems.push({
        ...this.positionAt(second),
        message: `the file contains ${list.length} YAML documents; put one sync rule in each file`,
      });
    }

    this.document = list[0];
    this.data = this.problems.length === 0 && this.document !== undefined ? this.document.toJS({ maxAliasCount: 100 }) : undefined;
  }

  /**
   * Turns the parser's errors and warnings into problems. The parser notices an unclosed flow
   * sequence, flow map or quoted text only where the construct should have ended, often lines
   * later (the yaml package, version 2.9, gives no start position for these). Such a problem is placed where the
   * construct starts, and its message names both places.
   */
  private describeErrors(document: Document): YamlProblem[] {
    if (document.errors.length === 0 && document.warnings.length === 0) {
      return [];
    }
    const unclosed = unclosedConstructs(document, this.text);
    const claimed = new Set<UnclosedConstruct>();

    return [...document.errors, ...document.warnings].map((error: YAMLError) => {
      const at = error.pos[0];
      // Innermost first: a construct opened inside another unclosed one is the nearer cause.
      const opened = unclosed.find((construct) => !claimed.has(construct) && construct.start < at && at <= construct.end);
      if (opened === undefined) {
        return { ...this.positionAt(at), message: `YAML syntax error: ${error.message}` };
      }

      claimed.add(opened);
      const stopped = this.positionAt(at);
      return {
        ...this.positionAt(opened.start),
        message:
          `YAML syntax error: the ${opened.description} that starts here is not closed with ${opened.closing}; ` +
          `the parser stopped at line ${stopped.line}, column ${stopped.column}: ${error.message}`,
      };
    });
  }

  /** Returns the line and column of a character offset in the file. */
  positionAt(offset: number): Position {
    const { line, col } = this.lineCounter.linePos(offset);
    return { line, column: col };
  }

  /**
   * Returns the position of the value (or, with `pointAt: 'key'`, of the key) at `path`. A path that does
   * not exist in the file resolves to its deepest existing parent, and the empty path to the
   * first line.
   */
  positionOf(path: readonly string[], pointAt: 'key' | 'value' = 'value'): Position {
    const found = this.findNode(path);
    const node = pointAt === 'key' && found.keyNode !== undefined ? found.keyNode : found.node;
    const offset = node?.range?.[0];
    return offset === undefined ? { line: 1, column: 1 } : this.positionAt(offset);
  }

  /**
   * Returns the position of a character inside a scalar value, such as the offending token of a JSONata
   * expression. Single-line values and literal blocks (`|`) map exactly; where escapes or line
   * folding make the mapping ambiguous, this returns the start of the value.
   */
  positionInValue(path: readonly string[], valueOffset: number): Position {
    const { node } = this.findNode(path);
    if (node === undefined || !isScalar(node) || node.range === undefined || node.range === null) {
      return this.positionOf(path);
    }
    const start = this.positionAt(node.range[0]);
    const value = String(node.value);

    if (node.type === Scalar.BLOCK_LITERAL) {
      return this.positionInLiteralBlock(start, value, valueOffset) ?? start;
    }

    // On one line, the text before the offset maps character for character unless it contains an
    // escape sequence (`\"` or `''`). Such a sequence shows as the file text not matching the value.
    const quoted = node.type === Scalar.QUOTE_DOUBLE || node.type === Scalar.QUOTE_SINGLE;
    const body = this.text.slice(node.range[0] + (quoted ? 1 : 0), node.range[1]);
    const offset = Math.min(valueOffset, value.length);
    if (!value.includes('\n') && body.startsWith(value.slice(0, offset))) {
      return this.positionAt(node.range[0] + (quoted ? 1 : 0) + offset);
    }
    return start;
  }

  /**
   * In a literal block each line of the value is one line of the file after the `|` header,
   * behind the block's indentation.
   */
  private positionInLiteralBlock(header: Position, value: string, valueOffset: number): Position | undefined {
    const before = value.slice(0, valueOffset);
    const lineIndex = before.split('\n').length - 1;
    const columnInValue = valueOffset - (before.lastIndexOf('\n') + 1);
    const valueLine = value.split('\n')[lineIndex] ?? '';
    const fileLine = this.lines[header.line + lineIndex];
    if (fileLine === undefined || !fileLine.endsWith(valueLine)) {
      return undefined;
    }
    const indent = fileLine.length - valueLine.length;
    return { line: header.line + 1 + lineIndex, column: indent + columnInValue + 1 };
  }

  /** Walks the YAML tree along `path`, stopping at the deepest node that exists. */
  private findNode(path: readonly string[]): { node: Node | undefined; keyNode: Node | undefined } {
    let node: Node | undefined = (this.document?.contents ?? undefined) as Node | undefined;
    let keyNode: Node | undefined;

    for (const key of path) {
      if (node !== undefined && isAlias(node) && this.document !== undefined) {
        node = node.resolve(this.document) as Node | undefined;
      }
      if (isMap(node)) {
        const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === key);
        if (pair === undefined) {
          break;
        }
        keyNode = pair.key as Node;
        // A key with no value (`fields:` alone) has no value node: point at the key.
        node = (pair.value ?? pair.key) as Node;
      } else if (isSeq(node)) {
        const item = node.items[Number(key)];
        if (item === undefined) {
          break;
        }
        keyNode = undefined;
        node = item as Node;
      } else {
        break;
      }
    }
    return { node, keyNode };
  }
}

/** A flow collection or quoted scalar that the text never closes. */
interface UnclosedConstruct {
  /** Offset of the opening bracket or quote. */
  start: number;
  /** Offset where the parser stopped reading it. */
  end: number;
  description: string;
  closing: string;
}

/** Lists the unclosed flow collections and quoted scalars of a document, innermost (latest start) first. */
function unclosedConstructs(document: Document, text: string): UnclosedConstruct[] {
  const found: UnclosedConstruct[] = [];

  visit(document, (_key, node) => {
    if (!isScalar(node) && !isSeq(node) && !isMap(node)) return;
    const range = node.range;
    if (range === undefined || range === null) return;
    const written = text.slice(range[0], range[1]).trimEnd();
    const unclosed = describeUnclosed(node, written);
    if (unclosed !== undefined) {
      found.push({ start: range[0], end: range[2], ...unclosed });
    }
  });
  return found.sort((a, b) => b.start - a.start);
}

function describeUnclosed(node: Node, written: string): Pick<UnclosedConstruct, 'description' | 'closing'> | undefined {
  if ((isSeq(node) || isMap(node)) && node.flow === true) {
    const [opening, closing, description] = isSeq(node) ? ['[', ']', 'flow sequence ([ … ])'] : ['{', '}', 'flow map ({ … })'];
    return written.startsWith(opening) && !written.endsWith(closing) ? { description, closing } : undefined;
  }
  if (isScalar(node) && node.type === Scalar.QUOTE_DOUBLE) {
    // A quote after an odd number of backslashes is escaped, so it does not close the text.
    const closed = written.length >= 2 && written.endsWith('"') && /(^|[^\\])(\\\\)*"$/.test(written.slice(1));
    return closed ? undefined : { description: 'double-quoted text', closing: '"' };
  }
  if (isScalar(node) && node.type === Scalar.QUOTE_SINGLE) {
    // Inside single quotes, '' is an escaped quote: the closing quote leaves an odd run of quotes at the end.
    const trailingQuotes = /'*$/.exec(written.slice(1))?.[0].length ?? 0;
    return written.length >= 2 && trailingQuotes % 2 === 1 ? undefined : { description: 'single-quoted text', closing: "'" };
  }
  return undefined;
}
