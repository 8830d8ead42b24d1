import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { BroadsheetError } from '../errors.js';
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
    templates: string;
    data: string;
    /** Mail `broadsheet inbound` could not understand is kept here. */
    quarantine: string;
  };
}

export const DEFAULT_CONFIG_FILE = 'broadsheet.config.yaml';

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
      templates: at(data.digest.templates),
      data: at(data.data.dir),
      quarantine: data.inbound.quarantine ? at(data.inbound.quarantine) : path.join(at(data.data.dir), 'quarantine'),
    },
  };
}

export async function loadConfig(file: string, overrides: { outDir?: string } = {}): Promise<Config> {
  const shown = path.relative(process.cwd(), file) || file;
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    const missing = (cause as NodeJS.ErrnoException).code === 'ENOENT';
    throw new BroadsheetError(
      'CONFIG_INVALID',
      missing ? `config file ${shown} not found (pass --config <file>)` : `cannot read config file ${shown}`,
      { cause },
    );
  }
  const parsed = parseYaml(text, shown, configSchema);
  if (!parsed.ok) {
    throw new BroadsheetError('CONFIG_INVALID', `${shown} has ${parsed.problems.length} problem(s)`, {
      problems: parsed.problems,
    });
  }
  return resolveConfig(parsed.value, file, overrides);
}
