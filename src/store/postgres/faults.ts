import { BroadsheetError } from '../../errors.js';
import { withoutUserinfo } from '../../util/url.js';

const codeOf = (e: unknown): string => String((e as { code?: unknown } | undefined)?.code ?? '');

/** Serialization failures and deadlocks: PostgreSQL asks for the transaction to be run again. */
export function isRetryable(e: unknown): boolean {
  return ['40001', '40P01'].includes(codeOf(e));
}

const UNREACHABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOENT', '57P01', '57P02', '57P03', '08000', '08001', '08003', '08004', '08006', '28000', '28P01', '3D000']);

/**
 * The known ways PostgreSQL fails, as the same errors the SQLite store
 * raises (faults.ts beside it) plus DATABASE_UNREACHABLE; `undefined` for
 * anything else. `where` names the server without its password.
 */
export function pgFault(cause: unknown, where: string, doing: string): BroadsheetError | undefined {
  if (cause instanceof BroadsheetError) return cause;
  const code = codeOf(cause);
  const detail = `${code ? `${code}: ` : ''}${(cause as Error)?.message ?? String(cause)}`;
  const fault = (c: 'DATABASE_BUSY' | 'DATABASE_FULL' | 'DATABASE_READ_ONLY' | 'DATABASE_CORRUPT' | 'DATABASE_UNREACHABLE', message: string) =>
    new BroadsheetError(c, `cannot ${doing}: ${message}`, { cause });
  if (UNREACHABLE.has(code) || /Connection terminated|connect ECONNREFUSED|timeout expired/i.test(detail)) {
    return fault('DATABASE_UNREACHABLE', `PostgreSQL at ${where} cannot be reached or refused us (${detail}); nothing was changed, check DATABASE_URL and that the server is up`);
  }
  if (code === '55P03' || code === '57014') return fault('DATABASE_BUSY', `PostgreSQL at ${where} kept a lock too long (${detail}); nothing was changed, run the command again`);
  if (code === '53100') return fault('DATABASE_FULL', `the disk of PostgreSQL at ${where} is full (${detail}); nothing was changed`);
  if (code === '25006' || code === '42501') return fault('DATABASE_READ_ONLY', `PostgreSQL at ${where} does not let us write (${detail}): a standby, or a user without the rights`);
  if (code === 'XX001' || code === 'XX002') return fault('DATABASE_CORRUPT', `PostgreSQL at ${where} reports damaged data (${detail})`);
  return undefined;
}

/** host:port/database of a URL, never its password: for messages. */
export function describeUrl(url: string): string {
  try {
    // Without its user and password first: one the parser misreads would show in the host.
    const u = new URL(withoutUserinfo(url));
    const host = u.host || u.searchParams.get('host') || 'localhost';
    return `${host}${u.pathname}`;
  } catch {
    return 'DATABASE_URL (not a URL)';
  }
}
