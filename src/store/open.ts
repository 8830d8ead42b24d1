import type { Store } from './store.js';

export interface OpenOptions {
  /**
   * Keep the database on a thread of its own, so that this thread's event
   * loop never waits for it (`serve`, and the commands that send). SQLite
   * only: PostgreSQL is a server, and its client never blocks.
   */
  thread?: boolean;
  /** postgres://…: the shared store in PostgreSQL instead of SQLite in the data folder (see storeUrl). */
  url?: string | undefined;
}

/** Opens (and creates, or migrates) the store: PostgreSQL at `options.url`, else SQLite in the data folder. */
export async function openStore(dataDir: string, options: OpenOptions = {}): Promise<Store> {
  // Imported here: SQLite is a native module, pg a client, that commands without a store never load.
  if (options.url) {
    const { PostgresStore } = await import('./postgres/postgres-store.js');
    return PostgresStore.open(options.url);
  }
  if (options.thread) {
    const { openThreadStore } = await import('./sqlite/thread-store.js');
    const threaded = await openThreadStore(dataDir);
    if (threaded) return threaded;
  }
  const { SqliteStore } = await import('./sqlite/sqlite-store.js');
  return SqliteStore.open(dataDir);
}

/**
 * The store when one was ever created; a build without one previews the
 * first issue. A PostgreSQL store always exists (it is created on first use).
 */
export async function openExistingStore(dataDir: string, options: Pick<OpenOptions, 'url'> = {}): Promise<Store | undefined> {
  if (options.url) return openStore(dataDir, options);
  const { SqliteStore, databaseExists } = await import('./sqlite/sqlite-store.js');
  return databaseExists(dataDir) ? SqliteStore.open(dataDir) : undefined;
}
