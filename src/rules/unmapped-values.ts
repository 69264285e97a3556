import pino from 'pino';

import { createLogger, type Logger } from '../ops/logger.js';
import { truncateText } from '../core/text.js';

/** The part of a logger that mapping warnings use. */
export type MappingWarningLogger = Pick<Logger, 'warn'>;

/**
 * Distinct values logged per field before the field goes quiet. A field that maps free text can
 * meet many values, and the first ones show what the map lacks without flooding the log.
 */
export const UNMAPPED_VALUES_LOGGED_PER_FIELD = 20;

let fallbackLogger: MappingWarningLogger | undefined;

/**
 * Returns the logger for callers that pass none: JSON lines on stderr, warnings and above, so that
 * the output of commands such as `preview` on stdout stays clean.
 */
function defaultLogger(): MappingWarningLogger {
  fallbackLogger ??= createLogger('warn', pino.destination(2)).child({ component: 'mappings' });
  return fallbackLogger;
}

/** The context an unmapped-value warning names: the mapping, its file, the field and its destination. */
export interface UnmappedValueContext {
  /** `rule 'name'` or `publication 'name'`. */
  mapping: string;
  file: string;
  /** Key path of the field in the mapping, such as `fields.urgency`. */
  field: string;
  /** The record the left-out field belongs to, such as `the ServiceNow record`. */
  writtenTo: string;
}

/**
 * Builds the callback a field rule calls with a value its map has no entry for (and no default):
 * it logs one warning per distinct value, naming the mapping, the field, the value and the fix.
 *
 * @example
 * const onUnmappedValue = unmappedValueReporter(
 *   { mapping: "rule 'sh'", file: 'mappings/sh.yaml', field: 'fields.urgency', writtenTo: 'the ticket' },
 *   logger,
 * );
 */
export function unmappedValueReporter(context: UnmappedValueContext, logger?: MappingWarningLogger): (value: unknown) => void {
  const logged = new Set<string>();

  return (value: unknown): void => {
    const text = truncateText(typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value)), 100);
    if (logged.has(text) || logged.size >= UNMAPPED_VALUES_LOGGED_PER_FIELD) {
      return;
    }
    logged.add(text);

    const quoted = JSON.stringify(text);
    (logger ?? defaultLogger()).warn(
      { mapping: context.mapping, file: context.file, field: context.field, value: text },
      `${context.mapping}, ${context.field}: the value ${quoted} has no entry in the map and the field has no default, ` +
        `so the field is left out of ${context.writtenTo}; add ${quoted} to the map or give the field a default`,
    );
  };
}
