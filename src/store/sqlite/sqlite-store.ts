import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { normaliseAddress } from '../../delivery/address.js';
import type { AddOutcome, Delivery, DeliveryCounts, DeliveryState, NewIssue, NewSubscriber, StoredIssue, Subscriber, SubscriberStatus } from '../../delivery/model.js';
import { BroadsheetError } from '../../errors.js';
import type { LockName } from '../../pipeline/ports.js';
import { acquireLock, type Lock } from '../../util/lock.js';
import type { Store } from '../store.js';
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
    updatedAt: new Date(r.updated_at),
  };
}

const DELIVERY_SELECT = `
  SELECT d.issue, d.subscriber, s.email, s.name, d.state, d.message_id, d.attempts, d.last_reply, d.updated_at
  FROM deliveries d JOIN subscribers s ON s.id = d.subscriber`;

/**
 * Subscribers, digest issues and the deliveries ledger in one SQLite file.
 *
 * Every method commits before its promise resolves. WAL with synchronous=NORMAL makes a
 * commit survive the process dying at any instant (kill -9 included); only a
 * power cut can undo the last few, and every ledger write is ordered so that
 * undoing it can only cause a second copy, never a missed one.
 */
export class SqliteStore implements Store {
  private readonly db: Database.Database;
  private readonly stmt: ReturnType<SqliteStore['prepare']>;

  private constructor(
    db: Database.Database,
    private readonly dataDir: string,
  ) {
    this.db = db;
    this.stmt = this.prepare();
  }

  static open(dataDir: string): SqliteStore {
    let db: Database.Database;
    try {
      mkdirSync(dataDir, { recursive: true });
      db = new Database(path.join(dataDir, DATABASE_FILE));
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = ON');
      // The server (unsubscribes) and a send may write at the same moment.
      db.pragma('busy_timeout = 5000');
      migrate(db);
    } catch (cause) {
      throw new BroadsheetError('OUTPUT_FAILED', `cannot open the database in ${dataDir}: ${(cause as Error).message}`, { cause });
    }
    return new SqliteStore(db, dataDir);
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
      markSubmitted: db.prepare<[string, string, string, number, number]>(
        `UPDATE deliveries SET state = 'submitted', message_id = ?, attempts = attempts + 1, submitted_at = ?, updated_at = ?
         WHERE issue = ? AND subscriber = ? AND state IN ('pending', 'submitted')
           AND subscriber IN (SELECT id FROM subscribers WHERE status = 'subscribed')`,
      ),
      markSkipped: db.prepare<[string, number, number]>(
        `UPDATE deliveries SET state = 'skipped', updated_at = ? WHERE issue = ? AND subscriber = ? AND state IN ('pending', 'submitted')`,
      ),
      markOutcome: db.prepare<[DeliveryState, string | null, string, number, number]>(
        'UPDATE deliveries SET state = ?, last_reply = ?, updated_at = ? WHERE issue = ? AND subscriber = ?',
      ),
    };
  }

  // ---- subscribers -------------------------------------------------------

  async getSubscriber(email: string): Promise<Subscriber | undefined> {
    const row = this.stmt.subscriberByEmail.get(email);
    return row && toSubscriber(row);
  }

  async listSubscribers(): Promise<Subscriber[]> {
    return this.stmt.listSubscribers.all().map(toSubscriber);
  }

  async subscribedCount(): Promise<number> {
    return this.stmt.countSubscribed.get()!.n;
  }

  async addSubscribers(list: readonly NewSubscriber[], at: Date, opts: { resubscribe: boolean }): Promise<AddOutcome[]> {
    return this.db.transaction(() => list.map((s) => this.addOne(s.email, s.name, at, opts)))();
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

  async unsubscribe(email: string, at: Date): Promise<boolean> {
    const address = normaliseAddress(email);
    return address.ok && this.stmt.unsubscribe.run(iso(at), address.email).changes > 0;
  }

  // ---- issues --------------------------------------------------------------

  async createIssue(issue: NewIssue): Promise<StoredIssue> {
    return this.db.transaction(() => {
      const number = issue.number;
      this.stmt.insertIssue.run(number, issue.subject, issue.preheader, issue.html, issue.text, JSON.stringify(issue.entrySlugs), iso(issue.createdAt));
      for (const slug of new Set([...issue.entrySlugs, ...issue.covered])) this.stmt.insertCovered.run(number, slug);
      return toIssue(this.stmt.issue.get(number)!);
    })();
  }

  async getIssue(number: number): Promise<StoredIssue | undefined> {
    const row = this.stmt.issue.get(number);
    return row && toIssue(row);
  }

  async listIssues(): Promise<StoredIssue[]> {
    return this.stmt.issues.all().map(toIssue);
  }

  async latestIssue(): Promise<StoredIssue | undefined> {
    const row = this.stmt.latestIssue.get();
    return row && toIssue(row);
  }

  async coveredSlugs(): Promise<Set<string>> {
    return new Set(this.stmt.covered.all().map((r) => r.slug));
  }

  async markIssueSent(number: number, at: Date): Promise<void> {
    this.stmt.markIssueSent.run(iso(at), number);
  }

  // ---- deliveries ----------------------------------------------------------

  async enqueue(issue: number, at: Date): Promise<number> {
    return this.db.transaction(() => {
      this.stmt.skipLeavers.run(iso(at), issue);
      // Someone who left and came back before the issue finished gets it, like any new subscriber.
      const revived = this.stmt.reviveReturners.run(iso(at), issue).changes;
      return revived + this.stmt.enqueue.run(issue, iso(at), iso(at)).changes;
    })();
  }

  async dueDeliveries(issue: number): Promise<Delivery[]> {
    return this.stmt.due.all(issue).map(toDelivery);
  }

  async deliveries(issue: number): Promise<Delivery[]> {
    return this.stmt.deliveries.all(issue).map(toDelivery);
  }

  async counts(issue: number): Promise<DeliveryCounts> {
    const counts: DeliveryCounts = { pending: 0, submitted: 0, accepted: 0, failed: 0, skipped: 0 };
    for (const r of this.stmt.counts.all(issue)) counts[r.state] = r.n;
    return counts;
  }

  async markSubmitted(issue: number, subscriberId: number, messageId: string, at: Date): Promise<boolean> {
    if (this.stmt.markSubmitted.run(messageId, iso(at), iso(at), issue, subscriberId).changes === 1) return true;
    this.stmt.markSkipped.run(iso(at), issue, subscriberId);
    return false;
  }

  async markOutcome(issue: number, subscriberId: number, state: 'accepted' | 'failed' | 'pending', reply: string | undefined, at: Date): Promise<void> {
    this.stmt.markOutcome.run(state, reply ?? null, iso(at), issue, subscriberId);
  }
}

/**
 * Brings the schema up to date. The version is read inside the same write
 * transaction that migrates (BEGIN IMMEDIATE), so two processes opening a new
 * data folder at once do not both run the first migration.
 */
function migrate(db: Database.Database): void {
  db.transaction(() => {
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > MIGRATIONS.length) {
      throw new Error(`the database has schema version ${version}, newer than this broadsheet understands (${MIGRATIONS.length})`);
    }
    for (let v = version; v < MIGRATIONS.length; v++) db.exec(MIGRATIONS[v]!);
    if (version < MIGRATIONS.length) db.pragma(`user_version = ${MIGRATIONS.length}`);
  }).immediate();
}
