#!/usr/bin/env node
// The only module that reads argv and the environment, and the only one that exits.
import path from 'node:path';
import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import { systemClock } from './clock.js';
import { commands } from './commands/index.js';
import type { CommandContext, OptionSpec } from './commands/types.js';
import { DEFAULT_CONFIG_FILE } from './config/load.js';
import { BroadsheetError, isBroadsheetError } from './errors.js';
import { createLogger, type LogFormat } from './log.js';

const GLOBAL_OPTIONS: OptionSpec = {
  config: { type: 'string', short: 'c' },
  out: { type: 'string', short: 'o' },
  'log-format': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
};

function mainHelp(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'broadsheet: feeds (RSS, Atom, JSON Feed) and an email digest from Markdown articles',
    '',
    'Usage: broadsheet <command> [options]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Global options:',
    `  -c, --config <file>      configuration file (default: ${DEFAULT_CONFIG_FILE})`,
    '  -o, --out <dir>          output folder (default: output.dir in the config)',
    '      --log-format <fmt>   text (default) or json',
    '  -h, --help               show help; `broadsheet <command> --help` for a command',
    '',
    'Environment: SMTP_URL (smtp://user:pass@host:port), BROADSHEET_SECRET (signs unsubscribe links).',
    'Exit status: 0 success, 1 bad content or a failed run, 2 bad usage.',
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const name = argv[0];
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(mainHelp() + '\n');
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-v') {
    process.stdout.write('broadsheet 0.1.0\n');
    return 0;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) throw new BroadsheetError('USAGE', `unknown command "${name}"; run broadsheet --help`);

  let parsed;
  try {
    parsed = parseArgs({ args: argv.slice(1), options: { ...GLOBAL_OPTIONS, ...command.options }, allowPositionals: true, strict: true });
  } catch (cause) {
    throw new BroadsheetError('USAGE', `${(cause as Error).message.split('\n')[0]} (see broadsheet ${name} --help)`, { cause });
  }
  const options = parsed.values as CommandContext['options'];
  if (options.help) {
    process.stdout.write(`Usage:\n${command.usage.map((u) => `  broadsheet ${u}`).join('\n')}\n\n${command.summary}\n${command.help ? `\n${command.help}\n` : ''}`);
    return 0;
  }
  const logFormat = (options['log-format'] as string | undefined) ?? 'text';
  if (logFormat !== 'text' && logFormat !== 'json') throw new BroadsheetError('USAGE', `--log-format must be text or json, not "${logFormat}"`);

  const env = { SMTP_URL: process.env.SMTP_URL || undefined, BROADSHEET_SECRET: process.env.BROADSHEET_SECRET || undefined };
  const smtpPassword = env.SMTP_URL ? safePassword(env.SMTP_URL) : undefined;
  const log = createLogger({
    format: logFormat as LogFormat,
    write: (line) => process.stderr.write(line),
    clock: systemClock,
    secrets: [env.BROADSHEET_SECRET, smtpPassword, env.SMTP_URL].filter((s): s is string => !!s),
  });

  const controller = new AbortController();
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    signals++;
    if (signals > 1) {
      log.warn('forced exit', { signal: sig });
      process.exit(130);
    }
    log.info('shutting down', { signal: sig });
    controller.abort(sig);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);

  // Only a person at a terminal is asked anything; CI and pipes never wait.
  const prompter = process.stdin.isTTY === true ? terminalPrompter() : undefined;
  const ctx: CommandContext = {
    positionals: parsed.positionals,
    options,
    configFile: path.resolve((options.config as string | undefined) ?? DEFAULT_CONFIG_FILE),
    outDir: options.out as string | undefined,
    env,
    clock: systemClock,
    log,
    print: (line) => process.stdout.write(line + '\n'),
    isTTY: process.stdout.isTTY === true,
    ...(prompter ? { ask: prompter.ask } : {}),
    signal: controller.signal,
  };
  try {
    return await command.run(ctx);
  } finally {
    prompter?.close();
  }
}

/**
 * Questions on the terminal for `init`: one readline for all of them, so that
 * answers typed ahead are kept; Ctrl+C or Ctrl+D cancels. Closed by the caller.
 */
function terminalPrompter(): { ask: NonNullable<CommandContext['ask']>; close(): void } {
  let rl: ReturnType<typeof createInterface> | undefined;
  let lines: AsyncIterator<string> | undefined;
  return {
    async ask(question, fallback) {
      if (!rl) {
        rl = createInterface({ input: process.stdin, output: process.stdout });
        rl.on('SIGINT', () => rl?.close());
        // The iterator keeps lines that arrive before their question.
        lines = rl[Symbol.asyncIterator]();
      }
      rl.setPrompt(`${question} [${fallback}]: `);
      rl.prompt();
      const next = await lines!.next();
      if (next.done) throw new BroadsheetError('USAGE', 'cancelled: no answer was given');
      return next.value.trim() || fallback;
    },
    close: () => rl?.close(),
  };
}

function safePassword(url: string): string | undefined {
  try {
    return decodeURIComponent(new URL(url).password) || undefined;
  } catch {
    return undefined;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (isBroadsheetError(error)) {
      process.stderr.write(error.describe() + '\n');
      process.exit(error.exitCode);
    }
    process.stderr.write(`error [INTERNAL]: ${(error as Error)?.stack ?? String(error)}\n`);
    process.exit(70);
  },
);
