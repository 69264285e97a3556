import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

import Database from 'better-sqlite3';

import {
  DECISION_PENDING_TIMEOUT_MS,
  DecisionNotFoundError,
  InvalidDecisionError,
  type ClaimDecisionOptions,
  type Decision,
  type DecisionFilter,
  type DecisionKey,
  type DecisionResult,
  type Link,
  type StateStore,
} from './store.js';
import type { SqliteJournalMode } from './store-location.js';

export { SQLITE_JOURNAL_MODES, type SqliteJournalMode } from './store-location.js';

/**
 * The schema changes, in order. A file records the version it has reached in `meta`; opening it
 * applies the later steps in one transaction each. Append new steps, never edit old ones, because
 * files in the field have run them.
 */
const MIGRATIONS: ReadonlyArray<{ version: number; sql: string }> = [
  {
    version: 1,
    sql: `
      CREATE TABLE IF NOT EXISTS links (
        correlation TEXT PRIMARY KEY,
        rule TEXT NOT NULL,
        identity TEXT NOT NULL,
        document TEXT NOT NULL
      );
      CREATE INDEX IF NOT EXISTS links_by_rule ON links (rule);
      CREATE TABLE IF NOT EXISTS cursors (name TEXT PRIMARY KEY, value TEXT NOT NULL);
    `,
  },
  {
    // The audit trail of approval decisions sent to Automation executions.
    version: 2,
    sql: `
      CREATE TABLE IF NOT EXISTS decisions (
        execution_id TEXT NOT NULL,
        decision_kind TEXT NOT NULL,
        status TEXT NOT NULL,
        decided_at TEXT NOT NULL,
        claimed_at TEXT NOT NULL,
        document TEXT NOT NULL,
        PRIMARY KEY (execution_id, decision_kind)
      );
      CREATE INDEX IF NOT EXISTS decisions_by_time ON decisions (decided_at);
    `,
  },
];

/** The schema version this build writes: the last migration's. */
export const SCHEMA_VERSION = MIGRATIONS.at(-1)!.version;

/** Options of {@link SqliteStateStore}. */
export interface SqliteStateStoreOptions {
  /** Journal mode of the file; `wal` unless set. A file keeps the mode it was last opened with. */
  journalMode?: SqliteJournalMode;
  /**
   * Open an existing file for reading only, as `itsm-sync decisions` does next to a running daemon:
   * the journal mode and the schema stay as the daemon left them, and every write fails.
   */
  readOnly?: boolean;
}

/** SQLite did not switch the file to the requested journal mode. */
export class JournalModeError extends Error {
  constructor(
    readonly path: string,
    readonly requested: SqliteJournalMode,
    /** The SQLite error, or the mode the file reports instead. */
    readonly detail: string,
  ) {
    super(
      `The state store ${path} could not be switched to journal mode ${requested}: ${detail}. ` +
        'Another process may have the file open (a second task, a one-off backfill); stop it, or point STATE_STORE at another file.',
    );
    this.name = 'JournalModeError';
  }
}

/** A row of the `links` table, as the insert statement takes it. */
interface LinkRow {
  correlation: string;
  rule: string;
  identity: string;
  document: string;
}

/** A save waiting for the group commit, with the settling functions of its promise. */
interface PendingSave {
  row: LinkRow;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * The state store in one SQLite file: the embedded default for a single task.
 *
 * Links are stored as JSON documents keyed by correlation value, and approval decisions as JSON
 * documents keyed by Automation execution and decision kind. Leases are kept in memory: they
 * serialize the syncs of one process, which is all a store that belongs to one task needs, and
 * they cost no disk write. Two processes must not share one file; several tasks on one queue need
 * a shared store with conditional writes.
 *
 * @example
 * const store = new SqliteStateStore('./data/state.db');
 * const link = await store.getLink('aws-sh-3f0a…');
 */
export class SqliteStateStore implements StateStore {
  private readonly db: Database.Database;
  private readonly leases = new Map<string, { owner: string; expiresAt: number }>();
  private readonly statements;
  /** Runs the given saves in one transaction. */
  private readonly saveLinks: (saves: PendingSave[]) => void;
  /** Link saves waiting for the next group commit, in call order; see {@link putLink}. */
  private pendingSaves: PendingSave[] = [];
  private commitScheduled = false;

  constructor(path: string, options: SqliteStateStoreOptions = {}) {
    if (options.readOnly) {
      this.db = new Database(path, { readonly: true, fileMustExist: true });
      this.db.pragma('busy_timeout = 5000');
      this.requireCurrentSchema(path);
    } else {
      if (path !== ':memory:') {
        mkdirSync(dirname(path), { recursive: true });
      }
      this.db = new Database(path);
      this.db.pragma('busy_timeout = 5000');
      this.setJournalMode(path, options.journalMode ?? 'wal');
      this.migrate();
    }

    this.statements = {
      getLink: this.db.prepare('SELECT document FROM links WHERE correlation = ?'),
      putLink: this.db.prepare(
        `INSERT INTO links (correlation, rule, identity, document) VALUES (@correlation, @rule, @identity, @document)
         ON CONFLICT(correlation) DO UPDATE SET rule = excluded.rule, identity = excluded.identity, document = excluded.document`,
      ),
      countAll: this.db.prepare('SELECT COUNT(*) AS n FROM links'),
      countRule: this.db.prepare('SELECT COUNT(*) AS n FROM links WHERE rule = ?'),
      getCursor: this.db.prepare('SELECT value FROM cursors WHERE name = ?'),
      setCursor: this.db.prepare(
        'INSERT INTO cursors (name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value',
      ),
      getDecision: this.db.prepare('SELECT document FROM decisions WHERE execution_id = ? AND decision_kind = ?'),
      putDecision: this.db.prepare(
        `INSERT INTO decisions (execution_id, decision_kind, status, decided_at, claimed_at, document)
         VALUES (@executionId, @decisionKind, @status, @decidedAt, @claimedAt, @document)
         ON CONFLICT(execution_id, decision_kind) DO UPDATE SET
           status = excluded.status, decided_at = excluded.decided_at, claimed_at = excluded.claimed_at, document = excluded.document`,
      ),
      listDecisions: this.db.prepare('SELECT document FROM decisions ORDER BY decided_at, execution_id, decision_kind'),
      listDecisionsSince: this.db.prepare(
        'SELECT document FROM decisions WHERE decided_at >= ? ORDER BY decided_at, execution_id, decision_kind',
      ),
    };

    const putLink = this.statements.putLink;
    this.saveLinks = this.db.transaction((saves: PendingSave[]) => {
      for (const save of saves) putLink.run(save.row);
    });
  }

  /**
   * Sets the journal mode and the matching sync level, and checks the mode the file reports,
   * because SQLite keeps the old mode instead of failing when it cannot switch.
   */
  private setJournalMode(path: string, mode: SqliteJournalMode): void {
    let reported: string;
    try {
      reported = String(this.db.pragma(`journal_mode = ${mode.toUpperCase()}`, { simple: true })).toLowerCase();
    } catch (error) {
      this.db.close();
      // A file of another kind fails its first read here, with no other process to blame.
      if ((error as { code?: unknown }).code === 'SQLITE_NOTADB') throw error;
      // SQLITE_BUSY: leaving WAL needs the only connection to the file.
      throw new JournalModeError(path, mode, (error as Error).message);
    }

    // An in-memory database always reports "memory", and there is no file to check.
    if (path !== ':memory:' && reported !== mode) {
      this.db.close();
      throw new JournalModeError(path, mode, `the file still reports "${reported}"`);
    }

    // With WAL, NORMAL sync is durable across process crashes, which is the failure a task-local
    // file must survive. With a rollback journal on a network file system the host itself can go
    // away (a Fargate task retired, an Availability Zone lost), so every commit is synced (FULL).
    this.db.pragma(mode === 'wal' ? 'synchronous = NORMAL' : 'synchronous = FULL');
  }

  /** Checks, without writing, that the file has this build's schema: a reader cannot migrate it. */
  private requireCurrentSchema(path: string): void {
    const hasMeta = this.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'").get() !== undefined;
    const row = hasMeta ? (this.db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get() as { value: string } | undefined) : undefined;
    const version = row === undefined ? 0 : Number(row.value);
    if (version === SCHEMA_VERSION) return;

    this.db.close();
    throw new Error(
      `The state store ${path} has schema version ${row?.value ?? 'none'}, and this build reads version ${SCHEMA_VERSION}. ` +
        'Run the itsm-sync version that wrote it, or let this version\'s daemon start once on the file, which upgrades it.',
    );
  }

  /** Brings the file's schema up to {@link SCHEMA_VERSION}; refuses a file from a newer build. */
  private migrate(): void {
    this.db.exec('CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)');
    const row = this.db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get() as { value: string } | undefined;
    const current = row === undefined ? 0 : Number(row.value);

    if (!Number.isInteger(current)) {
      throw new Error(`The state store's schema version "${row!.value}" is not a number, so the file is damaged. Point STATE_STORE at another file.`);
    }
    if (current > SCHEMA_VERSION) {
      throw new Error(
        `The state store was written by a newer itsm-sync (schema version ${row!.value}, this build knows ${SCHEMA_VERSION}). ` +
          'Run the newer version, or point STATE_STORE at another file.',
      );
    }

    const setVersion = this.db.prepare(
      "INSERT INTO meta (key, value) VALUES ('schema_version', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
    );
    for (const migration of MIGRATIONS) {
      if (migration.version <= current) continue;
      // Each step and its version mark commit together, so a crash never leaves a half-applied step.
      this.db.transaction(() => {
        this.db.exec(migration.sql);
        setVersion.run(String(migration.version));
      }).immediate();
    }
  }

  async getLink(correlation: string): Promise<Link | undefined> {
    // A save of this link that waits for the group commit is its newest version. Saves of other
    // links stay pending, so that a read in the middle of a turn does not split its commit.
    // NOTE: a pending save whose commit then fails has been read all the same. Saves fail only on
    // a broken row or a broken file, and its caller gets the error.
    for (let index = this.pendingSaves.length - 1; index >= 0; index -= 1) {
      const { row } = this.pendingSaves[index]!;
      if (row.correlation === correlation) return JSON.parse(row.document) as Link;
    }

    const row = this.statements.getLink.get(correlation) as { document: string } | undefined;
    return row ? (JSON.parse(row.document) as Link) : undefined;
  }

  /**
   * Saves a link. Links saved during one turn of the event loop are committed together, in one
   * transaction, right after that turn (group commit). With many syncs in flight, one commit per
   * link was a large share of the daemon's CPU. The promise settles once the link's transaction
   * has committed, so a caller that awaits it has the same guarantee as with a commit of its own.
   *
   * The commit runs from a `setImmediate` callback: a test with fake timers must leave
   * `setImmediate` real, or advance the timers, before it awaits a save.
   */
  async putLink(link: Link): Promise<void> {
    const row: LinkRow = {
      correlation: link.correlation,
      rule: link.rule,
      identity: link.identity,
      document: JSON.stringify(link),
    };

    return new Promise((resolve, reject) => {
      this.pendingSaves.push({ row, resolve, reject });
      if (!this.commitScheduled) {
        this.commitScheduled = true;
        setImmediate(() => this.commitLinks());
      }
    });
  }

  /** Commits the pending saves in one transaction. `countLinks` and `close` call it first. */
  private commitLinks(): void {
    this.commitScheduled = false;
    if (this.pendingSaves.length === 0) return;

    const saves = this.pendingSaves;
    this.pendingSaves = [];

    // The saves run in call order, so the last save of a link is the one on disk.
    try {
      this.saveLinks(saves);
    } catch {
      // The transaction rolled back, so each save runs alone and settles by its own result.
      for (const save of saves) {
        try {
          this.statements.putLink.run(save.row);
        } catch (error) {
          save.reject(error);
          continue;
        }
        save.resolve();
      }
      return;
    }
    for (const save of saves) save.resolve();
  }

  async countLinks(rule?: string): Promise<number> {
    this.commitLinks();
    const row = (rule ? this.statements.countRule.get(rule) : this.statements.countAll.get()) as { n: number };
    return row.n;
  }

  async acquireLease(key: string, owner: string, ttlMs: number): Promise<boolean> {
    const now = Date.now();
    const current = this.leases.get(key);

    // Take a free lease, an expired one, or renew our own; a live lease of another owner stays.
    if (current && current.owner !== owner && current.expiresAt > now) return false;
    this.leases.set(key, { owner, expiresAt: now + ttlMs });
    return true;
  }

  async releaseLease(key: string, owner: string): Promise<void> {
    if (this.leases.get(key)?.owner === owner) this.leases.delete(key);
  }

  async getCursor(name: string): Promise<string | undefined> {
    const row = this.statements.getCursor.get(name) as { value: string } | undefined;
    return row?.value;
  }

  async setCursor(name: string, value: string): Promise<void> {
    this.statements.setCursor.run(name, value);
  }

  async claimDecision(decision: Decision, options: ClaimDecisionOptions = {}): Promise<boolean> {
    const claim = normalizeDecision(decision);
    const pendingTimeoutMs = options.pendingTimeoutMs ?? DECISION_PENDING_TIMEOUT_MS;

    // Read and write in one immediate transaction, so no other connection claims in between.
    const claimed = this.db.transaction((): boolean => {
      const existing = this.readDecision(claim);
      if (existing !== undefined && !canTakeOver(existing, claim.claimedAt, pendingTimeoutMs)) {
        return false;
      }

      this.writeDecision({ ...claim, status: 'pending', attempts: (existing?.attempts ?? 0) + 1 });
      return true;
    });
    return claimed.immediate();
  }

  async completeDecision(key: DecisionKey, result: DecisionResult): Promise<void> {
    const completedAt = isoTime(key.executionId, 'completedAt', result.completedAt);

    this.db.transaction(() => {
      const existing = this.readDecision(key);
      if (existing === undefined) {
        throw new DecisionNotFoundError(key);
      }

      // A result replaces the error fields of an earlier attempt, so a sent decision shows none.
      const { errorCode: _errorCode, reason: _reason, ...decision } = existing;
      const completed: Decision = { ...decision, status: result.status, completedAt };
      if (result.errorCode !== undefined) completed.errorCode = result.errorCode;
      if (result.reason !== undefined) completed.reason = result.reason;
      this.writeDecision(completed);
    }).immediate();
  }

  async listDecisions(filter: DecisionFilter = {}): Promise<Decision[]> {
    const rows = (
      filter.since === undefined
        ? this.statements.listDecisions.all()
        : this.statements.listDecisionsSince.all(isoTime('', 'since', filter.since))
    ) as Array<{ document: string }>;
    return rows.map((row) => JSON.parse(row.document) as Decision);
  }

  async close(): Promise<void> {
    this.commitLinks();
    this.db.close();
  }

  private readDecision(key: DecisionKey): Decision | undefined {
    const row = this.statements.getDecision.get(key.executionId, key.decisionKind) as { document: string } | undefined;
    return row ? (JSON.parse(row.document) as Decision) : undefined;
  }

  private writeDecision(decision: Decision): void {
    this.statements.putDecision.run({
      executionId: decision.executionId,
      decisionKind: decision.decisionKind,
      status: decision.status,
      decidedAt: decision.decidedAt,
      claimedAt: decision.claimedAt,
      document: JSON.stringify(decision),
    });
  }
}

/**
 * Returns whether a new claim made at `claimedAt` may replace `existing`: a failure that retrying
 * can help, or a pending claim older than the timeout (its sender crashed).
 */
function canTakeOver(existing: Decision, claimedAt: string, pendingTimeoutMs: number): boolean {
  if (existing.status === 'failed') {
    return true;
  }
  if (existing.status === 'pending') {
    return Date.parse(claimedAt) - Date.parse(existing.claimedAt) > pendingTimeoutMs;
  }
  return false;
}

/**
 * Checks the fields of a decision to claim and writes its times as ISO-8601 UTC with milliseconds,
 * so that text order is time order in the `decided_at` index. A claim starts without a result.
 */
function normalizeDecision(decision: Decision): Decision {
  const id = decision.executionId;
  for (const field of ['executionId', 'decisionKind', 'signal', 'ticketNumber', 'rule', 'correlation'] as const) {
    if (typeof decision[field] !== 'string' || decision[field] === '') {
      throw new InvalidDecisionError(id, field, `Invalid decision for Automation execution "${id}": ${field} is missing. Set it before calling claimDecision`);
    }
  }
  if (decision.decisionKind !== 'approval' && decision.decisionKind !== 'calendar-override') {
    throw new InvalidDecisionError(id, 'decisionKind', `Invalid decision for Automation execution "${id}": decisionKind "${decision.decisionKind}" must be approval or calendar-override`);
  }
  if (decision.signal !== 'Approve' && decision.signal !== 'Reject') {
    throw new InvalidDecisionError(id, 'signal', `Invalid decision for Automation execution "${id}": signal "${decision.signal}" must be Approve or Reject`);
  }

  const { errorCode: _errorCode, reason: _reason, completedAt: _completedAt, ...claim } = decision;
  return {
    ...claim,
    decidedAt: isoTime(id, 'decidedAt', decision.decidedAt),
    claimedAt: isoTime(id, 'claimedAt', decision.claimedAt),
  };
}

/** ISO-8601 date and time with a zone (`Z` or an offset): a time without one is ambiguous. */
const ISO_TIME_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/** Parses `value` as an ISO-8601 time with a zone and returns it in UTC; throws InvalidDecisionError otherwise. */
function isoTime(executionId: string, field: string, value: string): string {
  const milliseconds = typeof value === 'string' && ISO_TIME_PATTERN.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(milliseconds)) {
    throw new InvalidDecisionError(
      executionId,
      field,
      `Invalid ${field} ${JSON.stringify(value)}${executionId ? ` for Automation execution ${executionId}` : ''}: expected an ISO-8601 time with a zone, such as 2025-03-10T15:00:00Z`,
    );
  }
  return new Date(milliseconds).toISOString();
}
