import { copyFile, mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterEach, describe, expect, it } from 'vitest';

import { validateRules, type MappingIssue } from '../../../src/rules/index.js';
import { mappingFile, placeOf, removeFolder, SHIPPED_MAPPINGS_DIR } from './mapping-test-kit.js';

/** The default Jira mappings, shipped next to the ServiceNow ones. */
const JIRA_MAPPINGS_DIR = fileURLToPath(new URL('../../../mappings/jira', import.meta.url));

const folders: string[] = [];

afterEach(async () => {
  await Promise.all(folders.splice(0).map(removeFolder));
});

/** Validate the folder of `file`, which contains only that file, and return its issues. */
async function issuesOf(file: string): Promise<MappingIssue[]> {
  const { issues } = await validateRules(join(file, '..'));
  return issues;
}

/** Return the message of the one issue of `file`, after checking that it sits at `path` and at the text `at`. */
async function onlyIssue(file: string, path: string, at: string): Promise<string> {
  const issues = await issuesOf(file);
  expect(issues.map((issue) => `${issue.path}: ${issue.message}`)).toHaveLength(1);
  const [issue] = issues;
  expect(issue!.path).toBe(path);
  expect({ line: issue!.line, column: issue!.column }).toEqual(await placeOf(file, at));
  return issue!.message;
}

describe('Jira project keys', () => {
  it.each(['SEC', 'ITS', 'SEC_2', 'AB'])('accepts %s', async (key) => {
    const file = await mappingFile(folders, { kind: 'finding', system: 'jira', table: key, fields: ['issuetype: { const: Task, owner: create-only }', 'summary: title'] });

    expect(await issuesOf(file)).toEqual([]);
  });

  it('rejects a key in lower case', async () => {
    const file = await mappingFile(folders, { kind: 'finding', system: 'jira', table: 'sec', fields: ['issuetype: { const: Task, owner: create-only }', 'summary: title'] });

    expect(await onlyIssue(file, 'target.table', 'sec')).toBe(
      '"sec" is not a Jira project key; use the key in upper case (SEC), or assets/<object schema key>/<object type name> for JSM Assets',
    );
  });

  it('rejects a one-letter key', async () => {
    const file = await mappingFile(folders, { kind: 'opsitem', system: 'jira', table: 'S', fields: ['issuetype: { const: Task, owner: create-only }', 'summary: title'] });

    expect(await onlyIssue(file, 'target.table', 'S\n')).toMatch(/^"S" is not a Jira project key;/);
  });

  it('leaves ServiceNow table names alone', async () => {
    const file = await mappingFile(folders, { kind: 'finding', system: 'servicenow', table: 'sn_si_incident', fields: ['short_description: title'] });

    expect(await issuesOf(file)).toEqual([]);
  });
});

describe('JSM Assets tables', () => {
  it('accepts configuration items', async () => {
    const file = await mappingFile(folders, { kind: 'configuration-item', system: 'jira', table: 'assets/AWS/VPC', fields: ['Name: resourceId'] });

    expect(await issuesOf(file)).toEqual([]);
  });

  it.each(['finding', 'opsitem', 'change-request'] as const)('rejects %s records', async (kind) => {
    const file = await mappingFile(folders, { kind, system: 'jira', table: 'assets/AWS/VPC', fields: ['summary: title'] });

    expect(await onlyIssue(file, 'target.table', 'assets/AWS/VPC')).toBe(
      `JSM Assets objects hold configuration items, and this rule syncs ${kind} records; use a Jira project key`,
    );
  });

  it('rejects configuration items in a Jira project', async () => {
    const file = await mappingFile(folders, { kind: 'configuration-item', system: 'jira', table: 'CMDB', fields: ['issuetype: { const: Task, owner: create-only }', 'summary: resourceId'] });

    expect(await onlyIssue(file, 'target.table', 'CMDB')).toBe(
      '"CMDB" is a Jira project, but configuration items go to JSM Assets on Jira; write the table as assets/<object schema key>/<object type name>, such as assets/AWS/EC2 Instance',
    );
  });

  it('rejects an Assets table on ServiceNow', async () => {
    const file = await mappingFile(folders, { kind: 'configuration-item', system: 'servicenow', table: 'assets/AWS/VPC', fields: ['name: resourceId'] });

    expect(await onlyIssue(file, 'target.table', 'assets/AWS/VPC')).toBe(
      '"assets/AWS/VPC" is a JSM Assets object type, which only a jira target has; use a ServiceNow table such as cmdb_ci_vm_instance, or set target.system to jira',
    );
  });
});

describe('runbook starts', () => {
  const start = [
    'start:',
    '  query: labels = aws-automation',
    '  fields: [status]',
    '  runbook: AWS-RestartEC2Instance',
    '  parameters:',
    '    InstanceId: \'"i-0a1b2c3d4e5f60718"\'',
  ].join('\n');

  it('rejects start on Jira', async () => {
    const file = await mappingFile(folders, { kind: 'change-request', system: 'jira', table: 'ITS', fields: ['issuetype: { const: Task, owner: create-only }', 'summary: title'], extra: start });

    expect(await onlyIssue(file, 'start', 'query: labels')).toBe(
      'starting runbooks from changes is supported on ServiceNow only in this version; remove start, or move the rule to a servicenow target',
    );
  });

  it('accepts start on ServiceNow', async () => {
    const file = await mappingFile(folders, {
      kind: 'change-request',
      system: 'servicenow',
      table: 'change_request',
      fields: ['short_description: title'],
      extra: start.replace('labels = aws-automation', 'category=AWS Automation').replace('[status]', '[state]'),
    });

    expect(await issuesOf(file)).toEqual([]);
  });
});

describe('relationship types', () => {
  const relationship = (type: string): string => ['relationships:', `  Is contained in Vpc: { type: "${type}", this: child }`].join('\n');

  it('accepts parent::child on ServiceNow', async () => {
    const file = await mappingFile(folders, {
      kind: 'configuration-item',
      system: 'servicenow',
      table: 'cmdb_ci_vm_instance',
      fields: ['name: resourceId'],
      extra: relationship('Contains::Contained by'),
    });

    expect(await issuesOf(file)).toEqual([]);
  });

  it('rejects an attribute name on ServiceNow', async () => {
    const file = await mappingFile(folders, {
      kind: 'configuration-item',
      system: 'servicenow',
      table: 'cmdb_ci_vm_instance',
      fields: ['name: resourceId'],
      extra: relationship('Contained in VPC'),
    });

    expect(await onlyIssue(file, 'relationships["Is contained in Vpc"].type', '"Contained in VPC"')).toBe(
      '"Contained in VPC" is not a ServiceNow relationship type name; write parent descriptor::child descriptor, such as Contains::Contained by',
    );
  });

  it('accepts a reference attribute name on Assets', async () => {
    const file = await mappingFile(folders, {
      kind: 'configuration-item',
      system: 'jira',
      table: 'assets/AWS/EC2 Instance',
      fields: ['Name: resourceId'],
      extra: relationship('Contained in VPC'),
    });

    expect(await issuesOf(file)).toEqual([]);
  });
});

describe('target field names', () => {
  it('rejects a name with spaces on ServiceNow', async () => {
    const file = await mappingFile(folders, { kind: 'finding', system: 'servicenow', table: 'incident', fields: ['short_description: title', 'Cost Center: account'] });

    expect(await onlyIssue(file, 'fields["Cost Center"]', 'account')).toBe(
      '"Cost Center" is not a ServiceNow column name: use letters, digits and _ (for example u_cost_center)',
    );
  });

  it('rejects a name with spaces on a Jira issue', async () => {
    const file = await mappingFile(folders, { kind: 'finding', system: 'jira', table: 'SEC', fields: ['issuetype: { const: Task, owner: create-only }', 'summary: title', 'Cost Center: account'] });

    expect(await onlyIssue(file, 'fields["Cost Center"]', 'account')).toBe(
      '"Cost Center" is not a Jira field id: use letters, digits and _ (for example customfield_10060)',
    );
  });

  it('accepts names with spaces on Assets', async () => {
    const file = await mappingFile(folders, {
      kind: 'configuration-item',
      system: 'jira',
      table: 'assets/AWS/EC2 Instance',
      fields: ['Name: resourceId', 'Cost Center: $lookup(tags, "CostCenter")', 'Instance Type (AWS): configuration.instanceType'],
      lifecycle: ['resolve:', '  when: deleted', '  fields:', '    Status: { const: Retired }'],
      correlation: ['adopt:', '  field: Resource ID', '  value: resourceId'],
    });

    expect(await issuesOf(file)).toEqual([]);
  });

  it('checks the names in lifecycle and adopt on ServiceNow', async () => {
    const file = await mappingFile(folders, {
      kind: 'configuration-item',
      system: 'servicenow',
      table: 'cmdb_ci_network',
      fields: ['name: resourceId'],
      lifecycle: ['resolve:', '  when: deleted', '  fields:', '    Install Status: { const: "7" }', 'reopen:', '  within: 1d', '  fields:', '    Operational Status: { const: "1" }'],
      correlation: ['adopt:', '  field: Object Id', '  value: resourceId'],
    });

    const issues = await issuesOf(file);

    // Issues are listed in the order of the file, so the correlation section comes first.
    expect(issues.map((issue) => issue.path)).toEqual(['correlation.adopt.field', 'lifecycle.resolve.fields["Install Status"]', 'lifecycle.reopen.fields["Operational Status"]']);
    expect(issues.map((issue) => issue.message)).toEqual([
      '"Object Id" is not a ServiceNow column name: use letters, digits and _ (for example u_cost_center)',
      '"Install Status" is not a ServiceNow column name: use letters, digits and _ (for example u_cost_center)',
      '"Operational Status" is not a ServiceNow column name: use letters, digits and _ (for example u_cost_center)',
    ]);
  });

  it('checks the names of resolve steps on a Jira issue', async () => {
    const file = await mappingFile(folders, {
      kind: 'change-request',
      system: 'jira',
      table: 'ITS',
      fields: ['issuetype: { const: Task, owner: create-only }', 'summary: title'],
      lifecycle: ['resolve:', '  when: outcome = "success"', '  steps:', '    - status: { const: Completed }', '    - Close Notes: { const: done }'],
    });

    const issues = await issuesOf(file);

    expect(issues.map((issue) => [issue.path, issue.message])).toEqual([
      ['lifecycle.resolve.steps["1"]["Close Notes"]', '"Close Notes" is not a Jira field id: use letters, digits and _ (for example customfield_10060)'],
    ]);
  });

  it('checks the names reverse reads on a Jira issue', async () => {
    const file = await mappingFile(folders, {
      kind: 'opsitem',
      system: 'jira',
      table: 'ITS',
      fields: ['issuetype: { const: Task, owner: create-only }', 'summary: title'],
      extra: [
        'reverse:',
        '  fields: [status, Resolved By]',
        '  closed: status = "Done"',
      ].join('\n'),
    });

    const issues = await issuesOf(file);

    expect(issues.map((issue) => [issue.path, issue.message])).toEqual([
      ['reverse.fields["1"]', '"Resolved By" is not a Jira field id: use letters, digits and _ (for example customfield_10060)'],
    ]);
  });
});

describe('shipped Jira mappings', () => {
  it('pass every check', async () => {
    const { rules, issues } = await validateRules(JIRA_MAPPINGS_DIR);

    expect(issues).toEqual([]);
    const files = (await readdir(JIRA_MAPPINGS_DIR)).filter((name) => name.endsWith('.yaml'));
    expect(rules).toHaveLength(files.length);
    expect(rules.length).toBeGreaterThanOrEqual(14);
  });

  it('write every flow to Jira', async () => {
    const { rules } = await validateRules(JIRA_MAPPINGS_DIR);

    for (const rule of rules) {
      expect(rule.target.system, rule.name).toBe('jira');
      if (rule.source.kind === 'configuration-item') {
        expect(rule.target.table, rule.name).toMatch(/^assets\/AWS\/.+/);
      } else {
        expect(rule.target.table, rule.name).toMatch(/^[A-Z][A-Z0-9_]+$/);
      }
    }
    expect(new Set(rules.map((rule) => rule.source.kind))).toEqual(new Set(['finding', 'opsitem', 'change-request', 'configuration-item', 'config-compliance']));
  });

  it('load next to the ServiceNow mappings', async () => {
    // One folder may hold rules for both systems, so some flows go to ServiceNow and others to Jira.
    const dir = await mkdtemp(join(tmpdir(), 'itsm-sync-mixed-mappings-'));
    folders.push(dir);
    for (const folder of [SHIPPED_MAPPINGS_DIR, JIRA_MAPPINGS_DIR]) {
      for (const name of (await readdir(folder)).filter((entry) => entry.endsWith('.yaml'))) {
        await copyFile(join(folder, name), join(dir, name.replace(/\.yaml$/, `.${folder === JIRA_MAPPINGS_DIR ? 'jira' : 'servicenow'}.yaml`)));
      }
    }

    const { rules, issues } = await validateRules(dir);

    expect(issues).toEqual([]);
    expect(new Set(rules.map((rule) => rule.target.system))).toEqual(new Set(['servicenow', 'jira']));
  });
});

describe('Jira issue rules', () => {
  it('requires an issuetype field', async () => {
    const file = await mappingFile(folders, { kind: 'finding', system: 'jira', table: 'SEC', fields: ['summary: title'] });

    const issues = await issuesOf(file);

    expect(issues.map((issue) => [issue.path, issue.message])).toEqual([
      ['fields', 'a Jira issue rule needs an issuetype field, for example issuetype: { const: "[System] Incident", owner: create-only }'],
    ]);
  });

  it('rejects a journal other than comment', async () => {
    const file = await mappingFile(folders, {
      kind: 'opsitem',
      system: 'jira',
      table: 'ITS',
      fields: ['issuetype: { const: Task, owner: create-only }', 'summary: title'],
      extra: ['reverse:', '  fields: [status]', '  closed: status = "Done"', '  journal:', '    fields: [work_notes]', '    note: text'].join('\n'),
    });

    const issues = await issuesOf(file);

    expect(issues.map((issue) => [issue.path, issue.message])).toEqual([
      ['reverse.journal.fields["0"]', '"work_notes" is not a Jira journal: Jira issues have comments only; write [comment]'],
    ]);
  });
});

describe('rules without AWS write-back', () => {
  it.each([
    ['config-compliance', 'the AWS Config rule records its evaluation results itself'],
    ['configuration-item', 'AWS Config records the resource itself'],
  ] as const)('rejects writeback on %s rules', async (kind, reason) => {
    const file = await mappingFile(folders, {
      kind,
      system: 'servicenow',
      table: 'incident',
      fields: ['short_description: resourceId'],
      extra: ['writeback:', '  onLink:', '    note: $ticket.number'].join('\n'),
    });

    expect(await onlyIssue(file, 'writeback', 'onLink')).toBe(`${kind} records take no write-back to AWS (${reason}), so writeback would never run; remove it`);
  });

  it('rejects reverse writeback and journal on compliance rules', async () => {
    const file = await mappingFile(folders, {
      kind: 'config-compliance',
      system: 'servicenow',
      table: 'incident',
      fields: ['short_description: resourceId'],
      extra: [
        'reverse:',
        '  fields: [state]',
        '  closed: state = "6"',
        '  writeback:',
        '    status: { const: RESOLVED }',
        '  journal:',
        '    fields: [work_notes]',
        '    note: text',
      ].join('\n'),
    });

    const issues = await issuesOf(file);

    expect(issues.map((issue) => issue.path)).toEqual(['reverse.writeback', 'reverse.journal']);
    expect(issues[0]!.message).toMatch(/^config-compliance records take no write-back to AWS/);
  });

  it('accepts a reverse section that only reads closure', async () => {
    const file = await mappingFile(folders, {
      kind: 'config-compliance',
      system: 'servicenow',
      table: 'incident',
      fields: ['short_description: resourceId', 'cmdb_ci: $ci.id'],
      extra: ['reverse:', '  fields: [state]', '  closed: state in ["6", "7"]'].join('\n'),
    });

    expect(await issuesOf(file)).toEqual([]);
  });

  it('rejects a field the compliance view lacks', async () => {
    const file = await mappingFile(folders, { kind: 'config-compliance', system: 'servicenow', table: 'incident', fields: ['short_description: severity'] });

    const message = await onlyIssue(file, 'fields.short_description', 'severity');

    expect(message).toContain("the record has no field 'severity'");
    expect(message).toContain('ruleName');
  });
});
