import type { Clock } from './clock.js';
import { ERRORS, formatProblem, isBroadsheetError } from './errors.js';
import { hasInvisible, visible } from './util/visible.js';

export type LogFormat = 'text' | 'json';
export type LogLevel = 'info' | 'warn' | 'error';
export type LogFields = Record<string, string | number | boolean | undefined | null>;

export interface Logger {
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
}

/** The logger cli.ts owns: it also writes the line that ends a failed run. */
export interface RunLogger extends Logger {
  /** `error [CODE]: message` and one line per problem (text), or one JSON object; redacted like every line. */
  failure(error: unknown): void;
}

export interface LoggerOptions {
  format: LogFormat;
  write: (line: string) => void;
  clock: Clock;
  /** Values that must never appear in a log line (SMTP password, signing secret), whatever their length. */
  secrets?: readonly string[];
}

/** Below this length a secret is redacted where it stands alone, not inside a longer word. */
const SHORT_SECRET = 8;

/**
 * Replaces every secret with `[redacted]` in one pass, longest first: a short
 * secret inside a longer one cannot leave part of the longer one behind, and
 * the marker itself is never rewritten. A secret of any length is redacted;
 * one shorter than 8 characters only where no letter or digit touches it
 * (`password=ab`, `user:ab@host`), so that a one-letter secret does not blank
 * every word with that letter, the error that refuses it included.
 */
export function redactor(secrets: readonly string[]): (s: string) => string {
  const list = [...new Set(secrets.filter((s) => s.length > 0))].sort((a, b) => b.length - a.length);
  if (list.length === 0) return (s) => s;
  const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const alternatives = list.map((s) => (s.length < SHORT_SECRET ? `(?<![\\p{L}\\p{N}])${escape(s)}(?![\\p{L}\\p{N}])` : escape(s)));
  const pattern = new RegExp(alternatives.join('|'), 'gu');
  return (s) => s.replace(pattern, '[redacted]');
}

function textValue(v: string | number | boolean): string {
  if (typeof v !== 'string') return String(v);
  // JSON.stringify escapes C0 controls, quotes and backslashes; visible() escapes what else a terminal would act on.
  return /[\s"=\\]/.test(v) || hasInvisible(v) ? visible(JSON.stringify(v)) : v;
}

/** One line per event: `event key=value …` for people, or one JSON object per line for machines. */
export function createLogger(options: LoggerOptions): RunLogger {
  const redact = redactor(options.secrets ?? []);
  // Values are redacted before they are quoted or escaped: a secret with a `"` or `\`
  // in it no longer matches itself once serialised.
  const json = (level: LogLevel, event: string, fields: Record<string, unknown>) =>
    options.write(visible(JSON.stringify({ time: options.clock.now().toISOString(), level, event: redact(event), ...fields })) + '\n');
  const emit = (level: LogLevel, event: string, raw: LogFields = {}) => {
    const fields = Object.fromEntries(
      Object.entries(raw)
        .filter(([, v]) => v !== undefined && v !== null)
        .map(([k, v]) => [k, typeof v === 'string' ? redact(v) : v] as [string, string | number | boolean]),
    );
    if (options.format === 'json') return json(level, event, fields);
    const parts = Object.entries(fields).map(([k, v]) => `${k}=${textValue(v)}`);
    const prefix = level === 'info' ? '' : `${level}: `;
    options.write(`${prefix}${visible(redact(event))}${parts.length ? ' ' + parts.join(' ') : ''}\n`);
  };
  return {
    info: (e, f) => emit('info', e, f),
    warn: (e, f) => emit('warn', e, f),
    error: (e, f) => emit('error', e, f),
    failure(error) {
      const known = isBroadsheetError(error);
      const code = known ? error.code : 'INTERNAL';
      const message = redact(known ? error.message : ((error as Error)?.message ?? String(error)));
      const problems = known ? error.problems.map((p) => redact(formatProblem(p))) : [];
      const stack = known ? undefined : redact((error as Error)?.stack ?? String(error));
      if (options.format === 'json') {
        return json('error', 'run failed', { code, exit: ERRORS[code].exit, error: message, ...(problems.length ? { problems } : {}), ...(stack ? { stack } : {}) });
      }
      // Text keeps its line breaks (a stack, the problem list) but no other control character.
      const lines = [`error [${code}]: ${stack ?? message}`, ...problems.map((p) => `  ${p}`)];
      options.write(lines.flatMap((l) => l.split('\n')).map(visible).join('\n') + '\n');
    },
  };
}

export const silentLogger: Logger = { info() {}, warn() {}, error() {} };
