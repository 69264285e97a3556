import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { REPOSITORY_ROOT } from '../../support/harness.js';

/** Runs `itsm-sync demo` with the given options; each case here is rejected before anything starts. */
function demo(...args: string[]): { status: number | null; stderr: string } {
  const result = spawnSync(process.execPath, [join(REPOSITORY_ROOT, 'bin/itsm-sync.js'), 'demo', ...args], {
    encoding: 'utf8',
    env: { ...process.env, NODE_NO_WARNINGS: '1' },
    timeout: 20_000,
  });
  return { status: result.status, stderr: result.stderr };
}

describe('itsm-sync demo options', () => {
  it('rejects an unknown target', () => {
    const { status, stderr } = demo('--target', 'zendesk');

    expect(status).toBe(1);
    expect(stderr).toContain("argument 'zendesk' is invalid. expected one of servicenow, jira");
  });

  it('rejects an unknown Jira deployment', () => {
    const { status, stderr } = demo('--target', 'jira', '--deployment', 'server');

    expect(status).toBe(1);
    expect(stderr).toContain("argument 'server' is invalid. expected one of cloud, datacenter");
  });

  it('rejects --deployment without --target jira', () => {
    const { status, stderr } = demo('--deployment', 'datacenter');

    expect(status).toBe(1);
    expect(stderr).toContain('--deployment applies to the Jira demo only; add --target jira');
  });
});
