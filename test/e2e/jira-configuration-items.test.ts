/**
 * AWS Config configuration items to JSM Assets objects (Jira Cloud, schema AWS), through SQS on
 * loopback with the default Jira mappings: creates, updates, retirement, oversized items,
 * relationships as reference attributes, and the backfill of a whole inventory.
 */
import { afterEach, describe, expect, it } from 'vitest';

import type { ConfigurationItemInput } from '../../src/simulators/config/configuration-items.js';
import { fixture, Harness, JIRA_MAPPINGS } from '../support/harness.js';
import { jiraOf, jiraWrites, startJiraHarness } from '../support/jira.js';

type Event = Record<string, any>;

const INSTANCE = 'i-0a1b2c3d4e5f60718';
const VPC = 'vpc-0123abcd4567ef890';
const SECURITY_GROUP = 'sg-0f1e2d3c4b5a69788';

let harness: Harness;

afterEach(async () => {
  await harness?.stop();
});

function objects(type: string) {
  return jiraOf(harness).assets.objects(type);
}

/** Return the object of a type, and fail when there are several. */
function onlyObject(type: string) {
  const all = objects(type);
  expect(all.length, `objects of type ${type}`).toBeLessThanOrEqual(1);
  return all[0];
}

/** Returns each sync's record type and outcome, in order, such as `AWS::::Account created`. */
function typedOutcomes(): string[] {
  return harness.results.map(({ record, result }) => `${record.type} ${result.outcome}`);
}

/** Returns the outcomes of an item's first event: the account and Region objects are made before the resource's. */
function firstEvent(resourceType: string): string[] {
  return ['AWS::::Account created', 'AWS::::Region created', `${resourceType} created`];
}

/**
 * Returns the outcomes of a later event of a resource in the same account and Region: the engine
 * synced the account and Region a moment ago, so it does not sync them again.
 */
function laterEvent(resourceType: string, outcome: string): string[] {
  return [`${resourceType} ${outcome}`];
}

/** Requests that change Assets objects (creates and updates). */
function assetsWrites(): number {
  return jiraWrites(jiraOf(harness)).filter((request) => request.path.includes('/jsm/assets/')).length;
}

const TAGS = { Name: 'orders-api-prod-2', Owner: 'team-orders', Environment: 'production', CostCenter: 'cc-4410' };

/**
 * Build an EC2 instance's configuration. AWS Config records the tags in it too, and they are the
 * only tags that the API's items (oversized notifications, backfill) carry.
 */
function instanceConfiguration(state: string, tags: Record<string, string> = TAGS): Record<string, unknown> {
  return {
    instanceId: INSTANCE,
    instanceType: 't3.large',
    state: { name: state },
    launchTime: '2025-01-20T08:00:00.000Z',
    tags: Object.entries(tags).map(([key, value]) => ({ key, value })),
  };
}

function instanceItem(overrides: Partial<ConfigurationItemInput> = {}): ConfigurationItemInput {
  const tags = overrides.tags ?? TAGS;
  return {
    resourceType: 'AWS::EC2::Instance',
    resourceId: INSTANCE,
    availabilityZone: 'us-east-1a',
    configuration: instanceConfiguration('running', tags),
    tags,
    ...overrides,
  };
}

function vpcItem(relationships: ConfigurationItemInput['relationships'] = []): ConfigurationItemInput {
  return { resourceType: 'AWS::EC2::VPC', resourceId: VPC, configuration: { vpcId: VPC, cidrBlock: '10.20.0.0/16' }, relationships };
}

describe('AWS Config configuration items to JSM Assets', () => {
  it('creates, updates and retires objects from the recorded events', async () => {
    harness = await startJiraHarness('cloud');

    // The change events AWS Config sent for an instance and a bucket, as EventBridge delivers them.
    await harness.deliver(fixture<Event>('aws-events/config/configuration-item-change-update-ec2-instance.json'));
    await harness.deliver(fixture<Event>('aws-events/config/configuration-item-change-update-s3-bucket.json'));

    const instance = onlyObject('EC2 Instance');
    expect(instance?.values).toMatchObject({
      Name: 'web-tier-01',
      'Resource ID': INSTANCE,
      ARN: `arn:aws:ec2:us-east-1:111122223333:instance/${INSTANCE}`,
      Account: '111122223333',
      Region: 'us-east-1',
      'Availability Zone': 'us-east-1a',
      'Instance Type': 'm5.large',
      'Instance State': 'running',
      Status: 'Active',
    });
    expect(instance?.values['Launch Time']).toMatch(/^2025-01-20T08:00/);
    expect(instance?.values['itsm-sync correlation']).toMatch(/^aws-jci-ec2-/);
    // Relationships to resources not in Assets yet make no references.
    expect(instance?.values).not.toHaveProperty('Contained in VPC');
    expect(onlyObject('S3 Bucket')?.values).toMatchObject({ Name: 'example-analytics-exports-111122223333', 'Resource ID': 'example-analytics-exports-111122223333', Status: 'Active' });

    // The account and the Region of both resources have one object each; the resources refer to the Region.
    const account = onlyObject('AWS Account');
    const region = onlyObject('AWS Region');
    expect(account?.values).toMatchObject({ Name: '111122223333', 'Resource ID': '111122223333', Account: '111122223333', Status: 'Active' });
    expect(account?.values['itsm-sync correlation']).toMatch(/^aws-jci-account-/);
    expect(region?.values).toMatchObject({ Name: 'us-east-1', 'Resource ID': 'us-east-1', Account: '111122223333', Region: 'us-east-1', Partition: 'aws', Status: 'Active', 'Owned by Account': account?.objectKey });
    expect(region?.values['itsm-sync correlation']).toMatch(/^aws-jci-region-/);
    expect(onlyObject('EC2 Instance')?.values['Located in Region']).toBe(region?.objectKey);
    expect(onlyObject('S3 Bucket')?.values['Located in Region']).toBe(region?.objectKey);

    await harness.deliver(fixture<Event>('aws-events/config/configuration-item-change-delete-ec2-instance.json'));

    // Retired, never deleted; a retired object keeps no references. The account and Region stay.
    expect(onlyObject('EC2 Instance')).toMatchObject({ objectKey: instance?.objectKey, values: { Status: 'Retired', Name: 'web-tier-01' } });
    expect(onlyObject('EC2 Instance')?.values).not.toHaveProperty('Located in Region');
    expect(jiraOf(harness).requests.some((request) => request.method === 'DELETE')).toBe(false);
    expect(onlyObject('AWS Region')?.values).toMatchObject({ Status: 'Active', 'Owned by Account': account?.objectKey });
    expect(typedOutcomes()).toEqual([...firstEvent('AWS::EC2::Instance'), ...laterEvent('AWS::S3::Bucket', 'created'), 'AWS::EC2::Instance resolved']);
  });

  it('updates only what changed, and nothing when nothing did', async () => {
    harness = await startJiraHarness('cloud');
    harness.config.recordResource(instanceItem());
    await harness.settle();
    const writes = assetsWrites();

    harness.config.recordResource(instanceItem({ configuration: instanceConfiguration('stopped') }));
    await harness.settle();
    expect(onlyObject('EC2 Instance')?.values).toMatchObject({ 'Instance State': 'stopped', Owner: 'team-orders', 'Cost Center': 'cc-4410' });
    expect(assetsWrites()).toBe(writes + 1);

    harness.config.recordResource(instanceItem({ configuration: instanceConfiguration('stopped') }));
    await harness.settle();
    expect(assetsWrites()).toBe(writes + 1);
    expect(typedOutcomes()).toEqual([...firstEvent('AWS::EC2::Instance'), ...laterEvent('AWS::EC2::Instance', 'updated'), ...laterEvent('AWS::EC2::Instance', 'unchanged')]);
  });

  it('reads an oversized item with BatchGetResourceConfig', async () => {
    harness = await startJiraHarness('cloud');

    harness.config.recordResource(instanceItem(), { oversized: true });
    await harness.settle();

    expect(harness.config.calls.some((call) => call.operation === 'BatchGetResourceConfig')).toBe(true);
    expect(onlyObject('EC2 Instance')?.values).toMatchObject({ 'Resource ID': INSTANCE, Name: 'orders-api-prod-2', 'Instance State': 'running', Status: 'Active' });

    // The oversized notification AWS Config sent for an IAM role is read the same way; no rule
    // maps IAM roles, so Assets gets nothing.
    harness.config.recordResource({ resourceType: 'AWS::IAM::Role', resourceId: 'AROAEXAMPLEBIGROLE001', resourceName: 'data-pipeline-execution-role', configuration: { roleName: 'data-pipeline-execution-role' } }, { emitEvent: false });
    const writes = assetsWrites();
    await harness.deliver(fixture<Event>('aws-events/config/oversized-configuration-item-change.json'));

    const reads = harness.config.calls.filter((call) => call.operation === 'BatchGetResourceConfig');
    expect(JSON.stringify(reads.at(-1)?.body)).toContain('AROAEXAMPLEBIGROLE001');
    expect(harness.outcomes().at(-1)).toBe('no-rule');
    expect(assetsWrites()).toBe(writes);
  });
});

describe('AWS Config relationships to Assets references', () => {
  const IN_VPC = [{ resourceType: 'AWS::EC2::VPC', resourceId: VPC, relationshipName: 'Is contained in Vpc' }];

  it('completes late references and removes ended ones', async () => {
    harness = await startJiraHarness('cloud');

    // The instance arrives first: its VPC is not in Assets yet, so nothing refers to it.
    harness.config.recordResource(instanceItem({ relationships: IN_VPC }));
    await harness.settle();
    expect(onlyObject('EC2 Instance')?.values).not.toHaveProperty('Contained in VPC');

    // The VPC arrives and lists the inverse relationship: the instance now refers to it.
    harness.config.recordResource(vpcItem([{ resourceType: 'AWS::EC2::Instance', resourceId: INSTANCE, relationshipName: 'Contains Instance' }]));
    await harness.settle();
    const vpc = onlyObject('VPC')!;
    expect(onlyObject('EC2 Instance')?.values['Contained in VPC']).toBe(vpc.objectKey);

    // An oversized item carries no relationships: the reference stays. The next item still lists it: no change.
    harness.config.recordResource(instanceItem({ relationships: IN_VPC }), { oversized: true });
    harness.config.recordResource(instanceItem({ tags: { ...TAGS, Name: 'renamed' }, relationships: IN_VPC }));
    await harness.settle();
    expect(onlyObject('EC2 Instance')?.values).toMatchObject({ Name: 'renamed', 'Contained in VPC': vpc.objectKey });

    // The instance leaves the VPC, and the VPC's item no longer lists it either.
    harness.config.recordResource(instanceItem({ tags: { ...TAGS, Name: 'renamed' }, relationships: [] }));
    harness.config.recordResource(vpcItem([]));
    await harness.settle();
    expect(onlyObject('EC2 Instance')?.values).not.toHaveProperty('Contained in VPC');
  });

  it('refers to objects that exist when the item arrives', async () => {
    harness = await startJiraHarness('cloud');
    harness.config.recordResource({ resourceType: 'AWS::EC2::SecurityGroup', resourceId: SECURITY_GROUP, resourceName: 'orders-api', configuration: { groupId: SECURITY_GROUP, vpcId: VPC } });
    harness.config.recordResource(vpcItem());
    await harness.settle();

    harness.config.recordResource(
      instanceItem({
        relationships: [...IN_VPC, { resourceType: 'AWS::EC2::SecurityGroup', resourceId: SECURITY_GROUP, relationshipName: 'Is associated with SecurityGroup' }],
      }),
    );
    await harness.settle();

    const instance = onlyObject('EC2 Instance')!;
    expect(instance.values['Contained in VPC']).toBe(onlyObject('VPC')?.objectKey);
    expect(instance.values['Uses Security Groups']).toEqual([onlyObject('Security Group')?.objectKey]);
  });
});

describe('Assets backfill', () => {
  it('creates objects once, then writes nothing', async () => {
    harness = await Harness.start({ mappingsDir: JIRA_MAPPINGS, jira: { deployment: 'cloud' } });
    const ids = Array.from({ length: 300 }, (_, index) => `i-${String(index + 1).padStart(17, '0')}`);
    for (const id of ids) {
      harness.config.recordResource(
        { resourceType: 'AWS::EC2::Instance', resourceId: id, configuration: { instanceId: id, instanceType: 't3.small', state: { name: 'running' } }, tags: { Name: `host-${id.slice(-4)}` } },
        { emitEvent: false },
      );
    }

    const first = await harness.configReconciler().run();

    expect(first).toMatchObject({ discovered: 300, placements: 2, retired: 0, failed: 0 });
    expect(first.outcomes.created).toBe(300);
    const created = objects('EC2 Instance');
    expect(created).toHaveLength(300);
    expect(new Set(created.map((object) => object.values['Resource ID']))).toEqual(new Set(ids));
    // One account and one Region object, which every instance refers to.
    const region = onlyObject('AWS Region');
    expect(onlyObject('AWS Account')?.values['Resource ID']).toBe('111122223333');
    expect(created.every((object) => object.values['Located in Region'] === region?.objectKey)).toBe(true);
    const writes = assetsWrites();

    const second = await harness.configReconciler().run();

    expect(second).toMatchObject({ discovered: 300, placements: 2, retired: 0, failed: 0 });
    expect(second.outcomes.unchanged).toBe(300);
    expect(assetsWrites()).toBe(writes);
    expect(objects('EC2 Instance')).toHaveLength(300);
    expect(objects('AWS Account')).toHaveLength(1);
    expect(objects('AWS Region')).toHaveLength(1);
  }, 60_000);
});

describe('ECS and DynamoDB items to Assets objects', () => {
  const CLUSTER = 'orders-prod';
  const CLUSTER_ARN = `arn:aws:ecs:us-east-1:111122223333:cluster/${CLUSTER}`;
  // An ECS service is named by its ARN, which contains the cluster's name (see config-ecs-service-to-assets).
  const SERVICE_ARN = `arn:aws:ecs:us-east-1:111122223333:service/${CLUSTER}/orders-api`;
  const OWNERS = { Owner: 'team-orders', Environment: 'production', CostCenter: 'cc-4410' };

  function clusterItem(relationships: ConfigurationItemInput['relationships'] = []): ConfigurationItemInput {
    return {
      resourceType: 'AWS::ECS::Cluster',
      resourceId: CLUSTER,
      resourceName: CLUSTER,
      // ECS types come in the CloudFormation resource shape, with capitalised keys.
      configuration: { ClusterName: CLUSTER, Arn: CLUSTER_ARN, CapacityProviders: ['FARGATE', 'FARGATE_SPOT'] },
      tags: OWNERS,
      relationships,
    };
  }

  function serviceItem(desiredCount: number, relationships: ConfigurationItemInput['relationships'] = []): ConfigurationItemInput {
    return {
      resourceType: 'AWS::ECS::Service',
      resourceId: SERVICE_ARN,
      resourceName: 'orders-api',
      configuration: { ServiceName: 'orders-api', ServiceArn: SERVICE_ARN, Cluster: CLUSTER_ARN, LaunchType: 'FARGATE', DesiredCount: desiredCount },
      tags: OWNERS,
      relationships,
    };
  }

  function tableItem(tableStatus: string): ConfigurationItemInput {
    return {
      resourceType: 'AWS::DynamoDB::Table',
      resourceId: 'orders-sessions',
      resourceName: 'orders-sessions',
      configuration: { tableName: 'orders-sessions', tableStatus, billingModeSummary: { billingMode: 'PAY_PER_REQUEST' }, itemCount: 1520 },
      tags: OWNERS,
    };
  }

  it.each([
    { type: 'ECS Cluster', first: clusterItem(), changed: { ...clusterItem(), configuration: { ClusterName: CLUSTER, Arn: CLUSTER_ARN, CapacityProviders: ['FARGATE'] } }, created: { 'Capacity Providers': 'FARGATE, FARGATE_SPOT', ARN: CLUSTER_ARN }, updated: { 'Capacity Providers': 'FARGATE' } },
    // Assets returns every attribute value as text.
    { type: 'ECS Service', first: serviceItem(2), changed: serviceItem(4), created: { 'Launch Type': 'FARGATE', 'Desired Count': '2', ARN: SERVICE_ARN }, updated: { 'Desired Count': '4' } },
    {
      type: 'DynamoDB Table',
      first: tableItem('ACTIVE'),
      changed: tableItem('UPDATING'),
      created: { 'Table Status': 'ACTIVE', 'Billing Mode': 'PAY_PER_REQUEST', ARN: 'arn:aws:dynamodb:us-east-1:111122223333:table/orders-sessions' },
      updated: { 'Table Status': 'UPDATING' },
    },
  ])('creates, updates and retires a $type object', async ({ type, first, changed, created, updated }) => {
    harness = await startJiraHarness('cloud');

    harness.config.recordResource(first);
    await harness.settle();
    const object = onlyObject(type);
    expect(object?.values).toMatchObject({ ...created, Name: first.resourceName, 'Resource ID': first.resourceId, Account: '111122223333', Region: 'us-east-1', Owner: 'team-orders', 'Cost Center': 'cc-4410', Status: 'Active' });
    expect(object?.values['itsm-sync correlation']).toMatch(/^aws-jci-(ecscluster|ecsservice|dynamodb)-/);

    harness.config.recordResource(changed);
    await harness.settle();
    expect(onlyObject(type)?.values).toMatchObject({ ...updated, Status: 'Active' });

    harness.config.deleteResource(first.resourceType, first.resourceId);
    await harness.settle();

    // Retired, never deleted; the name, the tags and the last values stay.
    expect(onlyObject(type)).toMatchObject({ objectKey: object?.objectKey, values: { ...updated, Status: 'Retired', Name: first.resourceName, Owner: 'team-orders' } });
    expect(jiraOf(harness).requests.some((request) => request.method === 'DELETE')).toBe(false);
    expect(typedOutcomes()).toEqual([...firstEvent(first.resourceType), ...laterEvent(first.resourceType, 'updated'), `${first.resourceType} resolved`]);
  });

  it('refers an ECS service to its cluster once both objects exist', async () => {
    harness = await startJiraHarness('cloud');

    // The service arrives first: its cluster is not in Assets yet, so nothing is referred to.
    harness.config.recordResource(serviceItem(2, [{ resourceType: 'AWS::ECS::Cluster', resourceId: CLUSTER, resourceName: CLUSTER, relationshipName: 'Is contained in Cluster' }]));
    await harness.settle();
    expect(onlyObject('ECS Service')?.values).not.toHaveProperty('In ECS Cluster');

    // The cluster's item lists the inverse relationship: the service now refers to the cluster.
    harness.config.recordResource(clusterItem([{ resourceType: 'AWS::ECS::Service', resourceId: SERVICE_ARN, resourceName: 'orders-api', relationshipName: 'Contains Service' }]));
    await harness.settle();
    expect(onlyObject('ECS Service')?.values['In ECS Cluster']).toBe(onlyObject('ECS Cluster')?.objectKey);
  });
});
