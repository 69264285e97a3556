import { afterEach, describe, expect, it } from 'vitest';

import { IncompleteInventoryError } from '../../src/cmdb/config-reconciler.js';
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

describe('CMDB backfill and reconcile', () => {
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
