import { afterEach, describe, expect, it } from 'vitest';

import { relationshipTypeSysId } from '../../src/simulators/servicenow/cmdb.js';
import { ciDeletes, relationshipsOf } from '../support/cmdb.js';
import { Harness } from '../support/harness.js';

let harness: Harness;

afterEach(async () => {
  await harness?.stop();
});

const INSTANCE = 'i-0a1b2c3d4e5f60718';

function instanceItem(overrides: Record<string, unknown> = {}) {
  return {
    resourceType: 'AWS::EC2::Instance',
    resourceId: INSTANCE,
    configuration: { instanceId: INSTANCE, instanceType: 't3.large', state: { name: 'running' } },
    tags: { Name: 'orders-api-prod-2', Owner: 'team-orders', Environment: 'production', CostCenter: 'cc-4410' },
    ...overrides,
  };
}

function ci(table = 'cmdb_ci_vm_instance'): Record<string, string> | undefined {
  const all = harness.serviceNow.records(table);
  expect(all.length).toBeLessThanOrEqual(1);
  return all[0];
}

describe('AWS Config configuration items to the CMDB', () => {
  it('creates, updates and retires a CI', async () => {
    harness = await Harness.start({ forwardAwsEvents: true });

    harness.config.recordResource(instanceItem());
    await harness.settle();
    expect(ci()).toMatchObject({
      name: 'orders-api-prod-2',
      object_id: INSTANCE,
      install_status: '1',
      state: 'on',
      u_owner: 'team-orders',
      u_environment: 'production',
      u_cost_center: 'cc-4410',
      u_aws_account: '111122223333',
    });
    expect(ci()?.correlation_id).toMatch(/^aws-ci-ec2-/);

    harness.config.recordResource(instanceItem({ configuration: { instanceId: INSTANCE, instanceType: 't3.large', state: { name: 'stopped' } } }));
    await harness.settle();
    expect(ci()?.state).toBe('off');

    harness.config.deleteResource('AWS::EC2::Instance', INSTANCE);
    await harness.settle();
    // Retired, never deleted. Its relationship to the Region goes, because a retired CI keeps none.
    expect(ci()?.install_status).toBe('7');
    expect(ci()?.operational_status).toBe('6');
    expect(ciDeletes(harness.serviceNow)).toEqual([]);
    expect(relationshipsOf(harness.serviceNow)).toEqual(['cmdb_ci_aws_datacenter us-east-1 > Hosted on > cmdb_ci_cloud_service_account 111122223333']);
    // The item of a deleted resource has no tags: the retired CI keeps its name and owner.
    expect(ci()).toMatchObject({ name: 'orders-api-prod-2', u_owner: 'team-orders', u_environment: 'production' });
    expect(ci()?.short_description).toContain('(t3.large)');
  });

  it('clears the field of a tag removed in AWS', async () => {
    harness = await Harness.start({ forwardAwsEvents: true });
    harness.config.recordResource(instanceItem());
    await harness.settle();

    harness.config.recordResource(instanceItem({ tags: { Name: 'orders-api-prod-2', Environment: 'staging' } }));
    await harness.settle();

    expect(ci()).toMatchObject({ u_owner: '', u_environment: 'staging', u_cost_center: '' });
  });

  it('adopts the CI the vendor connector made instead of duplicating it', async () => {
    harness = await Harness.start({ forwardAwsEvents: true });
    const vendorCi = harness.serviceNow.seedAwsConnectorCi({ className: 'cmdb_ci_vm_instance', resourceId: INSTANCE, name: 'orders-api (connector)' });

    harness.config.recordResource(instanceItem());
    await harness.settle();

    expect(ci()).toMatchObject({ sys_id: vendorCi.sys_id, name: 'orders-api-prod-2', object_id: INSTANCE });
    expect(ci()?.correlation_id).toMatch(/^aws-ci-ec2-/);
    // The account and Region CIs are created before the instance's CI is adopted.
    expect(harness.results.map(({ record, result }) => [record.type, result.outcome])).toEqual([
      ['AWS::::Account', 'created'],
      ['AWS::::Region', 'created'],
      ['AWS::EC2::Instance', 'adopted'],
    ]);
  });

  it('reads an oversized configuration item with BatchGetResourceConfig', async () => {
    harness = await Harness.start({ forwardAwsEvents: true });

    harness.config.recordResource(instanceItem(), { oversized: true });
    await harness.settle();

    expect(harness.config.calls.some((call) => call.operation === 'BatchGetResourceConfig')).toBe(true);
    expect(ci()).toMatchObject({ object_id: INSTANCE, install_status: '1', state: 'on' });
  });

  it('drops an event older than the item already synced', async () => {
    harness = await Harness.start({ forwardAwsEvents: true });
    const newer = instanceItem({ configuration: { instanceId: INSTANCE, instanceType: 't3.large', state: { name: 'stopped' } } });

    harness.config.recordResource({ ...newer, configurationItemCaptureTime: new Date('2026-12-05T10:00:00Z') });
    await harness.settle();
    harness.config.recordResource({ ...instanceItem(), configurationItemCaptureTime: new Date('2026-12-05T09:00:00Z') });
    await harness.settle();

    expect(ci()?.state).toBe('off');
    expect(harness.outcomes().at(-1)).toBe('stale');
  });

  it('counts resource types without a mapping and logs each type once', async () => {
    harness = await Harness.start({ forwardAwsEvents: true });

    for (const name of ['alpha', 'beta', 'gamma']) {
      harness.config.recordResource({ resourceType: 'AWS::SNS::Topic', resourceId: `arn:aws:sns:us-east-1:111122223333:${name}`, configuration: { topicArn: name } });
    }
    await harness.settle();

    // The topics have no CI; the account and Region that AWS Config reports them in do.
    expect(harness.serviceNow.records('cmdb_ci').map((ci) => ci.sys_class_name).sort()).toEqual(['cmdb_ci_aws_datacenter', 'cmdb_ci_cloud_service_account']);
    expect(harness.results.filter(({ record }) => record.type === 'AWS::SNS::Topic').map(({ result }) => result.outcome)).toEqual(['no-rule', 'no-rule', 'no-rule']);
    expect(harness.outcomes().filter((outcome) => outcome === 'no-rule')).toHaveLength(3);
    const infoLines = harness.logLines.filter((line) => line.includes('"outcome":"no-rule"') && line.includes('"level":30'));
    expect(infoLines).toHaveLength(1);
    expect(infoLines[0]).toContain('AWS::SNS::Topic');
  });

  it('maps S3 buckets to object storage CIs', async () => {
    harness = await Harness.start({ forwardAwsEvents: true });

    harness.config.recordResource({ resourceType: 'AWS::S3::Bucket', resourceId: 'example-analytics-exports', resourceName: 'example-analytics-exports', configuration: { name: 'example-analytics-exports' }, tags: { owner: 'data-team' } });
    await harness.settle();

    expect(ci('cmdb_ci_cloud_object_storage')).toMatchObject({ name: 'example-analytics-exports', object_id: 'example-analytics-exports', u_owner: 'data-team' });
  });
});

describe('CMDB relationships', () => {
  const VPC = 'vpc-0123abcd4567ef890';

  function relations(): Array<Record<string, string>> {
    return harness.serviceNow.records('cmdb_rel_ci');
  }

  /** Returns the Contains relationships: between the VPC and the instance (the others are Hosted on, to the Region). */
  function vpcRelations(): Array<Record<string, string>> {
    return relations().filter((relation) => relation.type === relationshipTypeSysId('Contains::Contained by'));
  }

  const REGION_HOSTED_ON_ACCOUNT = 'cmdb_ci_aws_datacenter us-east-1 > Hosted on > cmdb_ci_cloud_service_account 111122223333';

  it('relates an instance to its VPC', async () => {
    harness = await Harness.start({ forwardAwsEvents: true });

    // The instance arrives first: its VPC is not in the CMDB yet, so it is related to its Region only.
    harness.config.recordResource(instanceItem({ relationships: [{ resourceType: 'AWS::EC2::VPC', resourceId: VPC, relationshipName: 'Is contained in Vpc' }] }));
    await harness.settle();
    expect(relationshipsOf(harness.serviceNow)).toEqual([REGION_HOSTED_ON_ACCOUNT, 'cmdb_ci_vm_instance orders-api-prod-2 > Hosted on > cmdb_ci_aws_datacenter us-east-1']);

    // The VPC arrives and lists the inverse relationship: the relationship is made then.
    harness.config.recordResource({ resourceType: 'AWS::EC2::VPC', resourceId: VPC, configuration: { vpcId: VPC, cidrBlock: '10.20.0.0/16' }, relationships: [{ resourceType: 'AWS::EC2::Instance', resourceId: INSTANCE, relationshipName: 'Contains Instance' }] });
    await harness.settle();
    const vpc = harness.serviceNow.records('cmdb_ci_network')[0]!;
    const instance = harness.serviceNow.records('cmdb_ci_vm_instance')[0]!;
    expect(vpcRelations()).toHaveLength(1);
    expect(vpcRelations()[0]).toMatchObject({ parent: vpc.sys_id, child: instance.sys_id });
    expect(relationshipsOf(harness.serviceNow)).toEqual([
      REGION_HOSTED_ON_ACCOUNT,
      `cmdb_ci_network ${VPC} > Contains > cmdb_ci_vm_instance orders-api-prod-2`,
      `cmdb_ci_network ${VPC} > Hosted on > cmdb_ci_aws_datacenter us-east-1`,
      'cmdb_ci_vm_instance orders-api-prod-2 > Hosted on > cmdb_ci_aws_datacenter us-east-1',
    ]);

    // An oversized item carries no relationships: the relationship stays.
    harness.config.recordResource(instanceItem({ relationships: [{ resourceType: 'AWS::EC2::VPC', resourceId: VPC, relationshipName: 'Is contained in Vpc' }] }), { oversized: true });
    await harness.settle();
    expect(vpcRelations()).toHaveLength(1);
    expect(relations()).toHaveLength(4);

    // The instance's next item still lists it: no second relationship.
    harness.config.recordResource(instanceItem({ tags: { Name: 'renamed' }, relationships: [{ resourceType: 'AWS::EC2::VPC', resourceId: VPC, relationshipName: 'Is contained in Vpc' }] }));
    await harness.settle();
    expect(vpcRelations()).toHaveLength(1);
    expect(relations()).toHaveLength(4);

    // The instance moves out of the VPC (its item no longer lists it), and so does the VPC's.
    harness.config.recordResource(instanceItem({ relationships: [] }));
    harness.config.recordResource({ resourceType: 'AWS::EC2::VPC', resourceId: VPC, configuration: { vpcId: VPC, cidrBlock: '10.20.0.0/16' }, relationships: [] });
    await harness.settle();
    expect(vpcRelations()).toEqual([]);
    expect(relationshipsOf(harness.serviceNow)).toEqual([
      REGION_HOSTED_ON_ACCOUNT,
      `cmdb_ci_network ${VPC} > Hosted on > cmdb_ci_aws_datacenter us-east-1`,
      'cmdb_ci_vm_instance orders-api-prod-2 > Hosted on > cmdb_ci_aws_datacenter us-east-1',
    ]);
  });
});
