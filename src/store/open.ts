import type { Store } from './store.js';

export interface OpenOptions {
  /**
   * Keep the database on a thread of its own, so that this thread's event
   * loop never waits for it (`serve`, and the commands that send).
   */
  thread?: boolean;
}

/** Opens (and creates, or migrates) the store of a data folder. */
export async function openStore(dataDir: string, options: OpenOptions = {}): Promise<Store> {
  // Imported here: SQLite is a native module that commands without a store never load.
  if (options.thread) {
    const { openThreadStore } = await import('./sqlite/thread-store.js');
    const threaded = await openThreadStore(dataDir);
    if (threaded) return threaded;
  }
  const { SqliteStore } = await import('./sqlite/sqlite-store.js');
  return SqliteStore.open(dataDir);
}

/** The store of a data folder when one was ever created there; a build without one previews the first issue. */
export async function openExistingStore(dataDir: string): Promise<Store | undefined> {
  const { SqliteStore, databaseExists } = await import('./sqlite/sqlite-store.js');
  return databaseExists(dataDir) ? SqliteStore.open(dataDir) : undefined;
}
