import type { ChildProcess } from 'node:child_process';
import { vi } from 'vitest';
import { spawnCli, type CliOptions } from './cli.js';

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

/** Starts `node dist/bin.js …` (the `broadsheet` command) and follows its log as it runs; the test ends it. */
export function startCli(args: string[], options: CliOptions): RunningCli {
  return followCli(spawnCli(args, options));
}

/** Follows the log of a CLI child started some other way (in a mount namespace, under strace). */
export function followCli(child: ChildProcess): RunningCli {
  const lines: string[] = [];
  const events: LogEvent[] = [];
  let out = '';
  let partial = '';
  child.stdout!.setEncoding('utf8').on('data', (c: string) => (out += c));
  child.stderr!.setEncoding('utf8').on('data', (c: string) => {
    const parts = (partial + c).split('\n');
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

/** `broadsheet serve --port 0 --log-format json` in a folder, once it listens; `stop()` ends it with SIGTERM. */
export async function startServe(cwd: string, env: Record<string, string | undefined>): Promise<{ cli: RunningCli; base: string; stop(): Promise<void> }> {
  const cli = startCli(['serve', '--port', '0', '--log-format', 'json'], { cwd, env });
  const base = (await cli.waitFor((e) => e.event === 'listening')).url as string;
  return {
    cli,
    base,
    async stop() {
      cli.child.kill('SIGTERM');
      await cli.exited;
    },
  };
}
