import axios from 'axios';
import { afterEach, describe, expect, it } from 'vitest';

import { getAssetsStore, handleAssetsRequest, resetAssetsStore } from '../../../src/simulators/jira/assets/routes.js';
import { AssetsStore, DEFAULT_ASSETS_WORKSPACE_ID } from '../../../src/simulators/jira/assets/store.js';
import { closeAssetsServers, startAssetsServer, type AssetsServer } from './support.js';

let server: AssetsServer;

afterEach(closeAssetsServers);

const request = (method: string, url: string, data?: unknown, params?: Record<string, string>) =>
  axios.request({ method, url, data, params, validateStatus: () => true });

interface TypeInfo {
  typeId: string;
  attributes: Record<string, string>;
}

/** Read the id of an object type of the AWS schema and its attribute ids by name over HTTP. */
async function typeInfo(typeName: string): Promise<TypeInfo> {
  const types = (await request('GET', `${server.assetsUrl}/objectschema/1/objecttypes/flat`)).data as Array<{ id: string | number; name: string }>;
  const type = types.find((candidate) => candidate.name === typeName)!;
  const attributes = (await request('GET', `${server.assetsUrl}/objecttype/${type.id}/attributes`)).data as Array<{ id: string | number; name: string }>;
  return { typeId: String(type.id), attributes: Object.fromEntries(attributes.map((attribute) => [attribute.name, String(attribute.id)])) };
}

function body(info: TypeInfo, values: Record<string, string[]>) {
  return {
    objectTypeId: info.typeId,
    attributes: Object.entries(values).map(([name, items]) => ({ objectTypeAttributeId: info.attributes[name] ?? name, objectAttributeValues: items.map((value) => ({ value })) })),
  };
}

describe('Assets simulator routes', () => {
  it('serves the AWS schema with its object types and statuses', async () => {
    server = await startAssetsServer('cloud');

    const schemas = await request('GET', `${server.assetsUrl}/objectschema/list`);
    const types = await request('GET', `${server.assetsUrl}/objectschema/1/objecttypes/flat`);
    const statuses = await request('GET', `${server.assetsUrl}/config/statustype`, undefined, { objectSchemaId: '1' });

    expect(schemas.data).toMatchObject({ startAt: 0, total: 1, isLast: true, values: [{ id: '1', objectSchemaKey: 'AWS', workspaceId: DEFAULT_ASSETS_WORKSPACE_ID }] });
    expect((types.data as Array<{ name: string }>).map((type) => type.name)).toEqual([
      'VPC',
      'Subnet',
      'Security Group',
      'EBS Volume',
      'EC2 Instance',
      'S3 Bucket',
      'RDS DB Cluster',
      'RDS DB Instance',
      'Load Balancer',
      'Lambda Function',
      'EKS Cluster',
      'ECS Cluster',
      'ECS Service',
      'DynamoDB Table',
      'AWS Account',
      'AWS Region',
    ]);
    expect((statuses.data as Array<{ name: string; category: number }>).map((status) => [status.name, status.category])).toEqual([
      ['Active', 1],
      ['Retired', 0],
    ]);
  });

  it('gives every object type the common attributes and a required Name', async () => {
    server = await startAssetsServer('cloud');
    const types = (await request('GET', `${server.assetsUrl}/objectschema/1/objecttypes/flat`)).data as Array<{ id: string; name: string }>;

    for (const type of types) {
      const attributes = (await request('GET', `${server.assetsUrl}/objecttype/${type.id}/attributes`)).data as Array<Record<string, unknown>>;
      const names = attributes.map((attribute) => attribute.name);
      expect(names, type.name).toEqual(expect.arrayContaining(['Key', 'Name', 'Resource ID', 'ARN', 'Account', 'Region', 'Owner', 'Environment', 'Application', 'Cost Center', 'Status', 'itsm-sync correlation', 'Created', 'Updated']));
      expect(attributes.find((attribute) => attribute.name === 'Name'), type.name).toMatchObject({ label: true, minimumCardinality: 1 });
      expect(attributes.find((attribute) => attribute.name === 'Status'), type.name).toMatchObject({ type: 7, typeValueMulti: ['1', '2'] });
    }
    const instance = await typeInfo('EC2 Instance');
    expect(Object.keys(instance.attributes)).toEqual(expect.arrayContaining(['Availability Zone', 'Contained in VPC', 'In Subnet', 'Uses Security Groups', 'Attached Volumes']));
  });

  it('creates an object and answers 201 with its attributes', async () => {
    server = await startAssetsServer('cloud');
    const info = await typeInfo('VPC');

    const created = await request('POST', `${server.assetsUrl}/object/create`, body(info, { Name: ['vpc-main'], Status: ['1'] }));

    expect(created.status).toBe(201);
    expect(created.data).toMatchObject({ id: '1', objectKey: 'AWS-1', label: 'vpc-main', objectType: { id: info.typeId, name: 'VPC' } });
    const status = (created.data.attributes as Array<{ objectTypeAttributeId: string; objectAttributeValues: Array<Record<string, unknown>> }>).find(
      (attribute) => attribute.objectTypeAttributeId === info.attributes.Status,
    );
    expect(status?.objectAttributeValues[0]).toMatchObject({ displayValue: 'Active', status: { id: '1', name: 'Active' } });
  });

  it.each([
    ['an unknown attribute id', { Name: ['x'], '99999': ['y'] }, /no attribute with id "99999"/],
    ['a status name instead of an id', { Name: ['x'], Status: ['Retired'] }, /"Retired" is not a valid status id/],
    ['no Name', { Region: ['us-east-1'] }, /"Name" is required/],
    ['an empty Name', { Name: [] }, /"Name" is required/],
    ['two values for a single-value attribute', { Name: ['x'], Region: ['a', 'b'] }, /takes at most 1 value/],
    ['a value for Key', { Name: ['x'], Key: ['AWS-9'] }, /"Key" is set by Assets/],
    ['a reference to no object', { Name: ['x'], 'Contained in VPC': ['AWS-404'] }, /"AWS-404" is not the key or id of an object/],
    ['a text for a whole number', { Name: ['x'], 'Size (GiB)': ['large'] }, /not a whole number/],
  ])('answers 400 for %s', async (_case, values, message) => {
    server = await startAssetsServer('cloud');
    const info = await typeInfo(_case === 'a text for a whole number' ? 'EBS Volume' : 'EC2 Instance');

    const answer = await request('POST', `${server.assetsUrl}/object/create`, body(info, values));

    expect(answer.status).toBe(400);
    expect(Object.values(answer.data.errors).join(' ')).toMatch(message);
    expect(answer.data.errorMessages).toEqual([expect.stringContaining('Invalid attribute values')]);
    expect(server.store.objects('EC2 Instance')).toEqual([]);
  });

  it('answers 400 for a reference to an object of another type', async () => {
    server = await startAssetsServer('cloud');
    const group = server.store.insertObject('Security Group', { Name: 'sg-web' });
    const info = await typeInfo('EC2 Instance');

    const answer = await request('POST', `${server.assetsUrl}/object/create`, body(info, { Name: ['web'], 'Contained in VPC': [group.objectKey] }));

    expect(answer.status).toBe(400);
    expect(answer.data.errors['Contained in VPC']).toMatch(/refers to objects of type "VPC", but AWS-1 is a "Security Group"/);
  });

  it('updates only the attributes sent, and keeps the key', async () => {
    server = await startAssetsServer('cloud');
    const object = server.store.insertObject('EC2 Instance', { Name: 'web', Owner: 'team-a', Region: 'us-east-1' });
    const info = await typeInfo('EC2 Instance');

    const answer = await request('PUT', `${server.assetsUrl}/object/${object.id}`, body(info, { Owner: ['team-b'], Region: [] }));

    expect(answer.status).toBe(200);
    expect(server.store.object(object.objectKey)?.values).toEqual({ Key: object.objectKey, Name: 'web', Owner: 'team-b' });
    expect(Date.parse(answer.data.updated)).toBeGreaterThan(Date.parse(answer.data.created));
  });

  it('rejects an update that changes the object type', async () => {
    server = await startAssetsServer('cloud');
    const object = server.store.insertObject('EC2 Instance', { Name: 'web' });
    const vpc = await typeInfo('VPC');

    const answer = await request('PUT', `${server.assetsUrl}/object/${object.id}`, { objectTypeId: vpc.typeId, attributes: [] });

    expect(answer.status).toBe(400);
    expect(answer.data.errors.objectTypeId).toMatch(/cannot be changed/);
  });

  it('answers 404 for an unknown object, type or path', async () => {
    server = await startAssetsServer('cloud');

    expect((await request('GET', `${server.assetsUrl}/object/77`)).status).toBe(404);
    expect((await request('GET', `${server.assetsUrl}/object/abc`)).status).toBe(404);
    expect((await request('GET', `${server.assetsUrl}/objecttype/999/attributes`)).status).toBe(404);
    expect((await request('GET', `${server.assetsUrl}/objectschema/list/extra`)).status).toBe(404);
    expect((await request('GET', `${server.url}/jsm/assets/workspace/other-workspace/v1/objectschema/list`)).data.errorMessages[0]).toMatch(
      /workspace other-workspace does not exist/,
    );
  });

  it('answers 405 with Allow for a wrong method', async () => {
    server = await startAssetsServer('cloud');

    const answer = await request('GET', `${server.assetsUrl}/object/create`);

    expect(answer.status).toBe(405);
    expect(answer.headers.allow).toBe('POST');
  });

  it('searches with AQL and pages with startAt and isLast on Cloud', async () => {
    server = await startAssetsServer('cloud');
    for (const name of ['a', 'b', 'c']) server.store.insertObject('Subnet', { Name: `subnet-${name}`, Region: 'eu-west-1' });
    server.store.insertObject('Subnet', { Name: 'subnet-d', Region: 'us-east-1' });

    const first = await request('POST', `${server.assetsUrl}/object/aql`, { qlQuery: 'objectType = Subnet AND Region = "EU-WEST-1" order by Name desc' }, { startAt: '0', maxResults: '2' });
    const second = await request('POST', `${server.assetsUrl}/object/aql`, { qlQuery: 'objectType = Subnet AND Region = "EU-WEST-1" order by Name desc' }, { startAt: '2', maxResults: '2' });

    expect(first.data).toMatchObject({ startAt: 0, maxResults: 2, isLast: false });
    expect(first.data.values.map((object: { label: string }) => object.label)).toEqual(['subnet-c', 'subnet-b']);
    expect(second.data).toMatchObject({ isLast: true, values: [{ label: 'subnet-a' }] });
  });

  it('pages with page and resultPerPage on Data Center, with number ids', async () => {
    server = await startAssetsServer('datacenter');
    for (const name of ['a', 'b', 'c']) server.store.insertObject('Subnet', { Name: `subnet-${name}` });

    const answer = await request('GET', `${server.assetsUrl}/aql/objects`, undefined, { qlQuery: 'objectType = "Subnet"', page: '2', resultPerPage: '2' });

    expect(answer.data).toMatchObject({ totalFilterCount: 3, pageNumber: 2, pageSize: 2, pageObjectSize: 1, objectEntries: [{ id: 3, objectKey: 'AWS-3' }] });
    expect((await request('POST', `${server.assetsUrl}/object/aql`, { qlQuery: 'objectType = "Subnet"' })).status).toBe(404);
  });

  it.each([
    ['an unclosed string', 'Name = "abc'],
    ['a missing value', 'Name = '],
    ['an unknown operator', 'Name ~ abc'],
    ['an unknown attribute', '"Power State" = on'],
    ['a function', 'Created > now(-2h)'],
    ['a trailing word', 'Name = a b'],
  ])('answers 400 for AQL with %s', async (_case, qlQuery) => {
    server = await startAssetsServer('cloud');

    const answer = await request('POST', `${server.assetsUrl}/object/aql`, { qlQuery });

    expect(answer.status).toBe(400);
    expect(answer.data.errorMessages[0]).toMatch(/^AQL/);
  });

  it('compares attribute names with regard to case on Data Center only', async () => {
    server = await startAssetsServer('datacenter');
    server.store.insertObject('VPC', { Name: 'vpc-main' });

    const exact = await request('GET', `${server.assetsUrl}/aql/objects`, undefined, { qlQuery: 'Name = "VPC-MAIN"' });
    const folded = await request('GET', `${server.assetsUrl}/aql/objects`, undefined, { qlQuery: 'name = "vpc-main"' });

    expect(exact.data.totalFilterCount).toBe(1);
    expect(folded.status).toBe(400);
  });

  it('removes references to a deleted object', async () => {
    server = await startAssetsServer('cloud');
    const vpc = server.store.insertObject('VPC', { Name: 'vpc-main' });
    const subnet = server.store.insertObject('Subnet', { Name: 'subnet-a', 'Contained in VPC': vpc.objectKey });

    expect((await request('DELETE', `${server.assetsUrl}/object/${vpc.id}`)).status).toBe(204);

    expect(server.store.object(subnet.objectKey)?.values['Contained in VPC']).toBeUndefined();
  });

  it('returns undefined for paths that are not Assets paths of the deployment', () => {
    const base = { method: 'GET', query: new URLSearchParams(), body: undefined, user: { login: 'a', displayName: 'A' } };

    expect(handleAssetsRequest({ ...base, path: '/rest/api/3/myself', deployment: 'cloud' })).toBeUndefined();
    expect(handleAssetsRequest({ ...base, path: '/rest/assets/1.0/objectschema/list', deployment: 'cloud' })).toBeUndefined();
    expect(handleAssetsRequest({ ...base, path: `/jsm/assets/workspace/${DEFAULT_ASSETS_WORKSPACE_ID}/v1/objectschema/list`, deployment: 'datacenter' })).toBeUndefined();
  });

  it('serves the module store by default and swaps it on reset', () => {
    const base = { method: 'GET', query: new URLSearchParams(), body: undefined, user: { login: 'a', displayName: 'A' }, deployment: 'datacenter' as const };
    const previous = getAssetsStore();
    try {
      const replacement = resetAssetsStore(new AssetsStore({ seedAwsSchema: false }));
      expect(getAssetsStore()).toBe(replacement);
      expect(handleAssetsRequest({ ...base, path: '/rest/assets/1.0/objectschema/list' })?.body).toEqual({ objectschemas: [] });
    } finally {
      resetAssetsStore(previous);
    }
  });
});

describe('AssetsStore', () => {
  it('restores a snapshot, and its counters', () => {
    const store = new AssetsStore();
    store.insertObject('VPC', { Name: 'kept' });
    const snapshot = store.snapshot();
    store.insertObject('VPC', { Name: 'dropped' });

    store.restore(snapshot);
    const next = store.insertObject('VPC', { Name: 'after restore' });

    expect(store.objects('VPC').map((object) => object.label)).toEqual(['kept', 'after restore']);
    expect(next.objectKey).toBe('AWS-2');
  });

  it('rejects an invalid snapshot and keeps its data', () => {
    const store = new AssetsStore();
    store.insertObject('VPC', { Name: 'kept' });

    expect(() => store.restore({ workspaceId: 'x' } as never)).toThrow(/Invalid Assets simulator snapshot/);
    expect(store.objects('VPC')).toHaveLength(1);
  });

  it('shows references by key and statuses by name', () => {
    const store = new AssetsStore();
    const vpc = store.insertObject('VPC', { Name: 'vpc-main' });
    const groups = [store.insertObject('Security Group', { Name: 'sg-a' }), store.insertObject('Security Group', { Name: 'sg-b' })];

    const instance = store.insertObject('EC2 Instance', { Name: 'web', Status: 'Retired', 'Contained in VPC': vpc.objectKey, 'Uses Security Groups': groups.map((group) => group.objectKey) });

    expect(instance.values).toMatchObject({ Status: 'Retired', 'Contained in VPC': vpc.objectKey, 'Uses Security Groups': [groups[0]!.objectKey, groups[1]!.objectKey] });
    expect(store.object(instance.objectKey)).toEqual(instance);
    expect(() => store.objects('EC2 Instances')).toThrow(/no object type "EC2 Instances"/);
  });
});
