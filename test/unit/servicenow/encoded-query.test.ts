import { readFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import { EncodedQuery, escapeQueryValue } from '../../../src/targets/servicenow/encoded-query.js';
import { EncodedQueryError } from '../../../src/targets/servicenow/errors.js';

const examples = JSON.parse(
  readFileSync(new URL('../../fixtures/servicenow/encoded-query-examples.json', import.meta.url), 'utf8'),
) as {
  and: string;
  order: string;
  in_list: string;
  starts_with: string;
  literal_caret_in_value: { raw_value: string; escaped_for_query: string };
};

describe('EncodedQuery', () => {
  it('joins conditions with ^ like the documented examples', () => {
    expect(new EncodedQuery().equals('active', true).equals('priority', 1).toString()).toBe(examples.and);
    expect(new EncodedQuery().in('state', [1, 2, 3]).toString()).toBe(examples.in_list);
    expect(new EncodedQuery().startsWith('correlation_id', 'arn:aws:securityhub:').toString()).toBe(
      examples.starts_with,
    );
    expect(
      new EncodedQuery().equals('active', 'true').orderBy('sys_updated_on').orderByDesc('number').toString(),
    ).toBe(examples.order);
  });

  it('writes each operator', () => {
    const query = new EncodedQuery()
      .notEquals('state', '7')
      .greaterOrEqual('sys_updated_on', '2025-03-10 14:00:00')
      .isNotEmpty('correlation_id')
      .isEmpty('close_code')
      .like('short_description', 'public');

    expect(query.toString()).toBe(
      'state!=7^sys_updated_on>=2025-03-10 14:00:00^correlation_idISNOTEMPTY^close_codeISEMPTY^short_descriptionLIKEpublic',
    );
  });

  it('doubles a caret inside a value', () => {
    const { raw_value: raw, escaped_for_query: escaped } = examples.literal_caret_in_value;

    expect(new EncodedQuery().like('short_description', raw).toString()).toBe(escaped);
    expect(escapeQueryValue('correlation_id', 'a^^b^')).toBe('a^^^^b^^');
  });

  it('keeps an ^OR or ^NQ in a value inside that value', () => {
    expect(new EncodedQuery().equals('correlation_id', 'x^ORactive=true').toString()).toBe(
      'correlation_id=x^^ORactive=true',
    );
    expect(new EncodedQuery().equals('correlation_id', 'x^NQactive=true').toString()).toBe(
      'correlation_id=x^^NQactive=true',
    );
  });

  it('leaves &, =, spaces and quotes for URL encoding', () => {
    const value = `a&b=c d"e'f`;
    expect(new EncodedQuery().equals('correlation_id', value).toString()).toBe(`correlation_id=${value}`);
  });

  it('rejects an IN value containing a comma', () => {
    const build = () => new EncodedQuery().in('correlation_id', ['a', 'b,c']);

    expect(build).toThrow(EncodedQueryError);
    expect(build).toThrow(/"b,c" contains a comma/);
  });

  it('rejects an empty IN list', () => {
    expect(() => new EncodedQuery().in('state', [])).toThrow(/at least one value/);
  });

  it('rejects line breaks in values', () => {
    expect(() => new EncodedQuery().equals('correlation_id', 'a\nb')).toThrow(/line breaks/);
    expect(() => new EncodedQuery().equals('correlation_id', 'a\rb')).toThrow(EncodedQueryError);
  });

  it('rejects values that the instance would run as a script', () => {
    expect(() => new EncodedQuery().equals('correlation_id', 'javascript:gs.log(1)')).toThrow(/javascript:/);
    expect(() => new EncodedQuery().equals('correlation_id', ' JavaScript:x')).toThrow(EncodedQueryError);
    expect(new EncodedQuery().equals('correlation_id', 'not javascript:x').toString()).toBe(
      'correlation_id=not javascript:x',
    );
  });

  it('rejects numbers that are not finite', () => {
    expect(() => new EncodedQuery().equals('priority', Number.NaN)).toThrow(/finite/);
  });

  it('validates field names', () => {
    for (const field of ['Active', 'state=1', 'a^b', '', 'short description', 'ORDERBYx;']) {
      expect(() => new EncodedQuery().equals(field, 'x'), field).toThrow(EncodedQueryError);
    }
    expect(() => new EncodedQuery().orderBy('sys_id^ORactive=true')).toThrow(/Invalid field name/);
    expect(new EncodedQuery().equals('assignment_group.name', 'Cloud Security').toString()).toBe(
      'assignment_group.name=Cloud Security',
    );
  });

  it('chains queries with and() without changing either', () => {
    const active = new EncodedQuery().equals('active', true);
    const ordered = new EncodedQuery().orderBy('sys_created_on');
    const both = active.and(ordered);

    expect(both.toString()).toBe('active=true^ORDERBYsys_created_on');
    expect(active.toString()).toBe('active=true');
    expect(ordered.toString()).toBe('ORDERBYsys_created_on');
    expect(both.hasOrderBy()).toBe(true);
    expect(active.hasOrderBy()).toBe(false);
  });
});

describe('EncodedQuery for the change poller', () => {
  it('joins several prefixes into one OR condition', () => {
    const query = new EncodedQuery().startsWithAny('correlation_id', ['aws-sh-', 'aws-oi-']).greaterOrEqual('sys_updated_on', '2026-12-04 10:00:00');
    expect(query.toString()).toBe('correlation_idSTARTSWITHaws-sh-^ORcorrelation_idSTARTSWITHaws-oi-^sys_updated_on>=2026-12-04 10:00:00');
  });

  it('builds the next-page union with orderings after it', () => {
    const linked = new EncodedQuery().startsWithAny('correlation_id', ['aws-sh-']);
    const next = linked
      .greaterThan('sys_updated_on', '2026-12-04 10:00:00')
      .union(linked.equals('sys_updated_on', '2026-12-04 10:00:00').greaterThan('sys_id', 'abc'))
      .orderBy('sys_updated_on');
    expect(next.toString()).toBe(
      'correlation_idSTARTSWITHaws-sh-^sys_updated_on>2026-12-04 10:00:00^NQcorrelation_idSTARTSWITHaws-sh-^sys_updated_on=2026-12-04 10:00:00^sys_id>abc^ORDERBYsys_updated_on',
    );
  });

  it('refuses orderings inside a union and an OR with nothing before it', () => {
    const ordered = new EncodedQuery().equals('a', 1).orderBy('a');
    expect(() => ordered.union(new EncodedQuery().equals('b', 2))).toThrow(/orderings to the union/);
    expect(() => new EncodedQuery().orGreaterThan('a', 1)).toThrow(/needs a condition before it/);
  });

  it('escapes prefixes like any other value', () => {
    expect(new EncodedQuery().startsWithAny('correlation_id', ['a^b']).toString()).toBe('correlation_idSTARTSWITHa^^b');
  });

  it('asks for the current user without sending any data of ours as script', () => {
    expect(new EncodedQuery().isCurrentUser('sys_id').toString()).toBe('sys_id=javascript:gs.getUserID()');
  });
});
