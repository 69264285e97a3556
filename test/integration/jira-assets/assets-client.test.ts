import { afterEach, describe, expect, it } from 'vitest';

import {
  Aql,
  AssetsClient,
  AssetsConfigurationError,
  AssetsInputError,
  AssetsResponseError,
  type AssetsHttp,
  type AssetsObject,
  type AssetsRequest,
} from '../../../src/targets/jira/assets/index.js';
import { AxiosAssetsHttp, closeAssetsServers, startAssetsServer, type AssetsServer } from './support.js';

let server: AssetsServer;

afterEach(closeAssetsServers);

async function clientFor(deployment: 'cloud' | 'datacenter', pageSize?: number): Promise<{ client: AssetsClient; http: AxiosAssetsHttp }> {
  server = await startAssetsServer(deployment);
  const http = new AxiosAssetsHttp(server.url);
  return { client: new AssetsClient({ http, deployment, baseUrl: server.assetsUrl, pageSize }), http };
}

async function collect(objects: AsyncIterable<AssetsObject>): Promise<AssetsObject[]> {
  const all: AssetsObject[] = [];
  for await (const object of objects) all.push(object);
  return all;
}

/** Return an AssetsHttp that returns `page(request)` for every request, for paging error paths. */
function scriptedSearch(page: (request: AssetsRequest, call: number) => unknown): AssetsHttp & { calls: number } {
  const http = {
    calls: 0,
    async send<T>(request: AssetsRequest): Promise<T> {
      http.calls += 1;
      return page(request, http.calls) as T;
    },
  };
  return http;
}

function rawObject(id: number): Record<string, unknown> {
  return { id: String(id), objectKey: `AWS-${id}`, label: `object ${id}`, objectType: { id: '5', name: 'EC2 Instance' }, attributes: [] };
}

describe('AssetsClient lookups', () => {
  it('reads schemas, object types and attributes once', async () => {
    const { client, http } = await clientFor('cloud');

    const { objectType } = await client.resolveObjectType('AWS', 'EC2 Instance');
    await client.resolveObjectType('aws', 'EC2 Instance');
    await client.resolveObjectType('AWS', 'VPC');
    await client.getAttribute(objectType, 'Resource ID');
    await client.getAttribute(objectType, 'resource id');

    const paths = http.sent.map((request) => request.path.replace(server.assetsUrl, ''));
    expect(paths.filter((path) => path === '/objectschema/list')).toHaveLength(1);
    expect(paths.filter((path) => path.endsWith('/objecttypes/flat'))).toHaveLength(1);
    expect(paths.filter((path) => path.endsWith('/attributes'))).toHaveLength(1);
  });

  it('asks again after a failed lookup', async () => {
    let fail = true;
    server = await startAssetsServer('cloud');
    const inner = new AxiosAssetsHttp(server.url);
    const flaky: AssetsHttp = {
      send<T>(request: AssetsRequest): Promise<T> {
        if (fail) {
          fail = false;
          return Promise.reject(Object.assign(new Error('Service Unavailable'), { status: 503 }));
        }
        return inner.send<T>(request);
      },
    };
    const client = new AssetsClient({ http: flaky, deployment: 'cloud', baseUrl: server.assetsUrl });

    await expect(client.getSchema('AWS')).rejects.toThrow('Service Unavailable');
    await expect(client.getSchema('AWS')).resolves.toMatchObject({ objectSchemaKey: 'AWS', name: 'AWS Resources' });
  });

  it('reads the Data Center schema list', async () => {
    const { client } = await clientFor('datacenter');

    const { schema, objectType } = await client.resolveObjectType('AWS', 'Lambda Function');

    expect(schema).toEqual({ id: '1', name: 'AWS Resources', objectSchemaKey: 'AWS' });
    expect(objectType).toMatchObject({ name: 'Lambda Function', objectSchemaId: '1' });
    expect(objectType.id).toMatch(/^\d+$/);
  });

  it('names what exists for an unknown schema, type or attribute', async () => {
    const { client } = await clientFor('cloud');
    const { objectType } = await client.resolveObjectType('AWS', 'S3 Bucket');

    await expect(client.getSchema('ITSM')).rejects.toBeInstanceOf(AssetsConfigurationError);
    await expect(client.resolveObjectType('AWS', 'Bucket')).rejects.toThrow(/"S3 Bucket"/);
    const error = (await client.getAttribute(objectType, 'Bucket Policy').catch((caught: unknown) => caught)) as AssetsConfigurationError;
    expect(error.missing).toBe('attribute');
    expect(error.lookedUp).toBe('Bucket Policy');
    expect(error.message).toMatch(/^Object type "S3 Bucket" has no attribute "Bucket Policy"\. Its attributes: "Key", "Name", "Resource ID"/);
  });

  it('returns undefined for an object that does not exist', async () => {
    const { client } = await clientFor('cloud');

    expect(await client.getObject('987654')).toBeUndefined();
  });

  it('checks its options', () => {
    const http = scriptedSearch(() => ({}));

    expect(() => new AssetsClient({ http, deployment: 'server' as 'cloud', baseUrl: 'https://x.example' })).toThrow(/use "cloud" or "datacenter"/);
    expect(() => new AssetsClient({ http, deployment: 'cloud', baseUrl: 'api.atlassian.com/jsm' })).toThrow(/Invalid Assets base URL/);
    expect(() => new AssetsClient({ http, deployment: 'cloud', baseUrl: 'https://x.example', pageSize: 0 })).toThrow(/between 1 and 1000/);
    expect(() => new AssetsClient({ http, deployment: 'cloud', baseUrl: 'https://x.example', maxPages: 0 })).toThrow(/at least 1/);
  });
});

describe('AssetsClient search', () => {
  async function seedVolumes(count: number): Promise<void> {
    for (let index = 0; index < count; index += 1) {
      server.store.insertObject('EBS Volume', { Name: `vol-${index}`, Region: index % 2 === 0 ? 'us-east-1' : 'eu-west-1' });
    }
    server.store.insertObject('VPC', { Name: 'not a volume' });
  }

  it.each(['cloud', 'datacenter'] as const)('reads every page on %s', async (deployment) => {
    const { client, http } = await clientFor(deployment, 3);
    await seedVolumes(7);
    const { objectType } = await client.resolveObjectType('AWS', 'EBS Volume');

    const objects = await collect(client.searchObjects(new Aql().objectTypeId(objectType.id)));

    expect(objects.map((object) => object.label)).toEqual(['vol-0', 'vol-1', 'vol-2', 'vol-3', 'vol-4', 'vol-5', 'vol-6']);
    expect(http.sent.filter((request) => request.operation === 'search objects')).toHaveLength(3);
  });

  it('ends on a full last page', async () => {
    const { client, http } = await clientFor('cloud', 3);
    await seedVolumes(6);
    const { objectType } = await client.resolveObjectType('AWS', 'EBS Volume');

    expect(await collect(client.searchObjects(new Aql().objectTypeId(objectType.id)))).toHaveLength(6);
    expect(http.sent.filter((request) => request.operation === 'search objects')).toHaveLength(2);
  });

  it('reads the values of the named attributes', async () => {
    const { client } = await clientFor('cloud');
    await seedVolumes(1);
    const { objectType } = await client.resolveObjectType('AWS', 'EBS Volume');

    const [volume] = await collect(client.searchObjects(new Aql().objectTypeId(objectType.id).equals('Region', 'US-EAST-1')));

    expect(await client.readValues(objectType, volume!, ['Name', 'Region', 'Owner'])).toEqual({ Name: 'vol-0', Region: 'us-east-1', Owner: '' });
  });

  it('passes on the 400 for an invalid query', async () => {
    const { client } = await clientFor('cloud');

    await expect(collect(client.searchObjects('"Name" = '))).rejects.toMatchObject({ status: 400 });
    await expect(collect(client.searchObjects('"No Such Attribute" = "x"'))).rejects.toMatchObject({ status: 400 });
  });

  it('follows isLast false past a short page', async () => {
    const http = scriptedSearch((request) => {
      const startAt = Number(request.params?.startAt);
      // A server that caps pages at 2 objects, below the 5 asked for.
      const ids = [1, 2, 3].filter((id) => id > startAt).slice(0, 2);
      return { startAt, maxResults: 2, values: ids.map(rawObject), isLast: startAt + ids.length >= 3 };
    });
    const client = new AssetsClient({ http, deployment: 'cloud', baseUrl: 'https://assets.example', pageSize: 5 });

    const objects = await collect(client.searchObjects('objectTypeId = 5'));

    expect(objects.map((object) => object.id)).toEqual(['1', '2', '3']);
  });

  it('stops at an empty page when the server never says isLast', async () => {
    const http = scriptedSearch((request) => {
      const startAt = Number(request.params?.startAt);
      return { values: startAt < 4 ? [rawObject(startAt + 1), rawObject(startAt + 2)] : [] };
    });
    const client = new AssetsClient({ http, deployment: 'cloud', baseUrl: 'https://assets.example', pageSize: 2 });

    expect(await collect(client.searchObjects('objectTypeId = 5'))).toHaveLength(4);
    expect(http.calls).toBe(3);
  });

  it('fails instead of looping when pages never end', async () => {
    const http = scriptedSearch(() => ({ values: [rawObject(1), rawObject(2)], isLast: false }));
    const client = new AssetsClient({ http, deployment: 'cloud', baseUrl: 'https://assets.example', pageSize: 2, maxPages: 4 });

    const error = await collect(client.searchObjects('objectTypeId = 5')).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(AssetsResponseError);
    expect((error as Error).message).toMatch(/did not end after 4 pages/);
    expect(http.calls).toBe(4);
  });

  it('yields each object once when pages overlap', async () => {
    const http = scriptedSearch((_request, call) => (call === 1 ? { values: [rawObject(1), rawObject(2)], isLast: false } : { values: [rawObject(2), rawObject(3)], isLast: true }));
    const client = new AssetsClient({ http, deployment: 'cloud', baseUrl: 'https://assets.example', pageSize: 2 });

    expect((await collect(client.searchObjects('objectTypeId = 5'))).map((object) => object.id)).toEqual(['1', '2', '3']);
  });

  it('fails on an answer without a list of objects', async () => {
    const cloud = new AssetsClient({ http: scriptedSearch(() => ({ startAt: 0, isLast: true })), deployment: 'cloud', baseUrl: 'https://assets.example' });
    const dataCenter = new AssetsClient({ http: scriptedSearch(() => '<html>Login</html>'), deployment: 'datacenter', baseUrl: 'https://jira.example/rest/assets/1.0' });

    await expect(collect(cloud.searchObjects('objectTypeId = 5'))).rejects.toThrow(/no list of objects for search objects/);
    await expect(collect(dataCenter.searchObjects('objectTypeId = 5'))).rejects.toBeInstanceOf(AssetsResponseError);
  });

  it('rejects an invalid page size for one search', async () => {
    const client = new AssetsClient({ http: scriptedSearch(() => ({ values: [] })), deployment: 'cloud', baseUrl: 'https://assets.example' });

    await expect(collect(client.searchObjects('objectTypeId = 5', { pageSize: 1001 }))).rejects.toBeInstanceOf(AssetsInputError);
  });
});

describe('AssetsClient writes', () => {
  it('rejects more values than an attribute holds', async () => {
    const { client } = await clientFor('cloud');
    const { objectType } = await client.resolveObjectType('AWS', 'EC2 Instance');

    await expect(client.createObject(objectType, { Name: 'x', Region: ['us-east-1', 'eu-west-1'] })).rejects.toThrow(/"Region" of object type "EC2 Instance" holds at most 1 value/);
  });

  it('writes lists, numbers, booleans and dates as text', async () => {
    const { client } = await clientFor('cloud');
    const { objectType: volumeType } = await client.resolveObjectType('AWS', 'EBS Volume');
    const { objectType: instanceType } = await client.resolveObjectType('AWS', 'EC2 Instance');
    const volumes = [await client.createObject(volumeType, { Name: 'a', 'Size (GiB)': 100, Encrypted: true }), await client.createObject(volumeType, { Name: 'b' })];

    const instance = await client.createObject(instanceType, {
      Name: 'web',
      'Attached Volumes': volumes.map((volume) => volume.objectKey),
      'Launch Time': new Date('2026-03-01T08:30:00Z'),
    });

    expect(server.store.object(volumes[0]!.objectKey)?.values).toMatchObject({ 'Size (GiB)': '100', Encrypted: 'true' });
    expect(await client.readValues(instanceType, instance, ['Attached Volumes', 'Launch Time'])).toEqual({
      'Attached Volumes': [volumes[0]!.objectKey, volumes[1]!.objectKey],
      'Launch Time': '2026-03-01T08:30:00.000Z',
    });
  });

  it('rejects an object as a value', async () => {
    const { client } = await clientFor('cloud');
    const { objectType } = await client.resolveObjectType('AWS', 'VPC');

    await expect(client.createObject(objectType, { Name: { text: 'vpc' } })).rejects.toThrow(/is an object, but Assets attributes take text/);
    await expect(client.createObject(objectType, { Name: Number.NaN })).rejects.toThrow(/numbers must be finite/);
  });
});
