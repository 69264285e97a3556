/**
 * Conversion between the plain values of a sync rule (strings, numbers, lists) and Assets attribute
 * values, in both directions.
 *
 * Writing: every value is sent as text, the way the Assets API takes it. A list gives one value per
 * element, and null, undefined, '' or [] clear the attribute. Status attributes take a status NAME
 * ("Retired"), which is sent as the status id. Reference attributes take the key (`AWS-12`) or id of
 * the object referred to.
 *
 * Reading: an attribute with a maximum of one value reads as a string ('' when empty), any other
 * as a list of strings. A reference reads as the key of the object referred to, a status as its
 * name, so what was written compares equal to what is read.
 */

import { ATTRIBUTE_TYPE, DEFAULT_TYPE, type AssetsAttribute, type AssetsAttributeValue, type AssetsObjectType, type AssetsStatus } from './assets-types.js';
import { AssetsConfigurationError, AssetsInputError } from './errors.js';

/** A value read from an attribute. */
export type PlainAttributeValue = string | string[];

/**
 * Convert one field value of a sync rule to the values of `attribute`.
 *
 * Throws AssetsInputError for an object or non-finite number, for more values than the attribute
 * takes, and for clearing a required attribute. Throws AssetsConfigurationError for a status name
 * that the attribute does not allow.
 */
export function toAttributeValues(
  objectType: AssetsObjectType,
  attribute: AssetsAttribute,
  value: unknown,
  statuses: readonly AssetsStatus[],
): Array<{ value: string }> {
  const items = value === null || value === undefined || value === '' ? [] : Array.isArray(value) ? value : [value];
  const texts = items.map((item) => toText(objectType, attribute, item));

  if (texts.length === 0 && attribute.minimumCardinality > 0) {
    throw new AssetsInputError(
      'field',
      `Attribute "${attribute.name}" of object type "${objectType.name}" is required, but the sync rule gave no value. ` +
        'Make the mapping expression return a value for it.',
    );
  }

  if (attribute.maximumCardinality > 0 && texts.length > attribute.maximumCardinality) {
    throw new AssetsInputError(
      'field',
      `Attribute "${attribute.name}" of object type "${objectType.name}" holds at most ${attribute.maximumCardinality} ` +
        `value(s), but the sync rule gave ${texts.length}: ${JSON.stringify(texts).slice(0, 200)}. ` +
        'Return fewer values, or raise the maximum cardinality of the attribute in Assets.',
    );
  }

  if (attribute.type === ATTRIBUTE_TYPE.status) {
    return texts.map((name) => ({ value: statusIdFor(objectType, attribute, name, statuses) }));
  }
  return texts.map((text) => ({ value: text }));
}

/** Read the values of an attribute as a plain value (see the module comment). */
export function readAttributeValue(attribute: AssetsAttribute, values: readonly AssetsAttributeValue[] | undefined): PlainAttributeValue {
  const texts = (values ?? []).map((value) => readOneValue(attribute, value)).filter((text) => text !== '');
  return attribute.maximumCardinality === 1 ? (texts[0] ?? '') : texts;
}

function readOneValue(attribute: AssetsAttribute, value: AssetsAttributeValue): string {
  if (attribute.type === ATTRIBUTE_TYPE.reference) {
    return value.referencedObject?.objectKey || value.searchValue || value.value || '';
  }
  if (attribute.type === ATTRIBUTE_TYPE.status) {
    return value.status?.name || value.displayValue || '';
  }
  return value.value ?? value.displayValue ?? '';
}

function toText(objectType: AssetsObjectType, attribute: AssetsAttribute, item: unknown): string {
  if (typeof item === 'string') {
    return item;
  }

  if (typeof item === 'number') {
    if (!Number.isFinite(item)) {
      throw new AssetsInputError('field', `Invalid value ${item} for attribute "${attribute.name}" of "${objectType.name}": numbers must be finite.`);
    }
    return String(item);
  }

  if (typeof item === 'boolean' || typeof item === 'bigint') {
    return String(item);
  }

  if (item instanceof Date) {
    if (Number.isNaN(item.getTime())) {
      throw new AssetsInputError('field', `Invalid date for attribute "${attribute.name}" of "${objectType.name}".`);
    }
    // A Date attribute takes the day only; every other type gets the full ISO-8601 time.
    return attribute.defaultTypeId === DEFAULT_TYPE.date ? item.toISOString().slice(0, 10) : item.toISOString();
  }

  throw new AssetsInputError(
    'field',
    `Invalid value for attribute "${attribute.name}" of "${objectType.name}": ${JSON.stringify(item)?.slice(0, 100)} ` +
      'is an object, but Assets attributes take text, numbers or lists of them. Make the mapping expression return one of those.',
  );
}

/** Return the id of the status named `name` (or with id `name`) that the attribute allows. */
function statusIdFor(objectType: AssetsObjectType, attribute: AssetsAttribute, name: string, statuses: readonly AssetsStatus[]): string {
  const allowed = attribute.statusIds.length === 0 ? statuses : statuses.filter((status) => attribute.statusIds.includes(status.id));
  const match =
    allowed.find((status) => status.name === name) ??
    allowed.find((status) => status.name.toLowerCase() === name.toLowerCase()) ??
    allowed.find((status) => status.id === name);

  if (match === undefined) {
    const names = allowed.map((status) => `"${status.name}"`).join(', ') || 'none';
    throw new AssetsConfigurationError(
      `Status attribute "${attribute.name}" of object type "${objectType.name}" has no status "${name}". ` +
        `Allowed statuses: ${names}. Use one of these names in the sync rule, or add the status to the attribute in Assets.`,
      'status',
      name,
    );
  }
  return match.id;
}
