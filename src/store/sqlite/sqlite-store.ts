import { existsSync, linkSync, mkdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { normaliseAddress } from '../../delivery/address.js';
import type { LedgerWrite } from '../../delivery/ledger.js';
import {
  SUBSCRIBER_STATUSES,
  type AddOutcome,
  type ConfirmOutcome,
  type Consent,
  type Delivery,
  type DeliveryCounts,
  type DeliveryState,
  type ImportedSubscriber,
  type ImportOutcome,
  type IssueListStats,
  type JoinRecord,
  type JoinSource,
  type LeaveReason,
  type LeftStatus,
  type ListReport,
  type NewIssue,
  type NewSubscriber,
  type ReportOutcome,
  type StoredIssue,
  type SubscribeOutcome,
  type Subscriber,
  type SubscriberStatus,
} from '../../delivery/model.js';
import { BroadsheetError } from '../../errors.js';
import type { ReportPolicy } from '../../inbound/ports.js';
import type { LockName } from '../../pipeline/ports.js';
import type { SubscribePolicy } from '../../list/ports.js';
import { acquireLock, type Lock } from '../../util/lock.js';
import { sleep } from '../../util/sleep.js';
import type { Store } from '../store.js';
import { ACTIVE, DELIVERY_SELECT, LEFT, iso, toDelivery, toIssue, toSubscriber, type DeliveryRow, type IssueRow, type SubscriberRow } from '../rows.js';
import { BUSY_WAIT_MS, corrupt, databaseFault, isBusy } from './faults.js';
import { MIGRATIONS } from './migrations.js';

export const DATABASE_FILE = 'broadsheet.db';

export function databaseExists(dataDir: string): boolean {
  return existsSync(path.join(dataDir, DATABASE_FILE));
}

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
 * the event loop of the process keeps running meanwhile. Known faults (busy,
 * full, read-only, damaged) end as their own errors (faults.ts).
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
    // Before the statements are prepared: they are written against the latest schema.
    await retryBusy(() => migrate(db)).catch((e: unknown) => {
      db.close();
      fail('migrate the database')(e);
    });
    return new SqliteStore(db, dataDir);
  }

  /** Runs one statement or transaction: a busy database is tried again for a while; known faults get their own error. */
  private run<T>(doing: string, fn: () => T): Promise<T> {
    return retryBusy(fn).catch((cause: unknown) => {
      throw databaseFault(cause, this.file, doing) ?? cause;
    });
  }

  /** One row, as a record, or undefined. */
  private row<R, T>(doing: string, get: () => R | undefined, to: (r: R) => T): Promise<T | undefined> {
    return this.run(doing, () => {
      const r = get();
      return r === undefined ? undefined : to(r);
    });
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

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  /** A lock file beside the database: see util/lock.ts. */
  acquireLock(name: LockName, at: Date): Promise<Lock> {
    return acquireLock(this.dataDir, at, name);
  }

  /** One machine's file: one sender at a time, under the `send` lock. */
  sharedQueue(): undefined {
    return undefined;
  }

  private prepare() {
    const db = this.db;
    return {
      subscriberByEmail: db.prepare<[string], SubscriberRow>('SELECT * FROM subscribers WHERE email = ?'),
      subscriberById: db.prepare<[number], SubscriberRow>('SELECT * FROM subscribers WHERE id = ?'),
      insertSubscriber: db.prepare<[string, string | null, SubscriberStatus, string, string, JoinSource, string | null, string | null, string | null, number]>(
        `INSERT INTO subscribers (email, name, status, created_at, joined_at, joined_via, joined_detail, subscribed_at, confirm_window_at, confirm_mails)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      // An address an import brings in with its source's status and dates.
      insertImported: db.prepare<[string, string | null, SubscriberStatus, string, string, string | null, string | null, string | null, LeaveReason | null, string | null]>(
        `INSERT INTO subscribers (email, name, status, created_at, joined_at, joined_via, joined_detail, subscribed_at, left_at, left_via, left_detail, confirm_mails)
         VALUES (?, ?, ?, ?, ?, 'import', ?, ?, ?, ?, ?, 0)`,
      ),
      // An operator's add or import: subscribed now, with their record of consent.
      subscribe: db.prepare<[string | null, string, JoinSource, string | null, string, number]>(
        `UPDATE subscribers SET name = ?, status = 'subscribed', joined_at = ?, joined_via = ?, joined_detail = ?, confirmed_at = NULL,
           subscribed_at = ?, left_at = NULL, left_via = NULL, left_detail = NULL
         WHERE id = ?`,
      ),
      rename: db.prepare<[string | null, number]>('UPDATE subscribers SET name = ? WHERE id = ?'),
      unsubscribe: db.prepare<[string, LeaveReason, string]>(
        `UPDATE subscribers SET status = 'unsubscribed', left_at = ?, left_via = ?, left_detail = NULL WHERE email = ? AND status IN ${ACTIVE}`,
      ),
      leave: db.prepare<[SubscriberStatus, string, LeaveReason, string | null, number]>(
        'UPDATE subscribers SET status = ?, left_at = ?, left_via = ?, left_detail = ? WHERE id = ?',
      ),
      // A reader's new request after leaving: pending again, with the new request as consent;
      // how they left stays on record until they confirm.
      reopen: db.prepare<[string | null, string, JoinSource, string | null, number]>(
        `UPDATE subscribers SET name = coalesce(?, name), status = 'pending', joined_at = ?, joined_via = ?, joined_detail = ?, confirmed_at = NULL WHERE id = ?`,
      ),
      // One more confirmation mail, if the address has not had its share in the current window;
      // a window older than windowMs starts afresh. One statement, so concurrent requests cannot both pass.
      reserveConfirmation: db.prepare<{ at: string; windowStart: string; limit: number; id: number }>(
        `UPDATE subscribers SET
           confirm_mails = CASE WHEN confirm_window_at IS NULL OR confirm_window_at <= @windowStart THEN 1 ELSE confirm_mails + 1 END,
           confirm_window_at = CASE WHEN confirm_window_at IS NULL OR confirm_window_at <= @windowStart THEN @at ELSE confirm_window_at END
         WHERE id = @id AND (confirm_window_at IS NULL OR confirm_window_at <= @windowStart OR confirm_mails < @limit)`,
      ),
      confirm: db.prepare<[string, string, number]>(
        `UPDATE subscribers SET status = 'subscribed', confirmed_at = ?, subscribed_at = ?, left_at = NULL, left_via = NULL, left_detail = NULL
         WHERE id = ? AND status = 'pending'`,
      ),
      resubscribe: db.prepare<[string, string]>(
        `UPDATE subscribers SET status = 'subscribed', subscribed_at = ?, left_at = NULL, left_via = NULL, left_detail = NULL
         WHERE email = ? AND status = 'unsubscribed'`,
      ),
      renameByEmail: db.prepare<[string | null, string]>('UPDATE subscribers SET name = ? WHERE email = ?'),
      listSubscribers: db.prepare<[], SubscriberRow>('SELECT * FROM subscribers ORDER BY email'),
      listByStatus: db.prepare<[SubscriberStatus], SubscriberRow>('SELECT * FROM subscribers WHERE status = ? ORDER BY email'),
      countSubscribed: db.prepare<[], { n: number }>(`SELECT count(*) AS n FROM subscribers WHERE status = 'subscribed'`),
      statusCounts: db.prepare<[], { status: SubscriberStatus; n: number }>('SELECT status, count(*) AS n FROM subscribers GROUP BY status'),

      insertReport: db.prepare<[string, ListReport['kind'], number, number | null, string, string]>(
        // ON CONFLICT DO NOTHING, in the spelling PostgreSQL shares.
        'INSERT INTO reports (key, kind, subscriber, issue, detail, received_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING',
      ),
      // The issues last sent to an address (accepted or refused), newest first.
      lastSent: db.prepare<[number, number], { issue: number }>(
        `SELECT issue FROM deliveries WHERE subscriber = ? AND state IN ('accepted', 'failed') ORDER BY issue DESC LIMIT ?`,
      ),
      softBounced: db.prepare<[number, number], { n: number }>(
        `SELECT count(*) AS n FROM reports WHERE subscriber = ? AND kind = 'soft-bounce' AND issue = ?`,
      ),
      issueListStats: db.prepare<[number], IssueListStats>(
        `SELECT i.number AS issue,
           (SELECT count(*) FROM deliveries d WHERE d.issue = i.number AND d.state = 'accepted') AS accepted,
           (SELECT count(*) FROM deliveries d WHERE d.issue = i.number AND d.state = 'failed') AS failed,
           (SELECT count(DISTINCT r.subscriber) FROM reports r WHERE r.issue = i.number AND r.kind IN ('hard-bounce', 'soft-bounce')) AS bounces,
           (SELECT count(DISTINCT r.subscriber) FROM reports r WHERE r.issue = i.number AND r.kind = 'complaint') AS complaints
         FROM issues i ORDER BY i.number DESC LIMIT ?`,
      ),

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
           AND subscriber IN (SELECT id FROM subscribers WHERE status <> 'subscribed')`,
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

  subscriberById(id: number): Promise<Subscriber | undefined> {
    return this.row('read the subscriber', () => this.stmt.subscriberById.get(id), toSubscriber);
  }

  listSubscribers(status?: SubscriberStatus): Promise<Subscriber[]> {
    return this.run('list the subscribers', () => {
      return (status === undefined ? this.stmt.listSubscribers.all() : this.stmt.listByStatus.all(status)).map(toSubscriber);
    });
  }

  subscribedCount(): Promise<number> {
    return this.run('count the subscribers', () => {
      return this.stmt.countSubscribed.get()!.n;
    });
  }

  statusCounts(): Promise<Record<SubscriberStatus, number>> {
    return this.run('count the subscribers', () => {
      const counts = Object.fromEntries(SUBSCRIBER_STATUSES.map((s) => [s, 0])) as Record<SubscriberStatus, number>;
      for (const r of this.stmt.statusCounts.all()) counts[r.status] = r.n;
      return counts;
    });
  }

  addSubscribers(list: readonly NewSubscriber[], at: Date, opts: { resubscribe: boolean; join?: JoinRecord }): Promise<AddOutcome[]> {
    return this.run('add the subscribers', () => {
      const join = opts.join ?? { via: 'command-line' };
      return this.db.transaction(() => list.map((s) => this.addOne(s.email, s.name, at, join, opts.resubscribe))).immediate();
    });
  }

  importSubscribers(list: readonly ImportedSubscriber[], at: Date, join: JoinRecord): Promise<ImportOutcome[]> {
    return this.run('import the subscribers', () => {
      return this.db.transaction(() => list.map((s) => this.importOne(s, at, join))).immediate();
    });
  }

  private importOne(s: ImportedSubscriber, at: Date, join: JoinRecord): ImportOutcome {
    const row = this.stmt.subscriberByEmail.get(s.email);
    const joinedAt = s.joinedAt ?? at;
    if (s.status === 'subscribed') {
      const subscribedAt = s.subscribedAt ?? joinedAt;
      if (!row) {
        this.stmt.insertImported.run(s.email, s.name ?? null, 'subscribed', iso(at), iso(joinedAt), join.detail ?? null, iso(subscribedAt), null, null, null);
        return 'added';
      }
      // As an add without `resubscribe`: a pending address is subscribed, a subscribed one renamed, one that left kept.
      if (row.status !== 'pending') return this.addOne(s.email, s.name, at, join, false) as ImportOutcome;
      this.stmt.subscribe.run(s.name ?? row.name, iso(joinedAt), join.via, join.detail ?? null, iso(subscribedAt), row.id);
      return 'added';
    }
    const [via, outcome] = LEFT[s.status];
    if (!row) {
      this.stmt.insertImported.run(s.email, s.name ?? null, s.status, iso(at), iso(joinedAt), join.detail ?? null, s.subscribedAt ? iso(s.subscribedAt) : null, s.leftAt ? iso(s.leftAt) : null, via, s.leftDetail ?? null);
      return 'recorded-left';
    }
    if (row.status !== 'subscribed' && row.status !== 'pending') return LEFT[row.status][1];
    // Consent given here outranks another service's record; so does joining here after leaving there.
    const since = new Date((row.status === 'subscribed' ? row.subscribed_at : null) ?? row.joined_at);
    if (row.confirmed_at !== null || (s.leftAt !== undefined && since.getTime() > s.leftAt.getTime())) return 'kept-subscribed';
    this.stmt.leave.run(s.status, iso(s.leftAt ?? at), via, s.leftDetail ?? null, row.id);
    return 'recorded-left';
  }

  private addOne(email: string, name: string | undefined, at: Date, join: JoinRecord, resubscribe: boolean): AddOutcome {
    const row = this.stmt.subscriberByEmail.get(email);
    const subscribe = (r: SubscriberRow) => this.stmt.subscribe.run(name ?? r.name, iso(at), join.via, join.detail ?? null, iso(at), r.id);
    if (!row) {
      this.stmt.insertSubscriber.run(email, name ?? null, 'subscribed', iso(at), iso(at), join.via, join.detail ?? null, iso(at), null, 0);
      return 'added';
    }
    switch (row.status) {
      case 'pending':
        // The operator vouches for an address that had not confirmed yet.
        subscribe(row);
        return 'added';
      case 'complained':
        return 'kept-complained';
      case 'unsubscribed':
      case 'bounced':
        if (!resubscribe) return row.status === 'bounced' ? 'kept-bounced' : 'kept-unsubscribed';
        subscribe(row);
        return 'resubscribed';
      case 'subscribed':
        if (name !== undefined && name !== row.name) {
          this.stmt.rename.run(name, row.id);
          return 'renamed';
        }
        return 'unchanged';
    }
  }

  unsubscribe(email: string, at: Date, via: LeaveReason = 'unrecorded'): Promise<boolean> {
    const address = normaliseAddress(email);
    if (!address.ok) return Promise.resolve(false);
    // Synced before it resolves: the server then tells the reader it is done.
    return this.run('record the unsubscribe', () => this.durably(() => this.stmt.unsubscribe.run(iso(at), via, address.email).changes > 0));
  }

  requestSubscription(email: string, name: string | undefined, join: JoinRecord, at: Date, policy: SubscribePolicy): Promise<{ outcome: SubscribeOutcome; id: number }> {
    return this.run('record the subscription request', () => {
      return this.db.transaction(() => {
        const row = this.stmt.subscriberByEmail.get(email);
        if (!row) {
          const id = Number(this.stmt.insertSubscriber.run(email, name ?? null, 'pending', iso(at), iso(at), join.via, join.detail ?? null, null, iso(at), 1).lastInsertRowid);
          return { outcome: 'confirm' as const, id };
        }
        if (row.status === 'subscribed') return { outcome: 'subscribed' as const, id: row.id };
        if (row.status !== 'pending' && !policy.reopen) return { outcome: 'kept' as const, id: row.id };
        const windowStart = iso(new Date(at.getTime() - policy.windowMs));
        if (this.stmt.reserveConfirmation.run({ at: iso(at), windowStart, limit: policy.confirmMails, id: row.id }).changes === 0) return { outcome: 'limited' as const, id: row.id };
        if (row.status === 'pending') {
          if (name !== undefined) this.stmt.rename.run(name, row.id);
        } else {
          this.stmt.reopen.run(name ?? null, iso(at), join.via, join.detail ?? null, row.id);
        }
        return { outcome: 'confirm' as const, id: row.id };
      }).immediate();
    });
  }

  confirmSubscription(email: string, requestedAt: Date, at: Date): Promise<ConfirmOutcome> {
    return this.run('confirm the subscription', () => {
      return this.db.transaction((): ConfirmOutcome => {
        const row = this.stmt.subscriberByEmail.get(email);
        if (row?.status === 'subscribed') return 'subscribed';
        // A link mailed before the latest request (an old one, from before the address left) is spent.
        if (row?.status !== 'pending' || requestedAt.getTime() < new Date(row.joined_at).getTime()) return 'not-pending';
        this.stmt.confirm.run(iso(at), iso(at), row.id);
        return 'confirmed';
      }).immediate();
    });
  }

  resubscribe(email: string, at: Date): Promise<boolean> {
    return this.run('resubscribe', () => {
      return this.stmt.resubscribe.run(iso(at), email).changes > 0;
    });
  }

  rename(email: string, name: string | undefined): Promise<boolean> {
    return this.run('rename the subscriber', () => {
      return this.stmt.renameByEmail.run(name ?? null, email).changes > 0;
    });
  }

  // ---- reports ---------------------------------------------------------------

  applyReport(report: ListReport, policy: ReportPolicy): Promise<ReportOutcome> {
    return this.run('record the report', () => {
      return this.db.transaction((): ReportOutcome => {
        const row = this.stmt.subscriberById.get(report.subscriberId);
        if (!row) throw new BroadsheetError('INTERNAL', `a report names subscriber ${report.subscriberId}, who does not exist`);
        const [latest] = this.stmt.lastSent.all(row.id, 1);
        const issue = report.issue ?? (report.kind === 'soft-bounce' ? latest?.issue : undefined);
        const at = iso(report.at);
        if (this.stmt.insertReport.run(report.key, report.kind, row.id, issue ?? null, report.detail, at).changes === 0) return 'duplicate';
        const active = row.status === 'subscribed' || row.status === 'pending';
        const leave = (status: SubscriberStatus, via: LeaveReason, detail: string): ReportOutcome => {
          this.stmt.leave.run(status, at, via, detail, row.id);
          return 'applied';
        };
        switch (report.kind) {
          case 'hard-bounce':
            return active ? leave('bounced', 'bounce', report.detail) : 'recorded';
          case 'soft-bounce': {
            if (!active) return 'recorded';
            const sent = this.stmt.lastSent.all(row.id, policy.softBounceLimit);
            const streak = sent.length === policy.softBounceLimit && sent.every((s) => this.stmt.softBounced.get(row.id, s.issue)!.n > 0);
            return streak ? leave('bounced', 'bounce', `soft bounces on ${policy.softBounceLimit} issues in a row; the last: ${report.detail}`) : 'recorded';
          }
          case 'complaint':
            return row.status !== 'complained' ? leave('complained', 'complaint', report.detail) : 'recorded';
          case 'unsubscribe':
            return active ? leave('unsubscribed', 'mail', report.detail) : 'recorded';
        }
      }).immediate();
    });
  }

  issueListStats(issues: number): Promise<IssueListStats[]> {
    return this.run('read the list statistics', () => {
      return this.stmt.issueListStats.all(issues);
    });
  }

  // ---- issues --------------------------------------------------------------

  createIssue(issue: NewIssue): Promise<StoredIssue> {
    return this.run('record the new issue', () => {
      return this.db.transaction(() => {
        const number = issue.number;
        this.stmt.insertIssue.run(number, issue.subject, issue.preheader, issue.html, issue.text, JSON.stringify(issue.entrySlugs), iso(issue.createdAt));
        for (const slug of new Set([...issue.entrySlugs, ...issue.covered])) this.stmt.insertCovered.run(number, slug);
        return toIssue(this.stmt.issue.get(number)!);
      }).immediate();
    });
  }

  getIssue(number: number): Promise<StoredIssue | undefined> {
    return this.row('read the issue', () => this.stmt.issue.get(number), toIssue);
  }

  listIssues(): Promise<StoredIssue[]> {
    return this.run('list the issues', () => {
      return this.stmt.issues.all().map(toIssue);
    });
  }

  latestIssue(): Promise<StoredIssue | undefined> {
    return this.row('read the latest issue', () => this.stmt.latestIssue.get(), toIssue);
  }

  coveredSlugs(): Promise<Set<string>> {
    return this.run('read the covered articles', () => {
      return new Set(this.stmt.covered.all().map((r) => r.slug));
    });
  }

  markIssueSent(number: number, at: Date): Promise<void> {
    return this.run('mark the issue sent', () => {
      this.stmt.markIssueSent.run(iso(at), number);
    });
  }

  // ---- deliveries ----------------------------------------------------------

  enqueue(issue: number, at: Date): Promise<number> {
    return this.run('open the deliveries', () => {
      return this.db.transaction(() => {
        this.stmt.skipLeavers.run(iso(at), issue);
        // Someone who left and came back before the issue finished gets it, like any new subscriber.
        const revived = this.stmt.reviveReturners.run(iso(at), issue).changes;
        return revived + this.stmt.enqueue.run(issue, iso(at), iso(at)).changes;
      }).immediate();
    });
  }

  dueDeliveries(issue: number): Promise<Delivery[]> {
    return this.run('read the deliveries', () => {
      return this.stmt.due.all(issue).map(toDelivery);
    });
  }

  deliveries(issue: number): Promise<Delivery[]> {
    return this.run('read the deliveries', () => {
      return this.stmt.deliveries.all(issue).map(toDelivery);
    });
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
  const version = () => db.pragma('user_version', { simple: true }) as number;
  if (version() > MIGRATIONS.length) {
    throw new Error(`the database has schema version ${version()}, newer than this broadsheet understands (${MIGRATIONS.length})`);
  }
  if (version() === MIGRATIONS.length) return;
  // A migration may rebuild a table others refer to (SQLite's way to change a
  // constraint): foreign keys are off while it runs, which SQLite allows only
  // outside a transaction, and checked before it commits.
  db.pragma('foreign_keys = OFF');
  try {
    // Each step takes the write lock first and reads the version under it:
    // two processes opening a new data folder at once migrate it once.
    for (let done = false; !done; ) {
      done = db
        .transaction(() => {
          const v = version();
          if (v >= MIGRATIONS.length) return true;
          db.exec(MIGRATIONS[v]!);
          const broken = db.pragma('foreign_key_check') as unknown[];
          if (broken.length > 0) throw new Error(`migration ${v + 1} would break ${broken.length} reference(s) between tables`);
          db.pragma(`user_version = ${v + 1}`);
          return false;
        })
        .immediate();
    }
  } finally {
    db.pragma('foreign_keys = ON');
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
