import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

import { beforeAll, describe, expect, it } from 'vitest';

import type { EventBridgeEvent, SourceRecord } from '../../../src/core/types.js';
import { loadRuleFile, type SyncRule } from '../../../src/rules/index.js';
import { FindingSource } from '../../../src/sources/securityhub/finding-source.js';
import { SHIPPED_MAPPING } from './mapping-test-kit.js';

// Security Hub events copied from the fixture corpus, normalized by the real finding source, so
// this checks the shipped mapping against finding views as the daemon builds them.
const EVENTS_DIR = fileURLToPath(new URL('../../fixtures/aws-events/securityhub/', import.meta.url));

let rule: SyncRule;

beforeAll(async () => {
  rule = await loadRuleFile(SHIPPED_MAPPING);
});

async function recordsOf(file: string): Promise<SourceRecord[]> {
  const event = JSON.parse(await readFile(`${EVENTS_DIR}${file}`, 'utf8')) as EventBridgeEvent;
  return new FindingSource().toRecords(event);
}

describe('default mapping on corpus findings', () => {
  it.each([
    ['imported-cspm-s3-bucket-control-failed.json', true, false],
    ['imported-cspm-iam-root-hardware-mfa-failed.json', true, false],
    ['s3-bucket-control-failed.ocsf-twin.json', true, false],
    ['findings-imported-v2-ocsf-compliance.json', true, false],
    ['imported-inspector-package-vulnerability.json', true, false],
    // GuardDuty labels this finding LOW, below the creation threshold.
    ['imported-guardduty-root-credential-usage.json', false, false],
    ['imported-compliance-passed-workflow-resolved.json', false, true],
    ['imported-archived-resource-deleted.json', false, true],
  ])('%s: create %s, resolve %s', async (file, create, resolve) => {
    const records = await recordsOf(file);

    expect(records).toHaveLength(1);
    const view = records[0]?.view;
    expect(await rule.lifecycle.create.evaluate(view, { rule: rule.name })).toBe(create);
    expect(await rule.lifecycle.resolve.evaluate(view, { rule: rule.name })).toBe(resolve);
  });

  it('writes no null text for any corpus finding', async () => {
    const files = [
      'imported-cspm-s3-bucket-control-failed.json',
      'imported-inspector-package-vulnerability.json',
      'imported-guardduty-root-credential-usage.json',
      'findings-imported-v2-ocsf-compliance.json',
    ];

    for (const file of files) {
      const [record] = await recordsOf(file);
      for (const field of rule.fields) {
        const value = await field.evaluate(record?.view, { rule: rule.name });
        expect(String(value), `${file}: ${field.name}`).not.toMatch(/\bnull\b|undefined/);
      }
    }
  });
});
