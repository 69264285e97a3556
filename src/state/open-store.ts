import { JournalModeError, SqliteStateStore, type SqliteStateStoreOptions } from './sqlite-store.js';
import { parseStateStoreLocation } from './store-location.js';
import type { StateStore } from './store.js';

export { InvalidStateStoreError, parseStateStoreLocation, type SqliteStoreLocation } from './store-location.js';

/**
 * Open the state store named by a STATE_STORE value (see {@link parseStateStoreLocation}):
 * `sqlite:<path>` (the default is `sqlite:./data/state.db`), `sqlite::memory:` for a throw-away
 * store, and `?journal=delete` for a file on a network file system. With `readOnly`, an existing
 * file is read as it is, without changing its journal mode or schema (see {@link SqliteStateStoreOptions}).
 */
export function openStateStore(location: string, options: { readOnly?: boolean } = {}): StateStore {
  const { path, journalMode } = parseStateStoreLocation(location);

  try {
    return new SqliteStateStore(path, { journalMode, readOnly: options.readOnly });
  } catch (error) {
    // Its message already names the file and the fix.
    if (error instanceof JournalModeError) throw error;
    if ((error as { code?: unknown }).code === 'SQLITE_NOTADB') {
      throw new Error(`STATE_STORE "${location}" names ${path}, which is not a SQLite database. Point STATE_STORE at another file, or remove this one.`, {
        cause: error,
      });
    }
    throw new Error(`STATE_STORE "${location}" cannot be opened: ${(error as Error).message}. Point it at a file in a writable folder.`, {
      cause: error,
    });
  }
}
