import { existsSync } from 'node:fs';
import path from 'node:path';
import { BroadsheetError } from '../errors.js';
import { formatBytes, readFileWithin, tooLarge } from '../util/limits.js';
import { decodeUtf8 } from '../util/utf8.js';
import { parseYaml } from '../util/yaml-schema.js';
import { configSchema, type ConfigData } from './schema.js';

export interface Config extends ConfigData {
  /** Absolute path of the config file. */
  file: string;
  /** Absolute directories, resolved against the config file's folder. */
  paths: {
    root: string;
    content: string;
    output: string;
    /** `digest.templates` resolved, when set; email/templates.ts decides the folder otherwise. */
    templates: string | undefined;
    data: string;
    /** Mail `broadsheet inbound` could not understand is kept here. */
    quarantine: string;
    /** The build cache's folder; none when the project has no node_modules and `cache.dir` is not set. */
    cache: string | undefined;
  };
}

export const DEFAULT_CONFIG_FILE = 'broadsheet.config.yaml';

/**
 * Where build tools keep caches (Babel, ESLint, Terser): node_modules/.cache/,
 * ignored by git and never published. A project without node_modules gets no
 * cache unless `cache.dir` names one.
 */
function defaultCacheDir(root: string): string | undefined {
  const modules = path.join(root, 'node_modules');
  return existsSync(modules) ? path.join(modules, '.cache', 'broadsheet') : undefined;
}

export function resolveConfig(data: ConfigData, file: string, overrides: { outDir?: string } = {}): Config {
  const root = path.dirname(path.resolve(file));
  const at = (p: string) => path.resolve(root, p);
  return {
    ...data,
    file: path.resolve(file),
    paths: {
      root,
      content: at(data.content.dir),
      output: overrides.outDir ? path.resolve(overrides.outDir) : at(data.output.dir),
      templates: data.digest.templates === undefined ? undefined : at(data.digest.templates),
      data: at(data.data.dir),
      quarantine: data.inbound.quarantine ? at(data.inbound.quarantine) : path.join(at(data.data.dir), 'quarantine'),
      cache: data.cache.dir ? at(data.cache.dir) : defaultCacheDir(root),
    },
  };
}

/** The config as `--no-cache` runs it: nothing read from or written to the build cache. */
export function withoutCache(config: Config): Config {
  return { ...config, paths: { ...config.paths, cache: undefined } };
}

/** A config file is a few KiB; anything near this is not one. */
export const MAX_CONFIG_BYTES = 1024 * 1024;

export async function loadConfig(file: string, overrides: { outDir?: string } = {}): Promise<Config> {
  const shown = path.relative(process.cwd(), file) || file;
  let read: ReturnType<typeof readFileWithin>;
  try {
    read = readFileWithin(file, MAX_CONFIG_BYTES);
  } catch (cause) {
    const missing = (cause as NodeJS.ErrnoException).code === 'ENOENT';
    throw new BroadsheetError(
      'CONFIG_INVALID',
      missing ? `config file ${shown} not found (pass --config <file>)` : `cannot read config file ${shown}`,
      { cause },
    );
  }
  if (!('bytes' in read)) throw tooLarge(`the config file ${shown}`, formatBytes(read.size), formatBytes(MAX_CONFIG_BYTES), 'it holds settings only, never content', { file: shown });
  const decoded = decodeUtf8(read.bytes);
  if (!decoded.ok) throw new BroadsheetError('CONFIG_INVALID', `${shown} is not UTF-8`, { problems: [{ file: shown, line: decoded.line, message: decoded.message }] });
  const parsed = parseYaml(decoded.text, shown, configSchema, { once: true });
  if (!parsed.ok) {
    throw new BroadsheetError('CONFIG_INVALID', `${shown} has ${parsed.problems.length} problem(s)`, {
      problems: parsed.problems,
    });
  }
  return resolveConfig(parsed.value, file, overrides);
}
