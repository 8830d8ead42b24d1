import type { Clock } from './clock.js';

export type LogFormat = 'text' | 'json';
export type LogLevel = 'info' | 'warn' | 'error';
export type LogFields = Record<string, string | number | boolean | undefined | null>;

export interface Logger {
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
}

export interface LoggerOptions {
  format: LogFormat;
  write: (line: string) => void;
  clock: Clock;
  /** Values that must never appear in a log line (SMTP password, signing secret). */
  secrets?: readonly string[];
}

/** One line per event: `event key=value …` for people, or one JSON object per line for machines. */
export function createLogger(options: LoggerOptions): Logger {
  const secrets = (options.secrets ?? []).filter((s) => s.length >= 4);
  const redact = (s: string) => secrets.reduce((acc, secret) => acc.split(secret).join('[redacted]'), s);
  const emit = (level: LogLevel, event: string, raw: LogFields = {}) => {
    // Values are redacted before they are quoted or escaped: a secret with a `"` or `\`
    // in it no longer matches itself once serialised.
    event = redact(event);
    const fields: LogFields = Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, typeof v === 'string' ? redact(v) : v]));
    if (options.format === 'json') {
      options.write(redact(JSON.stringify({ time: options.clock.now().toISOString(), level, event, ...fields })) + '\n');
      return;
    }
    const parts = Object.entries(fields)
      .filter(([, v]) => v !== undefined && v !== null)
      .map(([k, v]) => `${k}=${typeof v === 'string' && /[\s"=]/.test(v) ? JSON.stringify(v) : String(v)}`);
    const prefix = level === 'info' ? '' : `${level}: `;
    options.write(redact(`${prefix}${event}${parts.length ? ' ' + parts.join(' ') : ''}`) + '\n');
  };
  return {
    info: (e, f) => emit('info', e, f),
    warn: (e, f) => emit('warn', e, f),
    error: (e, f) => emit('error', e, f),
  };
}

export const silentLogger: Logger = { info() {}, warn() {}, error() {} };
