/**
 * Request checks of the SSM simulator's OpsItem operations. Member constraints (lengths, patterns,
 * ranges, enums) come from the SSM API model (botocore `ssm/2014-11-06/service-2.json`) and are
 * reported as ValidationException. The OperationalData rules that the API reference states in
 * prose are reported as OpsItemInvalidParameterException.
 */
import { invalidParameter, serializationError, validationError } from './api-error.js';

/** Every `OpsItemStatus` of the SSM API model; change requests use most of them. */
export const OPSITEM_STATUSES = [
  'Open',
  'InProgress',
  'Resolved',
  'Pending',
  'TimedOut',
  'Cancelling',
  'Cancelled',
  'Failed',
  'CompletedWithSuccess',
  'CompletedWithFailure',
  'Scheduled',
  'RunbookInProgress',
  'PendingChangeCalendarOverride',
  'ChangeCalendarOverrideApproved',
  'ChangeCalendarOverrideRejected',
  'PendingApproval',
  'Approved',
  'Revoked',
  'Rejected',
  'Closed',
] as const;

/** OpsItem types that CreateOpsItem accepts, per the CreateOpsItem API reference. */
export const OPSITEM_TYPES = ['/aws/issue', '/aws/changerequest', '/aws/insight'] as const;

/** `OpsItemDataType` of the SSM API model. */
export const OPSITEM_DATA_TYPES = ['SearchableString', 'String'] as const;

export const OPSITEM_ID_PATTERN = /^(oi)-[0-9a-f]{12}$/;

/** Maximum length of an OperationalData key (`OpsItemDataKey`, SSM API model). */
export const OPERATIONAL_DATA_KEY_MAX_LENGTH = 128;

/**
 * Maximum size of one OperationalData value. The API reference gives "20 KB" without defining the
 * unit. NOTE: the simulator takes the strictest reading, 20,000 bytes of UTF-8.
 */
export const OPERATIONAL_DATA_VALUE_MAX_BYTES = 20_000;

/**
 * Key prefixes that callers may not write, as the CreateOpsItem and UpdateOpsItem API reference
 * lists them. The same reference documents `/aws/resources` and `/aws/automations` for callers, and
 * the OpsCenter deduplication guide uses `/aws/dedup`, so those three keys are allowed.
 */
export const RESERVED_KEY_PREFIXES = ['amazon', 'aws', 'amzn', 'ssm', '/amazon', '/aws', '/amzn', '/ssm'] as const;
export const DOCUMENTED_AWS_KEYS: ReadonlySet<string> = new Set(['/aws/resources', '/aws/automations', '/aws/dedup']);

/** One OperationalData entry as sent on the wire. */
export interface OpsItemDataValue {
  Value: string;
  Type: (typeof OPSITEM_DATA_TYPES)[number];
}

/** Pattern `^(?!\s*$).+` of most OpsItem strings: at least one character that is not white space. */
const NOT_BLANK = /\S/;

/** Returns `value` as a JSON object, or throws SerializationException naming `member`. */
export function asObject(value: unknown, member: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw serializationError(`'${member}' must be a JSON object`);
  }
  return value as Record<string, unknown>;
}

/**
 * Checks a string member against its model constraints: `min` to `max` characters, at least one
 * character that is not white space. Returns undefined when the member is absent and optional.
 */
export function readText(value: unknown, member: string, limits: { min: number; max: number; required?: boolean }): string | undefined {
  if (value === undefined || value === null) {
    if (limits.required) {
      throw validationError(member, null, 'Member must not be null');
    }
    return undefined;
  }
  if (typeof value !== 'string') {
    throw serializationError(`'${member}' must be a string, got ${JSON.stringify(value)}`);
  }
  if (value.length < limits.min) {
    throw validationError(member, value, `Member must have length greater than or equal to ${limits.min}`);
  }
  if (value.length > limits.max) {
    throw validationError(member, `${value.slice(0, 40)}…`, `Member must have length less than or equal to ${limits.max}`);
  }
  if (!NOT_BLANK.test(value)) {
    throw validationError(member, value, 'Member must satisfy regular expression pattern: ^(?!\\s*$).+');
  }
  return value;
}

/** Checks an OpsItem id against the `OpsItemId` pattern of the model. */
export function readOpsItemId(value: unknown, member = 'opsItemId'): string {
  const id = readText(value, member, { min: 1, max: 15, required: true })!;
  if (!OPSITEM_ID_PATTERN.test(id)) {
    throw validationError(member, id, `Member must satisfy regular expression pattern: ${OPSITEM_ID_PATTERN.source}`);
  }
  return id;
}

/** Checks `Status` against the `OpsItemStatus` enum. */
export function readStatus(value: unknown): string | undefined {
  if (value === undefined || value === null) {
    return undefined;
  }
  if (typeof value !== 'string' || !(OPSITEM_STATUSES as readonly string[]).includes(value)) {
    throw validationError('status', value, `Member must satisfy enum value set: [${OPSITEM_STATUSES.join(', ')}]`);
  }
  return value;
}

/** Checks `Priority`: a whole number from 1 to 5. */
export function readPriority(value: unknown): number | undefined {
  if (value === undefined || value === null) {
    return undefined;
  }
  if (!Number.isInteger(value)) {
    throw serializationError(`'priority' must be a whole number, got ${JSON.stringify(value)}`);
  }
  if ((value as number) < 1) {
    throw validationError('priority', value, 'Member must have value greater than or equal to 1');
  }
  if ((value as number) > 5) {
    throw validationError('priority', value, 'Member must have value less than or equal to 5');
  }
  return value as number;
}

/** Checks a timestamp member, which the AWS JSON protocol sends as epoch seconds. */
export function readTimestamp(value: unknown, member: string): number | undefined {
  if (value === undefined || value === null) {
    return undefined;
  }
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw serializationError(`'${member}' must be a timestamp in epoch seconds, got ${JSON.stringify(value)}`);
  }
  return value;
}

/**
 * Checks an OperationalData map as CreateOpsItem and UpdateOpsItem take it. Keys and types break
 * model constraints (ValidationException); reserved prefixes and oversized values break the
 * rules of the API reference (OpsItemInvalidParameterException).
 *
 * @param allowReservedKeys true for data that AWS services write themselves (seeded OpsItems).
 */
export function readOperationalData(value: unknown, allowReservedKeys = false): Record<string, OpsItemDataValue> | undefined {
  if (value === undefined || value === null) {
    return undefined;
  }
  const data = asObject(value, 'OperationalData');
  const result: Record<string, OpsItemDataValue> = {};

  for (const [key, entryValue] of Object.entries(data)) {
    if (key.length < 1 || key.length > OPERATIONAL_DATA_KEY_MAX_LENGTH || !NOT_BLANK.test(key)) {
      throw validationError(
        'operationalData',
        key,
        `Map keys must have length from 1 to ${OPERATIONAL_DATA_KEY_MAX_LENGTH} and satisfy regular expression pattern: ^(?!\\s*$).+`,
      );
    }
    if (!allowReservedKeys && isReservedKey(key)) {
      throw invalidParameter(
        ['OperationalData'],
        `OperationalData key "${key}" is reserved: keys can't begin with ${RESERVED_KEY_PREFIXES.join(', ')} (except ${[...DOCUMENTED_AWS_KEYS].join(', ')}).`,
      );
    }

    const entry = asObject(entryValue, `OperationalData.${key}`);
    const type = entry.Type ?? 'String';
    if (!(OPSITEM_DATA_TYPES as readonly string[]).includes(type as string)) {
      throw validationError(`operationalData.${key}.member.type`, type, `Member must satisfy enum value set: [${OPSITEM_DATA_TYPES.join(', ')}]`);
    }
    if (typeof entry.Value !== 'string' || !NOT_BLANK.test(entry.Value)) {
      throw validationError(`operationalData.${key}.member.value`, entry.Value ?? null, 'Member must satisfy regular expression pattern: [\\s\\S]*\\S[\\s\\S]*');
    }
    const bytes = Buffer.byteLength(entry.Value, 'utf8');
    if (bytes > OPERATIONAL_DATA_VALUE_MAX_BYTES) {
      throw invalidParameter(
        ['OperationalData'],
        `The value of OperationalData key "${key}" is ${bytes} bytes; the maximum size of a value is 20 KB (${OPERATIONAL_DATA_VALUE_MAX_BYTES} bytes in this simulator).`,
      );
    }

    result[key] = { Value: entry.Value, Type: type as OpsItemDataValue['Type'] };
  }
  return result;
}

/** Checks `OperationalDataToDelete`: a list of keys. Deleting reserved keys is allowed. */
export function readKeysToDelete(value: unknown): string[] | undefined {
  if (value === undefined || value === null) {
    return undefined;
  }
  if (!Array.isArray(value) || value.some((key) => typeof key !== 'string')) {
    throw serializationError(`'OperationalDataToDelete' must be a list of strings, got ${JSON.stringify(value)}`);
  }
  return value as string[];
}

/** Checks a list of objects (`Notifications`, `RelatedOpsItems`) and keeps copies of its items. */
export function readObjectList(value: unknown, member: string): Array<Record<string, unknown>> | undefined {
  if (value === undefined || value === null) {
    return undefined;
  }
  if (!Array.isArray(value)) {
    throw serializationError(`'${member}' must be a list, got ${JSON.stringify(value)}`);
  }
  return value.map((item, index) => structuredClone(asObject(item, `${member}[${index}]`)));
}

function isReservedKey(key: string): boolean {
  if (DOCUMENTED_AWS_KEYS.has(key)) {
    return false;
  }
  return RESERVED_KEY_PREFIXES.some((prefix) => key.startsWith(prefix));
}
