import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify, parse } from 'yaml';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const CLI = path.join(REPO, 'dist/cli.js');

export interface Project {
  dir: string;
  config: string;
  articles: string;
  output: string;
  /** Writes (or overwrites) a file under the project. */
  write(rel: string, content: string | Uint8Array): void;
  read(rel: string): string;
  cleanup(): void;
}

/**
 * A throwaway copy of the example site in a temp folder: the real articles and
 * config, templates taken from the repository, so each test can break one thing.
 */
export function makeProject(options: { articles?: boolean; config?: (c: Record<string, any>) => void } = {}): Project {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'broadsheet-test-'));
  const articles = path.join(dir, 'articles');
  mkdirSync(articles);
  if (options.articles !== false) cpSync(path.join(REPO, 'articles'), articles, { recursive: true });
  const config = parse(readFileSync(path.join(REPO, 'broadsheet.config.yaml'), 'utf8')) as Record<string, any>;
  config.digest = { ...config.digest, templates: path.join(REPO, 'email-templates') };
  options.config?.(config);
  const configFile = path.join(dir, 'broadsheet.config.yaml');
  writeFileSync(configFile, stringify(config));
  return {
    dir,
    config: configFile,
    articles,
    output: path.join(dir, 'output'),
    write(rel, content) {
      const target = path.join(dir, rel);
      mkdirSync(path.dirname(target), { recursive: true });
      writeFileSync(target, content);
    },
    read: (rel) => readFileSync(path.join(dir, rel), 'utf8'),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], options: { cwd?: string; env?: Record<string, string | undefined> } = {}): CliResult {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...process.env, ...options.env })) if (v !== undefined) env[k] = v;
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: options.cwd ?? REPO, env, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Every file under a folder with its bytes and mtime, to prove a failed run touched nothing. */
export function snapshotDir(dir: string): Map<string, { bytes: string; mtimeMs: number }> {
  const out = new Map<string, { bytes: string; mtimeMs: number }>();
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const full = path.join(d, name);
      const st = statSync(full);
      if (st.isDirectory()) walk(full);
      else out.set(path.relative(dir, full), { bytes: readFileSync(full).toString('base64'), mtimeMs: st.mtimeMs });
    }
  };
  walk(dir);
  return out;
}
