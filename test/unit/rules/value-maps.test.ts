import { join } from 'node:path';
import { Writable } from 'node:stream';

import { SeverityLabel, WorkflowStatus, RecordState, ComplianceStatus } from '@aws-sdk/client-securityhub';
import { ComplianceType, ConfigurationItemStatus, EvaluationMode } from '@aws-sdk/client-config-service';
import { AutomationExecutionStatus, OpsItemStatus } from '@aws-sdk/client-ssm';
import { afterEach, describe, expect, it } from 'vitest';

import { createLogger } from '../../../src/ops/logger.js';
import { knownValuesOf } from '../../../src/rules/known-values.js';
import { UNMAPPED_VALUES_LOGGED_PER_FIELD } from '../../../src/rules/unmapped-values.js';
import { loadRuleFile, validateRules, type MappingIssue, type SyncRule } from '../../../src/rules/index.js';
import { mappingFile, placeOf, removeFolder, SHIPPED_MAPPING, type RULE_SOURCES } from './mapping-test-kit.js';

const folders: string[] = [];

afterEach(async () => {
  await Promise.all(folders.splice(0).map(removeFolder));
});

/**
 * Writes a ServiceNow rule of `kind` into a fresh folder: the given lines under `fields:`, more
 * top-level YAML, and lines under `lifecycle:` after the create condition.
 */
function ruleFile(kind: keyof typeof RULE_SOURCES, fields: string[], extra = '', lifecycle: string[] = []): Promise<string> {
  return mappingFile(folders, { name: 'value-map-rule', kind, system: 'servicenow', table: 'incident', fields, lifecycle, extra });
}

async function issuesOf(file: string): Promise<MappingIssue[]> {
  const { issues } = await validateRules(join(file, '..'));
  return issues;
}

/** Creates a JSON logger, as the daemon's, that keeps each line it writes. */
function capturingLogger(): { logger: ReturnType<typeof createLogger>; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done): void {
      lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
      done();
    },
  });
  return { logger: createLogger('info', stream), lines };
}

/** Waits for the logger's stream to take the lines written so far. */
async function flushed(): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
}

function fieldOf(rule: SyncRule, name: string): SyncRule['fields'][number] {
  const field = rule.fields.find((candidate) => candidate.name === name);
  if (field === undefined) throw new Error(`rule ${rule.name} has no field ${name}`);
  return field;
}

describe('value maps over view fields with known values', () => {
  it('rejects a map that misses values and has no default', async () => {
    const file = await ruleFile('finding', ['urgency:', '    value: severity', '    map: { CRITICAL: "1", HIGH: "1" }']);

    const issues = await issuesOf(file);

    expect(issues).toHaveLength(1);
    expect(issues[0]!.path).toBe('fields.urgency.map');
    expect({ line: issues[0]!.line, column: issues[0]!.column }).toEqual(await placeOf(file, 'map:'));
    expect(issues[0]!.message).toBe(
      'the map has no entry for the severity values MEDIUM, LOW, INFORMATIONAL and no default, so a finding with one of them ' +
        'would get no urgency; add them to the map or give a default',
    );
  });

  it('names a single missing value', async () => {
    const file = await ruleFile('finding', ['state_flag:', '    value: recordState', '    map: { ACTIVE: "1" }']);

    const [issue] = await issuesOf(file);

    expect(issue?.message).toBe(
      'the map has no entry for recordState ARCHIVED and no default, so a finding with recordState ARCHIVED would get ' +
        'no state_flag; add ARCHIVED to the map or give a default',
    );
  });

  it('rejects a misspelt key with a suggestion', async () => {
    const file = await ruleFile('finding', [
      'urgency:',
      '    value: severity',
      '    map: { CRITICAL: "1", HIHG: "1", MEDIUM: "2", LOW: "3", INFORMATIONAL: "3" }',
      '    default: "3"',
    ]);

    const issues = await issuesOf(file);

    expect(issues).toHaveLength(1);
    expect(issues[0]!.path).toBe('fields.urgency.map.HIHG');
    expect({ line: issues[0]!.line, column: issues[0]!.column }).toEqual(await placeOf(file, 'HIHG'));
    expect(issues[0]!.message).toBe(
      "unknown severity value 'HIHG': severity is one of CRITICAL, HIGH, MEDIUM, LOW, INFORMATIONAL, so this entry would never apply (did you mean 'HIGH'?)",
    );
  });

  it('reports the misspelt key and the gap it leaves', async () => {
    const file = await ruleFile('finding', ['urgency:', '    value: severity', '    map: { CRITICAL: "1", HIHG: "1", MEDIUM: "2", LOW: "3", INFORMATIONAL: "3" }']);

    const issues = await issuesOf(file);

    expect(issues.map((issue) => issue.path)).toEqual(['fields.urgency.map', 'fields.urgency.map.HIHG']);
    expect(issues[0]!.message).toContain('no entry for severity HIGH');
  });

  it('treats keys as case-sensitive', async () => {
    const file = await ruleFile('finding', ['urgency:', '    value: severity', '    map: { critical: "1" }', '    default: "3"']);

    const [issue] = await issuesOf(file);

    expect(issue?.message).toContain("unknown severity value 'critical'");
    expect(issue?.message).toContain("(did you mean 'CRITICAL'?)");
  });

  it('gives no suggestion for a key far from every value', async () => {
    const file = await ruleFile('finding', ['urgency:', '    value: severity', '    map: { BLOCKER: "1" }', '    default: "3"']);

    const [issue] = await issuesOf(file);

    expect(issue?.message).toBe(
      "unknown severity value 'BLOCKER': severity is one of CRITICAL, HIGH, MEDIUM, LOW, INFORMATIONAL, so this entry would never apply",
    );
  });

  it('accepts a partial map with a default', async () => {
    const file = await ruleFile('finding', ['urgency:', '    value: severity', '    map: { CRITICAL: "1", HIGH: "1" }', '    default: "3"']);

    expect(await issuesOf(file)).toEqual([]);
  });

  it('accepts a complete map without a default', async () => {
    const file = await ruleFile('finding', [
      'u_workflow:',
      '    value: workflowStatus',
      '    map: { NEW: a, NOTIFIED: b, RESOLVED: c, SUPPRESSED: d }',
      'u_compliance:',
      '    value: $.complianceStatus',
      '    map: { PASSED: a, WARNING: b, FAILED: c, NOT_AVAILABLE: d }',
    ]);

    expect(await issuesOf(file)).toEqual([]);
  });

  it('reads a path written with $ as the view field', async () => {
    const file = await ruleFile('finding', ['urgency:', '    value: $.severity', '    map: { CRITICAL: "1" }']);

    const [issue] = await issuesOf(file);

    expect(issue?.message).toContain('no entry for the severity values HIGH, MEDIUM, LOW, INFORMATIONAL');
  });

  it('leaves maps over expressions to the run time', async () => {
    const file = await ruleFile('finding', ['urgency:', '    value: $uppercase(severity)', '    map: { CRITICAL: "1", HIHG: "1" }']);

    expect(await issuesOf(file)).toEqual([]);
  });

  it('leaves maps over free-text fields to the run time', async () => {
    const file = await ruleFile('opsitem', ['category:', '    value: category', '    map: { Security: security }']);

    expect(await issuesOf(file)).toEqual([]);
  });

  it('checks OpsItem priorities as text', async () => {
    const file = await ruleFile('opsitem', ['urgency:', '    value: priority', '    map: { 1: "1", 2: "1", 3: "2", 6: "3" }']);

    const issues = await issuesOf(file);

    expect(issues.map((issue) => [issue.path, issue.message])).toEqual([
      [
        'fields.urgency.map',
        'the map has no entry for the priority values 4, 5 and no default, so an OpsItem with one of them would ' +
          'get no urgency; add them to the map or give a default',
      ],
      ['fields.urgency.map["6"]', "unknown priority value '6': priority is one of 1, 2, 3, 4, 5, so this entry would never apply"],
    ]);
  });

  it('checks boolean fields as true and false', async () => {
    const file = await ruleFile('change-request', ['u_waiting:', '    value: waitingForApproval', '    map: { true: "yes" }']);

    const [issue] = await issuesOf(file);

    expect(issue?.message).toBe(
      'the map has no entry for waitingForApproval false and no default, so a change request with waitingForApproval false ' +
        'would get no u_waiting; add false to the map or give a default',
    );
  });

  it.each([
    ['configuration-item', 'status', 'ResourceDiscovered'],
    ['config-compliance', 'complianceType', 'NOT_APPLICABLE'],
    ['change-request', 'outcome', 'timed-out'],
  ] as const)('checks %s field %s', async (kind, field, missing) => {
    const values = knownValuesOf(kind, field)!.filter((value) => value !== missing);
    const file = await ruleFile(kind, ['u_test:', `    value: ${field}`, `    map: { ${values.map((value) => `${value}: x`).join(', ')} }`]);

    const [issue] = await issuesOf(file);

    expect(issue?.message).toContain(`no entry for ${field} ${missing} and no default`);
  });

  it('checks lifecycle and calendar fields', async () => {
    const file = await ruleFile(
      'change-request',
      ['short_description: title'],
      [
        'reverse:',
        '  fields: [approval]',
        '  closed: approval = "rejected"',
        '  decision:',
        '    approve: approval = "approved"',
        '    reject: approval = "rejected"',
        '    comment: approver',
        '    calendarOverride:',
        '      fields:',
        '        u_kind: { value: kind, map: { automation: a } }',
      ].join('\n'),
      ['resolve:', '  when: outcome = "success"', '  fields:', '    close_code: { value: outcome, map: { success: ok } }'],
    );

    const issues = await issuesOf(file);

    expect(issues.map((issue) => issue.path)).toEqual(['lifecycle.resolve.fields.close_code.map', 'reverse.decision.calendarOverride.fields.u_kind.map']);
  });

  it('leaves the maps of the way back to the ticket values', async () => {
    const file = await ruleFile(
      'finding',
      ['short_description: title'],
      ['reverse:', '  fields: [severity]', '  closed: severity = "6"', '  writeback:', '    status: { value: severity, map: { "6": RESOLVED } }'].join('\n'),
    );

    expect(await issuesOf(file)).toEqual([]);
  });

  it('passes the shipped finding mapping', async () => {
    const { issues } = await validateRules(join(SHIPPED_MAPPING, '..'));

    expect(issues).toEqual([]);
  });
});

describe('known values of the record views', () => {
  it.each([
    ['finding', 'severity', SeverityLabel],
    ['finding', 'workflowStatus', WorkflowStatus],
    ['finding', 'recordState', RecordState],
    ['finding', 'complianceStatus', ComplianceStatus],
    ['opsitem', 'status', OpsItemStatus],
    ['change-request', 'status', AutomationExecutionStatus],
    ['configuration-item', 'status', ConfigurationItemStatus],
    ['config-compliance', 'complianceType', ComplianceType],
    ['config-compliance', 'evaluationMode', EvaluationMode],
  ] as const)('match the AWS SDK list of %s %s', (kind, field, sdkEnum) => {
    expect([...knownValuesOf(kind, field)!].sort()).toEqual(Object.values(sdkEnum).sort());
  });

  it('has no list for free-text fields', () => {
    expect(knownValuesOf('finding', 'title')).toBeUndefined();
    expect(knownValuesOf('opsitem', 'severity')).toBeUndefined();
    expect(knownValuesOf('finding', 'constructor')).toBeUndefined();
  });
});

describe('values a map misses at run time', () => {
  it('logs a warning and leaves the field out', async () => {
    const file = await ruleFile('opsitem', ['category:', '    value: category', '    map: { Security: security }']);
    const { logger, lines } = capturingLogger();
    const rule = await loadRuleFile(file, { logger });

    const value = await fieldOf(rule, 'category').evaluate({ category: 'Cost' });
    await flushed();

    expect(value).toBeUndefined();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 40, mapping: "rule 'value-map-rule'", file, field: 'fields.category', value: 'Cost' });
    expect(lines[0]!.msg).toBe(
      "rule 'value-map-rule', fields.category: the value \"Cost\" has no entry in the map and the field has no default, so the " +
        'field is left out of the ServiceNow record; add "Cost" to the map or give the field a default',
    );
  });

  it('logs each value once', async () => {
    const file = await ruleFile('opsitem', ['category:', '    value: category', '    map: { Security: security }']);
    const { logger, lines } = capturingLogger();
    const rule = await loadRuleFile(file, { logger });
    const category = fieldOf(rule, 'category');

    await category.evaluate({ category: 'Cost' });
    await category.evaluate({ category: 'Cost' });
    await category.evaluate({ category: 'Performance' });
    await flushed();

    expect(lines.map((line) => line.value)).toEqual(['Cost', 'Performance']);
  });

  it('stops logging a field after the first values', async () => {
    const file = await ruleFile('opsitem', ['category:', '    value: category', '    map: { Security: security }']);
    const { logger, lines } = capturingLogger();
    const rule = await loadRuleFile(file, { logger });
    const category = fieldOf(rule, 'category');

    for (let index = 0; index < UNMAPPED_VALUES_LOGGED_PER_FIELD + 5; index += 1) {
      await category.evaluate({ category: `custom-${index}` });
    }
    await flushed();

    expect(lines).toHaveLength(UNMAPPED_VALUES_LOGGED_PER_FIELD);
  });

  it('logs nothing for handled values', async () => {
    const file = await ruleFile('opsitem', [
      'category:',
      '    value: category',
      '    map: { Security: security }',
      'u_source:',
      '    value: source',
      '    map: { EC2: ec2 }',
      '    default: other',
    ]);
    const { logger, lines } = capturingLogger();
    const rule = await loadRuleFile(file, { logger });

    expect(await fieldOf(rule, 'category').evaluate({ category: 'Security' })).toBe('security');
    expect(await fieldOf(rule, 'category').evaluate({})).toBeUndefined();
    expect(await fieldOf(rule, 'category').evaluate({ category: null })).toBeNull();
    expect(await fieldOf(rule, 'u_source').evaluate({ source: 'CloudWatch' })).toBe('other');
    await flushed();

    expect(lines).toEqual([]);
  });

  it('logs nothing for a reverse status the map leaves out', async () => {
    const file = await ruleFile(
      'opsitem',
      ['short_description: title'],
      ['reverse:', '  fields: [state]', '  closed: state = "6"', '  writeback:', '    status: { value: state, map: { "6": Resolved } }'].join('\n'),
    );
    const { logger, lines } = capturingLogger();
    const rule = await loadRuleFile(file, { logger });

    expect(await rule.reverse!.status!.evaluate({ state: '3' })).toBeUndefined();
    await flushed();

    expect(lines).toEqual([]);
  });
});
