/**
 * The `itsm-sync decisions` command: the table and JSON lines it prints from a real SQLite state
 * store, its checks, and the registered command run as a process.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { parseSince, runDecisions } from '../../../src/cli/decisions.js';
import { SqliteStateStore } from '../../../src/state/sqlite-store.js';
import type { Decision } from '../../../src/state/store.js';

const CLI = fileURLToPath(new URL('../../../bin/itsm-sync.js', import.meta.url));

let folder: string;
let env: NodeJS.ProcessEnv;

beforeEach(async () => {
  folder = mkdtempSync(join(tmpdir(), 'itsm-sync-decisions-cli-'));
  env = { STATE_STORE: `sqlite:${join(folder, 'state.db')}` };

  const store = new SqliteStateStore(join(folder, 'state.db'));
  try {
    await store.claimDecision(decision({ executionId: '9d32a4fc-f944-11e6-4105-0a1b2e3c4d5e', ticketNumber: 'CHG0030012', decidedAt: '2025-03-10T15:04:00Z' }));
    await store.completeDecision({ executionId: '9d32a4fc-f944-11e6-4105-0a1b2e3c4d5e', decisionKind: 'approval' }, { status: 'sent', completedAt: '2025-03-10T15:04:11Z' });

    await store.claimDecision(decision({ executionId: '73c8eef8-f4ee-4a05-820c-e354f0a1b2c3', ticketNumber: 'CHG0030015', signal: 'Reject', approver: 'casey.example', decidedAt: '2025-03-12T08:30:00Z' }));
    await store.completeDecision(
      { executionId: '73c8eef8-f4ee-4a05-820c-e354f0a1b2c3', decisionKind: 'approval' },
      { status: 'refused', errorCode: 'InvalidAutomationSignalException', reason: 'AWS no longer waits for an approval of this execution', completedAt: '2025-03-12T08:30:05Z' },
    );
  } finally {
    await store.close();
  }
});

afterEach(() => {
  rmSync(folder, { recursive: true, force: true });
});

function decision(overrides: Partial<Decision>): Decision {
  return {
    executionId: '9d32a4fc-f944-11e6-4105-0a1b2e3c4d5e',
    decisionKind: 'approval',
    signal: 'Approve',
    ticketNumber: 'CHG0030012',
    ticketUrl: 'https://itsm-dev.example.com/change_request.do?sys_id=c0ffee',
    approver: 'avery.agent',
    comment: 'Approved in ServiceNow',
    decidedAt: '2025-03-10T15:04:00Z',
    claimedAt: '2025-03-12T09:00:00Z',
    status: 'pending',
    rule: 'change-requests',
    correlation: 'aws-cr-1',
    ...overrides,
  };
}

/** Runs the command with `options` and returns its exit code and output. */
async function run(options: { json: boolean; since?: string }, environment = env): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runDecisions(options, environment, {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
  });
  return { code, stdout, stderr };
}

describe('runDecisions', () => {
  it('prints a table', async () => {
    const { code, stdout, stderr } = await run({ json: false });

    expect(code).toBe(0);
    expect(stderr).toBe('');
    const lines = stdout.split('\n');
    const header = lines.find((line) => line.includes('Decided (UTC)'));
    for (const column of ['Change', 'Execution', 'Signal', 'Approver', 'Status', 'Reason']) {
      expect(header).toContain(column);
    }
    const sent = lines.find((line) => line.includes('CHG0030012'));
    expect(sent).toMatch(/2025-03-10 15:04:00 .*9d32a4fc-f944-11e6-4105-0a1b2e3c4d5e .*Approve .*avery\.agent .*sent/);
    const refused = lines.find((line) => line.includes('CHG0030015'));
    expect(refused).toMatch(/Reject .*casey\.example .*refused .*AWS no longer waits for an approval of this execution/);
    expect(lines.indexOf(sent!)).toBeLessThan(lines.indexOf(refused!));
  });

  it('prints JSON lines', async () => {
    const { code, stdout } = await run({ json: true });

    expect(code).toBe(0);
    const decisions = stdout.trim().split('\n').map((line) => JSON.parse(line) as Decision);
    expect(decisions.map((entry) => [entry.ticketNumber, entry.signal, entry.status])).toEqual([
      ['CHG0030012', 'Approve', 'sent'],
      ['CHG0030015', 'Reject', 'refused'],
    ]);
    expect(decisions[1]?.errorCode).toBe('InvalidAutomationSignalException');
  });

  it('filters by decision time', async () => {
    const { stdout } = await run({ json: true, since: '2025-03-11T00:00:00.000Z' });

    expect(stdout.trim().split('\n').map((line) => (JSON.parse(line) as Decision).ticketNumber)).toEqual(['CHG0030015']);
  });

  it('says when nothing matches', async () => {
    const { code, stdout } = await run({ json: false, since: '2026-01-01T00:00:00.000Z' });

    expect(code).toBe(0);
    expect(stdout).toBe(`No decisions since 2026-01-01T00:00:00.000Z in ${env.STATE_STORE}.\n`);
  });

  it('reads a store with a journal option', async () => {
    const { code, stdout } = await run({ json: true }, { STATE_STORE: `${env.STATE_STORE}?journal=delete` });

    expect(code).toBe(0);
    expect(stdout.trim().split('\n')).toHaveLength(2);
  });

  it('leaves the journal mode of the file alone', async () => {
    // The daemon on EFS keeps the file in rollback-journal mode; decisions runs next to it.
    const daemonStore = new SqliteStateStore(join(folder, 'state.db'), { journalMode: 'delete' });

    const { code } = await run({ json: true });
    const mode = new Database(join(folder, 'state.db'), { readonly: true });

    try {
      expect(code).toBe(0);
      expect(mode.pragma('journal_mode', { simple: true })).toBe('delete');
    } finally {
      mode.close();
      await daemonStore.close();
    }
  });

  it('names a store of another schema version', async () => {
    const old = join(folder, 'old.db');
    const oldStore = new Database(old);
    oldStore.exec("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL); INSERT INTO meta VALUES ('schema_version', '1')");
    oldStore.close();

    const { code, stderr } = await run({ json: false }, { STATE_STORE: `sqlite:${old}` });

    expect(code).toBe(1);
    expect(stderr).toContain(`The state store ${old} has schema version 1, and this build reads version`);
  });

  it('fails on a missing store file', async () => {
    const missing = join(folder, 'elsewhere.db');

    const { code, stdout, stderr } = await run({ json: false }, { STATE_STORE: `sqlite:${missing}` });

    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toContain(`No state store at ${missing}`);
    expect(stderr).toContain('Set STATE_STORE');
  });

  it('leaves an empty file alone instead of writing a store into it', async () => {
    const empty = join(folder, 'empty.db');
    writeFileSync(empty, '');

    const { code, stderr } = await run({ json: false }, { STATE_STORE: `sqlite:${empty}` });

    expect(code).toBe(1);
    expect(stderr).toContain(`No state store at ${empty}`);
    expect(statSync(empty).size).toBe(0);
  });

  it('fails on an unsupported store', async () => {
    const { code, stderr } = await run({ json: false }, { STATE_STORE: 'dynamodb:itsm-sync' });

    expect(code).toBe(1);
    expect(stderr).toMatch(/STATE_STORE "dynamodb:itsm-sync" is not supported/);
  });
});

describe('parseSince', () => {
  it('accepts a date or a time with a zone', () => {
    expect(parseSince('2025-03-10')).toBe('2025-03-10T00:00:00.000Z');
    expect(parseSince('2025-03-10T08:00:00-07:00')).toBe('2025-03-10T15:00:00.000Z');
  });

  it.each(['yesterday', '2025-03-10 15:00', '2025-03-10T15:00:00', '2025-13-40'])('rejects %s', (value) => {
    expect(() => parseSince(value)).toThrow(`"${value}" is not an ISO-8601 date or time with a zone`);
  });
});

describe('command line', () => {
  const execFileAsync = promisify(execFile);

  it('runs decisions --json', async () => {
    const { stdout } = await execFileAsync(process.execPath, [CLI, 'decisions', '--json', '--since', '2025-03-11'], {
      cwd: folder,
      env: { PATH: process.env.PATH, STATE_STORE: env.STATE_STORE },
    });

    expect(stdout.trim().split('\n').map((line) => (JSON.parse(line) as Decision).executionId)).toEqual(['73c8eef8-f4ee-4a05-820c-e354f0a1b2c3']);
  });

  it('rejects a bad --since', async () => {
    const failure = await execFileAsync(process.execPath, [CLI, 'decisions', '--since', 'soon'], {
      cwd: folder,
      env: { PATH: process.env.PATH, STATE_STORE: env.STATE_STORE },
    }).catch((error: { code: number; stderr: string }) => error);

    expect((failure as { code: number }).code).toBe(1);
    expect((failure as { stderr: string }).stderr).toContain('"soon" is not an ISO-8601 date or time with a zone');
  });
});
