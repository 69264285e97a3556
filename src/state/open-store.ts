import { SqliteStateStore } from './sqlite-store.js';
import type { StateStore } from './store.js';

/**
 * Open the state store named by a STATE_STORE value: `sqlite:<path>` (the default,
 * `sqlite:./data/state.db`) or `sqlite::memory:` for a throw-away store.
 */
export function openStateStore(location: string): StateStore {
  const [scheme, ...rest] = location.split(':');
  const path = rest.join(':');

  if (scheme === 'sqlite' && path.length > 0) {
    try {
      return new SqliteStateStore(path);
    } catch (error) {
      throw new Error(
        `STATE_STORE "${location}" cannot be opened: ${(error as Error).message}. Point it at a file in a writable folder.`,
        { cause: error },
      );
    }
  }

  // NOTE: DynamoDB, for several tasks on one queue, is designed behind the same interface but not
  // built yet.
  throw new Error(
    `STATE_STORE "${location}" is not supported: expected sqlite:<path to a file>, for example sqlite:./data/state.db`,
  );
}
