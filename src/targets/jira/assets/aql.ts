/**
 * Assets Query Language (AQL) for the searches the Assets target makes.
 *
 * AQL has the form `<attribute> <operator> <value>`. Attribute names and values that contain spaces
 * or quotes must be quoted, and a quote inside a quoted value is escaped with a backslash
 * (Atlassian, "Using Assets Query Language (AQL) syntax", Jira Service Management Cloud). This
 * module quotes every attribute name and every value, so a value read from AWS (a resource id, a
 * tag) can never end the string and add a condition of its own.
 */

import { AqlError } from './errors.js';

/**
 * Keywords that AQL reads as object properties rather than attribute names. Written bare, because
 * a quoted `"objectTypeId"` would be taken as the name of an attribute.
 */
type AqlIdKeyword = 'objectTypeId' | 'objectSchemaId' | 'objectId';

/**
 * Quote a value or attribute name for AQL: wrap it in double quotes and put a backslash before each
 * `"` and `\` inside it.
 *
 * Throws AqlError for a value with a line break or another control character, which AQL cannot
 * match, and for a value that is not a string.
 *
 * NOTE: Atlassian documents the escaping of quotes only. Escaping the backslash as well follows
 * JQL, so that a value ending in `\` cannot escape the closing quote.
 *
 * @example
 * quoteAql('15" Screen') // '"15\\" Screen"'
 */
export function quoteAql(value: string): string {
  if (typeof value !== 'string') {
    throw new AqlError(`Invalid AQL value ${JSON.stringify(value)}: only strings can be quoted. Convert the value to text first.`);
  }

  // eslint-disable-next-line no-control-regex
  const control = /[\u0000-\u001f\u007f]/.exec(value);
  if (control !== null) {
    throw new AqlError(
      `Invalid AQL value ${JSON.stringify(value)}: it contains the control character ` +
        `U+${control[0].charCodeAt(0).toString(16).padStart(4, '0').toUpperCase()}, which an AQL search cannot match. ` +
        'Remove line breaks and control characters from the value.',
    );
  }

  return `"${value.replace(/["\\]/g, (character) => `\\${character}`)}"`;
}

/**
 * Builder of an AQL query whose conditions are joined with AND.
 *
 * @example
 * ```ts
 * new Aql().objectTypeId('17').equals('itsm-sync correlation', 'aws-ci-ec2-3f9a').toString();
 * // 'objectTypeId = 17 AND "itsm-sync correlation" = "aws-ci-ec2-3f9a"'
 * ```
 */
export class Aql {
  private readonly conditions: string[] = [];
  private order = '';

  /** Limit the search to one object type, by its numeric id. */
  objectTypeId(id: string): this {
    return this.idCondition('objectTypeId', id);
  }

  /** Limit the search to one object schema, by its numeric id. */
  objectSchemaId(id: string): this {
    return this.idCondition('objectSchemaId', id);
  }

  /** Match one object by its numeric id (the number in its key). */
  objectId(id: string): this {
    return this.idCondition('objectId', id);
  }

  /** `"attribute" = "value"`. AQL compares without regard to case, so callers compare again. */
  equals(attribute: string, value: string): this {
    this.conditions.push(`${quoteAttribute(attribute)} = ${quoteAql(value)}`);
    return this;
  }

  /** `"attribute" startswith "prefix"`, which AQL also compares without regard to case. */
  startsWith(attribute: string, prefix: string): this {
    if (prefix === '') {
      throw new AqlError(`The prefix for attribute ${JSON.stringify(attribute)} is empty; "startswith" needs at least one character.`);
    }
    this.conditions.push(`${quoteAttribute(attribute)} startswith ${quoteAql(prefix)}`);
    return this;
  }

  /** `"attribute" is EMPTY`: the object has no value for the attribute. */
  isEmpty(attribute: string): this {
    this.conditions.push(`${quoteAttribute(attribute)} is EMPTY`);
    return this;
  }

  /** `"attribute" is not EMPTY`. */
  isNotEmpty(attribute: string): this {
    this.conditions.push(`${quoteAttribute(attribute)} is not EMPTY`);
    return this;
  }

  /** Sort the results by an attribute; the last call wins. */
  orderBy(attribute: string, direction: 'ASC' | 'DESC' = 'ASC'): this {
    this.order = ` order by ${quoteAttribute(attribute)} ${direction}`;
    return this;
  }

  /** Return the query text. Throws AqlError when no condition was added, because AQL has no "match all". */
  toString(): string {
    if (this.conditions.length === 0) {
      throw new AqlError('The AQL query has no condition. Add at least one, such as objectTypeId.');
    }
    return `${this.conditions.join(' AND ')}${this.order}`;
  }

  private idCondition(keyword: AqlIdKeyword, id: string): this {
    // A validated number cannot inject anything, and the keywords are documented with bare numbers.
    if (typeof id !== 'string' || !/^[1-9]\d{0,18}$/.test(id)) {
      throw new AqlError(`Invalid ${keyword} ${JSON.stringify(id)}: Assets ids are positive whole numbers, such as "17".`);
    }
    this.conditions.push(`${keyword} = ${id}`);
    return this;
  }
}

function quoteAttribute(attribute: string): string {
  if (attribute.trim() === '') {
    throw new AqlError('The AQL attribute name is empty. Use the attribute name shown on the object type in Assets.');
  }
  return quoteAql(attribute);
}
