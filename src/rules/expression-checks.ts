/**
 * Load-time checks on a parsed JSONata expression, so that a misspelt function or record field is
 * reported with the mapping's line and column instead of silently yielding nothing at run time.
 */

/** A node of the JSONata syntax tree, as returned by `jsonata(...).ast()`. */
type AstNode = Record<string, unknown>;

/** A problem at a 0-based character offset inside the expression. */
export interface ExpressionProblem {
  offset: number;
  message: string;
}

/** The variables itsm-sync binds for every expression (see `ExpressionBindings`). */
export const BINDING_NAMES: readonly string[] = ['ticket', 'previous', 'ci', 'rule', 'now', 'written'];

/**
 * The functions of the JSONata 2.x library. A unit test compares this list with the installed
 * jsonata package, so an upgrade that adds functions fails the test instead of the mappings.
 */
export const JSONATA_FUNCTIONS: readonly string[] = [
  'sum', 'count', 'max', 'min', 'average', 'string', 'substring', 'substringBefore', 'substringAfter',
  'lowercase', 'uppercase', 'length', 'trim', 'pad', 'match', 'contains', 'replace', 'split', 'join',
  'formatNumber', 'formatBase', 'formatInteger', 'parseInteger', 'number', 'floor', 'ceil', 'round',
  'abs', 'sqrt', 'power', 'random', 'boolean', 'not', 'map', 'zip', 'filter', 'single', 'reduce',
  'sift', 'keys', 'lookup', 'append', 'exists', 'spread', 'merge', 'reverse', 'each', 'error',
  'assert', 'type', 'sort', 'shuffle', 'distinct', 'base64encode', 'base64decode',
  'encodeUrlComponent', 'encodeUrl', 'decodeUrlComponent', 'decodeUrl', 'eval', 'toMillis',
  'fromMillis', 'clone', 'millis',
];

const KNOWN_FUNCTIONS = new Set(JSONATA_FUNCTIONS);

/**
 * Finds `$names` that are neither itsm-sync variables, JSONata functions, nor declared in the
 * expression itself (`$x := …`, lambda parameters, `@$x` and `#$i` bindings), and calls to
 * itsm-sync variables as if they were functions (`$now()`: in mappings `$now` is text).
 */
export function findUnknownVariables(ast: AstNode): ExpressionProblem[] {
  const declared = new Set<string>(BINDING_NAMES);
  const referenced: AstNode[] = [];
  const problems: ExpressionProblem[] = [];

  walk(ast, (node) => {
    if (node.type === 'bind' && isNode(node.lhs) && typeof node.lhs.value === 'string') {
      declared.add(node.lhs.value);
    }
    if (node.type === 'lambda' && Array.isArray(node.arguments)) {
      for (const argument of node.arguments as AstNode[]) {
        declared.add(String(argument.value));
      }
    }
    for (const key of ['focus', 'index'] as const) {
      if (typeof node[key] === 'string') {
        declared.add(node[key]);
      }
    }
    // `$` is the current context and `$$` the input: both are always defined.
    if (node.type === 'variable' && node.value !== '' && node.value !== '$') {
      referenced.push(node);
    }
    if ((node.type === 'function' || node.type === 'partial') && isNode(node.procedure)) {
      const name = node.procedure.value;
      if (node.procedure.type === 'variable' && typeof name === 'string' && BINDING_NAMES.includes(name)) {
        problems.push({
          offset: tokenStart(node.procedure, name.length + 1),
          message: `$${name} is a variable, not a function: write $${name} without parentheses`,
        });
      }
    }
  });

  for (const node of referenced) {
    const name = String(node.value);
    if (!declared.has(name) && !KNOWN_FUNCTIONS.has(name)) {
      problems.push({
        offset: tokenStart(node, name.length + 1),
        message:
          `unknown variable or function $${name}; the variables are ${BINDING_NAMES.map((n) => `$${n}`).join(', ')} ` +
          'and the functions are those of JSONata (https://docs.jsonata.org/overview)',
      });
    }
  }
  return problems;
}

/**
 * Finds field names read from the root of the record that the record view does not have, such as
 * `severty`, or `NOTIFIED` where the text `"NOTIFIED"` was meant. Names read inside another path
 * step, a filter or a function body are relative to other data and are not checked.
 */
export function findUnknownRecordFields(ast: AstNode, recordFields: ReadonlySet<string>, fieldsListedIn?: string): ExpressionProblem[] {
  const problems: ExpressionProblem[] = [];

  const checkName = (node: AstNode): void => {
    const name = String(node.value);
    if (!recordFields.has(name)) {
      problems.push({
        offset: tokenStart(node, name.length),
        message:
          fieldsListedIn === undefined
            ? `the record has no field '${name}'; to write the text ${name}, quote it inside the expression ` +
              `('"${name}"'). Record fields: ${[...recordFields].join(', ')}`
            : `'${name}' is not among the fields this expression can read; add it to ${fieldsListedIn} to read ` +
              `that field, or quote it ('"${name}"') to write the text. Readable: ${[...recordFields].join(', ')}`,
      });
    }
  };

  const visitRootContext = (node: unknown): void => {
    if (!isNode(node)) {
      return;
    }
    switch (node.type) {
      case 'path': {
        // Only the first step reads the record; later steps read what the step before returned.
        const [first] = node.steps as AstNode[];
        if (first?.type === 'name') {
          checkName(first);
        } else {
          visitRootContext(first);
        }
        return;
      }
      case 'name':
        checkName(node);
        return;
      case 'binary':
        visitRootContext(node.lhs);
        visitRootContext(node.rhs);
        return;
      case 'apply':
        visitRootContext(node.lhs);
        visitRootContext(node.rhs);
        return;
      case 'unary':
        visitUnary(node);
        return;
      case 'condition':
        visitRootContext(node.condition);
        visitRootContext(node.then);
        visitRootContext(node.else);
        return;
      case 'block':
        visitEach(node.expressions);
        return;
      case 'function':
      case 'partial':
        visitEach(node.arguments);
        return;
      case 'bind':
        visitRootContext(node.rhs);
        return;
      default:
        // Literals, variables, lambdas, transforms, regular expressions and wildcards read no
        // record field from the root, or read them relative to data we cannot see here.
        return;
    }
  };

  const visitEach = (nodes: unknown): void => {
    if (Array.isArray(nodes)) {
      nodes.forEach(visitRootContext);
    }
  };

  const visitUnary = (node: AstNode): void => {
    if (node.value === '-') {
      visitRootContext(node.expression);
    } else if (node.value === '[') {
      visitEach(node.expressions);
    } else if (node.value === '{' && Array.isArray(node.lhs)) {
      for (const pair of node.lhs as unknown[][]) {
        visitEach(pair);
      }
    }
  };

  visitRootContext(ast);
  return problems;
}

/** Visits every node of the tree once (the tree can hold shared references for the `%` operator). */
function walk(root: AstNode, visit: (node: AstNode) => void): void {
  const seen = new Set<unknown>();
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const value = stack.pop();
    if (value === null || typeof value !== 'object' || seen.has(value)) {
      continue;
    }
    seen.add(value);
    if (Array.isArray(value)) {
      stack.push(...value);
      continue;
    }
    const node = value as AstNode;
    if (typeof node.type === 'string') {
      visit(node);
    }
    stack.push(...Object.values(node));
  }
}

function isNode(value: unknown): value is AstNode {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** JSONata positions point just after a token; this returns where the token starts. */
function tokenStart(node: AstNode, tokenLength: number): number {
  const position = typeof node.position === 'number' ? node.position : 0;
  return Math.max(0, position - tokenLength);
}
