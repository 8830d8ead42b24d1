import { existsSync } from 'node:fs';
import type { Config } from '../config/load.js';
import type { IssueHistory } from '../pipeline/ports.js';

/**
 * Runs `fn` with the data folder's issue history when the folder holds a
 * store, so that `build` and `validate` preview the issue `send` would work
 * on; without one (a fresh site, CI), the first issue.
 */
export async function withIssueHistory<T>(config: Config, fn: (history: IssueHistory | undefined) => Promise<T>): Promise<T> {
  // Checked before importing: a site that never sent needs no SQLite at all.
  if (!existsSync(config.paths.data)) return fn(undefined);
  const { openExistingStore } = await import('../store/open.js');
  const store = await openExistingStore(config.paths.data);
  try {
    return await fn(store);
  } finally {
    await store?.close();
  }
}
