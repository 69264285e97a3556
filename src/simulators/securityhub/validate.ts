/**
 * Small request checks shared by the simulator's operations. Each takes the error factory of its
 * operation family, because the ASFF operations return InvalidInputException and the V2
 * operations ValidationException.
 */

export type ErrorFactory = (message: string) => Error;

/** Returns `value` as a JSON object, or throws the family's error naming `name`. */
export function asObject(value: unknown, name: string, makeError: ErrorFactory): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw makeError(`Invalid parameter '${name}': a JSON object is required`);
  }
  return value as Record<string, unknown>;
}

/**
 * Checks that `value` is a string of `min` to `max` characters.
 *
 * NOTE: the API reference does not say whether Security Hub counts code points or UTF-16 code
 * units. The simulator counts UTF-16 code units (JavaScript's `length`), the stricter reading.
 */
export function checkLength(value: unknown, name: string, min: number, max: number, makeError: ErrorFactory): void {
  if (typeof value !== 'string') {
    throw makeError(`Invalid parameter '${name}': a string of ${min} to ${max} characters is required`);
  }
  if (value.length < min || value.length > max) {
    throw makeError(`Invalid parameter '${name}': it must be ${min} to ${max} characters long, got ${value.length}`);
  }
}
