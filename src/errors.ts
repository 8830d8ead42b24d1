/**
 * One registry for every error broadsheet raises on purpose. Each code says
 * what went wrong in a word and which exit status the CLI maps it to, so that
 * CI scripts can tell bad content (1) from bad usage (2) without parsing text.
 */
export const ERRORS = {
  USAGE: { exit: 2, title: 'bad command-line usage' },
  CONFIG_INVALID: { exit: 1, title: 'invalid configuration' },
  CONTENT_INVALID: { exit: 1, title: 'invalid content' },
  TEMPLATE_INVALID: { exit: 1, title: 'invalid email template' },
  OUTPUT_FAILED: { exit: 1, title: 'could not write output' },
  OUTPUT_STALE: { exit: 1, title: 'output is out of date' },
  SMTP_NOT_CONFIGURED: { exit: 1, title: 'no SMTP transport configured' },
  SECRET_MISSING: { exit: 1, title: 'a required secret is missing' },
  SECRET_WEAK: { exit: 1, title: 'a secret is too easy to guess' },
  DKIM_KEY_UNREADABLE: { exit: 1, title: 'DKIM key cannot be read' },
  SUBSCRIBER_INVALID: { exit: 1, title: 'invalid subscriber' },
  SEND_INCOMPLETE: { exit: 1, title: 'some deliveries failed or are pending' },
  LEDGER_MISSING: { exit: 1, title: 'the ledger of earlier issues is missing' },
  DIGEST_DISABLED: { exit: 1, title: 'the digest is turned off' },
  INIT_REFUSED: { exit: 1, title: 'init would overwrite files' },
  TOKEN_INVALID: { exit: 1, title: 'invalid unsubscribe token' },
  LOCKED: { exit: 1, title: 'another instance holds the lock' },
  SCHEDULE_INVALID: { exit: 1, title: 'invalid schedule' },
  LISTEN_FAILED: { exit: 1, title: 'a server (HTTP or SMTP) cannot listen' },
  SMTP_UNAVAILABLE: { exit: 1, title: 'the SMTP server is not answering' },
  DATABASE_BUSY: { exit: 1, title: 'another process holds the database' },
  DATABASE_FULL: { exit: 1, title: 'the disk holding the database is full' },
  DATABASE_READ_ONLY: { exit: 1, title: 'the database cannot be written' },
  DATABASE_CORRUPT: { exit: 1, title: 'the database is damaged' },
  DATABASE_UNREACHABLE: { exit: 1, title: 'the database server cannot be reached' },
  INPUT_TOO_LARGE: { exit: 1, title: 'a file or value is larger than broadsheet accepts' },
  YAML_ALIASES: { exit: 1, title: 'YAML expands too many aliases' },
  CACHE_DAMAGED: { exit: 70, title: 'the build cache is damaged (a build starts again without it)' },
  INTERNAL: { exit: 70, title: 'internal error' },
} as const;

export type ErrorCode = keyof typeof ERRORS;

/** A problem found in one place: a file (and line) or a config field. */
export interface Problem {
  /** Path of the file, relative to the project root when possible. */
  file: string;
  /** 1-based line number in the file, when known. */
  line?: number;
  /** Dotted field path, e.g. `image.alt` or `related[2]`. */
  field?: string;
  message: string;
}

export function formatProblem(p: Problem): string {
  const where = p.line !== undefined ? `${p.file}:${p.line}` : p.file;
  return p.field ? `${where}: ${p.field}: ${p.message}` : `${where}: ${p.message}`;
}

export class BroadsheetError extends Error {
  readonly code: ErrorCode;
  readonly problems: readonly Problem[];

  constructor(code: ErrorCode, message: string, options: { cause?: unknown; problems?: Problem[] } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'BroadsheetError';
    this.code = code;
    this.problems = options.problems ?? [];
  }

  get exitCode(): number {
    return ERRORS[this.code].exit;
  }

  /** The message followed by one line per problem, as the CLI prints it. */
  describe(): string {
    const lines = [`error [${this.code}]: ${this.message}`];
    for (const p of this.problems) lines.push(`  ${formatProblem(p)}`);
    return lines.join('\n');
  }
}

export function isBroadsheetError(e: unknown): e is BroadsheetError {
  return e instanceof BroadsheetError;
}

/** A database that cannot take a change now (locked, full, read-only, damaged): nothing was changed. */
export function isDatabaseFault(e: unknown): e is BroadsheetError {
  return e instanceof BroadsheetError && e.code.startsWith('DATABASE_');
}

/** An error as data, to cross between threads with its code, problems and cause. */
export interface PlainError {
  code?: ErrorCode;
  message: string;
  stack?: string;
  problems?: Problem[];
  cause?: { message: string; stack?: string };
}

const plainCause = (e: unknown) => (e instanceof Error ? { message: e.message, ...(e.stack ? { stack: e.stack } : {}) } : { message: String(e) });

export function toPlainError(error: unknown): PlainError {
  if (!(error instanceof Error)) return { message: String(error) };
  const out: PlainError = { message: error.message, ...(error.stack ? { stack: error.stack } : {}) };
  if (error instanceof BroadsheetError) {
    out.code = error.code;
    out.problems = error.problems.map((p) => ({ ...p }));
  }
  if (error.cause !== undefined) out.cause = plainCause(error.cause);
  return out;
}

export function fromPlainError(e: PlainError): Error {
  const cause = e.cause ? Object.assign(new Error(e.cause.message), e.cause.stack ? { stack: e.cause.stack } : {}) : undefined;
  const error = e.code
    ? new BroadsheetError(e.code, e.message, { problems: e.problems ?? [], ...(cause ? { cause } : {}) })
    : new Error(e.message, cause ? { cause } : undefined);
  if (e.stack) error.stack = e.stack;
  return error;
}
