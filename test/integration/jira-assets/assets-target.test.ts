import { Writable } from 'node:stream';

import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';

import type { TicketRef } from '../../../src/core/types.js';
import {
  AssetsClient,
  AssetsConfigurationError,
  AssetsInputError,
  AssetsTarget,
  createAssetsTarget,
  type AssetsHttp,
  type AssetsRequest,
} from '../../../src/targets/jira/assets/index.js';
import { AxiosAssetsHttp, closeAssetsServers, startAssetsServer, TestHttpError, type AssetsServer } from './support.js';

const SITE = 'https://acme.atlassian.net';
const INSTANCES = 'assets/AWS/EC2 Instance';
const VPCS = 'assets/AWS/VPC';
const GROUPS = 'assets/AWS/Security Group';
const INSTANCE_ID = 'i-0a1b2c3d4e5f60718';
const CORRELATION = 'aws-ci-ec2-5d1c0a4e9b7f2c3d8e1a6b4c0f9e2d7a1b3c5e8f';

let server: AssetsServer;

afterEach(closeAssetsServers);

async function cloudTarget(options: { pageSize?: number; http?: (inner: AssetsHttp) => AssetsHttp; logger?: pino.Logger } = {}): Promise<AssetsTarget> {
  server = await startAssetsServer('cloud');
  const inner = new AxiosAssetsHttp(server.url);
  const client = new AssetsClient({ http: options.http?.(inner) ?? inner, deployment: 'cloud', baseUrl: server.assetsUrl, pageSize: options.pageSize, logger: options.logger });
  return new AssetsTarget(client, { siteUrl: SITE, logger: options.logger });
}

function instanceFields(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    Name: 'orders-api-prod-2',
    'Resource ID': INSTANCE_ID,
    Account: '111122223333',
    Region: 'us-east-1',
    'Instance State': 'running',
    Owner: 'team-orders',
    Status: 'Active',
    ...overrides,
  };
}

describe('AssetsTarget on Cloud', () => {
  it('creates an object that carries the correlation value', async () => {
    const target = await cloudTarget();

    const ref = await target.create(INSTANCES, instanceFields(), CORRELATION, { read: ['Name', 'Status', 'Owner', 'Uses Security Groups'] });

    const [stored] = server.store.objects('EC2 Instance');
    expect(stored?.values).toMatchObject({
      Name: 'orders-api-prod-2',
      'Resource ID': INSTANCE_ID,
      'Instance State': 'running',
      Status: 'Active',
      'itsm-sync correlation': CORRELATION,
    });
    expect(ref).toMatchObject({ system: 'jira', table: INSTANCES, id: stored?.id, number: stored?.objectKey });
    expect(ref.number).toMatch(/^AWS-\d+$/);
    expect(ref.url).toMatch(new RegExp(`^${SITE}/jira/servicedesk/assets/object-schema/1\\?typeId=\\d+&objectId=${ref.id}$`));
    expect(ref.snapshot?.values).toEqual({ Name: 'orders-api-prod-2', Status: 'Active', Owner: 'team-orders', 'Uses Security Groups': [] });
    expect(ref.snapshot?.version).toBeGreaterThan(0);
  });

  it('sends the status as its id and reads it back by name', async () => {
    const target = await cloudTarget();

    await target.create(INSTANCES, instanceFields({ Status: 'retired' }), CORRELATION);

    const create = server.requestsTo('POST', '/object/create')[0]!.body as { objectTypeId: string; attributes: Array<{ objectTypeAttributeId: string; objectAttributeValues: Array<{ value: string }> }> };
    const statusAttribute = server.store.attributesOf(Number(create.objectTypeId)).find((attribute) => attribute.name === 'Status')!;
    const retired = server.store.statusesFor(1).find((status) => status.name === 'Retired')!;
    const sent = create.attributes.find((attribute) => attribute.objectTypeAttributeId === String(statusAttribute.id));
    expect(sent?.objectAttributeValues).toEqual([{ value: String(retired.id) }]);
    expect(server.store.objects('EC2 Instance')[0]?.values.Status).toBe('Retired');
  });

  it('rejects a sync rule that sets another correlation value', async () => {
    const target = await cloudTarget();

    await expect(target.create(INSTANCES, instanceFields({ 'itsm-sync correlation': 'other' }), CORRELATION)).rejects.toThrow(
      /set "itsm-sync correlation" to "other", which differs/,
    );
    expect(server.requestsTo('POST', '/object/create')).toHaveLength(0);
  });

  it('updates only the fields given', async () => {
    const target = await cloudTarget();
    const ref = await target.create(INSTANCES, instanceFields(), CORRELATION);

    const snapshot = await target.update(ref, { 'Instance State': 'stopped' }, { read: ['Instance State', 'Owner'] });

    const put = server.requestsTo('PUT', `/object/${ref.id}`);
    expect(put).toHaveLength(1);
    expect((put[0]!.body as { attributes: unknown[] }).attributes).toHaveLength(1);
    expect(snapshot?.values).toEqual({ 'Instance State': 'stopped', Owner: 'team-orders' });
    expect(server.store.object(ref.number)?.values).toMatchObject({ Name: 'orders-api-prod-2', Owner: 'team-orders', 'itsm-sync correlation': CORRELATION });
  });

  it('sends nothing for an update without fields', async () => {
    const target = await cloudTarget();
    const ref = await target.create(INSTANCES, instanceFields(), CORRELATION);

    expect(await target.update(ref, {}, { note: 'nothing changed' })).toBeUndefined();
    expect(await target.update(ref, { Owner: undefined })).toBeUndefined();
    expect(server.requestsTo('PUT', /\/object\//)).toHaveLength(0);
  });

  it('clears an attribute set to null', async () => {
    const target = await cloudTarget();
    const ref = await target.create(INSTANCES, instanceFields(), CORRELATION);

    await target.update(ref, { Owner: null });

    expect(server.store.object(ref.number)?.values.Owner).toBeUndefined();
  });

  it('finds an object by its exact correlation value', async () => {
    const target = await cloudTarget();
    // AQL "=" ignores case: an older object whose value differs only in case must not be taken.
    server.store.insertObject('EC2 Instance', { Name: 'shadow', 'itsm-sync correlation': CORRELATION.toUpperCase() });
    const ref = await target.create(INSTANCES, instanceFields(), CORRELATION);

    expect(await target.findByCorrelation(INSTANCES, CORRELATION)).toEqual({ ...ref });
    expect(await target.findByCorrelation(INSTANCES, 'aws-ci-ec2-none')).toBeUndefined();
    expect(await target.findByCorrelation(VPCS, CORRELATION)).toBeUndefined();
  });

  it('takes the oldest of objects sharing a correlation value', async () => {
    const target = await cloudTarget();
    const first = server.store.insertObject('EC2 Instance', { Name: 'first', 'itsm-sync correlation': CORRELATION });
    server.store.insertObject('EC2 Instance', { Name: 'second', 'itsm-sync correlation': CORRELATION });

    expect((await target.findByCorrelation(INSTANCES, CORRELATION))?.number).toBe(first.objectKey);
  });

  it('adopts the object another tool made', async () => {
    const target = await cloudTarget();
    server.store.insertObject('EC2 Instance', { Name: 'linked already', 'Resource ID': INSTANCE_ID, 'itsm-sync correlation': 'aws-ci-ec2-other' });
    server.store.insertObject('EC2 Instance', { Name: 'upper case id', 'Resource ID': INSTANCE_ID.toUpperCase() });
    const vendor = server.store.insertObject('EC2 Instance', { Name: 'orders-api (connector)', 'Resource ID': INSTANCE_ID });
    server.store.insertObject('EC2 Instance', { Name: 'younger duplicate', 'Resource ID': INSTANCE_ID });

    const found = await target.findUnlinked(INSTANCES, 'Resource ID', INSTANCE_ID);
    expect(found?.number).toBe(vendor.objectKey);

    await target.attach(found!, CORRELATION, { Name: 'orders-api-prod-2' });
    expect(server.store.object(vendor.objectKey)?.values).toMatchObject({ Name: 'orders-api-prod-2', 'itsm-sync correlation': CORRELATION });
    expect(await target.findByCorrelation(INSTANCES, CORRELATION)).toMatchObject({ id: vendor.id });
  });

  it('finds no unlinked object when every match is linked', async () => {
    const target = await cloudTarget();
    await target.create(INSTANCES, instanceFields(), CORRELATION);

    expect(await target.findUnlinked(INSTANCES, 'Resource ID', INSTANCE_ID)).toBeUndefined();
  });

  it('finds an unlinked object by a value with quotes and backslashes', async () => {
    const target = await cloudTarget();
    const odd = 'we"ird\\name" OR "Name" = "x';
    const vendor = server.store.insertObject('EC2 Instance', { Name: 'odd', 'Resource ID': odd });
    server.store.insertObject('EC2 Instance', { Name: 'x' });

    expect((await target.findUnlinked(INSTANCES, 'Resource ID', odd))?.number).toBe(vendor.objectKey);
  });

  it('lists linked objects by prefix over several pages', async () => {
    const target = await cloudTarget({ pageSize: 2 });
    const refs: TicketRef[] = [];
    for (let index = 0; index < 5; index += 1) {
      refs.push(await target.create(INSTANCES, instanceFields({ Name: `web-${index}`, Owner: `team-${index}` }), `aws-ci-ec2-${index}`));
    }
    await target.create(INSTANCES, instanceFields({ Name: 'other rule' }), 'aws-ci-other-1');
    // "startswith" ignores case; another rule's prefix in upper case is not ours.
    server.store.insertObject('EC2 Instance', { Name: 'upper', 'itsm-sync correlation': 'AWS-CI-EC2-9' });
    await target.update(refs[3]!, { Status: 'Retired' });

    const linked = [];
    for await (const item of target.listLinked(INSTANCES, 'aws-ci-ec2-', ['Owner', 'Name'])) linked.push(item);

    expect(linked.map((item) => item.correlation).sort()).toEqual(['aws-ci-ec2-0', 'aws-ci-ec2-1', 'aws-ci-ec2-2', 'aws-ci-ec2-3', 'aws-ci-ec2-4']);
    expect(linked.find((item) => item.correlation === 'aws-ci-ec2-3')?.closed).toBe(true);
    expect(linked.filter((item) => item.closed)).toHaveLength(1);
    expect(linked.find((item) => item.correlation === 'aws-ci-ec2-2')).toMatchObject({ ref: refs[2], values: { Owner: 'team-2', Name: 'web-2' } });
    expect(server.requestsTo('POST', '/object/aql').length).toBeGreaterThanOrEqual(3);
  });

  it('rejects an empty prefix', async () => {
    const target = await cloudTarget();
    const listing = target.listLinked(INSTANCES, '', [])[Symbol.asyncIterator]();

    await expect(listing.next()).rejects.toThrow(/prefix is empty/);
  });

  it('retires an object instead of deleting it', async () => {
    const target = await cloudTarget();
    const ref = await target.create(INSTANCES, instanceFields(), CORRELATION);

    await target.update(ref, { Status: 'Retired', 'Instance State': 'terminated' });

    expect(server.store.object(ref.number)?.values).toMatchObject({ Status: 'Retired', 'Instance State': 'terminated' });
    expect(server.requests.filter((request) => request.method === 'DELETE')).toEqual([]);
  });

  it('names the object type and its attributes for an unknown attribute', async () => {
    const target = await cloudTarget();

    const error = await target.create(INSTANCES, instanceFields({ 'Power State': 'on' }), CORRELATION).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(AssetsConfigurationError);
    expect((error as Error).message).toContain('Object type "EC2 Instance" has no attribute "Power State"');
    expect((error as Error).message).toContain('"Instance State"');
    expect((error as Error).message).toContain('"Resource ID"');
    expect(server.requestsTo('POST', '/object/create')).toHaveLength(0);
  });

  it('lists the allowed statuses for an unknown status', async () => {
    const target = await cloudTarget();

    await expect(target.create(INSTANCES, instanceFields({ Status: 'Decommissioned' }), CORRELATION)).rejects.toThrow(
      /no status "Decommissioned"\. Allowed statuses: "Active", "Retired"/,
    );
  });

  it('rejects a value for a system attribute', async () => {
    const target = await cloudTarget();

    await expect(target.create(INSTANCES, instanceFields({ Key: 'AWS-1' }), CORRELATION)).rejects.toThrow(/"Key" of object type "EC2 Instance" is set by Assets/);
  });

  it('lists types and schemas when unknown', async () => {
    const target = await cloudTarget();

    await expect(target.create('assets/AWS/EC2 Instances', {}, CORRELATION)).rejects.toThrow(/no object type "EC2 Instances"\. Object types: "VPC", "Subnet"/);
    await expect(target.create('assets/CMDB/EC2 Instance', {}, CORRELATION)).rejects.toThrow(/no object schema with key "CMDB"\. Schemas: AWS \(AWS Resources\)/);
  });

  it.each(['assets/AWS', 'assets//EC2 Instance', 'AWS/EC2 Instance', 'assets/AWS/ '])('rejects the table %j', async (table) => {
    const target = await cloudTarget();

    await expect(target.create(table, {}, CORRELATION)).rejects.toThrow(AssetsInputError);
    await expect(target.create(table, {}, CORRELATION)).rejects.toThrow(/assets\/<object schema key>\/<object type name>/);
  });

  it('drops a note, since objects have no comments', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'debug' }, new Writable({ write: (chunk, _encoding, done) => (lines.push(String(chunk)), done()) }));
    const target = await cloudTarget({ logger });

    await target.create(INSTANCES, instanceFields(), CORRELATION, { note: 'Created from AWS Config' });

    expect(JSON.stringify(server.requestsTo('POST', '/object/create')[0]?.body)).not.toContain('Created from AWS Config');
    expect(lines.some((line) => line.includes('the note is dropped') && line.includes('Created from AWS Config'))).toBe(true);
  });

  it('returns the stored object when the create answer is lost', async () => {
    // The create reaches Assets, but its response is lost, as a timeout would lose it.
    const target = await cloudTarget({
      http: (inner) => ({
        async send<T>(request: AssetsRequest): Promise<T> {
          const answer = await inner.send<T>(request);
          if (request.operation.startsWith('create ')) throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
          return answer;
        },
      }),
    });

    const ref = await target.create(INSTANCES, instanceFields(), CORRELATION);

    expect(server.store.objects('EC2 Instance')).toHaveLength(1);
    expect(ref.number).toBe(server.store.objects('EC2 Instance')[0]?.objectKey);
  });

  it('passes on a create error that stored nothing', async () => {
    const target = await cloudTarget();

    const error = await target.create(INSTANCES, instanceFields({ Name: '' }), CORRELATION).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(AssetsInputError);
    expect((error as Error).message).toMatch(/"Name" of object type "EC2 Instance" is required/);
  });
});

describe('AssetsTarget relationships', () => {
  async function instanceAndNetwork(target: AssetsTarget) {
    const instance = await target.create(INSTANCES, instanceFields(), CORRELATION);
    const vpc = await target.create(VPCS, { Name: 'vpc-main', 'Resource ID': 'vpc-0123abcd4567ef890' }, 'aws-ci-vpc-1');
    const otherVpc = await target.create(VPCS, { Name: 'vpc-edge', 'Resource ID': 'vpc-0fedcba987654321' }, 'aws-ci-vpc-2');
    const groups = [
      await target.create(GROUPS, { Name: 'sg-web' }, 'aws-ci-sg-1'),
      await target.create(GROUPS, { Name: 'sg-db' }, 'aws-ci-sg-2'),
    ];
    return { instance, vpc, otherVpc, groups };
  }

  it('adds a reference once when related twice', async () => {
    const target = await cloudTarget();
    const { instance, vpc } = await instanceAndNetwork(target);

    const first = await target.relate(instance, vpc, 'Contained in VPC');
    const second = await target.relate(instance, vpc, 'Contained in VPC');

    expect(second).toBe(first);
    expect(first).toMatch(new RegExp(`^${instance.id}\\|\\d+\\|${vpc.id}$`));
    expect(server.store.object(instance.number)?.values['Contained in VPC']).toBe(vpc.number);
    expect(server.requestsTo('PUT', `/object/${instance.id}`)).toHaveLength(1);
  });

  it('keeps the other references of a list attribute', async () => {
    const target = await cloudTarget();
    const { instance, groups } = await instanceAndNetwork(target);

    await target.relate(instance, groups[0]!, 'Uses Security Groups');
    await target.relate(instance, groups[1]!, 'Uses Security Groups');

    expect(server.store.object(instance.number)?.values['Uses Security Groups']).toEqual([groups[0]!.number, groups[1]!.number]);
  });

  it('replaces the reference of a single-value attribute', async () => {
    const target = await cloudTarget();
    const { instance, vpc, otherVpc } = await instanceAndNetwork(target);

    const old = await target.relate(instance, vpc, 'Contained in VPC');
    await target.relate(instance, otherVpc, 'Contained in VPC');
    // The relationship sync removes the old one after relating the new one: nothing left to do.
    await target.unrelate(old);

    expect(server.store.object(instance.number)?.values['Contained in VPC']).toBe(otherVpc.number);
  });

  it('removes a reference on unrelate, and then has nothing to remove', async () => {
    const target = await cloudTarget();
    const { instance, groups } = await instanceAndNetwork(target);
    const web = await target.relate(instance, groups[0]!, 'Uses Security Groups');
    await target.relate(instance, groups[1]!, 'Uses Security Groups');

    await target.unrelate(web);
    await target.unrelate(web);

    expect(server.store.object(instance.number)?.values['Uses Security Groups']).toEqual([groups[1]!.number]);
    expect(server.requestsTo('PUT', `/object/${instance.id}`)).toHaveLength(3);
  });

  it('counts a relationship of a deleted parent as removed', async () => {
    const target = await cloudTarget();
    const { instance, vpc } = await instanceAndNetwork(target);
    const relationship = await target.relate(instance, vpc, 'Contained in VPC');
    server.store.deleteObject(Number(instance.id));

    await expect(target.unrelate(relationship)).resolves.toBeUndefined();
  });

  it('rejects a type that is not a reference attribute or refers elsewhere', async () => {
    const target = await cloudTarget();
    const { instance, vpc, groups } = await instanceAndNetwork(target);

    await expect(target.relate(instance, vpc, 'Owner')).rejects.toThrow(/"Owner" of object type "EC2 Instance" is not a reference attribute/);
    await expect(target.relate(instance, groups[0]!, 'Contained in VPC')).rejects.toThrow(/not to "Security Group"/);
    await expect(target.relate(instance, vpc, 'Contains::Contained by')).rejects.toThrow(AssetsConfigurationError);
  });

  it.each(['12|3', 'a|b|c', '1|2|3|4', ''])('rejects the relationship id %j', async (relationshipId) => {
    const target = await cloudTarget();

    await expect(target.unrelate(relationshipId)).rejects.toThrow(/Invalid Assets relationship id/);
  });
});

describe('AssetsTarget on Data Center', () => {
  async function dataCenterTarget(pageSize?: number): Promise<{ target: AssetsTarget; http: AxiosAssetsHttp }> {
    server = await startAssetsServer('datacenter');
    const http = new AxiosAssetsHttp(server.url);
    const target = createAssetsTarget({ http, assetsUrl: '/rest/assets/1.0', siteUrl: 'https://jira.example.com', pageSize });
    return { target, http };
  }

  it('creates, finds and lists objects through the Data Center endpoints', async () => {
    const { target, http } = await dataCenterTarget(2);

    const refs = [];
    for (let index = 0; index < 3; index += 1) {
      refs.push(await target.create(INSTANCES, instanceFields({ Name: `db-${index}` }), `aws-ci-ec2-${index}`));
    }
    const linked = [];
    for await (const item of target.listLinked(INSTANCES, 'aws-ci-ec2-', ['Name'])) linked.push(item.values.Name);

    expect(refs[0]?.url).toBe(`https://jira.example.com/secure/insight/assets/${refs[0]?.number}`);
    expect(await target.findByCorrelation(INSTANCES, 'aws-ci-ec2-1')).toEqual(refs[1]);
    expect(linked.sort()).toEqual(['db-0', 'db-1', 'db-2']);
    expect(server.requestsTo('GET', '/rest/assets/1.0/aql/objects').map((request) => request.query.page)).toContain('2');
    // Data Center takes ids as numbers.
    expect(typeof (server.requestsTo('POST', '/object/create')[0]?.body as { objectTypeId: unknown }).objectTypeId).toBe('number');
    expect(http.sent.every((request) => request.path.startsWith('/rest/assets/1.0/'))).toBe(true);
  });

  it('relates and unrelates objects', async () => {
    const { target } = await dataCenterTarget();
    const instance = await target.create(INSTANCES, instanceFields(), CORRELATION);
    const vpc = await target.create(VPCS, { Name: 'vpc-main' }, 'aws-ci-vpc-1');

    const relationship = await target.relate(instance, vpc, 'Contained in VPC');
    expect(server.store.object(instance.number)?.values['Contained in VPC']).toBe(vpc.number);

    await target.unrelate(relationship);
    expect(server.store.object(instance.number)?.values['Contained in VPC']).toBeUndefined();
  });

  it('reports an HTTP error from Assets with its status', async () => {
    const { target } = await dataCenterTarget();
    const ref = await target.create(INSTANCES, instanceFields(), CORRELATION);
    server.store.deleteObject(Number(ref.id));

    const error = await target.update(ref, { Owner: 'x' }).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(TestHttpError);
    expect((error as TestHttpError).status).toBe(404);
  });
});
