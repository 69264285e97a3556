/**
 * The Assets REST API's records as the Assets client returns them, and the parsers that build them
 * from the wire. Cloud sends ids as strings ("88") and Data Center as numbers (88). The parsers turn
 * both into strings, so the rest of the connector compares ids one way.
 */

import { AssetsResponseError } from './errors.js';

/** The two kinds of Jira installation, with different Assets endpoints. */
export type AssetsDeployment = 'cloud' | 'datacenter';

/**
 * Attribute types as the API numbers them in `ObjectTypeAttribute.type`. Reference attributes hold
 * other objects, status attributes hold one of the schema's status types.
 */
export const ATTRIBUTE_TYPE = {
  default: 0,
  reference: 1,
  user: 2,
  confluence: 3,
  group: 4,
  version: 5,
  project: 6,
  status: 7,
} as const;

/** Value types of default-type attributes, by `defaultType.id`. */
export const DEFAULT_TYPE = {
  text: 0,
  integer: 1,
  boolean: 2,
  double: 3,
  date: 4,
  time: 5,
  dateTime: 6,
  url: 7,
  email: 8,
  textarea: 9,
  select: 10,
  ipAddress: 11,
} as const;

/** An object schema, such as the one with key `AWS`. */
export interface AssetsSchema {
  id: string;
  name: string;
  /** The schema key, which prefixes the key of each object (`AWS-12`). */
  objectSchemaKey: string;
}

/** An object type of a schema, such as `EC2 Instance`. */
export interface AssetsObjectType {
  id: string;
  name: string;
  objectSchemaId: string;
}

/** An attribute of an object type. */
export interface AssetsAttribute {
  id: string;
  name: string;
  /** One of ATTRIBUTE_TYPE. */
  type: number;
  /** One of DEFAULT_TYPE, for default-type attributes. */
  defaultTypeId?: number;
  /** The attribute that names the object (its label), usually `Name`. */
  label: boolean;
  /** System attributes (Key, Created, Updated) are set by Assets and cannot be written. */
  system: boolean;
  editable: boolean;
  /** Values the attribute needs at least; 1 makes it required. */
  minimumCardinality: number;
  /** Values the attribute takes at most; -1 is unlimited. */
  maximumCardinality: number;
  /** For reference attributes: the object type that the referenced objects have. */
  referenceObjectTypeId?: string;
  /** For status attributes: the ids of the statuses allowed, empty when every status of the schema is. */
  statusIds: string[];
}

/** A status type, such as `Active` or `Retired`. */
export interface AssetsStatus {
  id: string;
  name: string;
  /** 0 inactive, 1 active, 2 pending. */
  category: number;
}

/** One value of an object's attribute. */
export interface AssetsAttributeValue {
  value?: string;
  displayValue?: string;
  searchValue?: string;
  /** For reference attributes: the object referred to. */
  referencedObject?: { id: string; objectKey: string; label: string };
  /** For status attributes: the status. */
  status?: { id: string; name: string };
}

/** An object and its attribute values. */
export interface AssetsObject {
  id: string;
  /** Schema key and number, such as `AWS-12`. */
  objectKey: string;
  label: string;
  objectType: { id: string; name: string };
  /** Time of the last change as Assets wrote it (ISO-8601 on Cloud), when the response has one. */
  updated?: string;
  /** Values by attribute id. An attribute without values may be missing. */
  attributes: Map<string, AssetsAttributeValue[]>;
}

/** An attribute and its values as the create and update calls take them. */
export interface AssetsAttributeInput {
  objectTypeAttributeId: string;
  objectAttributeValues: Array<{ value: string }>;
}

type Raw = Record<string, unknown>;

/** Read an id that Cloud sends as a string and Data Center as a number. */
export function readId(raw: unknown, operation: string, what: string): string {
  if (typeof raw === 'string' && raw !== '') return raw;
  if (typeof raw === 'number' && Number.isInteger(raw)) return String(raw);
  throw new AssetsResponseError(operation, `Assets returned ${what} without a valid id (${JSON.stringify(raw)}) for ${operation}.`);
}

function readString(raw: unknown, operation: string, what: string): string {
  if (typeof raw === 'string') return raw;
  throw new AssetsResponseError(operation, `Assets returned ${what} that is not a string (${JSON.stringify(raw)}) for ${operation}.`);
}

function asRecord(raw: unknown, operation: string, what: string): Raw {
  if (typeof raw === 'object' && raw !== null && !Array.isArray(raw)) return raw as Raw;
  throw new AssetsResponseError(operation, `Assets returned ${what} that is not a JSON object for ${operation}: ${JSON.stringify(raw)?.slice(0, 200)}.`);
}

/** Return the array in `raw`, or throw: a missing list must never be read as "no items". */
export function asArray(raw: unknown, operation: string, what: string): unknown[] {
  if (Array.isArray(raw)) return raw;
  throw new AssetsResponseError(operation, `Assets returned no list of ${what} for ${operation}: ${JSON.stringify(raw)?.slice(0, 200)}.`);
}

export function parseSchema(raw: unknown, operation: string): AssetsSchema {
  const record = asRecord(raw, operation, 'an object schema');
  return {
    id: readId(record.id, operation, 'an object schema'),
    name: readString(record.name, operation, 'an object schema name'),
    objectSchemaKey: readString(record.objectSchemaKey, operation, 'an object schema key'),
  };
}

export function parseObjectType(raw: unknown, operation: string): AssetsObjectType {
  const record = asRecord(raw, operation, 'an object type');
  return {
    id: readId(record.id, operation, 'an object type'),
    name: readString(record.name, operation, 'an object type name'),
    objectSchemaId: readId(record.objectSchemaId, operation, 'an object type schema'),
  };
}

export function parseAttribute(raw: unknown, operation: string): AssetsAttribute {
  const record = asRecord(raw, operation, 'an object type attribute');
  const defaultType = record.defaultType as Raw | undefined;
  const numberOr = (value: unknown, fallback: number) => (typeof value === 'number' ? value : fallback);

  return {
    id: readId(record.id, operation, 'an attribute'),
    name: readString(record.name, operation, 'an attribute name'),
    type: numberOr(record.type, ATTRIBUTE_TYPE.default),
    defaultTypeId: typeof defaultType?.id === 'number' ? defaultType.id : undefined,
    label: record.label === true,
    system: record.system === true,
    editable: record.editable !== false,
    minimumCardinality: numberOr(record.minimumCardinality, 0),
    maximumCardinality: numberOr(record.maximumCardinality, 1),
    referenceObjectTypeId:
      record.referenceObjectTypeId === undefined || record.referenceObjectTypeId === null
        ? undefined
        : readId(record.referenceObjectTypeId, operation, 'a reference attribute'),
    statusIds: Array.isArray(record.typeValueMulti) ? record.typeValueMulti.map((id) => String(id)) : [],
  };
}

export function parseStatus(raw: unknown, operation: string): AssetsStatus {
  const record = asRecord(raw, operation, 'a status type');
  return {
    id: readId(record.id, operation, 'a status type'),
    name: readString(record.name, operation, 'a status type name'),
    category: typeof record.category === 'number' ? record.category : 1,
  };
}

export function parseObject(raw: unknown, operation: string): AssetsObject {
  const record = asRecord(raw, operation, 'an object');
  const objectType = asRecord(record.objectType, operation, 'an object type');
  const attributes = new Map<string, AssetsAttributeValue[]>();

  // Objects read without attributes (includeAttributes=false) have no list; that is not an error.
  for (const item of Array.isArray(record.attributes) ? record.attributes : []) {
    const attribute = asRecord(item, operation, 'an object attribute');
    const attributeId = readId(attribute.objectTypeAttributeId, operation, 'an object attribute');
    const values = asArray(attribute.objectAttributeValues, operation, 'attribute values').map((value) => parseAttributeValue(value, operation));
    attributes.set(attributeId, values);
  }

  return {
    id: readId(record.id, operation, 'an object'),
    objectKey: readString(record.objectKey, operation, 'an object key'),
    label: typeof record.label === 'string' ? record.label : '',
    objectType: {
      id: readId(objectType.id, operation, 'an object type'),
      name: typeof objectType.name === 'string' ? objectType.name : '',
    },
    updated: typeof record.updated === 'string' ? record.updated : undefined,
    attributes,
  };
}

function parseAttributeValue(raw: unknown, operation: string): AssetsAttributeValue {
  const record = asRecord(raw, operation, 'an attribute value');
  const text = (value: unknown) => (value === undefined || value === null ? undefined : String(value));
  const parsed: AssetsAttributeValue = {
    value: text(record.value),
    displayValue: text(record.displayValue),
    searchValue: text(record.searchValue),
  };

  if (record.referencedObject !== undefined && record.referencedObject !== null) {
    const referenced = asRecord(record.referencedObject, operation, 'a referenced object');
    parsed.referencedObject = {
      id: readId(referenced.id, operation, 'a referenced object'),
      objectKey: typeof referenced.objectKey === 'string' ? referenced.objectKey : '',
      label: typeof referenced.label === 'string' ? referenced.label : '',
    };
  }

  if (record.status !== undefined && record.status !== null) {
    const status = asRecord(record.status, operation, 'a status value');
    parsed.status = { id: readId(status.id, operation, 'a status value'), name: typeof status.name === 'string' ? status.name : '' };
  }

  return parsed;
}
