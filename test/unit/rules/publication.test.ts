import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { loadMappings, loadRuleFile, MappingValidationError, validateRules } from '../../../src/rules/index.js';
import { removeFolder, SHIPPED_MAPPINGS_DIR } from './mapping-test-kit.js';

const EXAMPLE = join(SHIPPED_MAPPINGS_DIR, 'examples', 'cmdb-linux-server-to-config.yaml');
const folders: string[] = [];

afterEach(async () => {
  await Promise.all(folders.splice(0).map(removeFolder));
});

/** Create a mappings folder with the given files, by name and text. */
async function folderWith(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'itsm-sync-publications-'));
  folders.push(dir);
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  return dir;
}

/** Read the example publication and replace some of its lines. */
async function example(replacements: Array<[string, string]> = []): Promise<string> {
  let text = await readFile(EXAMPLE, 'utf8');
  for (const [from, to] of replacements) {
    expect(text).toContain(from);
    text = text.replace(from, to);
  }
  return text;
}

const CATCH_ALL_CI_RULE = `
name: every-ci
source: { kind: configuration-item }
target: { system: servicenow, table: cmdb_ci }
correlation: { prefix: aws-any- }
lifecycle: { create: { when: true } }
fields: { name: resourceId }
`;

describe('publication mappings', () => {
  it('compile from the shipped example', async () => {
    const dir = await folderWith({ 'publication.yaml': await example() });

    const { rules, publications } = await loadMappings(dir);

    expect(rules).toEqual([]);
    expect(publications).toHaveLength(1);
    const [publication] = publications;
    expect(publication).toMatchObject({
      name: 'cmdb-linux-server-to-config',
      from: { system: 'servicenow', table: 'cmdb_ci_linux_server', query: 'install_status!=7' },
      to: { resourceType: 'MyCompany::CMDB::LinuxServer', schemaVersionId: '00000001' },
    });
    expect(publication!.configuration.map((property) => property.name)).toEqual(['Name', 'HostName', 'IpAddress', 'OperatingSystem', 'CpuCount', 'MemoryMb', 'Environment', 'Operational']);
    expect(await publication!.retired.evaluate({ install_status: '7' })).toBe(true);
  });

  it('name an unlisted field with its line', async () => {
    const dir = await folderWith({ 'publication.yaml': await example([['  HostName:\n    value: host_name', '  HostName:\n    value: fqdn']]) });

    const { publications, issues } = await validateRules(dir);

    expect(publications).toEqual([]);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ path: 'configuration.HostName.value', line: 34, column: 12 });
    expect(issues[0]!.message).toContain("'fqdn' is not among the fields this expression can read; add it to from.fields");
  });

  it('reject reserved names, ^NQ and owner', async () => {
    const dir = await folderWith({
      'publication.yaml': await example([
        ['resourceType: MyCompany::CMDB::LinuxServer', 'resourceType: AWS::CMDB::LinuxServer'],
        ['query: install_status!=7', 'query: install_status!=7^NQinstall_status=1'],
        ['  Name: name', '  Name: { value: name, owner: itsm }'],
      ]),
    });

    const { issues } = await validateRules(dir);

    expect(issues.map((issue) => issue.path)).toEqual(['from.query', 'to.resourceType', 'configuration.Name.owner']);
    expect(issues[0]!.message).toContain('^NQ');
    expect(issues[1]!.message).toContain('reserved organization AWS');
    expect(issues[2]!.message).toContain('owner has no meaning in a publication');
  });

  it('reject schema problems by key', async () => {
    const dir = await folderWith({
      'publication.yaml': await example([
        ['  system: servicenow', '  system: jira'],
        ['  HostName:', '  host-name:'],
      ]),
    });

    const { issues } = await validateRules(dir);
    const messages = issues.map((issue) => `${issue.path}: ${issue.message}`);

    expect(messages).toContain('from.system: invalid value "jira"; allowed values: servicenow');
    expect(messages.some((message) => message.startsWith("configuration.host-name: invalid field name 'host-name'"))).toBe(true);
  });

  it('list expression problems next to schema problems', async () => {
    const dir = await folderWith({
      'publication.yaml': await example([
        ['resourceName: name', 'resourceName: display_name\ncolour: red'],
      ]),
    });

    const { issues, publications } = await validateRules(dir);

    expect(publications).toEqual([]);
    expect(issues.map((issue) => issue.path)).toEqual(['resourceName', 'colour']);
    expect(issues[0]!.message).toContain("'display_name' is not among the fields this expression can read; add it to from.fields");
    expect(issues[1]!.message).toMatch(/^unknown key 'colour' at the top level/);
  });

  it('reject a rule syncing the type back', async () => {
    const dir = await folderWith({ 'publication.yaml': await example(), 'every-ci.yaml': CATCH_ALL_CI_RULE });

    const { issues } = await validateRules(dir);

    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ path: 'to.resourceType' });
    expect(issues[0]!.message).toContain('the sync rule every-ci');
    expect(issues[0]!.message).toContain('would come back as a new CI');
  });

  it('reject two publications of one type', async () => {
    const second = (await example()).replace('name: cmdb-linux-server-to-config', 'name: cmdb-linux-server-copy');
    const dir = await folderWith({ 'a.yaml': await example(), 'b.yaml': second });

    const { issues } = await validateRules(dir);

    expect(issues).toHaveLength(1);
    expect(issues[0]!.file).toContain('b.yaml');
    expect(issues[0]!.message).toContain('already published by cmdb-linux-server-to-config');
  });

  it('reject a misspelt kind with one issue', async () => {
    const dir = await folderWith({ 'publication.yaml': await example([['kind: publication', 'kind: publicaton']]) });

    const { issues } = await validateRules(dir);

    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ path: 'kind', line: 9, column: 7 });
    expect(issues[0]!.message).toBe(`invalid kind "publicaton": kind must be publication for a publication; leave it out for a sync rule (did you mean 'publication'?)`);
  });

  it('reject a kind far from publication without a suggestion', async () => {
    const dir = await folderWith({ 'publication.yaml': await example([['kind: publication', 'kind: sync-rule']]) });

    const { issues } = await validateRules(dir);

    expect(issues).toHaveLength(1);
    expect(issues[0]!.path).toBe('kind');
    expect(issues[0]!.message).toBe('invalid kind "sync-rule": kind must be publication for a publication; leave it out for a sync rule');
  });

  it('reject an empty kind', async () => {
    const dir = await folderWith({ 'publication.yaml': await example([['kind: publication', 'kind:']]) });

    const { issues } = await validateRules(dir);

    expect(issues.map((issue) => `${issue.path}: ${issue.message}`)).toEqual(['kind: invalid empty kind: kind must be publication for a publication; leave it out for a sync rule']);
  });

  it('show the quoted form of an unquoted schema version', async () => {
    const cases: Array<[string, string]> = [
      ['00000001', '"00000001"'],
      ['12', '"00000012"'],
      ['123456789', '"123456789"'],
      ['1.5', '"1.5"'],
    ];
    for (const [written, quoted] of cases) {
      const dir = await folderWith({ 'publication.yaml': await example([['schemaVersionId: "00000001"', `schemaVersionId: ${written}`]]) });

      const { issues } = await validateRules(dir);

      expect(issues, written).toHaveLength(1);
      expect(issues[0]!.path, written).toBe('to.schemaVersionId');
      expect(issues[0]!.message, written).toContain(`quote the version so YAML reads it as text: schemaVersionId: ${quoted}`);
    }
  });

  it('ask for at least one field in from.fields', async () => {
    const text = (await example()).replace(/^ {2}fields: \[.*\]$/m, '  fields: []');
    expect(text).toContain('  fields: []');
    const dir = await folderWith({ 'publication.yaml': text });

    const { issues } = await validateRules(dir);

    expect(issues.map((issue) => `${issue.path}: ${issue.message}`)).toContain('from.fields: needs at least one field, such as name; list the CMDB fields that the expressions read');
    expect(issues.some((issue) => issue.message.includes('fewer than'))).toBe(false);
  });

  it('name the field listed twice in from.fields', async () => {
    const dir = await folderWith({ 'publication.yaml': await example([['fields: [name, host_name', 'fields: [name, host_name, name']]) });

    const { issues } = await validateRules(dir);

    expect(issues.map((issue) => `${issue.path}: ${issue.message}`)).toEqual(['from.fields: lists "name" twice; list each entry once']);
  });

  it('reject a publication named like a sync rule', async () => {
    const sameName = (await example()).replace('name: cmdb-linux-server-to-config', 'name: every-ci');
    const dir = await folderWith({ 'a-every-ci.yaml': CATCH_ALL_CI_RULE, 'b-publication.yaml': sameName.replace('resourceType: MyCompany::CMDB::LinuxServer', 'resourceType: MyCompany::CMDB::Other') });

    const { issues } = await validateRules(dir);
    const duplicates = issues.filter((issue) => issue.path === 'name');

    expect(duplicates).toHaveLength(1);
    expect(duplicates[0]!.file).toContain('b-publication.yaml');
    expect(duplicates[0]!.message).toMatch(/^duplicate name 'every-ci', already used in .*a-every-ci\.yaml:2:7; names must be unique across mapping files \(sync rules and publications\)$/);
  });

  it('are refused by commands that take one sync rule', async () => {
    const dir = await folderWith({ 'publication.yaml': await example() });

    await expect(loadRuleFile(join(dir, 'publication.yaml'))).rejects.toThrow(MappingValidationError);
    await expect(loadRuleFile(join(dir, 'publication.yaml'))).rejects.toThrow(/is a publication/);
  });
});
