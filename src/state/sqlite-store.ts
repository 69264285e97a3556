import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

import Database from 'better-sqlite3';

import type { Link, StateStore } from './store.js';

const SCHEMA_VERSION = 1;

/**
 * The state store in one SQLite file: the embedded default for a single task.
 *
 * Links are stored as JSON documents keyed by correlation value. Leases are kept in memory: they
 * serialize the syncs of one process, which is all a store that belongs to one task needs, and
 * they cost no disk write. Two processes must not share one file; several tasks on one queue need
 * a shared store with conditional writes.
 *
 * @example
 * const store = openSqliteStore('./data/state.db');
 * const link = await store.getLink('aws-sh-3f0a…');
 */
export class SqliteStateStore implements StateStore {
  private readonly db: Database.Database;
  private readonly leases = new Map<string, { owner: string; expiresAt: number }>();
  private readonly statements;

  constructor(path: string) {
    if (path !== ':memory:') {
      mkdirSync(dirname(path), { recursive: true });
    }

    this.db = new Database(path);
    // WAL lets readers run while one writer commits; NORMAL sync is durable across process crashes,
    // which is the failure this store must survive.
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    this.migrate();

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
    };
  }

  private migrate(): void {
    this.db.exec(`
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

    const row = this.db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get() as
      | { value: string }
      | undefined;
    if (row && Number(row.value) > SCHEMA_VERSION) {
      throw new Error(
        `The state store was written by a newer itsm-sync (schema version ${row.value}, this build knows ${SCHEMA_VERSION}). ` +
          'Run the newer version, or point STATE_STORE at another file.',
      );
    }
    this.db
      .prepare("INSERT INTO meta (key, value) VALUES ('schema_version', ?) ON CONFLICT(key) DO NOTHING")
      .run(String(SCHEMA_VERSION));
  }

  async getLink(correlation: string): Promise<Link | undefined> {
    const row = this.statements.getLink.get(correlation) as { document: string } | undefined;
    return row ? (JSON.parse(row.document) as Link) : undefined;
  }

  async putLink(link: Link): Promise<void> {
    this.statements.putLink.run({
      correlation: link.correlation,
      rule: link.rule,
      identity: link.identity,
      document: JSON.stringify(link),
    });
  }

  async countLinks(rule?: string): Promise<number> {
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

  async close(): Promise<void> {
    this.db.close();
  }
}
