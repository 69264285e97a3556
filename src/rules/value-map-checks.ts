import jsonata from 'jsonata';

import type { SourceKind } from '../core/types.js';
import { knownValuesOf, RECORD_NOUNS } from './known-values.js';
import type { Literal } from './mapping-document.js';
import { closestKey } from './schema.js';

/** A problem with a field's value map, at a key path of the mapping document. */
export interface ValueMapProblem {
  path: string[];
  /** Whether the editor should point at the key itself (a map entry) or at its value. */
  pointAt: 'key' | 'value';
  message: string;
}

/** The parts of a field spec that the check reads. */
export interface MappedFieldSpec {
  value?: string;
  map?: Record<string, Literal>;
  default?: Literal;
}

/**
 * Checks the value map of a field whose `value` is a plain path to a record view field with a
 * closed list of values, such as `value: severity` on a finding. Each map key must be one of those
 * values, because any other key never applies. Without a `default`, the map must have an entry for
 * every value, because a value without one leaves the field out of the ticket.
 *
 * Returns no problem for other fields: those whose value is an expression, or reads a field whose
 * values are not known in advance. The field rule logs their missing values at run time.
 *
 * @example
 * checkValueMap('finding', { value: 'severity', map: { CRITICAL: '1', HIHG: '1' } }, ['fields', 'urgency']);
 * // one problem at fields.urgency.map.HIHG (did you mean 'HIGH'?), and one at fields.urgency.map
 * // (HIGH, MEDIUM, LOW and INFORMATIONAL have no entry)
 */
export function checkValueMap(kind: SourceKind, spec: MappedFieldSpec, path: readonly string[]): ValueMapProblem[] {
  if (spec.map === undefined || spec.value === undefined) {
    return [];
  }
  const viewField = plainViewField(spec.value);
  const known = viewField === undefined ? undefined : knownValuesOf(kind, viewField);
  if (viewField === undefined || known === undefined) {
    return [];
  }

  const problems: ValueMapProblem[] = [];
  const mapPath = [...path, 'map'];
  const allowed = known.join(', ');

  for (const key of Object.keys(spec.map)) {
    if (known.includes(key)) continue;
    const suggestion = closestKey(key, known);
    const hint = suggestion === undefined ? '' : ` (did you mean '${suggestion}'?)`;
    problems.push({
      path: [...mapPath, key],
      pointAt: 'key',
      message: `unknown ${viewField} value '${key}': ${viewField} is one of ${allowed}, so this entry would never apply${hint}`,
    });
  }

  const missing = known.filter((value) => !Object.hasOwn(spec.map!, value));
  if (missing.length > 0 && spec.default === undefined) {
    const field = path[path.length - 1] ?? 'the field';
    const record = RECORD_NOUNS[kind];
    const message =
      missing.length === 1
        ? `the map has no entry for ${viewField} ${missing[0]} and no default, so ${record} with ${viewField} ${missing[0]} ` +
          `would get no ${field}; add ${missing[0]} to the map or give a default`
        : `the map has no entry for the ${viewField} values ${missing.join(', ')} and no default, so ${record} with one of them ` +
          `would get no ${field}; add them to the map or give a default`;
    problems.push({ path: mapPath, pointAt: 'key', message });
  }
  return problems;
}

/**
 * Returns the view field that an expression reads when it is nothing but that field, such as
 * `severity`, `$.severity` or `` `severity` ``, or undefined for any other expression.
 */
function plainViewField(expression: string): string | undefined {
  let ast: Record<string, unknown>;
  try {
    ast = jsonata(expression).ast() as unknown as Record<string, unknown>;
  } catch {
    // The expression check reports the syntax error.
    return undefined;
  }
  if (ast.type !== 'path' || !Array.isArray(ast.steps)) {
    return undefined;
  }

  const steps = ast.steps as Array<Record<string, unknown>>;
  // `$` (the context) and `$$` (the input) are both the record at the root of a field expression.
  const leadingRoot = steps[0]?.type === 'variable' && (steps[0].value === '' || steps[0].value === '$');
  const rest = leadingRoot ? steps.slice(1) : steps;
  const [step] = rest;
  if (rest.length !== 1 || step === undefined || step.type !== 'name' || typeof step.value !== 'string') {
    return undefined;
  }
  // A filter, sort or grouping makes it more than a plain read.
  const plainKeys = new Set(['type', 'value', 'position']);
  if (!Object.keys(step).every((key) => plainKeys.has(key)) || Object.keys(ast).some((key) => key !== 'type' && key !== 'steps')) {
    return undefined;
  }
  return step.value;
}
