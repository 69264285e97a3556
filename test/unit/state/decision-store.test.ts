/**
 * The decision audit trail of SqliteStateStore, on real SQLite files in a temporary folder: claims
 * that happen once, results, listing, taking over failed and abandoned claims, and the schema
 * migration of a file written before decisions existed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { SCHEMA_VERSION, SqliteStateStore } from '../../../src/state/sqlite-store.js';
import {
  DECISION_PENDING_TIMEOUT_MS,
  DecisionNotFoundError,
  InvalidDecisionError,
  type Decision,
  type Link,
} from '../../../src/state/store.js';

const EXECUTION_ID = '9d32a4fc-f944-11e6-4105-0a1b2e3c4d5e';
const KEY = { executionId: EXECUTION_ID, decisionKind: 'approval' as const };

let folder: string;
let path: string;
let store: SqliteStateStore;

beforeEach(() => {
  folder = mkdtempSync(join(tmpdir(), 'itsm-sync-decisions-'));
  path = join(folder, 'state.db');
  store = new SqliteStateStore(path);
});

afterEach(async () => {
  await store.close().catch(() => undefined);
  rmSync(folder, { recursive: true, force: true });
});

function decision(overrides: Partial<Decision> = {}): Decision {
  return {
    executionId: EXECUTION_ID,
    decisionKind: 'approval',
    signal: 'Approve',
    ticketNumber: 'CHG0030012',
    ticketUrl: 'https://itsm-dev.example.com/change_request.do?sys_id=c0ffee',
    approver: 'avery.agent',
    comment: 'Approved in ServiceNow CHG0030012 by avery.agent: go ahead',
    decidedAt: '2025-03-10T15:04:00Z',
    claimedAt: '2025-03-10T15:04:10Z',
    status: 'pending',
    rule: 'change-requests',
    correlation: 'aws-cr-9d32a4fc',
    ...overrides,
  };
}

/** Returns the time `minutes` after the first claim. */
function minutesLater(minutes: number): string {
  return new Date(Date.parse('2025-03-10T15:04:10Z') + minutes * 60_000).toISOString();
}

describe('claimDecision', () => {
  it('claims a decision once', async () => {
    expect(await store.claimDecision(decision())).toBe(true);
    expect(await store.claimDecision(decision({ claimedAt: minutesLater(1) }))).toBe(false);

    const [stored, ...others] = await store.listDecisions();
    expect(others).toEqual([]);
    expect(stored).toMatchObject({ status: 'pending', claimedAt: '2025-03-10T15:04:10.000Z', attempts: 1 });
  });

  it('keys by execution and kind', async () => {
    expect(await store.claimDecision(decision())).toBe(true);
    expect(await store.claimDecision(decision({ decisionKind: 'calendar-override' }))).toBe(true);
    expect(await store.claimDecision(decision({ executionId: '73c8eef8-f4ee-4a05-820c-e354f0a1b2c3' }))).toBe(true);

    expect(await store.listDecisions()).toHaveLength(3);
  });

  it('keeps a sent decision', async () => {
    await store.claimDecision(decision());
    await store.completeDecision(KEY, { status: 'sent', completedAt: '2025-03-10T15:04:11Z' });

    expect(await store.claimDecision(decision({ claimedAt: minutesLater(60) }))).toBe(false);
  });

  it('keeps a refused decision', async () => {
    await store.claimDecision(decision());
    await store.completeDecision(KEY, { status: 'refused', errorCode: 'InvalidAutomationSignalException', reason: 'AWS no longer waits', completedAt: minutesLater(0) });

    expect(await store.claimDecision(decision({ claimedAt: minutesLater(60) }))).toBe(false);
  });

  it('takes over a failed decision', async () => {
    await store.claimDecision(decision());
    await store.completeDecision(KEY, { status: 'failed', errorCode: 'ThrottlingException', reason: 'throttled', completedAt: minutesLater(0) });

    expect(await store.claimDecision(decision({ claimedAt: minutesLater(1), comment: 'second try' }))).toBe(true);

    const [stored] = await store.listDecisions();
    expect(stored).toMatchObject({ status: 'pending', attempts: 2, comment: 'second try', claimedAt: minutesLater(1) });
    expect(stored?.errorCode).toBeUndefined();
    expect(stored?.reason).toBeUndefined();
    expect(stored?.completedAt).toBeUndefined();
  });

  it('takes over an abandoned pending claim', async () => {
    await store.claimDecision(decision());
    const timeoutMinutes = DECISION_PENDING_TIMEOUT_MS / 60_000;

    expect(await store.claimDecision(decision({ claimedAt: minutesLater(timeoutMinutes) }))).toBe(false);
    expect(await store.claimDecision(decision({ claimedAt: minutesLater(timeoutMinutes + 1) }))).toBe(true);
    expect((await store.listDecisions())[0]?.attempts).toBe(2);
  });

  it('takes the pending timeout from the options', async () => {
    await store.claimDecision(decision());

    expect(await store.claimDecision(decision({ claimedAt: minutesLater(2) }), { pendingTimeoutMs: 60_000 })).toBe(true);
  });

  it('starts a claim without a result', async () => {
    await store.claimDecision(decision({ status: 'sent', errorCode: 'X', reason: 'old', completedAt: '2025-03-10T15:00:00Z' }));

    const [stored] = await store.listDecisions();
    expect(stored?.status).toBe('pending');
    expect(stored).not.toHaveProperty('errorCode');
    expect(stored).not.toHaveProperty('completedAt');
  });

  it('stores times in UTC', async () => {
    await store.claimDecision(decision({ decidedAt: '2025-03-10T08:04:00-07:00' }));

    expect((await store.listDecisions())[0]?.decidedAt).toBe('2025-03-10T15:04:00.000Z');
  });

  it.each([
    ['decidedAt', { decidedAt: '2025-03-10 15:04:00' }, /Invalid decidedAt "2025-03-10 15:04:00" .*expected an ISO-8601 time with a zone/],
    ['claimedAt', { claimedAt: 'yesterday' }, /Invalid claimedAt "yesterday"/],
    ['executionId', { executionId: '' }, /executionId is missing/],
    ['ticketNumber', { ticketNumber: '' }, /ticketNumber is missing/],
    ['decisionKind', { decisionKind: 'veto' as never }, /decisionKind "veto" must be approval or calendar-override/],
    ['signal', { signal: 'Resume' as never }, /signal "Resume" must be Approve or Reject/],
  ])('rejects a bad %s', async (field, overrides, message) => {
    const error = await store.claimDecision(decision(overrides)).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(InvalidDecisionError);
    expect((error as InvalidDecisionError).field).toBe(field);
    expect((error as Error).message).toMatch(message);
    expect(await store.listDecisions()).toEqual([]);
  });
});

describe('completeDecision', () => {
  it('records a refusal with its reason', async () => {
    await store.claimDecision(decision());

    await store.completeDecision(KEY, {
      status: 'refused',
      errorCode: 'InvalidAutomationSignalException',
      reason: 'AWS no longer waits for an approval of this execution',
      completedAt: '2025-03-10T15:04:12Z',
    });

    expect((await store.listDecisions())[0]).toMatchObject({
      status: 'refused',
      errorCode: 'InvalidAutomationSignalException',
      reason: 'AWS no longer waits for an approval of this execution',
      completedAt: '2025-03-10T15:04:12.000Z',
      approver: 'avery.agent',
      ticketNumber: 'CHG0030012',
    });
  });

  it('clears an earlier error when sent', async () => {
    await store.claimDecision(decision());
    await store.completeDecision(KEY, { status: 'failed', errorCode: 'ThrottlingException', reason: 'throttled', completedAt: minutesLater(0) });
    await store.claimDecision(decision({ claimedAt: minutesLater(1) }));

    await store.completeDecision(KEY, { status: 'sent', completedAt: minutesLater(1) });

    const [stored] = await store.listDecisions();
    expect(stored?.status).toBe('sent');
    expect(stored).not.toHaveProperty('errorCode');
    expect(stored).not.toHaveProperty('reason');
  });

  it('rejects an unclaimed key', async () => {
    const error = await store.completeDecision(KEY, { status: 'sent', completedAt: minutesLater(0) }).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(DecisionNotFoundError);
    expect((error as DecisionNotFoundError).key).toEqual(KEY);
    expect((error as Error).message).toMatch(/No approval decision was claimed for Automation execution 9d32a4fc/);
  });

  it('rejects a bad completion time', async () => {
    await store.claimDecision(decision());

    await expect(store.completeDecision(KEY, { status: 'sent', completedAt: 'now' })).rejects.toBeInstanceOf(InvalidDecisionError);
    expect((await store.listDecisions())[0]?.status).toBe('pending');
  });
});

describe('listDecisions', () => {
  beforeEach(async () => {
    await store.claimDecision(decision({ executionId: 'bbbbbbbb-0000-4000-8000-000000000002', decidedAt: '2025-03-11T09:00:00Z' }));
    await store.claimDecision(decision({ executionId: 'aaaaaaaa-0000-4000-8000-000000000001', decidedAt: '2025-03-10T09:00:00Z' }));
    await store.claimDecision(decision({ executionId: 'cccccccc-0000-4000-8000-000000000003', decidedAt: '2025-03-11T09:00:00Z' }));
  });

  it('lists oldest decision first', async () => {
    const listed = await store.listDecisions();

    expect(listed.map((entry) => entry.executionId)).toEqual([
      'aaaaaaaa-0000-4000-8000-000000000001',
      'bbbbbbbb-0000-4000-8000-000000000002',
      'cccccccc-0000-4000-8000-000000000003',
    ]);
  });

  it('filters by decision time', async () => {
    const listed = await store.listDecisions({ since: '2025-03-11T09:00:00Z' });

    expect(listed.map((entry) => entry.executionId)).toEqual(['bbbbbbbb-0000-4000-8000-000000000002', 'cccccccc-0000-4000-8000-000000000003']);
  });

  it('compares since across zones', async () => {
    const listed = await store.listDecisions({ since: '2025-03-11T10:00:00+02:00' });

    expect(listed).toHaveLength(2);
  });

  it('rejects a bad since', async () => {
    await expect(store.listDecisions({ since: 'last week' })).rejects.toThrow(/Invalid since "last week"/);
  });

  it('keeps decisions across reopening', async () => {
    await store.close();
    store = new SqliteStateStore(path);

    expect(await store.listDecisions()).toHaveLength(3);
  });
});

describe('schema migration', () => {
  /** Writes a file as itsm-sync wrote it before decisions existed (schema version 1), with one link. */
  function writeVersionOneFile(file: string, link: Link): void {
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.exec(`
      CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS links (
        correlation TEXT PRIMARY KEY,
        rule TEXT NOT NULL,
        identity TEXT NOT NULL,
        document TEXT NOT NULL
      );
      CREATE INDEX IF NOT EXISTS links_by_rule ON links (rule);
      CREATE TABLE IF NOT EXISTS cursors (name TEXT PRIMARY KEY, value TEXT NOT NULL);
    `);
    db.prepare("INSERT INTO meta (key, value) VALUES ('schema_version', '1')").run();
    db.prepare('INSERT INTO links (correlation, rule, identity, document) VALUES (?, ?, ?, ?)').run(link.correlation, link.rule, link.identity, JSON.stringify(link));
    db.prepare("INSERT INTO cursors (name, value) VALUES ('servicenow:incident', '2025-03-10T00:00:00Z')").run();
    db.close();
  }

  const LINK: Link = {
    correlation: 'aws-sh-3f0a',
    identity: 'finding|111122223333|arn:aws:securityhub:us-east-1::product/aws/securityhub/arn-1',
    kind: 'finding',
    rule: 'security-findings',
    status: 'open',
    written: { short_description: 'S3 bucket allows public access' },
    writebacks: {},
    previousTickets: [],
    createdAt: '2025-03-10T15:00:00.000Z',
    updatedAt: '2025-03-10T15:00:00.000Z',
  };

  function schemaVersion(file: string): string {
    const db = new Database(file, { readonly: true });
    try {
      return (db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get() as { value: string }).value;
    } finally {
      db.close();
    }
  }

  it('upgrades a version 1 file', async () => {
    const file = join(folder, 'v1.db');
    writeVersionOneFile(file, LINK);

    const upgraded = new SqliteStateStore(file);
    try {
      expect(await upgraded.getLink('aws-sh-3f0a')).toEqual(LINK);
      expect(await upgraded.getCursor('servicenow:incident')).toBe('2025-03-10T00:00:00Z');
      expect(await upgraded.claimDecision(decision())).toBe(true);
      expect(await upgraded.listDecisions()).toHaveLength(1);
    } finally {
      await upgraded.close();
    }
    expect(schemaVersion(file)).toBe(String(SCHEMA_VERSION));
    expect(SCHEMA_VERSION).toBe(2);
  });

  it('writes the current version to a new file', () => {
    expect(schemaVersion(path)).toBe(String(SCHEMA_VERSION));
  });

  it('refuses a file from a newer build', async () => {
    await store.close();
    const db = new Database(path);
    db.prepare("UPDATE meta SET value = ? WHERE key = 'schema_version'").run(String(SCHEMA_VERSION + 1));
    db.close();

    expect(() => new SqliteStateStore(path)).toThrow(/written by a newer itsm-sync \(schema version 3, this build knows 2\)/);
  });
});
