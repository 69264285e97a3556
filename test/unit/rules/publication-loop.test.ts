import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { validateRules } from '../../../src/rules/index.js';
import { removeFolder, SHIPPED_MAPPINGS_DIR } from './mapping-test-kit.js';

const folders: string[] = [];

afterEach(async () => {
  await Promise.all(folders.splice(0).map(removeFolder));
});

/** Validate the example publication next to a configuration item rule with this `source.when`. */
async function issuesWithRuleWhen(when: string): Promise<string[]> {
  const dir = await mkdtemp(join(tmpdir(), 'itsm-sync-publication-loop-'));
  folders.push(dir);
  await writeFile(join(dir, 'publication.yaml'), await readFile(join(SHIPPED_MAPPINGS_DIR, 'examples', 'cmdb-linux-server-to-config.yaml'), 'utf8'));
  await writeFile(
    join(dir, 'rule.yaml'),
    ['name: some-items', `source: { kind: configuration-item, when: '${when}' }`, 'target: { system: servicenow, table: cmdb_ci }', 'correlation: { prefix: aws-some- }', 'lifecycle: { create: { when: true } }', 'fields: { name: resourceId }'].join('\n'),
  );
  return (await validateRules(dir)).issues.map((issue) => issue.message);
}

describe('publication loop check', () => {
  it('sees a rule that takes every live item', async () => {
    const messages = await issuesWithRuleWhen('resourceType != "AWS::S3::Bucket" and $not(deleted)');

    expect(messages).toHaveLength(1);
    expect(messages[0]).toContain('the sync rule some-items');
  });

  it('leaves a rule that names its own types alone', async () => {
    expect(await issuesWithRuleWhen('resourceType in ["AWS::EC2::Instance", "AWS::S3::Bucket"]')).toEqual([]);
  });
});
