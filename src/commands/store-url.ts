import type { Config } from '../config/load.js';
import type { Environment } from '../environment.js';
import type { Logger } from '../log.js';

/**
 * Where the store is: DATABASE_URL (the environment, where a password
 * belongs), else `data.url` in the config, else undefined (SQLite in
 * data.dir). A config URL that carries a password is used, with a warning.
 */
export function storeUrl(config: Config, env: Environment, log: Logger): string | undefined {
  if (env.DATABASE_URL) return env.DATABASE_URL;
  const url = config.data.url;
  if (url && hasPassword(url)) log.warn('data.url in the config holds a password; set DATABASE_URL in the environment instead, and keep secrets out of the config file', { file: config.file });
  return url;
}

function hasPassword(url: string): boolean {
  try {
    const u = new URL(url);
    return u.password !== '' || u.searchParams.has('password');
  } catch {
    return false;
  }
}
