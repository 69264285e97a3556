import { describe, expect, it } from 'vitest';

import { JqlError } from '../../../src/targets/jira/errors.js';
import { formatJqlDate, Jql, jqlField, quoteJql } from '../../../src/targets/jira/jql.js';

/** One JQL token: a quoted string (decoded), a `cf[n]` reference, a word, an operator or punctuation. */
type Token = { kind: 'string'; value: string } | { kind: 'cf' | 'word' | 'operator' | 'punctuation'; value: string };

/**
 * Split JQL into tokens the way Jira's lexer reads quoted strings: inside double quotes, a
 * backslash escapes the next character. Throws on an unterminated string or an unknown character,
 * so a test fails when the builder writes something Jira would misread.
 */
function tokenize(jql: string): Token[] {
  const tokens: Token[] = [];
  let index = 0;

  while (index < jql.length) {
    const character = jql.charAt(index);

    if (character === ' ') {
      index += 1;
    } else if (character === '"') {
      let value = '';
      index += 1;
      for (;;) {
        if (index >= jql.length) {
          throw new Error(`unterminated string in ${jql}`);
        }
        const next = jql.charAt(index);
        if (next === '\\') {
          value += jql.charAt(index + 1);
          index += 2;
        } else if (next === '"') {
          index += 1;
          break;
        } else {
          value += next;
          index += 1;
        }
      }
      tokens.push({ kind: 'string', value });
    } else if (/^cf\[\d+\]/.test(jql.slice(index))) {
      const reference = /^cf\[\d+\]/.exec(jql.slice(index))?.[0] ?? '';
      tokens.push({ kind: 'cf', value: reference });
      index += reference.length;
    } else if (/[!<>=]/.test(character)) {
      const operator = /^(!=|>=|<=|=|<|>)/.exec(jql.slice(index))?.[0] ?? character;
      tokens.push({ kind: 'operator', value: operator });
      index += operator.length;
    } else if (/[(),]/.test(character)) {
      tokens.push({ kind: 'punctuation', value: character });
      index += 1;
    } else if (/[A-Za-z]/.test(character)) {
      const word = /^[A-Za-z]+/.exec(jql.slice(index))?.[0] ?? '';
      tokens.push({ kind: 'word', value: word });
      index += word.length;
    } else {
      throw new Error(`unexpected character ${JSON.stringify(character)} in ${jql}`);
    }
  }

  return tokens;
}

const HOSTILE_VALUES = [
  'say "hi"',
  'C:\\temp\\',
  '\\"',
  'a" OR project = "OTHER',
  'itsm-sync@example.com',
  'arn:aws:securityhub:us-east-1:111122223333:security-control/S3.8/finding/d9f5fc82',
  'SET',
  'AND',
  'ORDER',
  'ORDER BY key',
  'is EMPTY',
  '"',
  '',
  'Überprüfung 🚨',
];

describe('quoteJql', () => {
  it('reads back as one string token per value', () => {
    for (const value of HOSTILE_VALUES) {
      const tokens = tokenize(quoteJql(value));

      expect(tokens, value).toEqual([{ kind: 'string', value }]);
    }
  });

  it('escapes backslashes before quotes', () => {
    expect(quoteJql('a\\"b')).toBe('"a\\\\\\"b"');
  });

  it('rejects line breaks and control characters', () => {
    for (const value of ['line\nbreak', 'carriage\rreturn', 'tab\there', 'bell\u0007']) {
      expect(() => quoteJql(value), JSON.stringify(value)).toThrow(JqlError);
    }
    expect(() => quoteJql('two\nlines')).toThrow(/Invalid JQL value "two\\nlines": it contains a line break/);
  });
});

describe('jqlField', () => {
  it('writes custom fields as cf[n]', () => {
    expect(jqlField('customfield_10060')).toBe('cf[10060]');
    expect(jqlField('cf[10010]')).toBe('cf[10010]');
  });

  it('quotes other field names', () => {
    expect(jqlField('project')).toBe('"project"');
    expect(jqlField('Request Type')).toBe('"Request Type"');
    expect(jqlField('cf[10010] OR 1=1')).toBe('"cf[10010] OR 1=1"');
  });

  it('rejects an empty field name', () => {
    expect(() => jqlField(' ')).toThrow(/field name is empty/);
  });
});

describe('Jql', () => {
  it('builds conditions joined by AND with an ORDER BY', () => {
    const jql = new Jql()
      .equals('project', 'SEC')
      .equals('labels', 'itsm-sync:finding:3f2a')
      .greaterOrEqual('updated', '2025/03/10 15:05')
      .orderBy('updated', 'ASC')
      .orderBy('key', 'DESC');

    expect(jql.toString()).toBe(
      '"project" = "SEC" AND "labels" = "itsm-sync:finding:3f2a" AND "updated" >= "2025/03/10 15:05" ORDER BY "updated" ASC, "key" DESC',
    );
  });

  it('keeps every hostile value inside one string token', () => {
    for (const value of HOSTILE_VALUES) {
      const jql = new Jql().equals('project', 'SET').equals('customfield_10060', value).notEquals('summary', value).toString();
      const tokens = tokenize(jql);

      expect(tokens, jql).toEqual([
        { kind: 'string', value: 'project' },
        { kind: 'operator', value: '=' },
        { kind: 'string', value: 'SET' },
        { kind: 'word', value: 'AND' },
        { kind: 'cf', value: 'cf[10060]' },
        { kind: 'operator', value: '=' },
        { kind: 'string', value },
        { kind: 'word', value: 'AND' },
        { kind: 'string', value: 'summary' },
        { kind: 'operator', value: '!=' },
        { kind: 'string', value },
      ]);
    }
  });

  it('writes in, not in, empty checks and bounds', () => {
    const jql = new Jql()
      .in('status', ['Open', 'In "Progress"'])
      .notIn('priority', ['Low'])
      .isEmpty('resolution')
      .isNotEmpty('cf[10010]')
      .lessOrEqual('created', 12)
      .toString();

    expect(jql).toBe(
      '"status" in ("Open", "In \\"Progress\\"") AND "priority" not in ("Low") AND "resolution" is EMPTY AND cf[10010] is not EMPTY AND "created" <= "12"',
    );
    expect(tokenize(jql).filter((token) => token.kind === 'string').map((token) => token.value)).toEqual([
      'status',
      'Open',
      'In "Progress"',
      'priority',
      'Low',
      'resolution',
      'created',
      '12',
    ]);
  });

  it('joins two queries with OR inside parentheses', () => {
    const linked = new Jql().equals('labels', 'itsm-sync');
    const adopted = new Jql().isNotEmpty('customfield_10060').equals('status', 'Open');

    const jql = linked.or(adopted).equals('project', 'SEC').orderBy('created');

    // AND binds tighter than OR in JQL, so the OR must be one parenthesized operand.
    expect(jql.toString()).toBe('("labels" = "itsm-sync" OR (cf[10060] is not EMPTY AND "status" = "Open")) AND "project" = "SEC" ORDER BY "created" ASC');
    expect(tokenize(jql.toString()).filter((token) => token.kind === 'punctuation').map((token) => token.value)).toEqual(['(', '(', ')', ')']);
  });

  it('is immutable', () => {
    const base = new Jql().equals('project', 'SEC');

    base.equals('labels', 'x');
    base.orderBy('key');

    expect(base.toString()).toBe('"project" = "SEC"');
  });

  it('rejects what it cannot write', () => {
    expect(() => new Jql().in('status', [])).toThrow(/needs at least one value/);
    expect(() => new Jql().equals('summary', Number.NaN)).toThrow(/must be finite/);
    expect(() => new Jql().equals('summary', 'two\nlines')).toThrow(JqlError);
    expect(() => new Jql().orderBy('key', 'UP' as never)).toThrow(/Invalid sort direction "UP"/);
    expect(() => new Jql().equals('a', 'b').orderBy('key').or(new Jql().equals('c', 'd'))).toThrow(/ORDER BY/);
    expect(() => new Jql().or(new Jql().equals('c', 'd'))).toThrow(/Both sides/);
  });
});

describe('formatJqlDate', () => {
  const instant = new Date('2025-03-10T14:05:59.999Z');

  it('writes the wall clock of the zone to the minute', () => {
    expect(formatJqlDate(instant, 'UTC')).toBe('2025/03/10 14:05');
    expect(formatJqlDate(instant, 'America/Los_Angeles')).toBe('2025/03/10 07:05');
    expect(formatJqlDate(instant, 'Asia/Kolkata')).toBe('2025/03/10 19:35');
    expect(formatJqlDate(new Date('2025-12-31T23:30:00Z'), 'Europe/Berlin')).toBe('2026/01/01 00:30');
  });

  it('writes midnight as 00, not 24', () => {
    expect(formatJqlDate(new Date('2025-03-10T00:00:00Z'), 'UTC')).toBe('2025/03/10 00:00');
  });

  it('rejects an unknown zone and an invalid date', () => {
    expect(() => formatJqlDate(instant, 'Mars/Olympus')).toThrow(/Unknown time zone "Mars\/Olympus"/);
    expect(() => formatJqlDate(new Date('nope'), 'UTC')).toThrow(/Invalid date/);
  });
});
