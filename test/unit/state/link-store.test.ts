/**
 * Links in SqliteStateStore, on real SQLite files in a temporary folder. Saves made in one turn of
 * the event loop commit together, and each is on disk once its promise settles. Reads see saves
 * that have not committed yet. Each save settles by its own row: one that fails does not take the
 * others of its turn down, even another save of the same link.
 */
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { SqliteStateStore } from '../../../src/state/sqlite-store.js';
import type { Link } from '../../../src/state/store.js';
import { link } from './sample-link.js';

let folder: string;
let path: string;
let store: SqliteStateStore;

beforeEach(() => {
  folder = mkdtempSync(join(tmpdir(), 'itsm-sync-links-'));
  path = join(folder, 'state.db');
  store = new SqliteStateStore(path);
});

afterEach(async () => {
  await store.close().catch(() => undefined);
  rmSync(folder, { recursive: true, force: true });
});

/** Builds a link without a rule, which breaks the NOT NULL column as a bug in a caller would. */
function brokenLink(correlation: string): Link {
  return { ...link(correlation), rule: null } as unknown as Link;
}

/** Reads the links table through a connection of its own, as the next start of the daemon would. */
function linksOnDisk(): string[] {
  const db = new Database(path, { readonly: true });
  try {
    return (db.prepare('SELECT correlation FROM links ORDER BY correlation').all() as Array<{ correlation: string }>).map((row) => row.correlation);
  } finally {
    db.close();
  }
}

/**
 * Frames in the write-ahead log. Each commit appends the pages it changed, so twenty links
 * committed one by one append at least twenty frames, and committed together only a few.
 */
function walFrames(): number {
  const wal = `${path}-wal`;
  if (!existsSync(wal)) return 0;
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const size = statSync(wal).size;
    const pageSize = db.pragma('page_size', { simple: true }) as number;
    return size === 0 ? 0 : (size - WAL_HEADER_BYTES) / (WAL_FRAME_HEADER_BYTES + pageSize);
  } finally {
    db.close();
  }
}

const WAL_HEADER_BYTES = 32;
const WAL_FRAME_HEADER_BYTES = 24;

describe('putLink', () => {
  it('writes each link before settling', async () => {
    await Promise.all(['aws-sh-a', 'aws-sh-b', 'aws-sh-c'].map((correlation) => store.putLink(link(correlation))));

    expect(linksOnDisk()).toEqual(['aws-sh-a', 'aws-sh-b', 'aws-sh-c']);
  });

  it('commits one turn in one transaction', async () => {
    const before = walFrames();
    await Promise.all(Array.from({ length: 20 }, (_, index) => store.putLink(link(`aws-sh-${index}`))));
    const together = walFrames() - before;

    for (let index = 20; index < 40; index += 1) await store.putLink(link(`aws-sh-${index}`));
    const oneByOne = walFrames() - before - together;

    expect(together).toBeGreaterThan(0);
    expect(together).toBeLessThan(10);
    expect(oneByOne).toBeGreaterThanOrEqual(20);
  });

  it('keeps the later save of a link', async () => {
    const first = store.putLink(link('aws-sh-a', { status: 'pending' }));
    const second = store.putLink(link('aws-sh-a', { status: 'open' }));
    await Promise.all([first, second]);

    expect((await store.getLink('aws-sh-a'))?.status).toBe('open');
  });

  it('reads an uncommitted save', async () => {
    const saved = store.putLink(link('aws-sh-a'));

    expect((await store.getLink('aws-sh-a'))?.ticket?.number).toBe('INC0010001');
    expect(await store.countLinks('security-hub-findings')).toBe(1);
    await saved;
  });

  it('reads the newest pending save', async () => {
    const first = store.putLink(link('aws-sh-a', { status: 'pending' }));
    const second = store.putLink(link('aws-sh-a', { status: 'open' }));

    expect((await store.getLink('aws-sh-a'))?.status).toBe('open');
    await Promise.all([first, second]);
  });

  it('leaves other saves pending on read', async () => {
    const saved = Promise.all([store.putLink(link('aws-sh-a')), store.putLink(link('aws-sh-b'))]);

    expect(await store.getLink('aws-sh-c')).toBeUndefined();
    expect(linksOnDisk()).toEqual([]);

    await saved;
    expect(linksOnDisk()).toEqual(['aws-sh-a', 'aws-sh-b']);
  });

  it('commits pending saves on close', async () => {
    const saved = store.putLink(link('aws-sh-a'));
    await store.close();
    await saved;

    expect(linksOnDisk()).toEqual(['aws-sh-a']);
  });

  it('rejects only the failing save', async () => {
    const results = await Promise.allSettled([store.putLink(link('aws-sh-a')), store.putLink(brokenLink('aws-sh-broken')), store.putLink(link('aws-sh-b'))]);

    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(String((results[1] as PromiseRejectedResult).reason)).toMatch(/NOT NULL/);
    expect(linksOnDisk()).toEqual(['aws-sh-a', 'aws-sh-b']);
  });

  it('keeps a save before a failing one', async () => {
    const results = await Promise.allSettled([store.putLink(link('aws-sh-a', { status: 'pending' })), store.putLink(brokenLink('aws-sh-a'))]);

    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected']);
    expect((await store.getLink('aws-sh-a'))?.status).toBe('pending');
  });

  it('rejects a failing save later replaced', async () => {
    const results = await Promise.allSettled([store.putLink(brokenLink('aws-sh-a')), store.putLink(link('aws-sh-a', { status: 'open' }))]);

    expect(results.map((result) => result.status)).toEqual(['rejected', 'fulfilled']);
    expect((await store.getLink('aws-sh-a'))?.status).toBe('open');
  });
});
