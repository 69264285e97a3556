import { parseDuration } from './duration.js';
import { InvalidExpressionError, type MappingIssue } from './errors.js';
import { compileExpression } from './expression.js';
import { createFieldRule } from './field-rule.js';
import type { Condition, FieldSpec, LifecycleFieldSpec, MappingDocument, ReverseSpec, WritebackSpec } from './mapping-document.js';
import { recordFieldsOf } from './record-fields.js';
import { displayPath } from './schema.js';
import type { CompiledExpression, FieldRule, ReverseRule, StartRule, SyncRule, WritebackRule } from './sync-rule.js';
import { unmappedValueReporter, type MappingWarningLogger } from './unmapped-values.js';
import { checkValueMap } from './value-map-checks.js';
import type { YamlSource } from './yaml-source.js';

/** The result of compiling one mapping document: the rule, or every problem found in it. */
export interface CompileResult {
  rule?: SyncRule;
  issues: MappingIssue[];
}

/** Options of {@link compileRule}. */
export interface CompileRuleOptions {
  /**
   * Receives the run-time warnings of the rule's fields: a value that a field's map has no entry
   * for, when the field has no default. Without it they go to a logger on stderr.
   */
  logger?: MappingWarningLogger;
}

/**
 * Compiles a mapping document that passed the JSON Schema into a `SyncRule`: every JSONata
 * expression is compiled and checked, value maps are checked against the values of the view
 * field they read, and durations are converted. All problems are collected, not only the first,
 * so one run of `itsm-sync validate` lists everything to fix.
 */
export function compileRule(document: MappingDocument, file: string, source: YamlSource, options: CompileRuleOptions = {}): CompileResult {
  const issues: MappingIssue[] = [];
  const recordFields = recordFieldsOf(document.source.kind);

  /**
   * Compiles the expression at `path`, or records an issue and returns undefined. Expressions of
   * the reverse section read the ticket, so their field names are checked against what it lists.
   */
  const expressionAt = (text: string, path: string[]): CompiledExpression | undefined => {
    const where = `rule '${document.name}', ${displayPath(path)}`;
    try {
      const readsTicket = !readsRecordAt(path);
      let listedIn: string | undefined = 'reverse.fields';
      if (path[0] === 'start') listedIn = 'start.fields';
      else if (path[1] === 'journal') listedIn = undefined;
      return compileExpression(text, where, {
        recordFields: readsTicket ? reverseFieldsAt(document, path) : recordFields,
        fieldsListedIn: readsTicket ? listedIn : undefined,
      });
    } catch (error) {
      if (!(error instanceof InvalidExpressionError)) {
        throw error;
      }
      issues.push(invalidExpressionIssue(error, path, file, source));
      return undefined;
    }
  };

  const conditionAt = (condition: Condition, path: string[]): CompiledExpression | undefined =>
    expressionAt(String(condition), path);

  const fieldsAt = (specs: Record<string, FieldSpec | LifecycleFieldSpec> | undefined, path: string[]): FieldRule[] =>
    Object.entries(specs ?? {}).flatMap(([name, spec]) => {
      const rule = fieldAt(name, spec, [...path, name]);
      return rule === undefined ? [] : [rule];
    });

  const targetRecord = `the ${document.target.system === 'jira' ? 'Jira' : 'ServiceNow'} record`;

  /**
   * Compiles one field spec. A map over a view field with known values must cover them. A value
   * the map misses at run time is logged, except in the `reverse` specs that write to AWS, where
   * no value means "send nothing" on purpose (a status map lists the ticket states that move the
   * AWS status).
   */
  const fieldAt = (name: string, spec: FieldSpec | LifecycleFieldSpec, path: string[]): FieldRule | undefined => {
    if (typeof spec === 'object' && readsRecordAt(path)) {
      for (const problem of checkValueMap(document.source.kind, spec, path)) {
        issues.push({ file, ...source.positionOf(problem.path, problem.pointAt), path: displayPath(problem.path), message: problem.message });
      }
    }
    const writesToAws = path[0] === 'reverse' && path[2] !== 'calendarOverride';
    const onUnmappedValue = writesToAws
      ? undefined
      : unmappedValueReporter({ mapping: `rule '${document.name}'`, file, field: displayPath(path), writtenTo: targetRecord }, options.logger);
    return compileFieldSpec(name, spec, path, expressionAt, onUnmappedValue);
  };

  const writebackAt = (spec: WritebackSpec | undefined, path: string[]): WritebackRule | undefined => {
    if (spec === undefined) {
      return undefined;
    }
    return {
      status: spec.status === undefined ? undefined : expressionAt(spec.status, [...path, 'status']),
      note: spec.note === undefined ? undefined : expressionAt(spec.note, [...path, 'note']),
    };
  };

  const { lifecycle } = document;
  const sourceWhen = document.source.when === undefined ? undefined : conditionAt(document.source.when, ['source', 'when']);
  const create = conditionAt(lifecycle.create.when, ['lifecycle', 'create', 'when']);
  // Without a resolve section tickets are never resolved from AWS.
  const resolve = conditionAt(lifecycle.resolve?.when ?? false, ['lifecycle', 'resolve', 'when']);
  const resolveSteps =
    lifecycle.resolve?.steps !== undefined
      ? lifecycle.resolve.steps.map((step, index) => fieldsAt(step, ['lifecycle', 'resolve', 'steps', String(index)]))
      : [fieldsAt(lifecycle.resolve?.fields, ['lifecycle', 'resolve', 'fields'])];
  const closeTicketsSpec = lifecycle.resolve?.closeTickets;
  const closeTickets =
    closeTicketsSpec === undefined
      ? undefined
      : { table: closeTicketsSpec.table, field: closeTicketsSpec.field, fields: fieldsAt(closeTicketsSpec.fields, ['lifecycle', 'resolve', 'closeTickets', 'fields']) };
  const reopenFields = fieldsAt(lifecycle.reopen?.fields, ['lifecycle', 'reopen', 'fields']);
  const recurFields = fieldsAt(lifecycle.recur?.fields, ['lifecycle', 'recur', 'fields']);
  const fields = fieldsAt(document.fields, ['fields']);
  const onLink = writebackAt(document.writeback?.onLink, ['writeback', 'onLink']);
  const onResolve = writebackAt(document.writeback?.onResolve, ['writeback', 'onResolve']);
  const reopenWithinMs = reopenWindow(document, file, source, issues);

  const reverseAt = (spec: ReverseSpec | undefined): ReverseRule | undefined => {
    if (spec === undefined) {
      return undefined;
    }
    const closed = conditionAt(spec.closed, ['reverse', 'closed']);
    const status = spec.writeback?.status === undefined ? undefined : fieldAt('status', spec.writeback.status, ['reverse', 'writeback', 'status']);
    const note = spec.writeback?.note === undefined ? undefined : fieldAt('note', spec.writeback.note, ['reverse', 'writeback', 'note']);
    const journalNote = spec.journal === undefined ? undefined : fieldAt('note', spec.journal.note, ['reverse', 'journal', 'note']);
    const decision =
      spec.decision === undefined
        ? undefined
        : {
            approve: conditionAt(spec.decision.approve, ['reverse', 'decision', 'approve']),
            reject: conditionAt(spec.decision.reject, ['reverse', 'decision', 'reject']),
            comment: fieldAt('comment', spec.decision.comment, ['reverse', 'decision', 'comment']),
            calendarOverride:
              spec.decision.calendarOverride === undefined
                ? undefined
                : {
                    fields: fieldsAt(spec.decision.calendarOverride.fields, ['reverse', 'decision', 'calendarOverride', 'fields']),
                    approvers: spec.decision.calendarOverride.approvers ?? [],
                  },
          };
    if (closed === undefined) {
      return undefined;
    }
    return {
      fields: spec.fields,
      closed,
      status,
      note,
      journal: spec.journal === undefined || journalNote === undefined ? undefined : { fields: spec.journal.fields, note: journalNote },
      decision:
        decision?.approve !== undefined && decision.reject !== undefined && decision.comment !== undefined
          ? { approve: decision.approve, reject: decision.reject, comment: decision.comment, calendarOverride: decision.calendarOverride }
          : undefined,
    };
  };
  const adoptValue = document.correlation.adopt === undefined ? undefined : expressionAt(document.correlation.adopt.value, ['correlation', 'adopt', 'value']);
  const reverse = reverseAt(document.reverse);
  const start = startAt(document, issues, file, source, expressionAt, conditionAt, fieldsAt(document.start?.write, ['start', 'write']));
  checkReverseStatusLiterals(document, file, source, issues);
  if (document.relationships !== undefined && document.source.kind !== 'configuration-item') {
    issues.push({ file, ...source.positionOf(['relationships']), path: 'relationships', message: `only configuration-item rules have CMDB relationships, and this rule syncs ${document.source.kind} records; remove relationships` });
  }
  issues.push(...targetShapeIssues(document, file, source));
  issues.push(...writebackWithoutAdapterIssues(document, file, source));
  if (document.reverse?.decision !== undefined && document.source.kind !== 'change-request') {
    const path = ['reverse', 'decision'];
    issues.push({ file, ...source.positionOf(path), path: displayPath(path), message: `only change-request rules send approval decisions, and this rule syncs ${document.source.kind} records; remove reverse.decision` });
  }
  if (document.reverse?.writeback?.note !== undefined && document.reverse.writeback.status === undefined) {
    const path = ['reverse', 'writeback', 'note'];
    issues.push({
      file,
      ...source.positionOf(path),
      path: displayPath(path),
      message: 'the note is written with each status change, so it needs reverse.writeback.status; add a status, or send comments with reverse.journal',
    });
  }

  if (issues.length > 0 || create === undefined || resolve === undefined) {
    return { issues };
  }

  const rule: SyncRule = {
    name: document.name,
    file,
    priority: document.priority ?? 100,
    source: { kind: document.source.kind, when: sourceWhen },
    target: { system: document.target.system, table: document.target.table },
    correlation: {
      prefix: document.correlation.prefix,
      lookupBeforeCreate: document.correlation.lookupBeforeCreate ?? false,
      adopt: document.correlation.adopt === undefined || adoptValue === undefined ? undefined : { field: document.correlation.adopt.field, value: adoptValue },
    },
    lifecycle: { create, resolve, resolveSteps, closeTickets, reopenWithinMs, reopenFields, recurFields },
    fields,
    writeback: { onLink, onResolve },
    reverse,
    start,
    relationships: document.relationships,
  };
  return { rule, issues };
}

/**
 * The statuses each kind's AWS API takes (BatchUpdateFindings Workflow.Status, UpdateOpsItem
 * Status). A constant or mapped status outside them would fail at every ticket change.
 */
const WRITABLE_STATUSES: Partial<Record<MappingDocument['source']['kind'], readonly string[]>> = {
  finding: ['NEW', 'NOTIFIED', 'RESOLVED', 'SUPPRESSED'],
  opsitem: ['Open', 'InProgress', 'Resolved'],
};

function checkReverseStatusLiterals(document: MappingDocument, file: string, source: YamlSource, issues: MappingIssue[]): void {
  const spec = document.reverse?.writeback?.status;
  const allowed = WRITABLE_STATUSES[document.source.kind];
  if (spec === undefined || typeof spec === 'string' || allowed === undefined) return;

  const literals: Array<[string[], unknown]> = [
    [['const'], spec.const],
    [['default'], spec.default],
    ...Object.entries(spec.map ?? {}).map(([key, value]): [string[], unknown] => [['map', key], value]),
  ];
  for (const [where, value] of literals) {
    if (value === undefined || allowed.includes(String(value))) continue;
    const path = ['reverse', 'writeback', 'status', ...where];
    issues.push({
      file,
      ...source.positionOf(path),
      path: displayPath(path),
      message: `${JSON.stringify(value)} is not a status that ${document.source.kind} records take; use one of ${allowed.join(', ')}`,
    });
  }
}

/**
 * The kinds whose AWS records take no write-back, with the reason. The sync engine has no
 * write-back adapter for them, so a section that writes to AWS would never run.
 */
const KINDS_WITHOUT_WRITEBACK: Partial<Record<MappingDocument['source']['kind'], string>> = {
  'configuration-item': 'AWS Config records the resource itself',
  'config-compliance': 'the AWS Config rule records its evaluation results itself',
};

/** Reject the sections that write to AWS on a rule whose records take no write-back. */
function writebackWithoutAdapterIssues(document: MappingDocument, file: string, source: YamlSource): MappingIssue[] {
  const reason = KINDS_WITHOUT_WRITEBACK[document.source.kind];
  if (reason === undefined) return [];

  const present: string[][] = [];
  if (document.writeback !== undefined) present.push(['writeback']);
  if (document.reverse?.writeback !== undefined) present.push(['reverse', 'writeback']);
  if (document.reverse?.journal !== undefined) present.push(['reverse', 'journal']);
  return present.map((path) => ({
    file,
    ...source.positionOf(path),
    path: displayPath(path),
    message: `${document.source.kind} records take no write-back to AWS (${reason}), so ${displayPath(path)} would never run; remove it`,
  }));
}

/** Compile the `start` section: only change request rules start runbooks. */
function startAt(
  document: MappingDocument,
  issues: MappingIssue[],
  file: string,
  source: YamlSource,
  expressionAt: (text: string, path: string[]) => CompiledExpression | undefined,
  conditionAt: (condition: Condition, path: string[]) => CompiledExpression | undefined,
  write: FieldRule[],
): StartRule | undefined {
  const spec = document.start;
  if (spec === undefined) return undefined;
  if (document.source.kind !== 'change-request') {
    issues.push({ file, ...source.positionOf(['start']), path: 'start', message: `only change-request rules start runbooks, and this rule syncs ${document.source.kind} records; remove start` });
    return undefined;
  }

  // itsm-sync appends its own conditions with ^, which a ^NQ (a second query) would escape, and an
  // ORDERBY would come before them.
  if (/\^NQ|ORDERBY/.test(spec.query)) {
    issues.push({ file, ...source.positionOf(['start', 'query']), path: 'start.query', message: 'the query may not contain ^NQ or ORDERBY, because itsm-sync adds its own conditions and order to it; use ^OR between conditions instead of ^NQ' });
    return undefined;
  }
  const when = spec.when === undefined ? undefined : conditionAt(spec.when, ['start', 'when']);
  const parameters = Object.entries(spec.parameters).map(([name, text]) => ({ name, value: expressionAt(text, ['start', 'parameters', name]) }));
  const templateParameters = Object.entries(spec.templateParameters ?? {}).map(([name, text]) => ({ name, value: expressionAt(text, ['start', 'templateParameters', name]) }));
  if ([...parameters, ...templateParameters].some((parameter) => parameter.value === undefined) || (spec.when !== undefined && when === undefined)) return undefined;
  return {
    query: spec.query,
    fields: spec.fields,
    when,
    runbook: spec.runbook,
    changeTemplate: spec.changeTemplate,
    parameters: parameters.map(({ name, value }) => ({ name, value: value! })),
    templateParameters: templateParameters.map(({ name, value }) => ({ name, value: value! })),
    write,
  };
}

/**
 * Tells whether the expressions at `path` read the AWS record. Those of `reverse` and `start` read
 * the ticket, except the calendar override fields, which are written to the ticket from the change
 * request like `fields`.
 */
function readsRecordAt(path: readonly string[]): boolean {
  if (path[0] === 'reverse') return path[2] === 'calendarOverride';
  return path[0] !== 'start';
}

/** Return the names the input of each reverse or start expression contains (see ReverseSync). */
const TICKET_EXTRAS = ['number', 'updatedBy'];
const JOURNAL_ENTRY_FIELDS = ['id', 'field', 'text', 'author', 'createdAt'];
const DECISION_EXTRAS = ['signal', 'approver', 'approverName', 'approvalComment', 'calendarOverride'];

function reverseFieldsAt(document: MappingDocument, path: string[]): ReadonlySet<string> {
  if (path[0] === 'start') return new Set(document.start?.fields ?? []);
  if (path[1] === 'journal') return new Set(JOURNAL_ENTRY_FIELDS);
  const fields = [...(document.reverse?.fields ?? []), ...TICKET_EXTRAS];
  return new Set(path[1] === 'decision' && path[2] === 'comment' ? [...fields, ...DECISION_EXTRAS] : fields);
}

/** Returns the reopen window in milliseconds, or 0 (never reopen) when the mapping has no reopen section. */
function reopenWindow(document: MappingDocument, file: string, source: YamlSource, issues: MappingIssue[]): number {
  const within = document.lifecycle.reopen?.within;
  if (within === undefined) {
    return 0;
  }
  try {
    return parseDuration(within);
  } catch (error) {
    // The schema has the same rule, so this only fires if the two drift apart.
    const path = ['lifecycle', 'reopen', 'within'];
    issues.push({ file, ...source.positionOf(path), path: displayPath(path), message: (error as Error).message });
    return 0;
  }
}

/**
 * Compiles one field spec (an expression, or an object with value or const) into a field rule,
 * with `expressionAt` compiling its expression and recording any issue. `onUnmappedValue`
 * receives the values its map misses when it has no default. Undefined when the expression did
 * not compile.
 */
export function compileFieldSpec(
  name: string,
  spec: FieldSpec | LifecycleFieldSpec,
  path: string[],
  expressionAt: (text: string, path: string[]) => CompiledExpression | undefined,
  onUnmappedValue?: (value: unknown) => void,
): FieldRule | undefined {
  if (typeof spec === 'string') {
    const expression = expressionAt(spec, path);
    return expression === undefined ? undefined : createFieldRule({ name, owner: 'aws', expression });
  }
  const expression = spec.value === undefined ? undefined : expressionAt(spec.value, [...path, 'value']);
  if (spec.value !== undefined && expression === undefined) {
    return undefined;
  }
  return createFieldRule({
    name,
    // Lifecycle fields have no owner key: they are written when their lifecycle step happens.
    owner: 'owner' in spec && spec.owner !== undefined ? spec.owner : 'aws',
    expression,
    constant: spec.const,
    map: spec.map,
    defaultValue: spec.default,
    maxLength: spec.maxLength,
    onUnmappedValue: spec.map === undefined ? undefined : onUnmappedValue,
  });
}

/** Build the issue for an expression that did not compile, placed on the character it points at. */
export function invalidExpressionIssue(error: InvalidExpressionError, path: string[], file: string, source: YamlSource): MappingIssue {
  return {
    file,
    ...source.positionInValue(path, error.offset),
    path: displayPath(path),
    message: `invalid JSONata expression: ${error.reason} (near ${excerpt(error.expression, error.offset)})`,
  };
}

/** Up to 20 characters on each side of `offset`, on one line, for error messages. */
function excerpt(text: string, offset: number): string {
  const start = Math.max(0, offset - 20);
  const end = Math.min(text.length, offset + 20);
  const prefix = start > 0 ? '…' : '';
  const suffix = end < text.length ? '…' : '';
  return `'${prefix}${text.slice(start, end).replace(/\s+/g, ' ')}${suffix}'`;
}

const JIRA_PROJECT_KEY = /^[A-Z][A-Z0-9_]{1,49}$/;

/**
 * Check what only the target system can tell: a Jira table is a project key or an Assets object
 * type, Assets types take configuration items only, and the parts that only ServiceNow supports
 * (`start`, relationship types written `parent::child`) name it.
 */
function targetShapeIssues(document: MappingDocument, file: string, source: YamlSource): MappingIssue[] {
  const issues: MappingIssue[] = [];
  const table = document.target.table;
  const assets = table.startsWith('assets/');
  const at = (path: string[], message: string): void => {
    issues.push({ file, ...source.positionOf(path), path: displayPath(path), message });
  };

  // Names with spaces are Assets attribute names; ServiceNow columns and Jira field ids have none.
  // A configuration item rule aimed at a project gets one error below, not one per attribute.
  const itemsToProject = document.target.system === 'jira' && !assets && document.source.kind === 'configuration-item';
  if (!assets && !itemsToProject) {
    for (const [path, name] of namedFields(document)) {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
        at(path, `"${name}" is not a ${document.target.system === 'jira' ? 'Jira field id' : 'ServiceNow column name'}: use letters, digits and _ (for example ${document.target.system === 'jira' ? 'customfield_10060' : 'u_cost_center'})`);
      }
    }
  }

  // Retiring a CI resolves tickets that refer to it; only a ServiceNow CMDB has such references.
  if (document.lifecycle.resolve?.closeTickets !== undefined && (document.source.kind !== 'configuration-item' || document.target.system !== 'servicenow')) {
    at(['lifecycle', 'resolve', 'closeTickets'], 'closeTickets resolves the tickets on a retired CI, so it belongs to configuration item rules with a servicenow target; remove it here');
  }

  if (document.target.system === 'servicenow') {
    if (assets) at(['target', 'table'], `"${table}" is a JSM Assets object type, which only a jira target has; use a ServiceNow table such as cmdb_ci_vm_instance, or set target.system to jira`);
    for (const [name, relationship] of Object.entries(document.relationships ?? {})) {
      if (!/^[^:]+::[^:]+$/.test(relationship.type)) {
        at(['relationships', name, 'type'], `"${relationship.type}" is not a ServiceNow relationship type name; write parent descriptor::child descriptor, such as Contains::Contained by`);
      }
    }
    return issues;
  }

  if (!assets && !JIRA_PROJECT_KEY.test(table)) {
    at(['target', 'table'], `"${table}" is not a Jira project key; use the key in upper case (SEC), or assets/<object schema key>/<object type name> for JSM Assets`);
  }
  if (assets && document.source.kind !== 'configuration-item') {
    at(['target', 'table'], `JSM Assets objects hold configuration items, and this rule syncs ${document.source.kind} records; use a Jira project key`);
  }
  if (itemsToProject) {
    at(['target', 'table'], `"${table}" is a Jira project, but configuration items go to JSM Assets on Jira; write the table as assets/<object schema key>/<object type name>, such as assets/AWS/EC2 Instance`);
  }
  if (!assets && !itemsToProject) {
    // Jira cannot create an issue without its type, and retrying cannot help, so report it at load time.
    if (document.fields.issuetype === undefined) {
      at(['fields'], 'a Jira issue rule needs an issuetype field, for example issuetype: { const: "[System] Incident", owner: create-only }');
    }
    // Jira's journal is its comments; any other name would sync nothing, silently.
    const journal = document.reverse?.journal?.fields ?? [];
    journal.forEach((field, index) => {
      if (field !== 'comment') at(['reverse', 'journal', 'fields', String(index)], `"${field}" is not a Jira journal: Jira issues have comments only; write [comment]`);
    });
  }
  if (document.start !== undefined) {
    at(['start'], 'starting runbooks from changes is supported on ServiceNow only in this version; remove start, or move the rule to a servicenow target');
  }
  return issues;
}

/** List every target field name a mapping writes or reads, with its path in the document. */
function namedFields(document: MappingDocument): Array<[string[], string]> {
  const names: Array<[string[], string]> = [];
  const keysOf = (section: Record<string, unknown> | undefined, path: string[]): void => {
    for (const name of Object.keys(section ?? {})) names.push([[...path, name], name]);
  };
  keysOf(document.fields, ['fields']);
  keysOf(document.lifecycle.resolve?.fields, ['lifecycle', 'resolve', 'fields']);
  keysOf(document.lifecycle.reopen?.fields, ['lifecycle', 'reopen', 'fields']);
  keysOf(document.lifecycle.recur?.fields, ['lifecycle', 'recur', 'fields']);
  document.lifecycle.resolve?.steps?.forEach((step, index) => keysOf(step, ['lifecycle', 'resolve', 'steps', String(index)]));
  keysOf(document.reverse?.decision?.calendarOverride?.fields, ['reverse', 'decision', 'calendarOverride', 'fields']);
  document.reverse?.fields.forEach((name, index) => names.push([['reverse', 'fields', String(index)], name]));
  if (document.correlation.adopt !== undefined) names.push([['correlation', 'adopt', 'field'], document.correlation.adopt.field]);
  return names;
}
