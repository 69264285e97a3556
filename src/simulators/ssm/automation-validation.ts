/**
 * Request checks of the SSM simulator's Automation and Change Manager operations. Member
 * constraints (lengths, patterns, enums, list sizes) come from the SSM API model (botocore
 * `ssm/2014-11-06/service-2.json`) and are reported as ValidationException. Members of the wrong
 * JSON type are reported as SerializationException.
 */
import { serializationError, validationError } from './api-error.js';
import { asObject, readText } from './opsitem-validation.js';

/** `SignalType` of the SSM API model. */
export const SIGNAL_TYPES = ['Approve', 'Reject', 'StartStep', 'StopStep', 'Resume', 'Revoke'] as const;
export type SignalType = (typeof SIGNAL_TYPES)[number];

/** `AutomationExecutionStatus` of the SSM API model. */
export const AUTOMATION_EXECUTION_STATUSES = [
  'Pending',
  'InProgress',
  'Waiting',
  'Success',
  'TimedOut',
  'Cancelling',
  'Cancelled',
  'Failed',
  'PendingApproval',
  'Approved',
  'Rejected',
  'Scheduled',
  'RunbookInProgress',
  'PendingChangeCalendarOverride',
  'ChangeCalendarOverrideApproved',
  'ChangeCalendarOverrideRejected',
  'CompletedWithSuccess',
  'CompletedWithFailure',
  'Exited',
] as const;
export type AutomationExecutionStatus = (typeof AUTOMATION_EXECUTION_STATUSES)[number];

/** A Runbook entry of StartChangeRequestExecution, checked. */
export interface RunbookRequest {
  DocumentName: string;
  DocumentVersion?: string;
  Parameters: Record<string, string[]>;
  MaxConcurrency?: string;
  MaxErrors?: string;
}

// AutomationParameterMap limits of the model: 1 to 200 keys of 1 to 50 characters, values of up to 512.
const PARAMETER_MAP_MAX_KEYS = 200;
const PARAMETER_KEY_MAX_LENGTH = 50;
const PARAMETER_VALUE_MAX_LENGTH = 512;

const CLIENT_TOKEN_PATTERN = /^[a-fA-F0-9]{8}-[a-fA-F0-9]{4}-[a-fA-F0-9]{4}-[a-fA-F0-9]{4}-[a-fA-F0-9]{12}$/;
const MAX_CONCURRENCY_PATTERN = /^([1-9][0-9]*|[1-9][0-9]%|[1-9]%|100%)$/;
const MAX_ERRORS_PATTERN = /^([1-9]*[0-9]+|[1-9]*[0-9]%|[0-9]%|100%)$/;

/** Checks an `AutomationExecutionId`: the model fixes its length at 36 (a UUID). */
export function readExecutionId(value: unknown): string {
  if (value === undefined || value === null) {
    throw validationError('automationExecutionId', null, 'Member must not be null');
  }
  if (typeof value !== 'string') {
    throw serializationError(`'AutomationExecutionId' must be a string, got ${JSON.stringify(value)}`);
  }
  if (value.length !== 36) {
    throw validationError('automationExecutionId', value, 'Member must have length equal to 36');
  }
  return value;
}

/**
 * Checks an `AutomationParameterMap` (Parameters, Payload): string keys, each with a list of
 * strings. Returns an empty map when the member is absent.
 */
export function readParameterMap(value: unknown, member: string): Record<string, string[]> {
  if (value === undefined || value === null) {
    return {};
  }
  const map = asObject(value, member);
  const entries = Object.entries(map);
  if (entries.length > PARAMETER_MAP_MAX_KEYS) {
    throw validationError(member, `${entries.length} keys`, `Member must have at most ${PARAMETER_MAP_MAX_KEYS} keys`);
  }

  const result: Record<string, string[]> = {};
  for (const [key, values] of entries) {
    if (key.length < 1 || key.length > PARAMETER_KEY_MAX_LENGTH) {
      throw validationError(member, key, `Map keys must have length from 1 to ${PARAMETER_KEY_MAX_LENGTH}`);
    }
    if (!Array.isArray(values) || values.some((item) => typeof item !== 'string')) {
      throw serializationError(`'${member}.${key}' must be a list of strings, got ${JSON.stringify(values)}`);
    }
    const tooLong = (values as string[]).find((item) => item.length > PARAMETER_VALUE_MAX_LENGTH);
    if (tooLong !== undefined) {
      throw validationError(`${member}.${key}`, `${tooLong.slice(0, 40)}…`, `Member must have length less than or equal to ${PARAMETER_VALUE_MAX_LENGTH}`);
    }
    result[key] = [...(values as string[])];
  }
  return result;
}

/** Checks a `ClientToken`: a UUID. */
export function readClientToken(value: unknown): string | undefined {
  if (value === undefined || value === null) {
    return undefined;
  }
  if (typeof value !== 'string' || !CLIENT_TOKEN_PATTERN.test(value)) {
    throw validationError('clientToken', value, `Member must satisfy regular expression pattern: ${CLIENT_TOKEN_PATTERN.source}`);
  }
  return value;
}

/** Checks `SignalType` against the enum of the model. */
export function readSignalType(value: unknown): SignalType {
  if (value === undefined || value === null) {
    throw validationError('signalType', null, 'Member must not be null');
  }
  if (typeof value !== 'string' || !(SIGNAL_TYPES as readonly string[]).includes(value)) {
    throw validationError('signalType', value, `Member must satisfy enum value set: [${SIGNAL_TYPES.join(', ')}]`);
  }
  return value as SignalType;
}

/** Checks the `Runbooks` of StartChangeRequestExecution: the model allows exactly one entry. */
export function readRunbooks(value: unknown): RunbookRequest[] {
  if (value === undefined || value === null) {
    throw validationError('runbooks', null, 'Member must not be null');
  }
  if (!Array.isArray(value)) {
    throw serializationError(`'Runbooks' must be a list, got ${JSON.stringify(value)}`);
  }
  if (value.length !== 1) {
    throw validationError('runbooks', `${value.length} entries`, 'Member must have length equal to 1');
  }

  return value.map((candidate, index) => {
    const entry = asObject(candidate, `Runbooks[${index}]`);
    const member = `runbooks.${index + 1}.member`;
    const runbook: RunbookRequest = {
      DocumentName: readText(entry.DocumentName, `${member}.documentName`, { min: 1, max: 128, required: true })!,
      Parameters: readParameterMap(entry.Parameters, `Runbooks[${index}].Parameters`),
    };
    const version = readText(entry.DocumentVersion, `${member}.documentVersion`, { min: 1, max: 128 });
    if (version !== undefined) {
      runbook.DocumentVersion = version;
    }
    const maxConcurrency = readPattern(entry.MaxConcurrency, `${member}.maxConcurrency`, MAX_CONCURRENCY_PATTERN);
    if (maxConcurrency !== undefined) {
      runbook.MaxConcurrency = maxConcurrency;
    }
    const maxErrors = readPattern(entry.MaxErrors, `${member}.maxErrors`, MAX_ERRORS_PATTERN);
    if (maxErrors !== undefined) {
      runbook.MaxErrors = maxErrors;
    }

    const unsupported = ['TargetParameterName', 'Targets', 'TargetMaps', 'TargetLocations'].filter((key) => entry[key] !== undefined && entry[key] !== null);
    if (unsupported.length > 0) {
      throw validationError(`${member}.${unsupported[0]!}`, entry[unsupported[0]!], 'Member is not supported by the SSM simulator; leave it out');
    }
    return runbook;
  });
}

/** Checks an optional boolean member such as `AutoApprove`. */
export function readBoolean(value: unknown, member: string): boolean | undefined {
  if (value === undefined || value === null) {
    return undefined;
  }
  if (typeof value !== 'boolean') {
    throw serializationError(`'${member}' must be true or false, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** Checks an optional list-size member such as `MaxResults`: a whole number from 1 to `max`. */
export function readMaxResults(value: unknown, max: number): number {
  if (value === undefined || value === null) {
    return max;
  }
  if (!Number.isInteger(value) || (value as number) < 1 || (value as number) > max) {
    throw validationError('maxResults', value, `Member must have value between 1 and ${max}`);
  }
  return value as number;
}

function readPattern(value: unknown, member: string, pattern: RegExp): string | undefined {
  if (value === undefined || value === null) {
    return undefined;
  }
  if (typeof value !== 'string' || !pattern.test(value)) {
    throw validationError(member, value, `Member must satisfy regular expression pattern: ${pattern.source}`);
  }
  return value;
}
