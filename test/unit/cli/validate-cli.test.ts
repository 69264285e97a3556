/**
 * The `itsm-sync validate` command run as a process: which mappings folder it checks when none is
 * given on the command line.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const CLI = fileURLToPath(new URL('../../../bin/itsm-sync.js', import.meta.url));
const SHIPPED_FINDING_MAPPING = fileURLToPath(new URL('../../../mappings/securityhub-finding-to-incident.yaml', import.meta.url));

const execFileAsync = promisify(execFile);

/** Exit code and output of one `itsm-sync validate` run; a failed run does not throw. */
async function validate(cwd: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await execFileAsync(process.execPath, [CLI, 'validate', ...args], { cwd, env: { PATH: process.env.PATH, ...env } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failure = error as { code: number; stdout: string; stderr: string };
    return { code: failure.code, stdout: failure.stdout, stderr: failure.stderr };
  }
}

let folder: string;

beforeEach(() => {
  // One valid folder and one with a mapping that names an unknown target system.
  folder = mkdtempSync(join(tmpdir(), 'itsm-sync-validate-cli-'));
  mkdirSync(join(folder, 'good'));
  cpSync(SHIPPED_FINDING_MAPPING, join(folder, 'good', 'finding.yaml'));
  mkdirSync(join(folder, 'broken'));
  writeFileSync(join(folder, 'broken', 'bad.yaml'), 'name: bad\nsource:\n  kind: finding\ntarget:\n  system: remedy\n');
});

afterEach(() => {
  rmSync(folder, { recursive: true, force: true });
});

describe('itsm-sync validate', () => {
  it('checks MAPPINGS_DIR from .env', async () => {
    writeFileSync(join(folder, '.env'), 'MAPPINGS_DIR=./broken\n');

    const result = await validate(folder, []);

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('bad.yaml');
    expect(result.stderr).toContain('in ./broken');
  });

  it('prefers the environment to .env', async () => {
    writeFileSync(join(folder, '.env'), 'MAPPINGS_DIR=./broken\n');

    const result = await validate(folder, [], { MAPPINGS_DIR: './good' });

    expect(result.code).toBe(0);
    expect(result.stdout).toContain('1 mapping(s) valid in ./good');
  });

  it('prefers the folder argument to both', async () => {
    writeFileSync(join(folder, '.env'), 'MAPPINGS_DIR=./broken\n');

    const result = await validate(folder, ['./good'], { MAPPINGS_DIR: './broken' });

    expect(result.code).toBe(0);
    expect(result.stdout).toContain('1 mapping(s) valid in ./good');
  });

  it('names the folder argument when it is a file', async () => {
    const result = await validate(folder, ['./good/finding.yaml']);

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('is a file, not a folder; set the folder argument of validate to the folder that contains the mapping files');
  });
});
