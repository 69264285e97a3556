import { copyFileSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';

import { runPublish } from '../../src/cli/publish.js';
import { ConfigPublisher } from '../../src/cmdb/config-publisher.js';
import type { CmdbRecord, ItsmTarget } from '../../src/core/types.js';
import { createConfigClientProvider } from '../../src/writeback/config-client.js';
import { Harness } from '../support/harness.js';

const TYPE = 'MyCompany::CMDB::LinuxServer';
const EXAMPLES = join(import.meta.dirname, '../../mappings/examples');
const SCHEMA = JSON.parse(readFileSync(join(EXAMPLES, 'cmdb-linux-server.schema.json'), 'utf8')) as Record<string, unknown>;

let harness: Harness;

afterEach(async () => {
  await harness?.stop();
});

/** Copy the shipped mappings and the example publication to a new folder, as an operator would. */
function mappingsWithPublication(extra: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'itsm-sync-publication-'));
  for (const [name, text] of Object.entries(extra)) writeFileSync(join(dir, name), text);
  const shipped = join(import.meta.dirname, '../../mappings');
  for (const file of readdirSync(shipped).filter((name) => name.endsWith('.yaml'))) copyFileSync(join(shipped, file), join(dir, file));
  copyFileSync(join(EXAMPLES, 'cmdb-linux-server-to-config.yaml'), join(dir, 'cmdb-linux-server-to-config.yaml'));
  return dir;
}

async function startWithPublication(options: { forwardAwsEvents?: boolean; schema?: Record<string, unknown>; extraMappings?: Record<string, string> } = {}): Promise<Harness> {
  const started = await Harness.start({ mappingsDir: mappingsWithPublication(options.extraMappings), forwardAwsEvents: options.forwardAwsEvents });
  started.config.registerCustomResourceType(TYPE, ['00000001'], options.schema ?? SCHEMA);
  return started;
}

function publisher(options: { dryRun?: boolean; targets?: ConstructorParameters<typeof ConfigPublisher>[0]['targets'] } = {}): ConfigPublisher {
  return new ConfigPublisher({
    publications: harness.connector.publications,
    targets: options.targets ?? harness.connector.targets,
    configClients: createConfigClientProvider({ logger: pino({ level: 'silent' }) }),
    region: 'us-east-1',
    account: '111122223333',
    logger: pino({ level: 'silent' }),
    dryRun: options.dryRun,
  });
}

function server(name: string, fields: Record<string, unknown> = {}): string {
  const record = harness.serviceNow.insertRecord('cmdb_ci_linux_server', {
    name,
    host_name: `${name}.corp.example`,
    ip_address: '10.20.0.15',
    os: 'Red Hat Enterprise Linux',
    os_version: '9.4',
    cpu_count: '8',
    ram: '32768',
    environment: 'production',
    install_status: '1',
    operational_status: '1',
    ...fields,
  });
  return record.sys_id as string;
}

function configWrites(): string[] {
  return harness.config.calls.map((call) => call.operation).filter((operation) => operation === 'PutResourceConfig' || operation === 'DeleteResourceConfig');
}

describe('publishing CMDB records to AWS Config', () => {
  it('records installed servers as custom resources, and a second pass writes nothing', async () => {
    harness = await startWithPublication({ forwardAwsEvents: true });
    const web = server('lnx-web-01');
    const db = server('lnx-db-01', { environment: 'test', operational_status: '2', cpu_count: '' });
    server('lnx-old-01', { install_status: '7' });

    const [first] = await publisher().run();

    expect(first).toMatchObject({ publication: 'cmdb-linux-server-to-config', read: 2, created: 2, updated: 0, removed: 0, failed: 0 });
    expect(first!.stopped).toBeUndefined();
    const published = harness.config.getResource(TYPE, web)!;
    expect(published.resourceName).toBe('lnx-web-01');
    expect(published.configuration).toEqual({
      Name: 'lnx-web-01',
      HostName: 'lnx-web-01.corp.example',
      IpAddress: '10.20.0.15',
      OperatingSystem: 'Red Hat Enterprise Linux 9.4',
      CpuCount: 8,
      MemoryMb: 32768,
      Environment: 'Production',
      Operational: true,
    });
    expect(harness.config.getResource(TYPE, db)!.configuration).toMatchObject({ CpuCount: 0, Environment: 'Test', Operational: false });

    // AWS Config announces each new resource with an event. No CI rule handles the type, so the
    // connector makes no CI of it and the publication cannot loop.
    await harness.settle();
    expect(harness.serviceNow.records('cmdb_ci').filter((ci) => ci.object_id === web || ci.name === TYPE)).toEqual([]);

    const writesBefore = configWrites().length;
    const [second] = await publisher().run();
    expect(second).toMatchObject({ read: 2, created: 0, updated: 0, unchanged: 2, removed: 0 });
    expect(configWrites()).toHaveLength(writesBefore);
  });

  it('drops published items despite a matching rule', async () => {
    // This rule takes every item of the account; validate cannot see that it takes the published type.
    const everyItem = [
      'name: every-item-of-the-account',
      'source: { kind: configuration-item, when: account = "111122223333" }',
      'target: { system: servicenow, table: cmdb_ci }',
      'correlation: { prefix: aws-any- }',
      'lifecycle: { create: { when: true } }',
      'fields: { name: resourceId, object_id: resourceId }',
    ].join('\n');
    harness = await startWithPublication({ forwardAwsEvents: true, extraMappings: { 'every-item.yaml': everyItem } });
    const web = server('lnx-web-01');

    await publisher().run();
    await harness.settle();

    expect(harness.config.getResource(TYPE, web)).toBeDefined();
    expect(harness.serviceNow.records('cmdb_ci').filter((ci) => ci.object_id === web)).toEqual([]);
  });

  it('updates a changed record and removes a retired one', async () => {
    harness = await startWithPublication();
    const web = server('lnx-web-01');
    const db = server('lnx-db-01');
    await publisher().run();

    harness.serviceNow.updateRecord('cmdb_ci_linux_server', web, { ram: '65536' });
    harness.serviceNow.updateRecord('cmdb_ci_linux_server', db, { install_status: '7' });
    const [summary] = await publisher().run();

    expect(summary).toMatchObject({ read: 1, updated: 1, unchanged: 0, removed: 1, failed: 0 });
    expect(harness.config.getResource(TYPE, web)!.configuration).toMatchObject({ MemoryMb: 65536 });
    expect(harness.config.getResource(TYPE, db)!.configurationItemStatus).toBe('ResourceDeleted');
  });

  it('counts without writing in a dry run', async () => {
    harness = await startWithPublication();
    server('lnx-web-01');

    const [summary] = await publisher({ dryRun: true }).run();

    expect(summary).toMatchObject({ dryRun: true, read: 1, created: 1 });
    expect(configWrites()).toEqual([]);
  });

  it('skips a record whose configuration breaks the registered schema, and publishes the others', async () => {
    const strict = { ...SCHEMA, properties: { ...(SCHEMA.properties as object), HostName: { type: 'string', minLength: 1 } } };
    harness = await startWithPublication({ schema: strict });
    const good = server('lnx-web-01');
    const bad = server('lnx-nohost-01', { host_name: '' });

    const [summary] = await publisher().run();

    expect(summary).toMatchObject({ read: 2, created: 1, failed: 1 });
    expect(summary!.stopped).toBeUndefined();
    expect(harness.config.getResource(TYPE, good)).toBeDefined();
    expect(harness.config.getResource(TYPE, bad)).toBeUndefined();
  });

  it('removes nothing when the CMDB cannot be read completely', async () => {
    harness = await startWithPublication();
    const web = server('lnx-web-01');
    server('lnx-db-01');
    await publisher().run();

    harness.serviceNow.updateRecord('cmdb_ci_linux_server', web, { install_status: '7' });
    // The integration user lost its read access to the class (an ACL change): 403, not retried.
    harness.serviceNow.injectFaults([{ status: 403, method: 'GET', table: 'cmdb_ci_linux_server' }]);
    const [summary] = await publisher().run();

    expect(summary!.stopped).toMatch(/reading cmdb_ci_linux_server from servicenow failed/);
    expect(summary!.removed).toBe(0);
    expect(harness.config.getResource(TYPE, web)!.configurationItemStatus).not.toBe('ResourceDeleted');
  });

  it('writes nothing when AWS Config cannot list what it records', async () => {
    harness = await startWithPublication();
    server('lnx-web-01');
    harness.config.injectFaults([{ operation: 'ListDiscoveredResources', errorType: 'ThrottlingException', times: 10 }]);

    const [summary] = await publisher().run();

    expect(summary!.stopped).toMatch(/ListDiscoveredResources of MyCompany::CMDB::LinuxServer in us-east-1 failed/);
    expect(configWrites()).toEqual([]);
  });

  it('stops after five failed writes', async () => {
    harness = await Harness.start({ mappingsDir: mappingsWithPublication() });
    for (let index = 1; index <= 7; index += 1) server(`lnx-web-0${index}`);

    const [summary] = await publisher().run();

    // The simulator rejects each write of an unregistered type with a ValidationException.
    expect(summary).toMatchObject({ read: 5, created: 0, failed: 5 });
    expect(summary!.stopped).toMatch(/^the first 5 writes all failed, the last one with PutResourceConfig of MyCompany::CMDB::LinuxServer \S+ in us-east-1 failed: ValidationException: /);
    expect(summary!.stopped).toContain('Check that MyCompany::CMDB::LinuxServer is registered with schema version 00000001 in us-east-1.');
    expect(summary!.stopped).not.toContain('..');
  });

  it('keeps a resource whose record a page skipped, after reading the record directly', async () => {
    harness = await startWithPublication();
    const web = server('lnx-web-01');
    const db = server('lnx-db-01');
    await publisher().run();

    // A listing that misses `db`, as offset paging does when a record before it is deleted mid-pass.
    const serviceNow = harness.connector.targets.servicenow!;
    const skipping: ItsmTarget = Object.assign(Object.create(serviceNow) as ItsmTarget, {
      async *listRecords(table: string, query: string | undefined, fields: readonly string[], only?: string): AsyncIterable<CmdbRecord> {
        for await (const record of serviceNow.listRecords!(table, query, fields, only)) {
          if (only === undefined && record.id === db) continue;
          yield record;
        }
      },
    });
    const [summary] = await publisher({ targets: { servicenow: skipping } }).run();

    expect(summary).toMatchObject({ read: 1, unchanged: 1, removed: 0 });
    expect(harness.config.getResource(TYPE, db)!.configurationItemStatus).not.toBe('ResourceDeleted');
    expect(harness.config.getResource(TYPE, web)).toBeDefined();
  });

  it('runs from the command line, dry run first', async () => {
    harness = await startWithPublication();
    const web = server('lnx-web-01');
    const output = { stdout: '', stderr: '' };
    const streams = { stdout: { write: (text: string) => (output.stdout += text) }, stderr: { write: (text: string) => (output.stderr += text) } };

    // The harness points the AWS SDK, ServiceNow and MAPPINGS_DIR at its own servers and folder.
    // A publication pass reads no queue, so it runs without SQS_QUEUE_URL.
    const dryRun = await runPublish({ ...process.env, SQS_QUEUE_URL: undefined, LOG_LEVEL: 'silent' }, { dryRun: true }, streams);

    expect(dryRun, output.stderr).toBe(0);
    expect(output.stdout).toContain('Dry run: what publishing to AWS Config in us-east-1 would do (nothing was written)');
    expect(output.stdout).toMatch(/cmdb-linux-server-to-config\s*│\s*MyCompany::CMDB::LinuxServer\s*│\s*1\s*│\s*1\s*│/);
    expect(configWrites()).toEqual([]);

    output.stdout = '';
    const real = await runPublish({ ...process.env, LOG_LEVEL: 'silent' }, {}, streams);

    expect(real, output.stderr).toBe(0);
    expect(output.stdout).toContain('Published to AWS Config in us-east-1');
    expect(harness.config.getResource(TYPE, web)?.resourceName).toBe('lnx-web-01');

    // Retired in the CMDB: the dry run names the resource it would remove, and why.
    harness.serviceNow.updateRecord('cmdb_ci_linux_server', web, { install_status: '7' });
    output.stdout = '';
    await runPublish({ ...process.env, LOG_LEVEL: 'silent' }, { dryRun: true }, streams);
    expect(output.stdout).toContain(`would remove MyCompany::CMDB::LinuxServer ${web}: its CMDB record is gone or no longer matches the query`);
    expect(harness.config.getResource(TYPE, web)?.configurationItemStatus).not.toBe('ResourceDeleted');
  });
});
