import type { Clock } from './clock.js';
import { formatProblem, type BroadsheetError } from './errors.js';
import { maskEmails } from './util/text.js';

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
  /** Values that must never appear in a log line (SMTP password, signing secret). */
  secrets?: readonly string[];
  /** ANSI colour for the level (text format on a terminal). */
  color?: boolean;
}

const COLORS: Record<LogLevel, string> = { info: '', warn: '\x1b[33m', error: '\x1b[31m' };
const RESET = '\x1b[0m';

/**
 * One line per event: `event key=value …` for people, or one JSON object per
 * line for machines. Secrets are redacted from every line; email addresses in
 * log events are masked (`r***@example.com`), enough to recognise one, not
 * enough to harvest a list from a log.
 */
export function createLogger(options: LoggerOptions): RunLogger {
  const secrets = (options.secrets ?? []).filter((s) => s.length > 0).sort((a, b) => b.length - a.length);
  const redact = (s: string) => secrets.reduce((acc, secret) => acc.split(secret).join('[redacted]'), s);
  const paint = (level: LogLevel, text: string) => (options.color && COLORS[level] ? `${COLORS[level]}${text}${RESET}` : text);
  const json = (record: Record<string, unknown>) => options.write(redact(JSON.stringify({ time: options.clock.now().toISOString(), ...record })) + '\n');

  const emit = (level: LogLevel, rawEvent: string, raw: LogFields = {}) => {
    // Values are redacted before they are quoted or escaped: a secret with a `"` or `\`
    // in it no longer matches itself once serialised.
    const event = maskEmails(redact(rawEvent));
    const fields: LogFields = Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, typeof v === 'string' ? maskEmails(redact(v)) : v]));
    if (options.format === 'json') return json({ level, event, ...fields });
    const parts = Object.entries(fields)
      .filter(([, v]) => v !== undefined && v !== null)
      .map(([k, v]) => `${k}=${typeof v === 'string' && /[\s"=]/.test(v) ? JSON.stringify(v) : String(v)}`);
    const prefix = level === 'info' ? '' : paint(level, `${level}:`) + ' ';
    options.write(redact(`${prefix}${event}${parts.length ? ' ' + parts.join(' ') : ''}`) + '\n');
  };
  return {
    info: (e, f) => emit('info', e, f),
    warn: (e, f) => emit('warn', e, f),
    error: (e, f) => emit('error', e, f),
    failure(error) {
      if (options.format === 'json') {
        return json({ level: 'error', event: 'failed', code: error.code, message: redact(error.message), problems: error.problems.map((p) => ({ ...p, text: formatProblem(p) })) });
      }
      const lines = [`${paint('error', 'error')} [${error.code}]: ${error.message}`, ...error.problems.map((p) => `  ${formatProblem(p)}`)];
      options.write(redact(lines.join('\n')) + '\n');
    },
  };
}

export const silentLogger: Logger = { info() {}, warn() {}, error() {} };
