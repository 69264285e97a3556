/**
 * Evaluates parsed JQL against the simulator's issues: resolves each clause's field and values the
 * way Jira does (and rejects what Jira rejects), matches issues, and sorts them.
 *
 * Fields: project, key (issuekey), id, issuetype (type), status, statusCategory, resolution,
 * priority, labels, summary, description, environment, text, assignee, reporter, creator, created,
 * updated, resolutiondate (resolved), and custom fields by `cf[n]`, id or name. Issue entity
 * properties are not searchable, as on a site without an app that indexes them.
 */

import { adfToText } from '../adf.js';
import { type FieldDefinition, PRIORITIES, STATUS_CATEGORIES, STATUSES } from '../catalog.js';
import type { IssueRecord } from '../issue-store.js';
import { MESSAGES } from '../responses.js';
import type { JiraSite } from '../site.js';
import { parseJqlDate } from '../time.js';
import type { JqlClause, JqlNode, JqlOperator, JqlQuery, JqlSortKey, JqlValue } from './parser.js';

/** A query that is valid JQL but that Jira rejects, such as one naming an unknown field. */
export class JqlQueryError extends Error {
  override name = 'JqlQueryError';
}

/** The caller and time a query is evaluated for. */
export interface JqlContext {
  site: JiraSite;
  /** Login of the caller, for currentUser(). */
  callerLogin: string;
  /** The caller's time zone, in which date literals are read. */
  timeZone: string;
  nowMs: number;
  /** Whether an issue key exists now; Jira rejects a clause naming a key that does not. */
  issueKeyExists(key: string): boolean;
}

/** A query ready to run. */
export interface CompiledJql {
  matches(record: IssueRecord): boolean;
  /** Sort comparator from the ORDER BY clause; without one, newest issue first. */
  compare(a: IssueRecord, b: IssueRecord): number;
}

type Predicate = (record: IssueRecord) => boolean;

/** A searchable field: the operators it supports and how its values are read. */
type FieldType = 'exact' | 'text' | 'date' | 'number' | 'key';

interface SearchField {
  /** The name used in messages: the name as the query wrote it. */
  label: string;
  type: FieldType;
  /**
   * The field's values on an issue, for exact fields as comparable strings (ids, lower-case
   * names), for dates and numbers as numbers. An empty list means the field is empty.
   */
  values(record: IssueRecord): Array<string | number>;
  /**
   * For exact fields: turn a query value into the comparable strings it matches, or `empty` for a
   * name that stands for no value (resolution "Unresolved"). Throws JqlQueryError for an unknown value.
   */
  resolveValue?(value: string): string[] | 'empty';
  /** For `~`: the field's text. */
  text?(record: IssueRecord): string;
  /** Sort key of an issue; undefined sorts as empty. */
  sortKey(record: IssueRecord): string | number | undefined;
}

const SUPPORTED_OPERATORS: Record<FieldType, readonly JqlOperator[]> = {
  exact: ['=', '!=', 'in', 'not in', 'is', 'is not'],
  key: ['=', '!=', 'in', 'not in', '>', '>=', '<', '<='],
  text: ['~', '!~', 'is', 'is not'],
  date: ['=', '!=', '>', '>=', '<', '<=', 'in', 'not in', 'is', 'is not'],
  number: ['=', '!=', '>', '>=', '<', '<=', 'in', 'not in', 'is', 'is not'],
};

/** Compile a parsed query for a caller. Throws JqlQueryError for unknown fields, values and operators. */
export function compileJql(query: JqlQuery, context: JqlContext): CompiledJql {
  const matches = query.where === undefined ? () => true : compileNode(query.where, context);
  const sortKeys = query.orderBy.map((key) => ({ key, field: resolveField(key.field, context) }));

  return {
    matches,
    compare: (a, b) => {
      for (const { key, field } of sortKeys) {
        const order = compareSortValues(field.sortKey(a), field.sortKey(b), key);
        if (order !== 0) {
          return order;
        }
      }
      // Ties, and queries without ORDER BY: newest first, which is stable for paging.
      return Number(b.id) - Number(a.id);
    },
  };
}

function compileNode(node: JqlNode, context: JqlContext): Predicate {
  if (node.type === 'clause') {
    return compileClause(node, context);
  }
  if (node.type === 'and') {
    const children = node.children.map((child) => compileNode(child, context));
    return (record) => children.every((child) => child(record));
  }
  if (node.type === 'or') {
    const children = node.children.map((child) => compileNode(child, context));
    return (record) => children.some((child) => child(record));
  }
  const child = compileNode(node.child, context);
  return (record) => !child(record);
}

function compileClause(clause: JqlClause, context: JqlContext): Predicate {
  const field = resolveField(clause.field, context);
  const operator = clause.operator;

  if (!SUPPORTED_OPERATORS[field.type].includes(operator)) {
    throw new JqlQueryError(`The operator '${operator.toUpperCase()}' is not supported by the '${field.label}' field.`);
  }

  const operands = Array.isArray(clause.operand) ? clause.operand : [clause.operand];
  const isList = Array.isArray(clause.operand);
  if ((operator === 'in' || operator === 'not in') !== isList) {
    throw new JqlQueryError(
      isList
        ? `The operator '${operator.toUpperCase()}' does not take a list of values for field '${field.label}'. Use IN or NOT IN.`
        : `The operator '${operator.toUpperCase()}' needs a list of values in parentheses for field '${field.label}'.`,
    );
  }

  // IS, IS NOT, and = or != with EMPTY test whether the field has a value.
  const emptyTest = operands.length === 1 && operands[0]?.kind === 'empty';
  if (operator === 'is' || operator === 'is not' || emptyTest) {
    if (!emptyTest) {
      throw new JqlQueryError(`The operator '${operator.toUpperCase()}' only supports the value EMPTY or NULL for field '${field.label}'.`);
    }
    if (operator !== '=' && operator !== '!=' && operator !== 'is' && operator !== 'is not') {
      throw new JqlQueryError(`The operator '${operator.toUpperCase()}' does not support EMPTY for field '${field.label}'.`);
    }
    const wantEmpty = operator === 'is' || operator === '=';
    return (record) => isFieldEmpty(field, record) === wantEmpty;
  }

  switch (field.type) {
    case 'text':
      return compileTextClause(field, operator, operands[0]!, context);
    case 'date':
      return compileOrderedClause(field, operator, operands.map((operand) => dateValue(field, operand, context)));
    case 'number':
      return compileOrderedClause(field, operator, operands.map((operand) => numberValue(field, operand)));
    case 'key':
      return compileKeyClause(field, operator, operands, context);
    default:
      return compileExactClause(field, operator, operands, context);
  }
}

function isFieldEmpty(field: SearchField, record: IssueRecord): boolean {
  if (field.type === 'text') {
    return (field.text?.(record) ?? '') === '';
  }
  return field.values(record).length === 0;
}

/**
 * `=`, `!=`, `in`, `not in` on fields with a fixed set of values. As in Jira, `!=` and `not in` do
 * not match issues where the field is empty: `labels != x` leaves out issues without labels.
 */
function compileExactClause(field: SearchField, operator: JqlOperator, operands: JqlValue[], context: JqlContext): Predicate {
  const wanted = new Set<string>();
  let matchesEmpty = false;
  for (const operand of operands) {
    if (operand.kind === 'empty') {
      matchesEmpty = true;
      continue;
    }
    const resolved = field.resolveValue?.(operandText(field, operand, context)) ?? [];
    if (resolved === 'empty') {
      matchesEmpty = true;
      continue;
    }
    for (const value of resolved) {
      wanted.add(value);
    }
  }

  const positive = operator === '=' || operator === 'in';
  return (record) => {
    const values = field.values(record).map(String);
    if (values.length === 0) {
      return positive ? matchesEmpty : false;
    }
    const hit = values.some((value) => wanted.has(value));
    return positive ? hit : !hit;
  };
}

/** Comparisons on dates and numbers. Empty fields match no comparison. */
function compileOrderedClause(field: SearchField, operator: JqlOperator, wanted: number[]): Predicate {
  return (record) => {
    const value = field.values(record)[0];
    if (typeof value !== 'number') {
      return false;
    }
    if (operator === '!=' || operator === 'not in') {
      return wanted.every((target) => compareNumbers(value, target, operator));
    }
    return wanted.some((target) => compareNumbers(value, target, operator));
  };
}

/**
 * Clauses on `key` and `id`. A value is an issue key or a numeric id. Jira rejects a key that no
 * issue has; a range such as `key > SEC-10` compares numbers within the key's project.
 */
function compileKeyClause(field: SearchField, operator: JqlOperator, operands: JqlValue[], context: JqlContext): Predicate {
  const targets = operands.map((operand) => {
    const text = operandText(field, operand, context).trim();
    if (/^\d+$/.test(text)) {
      return { id: text };
    }
    const match = /^([A-Za-z][A-Za-z0-9_]*)-(\d+)$/.exec(text);
    if (match === null || !context.issueKeyExists(text.toUpperCase())) {
      throw new JqlQueryError(`An issue with key '${text}' does not exist for field '${field.label}'.`);
    }
    return { projectKey: match[1]!.toUpperCase(), number: Number(match[2]) };
  });

  const test = (record: IssueRecord, target: (typeof targets)[number]): boolean => {
    if ('id' in target) {
      const id = Number(record.id);
      const targetId = Number(target.id);
      return compareNumbers(id, targetId, operator);
    }
    const [projectKey, number] = splitKey(record.key);
    if (projectKey !== target.projectKey) {
      return operator === '!=' || operator === 'not in';
    }
    return compareNumbers(number, target.number, operator);
  };

  if (operator === '!=' || operator === 'not in') {
    return (record) => targets.every((target) => test(record, target));
  }
  return (record) => targets.some((target) => test(record, target));
}

/** Apply a comparison operator; `in` tests equality with one value of the list, `not in` inequality. */
function compareNumbers(value: number, target: number, operator: JqlOperator): boolean {
  switch (operator) {
    case '>':
      return value > target;
    case '>=':
      return value >= target;
    case '<':
      return value < target;
    case '<=':
      return value <= target;
    case '!=':
    case 'not in':
      return value !== target;
    default:
      return value === target;
  }
}

/**
 * `~` and `!~`: the words of the value must all occur in the field's text, as whole words without
 * regard to case. A word ending in `*` matches as a prefix, and `?` matches one character. A value
 * in inner double quotes (`"\"exact phrase\""`) must occur as a phrase.
 *
 * NOTE: Jira's full-text index also stems words and drops stop words; the simulator does neither.
 */
function compileTextClause(field: SearchField, operator: JqlOperator, operand: JqlValue, context: JqlContext): Predicate {
  const query = operandText(field, operand, context);
  const phrase = /^"(.*)"$/s.exec(query.trim());
  const terms = termsOf(phrase === null ? query : phrase[1] ?? '');

  const contains = (text: string): boolean => {
    const words = text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
    if (terms.length === 0) {
      return false;
    }
    if (phrase !== null) {
      return words.some((_, start) => terms.every((term, offset) => wordMatches(words[start + offset], term)));
    }
    return terms.every((term) => words.some((word) => wordMatches(word, term)));
  };

  return (record) => {
    const text = field.text?.(record) ?? '';
    if (operator === '~') {
      return contains(text);
    }
    return text !== '' && !contains(text);
  };
}

/** Split a `~` value into search terms: its words, which may contain the wildcards `*` and `?`. */
function termsOf(text: string): string[] {
  return (text.toLowerCase().match(/[\p{L}\p{N}*?]+/gu) ?? []).filter((term) => term.replace(/[*?]/g, '') !== '');
}

function wordMatches(word: string | undefined, term: string): boolean {
  if (word === undefined) {
    return false;
  }
  if (!/[*?]/.test(term)) {
    return word === term;
  }
  const pattern = term.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[\\p{L}\\p{N}]*').replace(/\?/g, '.');
  return new RegExp(`^${pattern}$`, 'u').test(word);
}

function dateValue(field: SearchField, operand: JqlValue, context: JqlContext): number {
  if (operand.kind === 'function') {
    if (operand.name.toLowerCase() === 'now' && operand.args.length === 0) {
      return context.nowMs;
    }
    throw new JqlQueryError(`Unable to find JQL function '${operand.name}(${operand.args.join(', ')})'.`);
  }
  if (operand.kind === 'empty') {
    throw new JqlQueryError(`EMPTY cannot be compared with '${field.label}' in a range.`);
  }

  const epochMs = parseJqlDate(operand.value, context.timeZone, context.nowMs);
  if (epochMs === undefined) {
    throw new JqlQueryError(
      `Date value '${operand.value}' for field '${field.label}' is invalid. Valid formats include: 'yyyy/MM/dd HH:mm', 'yyyy-MM-dd HH:mm', ` +
        "'yyyy/MM/dd', 'yyyy-MM-dd', or a period format e.g. '-5d', '4w 2d'.",
    );
  }
  return epochMs;
}

function numberValue(field: SearchField, operand: JqlValue): number {
  const value = operand.kind === 'text' ? Number(operand.value) : Number.NaN;
  if (!Number.isFinite(value)) {
    throw new JqlQueryError(`The value '${operand.kind === 'text' ? operand.value : operand.kind}' is not a number for field '${field.label}'.`);
  }
  return value;
}

/** The text of a value; currentUser() is the only function exact fields take. */
function operandText(field: SearchField, operand: JqlValue, context: JqlContext): string {
  if (operand.kind === 'text') {
    return operand.value;
  }
  if (operand.kind === 'function') {
    if (operand.name.toLowerCase() === 'currentuser' && operand.args.length === 0) {
      const caller = context.site.users.find(context.callerLogin);
      return context.site.deployment === 'cloud' ? caller?.accountId ?? '' : caller?.name ?? '';
    }
    throw new JqlQueryError(`Unable to find JQL function '${operand.name}(${operand.args.join(', ')})'.`);
  }
  throw new JqlQueryError(`EMPTY is not a value of field '${field.label}' here.`);
}

function compareSortValues(a: string | number | undefined, b: string | number | undefined, key: JqlSortKey): number {
  // Empty values sort after every value in ascending order, as in Jira.
  let order: number;
  if (a === undefined && b === undefined) {
    order = 0;
  } else if (a === undefined) {
    order = 1;
  } else if (b === undefined) {
    order = -1;
  } else if (typeof a === 'number' && typeof b === 'number') {
    order = a - b;
  } else {
    order = String(a).localeCompare(String(b), 'en', { sensitivity: 'base', numeric: true });
  }
  return key.direction === 'DESC' ? -order : order;
}

function splitKey(key: string): [string, number] {
  const dash = key.lastIndexOf('-');
  return [key.slice(0, dash), Number(key.slice(dash + 1))];
}

/** Resolve a field name of a clause or sort key. Throws JqlQueryError for a field Jira does not know. */
function resolveField(name: string, context: JqlContext): SearchField {
  const { site } = context;
  const lower = name.toLowerCase();
  const label = name;

  switch (lower) {
    case 'key':
    case 'issuekey':
    case 'id':
      return {
        label,
        type: 'key',
        values: (record) => [record.key],
        sortKey: (record) => {
          const [projectKey, number] = splitKey(record.key);
          return lower === 'id' ? Number(record.id) : `${projectKey}-${String(number).padStart(10, '0')}`;
        },
      };
    case 'text':
      return {
        label,
        type: 'text',
        values: () => [],
        text: (record) =>
          [record.summary, ...site.fields.filter((field) => field.kind === 'richText' || field.kind === 'text').map((field) => textOf(record.values[field.id]))]
            .filter((part) => part !== '')
            .join('\n'),
        sortKey: () => undefined,
      };
    case 'statuscategory':
      return exactField(label, (record) => [site.statusCategory(site.status(record.statusId).category).id], (value) => {
        const lowerValue = value.toLowerCase();
        const category = STATUS_CATEGORIES.find(
          (candidate) => String(candidate.id) === value || candidate.key === lowerValue || candidate.name.toLowerCase() === lowerValue,
        );
        if (category === undefined) {
          throw valueNotFound(value, label);
        }
        return [String(category.id)];
      });
  }

  const field = site.fieldByClauseName(name);
  if (field === undefined) {
    throw new JqlQueryError(MESSAGES.jqlFieldUnknown(name));
  }
  return searchFieldFor(field, label, context);
}

function searchFieldFor(field: FieldDefinition, label: string, context: JqlContext): SearchField {
  const { site } = context;

  switch (field.id) {
    case 'project':
      return exactField(label, (record) => [record.projectId], (value) => {
        const project = site.project(value) ?? site.projects.find((candidate) => candidate.name.toLowerCase() === value.toLowerCase());
        return idOf(project, value, label);
      }, (record) => site.projectById(record.projectId).key);
    case 'issuetype':
      return exactField(label, (record) => [record.issueTypeId], (value) => {
        const types = site.issueTypes().filter((type) => type.id === value || type.name.toLowerCase() === value.toLowerCase());
        if (types.length === 0) {
          throw valueNotFound(value, label);
        }
        return types.map((type) => type.id);
      }, (record) => site.issueType(record.issueTypeId).name);
    case 'status':
      return exactField(
        label,
        (record) => [record.statusId],
        (value) => idOf(site.findStatus(value), value, label),
        (record) => STATUSES.findIndex((status) => status.id === record.statusId),
      );
    case 'priority':
      return exactField(
        label,
        (record) => (record.priorityId === null ? [] : [record.priorityId]),
        (value) => idOf(site.findPriority(value), value, label),
        (record) => (record.priorityId === null ? undefined : PRIORITIES.length - PRIORITIES.findIndex((priority) => priority.id === record.priorityId)),
      );
    case 'resolution':
      return exactField(label, (record) => (record.resolutionId === null ? [] : [record.resolutionId]), (value) => {
        if (value.toLowerCase() === 'unresolved') {
          return 'empty';
        }
        return idOf(site.findResolution(value), value, label);
      }, (record) => (record.resolutionId === null ? undefined : site.findResolution(record.resolutionId)?.name));
    case 'labels':
      return exactField(label, (record) => record.labels, (value) => [value], (record) => record.labels[0]);
    case 'summary':
      return { label, type: 'text', values: () => [], text: (record) => record.summary, sortKey: (record) => record.summary };
    case 'created':
      return dateField(label, (record) => record.created);
    case 'updated':
      return dateField(label, (record) => record.updated);
    case 'resolutiondate':
      return dateField(label, (record) => record.resolutionDate);
    case 'assignee':
      return userField(label, site, (record) => record.assignee);
    case 'reporter':
      return userField(label, site, (record) => record.reporter);
    case 'creator':
      return userField(label, site, (record) => record.creator);
  }

  switch (field.kind) {
    case 'richText':
    case 'text':
      return { label, type: 'text', values: () => [], text: (record) => textOf(record.values[field.id]), sortKey: (record) => textOf(record.values[field.id]) || undefined };
    case 'datetime':
    case 'number':
      return {
        label,
        type: field.kind === 'datetime' ? 'date' : 'number',
        values: (record) => nonNull(record.values[field.id] as number | null | undefined),
        sortKey: (record) => (record.values[field.id] as number | null | undefined) ?? undefined,
      };
    case 'select':
      return exactField(label, (record) => nonNull(record.values[field.id] as string | null | undefined), (value) => {
        const option = field.options?.find((candidate) => candidate.id === value || candidate.value.toLowerCase() === value.toLowerCase());
        if (option === undefined) {
          throw new JqlQueryError(`The option '${value}' for field '${label}' does not exist.`);
        }
        return [option.id];
      }, (record) => field.options?.findIndex((option) => option.id === record.values[field.id]));
    case 'requestType':
      return exactField(label, (record) => nonNull(record.values[field.id] as string | null | undefined), (value) => {
        const requestTypes = site.projects
          .flatMap((project) => project.requestTypes)
          .filter((requestType) => requestType.id === value || requestType.name.toLowerCase() === value.toLowerCase());
        if (requestTypes.length === 0) {
          throw valueNotFound(value, label);
        }
        return requestTypes.map((requestType) => requestType.id);
      });
    default:
      throw new JqlQueryError(MESSAGES.jqlFieldUnknown(label));
  }
}

function exactField(
  label: string,
  values: (record: IssueRecord) => Array<string | number>,
  resolveValue: (value: string) => string[] | 'empty',
  sortKey: (record: IssueRecord) => string | number | undefined = (record) => values(record)[0],
): SearchField {
  return { label, type: 'exact', values: (record) => values(record).map(String), resolveValue, sortKey };
}

/** Build a date field, which compares and sorts by its instant in epoch milliseconds. */
function dateField(label: string, read: (record: IssueRecord) => number | null): SearchField {
  return { label, type: 'date', values: (record) => nonNull(read(record)), sortKey: (record) => read(record) ?? undefined };
}

/** Build a user field. JQL values name a user, stored values are logins, and sorting goes by display name. */
function userField(label: string, site: JiraSite, read: (record: IssueRecord) => string | null): SearchField {
  return exactField(label, (record) => nonNull(read(record)), (value) => {
    const user = site.users.findByJqlValue(value);
    if (user === undefined) {
      throw valueNotFound(value, label);
    }
    return [user.login];
  }, (record) => {
    const login = read(record);
    return login === null ? undefined : site.users.find(login)?.displayName;
  });
}

/** Return the id of what a JQL value names, or throw Jira's error for a value that names nothing. */
function idOf(found: { id: string } | undefined, value: string, label: string): string[] {
  if (found === undefined) {
    throw valueNotFound(value, label);
  }
  return [found.id];
}

function valueNotFound(value: string, field: string): JqlQueryError {
  return new JqlQueryError(`The value '${value}' does not exist for the field '${field}'.`);
}

function nonNull<T>(value: T | null | undefined): T[] {
  return value === null || value === undefined ? [] : [value];
}

/** Return the plain text of a stored text value: a string, or an ADF document's text. */
function textOf(value: unknown): string {
  if (value === null || value === undefined) {
    return '';
  }
  return typeof value === 'string' ? value : adfToText(value);
}
