/**
 * The AWS Config simulator, driven by the real ConfigServiceClient over loopback, and the change
 * events it emits, compared with the recorded event fixtures.
 */
import {
  BatchGetResourceConfigCommand,
  ConfigServiceClient,
  DeleteResourceConfigCommand,
  GetResourceConfigHistoryCommand,
  ListDiscoveredResourcesCommand,
  PutResourceConfigCommand,
  SelectAggregateResourceConfigCommand,
  SelectResourceConfigCommand,
} from '@aws-sdk/client-config-service';
import { afterEach, describe, expect, it } from 'vitest';

import type { EventBridgeEvent } from '../../../src/core/types.js';
import { InvalidConfigurationItemError, startConfigSimulator, type ConfigSimulator, type ConfigSimulatorOptions } from '../../../src/simulators/config/server.js';
import { configEventFixture, itemInputFromEvent, settableClock, TEST_CREDENTIALS } from './support.js';

let simulator: ConfigSimulator | undefined;
let client: ConfigServiceClient | undefined;

afterEach(async () => {
  client?.destroy();
  client = undefined;
  await simulator?.stop();
  simulator = undefined;
});

async function start(options: ConfigSimulatorOptions = {}, maxAttempts = 3): Promise<{ config: ConfigSimulator; client: ConfigServiceClient; events: EventBridgeEvent[] }> {
  simulator = await startConfigSimulator(options);
  client = new ConfigServiceClient({ region: 'us-east-1', endpoint: simulator.url, credentials: TEST_CREDENTIALS, maxAttempts });
  const events: EventBridgeEvent[] = [];
  simulator.onEvent((event) => {
    events.push(event);
  });
  return { config: simulator, client, events };
}

/** Waits for listeners, which the simulator calls without awaiting. */
async function settle(): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
}

function instance(resourceId: string, extra: Record<string, unknown> = {}) {
  return { resourceType: 'AWS::EC2::Instance', resourceId, configuration: { instanceId: resourceId, instanceType: 't3.micro', ...extra } };
}

/** Rejection of a promise, for checks on the SDK exception. */
async function rejectionOf(promise: Promise<unknown>): Promise<Error & { $metadata?: { httpStatusCode?: number } }> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the call to fail');
}

describe('configuration item change events', () => {
  it('update matches the EC2 fixture', async () => {
    const fixture = configEventFixture('configuration-item-change-update-ec2-instance.json');
    const after = itemInputFromEvent(fixture.detail.configurationItem);
    const legacyGroup = { groupName: 'legacy-sg', groupId: 'sg-0a9b8c7d6e5f40312' };
    const afterConfiguration = after.configuration as Record<string, any>;
    const beforeConfiguration = {
      ...afterConfiguration,
      instanceType: 't3.large',
      networkInterfaces: [{ ...afterConfiguration.networkInterfaces[0], groups: [legacyGroup] }],
      securityGroups: [legacyGroup],
    };
    const clock = settableClock('2025-03-10T14:00:00Z');
    const { config, events } = await start({ clock: clock.now });

    config.recordResource({ ...after, configuration: beforeConfiguration, configurationItemCaptureTime: new Date('2025-03-10T14:00:00Z') });
    clock.set(fixture.detail.notificationCreationTime);
    config.recordResource(after);
    await settle();

    expect(events).toHaveLength(2);
    const update = events[1]! as EventBridgeEvent & { detail: Record<string, any> };
    expect(update['detail-type']).toBe(fixture['detail-type']);
    expect(update.source).toBe('aws.config');
    // The clock stood at the notification time, 14:50:15.928, and the envelope drops the fraction.
    expect(update.time).toBe('2025-03-10T14:50:15Z');
    expect(update.resources).toEqual(fixture.resources);
    expect(update.detail.messageType).toBe('ConfigurationItemChangeNotification');
    expect(update.detail.recordVersion).toBe('1.3');
    expect(update.detail.notificationCreationTime).toBe(fixture.detail.notificationCreationTime);
    expect(update.detail.configurationItem).toEqual(fixture.detail.configurationItem);

    const diff = update.detail.configurationItemDiff;
    const expected = fixture.detail.configurationItemDiff.changedProperties;
    expect(diff.changeType).toBe('UPDATE');
    for (const path of ['Configuration.InstanceType', 'Configuration.NetworkInterfaces.0', 'Configuration.NetworkInterfaces.1', 'Configuration.SecurityGroups.0', 'Configuration.SecurityGroups.1']) {
      expect(diff.changedProperties[path], path).toEqual(expected[path]);
    }
  });

  it('create lists the whole configuration', async () => {
    const { config, events } = await start({ clock: () => new Date('2025-03-10T09:00:00.250Z') });

    const item = config.recordResource({ ...instance('i-0new'), relationships: [{ resourceType: 'AWS::EC2::VPC', resourceId: 'vpc-1', relationshipName: 'Is contained in Vpc' }] });
    await settle();

    expect(item.configurationStateId).toBe(String(Date.parse('2025-03-10T09:00:00.250Z')));
    const detail = events[0]!.detail as Record<string, any>;
    expect(detail.configurationItemDiff.changeType).toBe('CREATE');
    expect(detail.configurationItemDiff.changedProperties).toEqual({
      Configuration: { previousValue: null, updatedValue: { instanceId: 'i-0new', instanceType: 't3.micro' }, changeType: 'CREATE' },
      'Relationships.0': {
        previousValue: null,
        updatedValue: { resourceId: 'vpc-1', resourceName: null, resourceType: 'AWS::EC2::VPC', name: 'Is contained in Vpc' },
        changeType: 'CREATE',
      },
    });
    expect(detail.configurationItem.ARN).toBe('arn:aws:ec2:us-east-1:111122223333:instance/i-0new');
    expect(events[0]!.time).toBe('2025-03-10T09:00:00Z');
  });

  it('delete matches the EC2 fixture', async () => {
    const fixture = configEventFixture('configuration-item-change-delete-ec2-instance.json');
    const changed = fixture.detail.configurationItemDiff.changedProperties;
    const relationship = changed['Relationships.0'].previousValue;
    const clock = settableClock('2025-03-01T00:00:00Z');
    const { config, events } = await start({ clock: clock.now });
    config.recordResource({
      resourceType: 'AWS::EC2::Instance',
      resourceId: 'i-0a1b2c3d4e5f60718',
      availabilityZone: 'us-east-1a',
      resourceCreationTime: new Date('2025-01-20T08:00:00Z'),
      configuration: changed.Configuration.previousValue,
      tags: { Name: 'web-tier-01' },
      relationships: [{ resourceType: relationship.resourceType, resourceId: relationship.resourceId, relationshipName: relationship.name }],
    });

    clock.set(fixture.detail.configurationItem.configurationItemCaptureTime);
    const deleted = config.deleteResource('AWS::EC2::Instance', 'i-0a1b2c3d4e5f60718');
    await settle();

    expect(deleted.configurationItemStatus).toBe('ResourceDeleted');
    const event = events[1]! as EventBridgeEvent & { detail: Record<string, any> };
    expect(event.resources).toEqual(fixture.resources);
    const { notificationCreationTime: _ignored, ...detail } = event.detail;
    const { notificationCreationTime: _fixtureTime, ...expected } = fixture.detail;
    expect(detail).toEqual(expected);
  });

  it('S3 update reports supplementary configuration', async () => {
    const fixture = configEventFixture('configuration-item-change-update-s3-bucket.json');
    const after = itemInputFromEvent(fixture.detail.configurationItem);
    const supplementary = after.supplementaryConfiguration as Record<string, any>;
    const before = {
      ...after,
      configurationItemCaptureTime: new Date('2025-03-01T00:00:00Z'),
      supplementaryConfiguration: {
        ...supplementary,
        PublicAccessBlockConfiguration: fixture.detail.configurationItemDiff.changedProperties['SupplementaryConfiguration.PublicAccessBlockConfiguration'].previousValue,
        BucketPolicy: { policyText: null },
      },
    };
    const { config, events } = await start();

    config.recordResource(before);
    config.recordResource(after);
    await settle();

    const detail = events[1]!.detail as Record<string, any>;
    expect(detail.configurationItem).toEqual(fixture.detail.configurationItem);
    const changed = detail.configurationItemDiff.changedProperties;
    expect(changed['SupplementaryConfiguration.PublicAccessBlockConfiguration']).toEqual(
      fixture.detail.configurationItemDiff.changedProperties['SupplementaryConfiguration.PublicAccessBlockConfiguration'],
    );
    expect(changed['SupplementaryConfiguration.BucketPolicy']).toEqual({ previousValue: { policyText: null }, updatedValue: supplementary.BucketPolicy, changeType: 'UPDATE' });
    expect(Object.keys(changed)).toHaveLength(2);
  });

  it('oversized option matches the fixture', async () => {
    const fixture = configEventFixture('oversized-configuration-item-change.json');
    const summary = fixture.detail.configurationItemSummary;
    const { config, events } = await start({ clock: () => new Date(fixture.detail.notificationCreationTime) });

    config.recordResource(
      {
        resourceType: 'AWS::IAM::Role',
        resourceId: summary.resourceId,
        resourceName: summary.resourceName,
        arn: summary.ARN,
        availabilityZone: summary.availabilityZone,
        resourceCreationTime: new Date(summary.resourceCreationTime),
        configurationItemCaptureTime: new Date('2025-03-01T00:00:00Z'),
        configuration: { roleName: summary.resourceName },
      },
      { emitEvent: false },
    );
    config.recordResource(
      {
        resourceType: 'AWS::IAM::Role',
        resourceId: summary.resourceId,
        resourceName: summary.resourceName,
        arn: summary.ARN,
        availabilityZone: summary.availabilityZone,
        resourceCreationTime: new Date(summary.resourceCreationTime),
        configurationItemCaptureTime: new Date(summary.configurationItemCaptureTime),
        configuration: { roleName: summary.resourceName, path: '/service-role/' },
      },
      { oversized: true },
    );
    await settle();

    expect(events).toHaveLength(1);
    const detail = events[0]!.detail as Record<string, any>;
    expect(detail.messageType).toBe('OversizedConfigurationItemChangeNotification');
    expect(detail.recordVersion).toBe('1.0');
    expect(detail.configurationItem).toBeUndefined();
    expect(detail.configurationItemDiff).toBeUndefined();
    expect(detail.configurationItemSummary).toEqual(summary);
    expect(detail.notificationCreationTime).toBe(fixture.detail.notificationCreationTime);
    // The bucket name comes from the delivery channel, and the key follows AWS Config's layout.
    const keyOf = (location: string) => location.slice(location.indexOf('/') + 1);
    expect(keyOf(detail.s3DeliverySummary.s3BucketLocation)).toBe(keyOf(fixture.detail.s3DeliverySummary.s3BucketLocation));
    expect(detail.s3DeliverySummary.errorCode).toBeNull();
    expect(events[0]!.resources).toEqual(fixture.resources);
  });

  it('item above 256 KB becomes oversized', async () => {
    const { config, events } = await start();

    config.recordResource(instance('i-0huge', { userData: 'x'.repeat(300 * 1024) }));
    config.recordResource(instance('i-0small'));
    await settle();

    expect((events[0]!.detail as Record<string, unknown>).messageType).toBe('OversizedConfigurationItemChangeNotification');
    expect((events[1]!.detail as Record<string, unknown>).messageType).toBe('ConfigurationItemChangeNotification');
  });

  it('seed checks name the bad member', async () => {
    const { config } = await start();

    const badType = (() => {
      try {
        config.recordResource({ resourceType: 'AWS::EC2::Instances', resourceId: 'i-1', configuration: {} });
      } catch (error) {
        return error;
      }
    })();
    expect(badType).toBeInstanceOf(InvalidConfigurationItemError);
    expect((badType as InvalidConfigurationItemError).field).toBe('resourceType');
    expect((badType as Error).message).toContain('AWS::EC2::Instances');

    expect(() => config.recordResource({ resourceType: 'AWS::EC2::Instance', resourceId: 'i-1', configuration: '{not json' })).toThrow(/configuration is a string but not valid JSON/);
    expect(() => config.deleteResource('AWS::EC2::Instance', 'i-missing')).toThrow(/i-missing: the resource was never recorded/);
  });
});

describe('BatchGetResourceConfig', () => {
  it('returns current items without tags', async () => {
    const { config, client } = await start();
    config.recordResource({ ...instance('i-1'), tags: { env: 'prod' }, supplementaryConfiguration: { Policy: { a: 1 }, Encoded: '{"b":2}' } });
    config.recordResource(instance('i-2'));
    config.deleteResource('AWS::EC2::Instance', 'i-2');

    const response = await client.send(
      new BatchGetResourceConfigCommand({
        resourceKeys: [
          { resourceType: 'AWS::EC2::Instance', resourceId: 'i-1' },
          { resourceType: 'AWS::EC2::Instance', resourceId: 'i-2' },
          { resourceType: 'AWS::EC2::Instance', resourceId: 'i-unknown' },
        ],
      }),
    );

    expect(response.unprocessedResourceKeys).toEqual([]);
    expect(response.baseConfigurationItems).toHaveLength(1);
    const item = response.baseConfigurationItems![0]!;
    expect(item.resourceId).toBe('i-1');
    expect(item.configurationItemStatus).toBe('OK');
    expect(JSON.parse(item.configuration!)).toEqual({ instanceId: 'i-1', instanceType: 't3.micro' });
    expect(item.supplementaryConfiguration).toEqual({ Policy: '{"a":1}', Encoded: '{"b":2}' });
    expect(item.configurationItemCaptureTime).toBeInstanceOf(Date);
    expect(item).not.toHaveProperty('tags');
  });

  it('returns keys over the budget as unprocessed', async () => {
    const { config, client } = await start({ batchGetBudget: 2 });
    const keys = ['i-1', 'i-2', 'i-3'].map((id) => {
      config.recordResource(instance(id));
      return { resourceType: 'AWS::EC2::Instance' as const, resourceId: id };
    });

    const first = await client.send(new BatchGetResourceConfigCommand({ resourceKeys: keys }));
    const second = await client.send(new BatchGetResourceConfigCommand({ resourceKeys: first.unprocessedResourceKeys }));

    expect(first.baseConfigurationItems!.map((item) => item.resourceId)).toEqual(['i-1', 'i-2']);
    expect(first.unprocessedResourceKeys).toEqual([keys[2]]);
    expect(second.baseConfigurationItems!.map((item) => item.resourceId)).toEqual(['i-3']);
  });

  it('rejects more than 100 keys', async () => {
    const { client } = await start();
    const keys = Array.from({ length: 101 }, (_, index) => ({ resourceType: 'AWS::EC2::Instance' as const, resourceId: `i-${index}` }));

    const error = await rejectionOf(client.send(new BatchGetResourceConfigCommand({ resourceKeys: keys })));

    expect(error.name).toBe('ValidationException');
    expect(error.message).toContain('less than or equal to 100');
  });
});

describe('ListDiscoveredResources', () => {
  it('pages through resources of one type', async () => {
    const { config, client } = await start();
    for (const id of ['i-1', 'i-2', 'i-3', 'i-4', 'i-5']) config.recordResource(instance(id));
    config.recordResource({ resourceType: 'AWS::S3::Bucket', resourceId: 'bucket-1', resourceName: 'bucket-1', configuration: {} });

    const ids: string[] = [];
    let nextToken: string | undefined;
    let pages = 0;
    do {
      const page = await client.send(new ListDiscoveredResourcesCommand({ resourceType: 'AWS::EC2::Instance', limit: 2, nextToken }));
      ids.push(...page.resourceIdentifiers!.map((identifier) => identifier.resourceId!));
      nextToken = page.nextToken;
      pages += 1;
    } while (nextToken !== undefined);

    expect(ids).toEqual(['i-1', 'i-2', 'i-3', 'i-4', 'i-5']);
    expect(pages).toBe(3);
  });

  it('includes deleted resources only when asked', async () => {
    const clock = settableClock('2025-03-10T10:00:00Z');
    const { config, client } = await start({ clock: clock.now });
    config.recordResource(instance('i-kept'));
    config.recordResource(instance('i-gone'));
    clock.set('2025-03-10T11:00:00Z');
    config.deleteResource('AWS::EC2::Instance', 'i-gone');

    const live = await client.send(new ListDiscoveredResourcesCommand({ resourceType: 'AWS::EC2::Instance' }));
    const all = await client.send(new ListDiscoveredResourcesCommand({ resourceType: 'AWS::EC2::Instance', includeDeletedResources: true }));

    expect(live.resourceIdentifiers!.map((identifier) => identifier.resourceId)).toEqual(['i-kept']);
    expect(all.resourceIdentifiers).toEqual([
      { resourceType: 'AWS::EC2::Instance', resourceId: 'i-kept' },
      { resourceType: 'AWS::EC2::Instance', resourceId: 'i-gone', resourceDeletionTime: new Date('2025-03-10T11:00:00Z') },
    ]);
  });

  it('filters by id or by name', async () => {
    const { config, client } = await start();
    config.recordResource({ resourceType: 'AWS::S3::Bucket', resourceId: 'logs', resourceName: 'logs', configuration: {} });
    config.recordResource({ resourceType: 'AWS::S3::Bucket', resourceId: 'data', resourceName: 'data', configuration: {} });

    const byId = await client.send(new ListDiscoveredResourcesCommand({ resourceType: 'AWS::S3::Bucket', resourceIds: ['data'] }));
    const byName = await client.send(new ListDiscoveredResourcesCommand({ resourceType: 'AWS::S3::Bucket', resourceName: 'logs' }));
    const both = await rejectionOf(client.send(new ListDiscoveredResourcesCommand({ resourceType: 'AWS::S3::Bucket', resourceIds: ['data'], resourceName: 'logs' })));

    expect(byId.resourceIdentifiers!.map((identifier) => identifier.resourceName)).toEqual(['data']);
    expect(byName.resourceIdentifiers!.map((identifier) => identifier.resourceId)).toEqual(['logs']);
    expect(both.name).toBe('ValidationException');
  });

  it('rejects bad limit, token and type', async () => {
    const { client } = await start();

    const limit = await rejectionOf(client.send(new ListDiscoveredResourcesCommand({ resourceType: 'AWS::EC2::Instance', limit: 101 })));
    const token = await rejectionOf(client.send(new ListDiscoveredResourcesCommand({ resourceType: 'AWS::EC2::Instance', nextToken: 'forged' })));
    const type = await rejectionOf(client.send(new ListDiscoveredResourcesCommand({ resourceType: 'AWS::EC2::Instances' as never })));

    expect(limit.name).toBe('InvalidLimitException');
    expect(limit.message).toContain('101');
    expect(token.name).toBe('InvalidNextTokenException');
    expect(token.message).toContain('forged');
    expect(type.name).toBe('ValidationException');
    expect(type.message).toContain('AWS::EC2::Instances');
  });
});

describe('GetResourceConfigHistory', () => {
  it('returns items newest first within the range', async () => {
    const clock = settableClock('2025-03-10T10:00:00Z');
    const { config, client } = await start({ clock: clock.now });
    config.recordResource({ ...instance('i-1'), tags: { env: 'dev' } });
    clock.set('2025-03-10T11:00:00Z');
    config.recordResource({ ...instance('i-1', { instanceType: 'm5.large' }), tags: { env: 'prod' } });
    clock.set('2025-03-10T12:00:00Z');
    config.deleteResource('AWS::EC2::Instance', 'i-1');

    const reverse = await client.send(new GetResourceConfigHistoryCommand({ resourceType: 'AWS::EC2::Instance', resourceId: 'i-1' }));
    const forward = await client.send(
      new GetResourceConfigHistoryCommand({
        resourceType: 'AWS::EC2::Instance',
        resourceId: 'i-1',
        chronologicalOrder: 'Forward',
        earlierTime: new Date('2025-03-10T10:30:00Z'),
        laterTime: new Date('2025-03-10T12:00:00Z'),
      }),
    );

    expect(reverse.configurationItems!.map((item) => item.configurationItemStatus)).toEqual(['ResourceDeleted', 'OK', 'OK']);
    expect(reverse.configurationItems![1]!.tags).toEqual({ env: 'prod' });
    expect(JSON.parse(reverse.configurationItems![1]!.configuration!).instanceType).toBe('m5.large');
    expect(forward.configurationItems!.map((item) => item.configurationItemCaptureTime)).toEqual([new Date('2025-03-10T11:00:00Z'), new Date('2025-03-10T12:00:00Z')]);
  });

  it('reports unknown resources and bad ranges', async () => {
    const { config, client } = await start();
    config.recordResource(instance('i-1'));

    const unknown = await rejectionOf(client.send(new GetResourceConfigHistoryCommand({ resourceType: 'AWS::EC2::Instance', resourceId: 'i-nope' })));
    const range = await rejectionOf(
      client.send(
        new GetResourceConfigHistoryCommand({ resourceType: 'AWS::EC2::Instance', resourceId: 'i-1', earlierTime: new Date('2025-03-11T00:00:00Z'), laterTime: new Date('2025-03-10T00:00:00Z') }),
      ),
    );

    expect(unknown.name).toBe('ResourceNotDiscoveredException');
    expect(unknown.message).toContain('i-nope');
    expect(range.name).toBe('InvalidTimeRangeException');
  });
});

describe('SelectResourceConfig', () => {
  it('filters and projects properties', async () => {
    const { config, client } = await start();
    config.recordResource({ ...instance('i-web-1', { state: { name: 'running' } }), resourceName: 'web-1', tags: { env: 'prod' } });
    config.recordResource({ ...instance('i-web-2', { instanceType: 'm5.large' }), resourceName: 'web-2', tags: { env: 'dev' } });
    config.recordResource({ ...instance('i-db-1'), resourceName: 'db-1' });
    config.recordResource({ resourceType: 'AWS::S3::Bucket', resourceId: 'web-assets', resourceName: 'web-assets', configuration: {} });
    config.recordResource({ ...instance('i-web-3'), resourceName: 'web-3' });
    config.deleteResource('AWS::EC2::Instance', 'i-web-3');

    const response = await client.send(
      new SelectResourceConfigCommand({
        Expression: "SELECT resourceId, configuration.instanceType, configuration.state.name, tags.value WHERE resourceType = 'AWS::EC2::Instance' AND resourceName LIKE 'web%'",
      }),
    );
    const byTag = await client.send(new SelectResourceConfigCommand({ Expression: "select resourceId where tags.key = 'env' and tags.value in ('prod', 'staging')" }));

    expect(response.QueryInfo?.SelectFields).toEqual([{ Name: 'resourceId' }, { Name: 'configuration.instanceType' }, { Name: 'configuration.state.name' }, { Name: 'tags.value' }]);
    expect(response.Results!.map((row) => JSON.parse(row))).toEqual([
      { resourceId: 'i-web-1', configuration: { instanceType: 't3.micro', state: { name: 'running' } }, tags: [{ value: 'prod' }] },
      { resourceId: 'i-web-2', configuration: { instanceType: 'm5.large' }, tags: [{ value: 'dev' }] },
    ]);
    expect(byTag.Results!.map((row) => JSON.parse(row))).toEqual([{ resourceId: 'i-web-1' }]);
  });

  it('pages results', async () => {
    const { config, client } = await start();
    for (const id of ['i-1', 'i-2', 'i-3']) config.recordResource(instance(id));
    const expression = "SELECT resourceId WHERE resourceType = 'AWS::EC2::Instance'";

    const first = await client.send(new SelectResourceConfigCommand({ Expression: expression, Limit: 2 }));
    const second = await client.send(new SelectResourceConfigCommand({ Expression: expression, Limit: 2, NextToken: first.NextToken }));

    expect(first.Results).toHaveLength(2);
    expect(first.NextToken).toBeDefined();
    expect(second.Results!.map((row) => JSON.parse(row).resourceId)).toEqual(['i-3']);
    expect(second.NextToken).toBeUndefined();
  });

  it('rejects unsupported SQL', async () => {
    const { client } = await start();

    const or = await rejectionOf(client.send(new SelectResourceConfigCommand({ Expression: "SELECT resourceId WHERE resourceType = 'a' OR resourceType = 'b'" })));
    const count = await rejectionOf(client.send(new SelectResourceConfigCommand({ Expression: 'SELECT COUNT(*)' })));
    const unterminated = await rejectionOf(client.send(new SelectResourceConfigCommand({ Expression: "SELECT resourceId WHERE resourceId = 'i-1" })));

    expect(or.name).toBe('InvalidExpressionException');
    expect(or.message).toContain('OR');
    expect(count.name).toBe('InvalidExpressionException');
    expect(unterminated.message).toContain('Unterminated string');
  });

  it('aggregate query needs a known aggregator', async () => {
    const { config, client } = await start({ aggregators: ['org'] });
    config.recordResource(instance('i-1'));

    const rows = await client.send(new SelectAggregateResourceConfigCommand({ ConfigurationAggregatorName: 'org', Expression: 'SELECT resourceId, accountId, awsRegion' }));
    const unknown = await rejectionOf(client.send(new SelectAggregateResourceConfigCommand({ ConfigurationAggregatorName: 'other', Expression: 'SELECT resourceId' })));

    expect(rows.Results!.map((row) => JSON.parse(row))).toEqual([{ resourceId: 'i-1', accountId: '111122223333', awsRegion: 'us-east-1' }]);
    expect(unknown.name).toBe('NoSuchConfigurationAggregatorException');
  });
});

describe('PutResourceConfig and DeleteResourceConfig', () => {
  const TYPE = 'MyCompany::Cmdb::Appliance';

  it('record a registered custom type', async () => {
    const clock = settableClock('2025-03-10T10:00:00Z');
    const { config, client, events } = await start({ clock: clock.now });
    config.registerCustomResourceType(TYPE, ['00000001']);

    await client.send(new PutResourceConfigCommand({ ResourceType: TYPE, SchemaVersionId: '00000001', ResourceId: 'fw-01', ResourceName: 'edge firewall', Configuration: '{"model":"FX-200"}', Tags: { site: 'fra' } }));
    clock.set('2025-03-10T11:00:00Z');
    await client.send(new DeleteResourceConfigCommand({ ResourceType: TYPE, ResourceId: 'fw-01' }));
    await settle();

    const history = config.getResourceHistory(TYPE, 'fw-01');
    expect(history.map((item) => item.configurationItemStatus)).toEqual(['OK', 'ResourceDeleted']);
    expect(history[0]!.configuration).toEqual({ model: 'FX-200' });
    expect(history[0]!.tags).toEqual({ site: 'fra' });
    expect(events.map((event) => (event.detail as Record<string, any>).configurationItemDiff.changeType)).toEqual(['CREATE', 'DELETE']);
    expect((events[0]!.detail as Record<string, any>).configurationItem.resourceName).toBe('edge firewall');

    const listed = await client.send(new ListDiscoveredResourcesCommand({ resourceType: TYPE as never, includeDeletedResources: true }));
    expect(listed.resourceIdentifiers!.map((identifier) => identifier.resourceDeletionTime)).toEqual([new Date('2025-03-10T11:00:00Z')]);
  });

  it('reject unregistered and AWS types', async () => {
    const { config, client } = await start();
    config.registerCustomResourceType(TYPE, ['00000001']);
    const put = (input: Partial<ConstructorParameters<typeof PutResourceConfigCommand>[0]>) =>
      rejectionOf(client.send(new PutResourceConfigCommand({ ResourceType: TYPE, SchemaVersionId: '00000001', ResourceId: 'fw-01', Configuration: '{}', ...input })));

    const awsType = await put({ ResourceType: 'AWS::EC2::Instance' });
    const unregistered = await put({ ResourceType: 'Other::Cmdb::Thing' });
    const version = await put({ SchemaVersionId: '00000009' });
    const badJson = await put({ Configuration: '{oops' });
    const missing = await rejectionOf(client.send(new DeleteResourceConfigCommand({ ResourceType: TYPE, ResourceId: 'fw-missing' })));

    expect(awsType.name).toBe('ValidationException');
    expect(awsType.message).toContain('not a custom resource type');
    expect(unregistered.message).toContain('Other::Cmdb::Thing is not registered');
    expect(version.message).toContain('00000009');
    expect(badJson.message).toContain('not valid JSON');
    expect(missing.message).toContain('fw-missing');
    expect(config.getResource(TYPE, 'fw-01')).toBeUndefined();
  });
});

describe('faults and envelope', () => {
  it('SDK retries an injected throttle', async () => {
    const { config, client } = await start();
    config.recordResource(instance('i-1'));
    config.injectFaults([{ operation: 'BatchGetResourceConfig', errorType: 'ThrottlingException' }]);

    const response = await client.send(new BatchGetResourceConfigCommand({ resourceKeys: [{ resourceType: 'AWS::EC2::Instance', resourceId: 'i-1' }] }));

    expect(response.baseConfigurationItems).toHaveLength(1);
    expect(config.calls.map((call) => [call.operation, call.status, call.errorType])).toEqual([
      ['BatchGetResourceConfig', 400, 'ThrottlingException'],
      ['BatchGetResourceConfig', 200, undefined],
    ]);
  });

  it('injected fault reaches the caller', async () => {
    const { config, client } = await start({}, 1);
    config.injectFaults([{ operation: 'ListDiscoveredResources', errorType: 'LimitExceededException', message: 'Too many requests' }]);

    const error = await rejectionOf(client.send(new ListDiscoveredResourcesCommand({ resourceType: 'AWS::EC2::Instance' })));
    const next = await client.send(new ListDiscoveredResourcesCommand({ resourceType: 'AWS::EC2::Instance' }));

    expect(error.name).toBe('LimitExceededException');
    expect(error.message).toBe('Too many requests');
    expect(error.$metadata?.httpStatusCode).toBe(400);
    expect(next.resourceIdentifiers).toEqual([]);
    expect(() => config.injectFaults([{ operation: 'GetOpsItem' as never, errorType: 'ThrottlingException' }])).toThrow(/GetOpsItem/);
  });

  it('rejects unsigned requests and unknown targets', async () => {
    const { config } = await start();
    const post = (headers: Record<string, string>) =>
      fetch(config.url, { method: 'POST', headers: { 'content-type': 'application/x-amz-json-1.1', ...headers }, body: '{}' }).then(async (response) => ({
        status: response.status,
        body: (await response.json()) as Record<string, unknown>,
      }));

    const unsigned = await post({ 'x-amz-target': 'StarlingDoveService.ListDiscoveredResources' });
    const unknown = await post({ 'x-amz-target': 'StarlingDoveService.PutConfigRule', authorization: 'AWS4-HMAC-SHA256 test' });

    expect(unsigned).toEqual({ status: 400, body: { __type: 'MissingAuthenticationTokenException', message: 'Missing Authentication Token' } });
    expect(unknown.status).toBe(400);
    expect(unknown.body.__type).toBe('UnknownOperationException');
    expect(config.calls.map((call) => call.operation)).toEqual(['ListDiscoveredResources', 'Unknown']);
  });
});
