import type { Store } from './store.js';

/** Opens (and creates, or migrates) the store of a data folder. */
export async function openStore(dataDir: string): Promise<Store> {
  // Imported here: SQLite is a native module that commands without a store never load.
  const { SqliteStore } = await import('./sqlite/sqlite-store.js');
  return SqliteStore.open(dataDir);
}

/** The store of a data folder when one was ever created there; a build without one previews the first issue. */
export async function openExistingStore(dataDir: string): Promise<Store | undefined> {
  const { SqliteStore, databaseExists } = await import('./sqlite/sqlite-store.js');
  return databaseExists(dataDir) ? SqliteStore.open(dataDir) : undefined;
}
