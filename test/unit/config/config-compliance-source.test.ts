/**
 * ConfigComplianceSource and the record it builds, on the `Config Rules Compliance Change` events of
 * test/fixtures/aws-events/config and variants of them.
 */
import { describe, expect, it } from 'vitest';

import type { EventBridgeEvent } from '../../../src/core/types.js';
import { configComplianceIdentity, configRuleConsoleUrl } from '../../../src/sources/config/config-compliance-record.js';
import { ConfigComplianceSource, RULES_COMPLIANCE_CHANGE } from '../../../src/sources/config/config-compliance-source.js';
import { eventItemToRecord } from '../../../src/sources/config/configuration-item-record.js';
import { InvalidEventError } from '../../../src/sources/source-adapter.js';
import { configEvent, detailOf, rejectionOf } from './support.js';

const FIRST_EVALUATION = 'rules-compliance-change-first-evaluation.json';
const NONCOMPLIANT = 'rules-compliance-change-noncompliant.json';
const S3_UPDATE = 'configuration-item-change-update-s3-bucket.json';

const source = new ConfigComplianceSource();

/** Returns the one record of the event, and fails when there is not exactly one. */
async function onlyRecord(event: EventBridgeEvent) {
  const records = await source.toRecords(event);
  expect(records).toHaveLength(1);
  return records[0]!;
}

/** Return the new evaluation result of an event, as a mutable object. */
function newResultOf(event: EventBridgeEvent): Record<string, unknown> {
  return detailOf(event).newEvaluationResult as Record<string, unknown>;
}

describe('ConfigComplianceSource.handles', () => {
  it('takes compliance changes from aws.config', () => {
    expect(source.handles(configEvent(FIRST_EVALUATION))).toBe(true);
  });

  it('leaves configuration item changes alone', () => {
    expect(source.handles(configEvent(S3_UPDATE))).toBe(false);
  });

  it('leaves the detail-type from other sources alone', () => {
    expect(source.handles({ ...configEvent(FIRST_EVALUATION), source: 'aws.securityhub' })).toBe(false);
  });

  it('names the detail-type it handles', () => {
    expect(RULES_COMPLIANCE_CHANGE).toBe(configEvent(FIRST_EVALUATION)['detail-type']);
  });
});

describe('compliance record from the first evaluation', () => {
  it('builds the view', async () => {
    const record = await onlyRecord(configEvent(FIRST_EVALUATION));

    expect(record.view).toEqual({
      ruleName: 'restricted-ssh',
      ruleArn: 'arn:aws:config:us-east-1:111122223333:config-rule/config-rule-a1b2c3',
      resourceType: 'AWS::EC2::SecurityGroup',
      resourceId: 'sg-0f1e2d3c4b5a69788',
      complianceType: 'NON_COMPLIANT',
      previousComplianceType: null,
      annotation: null,
      evaluationMode: 'DETECTIVE',
      recordedAt: '2025-03-10T14:40:40.900Z',
      invokedAt: '2025-03-10T14:40:40.500Z',
      account: '111122223333',
      region: 'us-east-1',
      consoleUrl: 'https://us-east-1.console.aws.amazon.com/config/home?region=us-east-1#/rules/details?configRuleName=restricted-ssh',
      resourceConsoleUrl:
        'https://us-east-1.console.aws.amazon.com/config/home?region=us-east-1#/resources/details?resourceId=sg-0f1e2d3c4b5a69788&resourceType=AWS%3A%3AEC2%3A%3ASecurityGroup',
      raw: detailOf(configEvent(FIRST_EVALUATION)),
    });
  });

  it('identifies one rule on one resource', async () => {
    const record = await onlyRecord(configEvent(FIRST_EVALUATION));

    expect(record.kind).toBe('config-compliance');
    expect(record.identity).toBe('config-compliance|111122223333|us-east-1|restricted-ssh|AWS::EC2::SecurityGroup|sg-0f1e2d3c4b5a69788');
    expect(record.displayId).toBe('restricted-ssh: AWS::EC2::SecurityGroup sg-0f1e2d3c4b5a69788');
    expect(record.type).toBe('restricted-ssh');
    expect(record.status).toBe('NON_COMPLIANT');
  });

  it('orders events by the time the result was recorded', async () => {
    const record = await onlyRecord(configEvent(FIRST_EVALUATION));

    expect(record.updatedAt).toBe('2025-03-10T14:40:40.900Z');
  });

  it('names the configuration item of the resource', async () => {
    const record = await onlyRecord(configEvent(FIRST_EVALUATION));

    expect(record.configurationItemIdentity).toBe('configuration-item|111122223333|us-east-1|AWS::EC2::SecurityGroup|sg-0f1e2d3c4b5a69788');
  });

  it('has nothing to write back', async () => {
    const record = await onlyRecord(configEvent(FIRST_EVALUATION));

    expect(record.writebackKey).toEqual({});
  });
});

describe('compliance record with a previous result', () => {
  it('reads the previous result and the annotation', async () => {
    const record = await onlyRecord(configEvent(NONCOMPLIANT));

    expect(record.view.complianceType).toBe('NON_COMPLIANT');
    expect(record.view.previousComplianceType).toBe('COMPLIANT');
    expect(record.view.annotation).toBe('Block Public Access settings are disabled at the bucket level.');
    expect(record.view.ruleName).toBe('s3-bucket-level-public-access-prohibited');
    expect(record.updatedAt).toBe('2025-03-10T13:58:40.900Z');
  });

  it('names the CI identity the configuration item record has', async () => {
    const compliance = await onlyRecord(configEvent(NONCOMPLIANT));
    const itemEvent = configEvent(S3_UPDATE);
    const item = eventItemToRecord(detailOf(itemEvent).configurationItem, { account: itemEvent.account, configRegion: itemEvent.region, changeType: 'UPDATE' });

    expect(compliance.configurationItemIdentity).toBe(item.record.identity);
  });

  it('reads a null old result as a first evaluation', async () => {
    const event = configEvent(NONCOMPLIANT);
    detailOf(event).oldEvaluationResult = null;

    const record = await onlyRecord(event);

    expect(record.view.previousComplianceType).toBeNull();
  });

  it('reads each documented compliance type', async () => {
    for (const complianceType of ['COMPLIANT', 'NOT_APPLICABLE', 'INSUFFICIENT_DATA', 'NON_COMPLIANT']) {
      const event = configEvent(NONCOMPLIANT);
      newResultOf(event).complianceType = complianceType;

      const record = await onlyRecord(event);

      expect(record.view.complianceType).toBe(complianceType);
      expect(record.status).toBe(complianceType);
    }
  });
});

describe('compliance record edge cases', () => {
  it('reads the rule and resource from the qualifier', async () => {
    const event = configEvent(FIRST_EVALUATION);
    const detail = detailOf(event);
    delete detail.configRuleName;
    delete detail.resourceType;
    delete detail.resourceId;

    const record = await onlyRecord(event);

    expect(record.identity).toBe(configComplianceIdentity('111122223333', 'us-east-1', 'restricted-ssh', 'AWS::EC2::SecurityGroup', 'sg-0f1e2d3c4b5a69788'));
  });

  it('takes the account and Region from the envelope', async () => {
    const event = configEvent(FIRST_EVALUATION);
    const detail = detailOf(event);
    delete detail.awsAccountId;
    delete detail.awsRegion;
    event.account = '444455556666';
    event.region = 'eu-west-1';

    const record = await onlyRecord(event);

    expect(record.view.account).toBe('444455556666');
    expect(record.view.region).toBe('eu-west-1');
    expect(record.identity).toContain('|444455556666|eu-west-1|');
  });

  it('looks for an IAM resource under the global Region', async () => {
    const event = configEvent(FIRST_EVALUATION);
    const detail = detailOf(event);
    detail.configRuleName = 'iam-role-managed-policy-check';
    detail.resourceType = 'AWS::IAM::Role';
    detail.resourceId = 'AROAEXAMPLEBIGROLE001';

    const record = await onlyRecord(event);

    expect(record.configurationItemIdentity).toBe('configuration-item|111122223333|global|AWS::IAM::Role|AROAEXAMPLEBIGROLE001');
    // The evaluation itself belongs to the rule's Region.
    expect(record.identity).toContain('|us-east-1|');
  });

  it('links the console of China Regions', () => {
    expect(configRuleConsoleUrl('cn-north-1', 'restricted ssh')).toBe(
      'https://cn-north-1.console.amazonaws.cn/config/home?region=cn-north-1#/rules/details?configRuleName=restricted%20ssh',
    );
  });
});

describe('invalid compliance events', () => {
  it('rejects another message type', async () => {
    const event = configEvent(FIRST_EVALUATION);
    detailOf(event).messageType = 'ScheduledNotification';

    const error = await rejectionOf<InvalidEventError>(source.toRecords(event));

    expect(error).toBeInstanceOf(InvalidEventError);
    expect(error.eventId).toBe(event.id);
    expect(error.message).toContain('"ScheduledNotification" is not ComplianceChangeNotification');
  });

  it('rejects a detail that is not an object', async () => {
    const error = await rejectionOf<InvalidEventError>(source.toRecords({ ...configEvent(FIRST_EVALUATION), detail: 'text' }));

    expect(error).toBeInstanceOf(InvalidEventError);
    expect(error.message).toContain('detail must be an object');
  });

  it('rejects an event without a new result', async () => {
    const event = configEvent(FIRST_EVALUATION);
    delete detailOf(event).newEvaluationResult;

    const error = await rejectionOf<InvalidEventError>(source.toRecords(event));

    expect(error.message).toContain('detail.newEvaluationResult is missing');
  });

  it('rejects an event without a resource id', async () => {
    const event = configEvent(FIRST_EVALUATION);
    delete detailOf(event).resourceId;
    const qualifier = (newResultOf(event).evaluationResultIdentifier as Record<string, Record<string, unknown>>).evaluationResultQualifier!;
    delete qualifier.resourceId;

    const error = await rejectionOf<InvalidEventError>(source.toRecords(event));

    expect(error.message).toContain('detail.resourceId is missing');
  });

  it('rejects an unknown compliance type', async () => {
    const event = configEvent(FIRST_EVALUATION);
    newResultOf(event).complianceType = 'PARTIALLY_COMPLIANT';

    const error = await rejectionOf<InvalidEventError>(source.toRecords(event));

    expect(error.message).toContain('"PARTIALLY_COMPLIANT" is not one of NON_COMPLIANT, COMPLIANT, NOT_APPLICABLE, INSUFFICIENT_DATA');
  });

  it('rejects an unknown previous compliance type', async () => {
    const event = configEvent(NONCOMPLIANT);
    (detailOf(event).oldEvaluationResult as Record<string, unknown>).complianceType = 'UNKNOWN';

    const error = await rejectionOf<InvalidEventError>(source.toRecords(event));

    expect(error.message).toContain('detail.oldEvaluationResult.complianceType "UNKNOWN"');
  });

  it('rejects a missing compliance type', async () => {
    const event = configEvent(FIRST_EVALUATION);
    delete newResultOf(event).complianceType;

    const error = await rejectionOf<InvalidEventError>(source.toRecords(event));

    expect(error.message).toContain('detail.newEvaluationResult.complianceType is missing for restricted-ssh');
  });

  it('rejects a result without a recorded time', async () => {
    const event = configEvent(FIRST_EVALUATION);
    newResultOf(event).resultRecordedTime = 'yesterday';

    const error = await rejectionOf<InvalidEventError>(source.toRecords(event));

    expect(error.message).toContain('resultRecordedTime "yesterday"');
    expect(error.message).toContain('is not a timestamp');
  });
});
