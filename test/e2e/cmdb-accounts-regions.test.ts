/**
 * The CIs of the AWS accounts and Regions themselves, from the recorded AWS Config events of
 * test/fixtures/aws-events/config sent through SQS on loopback. The shipped mappings make an
 * account CI (cmdb_ci_cloud_service_account) and a datacenter CI per account and Region
 * (cmdb_ci_aws_datacenter) beside each resource's CI, related by Hosted on. The backfill tests
 * of these CIs are in cmdb-backfill.test.ts.
 */
import { afterEach, describe, expect, it } from 'vitest';

import { ciDeletes, relationshipsOf } from '../support/cmdb.js';
import { fixture, Harness } from '../support/harness.js';

type Event = Record<string, any>;

const ACCOUNT = '111122223333';
const INSTANCE = 'i-0a1b2c3d4e5f60718';
const BUCKET = 'example-analytics-exports-111122223333';

const INSTANCE_UPDATE = 'aws-events/config/configuration-item-change-update-ec2-instance.json';
const BUCKET_UPDATE = 'aws-events/config/configuration-item-change-update-s3-bucket.json';
const INSTANCE_DELETE = 'aws-events/config/configuration-item-change-delete-ec2-instance.json';

const ACCOUNT_TABLE = 'cmdb_ci_cloud_service_account';
const REGION_TABLE = 'cmdb_ci_aws_datacenter';

const REGION_HOSTED_ON_ACCOUNT = `${REGION_TABLE} us-east-1 > Hosted on > ${ACCOUNT_TABLE} ${ACCOUNT}`;
const INSTANCE_HOSTED_ON_REGION = `cmdb_ci_vm_instance web-tier-01 > Hosted on > ${REGION_TABLE} us-east-1`;
const BUCKET_HOSTED_ON_REGION = `cmdb_ci_cloud_object_storage ${BUCKET} > Hosted on > ${REGION_TABLE} us-east-1`;

let harness: Harness;

afterEach(async () => {
  await harness?.stop();
});

function cis(table: string): Array<Record<string, string>> {
  return harness.serviceNow.records(table);
}

/** Returns the one CI of a class table, and fails when there are several. */
function onlyCi(table: string): Record<string, string> | undefined {
  const all = cis(table);
  expect(all.length, `CIs in ${table}`).toBeLessThanOrEqual(1);
  return all[0];
}

/** Table API writes to the account and datacenter classes, and to relationships. */
function placementWrites(): string[] {
  return harness
    .serviceNowWrites()
    .filter((request) => request.path.includes(`/${ACCOUNT_TABLE}`) || request.path.includes(`/${REGION_TABLE}`))
    .map((request) => `${request.method} ${request.path}`);
}

function relationshipWrites(): number {
  return harness.serviceNowWrites().filter((request) => request.path.includes('/cmdb_rel_ci')).length;
}

describe('account and Region CIs from events', () => {
  it('creates the account, Region and resource CIs, related', async () => {
    harness = await Harness.start();

    await harness.deliver(fixture<Event>(INSTANCE_UPDATE));

    expect(onlyCi(ACCOUNT_TABLE)).toMatchObject({
      name: ACCOUNT,
      account_id: ACCOUNT,
      object_id: ACCOUNT,
      datacenter_type: REGION_TABLE,
      install_status: '1',
      short_description: `AWS account ${ACCOUNT}`,
    });
    expect(onlyCi(ACCOUNT_TABLE)?.correlation_id).toMatch(/^aws-ci-account-/);
    expect(onlyCi(REGION_TABLE)).toMatchObject({
      name: 'us-east-1',
      region: 'us-east-1',
      object_id: 'us-east-1',
      install_status: '1',
      short_description: `AWS Region us-east-1 of account ${ACCOUNT}`,
    });
    expect(onlyCi(REGION_TABLE)?.correlation_id).toMatch(/^aws-ci-region-/);
    expect(onlyCi('cmdb_ci_vm_instance')).toMatchObject({ object_id: INSTANCE, install_status: '1' });

    // The instance is hosted on its Region's datacenter, and the datacenter on the account.
    expect(relationshipsOf(harness.serviceNow)).toEqual([REGION_HOSTED_ON_ACCOUNT, INSTANCE_HOSTED_ON_REGION]);
    expect(harness.results.map(({ record, result }) => `${record.type} ${result.outcome}`)).toEqual([
      'AWS::::Account created',
      'AWS::::Region created',
      'AWS::EC2::Instance created',
    ]);
  });

  it('writes nothing for them on the next resource', async () => {
    harness = await Harness.start();
    await harness.deliver(fixture<Event>(INSTANCE_UPDATE));
    const accountAndRegionWrites = placementWrites();
    const relationshipsBefore = relationshipWrites();
    expect(accountAndRegionWrites).toHaveLength(2);

    await harness.deliver(fixture<Event>(BUCKET_UPDATE));

    expect(cis(ACCOUNT_TABLE)).toHaveLength(1);
    expect(cis(REGION_TABLE)).toHaveLength(1);
    expect(placementWrites()).toEqual(accountAndRegionWrites);
    // The one new relationship is the bucket's to the Region; the Region's to the account exists.
    expect(relationshipWrites()).toBe(relationshipsBefore + 1);
    expect(relationshipsOf(harness.serviceNow)).toEqual([REGION_HOSTED_ON_ACCOUNT, BUCKET_HOSTED_ON_REGION, INSTANCE_HOSTED_ON_REGION]);
    // The engine synced the account and Region a moment ago, so it does not sync them again.
    expect(harness.results.slice(3).map(({ record, result }) => `${record.type} ${result.outcome}`)).toEqual(['AWS::S3::Bucket created']);
  });

  it('retires a deleted resource but not its account or Region', async () => {
    harness = await Harness.start();
    await harness.deliver(fixture<Event>(INSTANCE_UPDATE), fixture<Event>(BUCKET_UPDATE));

    await harness.deliver(fixture<Event>(INSTANCE_DELETE));

    expect(onlyCi('cmdb_ci_vm_instance')?.install_status).toBe('7');
    expect(onlyCi(ACCOUNT_TABLE)?.install_status).toBe('1');
    expect(onlyCi(REGION_TABLE)?.install_status).toBe('1');
    expect(ciDeletes(harness.serviceNow)).toEqual([]);
    // The retired instance keeps no relationships; the bucket and the Region keep theirs.
    expect(relationshipsOf(harness.serviceNow)).toEqual([REGION_HOSTED_ON_ACCOUNT, BUCKET_HOSTED_ON_REGION]);
  });

  it('makes one Region CI per account', async () => {
    harness = await Harness.start();
    const memberBucket = fixture<Event>(BUCKET_UPDATE);
    memberBucket.id = crypto.randomUUID();
    memberBucket.account = '444455556666';
    Object.assign(memberBucket.detail.configurationItem, { awsAccountId: '444455556666', resourceId: 'member-exports', resourceName: 'member-exports' });

    await harness.deliver(fixture<Event>(BUCKET_UPDATE), memberBucket);

    expect(cis(ACCOUNT_TABLE).map((ci) => ci.account_id).sort()).toEqual([ACCOUNT, '444455556666']);
    expect(cis(REGION_TABLE).map((ci) => ci.short_description).sort()).toEqual([`AWS Region us-east-1 of account ${ACCOUNT}`, 'AWS Region us-east-1 of account 444455556666']);
  });

  it('adopts the account CI that Discovery made', async () => {
    harness = await Harness.start();
    const discovered = harness.serviceNow.seedAwsConnectorCi({ className: ACCOUNT_TABLE, resourceId: ACCOUNT, name: 'payments-prod', fields: { account_id: ACCOUNT } });

    await harness.deliver(fixture<Event>(INSTANCE_UPDATE));

    // Taken over with its name, instead of a second account CI.
    expect(onlyCi(ACCOUNT_TABLE)).toMatchObject({ sys_id: discovered.sys_id, name: 'payments-prod', account_id: ACCOUNT });
    expect(onlyCi(ACCOUNT_TABLE)?.correlation_id).toMatch(/^aws-ci-account-/);
    expect(relationshipsOf(harness.serviceNow)).toContain(`${REGION_TABLE} us-east-1 > Hosted on > ${ACCOUNT_TABLE} payments-prod`);
  });
});
