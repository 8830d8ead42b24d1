import { existsSync } from 'node:fs';
import type { Config } from '../config/load.js';
import type { IssueHistory } from '../pipeline/ports.js';
import { storeUrl } from './store-url.js';
import type { CommandContext } from './types.js';

/**
 * Runs `fn` with the data folder's issue history when the folder holds a
 * store, so that `build` and `validate` preview the issue `send` would work
 * on; without one (a fresh site, CI), the first issue.
 */
export async function withIssueHistory<T>(config: Config, ctx: Pick<CommandContext, 'env' | 'log'>, fn: (history: IssueHistory | undefined) => Promise<T>): Promise<T> {
  const url = storeUrl(config, ctx.env, ctx.log);
  // Checked before importing: a site that never sent needs no SQLite at all.
  if (!url && !existsSync(config.paths.data)) return fn(undefined);
  const { openExistingStore } = await import('../store/open.js');
  const store = await openExistingStore(config.paths.data, { url });
  try {
    return await fn(store);
  } finally {
    await store?.close();
  }
}
