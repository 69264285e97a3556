import { describe, expect, it } from 'vitest';

import type { TicketRef } from '../../../src/core/types.js';
import {
  compileExpression,
  EXPRESSION_TIMEOUT_MS,
  ExpressionError,
  InvalidExpressionError,
} from '../../../src/rules/index.js';

const WHERE = "rule 'test-rule', fields.urgency.value";

const TICKET: TicketRef = {
  system: 'servicenow',
  table: 'incident',
  id: '8f40be6ce6ee2f0b974e06e33c60a5a8',
  number: 'INC0010042',
  url: 'https://itsm-dev.example.com/nav_to.do?uri=incident.do?sys_id=8f40be6ce6ee2f0b974e06e33c60a5a8',
};

/** Runs `action` and returns what it threw, failing the test if it did not throw. */
async function caught(action: () => unknown): Promise<unknown> {
  try {
    await action();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error, but none was thrown');
}

describe('compileExpression evaluation', () => {
  it('reads the record', async () => {
    const expression = compileExpression('severity & "/" & resources[0].id', WHERE);

    const result = await expression.evaluate({ severity: 'HIGH', resources: [{ id: 'arn:aws:s3:::bucket' }] });

    expect(result).toBe('HIGH/arn:aws:s3:::bucket');
    expect(expression.source).toBe('severity & "/" & resources[0].id');
  });

  it('passes the bindings as variables', async () => {
    const expression = compileExpression('[$ticket.number, $previous.id, $rule, $now]', WHERE);

    const result = await expression.evaluate({}, {
      ticket: TICKET,
      previous: { ...TICKET, id: 'previous-sys-id' },
      rule: 'test-rule',
      now: '2025-03-10T14:02:40.000Z',
    });

    expect(result).toEqual(['INC0010042', 'previous-sys-id', 'test-rule', '2025-03-10T14:02:40.000Z']);
  });

  it('binds the CI as $ci', async () => {
    const expression = compileExpression('$ci ? $ci.id : "none"', WHERE);

    expect(await expression.evaluate({}, { ci: { ...TICKET, table: 'cmdb_ci_vm_instance', id: 'ci-sys-id' } })).toBe('ci-sys-id');
    expect(await expression.evaluate({}, {})).toBe('none');
  });

  it('defaults $now to the current time', async () => {
    const expression = compileExpression('$now', WHERE);
    const before = Date.now();

    const result = await expression.evaluate({});

    expect(typeof result).toBe('string');
    expect(Date.parse(result as string)).toBeGreaterThanOrEqual(before - 1000);
  });

  it('yields undefined for a missing value', async () => {
    const expression = compileExpression('controlId', WHERE);

    expect(await expression.evaluate({ title: 'x' })).toBeUndefined();
    expect(await expression.evaluate({ controlId: null })).toBeNull();
  });

  it('returns plain arrays', async () => {
    const expression = compileExpression('resources.id', WHERE);

    const result = await expression.evaluate({ resources: [{ id: 'a' }, { id: 'b' }] });

    expect(result).toEqual(['a', 'b']);
    expect(Object.keys(result as object)).toEqual(['0', '1']);
  });

  it('keeps number and boolean results', async () => {
    expect(await compileExpression('count + 1', WHERE).evaluate({ count: 1 })).toBe(2);
    expect(await compileExpression('severity = "HIGH"', WHERE).evaluate({ severity: 'HIGH' })).toBe(true);
  });

  it('evaluates one expression concurrently', async () => {
    const expression = compileExpression('$string(n) & "-" & $rule', WHERE);

    const results = await Promise.all(
      Array.from({ length: 20 }, (_, n) => expression.evaluate({ n }, { rule: `rule-${n}` })),
    );

    expect(results).toEqual(Array.from({ length: 20 }, (_, n) => `${n}-rule-${n}`));
  });
});

describe('compileExpression run-time bounds', () => {
  it('stops an endless tail recursion in time', async () => {
    const source = '($loop := function($n) { $loop($n + 1) }; $loop(0))';
    const expression = compileExpression(source, WHERE);
    const started = Date.now();

    const error = await caught(() => expression.evaluate({}));

    const elapsed = Date.now() - started;
    expect(error).toBeInstanceOf(ExpressionError);
    expect((error as ExpressionError).code).toBe('D1012');
    expect(elapsed).toBeGreaterThanOrEqual(EXPRESSION_TIMEOUT_MS);
    // Generous upper bound for slow CI machines; without the guard this never returns.
    expect(elapsed).toBeLessThan(EXPRESSION_TIMEOUT_MS + 2000);
    expect((error as Error).message).toBe(
      `Expression in ${WHERE} failed: it ran longer than ${EXPRESSION_TIMEOUT_MS} ms and was stopped; ` +
        `look for a loop or recursion that never ends. Expression: ${source}`,
    );
  });

  it('stops a recursion that goes too deep', async () => {
    const source = '($deep := function($n) { 1 + $deep($n + 1) }; $deep(0))';
    const expression = compileExpression(source, WHERE);

    const error = await caught(() => expression.evaluate({}));

    expect(error).toBeInstanceOf(ExpressionError);
    expect((error as ExpressionError).code).toBe('D1011');
    expect((error as Error).message).toContain('nested deeper than 200 evaluation steps and was stopped');
    expect((error as ExpressionError).where).toBe(WHERE);
    expect((error as ExpressionError).expression).toBe(source);
  });

  it('allows a bounded recursion', async () => {
    const source = '($sum := function($n) { $n = 0 ? 0 : $n + $sum($n - 1) }; $sum(10))';

    expect(await compileExpression(source, WHERE).evaluate({})).toBe(55);
  });

  it('honours a smaller time limit', async () => {
    const expression = compileExpression('($loop := function() { $loop() }; $loop())', WHERE, { timeoutMs: 20 });
    const started = Date.now();

    await expect(expression.evaluate({})).rejects.toThrow('it ran longer than 20 ms');
    expect(Date.now() - started).toBeLessThan(EXPRESSION_TIMEOUT_MS + 1000);
  });
});

describe('compileExpression errors', () => {
  it('wraps an evaluation error with rule and field', async () => {
    const expression = compileExpression('$substring(title, "one")', WHERE);

    const error = await caught(() => expression.evaluate({ title: 'bucket' }));

    expect(error).toBeInstanceOf(ExpressionError);
    expect((error as Error).message).toMatch(
      /^Expression in rule 'test-rule', fields\.urgency\.value failed: .*\(at character \d+\)\. Expression: \$substring\(title, "one"\)$/,
    );
    expect((error as ExpressionError).code).toBe('T0410');
    expect((error as Error).cause).toBeDefined();
  });

  it('rejects a function as a result', async () => {
    const expression = compileExpression('function($x) { $x }', WHERE);

    await expect(expression.evaluate({})).rejects.toThrow('it returned a function instead of a value');
  });

  it('reports a syntax error with its offset', async () => {
    const error = await caught(() => compileExpression('title & & x', WHERE));

    expect(error).toBeInstanceOf(InvalidExpressionError);
    expect((error as InvalidExpressionError).offset).toBe('title & '.length);
    expect((error as Error).message).toBe(
      `Invalid JSONata in ${WHERE}: The symbol "&" cannot be used as a unary operator. Expression: title & & x`,
    );
  });

  it('reports an unterminated expression at its end', async () => {
    const error = await caught(() => compileExpression('severity = ', WHERE));

    expect(error).toBeInstanceOf(InvalidExpressionError);
    expect((error as InvalidExpressionError).offset).toBe('severity = '.length);
  });

  it('rejects an unknown variable', () => {
    expect(() => compileExpression('$tickt.number', WHERE)).toThrow('unknown variable or function $tickt');
  });

  it('accepts variables declared in the expression', async () => {
    const source = '($x := 2; $double := function($n) { $n * 2 }; items@$item#$i.($double($item) + $i + $x))';

    expect(await compileExpression(source, WHERE).evaluate({ items: [1, 2] })).toEqual([4, 7]);
  });

  it('rejects calling $now as a function', () => {
    expect(() => compileExpression('$now()', WHERE)).toThrow('$now is a variable, not a function');
  });

  it('checks root record fields when given', () => {
    const recordFields = new Set(['severity', 'resources']);

    expect(() => compileExpression('severty = "HIGH"', WHERE, { recordFields })).toThrow("the record has no field 'severty'");
    // Names inside a later path step or a filter read other data and are not checked.
    expect(() => compileExpression('resources[type = "AwsS3Bucket"].(type & id)', WHERE, { recordFields })).not.toThrow();
    expect(() => compileExpression('$ticket.number', WHERE, { recordFields })).not.toThrow();
  });
});
