import { InvalidEventError } from '../source-adapter.js';

/** The event being read, so that every error names it. */
export interface FieldReader {
  eventId: string;
  detailType: string;
}

export function asRecord(value: unknown, read: FieldReader, path: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidEventError(read.eventId, read.detailType, `${path} must be an object, got ${describe(value)}`);
  }
  return value as Record<string, unknown>;
}

export function requiredString(object: Record<string, unknown>, key: string, read: FieldReader): string {
  const value = object[key];
  if (typeof value !== 'string' || value.length === 0) {
    throw new InvalidEventError(read.eventId, read.detailType, `the finding's "${key}" must be a non-empty string, got ${describe(value)}`);
  }
  return value;
}

export function optionalString(object: Record<string, unknown>, key: string): string | undefined {
  const value = object[key];
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'string' ? `"${value.slice(0, 60)}"` : typeof value;
}
