import type { Clock } from './clock.js';
import { formatProblem, type BroadsheetError } from './errors.js';
import { hasInvisible, maskEmails, visible } from './util/text.js';

export type LogFormat = 'text' | 'json';
export type LogLevel = 'info' | 'warn' | 'error';
export type LogFields = Record<string, string | number | boolean | undefined | null>;

export interface Logger {
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
}

/** The logger a command line runs with: it also writes the run's final error, in the same format and redacted. */
export interface RunLogger extends Logger {
  /** `error [CODE]: message` and one line per problem (text), or one JSON object. */
  failure(error: BroadsheetError): void;
}

export interface LoggerOptions {
  format: LogFormat;
  write: (line: string) => void;
  clock: Clock;
  /** Values that must never appear in a log line (SMTP password, signing secret), whatever their length. */
  secrets?: readonly string[];
  /** ANSI colour for the level (text format on a terminal). */
  color?: boolean;
}

const COLORS: Record<LogLevel, string> = { info: '', warn: '\x1b[33m', error: '\x1b[31m' };
const RESET = '\x1b[0m';

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

/**
 * One line per event: `event key=value …` for people, or one JSON object per
 * line for machines. Every value is redacted before it is serialised (a
 * secret with a `"` or `\` in it no longer matches itself once escaped), email
 * addresses in log events are masked (`r***@example.com`: enough to recognise
 * one, not enough to harvest a list from a log), and control, format and
 * bidirectional characters are written as `\uXXXX`: a value from a request or
 * a file can neither act on the terminal that shows the log nor forge a line.
 */
export function createLogger(options: LoggerOptions): RunLogger {
  const redact = redactor(options.secrets ?? []);
  const paint = (level: LogLevel, text: string) => (options.color && COLORS[level] ? `${COLORS[level]}${text}${RESET}` : text);
  // JSON.stringify leaves DEL, C1, format and separator characters raw; visible() escapes them inside the strings.
  const json = (record: Record<string, unknown>) => options.write(visible(JSON.stringify({ time: options.clock.now().toISOString(), ...record })) + '\n');

  const emit = (level: LogLevel, rawEvent: string, raw: LogFields = {}) => {
    const event = maskEmails(redact(rawEvent));
    const fields = Object.fromEntries(
      Object.entries(raw)
        .filter(([, v]) => v !== undefined && v !== null)
        .map(([k, v]) => [k, typeof v === 'string' ? maskEmails(redact(v)) : v] as [string, string | number | boolean]),
    );
    if (options.format === 'json') return json({ level, event, ...fields });
    const parts = Object.entries(fields).map(([k, v]) => `${k}=${textValue(v)}`);
    const prefix = level === 'info' ? '' : paint(level, `${level}:`) + ' ';
    options.write(`${prefix}${visible(event)}${parts.length ? ' ' + parts.join(' ') : ''}\n`);
  };
  return {
    info: (e, f) => emit('info', e, f),
    warn: (e, f) => emit('warn', e, f),
    error: (e, f) => emit('error', e, f),
    failure(error) {
      const message = redact(error.message);
      const problems = error.problems.map((p) => ({ ...p, file: redact(p.file), ...(p.field ? { field: redact(p.field) } : {}), message: redact(p.message) }));
      if (options.format === 'json') {
        return json({ level: 'error', event: 'failed', code: error.code, message, problems: problems.map((p) => ({ ...p, text: formatProblem(p) })) });
      }
      // Text keeps its line breaks (a stack, the problem list) and nothing else a terminal would act on.
      const lines = [`error [${error.code}]: ${message}`, ...problems.map((p) => `  ${formatProblem(p)}`)].flatMap((l) => l.split('\n')).map(visible);
      options.write(`${paint('error', 'error')}${lines.join('\n').slice('error'.length)}\n`);
    },
  };
}

export const silentLogger: Logger = { info() {}, warn() {}, error() {} };
