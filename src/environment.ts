/**
 * Secrets and settings taken from the environment. Only cli.ts reads
 * process.env; everything else is handed this object, so tests pass their
 * own and no stage depends on the process it runs in.
 */
export interface Environment {
  SMTP_URL?: string | undefined;
  BROADSHEET_SECRET?: string | undefined;
}
