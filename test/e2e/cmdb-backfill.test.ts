import { afterEach, describe, expect, it } from 'vitest';

import { runBackfill } from '../../src/cli/backfill.js';
import { IncompleteInventoryError } from '../../src/cmdb/config-reconciler.js';
import { relationshipsOf } from '../support/cmdb.js';
import { Harness } from '../support/harness.js';

let harness: Harness;

afterEach(async () => {
  await harness?.stop();
});

function instance(id: string, accountId?: string) {
  return {
    resourceType: 'AWS::EC2::Instance',
    resourceId: id,
    accountId,
    configuration: { instanceId: id, instanceType: 't3.small', state: { name: 'running' } },
    tags: { Name: `host-${id.slice(-4)}` },
  };
}

function cis(): Array<Record<string, string>> {
  return harness.serviceNow.records('cmdb_ci_vm_instance');
}

/** Returns the account and datacenter CIs, sorted, as `account <id> <install status>` and `<short description> <install status>`. */
function placementCis(): string[] {
  const accounts = harness.serviceNow.records('cmdb_ci_cloud_service_account').map((ci) => `account ${ci.account_id} ${ci.install_status}`);
  const regions = harness.serviceNow.records('cmdb_ci_aws_datacenter').map((ci) => `${ci.short_description} ${ci.install_status}`);
  return [...accounts, ...regions].sort();
}

describe('CMDB backfill and reconcile', () => {
  it('backfills 10,000 resources, and a second pass writes nothing', { timeout: 600_000 }, async () => {
    harness = await Harness.start();
    const ids = Array.from({ length: 10_000 }, (_, index) => `i-${String(index).padStart(17, '0')}`);
    for (const id of ids) harness.config.recordResource(instance(id), { emitEvent: false });

    const first = await harness.configReconciler().run();

    expect(first).toMatchObject({ discovered: 10_000, failed: 0, retired: 0 });
    expect(first.outcomes).toEqual({ created: 10_000 });
    expect(cis()).toHaveLength(10_000);
    expect(new Set(cis().map((ci) => ci.object_id)).size).toBe(10_000);
    expect(placementCis()).toHaveLength(2);

    const writesBefore = harness.serviceNowWrites().length;
    const second = await harness.configReconciler().run();

    expect(second).toMatchObject({ discovered: 10_000, failed: 0, retired: 0 });
    expect(second.outcomes).toEqual({ unchanged: 10_000 });
    expect(harness.serviceNowWrites()).toHaveLength(writesBefore);
  });

  it('creates the CIs events missed, and retires those whose resource is gone', async () => {
    harness = await Harness.start();
    for (const id of ['i-00000000000000001', 'i-00000000000000002', 'i-00000000000000003']) {
      harness.config.recordResource(instance(id), { emitEvent: false });
    }

    const first = await harness.configReconciler().run();
    expect(first).toMatchObject({ discovered: 3, retired: 0, failed: 0 });
    expect(first.resourceTypes).toContain('AWS::EC2::Instance');
    expect(first.outcomes.created).toBe(3);
    expect(cis().map((ci) => ci.object_id).sort()).toEqual(['i-00000000000000001', 'i-00000000000000002', 'i-00000000000000003']);

    // One instance is terminated and its event is lost: the next pass retires its CI.
    harness.config.deleteResource('AWS::EC2::Instance', 'i-00000000000000002', { emitEvent: false });
    const second = await harness.configReconciler().run();
    expect(second).toMatchObject({ discovered: 2, retired: 1 });
    expect(second.outcomes.unchanged).toBe(2);
    expect(cis().find((ci) => ci.object_id === 'i-00000000000000002')?.install_status).toBe('7');
    expect(cis().filter((ci) => ci.install_status === '1')).toHaveLength(2);
  });

  it('makes the account and Region CIs once, then writes nothing', async () => {
    harness = await Harness.start();
    for (const id of ['i-00000000000000031', 'i-00000000000000032']) {
      harness.config.recordResource(instance(id), { emitEvent: false });
    }

    const first = await harness.configReconciler().run();

    expect(first).toMatchObject({ discovered: 2, placements: 2, failed: 0, retired: 0 });
    // Account and Region outcomes are not resource outcomes.
    expect(first.outcomes).toEqual({ created: 2 });
    expect(placementCis()).toEqual(['AWS Region us-east-1 of account 111122223333 1', 'account 111122223333 1']);
    expect(relationshipsOf(harness.serviceNow)).toEqual([
      'cmdb_ci_aws_datacenter us-east-1 > Hosted on > cmdb_ci_cloud_service_account 111122223333',
      // BatchGetResourceConfig items carry no tags, so the instances are named by their ids.
      'cmdb_ci_vm_instance i-00000000000000031 > Hosted on > cmdb_ci_aws_datacenter us-east-1',
      'cmdb_ci_vm_instance i-00000000000000032 > Hosted on > cmdb_ci_aws_datacenter us-east-1',
    ]);
    const writes = harness.serviceNowWrites().length;

    const second = await harness.configReconciler().run();

    expect(second).toMatchObject({ discovered: 2, placements: 2, failed: 0, retired: 0 });
    expect(second.outcomes).toEqual({ unchanged: 2 });
    expect(harness.serviceNowWrites()).toHaveLength(writes);
    expect(placementCis()).toHaveLength(2);
  });

  it('makes the account and Region CIs of an empty inventory', async () => {
    harness = await Harness.start();

    const summary = await harness.configReconciler().run();

    expect(summary).toMatchObject({ discovered: 0, placements: 2, failed: 0, retired: 0 });
    expect(placementCis()).toEqual(['AWS Region us-east-1 of account 111122223333 1', 'account 111122223333 1']);
  });

  it('prints the account and Region count in the backfill summary', async () => {
    harness = await Harness.start();
    harness.config.recordResource(instance('i-00000000000000051'), { emitEvent: false });
    let stdout = '';
    let stderr = '';

    // The harness points the AWS SDK and ServiceNow settings at the local servers, as an operator's
    // environment would. A backfill reads no queue, so it runs without SQS_QUEUE_URL.
    const code = await runBackfill({ ...process.env, SQS_QUEUE_URL: undefined, AWS_ACCOUNT_ID: '111122223333', LOG_LEVEL: 'silent' }, { stdout: { write: (text: string) => (stdout += text) }, stderr: { write: (text: string) => (stderr += text) } });

    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/Resources listed by AWS Config\s*│\s*1\s*│/);
    expect(stdout).toMatch(/Account and Region CIs synced \(never retired\)\s*│\s*2\s*│/);
    expect(placementCis()).toEqual(['AWS Region us-east-1 of account 111122223333 1', 'account 111122223333 1']);
  });

  it('never retires the account and Region CIs', async () => {
    harness = await Harness.start({ forwardAwsEvents: true });
    harness.config.recordResource(instance('i-00000000000000041'));
    await harness.settle();
    expect(placementCis()).toEqual(['AWS Region us-east-1 of account 111122223333 1', 'account 111122223333 1']);

    // The account's last resource is terminated and its event is lost.
    harness.config.deleteResource('AWS::EC2::Instance', 'i-00000000000000041', { emitEvent: false });
    const summary = await harness.configReconciler().run();

    expect(summary).toMatchObject({ discovered: 0, retired: 1 });
    expect(cis()[0]?.install_status).toBe('7');
    expect(placementCis()).toEqual(['AWS Region us-east-1 of account 111122223333 1', 'account 111122223333 1']);
  });

  it('retires nothing when the inventory cannot be read completely', async () => {
    harness = await Harness.start();
    harness.config.recordResource(instance('i-00000000000000001'), { emitEvent: false });
    await harness.configReconciler().run();

    harness.config.deleteResource('AWS::EC2::Instance', 'i-00000000000000001', { emitEvent: false });
    harness.config.injectFaults([{ operation: 'ListDiscoveredResources', errorType: 'ThrottlingException', times: 10 }]);

    await expect(harness.configReconciler().run()).rejects.toBeInstanceOf(IncompleteInventoryError);
    expect(cis()[0]?.install_status).toBe('1');
  });

  it('leaves the CIs of another account alone', async () => {
    harness = await Harness.start({ forwardAwsEvents: true });
    harness.config.recordResource(instance('i-00000000000000009', '444455556666'));
    await harness.settle();
    expect(cis()).toHaveLength(1);

    harness.config.deleteResource('AWS::EC2::Instance', 'i-00000000000000009', { emitEvent: false });
    const summary = await harness.configReconciler().run();

    expect(summary.retired).toBe(0);
    expect(cis()[0]?.install_status).toBe('1');
  });

  it('reads every account through an aggregator, and retires only in the accounts it saw', async () => {
    harness = await Harness.start();
    harness.config.recordResource(instance('i-00000000000000011'), { emitEvent: false });
    harness.config.recordResource(instance('i-00000000000000012', '444455556666'), { emitEvent: false });
    harness.config.recordResource(instance('i-00000000000000013', '444455556666'), { emitEvent: false });

    const first = await harness.configReconciler({ aggregator: 'organization-aggregator' }).run();
    expect(first).toMatchObject({ discovered: 3, retired: 0, failed: 0 });
    // Each account gets its CI and the CI of its Region, once.
    expect(first.placements).toBe(4);
    expect(placementCis()).toEqual([
      'AWS Region us-east-1 of account 111122223333 1',
      'AWS Region us-east-1 of account 444455556666 1',
      'account 111122223333 1',
      'account 444455556666 1',
    ]);
    expect(cis().map((ci) => [ci.object_id, ci.u_aws_account]).sort()).toEqual([
      ['i-00000000000000011', '111122223333'],
      ['i-00000000000000012', '444455556666'],
      ['i-00000000000000013', '444455556666'],
    ]);
    // Advanced query rows carry the tags that BatchGetResourceConfig leaves out.
    expect(cis().every((ci) => ci.name?.startsWith('host-'))).toBe(true);

    harness.config.deleteResource('AWS::EC2::Instance', 'i-00000000000000013', { emitEvent: false });
    const second = await harness.configReconciler({ aggregator: 'organization-aggregator' }).run();
    expect(second).toMatchObject({ discovered: 2, retired: 1 });
    expect(second.outcomes.unchanged).toBe(2);
    expect(cis().find((ci) => ci.object_id === 'i-00000000000000013')?.install_status).toBe('7');
    expect(placementCis()).toHaveLength(4);
    expect(placementCis().every((ci) => ci.endsWith(' 1'))).toBe(true);
  });

  it('retires nothing when the aggregator cannot be read', async () => {
    harness = await Harness.start();
    harness.config.recordResource(instance('i-00000000000000021'), { emitEvent: false });
    await harness.configReconciler({ aggregator: 'organization-aggregator' }).run();

    harness.config.deleteResource('AWS::EC2::Instance', 'i-00000000000000021', { emitEvent: false });
    await expect(harness.configReconciler({ aggregator: 'no-such-aggregator' }).run()).rejects.toBeInstanceOf(IncompleteInventoryError);
    expect(cis()[0]?.install_status).toBe('1');
  });
});
