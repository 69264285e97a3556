import { describe, expect, it } from 'vitest';

import { JqlSyntaxError, parseJql, type JqlClause, type JqlNode } from '../../../src/simulators/jira/jql/parser.js';
import { formatJiraTimestamp, parseJqlDate } from '../../../src/simulators/jira/time.js';

function clause(node: JqlNode | undefined): JqlClause {
  if (node?.type !== 'clause') {
    throw new Error(`expected a clause, got ${JSON.stringify(node)}`);
  }
  return node;
}

function syntaxError(query: string): JqlSyntaxError {
  try {
    parseJql(query);
  } catch (error) {
    if (error instanceof JqlSyntaxError) {
      return error;
    }
    throw error;
  }
  throw new Error(`expected ${query} to be rejected`);
}

describe('JQL parser: clauses and values', () => {
  it('reads a clause with an unquoted value', () => {
    const parsed = clause(parseJql('project = SEC').where);

    expect(parsed.field).toBe('project');
    expect(parsed.operator).toBe('=');
    expect(parsed.operand).toEqual({ kind: 'text', value: 'SEC', quoted: false, position: 11 });
  });

  it('reads every operator', () => {
    const operators = ['=', '!=', '~', '!~', '>', '>=', '<', '<='];
    for (const operator of operators) {
      expect(clause(parseJql(`updated ${operator} x`).where).operator, operator).toBe(operator);
    }
    expect(clause(parseJql('labels IN (a)').where).operator).toBe('in');
    expect(clause(parseJql('labels not in (a)').where).operator).toBe('not in');
    expect(clause(parseJql('labels is EMPTY').where).operator).toBe('is');
    expect(clause(parseJql('labels IS NOT empty').where).operator).toBe('is not');
  });

  it('reads operators without spaces around them', () => {
    const parsed = clause(parseJql('status!="In Progress"').where);

    expect(parsed.field).toBe('status');
    expect(parsed.operator).toBe('!=');
    expect(parsed.operand).toMatchObject({ value: 'In Progress', quoted: true });
  });

  it('unescapes quotes and backslashes in double-quoted strings', () => {
    const parsed = clause(parseJql(String.raw`summary ~ "say \"hi\" to C:\\temp"`).where);

    expect(parsed.operand).toMatchObject({ kind: 'text', value: 'say "hi" to C:\\temp', quoted: true });
  });

  it('reads single-quoted strings and their escapes', () => {
    const parsed = clause(parseJql(String.raw`summary ~ 'it\'s "fine"'`).where);

    expect(parsed.operand).toMatchObject({ value: `it's "fine"` });
  });

  it('reads unicode, newline and space escapes', () => {
    const parsed = clause(parseJql(String.raw`labels = control\u002eS3\ 8`).where);
    const quoted = clause(parseJql(String.raw`summary ~ "a\nb\tc"`).where);

    expect(parsed.operand).toMatchObject({ value: 'control.S3 8', quoted: false });
    expect(quoted.operand).toMatchObject({ value: 'a\nb\tc' });
  });

  it('keeps a quoted EMPTY as a string', () => {
    expect(clause(parseJql('labels = "EMPTY"').where).operand).toMatchObject({ kind: 'text', value: 'EMPTY' });
    expect(clause(parseJql('labels = EMPTY').where).operand).toMatchObject({ kind: 'empty' });
    expect(clause(parseJql('labels = null').where).operand).toMatchObject({ kind: 'empty' });
  });

  it('reads quoted field names and custom field references', () => {
    const named = clause(parseJql('"AWS finding ID" ~ "arn"').where);
    const reference = clause(parseJql('cf[10060] ~ arn').where);

    expect(named.field).toBe('AWS finding ID');
    expect(named.fieldQuoted).toBe(true);
    expect(reference.field).toBe('cf[10060]');
  });

  it('reads lists and functions', () => {
    const list = clause(parseJql('labels in (aws, "finding x", EMPTY)').where);
    const call = clause(parseJql('assignee = currentUser()').where);
    const withArguments = clause(parseJql('updated >= startOfDay("-1", x)').where);

    expect(list.operand).toEqual([
      { kind: 'text', value: 'aws', quoted: false, position: 12 },
      { kind: 'text', value: 'finding x', quoted: true, position: 17 },
      { kind: 'empty', position: 30 },
    ]);
    expect(call.operand).toMatchObject({ kind: 'function', name: 'currentUser', args: [] });
    expect(withArguments.operand).toMatchObject({ kind: 'function', name: 'startOfDay', args: ['-1', 'x'] });
  });

  it('reads relative dates and negative numbers as words', () => {
    expect(clause(parseJql('updated >= -5m').where).operand).toMatchObject({ value: '-5m' });
    expect(clause(parseJql('key = SEC-17').where).operand).toMatchObject({ value: 'SEC-17' });
  });
});

describe('JQL parser: boolean structure', () => {
  it('binds AND tighter than OR', () => {
    const where = parseJql('a = 1 OR b = 2 AND c = 3').where;

    expect(where?.type).toBe('or');
    if (where?.type !== 'or') return;
    expect(clause(where.children[0]).field).toBe('a');
    expect(where.children[1]?.type).toBe('and');
  });

  it('groups with parentheses', () => {
    const where = parseJql('(a = 1 OR b = 2) AND c = 3').where;

    expect(where?.type).toBe('and');
    if (where?.type !== 'and') return;
    expect(where.children[0]?.type).toBe('or');
  });

  it('reads NOT, !, &&, || and keywords in any case', () => {
    const where = parseJql('not a = 1 && ! (b = 2 || c = 3) and D = 4').where;

    expect(where?.type).toBe('and');
    if (where?.type !== 'and') return;
    expect(where.children.map((child) => child.type)).toEqual(['not', 'not', 'clause']);
  });

  it('reads ORDER BY with several keys and directions', () => {
    const query = parseJql('project = SEC order by updated ASC, "key" desc, created');

    expect(query.orderBy.map(({ field, direction }) => [field, direction])).toEqual([
      ['updated', 'ASC'],
      ['key', 'DESC'],
      ['created', 'ASC'],
    ]);
  });

  it('reads a query with only ORDER BY as having no condition', () => {
    const query = parseJql('ORDER BY updated DESC');

    expect(query.where).toBeUndefined();
    expect(query.orderBy).toHaveLength(1);
  });

  it('reads an empty query', () => {
    expect(parseJql('   ')).toEqual({ where: undefined, orderBy: [] });
  });
});

describe('JQL parser: errors', () => {
  it('rejects an unterminated string with its position', () => {
    const error = syntaxError('summary ~ "open');

    expect(error.message).toContain("The quoted string 'open' has not been completed.");
    expect(error.position).toBe(11);
    expect(error.message).toContain('(line 1, character 11)');
  });

  it('rejects reserved characters in unquoted values', () => {
    const error = syntaxError('labels = control-S3.8');

    expect(error.message).toContain("The character '.' is a reserved JQL character");
    expect(error.message).toContain("'\\u002e'");
    expect(error.position).toBe(20);
  });

  it('rejects a missing operator', () => {
    const error = syntaxError('project SEC');

    expect(error.message).toContain("Expecting operator but got 'SEC'");
    expect(error.position).toBe(9);
  });

  it('rejects an unknown escape', () => {
    expect(syntaxError(String.raw`summary ~ "a\qb"`).message).toContain("The escape sequence '\\q' is not valid.");
  });

  it('rejects IN without a list', () => {
    expect(syntaxError('labels in aws').message).toContain("Expecting '(' after 'IN'");
  });

  it('rejects a dangling AND', () => {
    expect(syntaxError('project = SEC AND').message).toContain('Expecting a field name at the end of the query.');
  });

  it('rejects text after the query', () => {
    expect(syntaxError('project = SEC labels = x').message).toContain("Expecting either 'OR' or 'AND' but got 'labels'.");
  });

  it('rejects an unclosed parenthesis', () => {
    expect(syntaxError('(project = SEC').message).toContain("Expecting ')' but got the end of the query.");
  });

  it('rejects WAS as unsupported', () => {
    expect(syntaxError('status was Open').message).toContain("The operator 'was' is not supported by the Jira simulator.");
  });
});

describe('JQL date literals', () => {
  const now = Date.parse('2025-03-10T14:05:09.123Z');

  it('reads both date formats at minute precision in the zone', () => {
    const slash = parseJqlDate('2025/03/10 07:00', 'America/Los_Angeles', now);
    const dash = parseJqlDate('2025-03-10 07:00', 'America/Los_Angeles', now);

    // Los Angeles is on daylight time (UTC-7) since 2025-03-09.
    expect(slash).toBe(Date.parse('2025-03-10T14:00:00Z'));
    expect(dash).toBe(slash);
  });

  it('reads the same wall time differently per zone', () => {
    expect(parseJqlDate('2025-03-10 14:00', 'Etc/UTC', now)).toBe(Date.parse('2025-03-10T14:00:00Z'));
    expect(parseJqlDate('2025-03-10 14:00', 'Asia/Kolkata', now)).toBe(Date.parse('2025-03-10T08:30:00Z'));
    expect(parseJqlDate('2025-03-10 14:00', 'Europe/Berlin', now)).toBe(Date.parse('2025-03-10T13:00:00Z'));
  });

  it('reads a date without time as midnight in the zone', () => {
    expect(parseJqlDate('2025/03/10', 'America/New_York', now)).toBe(Date.parse('2025-03-10T04:00:00Z'));
  });

  it('reads relative periods from now, rounded down to the minute', () => {
    expect(parseJqlDate('-5m', 'Etc/UTC', now)).toBe(Date.parse('2025-03-10T14:00:00Z'));
    expect(parseJqlDate('-1d', 'Etc/UTC', now)).toBe(Date.parse('2025-03-09T14:05:00Z'));
    expect(parseJqlDate('-1w 2d', 'Etc/UTC', now)).toBe(Date.parse('2025-03-01T14:05:00Z'));
  });

  it('rejects invalid dates', () => {
    expect(parseJqlDate('2025-02-30 10:00', 'Etc/UTC', now)).toBeUndefined();
    expect(parseJqlDate('2025-03-10T14:00', 'Etc/UTC', now)).toBeUndefined();
    expect(parseJqlDate('yesterday', 'Etc/UTC', now)).toBeUndefined();
  });

  it('formats timestamps with the zone offset and no colon', () => {
    const instant = Date.parse('2025-03-10T14:05:09.123Z');

    expect(formatJiraTimestamp(instant, 'Etc/UTC')).toBe('2025-03-10T14:05:09.123+0000');
    expect(formatJiraTimestamp(instant, 'America/Los_Angeles')).toBe('2025-03-10T07:05:09.123-0700');
    expect(formatJiraTimestamp(instant, 'Asia/Kolkata')).toBe('2025-03-10T19:35:09.123+0530');
  });
});
