import jsonata from 'jsonata';

import { ExpressionError, InvalidExpressionError } from './errors.js';
import { findUnknownRecordFields, findUnknownVariables } from './expression-checks.js';
import type { CompiledExpression, ExpressionBindings } from './sync-rule.js';

/** Wall-clock time one evaluation may take before it is stopped, in milliseconds. */
export const EXPRESSION_TIMEOUT_MS = 100;

/** Nesting depth of JSONata evaluation steps at which an evaluation is stopped. */
export const EXPRESSION_MAX_DEPTH = 200;

export interface CompileOptions {
  /**
   * Field names of the record view. When given, a name read from the root of the record that is
   * not in this set is a compile error (it could only ever yield nothing).
   */
  recordFields?: ReadonlySet<string>;
  /**
   * Where the names in `recordFields` come from, when the mapping lists them (a section's
   * `fields`): the message then says to add a missing name there.
   */
  fieldsListedIn?: string;
  /** Overrides `EXPRESSION_TIMEOUT_MS`. */
  timeoutMs?: number;
  /** Overrides `EXPRESSION_MAX_DEPTH`. */
  maxDepth?: number;
}

// JSONata reports these codes when its `timeout` and `stack` guards stop an evaluation.
const STACK_LIMIT_CODE = 'D1011';
const TIMEOUT_CODE = 'D1012';

/**
 * Compiles a JSONata expression from a mapping, with a bounded run time and depth.
 *
 * `where` names the rule and the key the expression comes from; every error message repeats it.
 * Compilation throws `InvalidExpressionError` for a syntax error, an unknown `$variable` or
 * function, and (with `recordFields`) an unknown record field. Evaluation throws `ExpressionError`.
 *
 * The bounds use JSONata's own guards (the `timeout` and `stack` options of jsonata 2.2). They
 * check the clock and the depth at every evaluation step, and the clock starts at each `evaluate`
 * call. The time is wall-clock time, so it includes other work interleaved on the event loop,
 * which the 100 ms default leaves ample room for. One slow step
 * inside a built-in function, such as a regular expression that backtracks badly, cannot be
 * interrupted this way.
 *
 * @example
 * const urgency = compileExpression('severity = "CRITICAL" ? "1" : "2"', "rule 'x', fields.urgency.value");
 * await urgency.evaluate({ severity: 'CRITICAL' }); // '1'
 */
export function compileExpression(source: string, where: string, options: CompileOptions = {}): CompiledExpression {
  const timeoutMs = options.timeoutMs ?? EXPRESSION_TIMEOUT_MS;
  const maxDepth = options.maxDepth ?? EXPRESSION_MAX_DEPTH;

  let expression: jsonata.Expression;
  try {
    expression = jsonata(source, { timeout: timeoutMs, stack: maxDepth });
  } catch (error) {
    throw syntaxError(error, source, where);
  }

  const ast = expression.ast() as unknown as Record<string, unknown>;
  const problems = findUnknownVariables(ast);
  if (options.recordFields !== undefined) {
    problems.push(...findUnknownRecordFields(ast, options.recordFields, options.fieldsListedIn));
  }
  const [first] = problems.sort((a, b) => a.offset - b.offset);
  if (first !== undefined) {
    throw new InvalidExpressionError(where, source, first.message, first.offset);
  }

  return {
    source,
    async evaluate(input: unknown, bindings: ExpressionBindings = {}): Promise<unknown> {
      const variables = {
        ticket: bindings.ticket,
        previous: bindings.previous,
        ci: bindings.ci,
        rule: bindings.rule,
        now: bindings.now ?? new Date().toISOString(),
        written: bindings.written,
      };

      let result: unknown;
      try {
        result = await expression.evaluate(input, variables);
      } catch (error) {
        throw evaluationError(error, source, where, timeoutMs, maxDepth);
      }
      return toPlainValue(result, source, where);
    },
  };
}

/** The shape of the errors JSONata throws: plain objects, not `Error` instances. */
interface JsonataFailure {
  code?: string;
  position?: number;
  token?: string;
  message?: string;
}

function syntaxError(error: unknown, source: string, where: string): InvalidExpressionError {
  const failure = (error ?? {}) as JsonataFailure;
  const reason = failure.message ?? String(error);
  // JSONata points just after the offending token; point at its first character instead.
  const position = failure.position ?? 0;
  const tokenLength = failure.token === undefined || failure.token === '(end)' ? 0 : String(failure.token).length;
  const offset = Math.min(Math.max(0, position - tokenLength), source.length);
  return new InvalidExpressionError(where, source, reason, offset);
}

function evaluationError(
  error: unknown,
  source: string,
  where: string,
  timeoutMs: number,
  maxDepth: number,
): ExpressionError {
  const failure = (error ?? {}) as JsonataFailure;
  const code = failure.code;
  let reason: string;
  if (code === TIMEOUT_CODE) {
    reason = `it ran longer than ${timeoutMs} ms and was stopped; look for a loop or recursion that never ends`;
  } else if (code === STACK_LIMIT_CODE) {
    reason = `it nested deeper than ${maxDepth} evaluation steps and was stopped; look for a recursive function that never ends`;
  } else {
    const at = failure.position === undefined ? '' : ` (at character ${failure.position})`;
    reason = `${failure.message ?? String(error)}${at}`;
  }
  return new ExpressionError(where, source, reason, code, { cause: error });
}

/**
 * Copies a JSONata result into plain JSON-like values: JSONata marks its result arrays with extra
 * properties, and a function value (a lambda or a built-in) is not a field value.
 */
function toPlainValue(value: unknown, source: string, where: string): unknown {
  if (typeof value === 'function' || isJsonataFunction(value)) {
    throw new ExpressionError(where, source, 'it returned a function instead of a value; call the function with ()');
  }
  if (Array.isArray(value)) {
    return value.map((item) => toPlainValue(item, source, where));
  }
  if (value !== null && typeof value === 'object' && isPlainObject(value)) {
    const copy: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      copy[key] = toPlainValue(item, source, where);
    }
    return copy;
  }
  return value;
}

function isJsonataFunction(value: unknown): boolean {
  if (value === null || typeof value !== 'object') {
    return false;
  }
  const marker = value as { _jsonata_lambda?: unknown; _jsonata_function?: unknown };
  return marker._jsonata_lambda === true || marker._jsonata_function === true;
}

function isPlainObject(value: object): boolean {
  const prototype = Object.getPrototypeOf(value) as unknown;
  return prototype === Object.prototype || prototype === null;
}
