import { spawn, type ChildProcess } from 'node:child_process';
import { vi } from 'vitest';
import { CLI } from './project.js';

export type LogEvent = Record<string, unknown> & { event: string; level: string };

export interface RunningCli {
  child: ChildProcess;
  /** Every stderr line, as written. */
  lines: string[];
  /** The stderr lines that are JSON log events (run with --log-format json). */
  events: LogEvent[];
  /** Resolves with the first event (from the start) that passes the test. */
  waitFor(test: (e: LogEvent) => boolean, timeoutMs?: number): Promise<LogEvent>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stdout(): string;
}

/** The environment a CLI child gets: PATH and the given variables, nothing else. */
export function cliEnv(vars: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH };
  for (const [k, v] of Object.entries(vars)) if (v !== undefined) env[k] = v;
  return env;
}

/** Starts `node dist/cli.js …` and follows its log as it runs; the test ends it. */
export function startCli(args: string[], options: { cwd: string; env?: Record<string, string | undefined> }): RunningCli {
  return followCli(spawn(process.execPath, [CLI, ...args], { cwd: options.cwd, env: cliEnv(options.env), stdio: ['ignore', 'pipe', 'pipe'] }));
}

/** Follows the log of a CLI child started some other way (in a mount namespace, under strace). */
export function followCli(child: ChildProcess): RunningCli {
  const lines: string[] = [];
  const events: LogEvent[] = [];
  let out = '';
  let partial = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString('utf8')));
  child.stderr!.on('data', (c: Buffer) => {
    const parts = (partial + c.toString('utf8')).split('\n');
    partial = parts.pop()!;
    for (const line of parts) {
      lines.push(line);
      try {
        events.push(JSON.parse(line) as LogEvent);
      } catch {
        // Not a log event: an error summary or a text-format line.
      }
    }
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  return {
    child,
    lines,
    events,
    exited,
    stdout: () => out,
    async waitFor(test, timeoutMs = 20_000) {
      let found: LogEvent | undefined;
      await vi.waitFor(
        () => {
          found = events.find(test);
          if (!found) throw new Error(`no such log event yet; last lines:\n${lines.slice(-8).join('\n')}`);
        },
        { timeout: timeoutMs, interval: 25 },
      );
      return found!;
    },
  };
}
