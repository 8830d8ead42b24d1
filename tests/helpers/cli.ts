import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { CommandContext } from '../../src/commands/types.js';
import { createLogger } from '../../src/log.js';
import { CLI, CLOCK } from './project.js';

export interface CliOptions {
  cwd: string;
  /** The child's whole environment besides PATH: nothing leaks in from the shell that runs the tests. */
  env?: Record<string, string | undefined>;
}

/** The environment a CLI child gets: PATH and the given variables, nothing else. */
export function cliEnv(vars: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH };
  for (const [k, v] of Object.entries(vars)) if (v !== undefined) env[k] = v;
  return env;
}

/** Starts `node dist/bin.js …` (the `broadsheet` command) with stdout and stderr piped. */
export function spawnCli(args: string[], options: CliOptions): ChildProcess {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build:ts first (npm test does)`);
  return spawn(process.execPath, [CLI, ...args], { cwd: options.cwd, env: cliEnv(options.env), stdio: ['ignore', 'pipe', 'pipe'] });
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI to the end. */
export function runCli(args: string[], options: CliOptions): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawnCli(args, options);
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** What the CLI would hand a command, run in this process; printed lines and log lines both land in `out`. */
export function commandContext(configFile: string, out: string[], options: CommandContext['options'] = {}, outDir?: string): CommandContext {
  return {
    positionals: [],
    options,
    configFile,
    outDir,
    env: {},
    clock: CLOCK,
    log: createLogger({ format: 'text', write: (l) => out.push(l.trimEnd()), clock: CLOCK }),
    print: (l) => out.push(l),
    printJson: (v) => out.push(JSON.stringify(v)),
    status: { show: () => {}, end: () => {} },
    isTTY: false,
    signal: new AbortController().signal,
  };
}
