/**
 * Secrets and settings taken from the environment. Only cli.ts reads
 * process.env; everything else is handed this object, so tests pass their
 * own and no stage depends on the process it runs in.
 */
export interface Environment {
  SMTP_URL?: string | undefined;
  BROADSHEET_SECRET?: string | undefined;
  /** postgres://user:password@host:5432/db: the shared store (PostgreSQL) instead of SQLite in data.dir. A secret. */
  DATABASE_URL?: string | undefined;
}
