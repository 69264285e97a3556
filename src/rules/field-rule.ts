import type { Literal } from './mapping-document.js';
import type { CompiledExpression, ExpressionBindings, FieldOwner, FieldRule } from './sync-rule.js';
import { truncateText } from '../core/text.js';

/** The parts of a field spec after compilation: exactly one of `expression` or `constant`. */
export interface FieldRuleParts {
  name: string;
  owner: FieldOwner;
  expression?: CompiledExpression;
  constant?: Literal;
  map?: Readonly<Record<string, Literal>>;
  defaultValue?: Literal;
  maxLength?: number;
  /**
   * Called with each value that the map has no entry for when there is no default, so that the
   * field left out is visible (the loader logs a warning naming the rule, field and value).
   */
  onUnmappedValue?: (value: unknown) => void;
}

/**
 * Builds a field rule whose `evaluate` applies, in order: the expression (or the constant), the
 * value map, the default, and the length limit.
 *
 * - The map looks the value up as text, so the number 1 and the text "1" find the same entry.
 * - The default replaces a value that is undefined or null, or that the map does not contain.
 *   Without a default, a value the map does not contain becomes undefined, the target leaves the
 *   field out, and `onUnmappedValue` receives the value. An empty string is a value, not a
 *   missing one.
 * - `maxLength` cuts text values only. Numbers and booleans keep their type, because the
 *   ServiceNow target turns values into text itself and Jira takes typed values.
 *
 * @example
 * const urgency = createFieldRule({
 *   name: 'urgency', owner: 'aws',
 *   expression: compileExpression('severity', "rule 'x', fields.urgency.value"),
 *   map: { CRITICAL: '1', HIGH: '1' }, defaultValue: '3',
 * });
 * await urgency.evaluate({ severity: 'HIGH' }); // '1'
 */
export function createFieldRule(parts: FieldRuleParts): FieldRule {
  const { name, owner, expression, constant, map, defaultValue, maxLength, onUnmappedValue } = parts;

  return {
    name,
    owner,
    async evaluate(input: unknown, bindings?: ExpressionBindings): Promise<unknown> {
      let value: unknown = expression === undefined ? constant : await expression.evaluate(input, bindings);

      if (map !== undefined && value !== undefined && value !== null) {
        const mapped = lookUp(map, value);
        if (mapped === undefined && defaultValue === undefined) {
          onUnmappedValue?.(value);
        }
        value = mapped;
      }

      if ((value === undefined || value === null) && defaultValue !== undefined) {
        value = defaultValue;
      }

      if (maxLength !== undefined && typeof value === 'string') {
        value = truncateText(value, maxLength);
      }
      return value;
    },
  };
}

/** Look up the map entry for a value by its text. Returns undefined when the map has none. */
function lookUp(map: Readonly<Record<string, Literal>>, value: unknown): Literal | undefined {
  if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
    return undefined;
  }
  const key = String(value);
  // Own keys only, so that a value such as "constructor" does not find Object.prototype members.
  return Object.hasOwn(map, key) ? map[key] : undefined;
}
