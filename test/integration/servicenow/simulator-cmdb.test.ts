import { Writable } from 'node:stream';

import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import {
  InvalidConnectorCiError,
  INSTALL_STATUS,
  RELATIONSHIP_TYPE_NAMES,
  relationshipTypeSysId,
  startServiceNowSimulator,
  type ServiceNowSimulator,
} from '../../../src/simulators/servicenow/index.js';
import { loadFixture, rawRequest, resultOf, SYS_ID } from './support.js';

const INSTANCE_ARN = 'arn:aws:ec2:us-east-1:111122223333:instance/i-0a1b2c3d4e5f60718';
const VPC_ARN = 'arn:aws:ec2:us-east-1:111122223333:vpc/vpc-0f1e2d3c4b5a69788';

/** Warnings the simulator logs, as parsed pino lines. */
const warnings: Array<Record<string, unknown>> = [];
const warningSink = new Writable({
  write(chunk: Buffer, _encoding, done) {
    for (const line of chunk.toString('utf8').split('\n').filter((text) => text !== '')) {
      warnings.push(JSON.parse(line) as Record<string, unknown>);
    }
    done();
  },
});

let simulator: ServiceNowSimulator;

beforeAll(async () => {
  simulator = await startServiceNowSimulator({ logger: pino({ level: 'warn' }, warningSink) });
});

afterAll(async () => {
  await simulator.stop();
});

beforeEach(() => {
  simulator.reset();
  warnings.length = 0;
});

async function create(table: string, body: Record<string, unknown>): Promise<Record<string, string>> {
  const answer = await rawRequest(simulator.url, 'POST', `/api/now/table/${table}`, { body });
  expect(answer.status).toBe(201);
  return resultOf(answer);
}

async function list(table: string, query: Record<string, string> = {}) {
  const answer = await rawRequest(simulator.url, 'GET', `/api/now/table/${table}`, { query });
  expect(answer.status).toBe(200);
  return { rows: resultOf<Array<Record<string, string>>>(answer), total: answer.headers.get('X-Total-Count') };
}

function createInstance(fields: Record<string, unknown> = {}) {
  return create('cmdb_ci_vm_instance', {
    name: 'web-tier-01',
    object_id: 'i-0a1b2c3d4e5f60718',
    correlation_id: INSTANCE_ARN,
    cpus: 2,
    memory: 4096,
    state: 'on',
    ...fields,
  });
}

describe('CI class tables', () => {
  it('insert sets class and base defaults', async () => {
    const instance = await createInstance();

    expect(instance.sys_id).toMatch(SYS_ID);
    expect(instance.sys_class_name).toBe('cmdb_ci_vm_instance');
    expect(instance.install_status).toBe(INSTALL_STATUS.installed);
    expect(instance.operational_status).toBe('1');
    expect(instance.cpus).toBe('2');
    expect(instance.memory).toBe('4096');
    expect(instance.correlation_id).toBe(INSTANCE_ARN);
    expect(instance.discovery_source).toBe('');
  });

  it('sys_class_name cannot be written', async () => {
    const network = await create('cmdb_ci_network', { name: 'prod-vpc', sys_class_name: 'cmdb_ci_vm_instance' });

    expect(network.sys_class_name).toBe('cmdb_ci_network');
    expect(simulator.records('cmdb_ci_vm_instance')).toHaveLength(0);
  });

  it('every AWS class table accepts inserts', async () => {
    const classes = [
      'cmdb_ci_vm_instance',
      'cmdb_ci_cloud_database',
      'cmdb_ci_storage_volume',
      'cmdb_ci_network',
      'cmdb_ci_cloud_subnet',
      'cmdb_ci_compute_security_group',
      'cmdb_ci_cloud_load_balancer',
      'cmdb_ci_cloud_object_storage',
      'cmdb_ci_cloud_function',
      'cmdb_ci_kubernetes_cluster',
      'cmdb_ci_cloud_ecs_cluster',
      'cmdb_ci_cloud_ecs_service',
      'cmdb_ci_cloud_service_account',
      'cmdb_ci_logical_datacenter',
      'cmdb_ci_aws_datacenter',
    ];

    for (const className of classes) {
      const ci = await create(className, { name: `${className}-1`, object_id: `id-${className}` });
      expect(ci.sys_class_name, className).toBe(className);
    }

    const { rows, total } = await list('cmdb_ci', { sysparm_fields: 'sys_class_name' });
    expect(total).toBe(String(classes.length));
    expect(rows.map((row) => row.sys_class_name)).toEqual(classes);
  });

  it('unknown fields are ignored except u_ fields', async () => {
    const instance = await createInstance({ u_cost_center: 'CC-1042', cpu_count: 8 });

    expect(instance.u_cost_center).toBe('CC-1042');
    expect(instance).not.toHaveProperty('cpu_count');

    const warning = warnings.find((line) => line.table === 'cmdb_ci_vm_instance');
    expect(warning?.fields).toEqual(['cpu_count']);
    expect(warning?.msg).toMatch(/ignored fields/);
  });
});

describe('reads through cmdb_ci', () => {
  it('list returns records of every class', async () => {
    const instance = await createInstance();
    const network = await create('cmdb_ci_network', { name: 'prod-vpc', object_id: 'vpc-0f1e2d3c4b5a69788', cidr: '10.20.0.0/16' });
    const plain = await create('cmdb_ci', { name: 'legacy-ci' });

    const { rows, total } = await list('cmdb_ci');

    expect(total).toBe('3');
    expect(rows.map((row) => row.sys_id)).toEqual([instance.sys_id, network.sys_id, plain.sys_id]);
    expect(rows.map((row) => row.sys_class_name)).toEqual(['cmdb_ci_vm_instance', 'cmdb_ci_network', 'cmdb_ci']);
  });

  it('list shows base columns only', async () => {
    await createInstance({ u_cost_center: 'CC-1042' });

    const { rows } = await list('cmdb_ci');
    const [row] = rows;

    expect(row?.name).toBe('web-tier-01');
    expect(row).not.toHaveProperty('cpus');
    expect(row).not.toHaveProperty('vm_inst_id');
    expect(row).not.toHaveProperty('u_cost_center');
  });

  it('get by sys_id has the recorded base columns', async () => {
    const instance = await createInstance();
    const fixture = loadFixture('table/cmdb_ci-get.http.json');
    const recorded = (fixture.response.body as { result: Record<string, unknown> }).result;

    const answer = await rawRequest(simulator.url, 'GET', `/api/now/table/cmdb_ci/${instance.sys_id}`);
    const read = resultOf(answer);

    expect(answer.status).toBe(200);
    for (const field of Object.keys(recorded)) {
      expect(read, field).toHaveProperty(field);
    }
    expect(read.sys_class_name).toBe('cmdb_ci_vm_instance');
    expect(read).not.toHaveProperty('cpus');
  });

  it('class table hides other classes', async () => {
    await createInstance();
    await create('cmdb_ci_network', { name: 'prod-vpc' });
    await create('cmdb_ci', { name: 'legacy-ci' });

    const { rows } = await list('cmdb_ci_network');

    expect(rows.map((row) => row.name)).toEqual(['prod-vpc']);
    const missing = await rawRequest(simulator.url, 'GET', `/api/now/table/cmdb_ci_network/${simulator.records('cmdb_ci_vm_instance')[0]?.sys_id}`);
    expect(missing.status).toBe(404);
  });

  it('query by sys_class_name filters classes', async () => {
    await createInstance();
    await create('cmdb_ci_network', { name: 'prod-vpc' });

    const { rows } = await list('cmdb_ci', { sysparm_query: 'sys_class_name=cmdb_ci_network' });

    expect(rows.map((row) => row.name)).toEqual(['prod-vpc']);
  });

  it('query by correlation_id finds any class', async () => {
    await createInstance();
    const network = await create('cmdb_ci_network', { name: 'prod-vpc', correlation_id: VPC_ARN });

    const { rows, total } = await list('cmdb_ci', { sysparm_query: `correlation_id=${VPC_ARN.toUpperCase()}` });

    expect(total).toBe('1');
    expect(rows[0]?.sys_id).toBe(network.sys_id);
    expect(rows[0]?.sys_class_name).toBe('cmdb_ci_network');
  });

  it('query by correlation_id keeps creation order', async () => {
    const first = await create('cmdb_ci_network', { name: 'first', correlation_id: 'shared-key' });
    const second = await create('cmdb_ci_vm_instance', { name: 'second', correlation_id: 'shared-key' });
    const third = await create('cmdb_ci_network', { name: 'third', correlation_id: 'shared-key' });

    const { rows } = await list('cmdb_ci', { sysparm_query: 'correlation_id=shared-key' });

    expect(rows.map((row) => row.sys_id)).toEqual([first.sys_id, second.sys_id, third.sys_id]);
  });

  it('paging spans class tables', async () => {
    const names = ['a', 'b', 'c', 'd', 'e'];
    for (const [index, name] of names.entries()) {
      await create(index % 2 === 0 ? 'cmdb_ci_vm_instance' : 'cmdb_ci_cloud_function', { name });
    }

    const first = await list('cmdb_ci', { sysparm_limit: '2', sysparm_offset: '0' });
    const second = await list('cmdb_ci', { sysparm_limit: '2', sysparm_offset: '2' });
    const third = await list('cmdb_ci', { sysparm_limit: '2', sysparm_offset: '4' });

    expect(first.total).toBe('5');
    expect([...first.rows, ...second.rows, ...third.rows].map((row) => row.name)).toEqual(names);
  });

  it('logical datacenter lists AWS datacenters', async () => {
    await create('cmdb_ci_aws_datacenter', { name: 'us-east-1', object_id: 'us-east-1', region: 'us-east-1' });

    const logical = await list('cmdb_ci_logical_datacenter');
    const base = await list('cmdb_ci');

    expect(logical.rows[0]?.sys_class_name).toBe('cmdb_ci_aws_datacenter');
    expect(logical.rows[0]?.region).toBe('us-east-1');
    expect(base.rows[0]).not.toHaveProperty('region');
  });

  it('handle records include extending classes', async () => {
    await createInstance();
    await create('cmdb_ci', { name: 'legacy-ci' });

    expect(simulator.count('cmdb_ci')).toBe(2);
    expect(simulator.records('cmdb_ci')[0]?.cpus).toBe('2');
    expect(simulator.count('cmdb_ci_vm_instance')).toBe(1);
  });
});

describe('writes through cmdb_ci', () => {
  it('patch retires a CI of any class', async () => {
    const instance = await createInstance();

    const answer = await rawRequest(simulator.url, 'PATCH', `/api/now/table/cmdb_ci/${instance.sys_id}`, {
      body: { install_status: INSTALL_STATUS.retired, cpus: 64 },
    });

    expect(answer.status).toBe(200);
    expect(resultOf(answer).install_status).toBe('7');
    expect(resultOf(answer)).not.toHaveProperty('cpus');

    const [stored] = simulator.records('cmdb_ci_vm_instance');
    expect(stored?.install_status).toBe('7');
    expect(stored?.cpus).toBe('2');
    expect(stored?.sys_mod_count).toBe('1');
    expect(warnings.some((line) => line.recordClass === 'cmdb_ci_vm_instance')).toBe(true);
  });

  it('updateRecord works through cmdb_ci', async () => {
    const instance = await createInstance();

    const updated = simulator.updateRecord('cmdb_ci', instance.sys_id ?? '', { operational_status: '2' });

    expect(updated.sys_class_name).toBe('cmdb_ci_vm_instance');
    expect(updated.operational_status).toBe('2');
    expect(simulator.records('cmdb_ci_vm_instance')[0]?.operational_status).toBe('2');
  });

  it('requested sys_id stays unique across classes', async () => {
    const instance = await createInstance();

    const network = await create('cmdb_ci_network', { name: 'prod-vpc', sys_id: instance.sys_id });

    expect(network.sys_id).toMatch(SYS_ID);
    expect(network.sys_id).not.toBe(instance.sys_id);
    expect(simulator.count('cmdb_ci')).toBe(2);
  });

  it('delete removes the CI and its relationships', async () => {
    const instance = await createInstance();
    const network = await create('cmdb_ci_network', { name: 'prod-vpc' });
    const datacenter = await create('cmdb_ci_aws_datacenter', { name: 'us-east-1' });
    const contains = relationshipTypeSysId('Contains::Contained by');
    const hostedOn = relationshipTypeSysId('Hosted on::Hosts');
    await create('cmdb_rel_ci', { parent: network.sys_id, child: instance.sys_id, type: contains });
    await create('cmdb_rel_ci', { parent: instance.sys_id, child: datacenter.sys_id, type: hostedOn });
    const kept = await create('cmdb_rel_ci', { parent: network.sys_id, child: datacenter.sys_id, type: hostedOn });

    const deleted = await rawRequest(simulator.url, 'DELETE', `/api/now/table/cmdb_ci/${instance.sys_id}`);

    expect(deleted.status).toBe(204);
    expect(simulator.count('cmdb_ci_vm_instance')).toBe(0);
    expect(simulator.records('cmdb_rel_ci').map((row) => row.sys_id)).toEqual([kept.sys_id]);

    const again = await rawRequest(simulator.url, 'DELETE', `/api/now/table/cmdb_ci/${instance.sys_id}`);
    expect(again.status).toBe(404);
  });
});

describe('relationships', () => {
  it('relationship types are seeded', async () => {
    const { rows } = await list('cmdb_rel_type', { sysparm_query: 'ORDERBYname' });

    expect(rows.map((row) => row.name).sort()).toEqual([...RELATIONSHIP_TYPE_NAMES].sort());
    const runsOn = rows.find((row) => row.name === 'Runs on::Runs');
    expect(runsOn?.sys_id).toBe(relationshipTypeSysId('Runs on::Runs'));
    expect(runsOn?.parent_descriptor).toBe('Runs on');
    expect(runsOn?.child_descriptor).toBe('Runs');
  });

  it('relationship type sys_ids are stable', async () => {
    const before = simulator.records('cmdb_rel_type').map((row) => row.sys_id);
    simulator.reset();
    const other = await startServiceNowSimulator();
    try {
      expect(simulator.records('cmdb_rel_type').map((row) => row.sys_id)).toEqual(before);
      expect(other.records('cmdb_rel_type').map((row) => row.sys_id)).toEqual(before);
      expect(new Set(before).size).toBe(RELATIONSHIP_TYPE_NAMES.length);
    } finally {
      await other.stop();
    }
  });

  it('relationship dot-walks to CIs and type', async () => {
    const instance = await createInstance();
    const datacenter = await create('cmdb_ci_aws_datacenter', { name: 'us-east-1' });
    await create('cmdb_rel_ci', {
      parent: instance.sys_id,
      child: datacenter.sys_id,
      type: relationshipTypeSysId('Hosted on::Hosts'),
    });

    const { rows } = await list('cmdb_rel_ci', {
      sysparm_query: `parent=${instance.sys_id}`,
      sysparm_fields: 'parent.name,child.sys_class_name,type.name,connection_strength',
    });

    expect(rows).toEqual([
      {
        'parent.name': 'web-tier-01',
        'child.sys_class_name': 'cmdb_ci_aws_datacenter',
        'type.name': 'Hosted on::Hosts',
        connection_strength: 'always',
      },
    ]);
  });

  it('incident dot-walks to its CI', async () => {
    const instance = await createInstance();
    await create('incident', { short_description: 'Port 22 open to the world', cmdb_ci: instance.sys_id });

    const { rows } = await list('incident', { sysparm_fields: 'cmdb_ci.name,cmdb_ci.object_id' });

    expect(rows).toEqual([{ 'cmdb_ci.name': 'web-tier-01', 'cmdb_ci.object_id': 'i-0a1b2c3d4e5f60718' }]);
  });
});

describe('AWS connector CIs', () => {
  it('seed sets connector values', () => {
    const ci = simulator.seedAwsConnectorCi({ className: 'cmdb_ci_vm_instance', resourceId: 'i-0a1b2c3d4e5f60718', fields: { cpus: 4 } });

    expect(ci.sys_class_name).toBe('cmdb_ci_vm_instance');
    expect(ci.discovery_source).toBe('AWS');
    expect(ci.object_id).toBe('i-0a1b2c3d4e5f60718');
    expect(ci.name).toBe('i-0a1b2c3d4e5f60718');
    expect(ci.correlation_id).toBe('');
    expect(ci.install_status).toBe('1');
    expect(ci.cpus).toBe('4');
    expect(ci.sys_created_by).toBe('system');
  });

  it('seeded CI can be adopted', async () => {
    const seeded = simulator.seedAwsConnectorCi({ className: 'cmdb_ci_network', resourceId: 'vpc-0f1e2d3c4b5a69788', name: 'prod-vpc' });

    const found = await list('cmdb_ci', { sysparm_query: 'object_id=vpc-0f1e2d3c4b5a69788^discovery_source=AWS' });
    expect(found.rows.map((row) => row.sys_id)).toEqual([seeded.sys_id]);

    const before = await list('cmdb_ci', { sysparm_query: `correlation_id=${VPC_ARN}` });
    expect(before.total).toBe('0');

    const patched = await rawRequest(simulator.url, 'PATCH', `/api/now/table/cmdb_ci/${seeded.sys_id}`, {
      body: { correlation_id: VPC_ARN },
    });
    expect(patched.status).toBe(200);

    const after = await list('cmdb_ci', { sysparm_query: `correlation_id=${VPC_ARN}` });
    expect(after.rows.map((row) => row.sys_id)).toEqual([seeded.sys_id]);
    expect(after.rows[0]?.discovery_source).toBe('AWS');
  });

  it('seed rejects a table outside the CMDB', () => {
    expect(() => simulator.seedAwsConnectorCi({ className: 'incident', resourceId: 'i-1' })).toThrow(InvalidConnectorCiError);
    expect(() => simulator.seedAwsConnectorCi({ className: 'incident', resourceId: 'i-1' })).toThrow(
      /"incident" is not a CI class table/,
    );
    expect(() => simulator.seedAwsConnectorCi({ className: 'cmdb_ci_nope', resourceId: 'i-1' })).toThrow(
      /no table "cmdb_ci_nope"/,
    );
  });

  it('seed rejects an empty resource id', () => {
    expect(() => simulator.seedAwsConnectorCi({ className: 'cmdb_ci_vm_instance', resourceId: ' ' })).toThrow(
      /resourceId of a cmdb_ci_vm_instance CI is empty/,
    );
  });
});

describe('CMDB choices and snapshots', () => {
  it('install_status choices are seeded', async () => {
    const { rows } = await list('sys_choice', { sysparm_query: 'name=cmdb_ci^element=install_status' });
    const labels = Object.fromEntries(rows.map((row) => [row.value, row.label]));

    expect(labels['1']).toBe('Installed');
    expect(labels['7']).toBe('Retired');
    expect(labels['100']).toBe('Absent');
  });

  it('restore keeps class tables apart', async () => {
    const instance = await createInstance();
    await create('cmdb_ci', { name: 'legacy-ci' });
    const snapshot = simulator.snapshot();

    expect(snapshot.tables.cmdb_ci).toHaveLength(1);
    expect(snapshot.tables.cmdb_ci_vm_instance).toHaveLength(1);

    simulator.reset();
    simulator.restore(snapshot);

    expect(simulator.count('cmdb_ci')).toBe(2);
    const read = await rawRequest(simulator.url, 'GET', `/api/now/table/cmdb_ci/${instance.sys_id}`);
    expect(resultOf(read).sys_class_name).toBe('cmdb_ci_vm_instance');
  });
});
