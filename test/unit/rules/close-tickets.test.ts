import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { loadRules, validateRules } from '../../../src/rules/index.js';
import { removeFolder, SHIPPED_MAPPINGS_DIR } from './mapping-test-kit.js';

const folders: string[] = [];

afterEach(async () => {
  await Promise.all(folders.splice(0).map(removeFolder));
});

async function folderWith(name: string, text: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'itsm-sync-close-tickets-'));
  folders.push(dir);
  await writeFile(join(dir, name), text);
  return dir;
}

const CLOSE_TICKETS = `
    closeTickets:
      table: incident
      field: cmdb_ci
      fields:
        state: { const: "6" }
`;

describe('lifecycle.resolve.closeTickets', () => {
  it('compiles on a ServiceNow CI rule', async () => {
    const [rule] = await loadRules(await folderWith('bucket.yaml', await readFile(join(SHIPPED_MAPPINGS_DIR, 'config-s3-bucket-to-cmdb.yaml'), 'utf8')));

    expect(rule!.lifecycle.closeTickets?.table).toBe('incident');
    expect(rule!.lifecycle.closeTickets?.field).toBe('cmdb_ci');
    expect(rule!.lifecycle.closeTickets?.fields.map((field) => field.name)).toEqual(['state', 'close_code', 'close_notes']);
  });

  it('is rejected on a finding rule', async () => {
    const finding = await readFile(join(SHIPPED_MAPPINGS_DIR, 'securityhub-finding-to-incident.yaml'), 'utf8');
    const marker = '  resolve:\n';
    expect(finding).toContain(marker);
    const withCloseTickets = finding.replace(/( {2}resolve:\n(?: {4}.*\n| *\n)*?)( {2}\w)/, (_, resolve: string, next: string) => `${resolve}${CLOSE_TICKETS}\n${next}`);
    expect(withCloseTickets).toContain('closeTickets');

    const { issues } = await validateRules(await folderWith('finding.yaml', withCloseTickets));

    expect(issues.map((issue) => issue.path)).toEqual(['lifecycle.resolve.closeTickets']);
    expect(issues[0]!.message).toContain('belongs to configuration item rules with a servicenow target');
  });
});
