/**
 * The ASFF finding reader (`Security Hub Findings - Imported`), through the real FindingSource, on
 * the S3.8 control fixture and variants of it.
 */
import { describe, expect, it } from 'vitest';

import type { EventBridgeEvent } from '../../../src/core/types.js';
import { ASFF_S3_CONTROL, eventWith, rejectionReason, viewOf, type Finding } from './support.js';

const SEVERITY_LABELS = 'INFORMATIONAL, LOW, MEDIUM, HIGH, CRITICAL';

function asffEvent(change: (finding: Finding) => void = () => {}): EventBridgeEvent {
  return eventWith(ASFF_S3_CONTROL, change);
}

describe('ASFF finding reader on the fixture', () => {
  it('normalizes the failed control', async () => {
    const view = await viewOf(asffEvent());

    expect(view.format).toBe('asff');
    expect(view.account).toBe('111122223333');
    expect(view.severity).toBe('HIGH');
    expect(view.workflowStatus).toBe('NEW');
    expect(view.complianceStatus).toBe('FAILED');
    expect(view.controlId).toBe('S3.8');
    expect(view.remediationUrl).toBe('https://docs.aws.amazon.com/console/securityhub/S3.8/remediation');
  });
});

describe('ASFF required fields', () => {
  it.each([
    ['Id', (finding: Finding) => delete finding.Id],
    ['ProductArn', (finding: Finding) => delete finding.ProductArn],
    ['AwsAccountId', (finding: Finding) => delete finding.AwsAccountId],
    ['Title', (finding: Finding) => (finding.Title = '')],
  ])('rejects a finding without %s, naming it', async (path, change) => {
    const reason = await rejectionReason(asffEvent(change));

    expect(reason).toContain(`detail.findings[0].${path} must be a non-empty string`);
  });

  it('shows the value of a mistyped account id', async () => {
    const reason = await rejectionReason(asffEvent((finding) => (finding.AwsAccountId = 111122223333)));

    expect(reason).toBe(
      'detail.findings[0].AwsAccountId must be a non-empty string (the id of the AWS account that owns the finding), got 111122223333',
    );
  });
});

describe('ASFF nested fields', () => {
  it.each([
    ['Severity', (finding: Finding) => (finding.Severity = 'HIGH'), 'got "HIGH"'],
    ['Workflow', (finding: Finding) => (finding.Workflow = 'NEW'), 'got "NEW"'],
    ['Compliance', (finding: Finding) => (finding.Compliance = ['FAILED']), 'got an array'],
    ['Remediation.Recommendation', (finding: Finding) => (finding.Remediation.Recommendation = 'Block it'), 'got "Block it"'],
  ])('names the full path when %s is not an object', async (path, change, shown) => {
    const reason = await rejectionReason(asffEvent(change));

    expect(reason).toBe(`detail.findings[0].${path} must be an object, ${shown}`);
  });

  it('reads Remediation.Recommendation.Text', async () => {
    const view = await viewOf(asffEvent((finding) => (finding.Remediation.Recommendation.Text = 'Turn on Block Public Access.')));

    expect(view.remediationText).toBe('Turn on Block Public Access.');
  });
});

describe('ASFF severity', () => {
  it.each([
    ['SEVERE', '"SEVERE"'],
    ['high', '"high"'],
    [4, '4'],
  ])('rejects Severity.Label %j', async (label, shown) => {
    const reason = await rejectionReason(asffEvent((finding) => (finding.Severity.Label = label)));

    expect(reason).toBe(`detail.findings[0].Severity.Label ${shown} is not one of ${SEVERITY_LABELS}`);
  });

  it.each([
    [0, 'INFORMATIONAL'],
    [1, 'LOW'],
    [39, 'LOW'],
    [40, 'MEDIUM'],
    [70, 'HIGH'],
    [90, 'CRITICAL'],
    [100, 'CRITICAL'],
  ])('derives the label from Normalized %i', async (normalized, label) => {
    const view = await viewOf(asffEvent((finding) => (finding.Severity = { Normalized: normalized })));

    expect(view.severity).toBe(label);
  });

  it.each([
    ['40', '"40"'],
    [101, '101'],
    [-1, '-1'],
  ])('rejects Severity.Normalized %j', async (normalized, shown) => {
    const reason = await rejectionReason(asffEvent((finding) => (finding.Severity = { Normalized: normalized })));

    expect(reason).toBe(`detail.findings[0].Severity.Normalized must be a number from 0 to 100, got ${shown}`);
  });

  it('rejects a finding without severity', async () => {
    const reason = await rejectionReason(asffEvent((finding) => delete finding.Severity));

    expect(reason).toBe(`detail.findings[0].Severity has neither Label nor Normalized; set Severity.Label to one of ${SEVERITY_LABELS}`);
  });
});
