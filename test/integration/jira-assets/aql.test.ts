import { describe, expect, it } from 'vitest';

import { parseAql } from '../../../src/simulators/jira/assets/aql-engine.js';
import { Aql, AqlError, quoteAql } from '../../../src/targets/jira/assets/index.js';

describe('quoteAql', () => {
  it.each([
    ['plain value', 'aws-ci-ec2-3f9a', '"aws-ci-ec2-3f9a"'],
    ['empty value', '', '""'],
    ['value with spaces', 'Ted Anderson', '"Ted Anderson"'],
    ['double quote', '15" Screen', '"15\\" Screen"'],
    ['backslash', 'C:\\temp', '"C:\\\\temp"'],
    ['trailing backslash', 'ends with \\', '"ends with \\\\"'],
    ['quote after backslash', 'a\\"b', '"a\\\\\\"b"'],
    ['single quote', "it's", '"it\'s"'],
    ['non-ASCII text', 'Zürich 東京 🙂', '"Zürich 東京 🙂"'],
  ])('quotes a %s', (_case, value, expected) => {
    expect(quoteAql(value)).toBe(expected);
  });

  it.each([
    ['line feed', 'first\nsecond', 'U+000A'],
    ['carriage return', 'a\rb', 'U+000D'],
    ['tab', 'a\tb', 'U+0009'],
    ['NUL', 'a\u0000b', 'U+0000'],
    ['DEL', 'a\u007fb', 'U+007F'],
  ])('rejects a value with a %s', (_case, value, codePoint) => {
    expect(() => quoteAql(value)).toThrow(AqlError);
    expect(() => quoteAql(value)).toThrow(codePoint);
  });

  it('rejects a value that is not a string', () => {
    expect(() => quoteAql(42 as unknown as string)).toThrow(/only strings/);
  });

  it('keeps an injection attempt inside one value', () => {
    const hostile = 'x" OR "Name" != "y';
    const query = parseAql(new Aql().equals('Resource ID', hostile).toString());

    expect(query.filter).toEqual({ kind: 'condition', attribute: 'Resource ID', operator: '=', values: [hostile] });
  });

  it('round-trips quotes and backslashes through an AQL parser', () => {
    for (const value of ['\\', '\\\\"', '"', 'a\\"\\"b\\', 'end\\']) {
      const query = parseAql(new Aql().equals('Name', value).toString());
      expect(query.filter).toMatchObject({ values: [value] });
    }
  });
});

describe('Aql builder', () => {
  it('joins conditions with AND and writes ids bare', () => {
    const text = new Aql()
      .objectTypeId('17')
      .equals('itsm-sync correlation', 'aws-ci-ec2-3f9a')
      .isEmpty('Owner')
      .isNotEmpty('ARN')
      .startsWith('Name', 'orders')
      .toString();

    expect(text).toBe('objectTypeId = 17 AND "itsm-sync correlation" = "aws-ci-ec2-3f9a" AND "Owner" is EMPTY AND "ARN" is not EMPTY AND "Name" startswith "orders"');
  });

  it('adds the sort at the end', () => {
    expect(new Aql().objectSchemaId('3').orderBy('Created', 'DESC').toString()).toBe('objectSchemaId = 3 order by "Created" DESC');
  });

  it.each(['0', '-1', '17 OR 1 = 1', 'abc', '', '1.5', ' 17'])('rejects the id %j', (id) => {
    expect(() => new Aql().objectTypeId(id)).toThrow(AqlError);
    expect(() => new Aql().objectId(id)).toThrow(/positive whole numbers/);
  });

  it('rejects an empty prefix and an empty attribute name', () => {
    expect(() => new Aql().startsWith('Name', '')).toThrow(/prefix for attribute "Name" is empty/);
    expect(() => new Aql().equals('  ', 'x')).toThrow(/attribute name is empty/);
  });

  it('rejects a query without conditions', () => {
    expect(() => new Aql().toString()).toThrow(/has no condition/);
  });
});
