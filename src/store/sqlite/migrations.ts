/**
 * The database layout, one migration per schema version (PRAGMA user_version).
 * A migration is only ever appended, never edited: databases in the field
 * have already run the earlier ones.
 */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE subscribers (
    id              INTEGER PRIMARY KEY,
    email           TEXT NOT NULL UNIQUE,
    name            TEXT,
    status          TEXT NOT NULL CHECK (status IN ('subscribed', 'unsubscribed')),
    created_at      TEXT NOT NULL,
    subscribed_at   TEXT NOT NULL,
    unsubscribed_at TEXT
  );

  CREATE TABLE issues (
    number      INTEGER PRIMARY KEY,
    subject     TEXT NOT NULL,
    preheader   TEXT NOT NULL,
    html        TEXT NOT NULL,
    text        TEXT NOT NULL,
    entry_slugs TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    sent_at     TEXT
  );

  -- Every published article an issue took account of, shown or not, so the
  -- next issue carries only articles published since.
  CREATE TABLE issue_entries (
    issue INTEGER NOT NULL REFERENCES issues(number),
    slug  TEXT NOT NULL,
    PRIMARY KEY (issue, slug)
  ) WITHOUT ROWID;
  CREATE INDEX issue_entries_slug ON issue_entries(slug);

  -- The ledger. pending: not yet handed to the server (or a temporary failure
  -- to retry); submitted: handed over, outcome not yet recorded (after a crash,
  -- possibly delivered); accepted / failed: the server's final word;
  -- skipped: the subscriber left before their copy went out.
  CREATE TABLE deliveries (
    issue        INTEGER NOT NULL REFERENCES issues(number),
    subscriber   INTEGER NOT NULL REFERENCES subscribers(id),
    state        TEXT NOT NULL CHECK (state IN ('pending', 'submitted', 'accepted', 'failed', 'skipped')),
    message_id   TEXT,
    attempts     INTEGER NOT NULL DEFAULT 0,
    last_reply   TEXT,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    submitted_at TEXT,
    PRIMARY KEY (issue, subscriber)
  ) WITHOUT ROWID;
  `,
];
