import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, describe, expect, it, vi } from 'vitest';

import { runPreview } from '../../../src/cli/preview.js';
import { REPOSITORY_ROOT } from '../../support/harness.js';

const FINDING_MAPPING = join(REPOSITORY_ROOT, 'mappings/securityhub-finding-to-incident.yaml');
const OPSITEM_MAPPING = join(REPOSITORY_ROOT, 'mappings/opsitem-to-incident.yaml');
const fixture = (path: string): string => join(REPOSITORY_ROOT, 'test/fixtures', path);

/** The OpsItem Create event of the corpus, about the OpsItem of the saved GetOpsItem output. */
function eventForSavedOpsItem(): string {
  const event = JSON.parse(readFileSync(fixture('aws-events/ssm/opsitem-create.json'), 'utf8')) as { detail: Record<string, unknown> };
  event.detail['ops-item-id'] = 'oi-4f3a2b1c0d9e';
  const file = join(mkdtempSync(join(tmpdir(), 'itsm-sync-preview-')), 'event.json');
  writeFileSync(file, JSON.stringify(event));
  return file;
}

/** Run the preview and capture what it prints. */
async function preview(options: { mapping: string; event: string; record?: string }) {
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
