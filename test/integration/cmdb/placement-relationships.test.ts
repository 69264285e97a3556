/**
 * CmdbRelationships with the account and Region relationships that itsm-sync adds to each item:
 * items read from the API (oversized notifications, reconcile passes) make them and remove
 * nothing, while event items keep the whole set in line. Runs the real engine, the shipped
 * mappings and the ServiceNow simulator on loopback.
 */
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { CmdbRelationships } from '../../../src/cmdb/relationships.js';
import type { SourceRecord } from '../../../src/core/types.js';
import { loadRules } from '../../../src/rules/loader.js';
import { relationshipTypeSysId } from '../../../src/simulators/servicenow/cmdb.js';
import { startServiceNowSimulator, type ServiceNowSimulator } from '../../../src/simulators/servicenow/server.js';
import { apiItemToRecord, eventItemToRecord } from '../../../src/sources/config/configuration-item-record.js';
import type { ConfigurationItemView } from '../../../src/sources/config/configuration-item-view.js';
import { placementRecords } from '../../../src/sources/config/placement-records.js';
import { SqliteStateStore } from '../../../src/state/sqlite-store.js';
import { SyncEngine } from '../../../src/sync/engine.js';
import { ServiceNowClient } from '../../../src/targets/servicenow/client.js';
import { ServiceNowTarget } from '../../../src/targets/servicenow/servicenow-target.js';
import { SHIPPED_MAPPINGS } from '../../support/harness.js';

const USER = { username: 'cmdb-relationships', password: 'cmdb-relationships-password' };
const ACCOUNT = '111122223333';
const INSTANCE = 'i-0a1b2c3d4e5f60718';
const VPC = 'vpc-0123abcd4567ef890';
const CONTEXT = { account: ACCOUNT, configRegion: 'us-east-1', changeType: null };
const HOSTED_ON = relationshipTypeSysId('Hosted on::Hosts');
const CONTAINS = relationshipTypeSysId('Contains::Contained by');

let serviceNow: ServiceNowSimulator;
let engine: SyncEngine;

beforeEach(async () => {
  serviceNow = await startServiceNowSimulator({ users: [USER], logger: pino({ level: 'silent' }) });
  const client = new ServiceNowClient({ instanceUrl: serviceNow.url, auth: { type: 'basic', ...USER }, retryBaseMs: 1 });
  const targets = { servicenow: new ServiceNowTarget(client, { instanceUrl: serviceNow.url }) };
  const store = new SqliteStateStore(':memory:');
  const logger = pino({ level: 'silent' });

  // As the connector wires it: the relationships follow each sync of a configuration item.
  let relationships: CmdbRelationships | undefined;
  engine = new SyncEngine({
    rules: await loadRules(SHIPPED_MAPPINGS),
    targets,
    writebacks: {},
    store,
    logger,
    afterSync: async (record, result) => relationships?.sync(record, result),
  });
  relationships = new CmdbRelationships({ engine, store, targets, logger });
});

afterEach(async () => {
  await serviceNow.stop();
});

/** Builds the event record of the instance, which AWS Config lists in `relationships`. */
function instanceEvent(relationships: unknown[], overrides: Record<string, unknown> = {}): SourceRecord<ConfigurationItemView> {
  const item = {
    resourceType: 'AWS::EC2::Instance',
    resourceId: INSTANCE,
    awsRegion: 'us-east-1',
    awsAccountId: ACCOUNT,
    configurationItemStatus: 'OK',
    configurationItemCaptureTime: '2025-03-10T14:00:00.000Z',
    configuration: { instanceId: INSTANCE, instanceType: 't3.large', state: { name: 'running' } },
    relationships,
    ...overrides,
  };
  return eventItemToRecord(item, CONTEXT).record;
}

/** Builds the instance's record as BatchGetResourceConfig returns it: no AWS Config relationships. */
function instanceFromApi(): SourceRecord<ConfigurationItemView> {
  const item = {
    resourceType: 'AWS::EC2::Instance' as const,
    resourceId: INSTANCE,
    awsRegion: 'us-east-1',
    accountId: ACCOUNT,
    configurationItemStatus: 'OK' as const,
    configurationItemCaptureTime: new Date('2025-03-10T15:00:00.000Z'),
    configuration: JSON.stringify({ instanceId: INSTANCE, instanceType: 't3.large', state: { name: 'running' } }),
  };
  return apiItemToRecord(item, CONTEXT).record;
}

async function syncAll(records: SourceRecord[]): Promise<void> {
  for (const record of records) await engine.sync(record);
}

function onlyCi(table: string): Record<string, string> {
  const all = serviceNow.records(table);
  expect(all, `CIs in ${table}`).toHaveLength(1);
  return all[0]!;
}

const TYPE_NAMES = new Map([
  [HOSTED_ON, 'Hosted on'],
  [CONTAINS, 'Contains'],
]);

/** Returns the relationships in cmdb_rel_ci, sorted, as `parent class > type > child class`. */
function relationships(): string[] {
  const classOf = (sysId: string | undefined) => serviceNow.records('cmdb_ci').find((ci) => ci.sys_id === sysId)?.sys_class_name ?? sysId;
  return serviceNow
    .records('cmdb_rel_ci')
    .map((row) => `${classOf(row.parent)} > ${TYPE_NAMES.get(row.type ?? '') ?? row.type} > ${classOf(row.child)}`)
    .sort();
}

const VPC_CONTAINS_INSTANCE = 'cmdb_ci_network > Contains > cmdb_ci_vm_instance';
const INSTANCE_HOSTED_ON_REGION = 'cmdb_ci_vm_instance > Hosted on > cmdb_ci_aws_datacenter';
const REGION_HOSTED_ON_ACCOUNT = 'cmdb_ci_aws_datacenter > Hosted on > cmdb_ci_cloud_service_account';

describe('account and Region relationships', () => {
  it('relates the Region to its account', async () => {
    await syncAll(placementRecords(instanceEvent([]).view));

    const datacenter = onlyCi('cmdb_ci_aws_datacenter');
    const account = onlyCi('cmdb_ci_cloud_service_account');
    expect(serviceNow.records('cmdb_rel_ci')).toEqual([expect.objectContaining({ parent: datacenter.sys_id, child: account.sys_id, type: HOSTED_ON })]);
  });

  it('adds the Region relationship from an API item and removes nothing', async () => {
    // The instance and its VPC arrive by event before the Region's CI exists.
    await syncAll([
      eventItemToRecord({ resourceType: 'AWS::EC2::VPC', resourceId: VPC, awsRegion: 'us-east-1', configurationItemStatus: 'OK', configurationItemCaptureTime: '2025-03-10T14:00:00.000Z', configuration: { vpcId: VPC } }, CONTEXT).record,
      instanceEvent([{ resourceType: 'AWS::EC2::VPC', resourceId: VPC, name: 'Is contained in Vpc' }]),
    ]);
    expect(relationships()).toEqual([VPC_CONTAINS_INSTANCE]);

    // Then the account and Region, and the instance read back with BatchGetResourceConfig.
    const fromApi = instanceFromApi();
    await syncAll([...placementRecords(fromApi.view), fromApi]);

    expect(relationships()).toEqual([REGION_HOSTED_ON_ACCOUNT, VPC_CONTAINS_INSTANCE, INSTANCE_HOSTED_ON_REGION].sort());
    expect(serviceNow.requests.filter((request) => request.method === 'DELETE')).toEqual([]);
  });

  it('makes the Region relationship of an API item once', async () => {
    const fromApi = instanceFromApi();
    await syncAll([...placementRecords(fromApi.view), fromApi]);
    const writes = serviceNow.requests.filter((request) => request.method !== 'GET').length;

    await syncAll([...placementRecords(fromApi.view), fromApi]);

    expect(relationships()).toEqual([REGION_HOSTED_ON_ACCOUNT, INSTANCE_HOSTED_ON_REGION]);
    expect(serviceNow.requests.filter((request) => request.method !== 'GET')).toHaveLength(writes);
  });

  it('keeps the Region relationship when an event item drops another', async () => {
    const inVpc = instanceEvent([{ resourceType: 'AWS::EC2::VPC', resourceId: VPC, name: 'Is contained in Vpc' }]);
    await syncAll([
      eventItemToRecord({ resourceType: 'AWS::EC2::VPC', resourceId: VPC, awsRegion: 'us-east-1', configurationItemStatus: 'OK', configurationItemCaptureTime: '2025-03-10T14:00:00.000Z', configuration: { vpcId: VPC } }, CONTEXT).record,
      ...placementRecords(inVpc.view),
      inVpc,
    ]);
    expect(relationships()).toEqual([REGION_HOSTED_ON_ACCOUNT, VPC_CONTAINS_INSTANCE, INSTANCE_HOSTED_ON_REGION].sort());

    // The instance's next item no longer lists the VPC: only that relationship goes.
    await syncAll([instanceEvent([], { configurationItemCaptureTime: '2025-03-10T16:00:00.000Z' })]);

    expect(relationships()).toEqual([REGION_HOSTED_ON_ACCOUNT, INSTANCE_HOSTED_ON_REGION]);
  });

  it('removes the Region relationship of a retired CI', async () => {
    const live = instanceEvent([]);
    await syncAll([...placementRecords(live.view), live]);
    expect(relationships()).toEqual([REGION_HOSTED_ON_ACCOUNT, INSTANCE_HOSTED_ON_REGION]);

    await syncAll([instanceEvent([], { configurationItemStatus: 'ResourceDeleted', configurationItemCaptureTime: '2025-03-10T16:00:00.000Z', configuration: null })]);

    // A retired CI keeps no relationships; the Region keeps its account.
    expect(onlyCi('cmdb_ci_vm_instance').install_status).toBe('7');
    expect(relationships()).toEqual([REGION_HOSTED_ON_ACCOUNT]);
    expect(onlyCi('cmdb_ci_aws_datacenter').install_status).toBe('1');
  });
});
