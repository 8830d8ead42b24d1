import type { ParseArgsConfig } from 'node:util';
import type { Clock } from '../clock.js';
import type { Environment } from '../environment.js';
import type { Logger } from '../log.js';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

export interface StatusLine {
  /** Draws (or redraws) the line. */
  show(text: string): void;
  /** Ends it: the next output starts on a fresh line. */
  end(): void;
}

export interface CommandContext {
  /** Positional arguments after the command name (and subcommand, if any). */
  positionals: string[];
  /** Parsed options, global ones included (`config`, `out`, `log-format`). */
  options: Record<string, string | boolean | string[] | undefined>;
  /** Absolute path of the config file. */
  configFile: string;
  /** `--out`, when given: overrides the config's output folder. */
  outDir: string | undefined;
  env: Environment;
  clock: Clock;
  log: Logger;
  /** Plain output for people (summaries, tables); under --log-format json, one JSON object per line. */
  print(line: string): void;
  /** A JSON document on stdout, as is (`--json`), whatever the log format. */
  printJson(value: unknown): void;
  /** True when stdout is a terminal: progress bars instead of log lines. */
  isTTY: boolean;
  /** The one line redrawn in place on a terminal (a progress bar); log lines never share it. */
  status: StatusLine;
  /**
   * Asks a person a question and resolves to the answer, or to `fallback`
   * when the answer is empty. Absent when stdin is not a terminal: nothing
   * may wait for an answer in CI or a pipe.
   */
  ask?: (question: string, fallback: string) => Promise<string>;
  /** Aborted on SIGTERM or SIGINT: stop taking work, finish what is in flight. */
  signal: AbortSignal;
}

export interface Command {
  name: string;
  summary: string;
  /** Usage lines after `broadsheet`, e.g. `send [--dry-run] [--to <address>]`. */
  usage: string[];
  /** Extra help text: what the options do. */
  help?: string;
  options: OptionSpec;
  /** Positional arguments after the name: `<required>`, `[optional]`. None when absent. */
  args?: readonly string[];
  /** Or subcommands, each with its own arguments (`subscribers add <email>`). */
  subcommands?: Readonly<Record<string, readonly string[]>>;
  /**
   * Signs or checks tokens (links, VERP addresses): cli.ts refuses a weak
   * BROADSHEET_SECRET before running it. A function when only some
   * invocations do (`subscribers import --confirm`).
   */
  usesSecret?: boolean | ((positionals: readonly string[], options: CommandContext['options']) => boolean);
  /** Returns the process exit status; throws BroadsheetError for known failures. */
  run(ctx: CommandContext): Promise<number>;
}
