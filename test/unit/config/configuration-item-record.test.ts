/**
 * The pure parts of the configuration item record: identity, console links per partition, and the
 * field list that the rule compiler checks expressions against.
 */
import { describe, expect, it } from 'vitest';

import { recordFieldsOf } from '../../../src/rules/record-fields.js';
import {
  apiItemToRecord,
  configurationItemConsoleUrl,
  configurationItemIdentity,
  eventItemToRecord,
  InvalidConfigurationItemError,
} from '../../../src/sources/config/configuration-item-record.js';
import { configEvent, detailOf } from './support.js';

const CONTEXT = { account: '111122223333', configRegion: 'us-east-1', changeType: null };

describe('configurationItemIdentity', () => {
  it('joins account, region, type and id', () => {
    expect(configurationItemIdentity('111122223333', 'eu-west-1', 'AWS::S3::Bucket', 'logs')).toBe(
      'configuration-item|111122223333|eu-west-1|AWS::S3::Bucket|logs',
    );
  });
});

describe('configurationItemConsoleUrl', () => {
  it('uses the partition console host', () => {
    expect(configurationItemConsoleUrl('cn-north-1', 'AWS::EC2::VPC', 'vpc-1')).toMatch(/^https:\/\/cn-north-1\.console\.amazonaws\.cn\/config\/home\?region=cn-north-1#/);
    expect(configurationItemConsoleUrl('us-gov-west-1', 'AWS::EC2::VPC', 'vpc-1')).toMatch(/^https:\/\/us-gov-west-1\.console\.amazonaws-us-gov\.com\//);
  });

  it('encodes the resource id', () => {
    expect(configurationItemConsoleUrl('us-east-1', 'AWS::SSM::ManagedInstanceInventory', 'mi-1&x=y')).toContain('resourceId=mi-1%26x%3Dy&');
  });
});

describe('eventItemToRecord', () => {
  it('rejects an item that is not an object', () => {
    expect(() => eventItemToRecord([], CONTEXT)).toThrow(InvalidConfigurationItemError);
  });

  it('falls back to the event account', () => {
    const item = detailOf(configEvent('configuration-item-change-update-s3-bucket.json')).configurationItem as Record<string, unknown>;
    delete item.awsAccountId;

    const { record } = eventItemToRecord(item, { ...CONTEXT, account: '444455556666' });

    expect(record.view.account).toBe('444455556666');
    expect(record.writebackKey.account).toBe('444455556666');
  });
});

describe('apiItemToRecord', () => {
  it('reads relationshipName and null configuration', () => {
    const { record, problems } = apiItemToRecord(
      {
        resourceType: 'AWS::EC2::Volume',
        resourceId: 'vol-1',
        configurationItemCaptureTime: new Date('2025-03-10T00:00:00Z'),
        configurationItemStatus: 'OK',
        configuration: 'null',
      },
      CONTEXT,
    );

    expect(record.view.configuration).toBeNull();
    expect(record.view.tags).toEqual({});
    expect(record.view.region).toBe('us-east-1');
    expect(problems).toEqual([]);
  });

  it('reports configuration that is a list', () => {
    const { record, problems } = apiItemToRecord(
      { resourceType: 'AWS::EC2::Volume', resourceId: 'vol-1', configurationItemCaptureTime: new Date('2025-03-10T00:00:00Z'), configurationItemStatus: 'OK', configuration: '[1]' },
      CONTEXT,
    );

    expect(record.view.configuration).toBeNull();
    expect(problems).toEqual(['configuration is not a JSON object, so configuration is null']);
  });
});

describe('record fields', () => {
  it('lists every view field', () => {
    const { record } = eventItemToRecord(detailOf(configEvent('configuration-item-change-update-ec2-instance.json')).configurationItem, CONTEXT);

    expect([...recordFieldsOf('configuration-item')!].sort()).toEqual(Object.keys(record.view).sort());
  });
});
