/**
 * The account and Region records derived from configuration items, and the relationships to them
 * that every live item's view gets, on the AWS Config events of test/fixtures/aws-events/config.
 */
import { describe, expect, it } from 'vitest';

import { complianceEventToRecord } from '../../../src/sources/config/config-compliance-record.js';
import { apiItemToRecord, configurationItemIdentity, eventItemToRecord, queryRowToRecord } from '../../../src/sources/config/configuration-item-record.js';
import {
  ACCOUNT_RESOURCE_TYPE,
  CONTAINED_IN_ACCOUNT,
  LOCATED_IN_REGION,
  OWNED_BY_ACCOUNT,
  placementRecords,
  placementRecordsAt,
  REGION_RESOURCE_TYPE,
} from '../../../src/sources/config/placement-records.js';
import { configEvent, detailOf } from './support.js';

const ACCOUNT = '111122223333';
const CONTEXT = { account: ACCOUNT, configRegion: 'us-east-1', changeType: null };
const ACCOUNT_IDENTITY = `configuration-item|${ACCOUNT}|global|AWS::::Account|${ACCOUNT}`;

/** Returns the configuration item of the EC2 instance update event, as a fresh copy. */
function instanceItem(): Record<string, unknown> {
  return detailOf(configEvent('configuration-item-change-update-ec2-instance.json')).configurationItem as Record<string, unknown>;
}

/** Returns the relationships of an item's view that itsm-sync added, by name and resource id. */
function placementRelationshipsOf(relationships: Array<{ name: string; resourceType: string; resourceId: string }>): string[] {
  return relationships.filter((relationship) => relationship.resourceType.startsWith('AWS::::')).map((relationship) => `${relationship.name} ${relationship.resourceId}`);
}

describe('placementRecords', () => {
  it('returns the account, then the Region', () => {
    const { record } = eventItemToRecord(instanceItem(), CONTEXT);

    const [account, region, ...others] = placementRecords(record.view);

    expect(others).toEqual([]);
    expect(account?.identity).toBe(ACCOUNT_IDENTITY);
    expect(account?.type).toBe(ACCOUNT_RESOURCE_TYPE);
    expect(account?.displayId).toBe(`AWS::::Account ${ACCOUNT}`);
    expect(region?.identity).toBe(`configuration-item|${ACCOUNT}|us-east-1|AWS::::Region|us-east-1`);
    expect(region?.type).toBe(REGION_RESOURCE_TYPE);
    expect(region?.displayId).toBe(`AWS::::Region us-east-1 in ${ACCOUNT}`);
  });

  it('builds present records that never go stale', () => {
    const { record } = eventItemToRecord(instanceItem(), CONTEXT);

    for (const placement of placementRecords(record.view)) {
      expect(placement.kind).toBe('configuration-item');
      expect(placement.format).toBe('config');
      expect(placement.updatedAt).toBeUndefined();
      expect(placement.writebackKey).toEqual({});
      expect(placement.view).toMatchObject({ status: 'OK', deleted: false, changeType: null, tags: {}, raw: {}, account: ACCOUNT, arn: null });
      expect(placement.view.captureTime).toBe(record.view.captureTime);
    }
  });

  it('names the account by its id', () => {
    const { record } = eventItemToRecord(instanceItem(), CONTEXT);

    const [account] = placementRecords(record.view);

    expect(account?.view).toMatchObject({ resourceId: ACCOUNT, resourceName: ACCOUNT, region: 'global', configuration: { accountId: ACCOUNT }, relationships: [] });
    expect(account?.view.consoleUrl).toBe('https://console.aws.amazon.com/billing/home#/account');
  });

  it('relates the Region to its account', () => {
    const { record } = eventItemToRecord(instanceItem(), CONTEXT);

    const [, region] = placementRecords(record.view);

    expect(region?.view).toMatchObject({ resourceId: 'us-east-1', resourceName: 'us-east-1', region: 'us-east-1', configuration: { regionName: 'us-east-1', partition: 'aws' } });
    expect(region?.view.relationships).toEqual([{ resourceType: ACCOUNT_RESOURCE_TYPE, resourceId: ACCOUNT, resourceName: ACCOUNT, name: CONTAINED_IN_ACCOUNT }]);
    expect(region?.view.consoleUrl).toBe('https://us-east-1.console.aws.amazon.com/console/home?region=us-east-1');
  });

  it('returns only the account of a global item', () => {
    const { record } = eventItemToRecord({ ...instanceItem(), resourceType: 'AWS::IAM::Role', resourceId: 'AROAEXAMPLEROLE0001', awsRegion: 'global', ARN: 'arn:aws:iam::111122223333:role/app' }, CONTEXT);

    const records = placementRecords(record.view);

    expect(records.map((placement) => placement.identity)).toEqual([ACCOUNT_IDENTITY]);
  });

  it.each([
    ['us-east-1', 'aws', 'us-east-1.console.aws.amazon.com', 'console.aws.amazon.com'],
    ['cn-north-1', 'aws-cn', 'cn-north-1.console.amazonaws.cn', 'console.amazonaws.cn'],
    ['us-gov-west-1', 'aws-us-gov', 'us-gov-west-1.console.amazonaws-us-gov.com', 'console.amazonaws-us-gov.com'],
  ])('reads the partition of %s', (regionName, partition, regionHost, accountHost) => {
    const [account, region] = placementRecordsAt({ account: ACCOUNT, region: regionName, seenAt: '2025-03-10T00:00:00.000Z' });

    expect(region?.view.configuration).toEqual({ regionName, partition });
    expect(region?.view.consoleUrl).toBe(`https://${regionHost}/console/home?region=${regionName}`);
    expect(account?.view.consoleUrl).toBe(`https://${accountHost}/billing/home#/account`);
  });

  it('reads the partition of a global item from its ARN', () => {
    const { record } = eventItemToRecord({ ...instanceItem(), resourceType: 'AWS::IAM::Role', resourceId: 'AROAEXAMPLEROLE0001', awsRegion: 'global', ARN: 'arn:aws-cn:iam::111122223333:role/app' }, { ...CONTEXT, configRegion: 'cn-north-1' });

    const [account] = placementRecords(record.view);

    expect(account?.view.consoleUrl).toBe('https://console.amazonaws.cn/billing/home#/account');
  });
});

describe('account identity', () => {
  it('has the Region global whatever Region is given', () => {
    expect(configurationItemIdentity(ACCOUNT, 'eu-west-1', ACCOUNT_RESOURCE_TYPE, ACCOUNT)).toBe(ACCOUNT_IDENTITY);
    expect(configurationItemIdentity(ACCOUNT, 'global', ACCOUNT_RESOURCE_TYPE, ACCOUNT)).toBe(ACCOUNT_IDENTITY);
  });

  it('keeps the Region of a Region', () => {
    expect(configurationItemIdentity(ACCOUNT, 'eu-west-1', REGION_RESOURCE_TYPE, 'eu-west-1')).toBe(`configuration-item|${ACCOUNT}|eu-west-1|AWS::::Region|eu-west-1`);
  });

  it('matches the CI of an account-level rule evaluation', () => {
    const event = configEvent('rules-compliance-change-noncompliant.json');
    const detail = detailOf(event);
    const qualifier = (detail.newEvaluationResult as { evaluationResultIdentifier: { evaluationResultQualifier: Record<string, unknown> } }).evaluationResultIdentifier.evaluationResultQualifier;
    Object.assign(detail, { resourceType: ACCOUNT_RESOURCE_TYPE, resourceId: ACCOUNT, configRuleName: 'iam-password-policy' });
    Object.assign(qualifier, { resourceType: ACCOUNT_RESOURCE_TYPE, resourceId: ACCOUNT, configRuleName: 'iam-password-policy' });

    const evaluation = complianceEventToRecord(event);

    // The rule runs in us-east-1; the account's CI is the one every Region's resources relate to.
    expect(evaluation.view.region).toBe('us-east-1');
    expect(evaluation.configurationItemIdentity).toBe(ACCOUNT_IDENTITY);
  });
});

describe('placement relationships of a view', () => {
  it('appends the Region and the account to an event item', () => {
    const { record } = eventItemToRecord(instanceItem(), CONTEXT);

    expect(record.view.relationships.slice(-2)).toEqual([
      { resourceType: REGION_RESOURCE_TYPE, resourceId: 'us-east-1', resourceName: 'us-east-1', name: LOCATED_IN_REGION },
      { resourceType: ACCOUNT_RESOURCE_TYPE, resourceId: ACCOUNT, resourceName: ACCOUNT, name: OWNED_BY_ACCOUNT },
    ]);
  });

  it('appends them once when the item lists them', () => {
    const item = instanceItem();
    item.relationships = [{ resourceType: REGION_RESOURCE_TYPE, resourceId: 'us-east-1', name: LOCATED_IN_REGION }];

    const { record } = eventItemToRecord(item, CONTEXT);

    expect(placementRelationshipsOf(record.view.relationships)).toEqual([`${LOCATED_IN_REGION} us-east-1`, `${OWNED_BY_ACCOUNT} ${ACCOUNT}`]);
  });

  it('appends them to an API item', () => {
    const { record } = apiItemToRecord(
      { resourceType: 'AWS::EC2::Volume', resourceId: 'vol-1', accountId: ACCOUNT, awsRegion: 'eu-west-1', configurationItemStatus: 'OK', configurationItemCaptureTime: new Date('2025-03-10T00:00:00Z') },
      CONTEXT,
    );

    expect(placementRelationshipsOf(record.view.relationships)).toEqual([`${LOCATED_IN_REGION} eu-west-1`, `${OWNED_BY_ACCOUNT} ${ACCOUNT}`]);
  });

  it('appends them to an aggregator row', () => {
    const row = {
      accountId: '444455556666',
      awsRegion: 'eu-central-1',
      resourceType: 'AWS::EC2::Volume',
      resourceId: 'vol-2',
      configurationItemStatus: 'OK',
      configurationItemCaptureTime: '2025-03-10T00:00:00.000Z',
      relationships: [{ resourceType: 'AWS::EC2::Instance', resourceId: 'i-1', relationshipName: 'Is attached to Instance' }],
    };

    const { record } = queryRowToRecord(row, 'us-east-1');

    expect(record.view.relationships.map((relationship) => relationship.name)).toEqual(['Is attached to Instance', LOCATED_IN_REGION, OWNED_BY_ACCOUNT]);
    expect(placementRelationshipsOf(record.view.relationships)).toEqual([`${LOCATED_IN_REGION} eu-central-1`, `${OWNED_BY_ACCOUNT} 444455556666`]);
  });

  it('appends only the account to a global item', () => {
    const { record } = eventItemToRecord({ ...instanceItem(), resourceType: 'AWS::IAM::Role', resourceId: 'AROAEXAMPLEROLE0001', awsRegion: 'global', relationships: [] }, CONTEXT);

    expect(placementRelationshipsOf(record.view.relationships)).toEqual([`${OWNED_BY_ACCOUNT} ${ACCOUNT}`]);
  });

  it('appends none to a deleted item', () => {
    const item = detailOf(configEvent('configuration-item-change-delete-ec2-instance.json')).configurationItem;

    const { record } = eventItemToRecord(item, { ...CONTEXT, changeType: 'DELETE' });

    expect(record.view.deleted).toBe(true);
    expect(record.view.relationships).toEqual([]);
  });

  it('appends none to an item that is deleted by its change type alone', () => {
    const { record } = eventItemToRecord(instanceItem(), { ...CONTEXT, changeType: 'DELETE' });

    expect(placementRelationshipsOf(record.view.relationships)).toEqual([]);
  });
});
