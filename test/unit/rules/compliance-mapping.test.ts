/**
 * The shipped AWS Config rule compliance mappings (ServiceNow and Jira): which evaluations open and
 * resolve tickets, and the fields written with and without the resource's CI bound as `$ci`.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { beforeAll, describe, expect, it } from 'vitest';

import type { TicketRef } from '../../../src/core/types.js';
import { loadRuleFile, type FieldRule, type SyncRule } from '../../../src/rules/index.js';
import type { ConfigComplianceView } from '../../../src/sources/config/config-compliance-view.js';
import { SHIPPED_MAPPINGS_DIR } from './mapping-test-kit.js';

const JIRA_MAPPINGS_DIR = fileURLToPath(new URL('../../../mappings/jira', import.meta.url));

let serviceNow: SyncRule;
let jira: SyncRule;

beforeAll(async () => {
  serviceNow = await loadRuleFile(join(SHIPPED_MAPPINGS_DIR, 'config-rule-noncompliant-to-incident.yaml'));
  jira = await loadRuleFile(join(JIRA_MAPPINGS_DIR, 'config-rule-noncompliant-to-issue.yaml'));
});

/** Build the S3 bucket evaluation of the corpus event, changed by `overrides`. */
function evaluation(overrides: Partial<ConfigComplianceView> = {}): ConfigComplianceView {
  return {
    ruleName: 's3-bucket-level-public-access-prohibited',
    ruleArn: 'arn:aws:config:us-east-1:111122223333:config-rule/config-rule-a1b2c3',
    resourceType: 'AWS::S3::Bucket',
    resourceId: 'example-analytics-exports-111122223333',
    complianceType: 'NON_COMPLIANT',
    previousComplianceType: 'COMPLIANT',
    annotation: 'Block Public Access settings are disabled at the bucket level.',
    evaluationMode: 'DETECTIVE',
    recordedAt: '2025-03-10T13:58:40.900Z',
    invokedAt: '2025-03-10T13:58:40.500Z',
    account: '111122223333',
    region: 'us-east-1',
    consoleUrl: 'https://us-east-1.console.aws.amazon.com/config/home?region=us-east-1#/rules/details?configRuleName=s3-bucket-level-public-access-prohibited',
    resourceConsoleUrl: 'https://us-east-1.console.aws.amazon.com/config/home?region=us-east-1#/resources/details?resourceId=example-analytics-exports-111122223333&resourceType=AWS%3A%3AS3%3A%3ABucket',
    raw: {},
    ...overrides,
  };
}

const SERVICENOW_CI: TicketRef = {
  system: 'servicenow',
  table: 'cmdb_ci_cloud_object_storage',
  id: '3ff07ced7d1e2650c60ea959f55f0eb9',
  number: '3ff07ced7d1e2650c60ea959f55f0eb9',
  url: 'https://itsm-dev.example.com/nav_to.do?uri=cmdb_ci_cloud_object_storage.do?sys_id=3ff07ced7d1e2650c60ea959f55f0eb9',
};

const ASSETS_CI: TicketRef = { system: 'jira', table: 'assets/AWS/S3 Bucket', id: '88', number: 'AWS-88', url: 'https://example.atlassian.net/jira/assets/object/88' };

async function fieldValues(rules: FieldRule[], view: ConfigComplianceView, ci?: TicketRef): Promise<Record<string, unknown>> {
  const values: Record<string, unknown> = {};
  for (const rule of rules) {
    const value = await rule.evaluate(view, { rule: 'test', now: '2025-03-10T15:00:00.000Z', ci });
    if (value !== undefined) values[rule.name] = value;
  }
  return values;
}

describe.each([
  ['ServiceNow', () => serviceNow],
  ['Jira', () => jira],
])('%s compliance mapping decisions', (_system, ruleOf) => {
  it.each([
    ['NON_COMPLIANT', true, false],
    ['COMPLIANT', false, true],
    ['NOT_APPLICABLE', false, true],
    ['INSUFFICIENT_DATA', false, false],
  ] as const)('%s: create %s, resolve %s', async (complianceType, create, resolve) => {
    const view = evaluation({ complianceType });

    expect(Boolean(await ruleOf().lifecycle.create.evaluate(view))).toBe(create);
    expect(Boolean(await ruleOf().lifecycle.resolve.evaluate(view))).toBe(resolve);
  });

  it('reopens within 7 days', () => {
    expect(ruleOf().lifecycle.reopenWithinMs).toBe(7 * 24 * 60 * 60 * 1000);
  });

  it('writes nothing back to AWS', () => {
    expect(ruleOf().writeback).toEqual({ onLink: undefined, onResolve: undefined });
    expect(ruleOf().reverse?.status).toBeUndefined();
    expect(ruleOf().reverse?.journal).toBeUndefined();
  });
});

describe('ServiceNow compliance incident fields', () => {
  it('writes the incident on the CI', async () => {
    const fields = await fieldValues(serviceNow.fields, evaluation(), SERVICENOW_CI);

    expect(fields.cmdb_ci).toBe(SERVICENOW_CI.id);
    expect(fields.short_description).toBe('[AWS Config] s3-bucket-level-public-access-prohibited: AWS::S3::Bucket example-analytics-exports-111122223333 is non-compliant (111122223333/us-east-1)');
    expect(String(fields.description).split('\n')).toEqual([
      'AWS Config rule s3-bucket-level-public-access-prohibited evaluated AWS::S3::Bucket example-analytics-exports-111122223333 as NON_COMPLIANT (before: COMPLIANT).',
      '',
      'Rule annotation: Block Public Access settings are disabled at the bucket level.',
      '',
      'Rule: s3-bucket-level-public-access-prohibited',
      'Rule ARN: arn:aws:config:us-east-1:111122223333:config-rule/config-rule-a1b2c3',
      'Resource type: AWS::S3::Bucket',
      'Resource ID: example-analytics-exports-111122223333',
      'Account: 111122223333',
      'Region: us-east-1',
      'Result recorded: 2025-03-10T13:58:40.900Z',
      '',
      `AWS Config rule: ${evaluation().consoleUrl}`,
      `AWS Config resource: ${evaluation().resourceConsoleUrl}`,
    ]);
    expect(fields).toMatchObject({ urgency: '2', impact: '2', category: 'software', contact_type: 'integration' });
  });

  it('cuts a long short description to 160 characters', async () => {
    const fields = await fieldValues(serviceNow.fields, evaluation({ ruleName: `securityhub-${'x'.repeat(116)}` }));

    expect(String(fields.short_description)).toHaveLength(160);
  });

  it('leaves cmdb_ci out without a CI', async () => {
    const fields = await fieldValues(serviceNow.fields, evaluation());

    expect(fields).not.toHaveProperty('cmdb_ci');
  });

  it('leaves out the annotation and ARN a first evaluation lacks', async () => {
    const fields = await fieldValues(serviceNow.fields, evaluation({ annotation: null, ruleArn: null, previousComplianceType: null }));
    const lines = String(fields.description).split('\n');

    expect(lines[0]).toMatch(/as NON_COMPLIANT \(first evaluation\)\.$/);
    expect(lines.some((line) => line.startsWith('Rule annotation:'))).toBe(false);
    expect(lines.some((line) => line.startsWith('Rule ARN:'))).toBe(false);
  });

  it('keeps the owners of the fields', () => {
    const owners = Object.fromEntries(serviceNow.fields.map((field) => [field.name, field.owner]));

    expect(owners).toEqual({
      short_description: 'aws',
      description: 'aws',
      cmdb_ci: 'aws',
      urgency: 'itsm',
      impact: 'itsm',
      category: 'create-only',
      contact_type: 'create-only',
      work_notes: 'create-only',
    });
  });

  it('resolves with a close code and notes', async () => {
    const [step] = serviceNow.lifecycle.resolveSteps;
    const fields = await fieldValues(step!, evaluation({ complianceType: 'COMPLIANT' }));

    expect(fields.state).toBe('6');
    expect(fields.close_code).toBe('Solution provided');
    expect(fields.close_notes).toBe(
      'Resolved by itsm-sync: AWS Config rule s3-bucket-level-public-access-prohibited finds AWS::S3::Bucket example-analytics-exports-111122223333 compliant as of 2025-03-10T13:58:40.900Z.',
    );
  });

  it('reads a person closing the incident', async () => {
    expect(serviceNow.reverse?.fields).toEqual(['state']);
    expect(await serviceNow.reverse?.closed.evaluate({ state: '7' })).toBe(true);
    expect(await serviceNow.reverse?.closed.evaluate({ state: '2' })).toBe(false);
  });
});

describe('Jira compliance issue fields', () => {
  it('names the Assets object in the description', async () => {
    const fields = await fieldValues(jira.fields, evaluation(), ASSETS_CI);

    expect(String(fields.description).split('\n')).toContain(`Configuration item: AWS-88 (${ASSETS_CI.url})`);
    expect(fields.labels).toEqual(['aws-config', 'config-rule-s3-bucket-level-public-access-prohibited']);
  });

  it('leaves the object line out without a CI', async () => {
    const fields = await fieldValues(jira.fields, evaluation());

    expect(String(fields.description)).not.toContain('Configuration item');
  });

  it('writes no CI field, which Jira issues lack', () => {
    expect(jira.fields.map((field) => field.name)).not.toContain('cmdb_ci');
  });
});
