import { InvalidEventError } from '../source-adapter.js';

/** The event and the finding being read, so that every error names them. */
export interface FieldReader {
  eventId: string;
  detailType: string;
  /** Path of the finding in the event, such as `detail.findings[0]`, which errors put before each field path. */
  findingPath: string;
}

/**
 * Build an `InvalidEventError` for one field of the finding. The message starts with the field's
 * full path in the event, such as `detail.findings[0].cloud.account.uid`.
 */
export function invalidField(read: FieldReader, path: string, problem: string): InvalidEventError {
  return new InvalidEventError(read.eventId, read.detailType, `${read.findingPath}.${path} ${problem}`);
}

/** Check that one entry of `detail.findings` is an object, and return it. */
export function findingObject(value: unknown, read: FieldReader): Record<string, unknown> {
  if (!isObject(value)) {
    throw new InvalidEventError(read.eventId, read.detailType, `${read.findingPath} must be a finding object, got ${describeValue(value)}`);
  }
  return value;
}

/**
 * Look up a dotted path such as `cloud.account.uid` in a finding. Returns undefined when the field,
 * or an object on the way to it, is absent or null.
 *
 * @throws InvalidEventError when an object on the way is present but is not an object.
 */
export function valueAt(finding: Record<string, unknown>, path: string, read: FieldReader): unknown {
  const keys = path.split('.');
  let current: unknown = finding;

  for (const [index, key] of keys.entries()) {
    if (current === undefined || current === null) return undefined;

    if (!isObject(current)) {
      const parentPath = keys.slice(0, index).join('.');
      throw invalidField(read, parentPath, `must be an object, got ${describeValue(current)}`);
    }
    current = current[key];
  }
  return current;
}

/**
 * Read an object that the finding may leave out, such as `compliance`.
 *
 * @throws InvalidEventError when the value is present but is not an object.
 */
export function optionalObject(finding: Record<string, unknown>, path: string, read: FieldReader): Record<string, unknown> | undefined {
  const value = valueAt(finding, path, read);
  if (value === undefined || value === null) return undefined;

  if (!isObject(value)) {
    throw invalidField(read, path, `must be an object, got ${describeValue(value)}`);
  }
  return value;
}

/**
 * Read a string the finding cannot be synced without.
 *
 * @param meaning - the content of the field, such as "the id of the AWS account that owns the finding",
 *   for the error message.
 * @throws InvalidEventError when the field is missing, empty or not a string.
 */
export function requiredString(finding: Record<string, unknown>, path: string, read: FieldReader, meaning: string): string {
  const value = valueAt(finding, path, read);
  if (typeof value !== 'string' || value.length === 0) {
    throw invalidField(read, path, `must be a non-empty string (${meaning}), got ${describeValue(value)}`);
  }
  return value;
}

/**
 * Read a string the finding may leave out. A value of another type counts as absent, because
 * optional fields only fill text in the view.
 */
export function optionalString(finding: Record<string, unknown>, path: string, read: FieldReader): string | undefined {
  const value = valueAt(finding, path, read);
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/** Describe a field's value for an error message: the JSON text of a scalar, cut to 60 characters, or its kind. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === '') return 'an empty string';
  if (Array.isArray(value)) return 'an array';
  if (isObject(value)) return 'an object';

  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 59)}…` : text;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
