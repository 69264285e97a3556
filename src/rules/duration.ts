const UNIT_MS = {
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
} as const;

/** A whole number followed by s, m, h or d (`90s`, `15m`, `12h`, `7d`), or `0`. Same rule as the JSON Schema. */
const DURATION_PATTERN = /^(?:0|[1-9][0-9]{0,8}[smhd])$/;

/** Format of a duration, for error messages and the schema description. */
export const DURATION_HINT = 'a whole number followed by s, m, h or d (for example 7d or 12h), or 0';

/** Thrown for a duration that does not follow `DURATION_HINT`. */
export class InvalidDurationError extends Error {
  readonly value: unknown;

  constructor(value: unknown) {
    super(`Invalid duration ${JSON.stringify(value)}: write ${DURATION_HINT}`);
    this.name = 'InvalidDurationError';
    this.value = value;
  }
}

/**
 * Converts a mapping duration (`7d`, `12h`, `30m`, `45s`, or `0`) to milliseconds.
 * YAML reads a bare `0` as a number, so the number 0 is accepted too.
 *
 * @example
 * parseDuration('7d'); // 604800000
 */
export function parseDuration(value: string | number): number {
  if (value === 0 || value === '0') {
    return 0;
  }
  if (typeof value !== 'string' || !DURATION_PATTERN.test(value)) {
    throw new InvalidDurationError(value);
  }

  const unit = value.slice(-1) as keyof typeof UNIT_MS;
  return Number(value.slice(0, -1)) * UNIT_MS[unit];
}
