import { existsSync, linkSync, mkdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { normaliseAddress } from '../../delivery/address.js';
import type { LedgerWrite } from '../../delivery/ledger.js';
import type { AddOutcome, Delivery, DeliveryCounts, DeliveryState, NewIssue, NewSubscriber, StoredIssue, Subscriber, SubscriberStatus } from '../../delivery/model.js';
import type { LockName } from '../../pipeline/ports.js';
import { acquireLock, type Lock } from '../../util/lock.js';
import { sleep } from '../../util/sleep.js';
import type { Store } from '../store.js';
import { BUSY_WAIT_MS, corrupt, databaseFault, isBusy } from './faults.js';
import { MIGRATIONS } from './migrations.js';

export const DATABASE_FILE = 'broadsheet.db';

export function databaseExists(dataDir: string): boolean {
  return existsSync(path.join(dataDir, DATABASE_FILE));
}

interface SubscriberRow {
  id: number;
  email: string;
  name: string | null;
  status: SubscriberStatus;
  subscribed_at: string;
  unsubscribed_at: string | null;
}
interface IssueRow {
  number: number;
  subject: string;
  preheader: string;
  html: string;
  text: string;
  entry_slugs: string;
  created_at: string;
  sent_at: string | null;
}
interface DeliveryRow {
  issue: number;
  subscriber: number;
  email: string;
  name: string | null;
  state: DeliveryState;
  message_id: string | null;
  attempts: number;
  last_reply: string | null;
  created_at: string;
  updated_at: string;
}

const iso = (d: Date) => d.toISOString();

function toSubscriber(r: SubscriberRow): Subscriber {
  return {
    id: r.id,
    email: r.email,
    ...(r.name !== null ? { name: r.name } : {}),
    status: r.status,
    subscribedAt: new Date(r.subscribed_at),
    ...(r.unsubscribed_at !== null ? { unsubscribedAt: new Date(r.unsubscribed_at) } : {}),
  };
}

function toIssue(r: IssueRow): StoredIssue {
  return {
    number: r.number,
    subject: r.subject,
    preheader: r.preheader,
    html: r.html,
    text: r.text,
    entrySlugs: JSON.parse(r.entry_slugs) as string[],
    createdAt: new Date(r.created_at),
    ...(r.sent_at !== null ? { sentAt: new Date(r.sent_at) } : {}),
  };
}

function toDelivery(r: DeliveryRow): Delivery {
  return {
    issue: r.issue,
    subscriberId: r.subscriber,
    email: r.email,
    ...(r.name !== null ? { name: r.name } : {}),
    state: r.state,
    ...(r.message_id !== null ? { messageId: r.message_id } : {}),
    attempts: r.attempts,
    ...(r.last_reply !== null ? { lastReply: r.last_reply } : {}),
    openedAt: new Date(r.created_at),
    updatedAt: new Date(r.updated_at),
  };
}

const DELIVERY_SELECT = `
  SELECT d.issue, d.subscriber, s.email, s.name, d.state, d.message_id, d.attempts, d.last_reply, d.created_at, d.updated_at
  FROM deliveries d JOIN subscribers s ON s.id = d.subscriber`;

/**
 * Subscribers, digest issues and the deliveries ledger in one SQLite file.
 *
 * Every method commits before its promise resolves. WAL with synchronous=NORMAL makes a
 * commit survive the process dying at any instant (kill -9 included); only a
 * power cut can undo the last few, and every ledger write is ordered so that
 * undoing it can only cause a second copy, never a missed one. An unsubscribe
 * is the exception: it is synced to disk before it resolves (synchronous=FULL),
 * because the server answers it as done.
 *
 * No call waits on another process's lock inside SQLite (busy_timeout 0):
 * a busy database is tried again after a timer, for up to BUSY_WAIT_MS, so
 * the event loop of the process keeps running meanwhile.
 */
export class SqliteStore implements Store {
  private readonly db: Database.Database;
  private readonly stmt: ReturnType<SqliteStore['prepare']>;
  private readonly file: string;

  private constructor(
    db: Database.Database,
    private readonly dataDir: string,
  ) {
    this.db = db;
    this.file = path.join(dataDir, DATABASE_FILE);
    this.stmt = this.prepare();
  }

  /**
   * Opens the database of a data folder, creating it when there is none.
   * An existing file that is empty or fails SQLite's quick check is an error
   * (DATABASE_CORRUPT), never taken for a new database: starting afresh over
   * it would drop every subscriber and restart the issue numbers.
   */
  static async open(dataDir: string): Promise<SqliteStore> {
    const file = path.join(dataDir, DATABASE_FILE);
    const fail = (doing: string) => (cause: unknown) => {
      throw databaseFault(cause, file, doing) ?? cause;
    };
    try {
      mkdirSync(dataDir, { recursive: true });
      if (!existsSync(file)) createDatabase(file);
    } catch (cause) {
      fail('create the database')(cause);
    }
    const db = await retryBusy(() => openChecked(file)).catch(fail('open the database'));
    const store = new SqliteStore(db, dataDir);
    return store.run('migrate the database', () => migrate(db)).then(
      () => store,
      (e: unknown) => {
        db.close();
        throw e;
      },
    );
  }

  /** One row, as a record, or undefined. */
  private row<R, T>(doing: string, get: () => R | undefined, to: (r: R) => T): Promise<T | undefined> {
    return this.run(doing, () => {
      const r = get();
      return r === undefined ? undefined : to(r);
    });
  }

  /** Runs one statement or transaction: a busy database is tried again for a while; known faults get their own error. */
  private run<T>(doing: string, fn: () => T): Promise<T> {
    return retryBusy(fn).catch((cause: unknown) => {
      throw databaseFault(cause, this.file, doing) ?? cause;
    });
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  /** A lock file beside the database: see util/lock.ts. */
  acquireLock(name: LockName, at: Date): Promise<Lock> {
    return acquireLock(this.dataDir, at, name);
  }

  private prepare() {
    const db = this.db;
    return {
      subscriberByEmail: db.prepare<[string], SubscriberRow>('SELECT * FROM subscribers WHERE email = ?'),
      insertSubscriber: db.prepare<[string, string | null, string, string]>(
        `INSERT INTO subscribers (email, name, status, created_at, subscribed_at) VALUES (?, ?, 'subscribed', ?, ?)`,
      ),
      resubscribe: db.prepare<[string | null, string, number]>(
        `UPDATE subscribers SET name = ?, status = 'subscribed', subscribed_at = ?, unsubscribed_at = NULL WHERE id = ?`,
      ),
      rename: db.prepare<[string, number]>('UPDATE subscribers SET name = ? WHERE id = ?'),
      unsubscribe: db.prepare<[string, string]>(
        `UPDATE subscribers SET status = 'unsubscribed', unsubscribed_at = ? WHERE email = ? AND status = 'subscribed'`,
      ),
      listSubscribers: db.prepare<[], SubscriberRow>('SELECT * FROM subscribers ORDER BY email'),
      countSubscribed: db.prepare<[], { n: number }>(`SELECT count(*) AS n FROM subscribers WHERE status = 'subscribed'`),

      insertIssue: db.prepare<[number, string, string, string, string, string, string]>(
        'INSERT INTO issues (number, subject, preheader, html, text, entry_slugs, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
      insertCovered: db.prepare<[number, string]>('INSERT OR IGNORE INTO issue_entries (issue, slug) VALUES (?, ?)'),
      covered: db.prepare<[], { slug: string }>('SELECT DISTINCT slug FROM issue_entries'),
      issue: db.prepare<[number], IssueRow>('SELECT * FROM issues WHERE number = ?'),
      issues: db.prepare<[], IssueRow>('SELECT * FROM issues ORDER BY number DESC'),
      latestIssue: db.prepare<[], IssueRow>('SELECT * FROM issues ORDER BY number DESC LIMIT 1'),
      markIssueSent: db.prepare<[string, number]>('UPDATE issues SET sent_at = ? WHERE number = ? AND sent_at IS NULL'),

      enqueue: db.prepare<[number, string, string]>(
        `INSERT OR IGNORE INTO deliveries (issue, subscriber, state, created_at, updated_at)
         SELECT ?, id, 'pending', ?, ? FROM subscribers WHERE status = 'subscribed'`,
      ),
      skipLeavers: db.prepare<[string, number]>(
        `UPDATE deliveries SET state = 'skipped', updated_at = ?
         WHERE issue = ? AND state IN ('pending', 'submitted')
           AND subscriber IN (SELECT id FROM subscribers WHERE status = 'unsubscribed')`,
      ),
      reviveReturners: db.prepare<[string, number]>(
        `UPDATE deliveries SET state = 'pending', updated_at = ?
         WHERE issue = ? AND state = 'skipped'
           AND subscriber IN (SELECT id FROM subscribers WHERE status = 'subscribed')`,
      ),
      due: db.prepare<[number], DeliveryRow>(
        `${DELIVERY_SELECT} WHERE d.issue = ? AND d.state IN ('pending', 'submitted') AND s.status = 'subscribed' ORDER BY d.subscriber`,
      ),
      deliveries: db.prepare<[number], DeliveryRow>(`${DELIVERY_SELECT} WHERE d.issue = ? ORDER BY d.subscriber`),
      counts: db.prepare<[number], { state: DeliveryState; n: number }>('SELECT state, count(*) AS n FROM deliveries WHERE issue = ? GROUP BY state'),
      // EXISTS on the key, not IN (SELECT … WHERE status = …): that built the whole list of subscribed ids on every claim.
      claim: db.prepare<[string, string, string, number, number]>(
        `UPDATE deliveries SET state = 'submitted', message_id = ?, submitted_at = ?, updated_at = ?
         WHERE issue = ? AND subscriber = ? AND state IN ('pending', 'submitted')
           AND EXISTS (SELECT 1 FROM subscribers s WHERE s.id = deliveries.subscriber AND s.status = 'subscribed')`,
      ),
      markSkipped: db.prepare<[string, number, number]>(
        `UPDATE deliveries SET state = 'skipped', updated_at = ? WHERE issue = ? AND subscriber = ? AND state IN ('pending', 'submitted')`,
      ),
      markOutcome: db.prepare<[DeliveryState, string | null, number, string, number, number]>(
        'UPDATE deliveries SET state = ?, last_reply = ?, attempts = attempts + ?, updated_at = ? WHERE issue = ? AND subscriber = ?',
      ),
    };
  }

  // ---- subscribers -------------------------------------------------------

  getSubscriber(email: string): Promise<Subscriber | undefined> {
    return this.row('read the subscriber', () => this.stmt.subscriberByEmail.get(email), toSubscriber);
  }

  listSubscribers(): Promise<Subscriber[]> {
    return this.run('list the subscribers', () => this.stmt.listSubscribers.all().map(toSubscriber));
  }

  subscribedCount(): Promise<number> {
    return this.run('count the subscribers', () => this.stmt.countSubscribed.get()!.n);
  }

  addSubscribers(list: readonly NewSubscriber[], at: Date, opts: { resubscribe: boolean }): Promise<AddOutcome[]> {
    return this.run('add the subscribers', () => this.db.transaction(() => list.map((s) => this.addOne(s.email, s.name, at, opts))).immediate());
  }

  private addOne(email: string, name: string | undefined, at: Date, opts: { resubscribe: boolean }): AddOutcome {
    const row = this.stmt.subscriberByEmail.get(email);
    if (!row) {
      this.stmt.insertSubscriber.run(email, name ?? null, iso(at), iso(at));
      return 'added';
    }
    if (row.status === 'unsubscribed') {
      if (!opts.resubscribe) return 'kept-unsubscribed';
      this.stmt.resubscribe.run(name ?? row.name, iso(at), row.id);
      return 'resubscribed';
    }
    if (name !== undefined && name !== row.name) {
      this.stmt.rename.run(name, row.id);
      return 'renamed';
    }
    return 'unchanged';
  }

  unsubscribe(email: string, at: Date): Promise<boolean> {
    const address = normaliseAddress(email);
    if (!address.ok) return Promise.resolve(false);
    // Synced before it resolves: the server then tells the reader it is done.
    return this.run('record the unsubscribe', () => this.durably(() => this.stmt.unsubscribe.run(iso(at), address.email).changes > 0));
  }

  /** Runs a write with synchronous=FULL: in WAL mode the commit is then on disk, not only in the page cache, when it returns. */
  private durably<T>(fn: () => T): T {
    this.db.pragma('synchronous = FULL');
    try {
      return fn();
    } finally {
      this.db.pragma('synchronous = NORMAL');
    }
  }

  // ---- issues --------------------------------------------------------------

  createIssue(issue: NewIssue): Promise<StoredIssue> {
    return this.run('record the new issue', () =>
      this.db
        .transaction(() => {
          const number = issue.number;
          this.stmt.insertIssue.run(number, issue.subject, issue.preheader, issue.html, issue.text, JSON.stringify(issue.entrySlugs), iso(issue.createdAt));
          for (const slug of new Set([...issue.entrySlugs, ...issue.covered])) this.stmt.insertCovered.run(number, slug);
          return toIssue(this.stmt.issue.get(number)!);
        })
        .immediate(),
    );
  }

  getIssue(number: number): Promise<StoredIssue | undefined> {
    return this.row('read the issue', () => this.stmt.issue.get(number), toIssue);
  }

  listIssues(): Promise<StoredIssue[]> {
    return this.run('list the issues', () => this.stmt.issues.all().map(toIssue));
  }

  latestIssue(): Promise<StoredIssue | undefined> {
    return this.row('read the latest issue', () => this.stmt.latestIssue.get(), toIssue);
  }

  coveredSlugs(): Promise<Set<string>> {
    return this.run('read the covered articles', () => new Set(this.stmt.covered.all().map((r) => r.slug)));
  }

  markIssueSent(number: number, at: Date): Promise<void> {
    return this.run('mark the issue sent', () => {
      this.stmt.markIssueSent.run(iso(at), number);
    });
  }

  // ---- deliveries ----------------------------------------------------------

  enqueue(issue: number, at: Date): Promise<number> {
    return this.run('open the deliveries', () =>
      this.db
        .transaction(() => {
          this.stmt.skipLeavers.run(iso(at), issue);
          // Someone who left and came back before the issue finished gets it, like any new subscriber.
          const revived = this.stmt.reviveReturners.run(iso(at), issue).changes;
          return revived + this.stmt.enqueue.run(issue, iso(at), iso(at)).changes;
        })
        .immediate(),
    );
  }

  dueDeliveries(issue: number): Promise<Delivery[]> {
    return this.run('read the deliveries', () => this.stmt.due.all(issue).map(toDelivery));
  }

  deliveries(issue: number): Promise<Delivery[]> {
    return this.run('read the deliveries', () => this.stmt.deliveries.all(issue).map(toDelivery));
  }

  counts(issue: number): Promise<DeliveryCounts> {
    return this.run('count the deliveries', () => {
      const counts: DeliveryCounts = { pending: 0, submitted: 0, accepted: 0, failed: 0, skipped: 0 };
      for (const r of this.stmt.counts.all(issue)) counts[r.state] = r.n;
      return counts;
    });
  }

  record(issue: number, write: LedgerWrite, at: Date): Promise<boolean[]> {
    const when = iso(at);
    return this.run('record the deliveries', () =>
      this.db
        .transaction(() => {
          for (const o of write.outcomes) this.stmt.markOutcome.run(o.state, o.reply ?? null, o.attempted ? 1 : 0, when, issue, o.subscriberId);
          return write.claims.map((c) => {
            if (this.stmt.claim.run(c.messageId, when, when, issue, c.subscriberId).changes === 1) return true;
            this.stmt.markSkipped.run(when, issue, c.subscriberId);
            return false;
          });
        })
        .immediate(),
    );
  }
}

function migrate(db: Database.Database): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > MIGRATIONS.length) {
    throw new Error(`the database has schema version ${version}, newer than this broadsheet understands (${MIGRATIONS.length})`);
  }
  for (let v = version; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]!);
      db.pragma(`user_version = ${v + 1}`);
    }).immediate();
  }
}

/** Tries `fn` again while another connection holds the lock, waiting on a timer (never inside SQLite), for up to BUSY_WAIT_MS. */
async function retryBusy<T>(fn: () => T): Promise<T> {
  const deadline = performance.now() + BUSY_WAIT_MS;
  for (let wait = 1; ; wait = Math.min(wait * 2, 50)) {
    try {
      return fn();
    } catch (e) {
      if (!isBusy(e) || performance.now() + wait > deadline) throw e;
      await sleep(wait);
    }
  }
}

function configure(db: Database.Database): void {
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  // Waiting is done by retryBusy, on a timer: inside SQLite it would block the thread.
  db.pragma('busy_timeout = 0');
}

/**
 * A new database is made under a temporary name and linked into place
 * complete, so that `broadsheet.db` is never an empty file broadsheet made:
 * an empty one is always damage.
 */
function createDatabase(file: string): void {
  const temp = `${file}.new-${process.pid}`;
  rmSync(temp, { force: true });
  try {
    const db = new Database(temp);
    try {
      configure(db);
      migrate(db);
    } finally {
      db.close();
    }
    linkSync(temp, file);
  } catch (e) {
    // Another process created it first: theirs is as good as ours.
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  } finally {
    rmSync(temp, { force: true });
  }
}

/** Opens an existing database, refusing an empty or damaged one. */
function openChecked(file: string): Database.Database {
  if (statSync(file).size === 0) throw corrupt(file, 'open the database', 'an empty file, 0 bytes');
  const db = new Database(file, { fileMustExist: true });
  try {
    configure(db);
    const problems = (db.pragma('quick_check') as { quick_check: string }[]).map((r) => r.quick_check);
    if (problems.join() !== 'ok') throw corrupt(file, 'open the database', `quick_check: ${problems.slice(0, 3).join('; ').replace(/\s+/g, ' ')}`);
    return db;
  } catch (e) {
    db.close();
    throw e;
  }
}
