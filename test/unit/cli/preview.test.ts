import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import AjvDraft04 from 'ajv-draft-04';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { runPreview, type PreviewOptions } from '../../../src/cli/preview.js';
import { REPOSITORY_ROOT } from '../../support/harness.js';

const FINDING_MAPPING = join(REPOSITORY_ROOT, 'mappings/securityhub-finding-to-incident.yaml');
const OPSITEM_MAPPING = join(REPOSITORY_ROOT, 'mappings/opsitem-to-incident.yaml');
const JIRA_FINDING_MAPPING = join(REPOSITORY_ROOT, 'mappings/jira/securityhub-finding-to-issue.yaml');
const JIRA_INSTANCE_MAPPING = join(REPOSITORY_ROOT, 'mappings/jira/config-ec2-instance-to-assets.yaml');
const fixture = (path: string): string => join(REPOSITORY_ROOT, 'test/fixtures', path);
const FAILED_FINDING = fixture('aws-events/securityhub/imported-cspm-s3-bucket-control-failed.json');
const PASSED_FINDING = fixture('aws-events/securityhub/imported-compliance-passed-workflow-resolved.json');

// The ADF JSON schema of the @atlaskit/adf-schema devDependency, a draft-04 schema.
const require = createRequire(import.meta.url);
const adfSchema = JSON.parse(readFileSync(require.resolve('@atlaskit/adf-schema/dist/json-schema/v1/full.json'), 'utf8')) as object;
// ajv-draft-04 is CommonJS; under NodeNext its default import is the module object, whose `default` is the class.
const validateAdf = new AjvDraft04.default({ allErrors: true, strict: false }).compile(adfSchema);

function expectValidAdf(document: unknown, label: string): void {
  expect(validateAdf(document), `${label}: ${JSON.stringify(validateAdf.errors?.slice(0, 3))}`).toBe(true);
}

/** The OpsItem Create event of the corpus, about the OpsItem of the saved GetOpsItem output. */
function eventForSavedOpsItem(): string {
  const event = JSON.parse(readFileSync(fixture('aws-events/ssm/opsitem-create.json'), 'utf8')) as { detail: Record<string, unknown> };
  event.detail['ops-item-id'] = 'oi-4f3a2b1c0d9e';
  const file = join(mkdtempSync(join(tmpdir(), 'itsm-sync-preview-')), 'event.json');
  writeFileSync(file, JSON.stringify(event));
  return file;
}

/** Run the preview and capture what it prints. */
async function preview(options: PreviewOptions) {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => out.push(String(chunk)) > 0);
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => err.push(String(chunk)) > 0);
  const code = await runPreview(options);
  vi.restoreAllMocks();
  return { code, stdout: out.join(''), stderr: err.join('') };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('itsm-sync preview', () => {
  it('prints the incident a failed finding would create', async () => {
    const { code, stdout } = await preview({ mapping: FINDING_MAPPING, event: fixture('aws-events/securityhub/imported-cspm-s3-bucket-control-failed.json') });

    expect(code).toBe(0);
    const [result] = JSON.parse(stdout) as Array<Record<string, any>>;
    expect(result?.whenNoTicketExists.outcome).toBe('created');
    expect(result?.whenNoTicketExists.requests[0].call).toBe('POST /api/now/table/incident');
    expect(result?.whenNoTicketExists.requests[0].body.urgency).toBe('1');
    expect(result?.whenTicketIsOpen.outcome).toBe('unchanged');
  });

  it('resolves the open incident of a passed finding', async () => {
    const { code, stdout } = await preview({ mapping: FINDING_MAPPING, event: PASSED_FINDING });

    expect(code).toBe(0);
    const [result] = JSON.parse(stdout) as Array<Record<string, any>>;
    expect(result?.whenNoTicketExists.outcome).toBe('not-created');
    expect(result?.whenTicketIsOpen.outcome).toBe('resolved');
    const calls = (result?.whenTicketIsOpen.requests as Array<{ call: string; body: Record<string, string> }>).map((request) => request.call);
    expect(calls).toEqual([`PATCH /api/now/table/incident/${'f'.repeat(32)}`, expect.stringMatching(/^AWS write-back to asff /)]);

    // Only the resolve write-back: the open incident's own link write-back was done when it was created.
    const writeback = result?.whenTicketIsOpen.requests[1].body as { note: string };
    expect(writeback.note).toBe('ServiceNow incident PREVIEW0000 was resolved by itsm-sync.');
  });

  it('writes nothing for an open incident of an unchanged finding', async () => {
    // The sample's LOW severity is below the mapping's creation threshold, so it creates no incident.
    const { code, stdout } = await preview({ mapping: FINDING_MAPPING, event: join(REPOSITORY_ROOT, 'src/demo/events/6-guardduty-root-credential-usage.asff.json') });

    expect(code).toBe(0);
    const [result] = JSON.parse(stdout) as Array<Record<string, any>>;
    expect(result?.whenNoTicketExists.outcome).toBe('not-created');
    expect(result?.whenTicketIsOpen).toEqual({ outcome: 'unchanged', requests: [] });
  });

  it('names an event without findings', async () => {
    const event = JSON.parse(readFileSync(FAILED_FINDING, 'utf8')) as { detail: { findings: unknown[] } };
    event.detail.findings = [];
    const file = join(mkdtempSync(join(tmpdir(), 'itsm-sync-preview-')), 'no-findings.json');
    writeFileSync(file, JSON.stringify(event));

    const { code, stdout, stderr } = await preview({ mapping: FINDING_MAPPING, event: file });

    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toBe(`The event in ${file} carries no finding records (for example an empty detail.findings list), so there is nothing to preview.\n`);
  });

  it('previews an OpsItem from a saved GetOpsItem output', async () => {
    const { code, stdout } = await preview({
      mapping: OPSITEM_MAPPING,
      event: eventForSavedOpsItem(),
      record: fixture('aws-events/ssm/get-ops-item-issue.wire-response.json'),
    });

    expect(code).toBe(0);
    const [result] = JSON.parse(stdout) as Array<Record<string, any>>;
    // The saved OpsItem is Resolved: no incident is made, and an open one would be resolved.
    expect(result?.record).toEqual({ kind: 'opsitem', format: 'opsitem', id: 'oi-4f3a2b1c0d9e' });
    expect(result?.whenNoTicketExists.outcome).toBe('not-created');
    expect(result?.whenTicketIsOpen.requests[0].body.state).toBe('6');
  });

  it('rejects a saved OpsItem that is not the one the event names', async () => {
    const { code, stderr } = await preview({
      mapping: OPSITEM_MAPPING,
      event: fixture('aws-events/ssm/opsitem-create.json'),
      record: fixture('aws-events/ssm/get-ops-item-issue.wire-response.json'),
    });

    expect(code).toBe(1);
    expect(stderr).toContain('holds OpsItem oi-4f3a2b1c0d9e, but the event is about oi-4f2a9c81d0e7');
  });

  it('names a record file that is not JSON', async () => {
    const { code, stderr } = await preview({ mapping: OPSITEM_MAPPING, event: eventForSavedOpsItem(), record: join(REPOSITORY_ROOT, 'README.md') });

    expect(code).toBe(1);
    expect(stderr).toMatch(/cannot read .*README\.md as JSON/);
  });

  it('asks for the OpsItem when only the event is given', async () => {
    const { code, stderr } = await preview({ mapping: OPSITEM_MAPPING, event: fixture('aws-events/ssm/opsitem-create.json') });

    expect(code).toBe(1);
    expect(stderr).toContain('Give it with --record FILE');
  });

  it('rejects an event of another kind than the mapping', async () => {
    const { code, stderr } = await preview({ mapping: OPSITEM_MAPPING, event: fixture('aws-events/securityhub/imported-cspm-s3-bucket-control-failed.json') });

    expect(code).toBe(1);
    expect(stderr).toContain('The mapping syncs opsitem records, but the event carries finding records.');
  });

  it('names a file that is not a GetOpsItem output', async () => {
    const { code, stderr } = await preview({
      mapping: OPSITEM_MAPPING,
      event: eventForSavedOpsItem(),
      record: fixture('aws-events/ssm/opsitem-create.json'),
    });

    expect(code).toBe(1);
    expect(stderr).toMatch(/opsitem-create\.json is not a GetOpsItem output/);
  });
});

/** Runs a preview that must succeed and returns its first record's result. */
async function previewResult(options: PreviewOptions): Promise<Record<string, any>> {
  const { code, stdout, stderr } = await preview(options);
  expect(code, stderr).toBe(0);
  const [result] = JSON.parse(stdout) as Array<Record<string, any>>;
  if (result === undefined) throw new Error(`The preview printed no result: ${stdout}`);
  return result;
}

describe('itsm-sync preview of Jira mappings', () => {
  it('prints the Cloud create payload with ADF text', async () => {
    const result = await previewResult({ mapping: JIRA_FINDING_MAPPING, event: FAILED_FINDING });

    expect(result.whenNoTicketExists.outcome).toBe('created');
    const [create, writeback] = result.whenNoTicketExists.requests;
    expect(create.call).toBe('POST /rest/api/3/issue');
    const fields = create.body.fields;
    expect(fields.project).toEqual({ key: 'SEC' });
    expect(fields.issuetype).toEqual({ name: '[System] Incident' });
    expect(fields.priority).toEqual({ name: 'High' });
    expect(fields.summary).toBe('[AWS Security Hub] HIGH: S3 general purpose buckets should block public access (111122223333/us-east-1)');
    // The connector's own labels: every linked issue's, and the correlation value.
    expect(fields.labels).toEqual(['aws-security-hub', 'severity-high', 'itsm-sync', result.correlation]);
    expectValidAdf(fields.description, 'description');
    expect(JSON.stringify(fields.description)).toContain('Security control: S3.8');

    expect(writeback.call).toMatch(/^AWS write-back to asff /);
    expect(writeback.body).toEqual({ status: 'NOTIFIED', note: 'Jira issue SEC-1: https://preview.invalid/browse/SEC-1' });
    expect(result.target).toMatchObject({ system: 'jira', table: 'SEC', deployment: 'cloud' });
    expect(result.target.fieldCatalog).toContain("The Jira simulator's default fields");
    expect(result.whenTicketIsOpen).toEqual({ outcome: 'unchanged', requests: [] });
  });

  it('prints wiki text on Data Center', async () => {
    const result = await previewResult({ mapping: JIRA_FINDING_MAPPING, event: FAILED_FINDING, deployment: 'datacenter' });

    const [create] = result.whenNoTicketExists.requests;
    expect(create.call).toBe('POST /rest/api/2/issue');
    expect(typeof create.body.fields.description).toBe('string');
    expect(create.body.fields.description).toContain('Severity: HIGH\nCompliance status: FAILED');
    expect(result.target.fieldCatalog).toContain('GET /rest/api/2/field');
  });

  it('shows the status a resolve moves to', async () => {
    const result = await previewResult({ mapping: JIRA_FINDING_MAPPING, event: PASSED_FINDING });

    expect(result.whenNoTicketExists).toEqual({ outcome: 'not-created', requests: [] });
    expect(result.whenTicketIsOpen.outcome).toBe('resolved');
    const [move, comment] = result.whenTicketIsOpen.requests;
    expect(move).toEqual({ call: 'move SEC-0 to status "Resolved"', status: 'Resolved', screenFields: { resolution: { name: 'Done' } } });
    expect(comment.call).toBe('POST /rest/api/3/issue/10000/comment');
    expectValidAdf(comment.body.body, 'comment');
    expect(comment.body.properties).toEqual([{ key: 'sd.public.comment', value: { internal: true } }]);
  });

  it('passes a field the catalog lacks as given', async () => {
    const mapping = join(mkdtempSync(join(tmpdir(), 'itsm-sync-preview-')), 'finding.yaml');
    const text = readFileSync(JIRA_FINDING_MAPPING, 'utf8').replace('\nfields:\n', '\nfields:\n  customfield_12345: \'"team-" & $lowercase(severity)\'\n');
    writeFileSync(mapping, text);

    const result = await previewResult({ mapping, event: FAILED_FINDING });

    expect(result.whenNoTicketExists.requests[0].body.fields.customfield_12345).toBe('team-high');
    expect(result.target.fieldsNotInCatalog).toEqual(['customfield_12345']);
  });

  it('prints Assets attributes by name', async () => {
    const result = await previewResult({ mapping: JIRA_INSTANCE_MAPPING, event: fixture('aws-events/config/configuration-item-change-update-ec2-instance.json') });

    const [create] = result.whenNoTicketExists.requests;
    expect(create.call).toBe('create object of type "EC2 Instance" in schema AWS');
    expect(create.attributes).toMatchObject({
      Name: 'web-tier-01',
      'Resource ID': 'i-0a1b2c3d4e5f60718',
      'Instance Type': 'm5.large',
      Status: 'Active',
      'itsm-sync correlation': result.correlation,
    });
    expect(result.target.assets).toContain('Attributes by name');
  });

  it('retires the object of a deleted resource', async () => {
    const result = await previewResult({ mapping: JIRA_INSTANCE_MAPPING, event: fixture('aws-events/config/configuration-item-change-delete-ec2-instance.json') });

    expect(result.whenNoTicketExists.outcome).toBe('not-created');
    expect(result.whenTicketIsOpen).toEqual({ outcome: 'resolved', requests: [{ call: 'update object AWS-0', attributes: { Status: 'Retired' } }] });
  });

  it('previews the account CI of a resource event', async () => {
    const mapping = join(REPOSITORY_ROOT, 'mappings/config-aws-account-to-cmdb.yaml');

    const { code, stdout } = await preview({ mapping, event: fixture('aws-events/config/configuration-item-change-update-ec2-instance.json') });

    // The event carries the account, Region and instance records; this mapping selects the account's.
    expect(code).toBe(0);
    const results = JSON.parse(stdout) as Array<Record<string, any>>;
    expect(results.map((result) => result.record.id)).toEqual(['AWS::::Account 111122223333']);
    expect(results[0]?.whenNoTicketExists.outcome).toBe('created');
    expect(results[0]?.whenNoTicketExists.requests[0]).toMatchObject({
      call: 'POST /api/now/table/cmdb_ci_cloud_service_account',
      body: { name: '111122223333', account_id: '111122223333', datacenter_type: 'cmdb_ci_aws_datacenter' },
    });
  });

  it('rejects --deployment for a ServiceNow mapping', async () => {
    const { code, stderr } = await preview({ mapping: FINDING_MAPPING, event: FAILED_FINDING, deployment: 'datacenter' });

    expect(code).toBe(1);
    expect(stderr).toContain('--deployment applies to Jira mappings, but');
    expect(stderr).toContain('syncs to servicenow; leave --deployment out.');
  });
});

describe('itsm-sync preview of a publication', () => {
  const PUBLICATION = join(REPOSITORY_ROOT, 'mappings/examples/cmdb-linux-server-to-config.yaml');
  const PUBLICATION_FIELDS = 'name, host_name, ip_address, os, os_version, cpu_count, ram, environment, install_status, operational_status';
  // A CI of the base class as GET /api/now/table/cmdb_ci/<sys_id> returns it, with reference links.
  const SAVED_CI = fixture('servicenow/table/cmdb_ci-get.http.json');

  /** Write `content` to a file of a new temporary folder and return its path. */
  function fileWith(content: string): string {
    const file = join(mkdtempSync(join(tmpdir(), 'itsm-sync-preview-')), 'record.json');
    writeFileSync(file, content);
    return file;
  }

  function recordFile(fields: Record<string, string>): string {
    return fileWith(JSON.stringify({ result: { sys_id: '9d385017c611228701d22104cc95c371', name: 'lnx-web-01', cpu_count: '4', install_status: '1', ...fields } }));
  }

  /** Returns the Table API response body of the saved CI. */
  function savedCi(): { result: Record<string, unknown> } {
    return (JSON.parse(readFileSync(SAVED_CI, 'utf8')) as { response: { body: { result: Record<string, unknown> } } }).response.body;
  }

  /** Writes a publication of the base CMDB class that reads a reference field, and returns its path. */
  function referencePublication(): string {
    const file = join(mkdtempSync(join(tmpdir(), 'itsm-sync-preview-')), 'publication.yaml');
    writeFileSync(
      file,
      [
        'kind: publication',
        'name: cmdb-ci-to-config',
        'from: { system: servicenow, table: cmdb_ci, fields: [name, support_group] }',
        'to: { resourceType: MyCompany::CMDB::Item, schemaVersionId: "00000001" }',
        'configuration: { Name: name, SupportGroup: support_group }',
        '',
      ].join('\n'),
    );
    return file;
  }

  it('prints the PutResourceConfig request', async () => {
    const { code, stdout, stderr } = await preview({ mapping: PUBLICATION, record: recordFile({ environment: 'test' }) });

    expect(code).toBe(0);
    const output = JSON.parse(stdout) as Record<string, any>;
    expect(output.request.call).toBe('PutResourceConfig');
    expect(output.request.body).toMatchObject({
      ResourceType: 'MyCompany::CMDB::LinuxServer',
      SchemaVersionId: '00000001',
      ResourceId: '9d385017c611228701d22104cc95c371',
      ResourceName: 'lnx-web-01',
    });
    expect(output.request.body.Configuration).toMatchObject({ Name: 'lnx-web-01', CpuCount: 4, Environment: 'Test' });
    expect(output.note).toContain('Configuration is sent as JSON text');
    expect(output.missingFields).toContain('host_name');
    expect(stderr).toMatch(/^warning: .*record\.json lacks host_name, ip_address, os, os_version, ram, operational_status of from\.fields; the preview reads them as empty text \(""\)\.\n$/);
  });

  it('prints DeleteResourceConfig for a retired record', async () => {
    const { code, stdout } = await preview({ mapping: PUBLICATION, record: recordFile({ install_status: '7' }) });

    expect(code).toBe(0);
    const output = JSON.parse(stdout) as Record<string, any>;
    expect(output.request).toEqual({
      call: 'DeleteResourceConfig',
      body: { ResourceType: 'MyCompany::CMDB::LinuxServer', ResourceId: '9d385017c611228701d22104cc95c371' },
    });
    // The note is about the Configuration of PutResourceConfig, which a delete does not send.
    expect(output).not.toHaveProperty('note');
  });

  it('previews a saved CI that lacks some fields', async () => {
    // The fixture is an HTTP exchange; the saved record is its response body.
    const record = fileWith(JSON.stringify(savedCi()));
    const saved = await preview({ mapping: PUBLICATION, record });

    expect(saved.code, saved.stderr).toBe(0);
    const output = JSON.parse(saved.stdout) as Record<string, any>;
    expect(output.request.body).toMatchObject({ ResourceId: '466cc538cb4f65b8ef2d1caeb02880a7', ResourceName: 'web-tier-01' });
    expect(output.request.body.Configuration).toMatchObject({ Name: 'web-tier-01', IpAddress: '10.20.30.40', Environment: 'Unknown', Operational: true });
    expect(output.missingFields).toEqual(['host_name', 'os', 'os_version', 'cpu_count', 'ram']);
    expect(saved.stderr).toContain('lacks host_name, os, os_version, cpu_count, ram of from.fields');
  });

  it('asks for --record instead of --event', async () => {
    const { code, stderr } = await preview({ mapping: PUBLICATION, event: FAILED_FINDING });

    expect(code).toBe(1);
    expect(stderr).toContain('is a publication: give the CMDB record with --record FILE');
    expect(stderr).toContain('GET /api/now/table/cmdb_ci_linux_server/<sys_id>?sysparm_exclude_reference_link=true');
  });

  it('names a record file that is not JSON, with the JSON error', async () => {
    const record = fileWith('{ "result": { "name": "lnx-web-01", } }');

    const { code, stdout, stderr } = await preview({ mapping: PUBLICATION, record });

    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toContain(`preview failed: cannot read ${record} as JSON: `);
    let jsonError = '';
    try {
      JSON.parse(readFileSync(record, 'utf8'));
    } catch (error) {
      jsonError = (error as Error).message;
    }
    expect(stderr).toContain(jsonError);
  });

  it('names a record file that does not exist', async () => {
    const record = join(tmpdir(), 'itsm-sync-no-such-record.json');

    const { code, stderr } = await preview({ mapping: PUBLICATION, record });

    expect(code).toBe(1);
    expect(stderr).toBe(`preview failed: cannot read ${record}: no such file\n`);
  });

  it('rejects a record saved with display values', async () => {
    const plain = savedCi().result;
    const withDisplayValues = Object.fromEntries(Object.entries(plain).map(([field, value]) => [field, { display_value: value, value }]));
    const record = fileWith(JSON.stringify({ result: withDisplayValues }));

    const { code, stdout, stderr } = await preview({ mapping: PUBLICATION, record });

    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toContain(`${record} holds objects instead of text in sys_id, name, ip_address, environment, install_status, …`);
    expect(stderr).toContain('saved with display values (sysparm_display_value=all or true)');
    expect(stderr).toContain('GET /api/now/table/cmdb_ci_linux_server/<sys_id>?sysparm_display_value=false&sysparm_exclude_reference_link=true');
  });

  it('rejects a record saved with reference links', async () => {
    const record = fileWith(JSON.stringify(savedCi()));

    const { code, stderr } = await preview({ mapping: referencePublication(), record });

    expect(code).toBe(1);
    expect(stderr).toContain(`${record} holds objects instead of text in support_group: the record was saved with reference links.`);
    expect(stderr).toContain('GET /api/now/table/cmdb_ci/<sys_id>?sysparm_display_value=false&sysparm_exclude_reference_link=true');
  });

  it('rejects a record of another table', async () => {
    const record = fileWith(JSON.stringify({ result: { sys_id: '9c3141430b2d3c0000e117512e167ee1', number: 'INC0010043', short_description: 'Disk full' } }));

    const { code, stdout, stderr } = await preview({ mapping: PUBLICATION, record });

    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toContain(`${record} does not look like a record of cmdb_ci_linux_server: it has none of the fields that from.fields lists (${PUBLICATION_FIELDS.split(', ').slice(0, 5).join(', ')}, …)`);
  });

  it('rejects a list of records', async () => {
    const record = fileWith(JSON.stringify({ result: [savedCi().result, savedCi().result] }));

    const { code, stderr } = await preview({ mapping: PUBLICATION, record });

    expect(code).toBe(1);
    expect(stderr).toContain(`${record} holds a list of 2 records; save one record with GET /api/now/table/cmdb_ci_linux_server/<sys_id>`);
  });
});
