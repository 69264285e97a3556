/**
 * The shipped CMDB mappings beyond EC2 instances and S3 buckets: each AWS Config resource type
 * lands in its CI class table, with the class columns that table has. The ServiceNow simulator
 * drops columns a class does not have, so a mapping that writes the wrong column fails here.
 */
import { afterEach, describe, expect, it } from 'vitest';

import type { ConfigurationItemInput } from '../../src/simulators/config/server.js';
import { relationshipTypeSysId } from '../../src/simulators/servicenow/cmdb.js';
import { ciDeletes } from '../support/cmdb.js';
import { Harness } from '../support/harness.js';

let harness: Harness;

afterEach(async () => {
  await harness?.stop();
});

const TAGS = { Owner: 'team-platform', Environment: 'production', CostCenter: 'cc-2210' };

const ECS_CLUSTER = 'orders-prod';
const ECS_CLUSTER_ARN = `arn:aws:ecs:us-east-1:111122223333:cluster/${ECS_CLUSTER}`;
// An ECS service is named by its ARN, which contains the cluster's name (see config-ecs-service-to-cmdb).
const ECS_SERVICE_ARN = `arn:aws:ecs:us-east-1:111122223333:service/${ECS_CLUSTER}/orders-api`;

/** Returns the item of the ECS service orders-api, which runs `desiredCount` Fargate tasks in orders-prod. */
function ecsServiceItem(desiredCount: number, relationships: ConfigurationItemInput['relationships'] = []): ConfigurationItemInput {
  return {
    resourceType: 'AWS::ECS::Service',
    resourceId: ECS_SERVICE_ARN,
    resourceName: 'orders-api',
    configuration: {
      ServiceName: 'orders-api',
      ServiceArn: ECS_SERVICE_ARN,
      Cluster: ECS_CLUSTER_ARN,
      LaunchType: 'FARGATE',
      DesiredCount: desiredCount,
      TaskDefinition: 'arn:aws:ecs:us-east-1:111122223333:task-definition/orders-api:42',
      SchedulingStrategy: 'REPLICA',
    },
    tags: TAGS,
    relationships,
  };
}

/** Returns the item of the on-demand DynamoDB table orders-sessions, in the DescribeTable shape. */
function dynamoDbTableItem(tableStatus: string): ConfigurationItemInput {
  return {
    resourceType: 'AWS::DynamoDB::Table',
    resourceId: 'orders-sessions',
    resourceName: 'orders-sessions',
    configuration: {
      tableName: 'orders-sessions',
      tableArn: 'arn:aws:dynamodb:us-east-1:111122223333:table/orders-sessions',
      tableStatus,
      billingModeSummary: { billingMode: 'PAY_PER_REQUEST' },
      itemCount: 1520,
      keySchema: [{ attributeName: 'sessionId', keyType: 'HASH' }],
    },
    tags: TAGS,
  };
}

/** One resource type: the item AWS Config records, and where its CI should land. */
interface ResourceTypeCase {
  item: ConfigurationItemInput;
  table: string;
  prefix: string;
  expected: Record<string, string>;
}

const CASES = {
  'AWS::EC2::VPC': {
    item: {
      resourceType: 'AWS::EC2::VPC',
      resourceId: 'vpc-0e1f2a3b4c5d6e7f8',
      configuration: { vpcId: 'vpc-0e1f2a3b4c5d6e7f8', cidrBlock: '10.20.0.0/16', state: 'available', isDefault: false },
      tags: { Name: 'orders-prod', ...TAGS },
    },
    table: 'cmdb_ci_network',
    prefix: 'aws-ci-vpc-',
    expected: { name: 'orders-prod', cidr: '10.20.0.0/16', state: 'available' },
  },
  'AWS::EC2::Subnet': {
    item: {
      resourceType: 'AWS::EC2::Subnet',
      resourceId: 'subnet-0a9b8c7d6e5f40312',
      availabilityZone: 'us-east-1b',
      // The state in the `{ value }` shape that the Config resource schema lists.
      configuration: { subnetId: 'subnet-0a9b8c7d6e5f40312', vpcId: 'vpc-0e1f2a3b4c5d6e7f8', cidrBlock: '10.20.32.0/20', state: { value: 'available' } },
      tags: { Name: 'orders-prod-private-b', ...TAGS },
    },
    table: 'cmdb_ci_cloud_subnet',
    prefix: 'aws-ci-subnet-',
    expected: { name: 'orders-prod-private-b', cidr: '10.20.32.0/20', state: 'available' },
  },
  'AWS::EC2::SecurityGroup': {
    item: {
      resourceType: 'AWS::EC2::SecurityGroup',
      resourceId: 'sg-0123456789abcdef0',
      resourceName: 'orders-api-alb',
      configuration: { groupId: 'sg-0123456789abcdef0', groupName: 'orders-api-alb', vpcId: 'vpc-0e1f2a3b4c5d6e7f8', description: 'HTTPS from the internet', ipPermissions: [] },
      tags: TAGS,
    },
    table: 'cmdb_ci_compute_security_group',
    prefix: 'aws-ci-sg-',
    expected: { name: 'orders-api-alb' },
  },
  'AWS::EC2::Volume': {
    item: {
      resourceType: 'AWS::EC2::Volume',
      resourceId: 'vol-0fedcba9876543210',
      availabilityZone: 'us-east-1a',
      configuration: { volumeId: 'vol-0fedcba9876543210', size: 100, volumeType: 'gp3', state: 'in-use', encrypted: true },
      tags: { Name: 'orders-db-data', ...TAGS },
    },
    table: 'cmdb_ci_storage_volume',
    prefix: 'aws-ci-ebs-',
    expected: { name: 'orders-db-data', size: '100', size_bytes: '107374182400', state: 'in-use' },
  },
  'AWS::RDS::DBInstance': {
    item: {
      resourceType: 'AWS::RDS::DBInstance',
      resourceId: 'db-ABCDEFGHIJKLMNOPQRSTUVWXY1',
      resourceName: 'orders-db',
      configuration: { dBInstanceIdentifier: 'orders-db', dBInstanceClass: 'db.r6g.large', dBInstanceStatus: 'available', engine: 'postgres', engineVersion: '16.3', dbiResourceId: 'db-ABCDEFGHIJKLMNOPQRSTUVWXY1' },
      tags: TAGS,
    },
    table: 'cmdb_ci_cloud_database',
    prefix: 'aws-ci-rdsdb-',
    expected: { name: 'orders-db', vendor: 'postgres', version: '16.3', state: 'available' },
  },
  'AWS::RDS::DBCluster': {
    item: {
      resourceType: 'AWS::RDS::DBCluster',
      resourceId: 'cluster-ABCDEFGHIJKLMNOPQRSTUVWX2',
      resourceName: 'orders-aurora',
      arn: 'arn:aws:rds:us-east-1:111122223333:cluster:orders-aurora',
      configuration: { dbClusterResourceId: 'cluster-ABCDEFGHIJKLMNOPQRSTUVWX2', engine: 'aurora-postgresql', engineVersion: '15.4', status: 'available' },
      tags: TAGS,
    },
    table: 'cmdb_ci_cloud_database',
    prefix: 'aws-ci-rdscluster-',
    expected: { name: 'orders-aurora', vendor: 'aurora-postgresql', version: '15.4', state: 'available' },
  },
  'AWS::ElasticLoadBalancingV2::LoadBalancer': {
    item: {
      resourceType: 'AWS::ElasticLoadBalancingV2::LoadBalancer',
      resourceId: 'arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/app/orders-api/50dc6c495c0c9188',
      resourceName: 'orders-api',
      configuration: {
        loadBalancerName: 'orders-api',
        dNSName: 'orders-api-1234567890.us-east-1.elb.amazonaws.com',
        scheme: 'internet-facing',
        type: 'application',
        state: { code: 'active' },
      },
      tags: TAGS,
    },
    table: 'cmdb_ci_cloud_load_balancer',
    prefix: 'aws-ci-elb-',
    expected: { name: 'orders-api', state: 'active', fqdn: 'orders-api-1234567890.us-east-1.elb.amazonaws.com' },
  },
  'AWS::Lambda::Function': {
    item: {
      resourceType: 'AWS::Lambda::Function',
      resourceId: 'orders-export',
      resourceName: 'orders-export',
      configuration: { functionName: 'orders-export', runtime: 'nodejs20.x', handler: 'index.handler', memorySize: 512, state: 'Active' },
      tags: TAGS,
    },
    table: 'cmdb_ci_cloud_function',
    prefix: 'aws-ci-lambda-',
    expected: { name: 'orders-export', runtime: 'nodejs20.x', state: 'Active' },
  },
  'AWS::EKS::Cluster': {
    item: {
      resourceType: 'AWS::EKS::Cluster',
      resourceId: 'orders-prod',
      resourceName: 'orders-prod',
      arn: 'arn:aws:eks:us-east-1:111122223333:cluster/orders-prod',
      // EKS clusters come in the CloudFormation resource shape, with capitalised keys.
      configuration: { Name: 'orders-prod', Version: '1.30', Endpoint: 'https://ABCDEF0123456789.gr7.us-east-1.eks.amazonaws.com' },
      tags: TAGS,
    },
    table: 'cmdb_ci_kubernetes_cluster',
    prefix: 'aws-ci-eks-',
    expected: { name: 'orders-prod', version: '1.30' },
  },
  'AWS::ECS::Cluster': {
    item: {
      resourceType: 'AWS::ECS::Cluster',
      resourceId: ECS_CLUSTER,
      resourceName: ECS_CLUSTER,
      // ECS types come in the CloudFormation resource shape, with capitalised keys.
      configuration: { ClusterName: ECS_CLUSTER, Arn: ECS_CLUSTER_ARN, CapacityProviders: ['FARGATE', 'FARGATE_SPOT'] },
      tags: TAGS,
    },
    table: 'cmdb_ci_cloud_ecs_cluster',
    prefix: 'aws-ci-ecscluster-',
    expected: { name: ECS_CLUSTER, short_description: 'ECS cluster orders-prod (FARGATE, FARGATE_SPOT) in 111122223333/us-east-1' },
  },
  'AWS::ECS::Service': {
    item: ecsServiceItem(2),
    table: 'cmdb_ci_cloud_ecs_service',
    prefix: 'aws-ci-ecsservice-',
    expected: { name: 'orders-api', short_description: 'ECS service orders-api (FARGATE, 2 tasks desired) of cluster orders-prod in 111122223333/us-east-1' },
  },
  'AWS::DynamoDB::Table': {
    item: dynamoDbTableItem('ACTIVE'),
    table: 'cmdb_ci_cloud_database',
    prefix: 'aws-ci-dynamodb-',
    expected: { name: 'orders-sessions', vendor: 'dynamodb', state: 'ACTIVE', short_description: 'DynamoDB table orders-sessions (PAY_PER_REQUEST) in 111122223333/us-east-1' },
  },
} satisfies Record<string, ResourceTypeCase>;

/** Returns each sync's record type and outcome, in order, such as `AWS::::Account created`. */
function typedOutcomes(): string[] {
  return harness.results.map(({ record, result }) => `${record.type} ${result.outcome}`);
}

/** Returns the outcomes of an item's first event: the account and Region CIs are made before the resource's. */
function firstEvent(resourceType: string, outcome = 'created'): string[] {
  return ['AWS::::Account created', 'AWS::::Region created', `${resourceType} ${outcome}`];
}

/**
 * Returns the outcomes of a later event of a resource in the same account and Region: the engine
 * synced the account and Region a moment ago, so it does not sync them again.
 */
function laterEvent(resourceType: string, outcome: string): string[] {
  return [`${resourceType} ${outcome}`];
}

/** Returns the Contains relationships between CIs (each CI is also Hosted on its Region's datacenter). */
function containsRelations(): Array<Record<string, string>> {
  return harness.serviceNow.records('cmdb_rel_ci').filter((relation) => relation.type === relationshipTypeSysId('Contains::Contained by'));
}

/** Returns the CI in a class table, and fails the test unless the table has exactly one. */
function onlyCi(table: string): Record<string, string> | undefined {
  const all = harness.serviceNow.records(table);
  expect(all).toHaveLength(1);
  return all[0];
}

describe('CMDB mappings per AWS Config resource type', () => {
  it.each(Object.entries(CASES))('maps %s to its CI class with its class columns', async (_resourceType, { item, table, prefix, expected }) => {
    harness = await Harness.start({ forwardAwsEvents: true });

    harness.config.recordResource(item);
    await harness.settle();

    const ci = onlyCi(table);
    expect(ci).toMatchObject({
      ...expected,
      sys_class_name: table,
      object_id: item.resourceId,
      install_status: '1',
      u_owner: 'team-platform',
      u_environment: 'production',
      u_cost_center: 'cc-2210',
      u_aws_account: '111122223333',
      u_aws_region: 'us-east-1',
    });
    expect(ci?.correlation_id?.startsWith(prefix)).toBe(true);
    expect(ci?.short_description).toContain('111122223333/us-east-1');
    expect(typedOutcomes()).toEqual(firstEvent(item.resourceType));
    // Every regional CI is hosted on the datacenter CI of its account and Region.
    const datacenter = onlyCi('cmdb_ci_aws_datacenter');
    expect(harness.serviceNow.records('cmdb_rel_ci')).toContainEqual(expect.objectContaining({ parent: ci?.sys_id, child: datacenter?.sys_id, type: relationshipTypeSysId('Hosted on::Hosts') }));
  });

  it('separates RDS instances from clusters', async () => {
    harness = await Harness.start({ forwardAwsEvents: true });

    harness.config.recordResource(CASES['AWS::RDS::DBInstance'].item);
    harness.config.recordResource(CASES['AWS::RDS::DBCluster'].item);
    await harness.settle();

    const databases = harness.serviceNow.records('cmdb_ci_cloud_database');
    expect(databases.map((ci) => ci.object_id).sort()).toEqual(['cluster-ABCDEFGHIJKLMNOPQRSTUVWX2', 'db-ABCDEFGHIJKLMNOPQRSTUVWXY1']);
    expect(databases.find((ci) => ci.object_id?.startsWith('db-'))?.correlation_id).toMatch(/^aws-ci-rdsdb-/);
    expect(databases.find((ci) => ci.object_id?.startsWith('cluster-'))?.correlation_id).toMatch(/^aws-ci-rdscluster-/);
  });

  it('retires the CI of a deleted resource and keeps its class columns', async () => {
    harness = await Harness.start({ forwardAwsEvents: true });
    const { item, table } = CASES['AWS::EC2::Volume'];

    harness.config.recordResource(item);
    await harness.settle();
    harness.config.deleteResource(item.resourceType, item.resourceId);
    await harness.settle();

    // Retired, never deleted. A deleted item has no configuration, so the class columns keep their values.
    expect(onlyCi(table)).toMatchObject({ object_id: item.resourceId, install_status: '7', size: '100' });
    expect(ciDeletes(harness.serviceNow)).toEqual([]);
    // A deletion syncs no account or Region record, so only the volume is synced.
    expect(typedOutcomes()).toEqual([...firstEvent(item.resourceType), `${item.resourceType} resolved`]);
  });
  it.each([
    ['AWS::ECS::Cluster', CASES['AWS::ECS::Cluster'].item],
    ['AWS::ECS::Service', ecsServiceItem(2)],
    ['AWS::DynamoDB::Table', dynamoDbTableItem('ACTIVE')],
  ] as const)('updates and retires the CI of a %s', async (_resourceType, item) => {
    harness = await Harness.start({ forwardAwsEvents: true });
    const { table } = CASES[item.resourceType as keyof typeof CASES];

    harness.config.recordResource(item);
    await harness.settle();
    // The change: four tasks for the service, an update for the table, a new owner for the cluster.
    let changed: ConfigurationItemInput = { ...item, tags: { ...TAGS, Owner: 'team-orders' } };
    if (item.resourceType === 'AWS::ECS::Service') changed = ecsServiceItem(4);
    if (item.resourceType === 'AWS::DynamoDB::Table') changed = dynamoDbTableItem('UPDATING');
    harness.config.recordResource(changed);
    await harness.settle();

    const updated = onlyCi(table);
    if (item.resourceType === 'AWS::ECS::Service') expect(updated?.short_description).toContain('4 tasks desired');
    if (item.resourceType === 'AWS::DynamoDB::Table') expect(updated?.state).toBe('UPDATING');
    if (item.resourceType === 'AWS::ECS::Cluster') expect(updated?.u_owner).toBe('team-orders');

    harness.config.deleteResource(item.resourceType, item.resourceId);
    await harness.settle();

    // Retired, never deleted; the name and the tags stay as they were.
    expect(onlyCi(table)).toMatchObject({ object_id: item.resourceId, name: updated?.name, short_description: updated?.short_description, install_status: '7', operational_status: '6', u_environment: 'production' });
    expect(ciDeletes(harness.serviceNow)).toEqual([]);
    expect(typedOutcomes()).toEqual([...firstEvent(item.resourceType), ...laterEvent(item.resourceType, 'updated'), `${item.resourceType} resolved`]);
  });

  it('puts an ECS service in its cluster when both CIs exist', async () => {
    harness = await Harness.start({ forwardAwsEvents: true });
    const inCluster = [{ resourceType: 'AWS::ECS::Cluster', resourceId: ECS_CLUSTER, resourceName: ECS_CLUSTER, relationshipName: 'Is contained in Cluster' }];

    // The service arrives first: its cluster has no CI yet, so no relationship is made.
    harness.config.recordResource(ecsServiceItem(2, inCluster));
    await harness.settle();
    expect(containsRelations()).toEqual([]);

    // The cluster's item lists the inverse relationship, and its rule makes the relationship.
    harness.config.recordResource({
      ...CASES['AWS::ECS::Cluster'].item,
      relationships: [{ resourceType: 'AWS::ECS::Service', resourceId: ECS_SERVICE_ARN, resourceName: 'orders-api', relationshipName: 'Contains Service' }],
    });
    await harness.settle();

    const cluster = onlyCi('cmdb_ci_cloud_ecs_cluster');
    const service = onlyCi('cmdb_ci_cloud_ecs_service');
    const relations = containsRelations();
    expect(relations).toHaveLength(1);
    expect(relations[0]).toMatchObject({ parent: cluster?.sys_id, child: service?.sys_id });
  });
  it('backfills ECS and DynamoDB resources from the AWS Config inventory', async () => {
    harness = await Harness.start();
    const items = [CASES['AWS::ECS::Cluster'].item, ecsServiceItem(2), dynamoDbTableItem('ACTIVE')];
    for (const item of items) harness.config.recordResource(item, { emitEvent: false });

    // ListDiscoveredResources per mapped type, then BatchGetResourceConfig for the items.
    const summary = await harness.configReconciler().run();

    expect(summary).toMatchObject({ discovered: 3, failed: 0, retired: 0 });
    expect(summary.resourceTypes).toEqual(expect.arrayContaining(['AWS::ECS::Cluster', 'AWS::ECS::Service', 'AWS::DynamoDB::Table']));
    expect(onlyCi('cmdb_ci_cloud_ecs_cluster')).toMatchObject({ object_id: ECS_CLUSTER, name: ECS_CLUSTER });
    expect(onlyCi('cmdb_ci_cloud_ecs_service')).toMatchObject({ object_id: ECS_SERVICE_ARN, name: 'orders-api' });
    expect(onlyCi('cmdb_ci_cloud_database')).toMatchObject({ object_id: 'orders-sessions', state: 'ACTIVE' });
    expect(harness.config.calls.map((call) => call.operation)).toEqual(expect.arrayContaining(['ListDiscoveredResources', 'BatchGetResourceConfig']));
  });
});
