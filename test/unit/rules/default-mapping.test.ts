import { beforeAll, describe, expect, it } from 'vitest';

import type { TicketRef } from '../../../src/core/types.js';
import { loadRuleFile, type FieldRule, type SyncRule } from '../../../src/rules/index.js';
import type { FindingView } from '../../../src/sources/securityhub/finding-view.js';
import { SHIPPED_MAPPING } from './mapping-test-kit.js';

let rule: SyncRule;

beforeAll(async () => {
  rule = await loadRuleFile(SHIPPED_MAPPING);
});

const CONTROL_FINDING_ID =
  'arn:aws:securityhub:us-east-1:111122223333:security-control/S3.8/finding/d9f5fc82-ae37-5f1e-abd7-6e9c80df15b3';

/** Builds a failed S3.8 control finding (Security Hub CSPM), changed by `overrides`. */
function controlFinding(overrides: Partial<FindingView> = {}): FindingView {
  return {
    id: CONTROL_FINDING_ID,
    format: 'asff',
    account: '111122223333',
    region: 'us-east-1',
    productArn: 'arn:aws:securityhub:us-east-1::product/aws/securityhub',
    productName: 'Security Hub',
    companyName: 'AWS',
    generatorId: 'security-control/S3.8',
    title: 'S3 general purpose buckets should block public access',
    description: 'This control checks whether an S3 general purpose bucket blocks public access at the bucket level.',
    severity: 'HIGH',
    workflowStatus: 'NEW',
    recordState: 'ACTIVE',
    complianceStatus: 'FAILED',
    controlId: 'S3.8',
    types: ['Software and Configuration Checks/Industry and Regulatory Standards'],
    resources: [
      { type: 'AwsS3Bucket', id: 'arn:aws:s3:::example-analytics-exports-111122223333', region: 'us-east-1', tags: {} },
    ],
    remediationText: 'For information on how to correct this issue, consult the AWS Security Hub controls documentation.',
    remediationUrl: 'https://docs.aws.amazon.com/console/securityhub/S3.8/remediation',
    firstObservedAt: '2025-03-10T13:58:01.000Z',
    lastObservedAt: '2025-03-10T13:58:01.000Z',
    createdAt: '2025-03-10T13:58:01.000Z',
    updatedAt: '2025-03-10T13:58:01.000Z',
    consoleUrl: 'https://console.aws.amazon.com/securityhub/home?region=us-east-1#/findings?search=Id%3D%255Coperator%255C%253AEQUALS%255C%253Aarn',
    raw: {},
    ...overrides,
  };
}

/** Builds an Inspector package vulnerability: no compliance section, no control, no remediation URL. */
function inspectorFinding(overrides: Partial<FindingView> = {}): FindingView {
  return controlFinding({
    id: 'arn:aws:inspector2:us-east-1:111122223333:finding/0f8f7c2f1e4b3a2d1c0b9a8f7e6d5c4b',
    productArn: 'arn:aws:securityhub:us-east-1::product/aws/inspector',
    productName: 'Inspector',
    companyName: 'Amazon',
    generatorId: 'AWSInspector',
    title: 'CVE-2023-44487 - nghttp2',
    description: 'The HTTP/2 protocol allows a denial of service (server resource consumption).',
    complianceStatus: null,
    controlId: null,
    remediationText: null,
    remediationUrl: null,
    resources: [
      { type: 'AwsEc2Instance', id: 'arn:aws:ec2:us-east-1:111122223333:instance/i-0abcd1234efgh5678', region: 'us-east-1', tags: {} },
    ],
    ...overrides,
  });
}

const PREVIOUS_TICKET: TicketRef = {
  system: 'servicenow',
  table: 'incident',
  id: '8f40be6ce6ee2f0b974e06e33c60a5a8',
  number: 'INC0010042',
  url: 'https://itsm-dev.example.com/nav_to.do?uri=incident.do?sys_id=8f40be6ce6ee2f0b974e06e33c60a5a8',
};

async function decisions(view: FindingView): Promise<{ create: unknown; resolve: unknown }> {
  return {
    create: await rule.lifecycle.create.evaluate(view, { rule: rule.name }),
    resolve: await rule.lifecycle.resolve.evaluate(view, { rule: rule.name }),
  };
}

async function evaluateAll(fields: FieldRule[], view: FindingView, previous?: TicketRef): Promise<Record<string, unknown>> {
  const values: Record<string, unknown> = {};
  for (const field of fields) {
    values[field.name] = await field.evaluate(view, { rule: rule.name, previous });
  }
  return values;
}

describe('default mapping create and resolve decisions', () => {
  it('creates for a failed HIGH control', async () => {
    expect(await decisions(controlFinding())).toEqual({ create: true, resolve: false });
  });

  it('creates for a finding already NOTIFIED', async () => {
    expect(await decisions(controlFinding({ workflowStatus: 'NOTIFIED' }))).toEqual({ create: true, resolve: false });
  });

  it('creates for a WARNING control', async () => {
    expect(await decisions(controlFinding({ complianceStatus: 'WARNING', severity: 'MEDIUM' }))).toEqual({
      create: true,
      resolve: false,
    });
  });

  it('creates nothing for a suppressed first event', async () => {
    expect(await decisions(controlFinding({ workflowStatus: 'SUPPRESSED' }))).toEqual({ create: false, resolve: false });
  });

  it('creates nothing for a resolved workflow', async () => {
    expect((await decisions(controlFinding({ workflowStatus: 'RESOLVED' }))).create).toBe(false);
  });

  it('resolves a passed control', async () => {
    // Security Hub sends a passed control as INFORMATIONAL with workflow RESOLVED.
    const view = controlFinding({ complianceStatus: 'PASSED', severity: 'INFORMATIONAL', workflowStatus: 'RESOLVED' });

    expect(await decisions(view)).toEqual({ create: false, resolve: true });
  });

  it('resolves a passed control whatever its workflow', async () => {
    expect(await decisions(controlFinding({ complianceStatus: 'PASSED', workflowStatus: 'NEW' }))).toEqual({
      create: false,
      resolve: true,
    });
  });

  it('resolves a control that is NOT_AVAILABLE', async () => {
    expect(await decisions(controlFinding({ complianceStatus: 'NOT_AVAILABLE' }))).toEqual({ create: false, resolve: true });
  });

  it('resolves an archived finding', async () => {
    // The archived sample in the corpus keeps workflow NOTIFIED and compliance FAILED.
    expect(await decisions(controlFinding({ recordState: 'ARCHIVED', workflowStatus: 'NOTIFIED' }))).toEqual({
      create: false,
      resolve: true,
    });
  });

  it('neither creates nor resolves an INFORMATIONAL failure', async () => {
    expect(await decisions(controlFinding({ severity: 'INFORMATIONAL' }))).toEqual({ create: false, resolve: false });
  });

  it('neither creates nor resolves a LOW failure', async () => {
    expect(await decisions(controlFinding({ severity: 'LOW' }))).toEqual({ create: false, resolve: false });
  });

  it('creates for an Inspector finding without compliance', async () => {
    expect(await decisions(inspectorFinding())).toEqual({ create: true, resolve: false });
  });

  it('resolves an archived Inspector finding', async () => {
    expect(await decisions(inspectorFinding({ recordState: 'ARCHIVED' }))).toEqual({ create: false, resolve: true });
  });

  it('handles every finding in the OCSF format alike', async () => {
    expect(await decisions(controlFinding({ format: 'ocsf' }))).toEqual({ create: true, resolve: false });
    expect(await decisions(controlFinding({ format: 'ocsf', complianceStatus: 'PASSED' }))).toEqual({
      create: false,
      resolve: true,
    });
  });
});

describe('default mapping incident fields', () => {
  it.each([
    ['CRITICAL', '1', '1'],
    ['HIGH', '1', '2'],
    ['MEDIUM', '2', '2'],
    ['LOW', '3', '3'],
    ['INFORMATIONAL', '3', '3'],
    ['UNKNOWN', '3', '3'],
  ])('maps severity %s to urgency %s and impact %s', async (severity, urgency, impact) => {
    const fields = await evaluateAll(rule.fields, controlFinding({ severity }));

    expect(fields.urgency).toBe(urgency);
    expect(fields.impact).toBe(impact);
  });

  it('writes the incident for a control finding', async () => {
    const fields = await evaluateAll(rule.fields, controlFinding());

    expect(fields.short_description).toBe(
      '[AWS Security Hub] HIGH: S3 general purpose buckets should block public access (111122223333/us-east-1)',
    );
    expect(fields.category).toBe('software');
    expect(fields.contact_type).toBe('integration');
    expect(fields.work_notes).toBe(`Created by itsm-sync from Security Hub finding ${CONTROL_FINDING_ID} (Security Hub).`);

    const description = fields.description as string;
    expect(description.split('\n')).toEqual([
      'S3 general purpose buckets should block public access',
      '',
      'This control checks whether an S3 general purpose bucket blocks public access at the bucket level.',
      '',
      'Severity: HIGH',
      'Compliance status: FAILED',
      'Security control: S3.8',
      'Product: AWS Security Hub',
      'Account: 111122223333',
      'Region: us-east-1',
      `Finding ID: ${CONTROL_FINDING_ID}`,
      '',
      'Resources:',
      '- arn:aws:s3:::example-analytics-exports-111122223333',
      '',
      'Remediation: For information on how to correct this issue, consult the AWS Security Hub controls documentation.',
      'More information: https://docs.aws.amazon.com/console/securityhub/S3.8/remediation',
      '',
      `Security Hub console: ${controlFinding().consoleUrl}`,
    ]);
  });

  it('leaves out what an Inspector finding lacks', async () => {
    const fields = await evaluateAll(rule.fields, inspectorFinding());

    const description = fields.description as string;
    expect(description).not.toContain('null');
    expect(description).not.toContain('Security control:');
    expect(description).not.toContain('Remediation:');
    expect(description).toContain('Compliance status: none');
    expect(description).toContain('Product: Amazon Inspector');
  });

  it('cuts a long title to 160 characters', async () => {
    const fields = await evaluateAll(rule.fields, controlFinding({ title: `Bucket ${'x'.repeat(250)}` }));

    const shortDescription = fields.short_description as string;
    expect(shortDescription).toHaveLength(160);
    expect(shortDescription.endsWith('…')).toBe(true);
  });

  it('cuts the description to 4000 characters', async () => {
    const resources = Array.from({ length: 32 }, (_, index) => ({
      type: 'AwsS3Bucket',
      id: `arn:aws:s3:::bucket-${index}-${'x'.repeat(200)}`,
      region: 'us-east-1',
      tags: {},
    }));

    const fields = await evaluateAll(rule.fields, controlFinding({ resources }));

    expect((fields.description as string).length).toBe(4000);
  });

  it('keeps the owners of the fields', () => {
    expect(Object.fromEntries(rule.fields.map((field) => [field.name, field.owner]))).toEqual({
      short_description: 'aws',
      description: 'aws',
      urgency: 'aws',
      impact: 'aws',
      category: 'create-only',
      contact_type: 'create-only',
      work_notes: 'create-only',
    });
  });
});

describe('default mapping lifecycle fields', () => {
  it.each([
    [{ complianceStatus: 'PASSED' }, 'Security Hub reports that the check now passes'],
    [{ complianceStatus: 'NOT_AVAILABLE' }, 'Security Hub can no longer evaluate the check (compliance status NOT_AVAILABLE)'],
    [{ recordState: 'ARCHIVED' }, 'Security Hub archived the finding'],
    [{ recordState: 'ARCHIVED', complianceStatus: 'PASSED' }, 'Security Hub archived the finding'],
  ])('explains the resolution of %j', async (overrides, reason) => {
    const fields = await evaluateAll(rule.lifecycle.resolveSteps[0]!, controlFinding(overrides));

    expect(fields.state).toBe('6');
    expect(fields.close_code).toBe('Solution provided');
    expect(fields.close_notes).toContain(`Resolved by itsm-sync: ${reason}`);
    expect(fields.close_notes).toContain(CONTROL_FINDING_ID);
  });

  it('reopens as New with a work note', async () => {
    const fields = await evaluateAll(rule.lifecycle.reopenFields, controlFinding({ lastObservedAt: '2025-03-12T08:00:00.000Z' }));

    expect(fields).toEqual({
      state: '1',
      work_notes: `Reopened by itsm-sync: Security Hub finding ${CONTROL_FINDING_ID} is failing again (last observed 2025-03-12T08:00:00.000Z).`,
    });
    expect(rule.lifecycle.reopenWithinMs).toBe(7 * 86_400_000);
  });

  it('links a recurring finding to the closed incident', async () => {
    const fields = await evaluateAll(rule.lifecycle.recurFields, controlFinding(), PREVIOUS_TICKET);

    expect(fields.parent_incident).toBe(PREVIOUS_TICKET.id);
    expect(fields.work_notes).toBe(
      `Security Hub finding ${CONTROL_FINDING_ID} is failing again. It was handled before in INC0010042, which is closed.`,
    );
  });

  it('writes NOTIFIED and the incident back on link', async () => {
    const bindings = { ticket: PREVIOUS_TICKET, rule: rule.name };

    expect(await rule.writeback.onLink?.status?.evaluate(controlFinding(), bindings)).toBe('NOTIFIED');
    expect(await rule.writeback.onLink?.note?.evaluate(controlFinding(), bindings)).toBe(
      `ServiceNow incident INC0010042: ${PREVIOUS_TICKET.url}`,
    );
    expect(await rule.writeback.onResolve?.note?.evaluate(controlFinding(), bindings)).toBe(
      'ServiceNow incident INC0010042 was resolved by itsm-sync.',
    );
    expect(rule.writeback.onResolve?.status).toBeUndefined();
  });
});
