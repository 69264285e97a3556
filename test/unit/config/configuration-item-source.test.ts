/**
 * ConfigurationItemSource on the AWS Config events of test/fixtures/aws-events/config, with the SDK
 * client mocked for the BatchGetResourceConfig read of oversized notifications and its errors.
 */
import {
  BatchGetResourceConfigCommand,
  ConfigServiceClient,
  NoAvailableConfigurationRecorderException,
  ValidationException,
  type BaseConfigurationItem,
} from '@aws-sdk/client-config-service';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import type { EventBridgeEvent } from '../../../src/core/types.js';
import {
  CONFIGURATION_ITEM_READ_ERROR_CODES,
  ConfigurationItemReadError,
  ConfigurationItemSource,
} from '../../../src/sources/config/configuration-item-source.js';
import { ACCOUNT_RESOURCE_TYPE, REGION_RESOURCE_TYPE } from '../../../src/sources/config/placement-records.js';
import { InvalidEventError } from '../../../src/sources/source-adapter.js';
import { capturingLogger, configEvent, detailOf, rejectionOf, TEST_CREDENTIALS } from './support.js';

const client = new ConfigServiceClient({ region: 'us-east-1', credentials: TEST_CREDENTIALS, maxAttempts: 1 });
const config = mockClient(client);
let log: ReturnType<typeof capturingLogger>;
let source: ConfigurationItemSource;

const EC2_UPDATE = 'configuration-item-change-update-ec2-instance.json';
const EC2_DELETE = 'configuration-item-change-delete-ec2-instance.json';
const S3_UPDATE = 'configuration-item-change-update-s3-bucket.json';
const OVERSIZED = 'oversized-configuration-item-change.json';

const ROLE_ID = 'AROAEXAMPLEBIGROLE001';
const ROLE_KEY = { resourceType: 'AWS::IAM::Role', resourceId: ROLE_ID } as const;

/** The IAM role of the oversized notification as BatchGetResourceConfig returns it. */
function roleItem(overrides: Partial<BaseConfigurationItem> = {}): BaseConfigurationItem {
  return {
    version: '1.3',
    accountId: '111122223333',
    configurationItemCaptureTime: new Date('2025-03-10T15:46:16.261Z'),
    configurationItemStatus: 'OK',
    configurationStateId: '1741621576261',
    arn: 'arn:aws:iam::111122223333:role/service-role/data-pipeline-execution-role',
    resourceType: 'AWS::IAM::Role',
    resourceId: ROLE_ID,
    resourceName: 'data-pipeline-execution-role',
    awsRegion: 'global',
    availabilityZone: 'Not Applicable',
    resourceCreationTime: new Date('2023-06-01T10:00:00.000Z'),
    configuration: JSON.stringify({
      roleName: 'data-pipeline-execution-role',
      roleId: ROLE_ID,
      path: '/service-role/',
      tags: [
        { key: 'team', value: 'data-platform' },
        { key: 'env', value: 'prod' },
      ],
    }),
    supplementaryConfiguration: {
      RoleLastUsed: '{"lastUsedDate":"2025-03-09T11:00:00.000Z","region":"eu-west-1"}',
      Comment: 'plain text',
    },
    ...overrides,
  };
}

/** Returns the one record of a toRecords result, and fails when there is not exactly one. */
async function onlyRecord<T>(records: Promise<T[]>): Promise<T> {
  const list = await records;
  expect(list).toHaveLength(1);
  return list[0]!;
}

/**
 * Returns the resource's record of a toRecords result, which must come last, after the records of
 * its account and Region (or of its account alone, for a global resource).
 */
async function resourceRecord<T extends { type?: string }>(records: Promise<T[]>, placementTypes: string[] = [ACCOUNT_RESOURCE_TYPE, REGION_RESOURCE_TYPE]): Promise<T> {
  const list = await records;
  expect(list.map((record) => record.type).slice(0, -1)).toEqual(placementTypes);
  return list.at(-1)!;
}

beforeEach(() => {
  config.reset();
  log = capturingLogger();
  source = new ConfigurationItemSource({ client, logger: log.logger });
});

afterEach(() => {
  config.reset();
});

describe('handles', () => {
  it('takes Config Configuration Item Change', () => {
    expect(source.handles(configEvent(EC2_UPDATE))).toBe(true);
    expect(source.handles(configEvent(OVERSIZED))).toBe(true);
  });

  it('leaves other events alone', () => {
    const event = configEvent(EC2_UPDATE);

    expect(source.handles({ ...event, 'detail-type': 'Config Rules Compliance Change' })).toBe(false);
    expect(source.handles({ ...event, source: 'aws.ssm' })).toBe(false);
  });
});

describe('EC2 instance update', () => {
  it('builds the record from the event', async () => {
    const record = await resourceRecord(source.toRecords(configEvent(EC2_UPDATE)));

    expect(record.kind).toBe('configuration-item');
    expect(record.format).toBe('config');
    expect(record.identity).toBe('configuration-item|111122223333|us-east-1|AWS::EC2::Instance|i-0a1b2c3d4e5f60718');
    expect(record.displayId).toBe('AWS::EC2::Instance i-0a1b2c3d4e5f60718');
    expect(record.updatedAt).toBe('2025-03-10T14:50:14.328Z');
    expect(record.writebackKey).toEqual({
      account: '111122223333',
      region: 'us-east-1',
      resourceType: 'AWS::EC2::Instance',
      resourceId: 'i-0a1b2c3d4e5f60718',
    });
    expect(config.calls()).toHaveLength(0);
  });

  it('fills the view from the item', async () => {
    const { view } = await resourceRecord(source.toRecords(configEvent(EC2_UPDATE)));

    expect(view.resourceType).toBe('AWS::EC2::Instance');
    expect(view.resourceName).toBeNull();
    expect(view.arn).toBe('arn:aws:ec2:us-east-1:111122223333:instance/i-0a1b2c3d4e5f60718');
    expect(view.availabilityZone).toBe('us-east-1a');
    expect(view.status).toBe('OK');
    expect(view.changeType).toBe('UPDATE');
    expect(view.deleted).toBe(false);
    expect(view.captureTime).toBe('2025-03-10T14:50:14.328Z');
    expect(view.resourceCreationTime).toBe('2025-01-20T08:00:00.000Z');
    expect(view.tags).toEqual({ Name: 'web-tier-01' });
    expect(view.configuration?.instanceType).toBe('m5.large');
    expect(view.supplementaryConfiguration).toEqual({});
  });

  it('maps relationships with their names', async () => {
    const { view } = await resourceRecord(source.toRecords(configEvent(EC2_UPDATE)));

    // The five AWS Config records, then the Region and the account, which itsm-sync adds.
    expect(view.relationships).toHaveLength(7);
    expect(view.relationships[1]).toEqual({
      resourceType: 'AWS::EC2::SecurityGroup',
      resourceId: 'sg-0f1e2d3c4b5a69788',
      resourceName: null,
      name: 'Is associated with SecurityGroup',
    });
    expect(view.relationships.slice(5)).toEqual([
      { resourceType: REGION_RESOURCE_TYPE, resourceId: 'us-east-1', resourceName: 'us-east-1', name: 'Is located in Region' },
      { resourceType: ACCOUNT_RESOURCE_TYPE, resourceId: '111122223333', resourceName: '111122223333', name: 'Is owned by Account' },
    ]);
  });

  it('links the Config console resource page', async () => {
    const { view } = await resourceRecord(source.toRecords(configEvent(EC2_UPDATE)));

    expect(view.consoleUrl).toBe(
      'https://us-east-1.console.aws.amazon.com/config/home?region=us-east-1#/resources/details?resourceId=i-0a1b2c3d4e5f60718&resourceType=AWS%3A%3AEC2%3A%3AInstance',
    );
  });

  it('keeps the item as raw', async () => {
    const event = configEvent(EC2_UPDATE);

    const { view } = await resourceRecord(source.toRecords(event));

    expect(view.raw).toEqual(detailOf(event).configurationItem);
  });
});

describe('S3 bucket update', () => {
  it('parses JSON text in supplementaryConfiguration', async () => {
    const { view } = await resourceRecord(source.toRecords(configEvent(S3_UPDATE)));
    const acl = view.supplementaryConfiguration.AccessControlList as { grantList: Array<{ permission: string }> };
    const policy = view.supplementaryConfiguration.BucketPolicy as { policyText: unknown };

    expect(acl.grantList[0]?.permission).toBe('FullControl');
    expect(typeof policy.policyText).toBe('string');
    expect(view.supplementaryConfiguration.IsRequesterPaysEnabled).toBe(false);
    expect(view.supplementaryConfiguration.PublicAccessBlockConfiguration).toEqual({
      blockPublicAcls: false,
      ignorePublicAcls: false,
      blockPublicPolicy: false,
      restrictPublicBuckets: false,
    });
  });

  it('reads name, tags and zone', async () => {
    const record = await resourceRecord(source.toRecords(configEvent(S3_UPDATE)));

    expect(record.displayId).toBe('AWS::S3::Bucket example-analytics-exports-111122223333');
    expect(record.view.resourceName).toBe('example-analytics-exports-111122223333');
    expect(record.view.tags).toEqual({ team: 'data-platform', env: 'prod' });
    expect(record.view.availabilityZone).toBe('Regional');
    expect(record.view.arn).toBe('arn:aws:s3:::example-analytics-exports-111122223333');
  });
});

describe('EC2 instance delete', () => {
  it('marks the item deleted', async () => {
    const record = await onlyRecord(source.toRecords(configEvent(EC2_DELETE)));

    expect(record.view.status).toBe('ResourceDeleted');
    expect(record.view.changeType).toBe('DELETE');
    expect(record.view.deleted).toBe(true);
    expect(record.view.configuration).toBeNull();
    expect(record.view.resourceCreationTime).toBeNull();
    expect(record.view.availabilityZone).toBeNull();
    expect(record.view.relationships).toEqual([]);
  });

  it('keeps the update identity and a later time', async () => {
    const update = await resourceRecord(source.toRecords(configEvent(EC2_UPDATE)));
    const deletion = await onlyRecord(source.toRecords(configEvent(EC2_DELETE)));

    expect(deletion.identity).toBe(update.identity);
    expect(deletion.updatedAt! > update.updatedAt!).toBe(true);
  });

  it('accepts a null diff', async () => {
    const event = configEvent(EC2_DELETE);
    detailOf(event).configurationItemDiff = null;

    const record = await onlyRecord(source.toRecords(event));

    expect(record.view.changeType).toBeNull();
    expect(record.view.deleted).toBe(true);
  });

  it('counts a not-recorded status as deleted', async () => {
    const event = configEvent(EC2_UPDATE);
    detailOf(event).configurationItemDiff = null;
    (detailOf(event).configurationItem as Record<string, unknown>).configurationItemStatus = 'ResourceNotRecorded';

    const record = await onlyRecord(source.toRecords(event));

    expect(record.view.deleted).toBe(true);
  });

  it('counts a DELETE change as deleted', async () => {
    const event = configEvent(EC2_UPDATE);
    (detailOf(event).configurationItemDiff as Record<string, unknown>).changeType = 'DELETE';

    const record = await onlyRecord(source.toRecords(event));

    expect(record.view.status).toBe('OK');
    expect(record.view.deleted).toBe(true);
  });
});

describe('event checks', () => {
  async function reasonFor(event: EventBridgeEvent): Promise<string> {
    const error = await rejectionOf(source.toRecords(event));
    expect(error).toBeInstanceOf(InvalidEventError);
    expect((error as InvalidEventError).eventId).toBe(event.id);
    return (error as InvalidEventError).reason;
  }

  it('rejects a detail that is not an object', async () => {
    expect(await reasonFor({ ...configEvent(EC2_UPDATE), detail: 'text' })).toMatch(/detail must be an object/);
  });

  it('rejects an unknown messageType', async () => {
    const event = configEvent(EC2_UPDATE);
    detailOf(event).messageType = 'ConfigurationSnapshotDeliveryCompleted';

    expect(await reasonFor(event)).toMatch(/messageType "ConfigurationSnapshotDeliveryCompleted" is not ConfigurationItemChangeNotification/);
  });

  it('rejects a missing configurationItem', async () => {
    const event = configEvent(EC2_UPDATE);
    delete detailOf(event).configurationItem;

    expect(await reasonFor(event)).toMatch(/configurationItem is missing/);
  });

  it('rejects an item without resourceId', async () => {
    const event = configEvent(EC2_UPDATE);
    delete (detailOf(event).configurationItem as Record<string, unknown>).resourceId;

    expect(await reasonFor(event)).toMatch(/resourceId is missing/);
  });

  it('rejects a bad capture time', async () => {
    const event = configEvent(EC2_UPDATE);
    (detailOf(event).configurationItem as Record<string, unknown>).configurationItemCaptureTime = 'yesterday';

    expect(await reasonFor(event)).toMatch(/configurationItemCaptureTime "yesterday" of AWS::EC2::Instance i-0a1b2c3d4e5f60718 is not a timestamp/);
  });

  it('rejects an unknown status', async () => {
    const event = configEvent(EC2_UPDATE);
    (detailOf(event).configurationItem as Record<string, unknown>).configurationItemStatus = 'Paused';

    expect(await reasonFor(event)).toMatch(/configurationItemStatus "Paused" .* is not one of OK, ResourceDiscovered/);
  });

  it('rejects an unknown change type', async () => {
    const event = configEvent(EC2_UPDATE);
    (detailOf(event).configurationItemDiff as Record<string, unknown>).changeType = 'MODIFY';

    expect(await reasonFor(event)).toMatch(/configurationItemDiff.changeType "MODIFY" is not CREATE, UPDATE or DELETE/);
  });

  it('rejects an event without region', async () => {
    expect(await reasonFor({ ...configEvent(EC2_UPDATE), region: '' })).toMatch(/has no region/);
  });

  it('rejects a summary without resourceId', async () => {
    const event = configEvent(OVERSIZED);
    delete (detailOf(event).configurationItemSummary as Record<string, unknown>).resourceId;

    expect(await reasonFor(event)).toMatch(/configurationItemSummary must name resourceType and resourceId/);
    expect(config.calls()).toHaveLength(0);
  });
});

describe('problems in the item', () => {
  it('logs and drops a tag that is not text', async () => {
    const event = configEvent(S3_UPDATE);
    (detailOf(event).configurationItem as Record<string, unknown>).tags = { team: 'data-platform', cost: 12 };

    const record = await resourceRecord(source.toRecords(event));

    expect(record.view.tags).toEqual({ team: 'data-platform' });
    const warning = log.lines().find((line) => String(line.msg).includes('tag "cost"'));
    expect(warning?.identity).toBe(record.identity);
  });

  it('parses configuration given as JSON text', async () => {
    const event = configEvent(EC2_UPDATE);
    const item = detailOf(event).configurationItem as Record<string, unknown>;
    item.configuration = JSON.stringify(item.configuration);

    const record = await resourceRecord(source.toRecords(event));

    expect(record.view.configuration?.instanceType).toBe('m5.large');
  });

  it('reports configuration text that is not JSON', async () => {
    const event = configEvent(EC2_UPDATE);
    (detailOf(event).configurationItem as Record<string, unknown>).configuration = '{truncated';

    const record = await resourceRecord(source.toRecords(event));

    expect(record.view.configuration).toBeNull();
    expect(log.text()).toMatch(/configuration is text but not JSON/);
  });
});

describe('oversized notification', () => {
  it('reads the item with BatchGetResourceConfig', async () => {
    config.on(BatchGetResourceConfigCommand).resolves({ baseConfigurationItems: [roleItem()], unprocessedResourceKeys: [] });

    const record = await resourceRecord(source.toRecords(configEvent(OVERSIZED)), [ACCOUNT_RESOURCE_TYPE]);

    expect(config.commandCalls(BatchGetResourceConfigCommand)[0]?.args[0].input).toEqual({ resourceKeys: [ROLE_KEY] });
    expect(record.identity).toBe(`configuration-item|111122223333|global|AWS::IAM::Role|${ROLE_ID}`);
    expect(record.updatedAt).toBe('2025-03-10T15:46:16.261Z');
    expect(record.writebackKey).toEqual({ account: '111122223333', region: 'us-east-1', ...ROLE_KEY });
  });

  it('fills the view from the API item', async () => {
    config.on(BatchGetResourceConfigCommand).resolves({ baseConfigurationItems: [roleItem()] });

    const { view } = await resourceRecord(source.toRecords(configEvent(OVERSIZED)), [ACCOUNT_RESOURCE_TYPE]);

    expect(view.region).toBe('global');
    expect(view.changeType).toBe('UPDATE');
    expect(view.deleted).toBe(false);
    expect(view.resourceName).toBe('data-pipeline-execution-role');
    expect(view.resourceCreationTime).toBe('2023-06-01T10:00:00.000Z');
    expect(view.configuration?.path).toBe('/service-role/');
    expect(view.tags).toEqual({ team: 'data-platform', env: 'prod' });
    // The API item has no relationships; a global role has an account and no Region.
    expect(view.relationships).toEqual([{ resourceType: ACCOUNT_RESOURCE_TYPE, resourceId: '111122223333', resourceName: '111122223333', name: 'Is owned by Account' }]);
    expect(view.supplementaryConfiguration).toEqual({
      RoleLastUsed: { lastUsedDate: '2025-03-09T11:00:00.000Z', region: 'eu-west-1' },
      Comment: 'plain text',
    });
    expect(view.consoleUrl).toContain('https://us-east-1.console.aws.amazon.com/config/home?region=us-east-1#');
    expect(view.raw.configurationItemCaptureTime).toBe('2025-03-10T15:46:16.261Z');
    expect(typeof view.raw.configuration).toBe('string');
  });

  it('drops the change type of a newer item', async () => {
    const newer = roleItem({ configurationItemCaptureTime: new Date('2025-03-10T16:00:00.000Z') });
    config.on(BatchGetResourceConfigCommand).resolves({ baseConfigurationItems: [newer] });

    const record = await resourceRecord(source.toRecords(configEvent(OVERSIZED)), [ACCOUNT_RESOURCE_TYPE]);

    expect(record.updatedAt).toBe('2025-03-10T16:00:00.000Z');
    expect(record.view.changeType).toBeNull();
  });

  it('retries an item older than announced', async () => {
    const older = roleItem({ configurationItemCaptureTime: new Date('2025-03-10T15:00:00.000Z') });
    config.on(BatchGetResourceConfigCommand).resolves({ baseConfigurationItems: [older] });

    const error = await rejectionOf<ConfigurationItemReadError>(source.toRecords(configEvent(OVERSIZED)));

    expect(error).toBeInstanceOf(ConfigurationItemReadError);
    expect(error.errorCode).toBe(CONFIGURATION_ITEM_READ_ERROR_CODES.olderThanNotification);
    expect(error.retryable).toBe(true);
  });

  it('throws a retryable error for an unprocessed key', async () => {
    config.on(BatchGetResourceConfigCommand).resolves({ baseConfigurationItems: [], unprocessedResourceKeys: [ROLE_KEY] });

    const error = await rejectionOf<ConfigurationItemReadError>(source.toRecords(configEvent(OVERSIZED)));

    expect(error).toBeInstanceOf(ConfigurationItemReadError);
    expect(error.errorCode).toBe(CONFIGURATION_ITEM_READ_ERROR_CODES.unprocessed);
    expect(error.retryable).toBe(true);
    expect(error.resourceId).toBe(ROLE_ID);
    expect(error.region).toBe('us-east-1');
    expect(error.message).toMatch(/left AWS::IAM::Role AROAEXAMPLEBIGROLE001 in us-east-1 unprocessed/);
  });

  it('skips a resource deleted since', async () => {
    config.on(BatchGetResourceConfigCommand).resolves({ baseConfigurationItems: [], unprocessedResourceKeys: [] });

    const records = await source.toRecords(configEvent(OVERSIZED));

    expect(records).toEqual([]);
    const warning = log.lines().find((line) => line.level === 40);
    expect(warning?.resourceId).toBe(ROLE_ID);
    expect(String(warning?.msg)).toMatch(/returned no configuration item for AWS::IAM::Role/);
  });

  it('builds a deleted summary without a read', async () => {
    const event = configEvent(OVERSIZED);
    Object.assign(detailOf(event).configurationItemSummary as Record<string, unknown>, { configurationItemStatus: 'ResourceDeleted', changeType: 'DELETE' });

    const record = await onlyRecord(source.toRecords(event));

    expect(config.calls()).toHaveLength(0);
    expect(record.view.deleted).toBe(true);
    expect(record.view.configuration).toBeNull();
    expect(record.updatedAt).toBe('2025-03-10T15:46:16.261Z');
  });

  it('asks the provider for the event region', async () => {
    const requested: Array<[string, string]> = [];
    const providerSource = new ConfigurationItemSource({
      client: (region, account) => {
        requested.push([region, account]);
        return client;
      },
      logger: log.logger,
    });
    config.on(BatchGetResourceConfigCommand).resolves({ baseConfigurationItems: [roleItem()] });

    await providerSource.toRecords(configEvent(OVERSIZED));

    expect(requested).toEqual([['us-east-1', '111122223333']]);
  });

  it('rejects a region the provider refuses', async () => {
    const providerSource = new ConfigurationItemSource({
      client: (region) => {
        throw new RangeError(`Invalid AWS region "${region}"`);
      },
      logger: log.logger,
    });

    const error = await rejectionOf<InvalidEventError>(providerSource.toRecords({ ...configEvent(OVERSIZED), region: 'moon-1' }));

    expect(error).toBeInstanceOf(InvalidEventError);
    expect(error.reason).toMatch(/no AWS Config client for region "moon-1"/);
  });
});

describe('oversized read errors', () => {
  const metadata = { httpStatusCode: 400, requestId: 'req-1234' };

  // @aws-sdk/client-config-service has no class for this common AWS error, so it is built by name.
  function accessDenied(): Error {
    return Object.assign(new Error('not authorized'), { name: 'AccessDeniedException', $fault: 'client', $metadata: metadata });
  }

  it('gives up on access denied', async () => {
    config.on(BatchGetResourceConfigCommand).rejects(accessDenied());

    const error = await rejectionOf<ConfigurationItemReadError>(source.toRecords(configEvent(OVERSIZED)));

    expect(error).toBeInstanceOf(ConfigurationItemReadError);
    expect(error.errorCode).toBe('AccessDeniedException');
    expect(error.retryable).toBe(false);
    expect(error.requestId).toBe('req-1234');
    expect(error.message).toMatch(/needs config:BatchGetResourceConfig in us-east-1/);
  });

  it('gives up without a recorder', async () => {
    config
      .on(BatchGetResourceConfigCommand)
      .rejects(new NoAvailableConfigurationRecorderException({ message: 'no recorder', $metadata: metadata }));

    const error = await rejectionOf<ConfigurationItemReadError>(source.toRecords(configEvent(OVERSIZED)));

    expect(error.retryable).toBe(false);
    expect(error.message).toMatch(/no configuration recorder in us-east-1/);
  });

  it('gives up on a validation error', async () => {
    config.on(BatchGetResourceConfigCommand).rejects(new ValidationException({ message: 'bad type', $metadata: metadata }));

    const error = await rejectionOf<ConfigurationItemReadError>(source.toRecords(configEvent(OVERSIZED)));

    expect(error.errorCode).toBe('ValidationException');
    expect(error.retryable).toBe(false);
  });

  it('retries throttling', async () => {
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } });
    config.on(BatchGetResourceConfigCommand).rejects(throttled);

    const error = await rejectionOf<ConfigurationItemReadError>(source.toRecords(configEvent(OVERSIZED)));

    expect(error.errorCode).toBe('ThrottlingException');
    expect(error.retryable).toBe(true);
    expect(error.cause).toBe(throttled);
  });

  it('retries a network failure', async () => {
    config.on(BatchGetResourceConfigCommand).rejects(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }));

    const error = await rejectionOf<ConfigurationItemReadError>(source.toRecords(configEvent(OVERSIZED)));

    expect(error.errorCode).toBe('ECONNREFUSED');
    expect(error.retryable).toBe(true);
  });

  it('keeps credentials out of messages', async () => {
    config.on(BatchGetResourceConfigCommand).rejects(accessDenied());

    const error = await rejectionOf<ConfigurationItemReadError>(source.toRecords(configEvent(OVERSIZED)));

    expect(error.message).not.toContain(TEST_CREDENTIALS.secretAccessKey);
    expect(error.message).not.toContain(TEST_CREDENTIALS.accessKeyId);
    expect(log.text()).not.toContain(TEST_CREDENTIALS.secretAccessKey);
  });
});
