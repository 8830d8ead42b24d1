#!/usr/bin/env node
// The only module that reads argv and the environment, and the only one that exits.
import path from 'node:path';
import { createInterface } from 'node:readline/promises';
import { systemClock } from './clock.js';
import { parseCommandLine, type LogFormat } from './commands/args.js';
import { commandHelp, completionScript, mainHelp } from './commands/help.js';
import { commands } from './commands/index.js';
import type { CommandContext, StatusLine } from './commands/types.js';
import { DEFAULT_CONFIG_FILE } from './config/load.js';
import { assertStrongSecret } from './delivery/tokens.js';
import type { Environment } from './environment.js';
import { BroadsheetError, isBroadsheetError } from './errors.js';
import { createLogger, type Logger, type RunLogger } from './log.js';
import { userinfoAsWritten } from './util/url.js';
import { VERSION } from './util/version.js';

/** Secrets that must never appear in output: the signing secret, the SMTP and database URLs and their passwords as written and decoded. */
function secretsOf(env: Environment): string[] {
  const out = [env.BROADSHEET_SECRET, env.SMTP_URL, env.DATABASE_URL];
  for (const url of [env.SMTP_URL, env.DATABASE_URL]) {
    if (!url) continue;
    // As written, not only as the URL parser reads it: a password with an unencoded '/'
    // ends the parser's authority early, and it finds no password at all.
    const userinfo = userinfoAsWritten(url);
    const passwords = userinfo?.includes(':') ? [userinfo.slice(userinfo.indexOf(':') + 1)] : [];
    try {
      passwords.push(new URL(url).password);
    } catch {
      // Not a URL: the command that uses it says so, without echoing it.
    }
    for (const p of passwords) {
      out.push(p);
      try {
        out.push(decodeURIComponent(p));
      } catch {
        // Not percent-encoded as a whole: as written is enough.
      }
    }
  }
  return out.filter((s): s is string => !!s);
}

/**
 * One status line on stdout for a terminal (the send progress bar). Log
 * lines go to stderr, which shares the screen: the status line is cleared
 * before each one and drawn again after, so the two never share a line.
 */
function terminalStatus(tty: boolean): StatusLine & { around(write: () => void): void } {
  let current: string | undefined;
  return {
    show(text) {
      if (!tty) return;
      current = text;
      process.stdout.write(`\r\x1b[K${text}`);
    },
    end() {
      if (current !== undefined) process.stdout.write('\n');
      current = undefined;
    },
    around(write) {
      if (current === undefined) return write();
      process.stdout.write('\r\x1b[K');
      write();
      process.stdout.write(current);
    },
  };
}

async function main(argv: string[], env: Environment, log: (format: LogFormat, color: boolean) => Logger, status: ReturnType<typeof terminalStatus>): Promise<number> {
  const line = parseCommandLine(argv, commands, { noColor: !!process.env.NO_COLOR, tty: process.stderr.isTTY === true });
  if (line.kind === 'version') {
    process.stdout.write(line.format === 'json' ? `${JSON.stringify({ version: VERSION })}\n` : `broadsheet ${VERSION}\n`);
    return 0;
  }
  if (line.kind === 'help') {
    process.stdout.write(`${line.command ? commandHelp(line.command) : mainHelp(commands)}\n`);
    return 0;
  }
  if (line.kind === 'completion') {
    process.stdout.write(completionScript(line.shell, commands));
    return 0;
  }
  const logger = log(line.format, line.color);
  // Refused before anything runs, for every command that signs or checks unsubscribe links.
  const { usesSecret } = line.command;
  const signs = typeof usesSecret === 'function' ? usesSecret(line.positionals, line.options) : usesSecret === true;
  if (signs && env.BROADSHEET_SECRET !== undefined) assertStrongSecret(env.BROADSHEET_SECRET);
  const controller = new AbortController();
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    signals++;
    if (signals > 1) {
      logger.warn('forced exit', { signal: sig });
      process.exit(130);
    }
    logger.info('shutting down', { signal: sig });
    controller.abort(sig);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);

  const { options } = line;
  // Only a person at a terminal is asked anything; CI and pipes never wait.
  const prompter = process.stdin.isTTY === true ? terminalPrompter() : undefined;
  const ctx: CommandContext = {
    positionals: line.positionals,
    options,
    configFile: path.resolve((options.config as string | undefined) ?? DEFAULT_CONFIG_FILE),
    outDir: options.out as string | undefined,
    env,
    clock: systemClock,
    log: logger,
    print:
      line.format === 'json'
        ? (text) => process.stdout.write(`${JSON.stringify({ time: systemClock.now().toISOString(), level: 'info', event: 'summary', message: text })}\n`)
        : (text) => process.stdout.write(`${text}\n`),
    printJson: (value) => process.stdout.write(`${JSON.stringify(value)}\n`),
    isTTY: process.stdout.isTTY === true && line.format === 'text',
    status,
    ...(prompter ? { ask: prompter.ask } : {}),
    signal: controller.signal,
  };
  try {
    return await line.command.run(ctx);
  } finally {
    prompter?.close();
    status.end();
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

const env: Environment = {
  SMTP_URL: process.env.SMTP_URL || undefined,
  BROADSHEET_SECRET: process.env.BROADSHEET_SECRET || undefined,
  DATABASE_URL: process.env.DATABASE_URL || undefined,
};
const status = terminalStatus(process.stdout.isTTY === true);
// The logger the run ends with: the error line below goes through it too, redacted, in the chosen format.
let active: RunLogger | undefined;
const makeLogger = (format: LogFormat, color: boolean): RunLogger =>
  (active = createLogger({
    format,
    color,
    write: (l) => status.around(() => process.stderr.write(l)),
    clock: systemClock,
    secrets: secretsOf(env),
  }));
const formatOf = (argv: string[]): LogFormat => (argv.some((a, i) => a === '--log-format=json' || (a === '--log-format' && argv[i + 1] === 'json')) ? 'json' : 'text');

const argv = process.argv.slice(2);
main(argv, env, makeLogger, status).then(
  (code) => process.exit(code),
  (error: unknown) => {
    const logger = active ?? makeLogger(formatOf(argv), process.stderr.isTTY === true && !process.env.NO_COLOR && !argv.includes('--no-color'));
    const known = isBroadsheetError(error) ? error : new BroadsheetError('INTERNAL', (error as Error)?.stack ?? String(error));
    logger.failure(known);
    process.exit(known.exitCode);
  },
);
