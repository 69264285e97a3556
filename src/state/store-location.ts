/**
 * The STATE_STORE syntax: which store a value names and its options. Kept apart from the store
 * itself, so that the settings check can read it without loading SQLite.
 */

/**
 * The journal modes a store can use. `wal` (the default) lets reads run while a commit
 * is written, but it needs shared memory between the processes on one host, so SQLite does not
 * support it on a network file system such as Amazon EFS. Use `delete` there.
 */
export const SQLITE_JOURNAL_MODES = ['wal', 'delete'] as const;

/** One of {@link SQLITE_JOURNAL_MODES}. */
export type SqliteJournalMode = (typeof SQLITE_JOURNAL_MODES)[number];

/** A STATE_STORE value that names no store this build can open, or that has an invalid option. */
export class InvalidStateStoreError extends Error {
  constructor(
    readonly location: string,
    reason: string,
  ) {
    super(`STATE_STORE "${location}" ${reason}`);
    this.name = 'InvalidStateStoreError';
  }
}

/** What a STATE_STORE value names: a SQLite file and the options that follow its `?`. */
export interface SqliteStoreLocation {
  kind: 'sqlite';
  /** File path, or `:memory:`. */
  path: string;
  journalMode: SqliteJournalMode;
}

/** The options a `sqlite:` location takes after `?`. */
const SQLITE_OPTIONS = ['journal'] as const;

/**
 * Parse a STATE_STORE value: `sqlite:<path>`, optionally followed by `?journal=wal` (the default)
 * or `?journal=delete`, the mode for a file on a network file system such as Amazon EFS.
 *
 * @throws InvalidStateStoreError for another scheme, an empty path, an unknown option, a repeated
 *   option or an unknown journal mode.
 */
export function parseStateStoreLocation(location: string): SqliteStoreLocation {
  const [scheme, ...rest] = location.split(':');
  const target = rest.join(':');

  // NOTE: DynamoDB, for several tasks on one queue, is designed behind the same interface but not
  // built yet.
  if (scheme !== 'sqlite' || target.length === 0) {
    throw new InvalidStateStoreError(location, 'is not supported: expected sqlite:<path to a file>, for example sqlite:./data/state.db');
  }

  // The first `?` starts the options, so a path that contains `?` cannot be used.
  const optionsStart = target.indexOf('?');
  const path = optionsStart === -1 ? target : target.slice(0, optionsStart);
  if (path.length === 0) {
    throw new InvalidStateStoreError(location, 'has no file path before "?": expected sqlite:<path>?journal=delete');
  }

  let journalMode: SqliteJournalMode = 'wal';
  if (optionsStart === -1) return { kind: 'sqlite', path, journalMode };

  const seen = new Set<string>();
  for (const option of target.slice(optionsStart + 1).split('&')) {
    const [name = '', value, ...extra] = option.split('=');

    if (!(SQLITE_OPTIONS as readonly string[]).includes(name) || value === undefined || extra.length > 0) {
      throw new InvalidStateStoreError(
        location,
        `has an invalid option "${option}": the only option is journal=<mode>, with mode ${SQLITE_JOURNAL_MODES.join(' or ')}`,
      );
    }
    if (seen.has(name)) {
      throw new InvalidStateStoreError(location, `sets the option "${name}" more than once: keep one`);
    }
    seen.add(name);

    const mode = value.toLowerCase();
    if (!(SQLITE_JOURNAL_MODES as readonly string[]).includes(mode)) {
      throw new InvalidStateStoreError(
        location,
        `has an unknown journal mode "${value}": use wal for a local disk, or delete for a network file system such as Amazon EFS`,
      );
    }
    journalMode = mode as SqliteJournalMode;
  }

  return { kind: 'sqlite', path, journalMode };
}
