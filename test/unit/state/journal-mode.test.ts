/**
 * The journal mode of the SQLite state store, chosen in STATE_STORE, on real files in a temporary
 * folder. Each check reads the mode back through a connection of its own, as SQLite records it in
 * the file, not as the store was asked to set it.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { InvalidStateStoreError, openStateStore, parseStateStoreLocation } from '../../../src/state/open-store.js';
import { JournalModeError, SqliteStateStore } from '../../../src/state/sqlite-store.js';
import type { StateStore } from '../../../src/state/store.js';
import { link } from './sample-link.js';

let folder: string;
let path: string;
const opened: StateStore[] = [];

beforeEach(() => {
  folder = mkdtempSync(join(tmpdir(), 'itsm-sync-journal-'));
  path = join(folder, 'state.db');
});

afterEach(async () => {
  for (const store of opened.splice(0)) await store.close().catch(() => undefined);
  rmSync(folder, { recursive: true, force: true });
});

function open(location: string): StateStore {
  const store = openStateStore(location);
  opened.push(store);
  return store;
}

/** Reads the journal mode that the file itself records. */
function journalModeOnDisk(file: string): string {
  const reader = new Database(file, { readonly: true });
  try {
    return String(reader.pragma('journal_mode', { simple: true }));
  } finally {
    reader.close();
  }
}

describe('STATE_STORE journal mode', () => {
  it('uses WAL for a plain path', async () => {
    const store = open(`sqlite:${path}`);
    await store.putLink(link('aws-sh-wal'));

    expect(journalModeOnDisk(path)).toBe('wal');
    expect(existsSync(`${path}-wal`)).toBe(true);
  });

  it('uses a rollback journal with journal=delete', async () => {
    const store = open(`sqlite:${path}?journal=delete`);
    await store.putLink(link('aws-sh-delete'));

    expect(journalModeOnDisk(path)).toBe('delete');
    // A rollback journal is deleted after each commit, and WAL files are never created.
    expect(existsSync(`${path}-wal`)).toBe(false);
    expect(existsSync(`${path}-shm`)).toBe(false);
    expect(existsSync(`${path}-journal`)).toBe(false);
    expect((await store.getLink('aws-sh-delete'))?.ticket?.number).toBe('INC0010001');
  });

  it('switches a WAL file to delete', async () => {
    const walStore = open(`sqlite:${path}`);
    await walStore.putLink(link('aws-sh-moved'));
    await walStore.close();
    expect(journalModeOnDisk(path)).toBe('wal');

    const store = open(`sqlite:${path}?journal=DELETE`);

    expect(journalModeOnDisk(path)).toBe('delete');
    expect((await store.getLink('aws-sh-moved'))?.correlation).toBe('aws-sh-moved');
  });

  it('switches back to WAL without the option', async () => {
    await open(`sqlite:${path}?journal=delete`).close();

    open(`sqlite:${path}?journal=wal`);

    expect(journalModeOnDisk(path)).toBe('wal');
  });

  it('reports a file held by another process', () => {
    // A second connection in a read transaction keeps SQLite from leaving WAL mode, as a one-off
    // task that has the same file open on EFS would.
    new SqliteStateStore(path).close();
    const holder = new Database(path);
    holder.prepare('BEGIN').run();
    holder.prepare('SELECT COUNT(*) FROM links').get();

    try {
      expect(() => new SqliteStateStore(path, { journalMode: 'delete' })).toThrow(JournalModeError);
      expect(() => openStateStore(`sqlite:${path}?journal=delete`)).toThrow(
        `The state store ${path} could not be switched to journal mode delete: database is locked. Another process may have the file open`,
      );
    } finally {
      holder.prepare('COMMIT').run();
      holder.close();
    }

    // The failed opens closed their connections, so the file can now be switched.
    open(`sqlite:${path}?journal=delete`);
    expect(journalModeOnDisk(path)).toBe('delete');
  });

  it('keeps an in-memory store working', async () => {
    const store = open('sqlite::memory:?journal=delete');
    await store.putLink(link('aws-sh-memory'));

    expect(await store.countLinks()).toBe(1);
  });
});

describe('STATE_STORE parsing', () => {
  it('reads path and journal mode', () => {
    expect(parseStateStoreLocation('sqlite:/app/data/state.db')).toEqual({ kind: 'sqlite', path: '/app/data/state.db', journalMode: 'wal' });
    expect(parseStateStoreLocation('sqlite:/app/data/state.db?journal=delete')).toEqual({ kind: 'sqlite', path: '/app/data/state.db', journalMode: 'delete' });
    expect(parseStateStoreLocation('sqlite::memory:')).toEqual({ kind: 'sqlite', path: ':memory:', journalMode: 'wal' });
  });

  it('rejects an unknown option', () => {
    expect(() => parseStateStoreLocation('sqlite:/app/data/state.db?mode=delete')).toThrow(InvalidStateStoreError);
    expect(() => parseStateStoreLocation('sqlite:/app/data/state.db?mode=delete')).toThrow(
      'STATE_STORE "sqlite:/app/data/state.db?mode=delete" has an invalid option "mode=delete": the only option is journal=<mode>, with mode wal or delete',
    );
    expect(() => parseStateStoreLocation('sqlite:/app/data/state.db?journal')).toThrow(/invalid option "journal"/);
    expect(() => parseStateStoreLocation('sqlite:/app/data/state.db?')).toThrow(/invalid option ""/);
  });

  it('rejects an unknown journal mode', () => {
    expect(() => parseStateStoreLocation('sqlite:/app/data/state.db?journal=truncate')).toThrow(
      'STATE_STORE "sqlite:/app/data/state.db?journal=truncate" has an unknown journal mode "truncate": use wal for a local disk, or delete for a network file system such as Amazon EFS',
    );
  });

  it('rejects a repeated option', () => {
    expect(() => parseStateStoreLocation('sqlite:/data/state.db?journal=wal&journal=delete')).toThrow(/sets the option "journal" more than once/);
  });

  it('rejects other stores and empty paths', () => {
    expect(() => parseStateStoreLocation('dynamodb:itsm-sync')).toThrow(/"dynamodb:itsm-sync" is not supported: expected sqlite:<path to a file>/);
    expect(() => parseStateStoreLocation('sqlite:')).toThrow(/is not supported/);
    expect(() => parseStateStoreLocation('sqlite:?journal=delete')).toThrow(/has no file path before "\?"/);
  });

  it.each([[{}], [{ readOnly: true }]])('names a file that is not a database (%j)', (options) => {
    const notDatabase = join(folder, 'notes.db');
    writeFileSync(notDatabase, 'These are notes, not a SQLite database. '.repeat(10));

    expect(() => openStateStore(`sqlite:${notDatabase}`, options)).toThrow(
      `STATE_STORE "sqlite:${notDatabase}" names ${notDatabase}, which is not a SQLite database. Point STATE_STORE at another file, or remove this one.`,
    );
  });
});
