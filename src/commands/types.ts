import type { ParseArgsConfig } from 'node:util';
import type { Clock } from '../clock.js';
import type { Logger } from '../log.js';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

/** Secrets and settings taken from the environment by cli.ts, and nowhere else. */
export interface Environment {
  SMTP_URL?: string | undefined;
  BROADSHEET_SECRET?: string | undefined;
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
  /** Plain output for people (summaries, tables). */
  print(line: string): void;
  /** True when stdout is a terminal: progress bars instead of log lines. */
  isTTY: boolean;
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
  /** Signs or checks unsubscribe links: cli.ts refuses a weak BROADSHEET_SECRET before running it. */
  usesSecret?: boolean;
  /** Returns the process exit status; throws BroadsheetError for known failures. */
  run(ctx: CommandContext): Promise<number>;
}
