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
  // Schema 2: statuses beyond subscribed/unsubscribed, the record of consent,
  // and the reports (bounces, complaints, mailed unsubscribes) read from mail.
  // SQLite cannot change a CHECK constraint in place: the table is rebuilt
  // (migrate() runs this with foreign keys off and checks them before commit).
  // Rows from schema 1 keep their status and times; how they joined was not
  // recorded, and says so (`unrecorded`).
  `
  CREATE TABLE subscribers_v2 (
    id                INTEGER PRIMARY KEY,
    email             TEXT NOT NULL UNIQUE,
    name              TEXT,
    status            TEXT NOT NULL CHECK (status IN ('pending', 'subscribed', 'unsubscribed', 'bounced', 'complained')),
    created_at        TEXT NOT NULL,
    joined_at         TEXT NOT NULL,
    joined_via        TEXT NOT NULL CHECK (joined_via IN ('form', 'import', 'command-line', 'unrecorded')),
    joined_detail     TEXT,
    confirmed_at      TEXT,
    subscribed_at     TEXT,
    left_at           TEXT,
    left_via          TEXT CHECK (left_via IN ('link', 'one-click', 'mail', 'bounce', 'complaint', 'operator', 'unrecorded')),
    left_detail       TEXT,
    -- Confirmation mails sent since confirm_window_at: the form cannot be
    -- used to flood an address with them.
    confirm_window_at TEXT,
    confirm_mails     INTEGER NOT NULL DEFAULT 0
  );
  INSERT INTO subscribers_v2 (id, email, name, status, created_at, joined_at, joined_via, subscribed_at, left_at, left_via)
    SELECT id, email, name, status, created_at, subscribed_at, 'unrecorded', subscribed_at, unsubscribed_at,
           CASE WHEN status = 'unsubscribed' THEN 'unrecorded' END
    FROM subscribers;
  DROP TABLE subscribers;
  ALTER TABLE subscribers_v2 RENAME TO subscribers;
  CREATE INDEX subscribers_status ON subscribers(status);
  CREATE INDEX deliveries_subscriber ON deliveries(subscriber, issue);

  -- Every bounce, complaint and mailed unsubscribe read, once: key is the
  -- report's identity, so the same report twice is recognised and ignored.
  -- SMTP refusals at send time are recorded here too (key smtp:<issue>:<id>).
  CREATE TABLE reports (
    key         TEXT PRIMARY KEY,
    kind        TEXT NOT NULL CHECK (kind IN ('hard-bounce', 'soft-bounce', 'complaint', 'unsubscribe')),
    subscriber  INTEGER NOT NULL REFERENCES subscribers(id),
    issue       INTEGER,
    detail      TEXT NOT NULL,
    received_at TEXT NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX reports_subscriber ON reports(subscriber, kind, issue);
  CREATE INDEX reports_issue ON reports(issue, kind);
  `,
];
