import pg from 'pg';
import { normaliseAddress } from '../../delivery/address.js';
import type { DeliveryQueue, LateOutcomes, LedgerWrite, Outcome } from '../../delivery/ledger.js';
import {
  SUBSCRIBER_STATUSES,
  type AddOutcome,
  type ConfirmOutcome,
  type Delivery,
  type DeliveryCounts,
  type DeliveryState,
  type ImportedSubscriber,
  type ImportOutcome,
  type IssueListStats,
  type JoinRecord,
  type LeaveReason,
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
import type { SubscribePolicy } from '../../list/ports.js';
import type { LockName } from '../../pipeline/ports.js';
import type { Lock } from '../../util/lock.js';
import { sleep } from '../../util/sleep.js';
import { ACTIVE, DELIVERY_SELECT, LEFT, toDelivery, toIssue, toSubscriber, type DeliveryRow, type IssueRow, type SubscriberRow } from '../rows.js';
import type { Store } from '../store.js';
import { describeUrl, isRetryable, pgFault } from './faults.js';
import { PG_MIGRATIONS } from './migrations.js';

/** The first key of every advisory lock broadsheet takes (the second is the lock's name, hashed): other applications on the database keep theirs. */
const LOCK_SPACE = 0x6273; // "bs"

/** Connections one process keeps open: each sender lane group and the server share them. */
export const POOL_SIZE = 10;

type Db = pg.Pool | pg.PoolClient;

/**
 * Subscribers, issues and the deliveries ledger in PostgreSQL: the store for
 * several `serve` instances and several senders on one list. Same contract
 * as the SQLite store (tests/store/conformance.ts runs against both); every
 * method commits before its promise resolves (synchronous_commit as the
 * server is set: on by default, so an answered unsubscribe is durable).
 *
 * Where SQLite serialises writers with one write lock, this store locks the
 * rows it changes (SELECT … FOR UPDATE) inside a transaction, so that the
 * same sequences of calls give the same answers under concurrency.
 */
export class PostgresStore implements Store {
  private constructor(
    private readonly pool: pg.Pool,
    private readonly where: string,
  ) {}

  /** Connects, and brings the schema up to date under an advisory lock (two processes starting at once migrate once). */
  static async open(url: string): Promise<PostgresStore> {
    const where = describeUrl(url);
    const pool = new pg.Pool({ connectionString: url, max: POOL_SIZE, connectionTimeoutMillis: 10_000 });
    // An idle connection the server dropped is an event, not a crash: the next query gets a fresh one.
    pool.on('error', () => {});
    const store = new PostgresStore(pool, where);
    try {
      await store.tx('open the database', (c) => migrate(c));
    } catch (e) {
      await pool.end();
      throw e;
    }
    return store;
  }

  private fail(doing: string) {
    return (cause: unknown): never => {
      throw pgFault(cause, this.where, doing) ?? cause;
    };
  }

  /** One statement; on the pool (its own transaction) it is run again, a few times, after a deadlock or serialization failure. */
  private async q<R extends pg.QueryResultRow>(doing: string, sql: string, params: unknown[] = [], db: Db = this.pool): Promise<pg.QueryResult<R>> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await db.query<R>(sql, params);
      } catch (e) {
        if (db !== this.pool || !isRetryable(e) || attempt >= 5) return this.fail(doing)(e);
        await sleep(attempt * 10);
      }
    }
  }

  /**
   * A connection of the pool, watched while it is out: pg-pool listens for a
   * connection's errors only while it is idle, so a server that ends a
   * checked-out one (restart, failover, pg_terminate_backend) would raise an
   * unhandled 'error' and end the process. `lost` is that error; release()
   * hands a connection that failed back with it, and the pool discards it.
   */
  private async checkout(doing: string): Promise<{ client: pg.PoolClient; lost(): Error | undefined; release(discard?: boolean): void }> {
    const client = await this.pool.connect().catch(this.fail(doing));
    let lost: Error | undefined;
    const listener = (e: Error) => {
      lost ??= e;
    };
    client.on('error', listener);
    return {
      client,
      lost: () => lost,
      release: (discard = false) => {
        client.off('error', listener);
        client.release(lost ?? discard);
      },
    };
  }

  /** One transaction on one connection; run again (a few times) when PostgreSQL reports a deadlock or serialization failure. */
  private async tx<T>(doing: string, fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const conn = await this.checkout(doing);
      const client = conn.client;
      try {
        await client.query('BEGIN');
        const result = await fn(client);
        await client.query('COMMIT');
        return result;
      } catch (e) {
        await client.query('ROLLBACK').catch(() => {});
        if (isRetryable(e) && attempt < 5) {
          await sleep(attempt * 10);
          continue;
        }
        // A connection the server ended fails its next query with "not queryable": the cause is the error it ended with.
        return this.fail(doing)(conn.lost() ?? e);
      } finally {
        conn.release();
      }
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  /**
   * A session advisory lock on a connection of its own, held as long as the
   * holder: PostgreSQL drops it when the connection ends, however the holder
   * ends (kill -9, a lost machine), so there is no stale lock. Across every
   * machine using the database, one holder per name.
   */
  async acquireLock(name: LockName, at: Date): Promise<Lock> {
    void at;
    // The lock goes with its connection: once that has ended, lost() says so and the holder must take it again.
    const conn = await this.checkout(`take the ${name} lock`);
    const client = conn.client;
    let held = false;
    try {
      const r = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1, hashtext($2)) AS ok', [LOCK_SPACE, name]);
      held = r.rows[0]!.ok;
    } catch (e) {
      conn.release(true);
      return this.fail(`take the ${name} lock`)(conn.lost() ?? e);
    }
    if (!held) {
      conn.release();
      throw new BroadsheetError('LOCKED', `another broadsheet ${name} is running on the database ${this.where}; stop it first`);
    }
    let released = false;
    return {
      file: `${this.where}#${name}`,
      lost: () => {
        const e = conn.lost();
        return e && (pgFault(e, this.where, `hold the ${name} lock`) ?? e);
      },
      release: async () => {
        if (released) return;
        released = true;
        if (conn.lost()) return conn.release();
        try {
          await client.query('SELECT pg_advisory_unlock($1, hashtext($2))', [LOCK_SPACE, name]);
          conn.release();
        } catch {
          // The connection is gone, and the lock with it.
          conn.release(true);
        }
      },
    };
  }

  sharedQueue(worker: string, leaseMs: number, late?: LateOutcomes): DeliveryQueue {
    return new PgQueue(this, worker, leaseMs, late);
  }

  // ---- subscribers -------------------------------------------------------

  private async subscriberRow(db: Db, where: 'email' | 'id', value: string | number, lock = false): Promise<SubscriberRow | undefined> {
    const r = await this.q<SubscriberRow>('read the subscriber', `SELECT * FROM subscribers WHERE ${where} = $1${lock ? ' FOR UPDATE' : ''}`, [value], db);
    return r.rows[0];
  }

  async getSubscriber(email: string): Promise<Subscriber | undefined> {
    const r = await this.subscriberRow(this.pool, 'email', email);
    return r && toSubscriber(r);
  }

  async subscriberById(id: number): Promise<Subscriber | undefined> {
    const r = await this.subscriberRow(this.pool, 'id', id);
    return r && toSubscriber(r);
  }

  async listSubscribers(status?: SubscriberStatus): Promise<Subscriber[]> {
    const r =
      status === undefined
        ? await this.q<SubscriberRow>('list the subscribers', 'SELECT * FROM subscribers ORDER BY email')
        : await this.q<SubscriberRow>('list the subscribers', 'SELECT * FROM subscribers WHERE status = $1 ORDER BY email', [status]);
    return r.rows.map(toSubscriber);
  }

  async subscribedCount(): Promise<number> {
    const r = await this.q<{ n: number }>('count the subscribers', `SELECT count(*)::int AS n FROM subscribers WHERE status = 'subscribed'`);
    return r.rows[0]!.n;
  }

  async statusCounts(): Promise<Record<SubscriberStatus, number>> {
    const counts = Object.fromEntries(SUBSCRIBER_STATUSES.map((s) => [s, 0])) as Record<SubscriberStatus, number>;
    const r = await this.q<{ status: SubscriberStatus; n: number }>('count the subscribers', 'SELECT status, count(*)::int AS n FROM subscribers GROUP BY status');
    for (const row of r.rows) counts[row.status] = row.n;
    return counts;
  }

  /**
   * The row of an address, locked for this transaction; created first (with
   * `status`) when there is none. Concurrent callers for one new address
   * wait on the unique index, and all but the first find the row.
   */
  private async lockOrInsert(c: pg.PoolClient, email: string, insert: unknown[]): Promise<{ row: SubscriberRow; inserted: boolean }> {
    const made = await c.query<SubscriberRow>(
      `INSERT INTO subscribers (email, name, status, created_at, joined_at, joined_via, joined_detail, subscribed_at, confirm_window_at, confirm_mails)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (email) DO NOTHING RETURNING *`,
      [email, ...insert],
    );
    if (made.rows[0]) return { row: made.rows[0], inserted: true };
    return { row: (await this.subscriberRow(c, 'email', email, true))!, inserted: false };
  }

  addSubscribers(list: readonly NewSubscriber[], at: Date, opts: { resubscribe: boolean; join?: JoinRecord }): Promise<AddOutcome[]> {
    const join = opts.join ?? { via: 'command-line' };
    return this.tx('add the subscribers', async (c) => {
      const out: AddOutcome[] = [];
      for (const s of list) out.push(await this.addOne(c, s.email, s.name, at, join, opts.resubscribe));
      return out;
    });
  }

  importSubscribers(list: readonly ImportedSubscriber[], at: Date, join: JoinRecord): Promise<ImportOutcome[]> {
    return this.tx('import the subscribers', async (c) => {
      const out: ImportOutcome[] = [];
      for (const s of list) out.push(await this.importOne(c, s, at, join));
      return out;
    });
  }

  /** As SqliteStore.importOne: see Store.importSubscribers. */
  private async importOne(c: pg.PoolClient, s: ImportedSubscriber, at: Date, join: JoinRecord): Promise<ImportOutcome> {
    const joinedAt = s.joinedAt ?? at;
    const insert = (status: SubscriberStatus, subscribedAt: Date | null, leftAt: Date | null, via: LeaveReason | null, detail: string | null) =>
      c.query<SubscriberRow>(
        `INSERT INTO subscribers (email, name, status, created_at, joined_at, joined_via, joined_detail, subscribed_at, left_at, left_via, left_detail, confirm_mails)
         VALUES ($1, $2, $3, $4, $5, 'import', $6, $7, $8, $9, $10, 0) ON CONFLICT (email) DO NOTHING RETURNING id`,
        [s.email, s.name ?? null, status, at, joinedAt, join.detail ?? null, subscribedAt, leftAt, via, detail],
      );
    if (s.status === 'subscribed') {
      const subscribedAt = s.subscribedAt ?? joinedAt;
      if ((await insert('subscribed', subscribedAt, null, null, null)).rowCount === 1) return 'added';
      const row = (await this.subscriberRow(c, 'email', s.email, true))!;
      // As an add without `resubscribe`: a pending address is subscribed, a subscribed one renamed, one that left kept.
      if (row.status !== 'pending') return (await this.addOne(c, s.email, s.name, at, join, false)) as ImportOutcome;
      await c.query(
        `UPDATE subscribers SET name = $1, status = 'subscribed', joined_at = $2, joined_via = $3, joined_detail = $4, confirmed_at = NULL,
           subscribed_at = $5, left_at = NULL, left_via = NULL, left_detail = NULL WHERE id = $6`,
        [s.name ?? row.name, joinedAt, join.via, join.detail ?? null, subscribedAt, row.id],
      );
      return 'added';
    }
    const [via] = LEFT[s.status];
    if ((await insert(s.status, s.subscribedAt ?? null, s.leftAt ?? null, via, s.leftDetail ?? null)).rowCount === 1) return 'recorded-left';
    const row = (await this.subscriberRow(c, 'email', s.email, true))!;
    if (row.status !== 'subscribed' && row.status !== 'pending') return LEFT[row.status][1];
    // Consent given here outranks another service's record; so does joining here after leaving there.
    const since = new Date((row.status === 'subscribed' ? row.subscribed_at : null) ?? row.joined_at);
    if (row.confirmed_at !== null || (s.leftAt !== undefined && since.getTime() > s.leftAt.getTime())) return 'kept-subscribed';
    await c.query('UPDATE subscribers SET status = $1, left_at = $2, left_via = $3, left_detail = $4 WHERE id = $5', [s.status, s.leftAt ?? at, via, s.leftDetail ?? null, row.id]);
    return 'recorded-left';
  }

  private async addOne(c: pg.PoolClient, email: string, name: string | undefined, at: Date, join: JoinRecord, resubscribe: boolean): Promise<AddOutcome> {
    const { row, inserted } = await this.lockOrInsert(c, email, [name ?? null, 'subscribed', at, at, join.via, join.detail ?? null, at, null, 0]);
    if (inserted) return 'added';
    const subscribe = () =>
      c.query(
        `UPDATE subscribers SET name = $1, status = 'subscribed', joined_at = $2, joined_via = $3, joined_detail = $4, confirmed_at = NULL,
           subscribed_at = $2, left_at = NULL, left_via = NULL, left_detail = NULL WHERE id = $5`,
        [name ?? row.name, at, join.via, join.detail ?? null, row.id],
      );
    switch (row.status) {
      case 'pending':
        await subscribe();
        return 'added';
      case 'complained':
        return 'kept-complained';
      case 'unsubscribed':
      case 'bounced':
        if (!resubscribe) return row.status === 'bounced' ? 'kept-bounced' : 'kept-unsubscribed';
        await subscribe();
        return 'resubscribed';
      case 'subscribed':
        if (name !== undefined && name !== row.name) {
          await c.query('UPDATE subscribers SET name = $1 WHERE id = $2', [name, row.id]);
          return 'renamed';
        }
        return 'unchanged';
    }
  }

  async unsubscribe(email: string, at: Date, via: LeaveReason = 'unrecorded'): Promise<boolean> {
    const address = normaliseAddress(email);
    if (!address.ok) return false;
    const r = await this.q(
      'record the unsubscribe',
      `UPDATE subscribers SET status = 'unsubscribed', left_at = $1, left_via = $2, left_detail = NULL WHERE email = $3 AND status IN ${ACTIVE}`,
      [at, via, address.email],
    );
    return (r.rowCount ?? 0) > 0;
  }

  requestSubscription(email: string, name: string | undefined, join: JoinRecord, at: Date, policy: SubscribePolicy): Promise<{ outcome: SubscribeOutcome; id: number }> {
    return this.tx('record the subscription request', async (c) => {
      const { row, inserted } = await this.lockOrInsert(c, email, [name ?? null, 'pending', at, at, join.via, join.detail ?? null, null, at, 1]);
      if (inserted) return { outcome: 'confirm' as const, id: row.id };
      if (row.status === 'subscribed') return { outcome: 'subscribed' as const, id: row.id };
      if (row.status !== 'pending' && !policy.reopen) return { outcome: 'kept' as const, id: row.id };
      const windowStart = new Date(at.getTime() - policy.windowMs);
      // The row is locked: reading the window and counting this mail cannot interleave with another request.
      const fresh = row.confirm_window_at === null || new Date(row.confirm_window_at).getTime() <= windowStart.getTime();
      if (!fresh && row.confirm_mails >= policy.confirmMails) return { outcome: 'limited' as const, id: row.id };
      await c.query('UPDATE subscribers SET confirm_mails = $1, confirm_window_at = $2 WHERE id = $3', [fresh ? 1 : row.confirm_mails + 1, fresh ? at : row.confirm_window_at, row.id]);
      if (row.status === 'pending') {
        if (name !== undefined) await c.query('UPDATE subscribers SET name = $1 WHERE id = $2', [name, row.id]);
      } else {
        await c.query(
          `UPDATE subscribers SET name = coalesce($1, name), status = 'pending', joined_at = $2, joined_via = $3, joined_detail = $4, confirmed_at = NULL WHERE id = $5`,
          [name ?? null, at, join.via, join.detail ?? null, row.id],
        );
      }
      return { outcome: 'confirm' as const, id: row.id };
    });
  }

  confirmSubscription(email: string, requestedAt: Date, at: Date): Promise<ConfirmOutcome> {
    return this.tx('confirm the subscription', async (c): Promise<ConfirmOutcome> => {
      const row = await this.subscriberRow(c, 'email', email, true);
      if (row?.status === 'subscribed') return 'subscribed';
      if (row?.status !== 'pending' || requestedAt.getTime() < new Date(row.joined_at).getTime()) return 'not-pending';
      await c.query(
        `UPDATE subscribers SET status = 'subscribed', confirmed_at = $1, subscribed_at = $1, left_at = NULL, left_via = NULL, left_detail = NULL WHERE id = $2 AND status = 'pending'`,
        [at, row.id],
      );
      return 'confirmed';
    });
  }

  async resubscribe(email: string, at: Date): Promise<boolean> {
    const r = await this.q(
      'resubscribe',
      `UPDATE subscribers SET status = 'subscribed', subscribed_at = $1, left_at = NULL, left_via = NULL, left_detail = NULL WHERE email = $2 AND status = 'unsubscribed'`,
      [at, email],
    );
    return (r.rowCount ?? 0) > 0;
  }

  async rename(email: string, name: string | undefined): Promise<boolean> {
    const r = await this.q('rename the subscriber', 'UPDATE subscribers SET name = $1 WHERE email = $2', [name ?? null, email]);
    return (r.rowCount ?? 0) > 0;
  }

  // ---- reports ---------------------------------------------------------------

  applyReport(report: ListReport, policy: ReportPolicy): Promise<ReportOutcome> {
    return this.tx('record the report', async (c): Promise<ReportOutcome> => {
      const row = await this.subscriberRow(c, 'id', report.subscriberId, true);
      if (!row) throw new BroadsheetError('INTERNAL', `a report names subscriber ${report.subscriberId}, who does not exist`);
      const lastSent = async (n: number) =>
        (await c.query<{ issue: number }>(`SELECT issue FROM deliveries WHERE subscriber = $1 AND state IN ('accepted', 'failed') ORDER BY issue DESC LIMIT $2`, [row.id, n])).rows;
      const [latest] = await lastSent(1);
      const issue = report.issue ?? (report.kind === 'soft-bounce' ? latest?.issue : undefined);
      const inserted = await c.query(
        'INSERT INTO reports (key, kind, subscriber, issue, detail, received_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (key) DO NOTHING',
        [report.key, report.kind, row.id, issue ?? null, report.detail, report.at],
      );
      if (inserted.rowCount === 0) return 'duplicate';
      const active = row.status === 'subscribed' || row.status === 'pending';
      const leave = async (status: SubscriberStatus, via: LeaveReason, detail: string): Promise<ReportOutcome> => {
        await c.query('UPDATE subscribers SET status = $1, left_at = $2, left_via = $3, left_detail = $4 WHERE id = $5', [status, report.at, via, detail, row.id]);
        return 'applied';
      };
      switch (report.kind) {
        case 'hard-bounce':
          return active ? leave('bounced', 'bounce', report.detail) : 'recorded';
        case 'soft-bounce': {
          if (!active) return 'recorded';
          const sent = await lastSent(policy.softBounceLimit);
          const bounced = await c.query<{ n: number }>(
            `SELECT count(DISTINCT issue)::int AS n FROM reports WHERE subscriber = $1 AND kind = 'soft-bounce' AND issue = ANY($2::int[])`,
            [row.id, sent.map((s) => s.issue)],
          );
          const streak = sent.length === policy.softBounceLimit && bounced.rows[0]!.n === sent.length;
          return streak ? leave('bounced', 'bounce', `soft bounces on ${policy.softBounceLimit} issues in a row; the last: ${report.detail}`) : 'recorded';
        }
        case 'complaint':
          return row.status !== 'complained' ? leave('complained', 'complaint', report.detail) : 'recorded';
        case 'unsubscribe':
          return active ? leave('unsubscribed', 'mail', report.detail) : 'recorded';
      }
    });
  }

  async issueListStats(issues: number): Promise<IssueListStats[]> {
    const r = await this.q<IssueListStats>(
      'read the list statistics',
      `SELECT i.number AS issue,
         (SELECT count(*)::int FROM deliveries d WHERE d.issue = i.number AND d.state = 'accepted') AS accepted,
         (SELECT count(*)::int FROM deliveries d WHERE d.issue = i.number AND d.state = 'failed') AS failed,
         (SELECT count(DISTINCT r.subscriber)::int FROM reports r WHERE r.issue = i.number AND r.kind IN ('hard-bounce', 'soft-bounce')) AS bounces,
         (SELECT count(DISTINCT r.subscriber)::int FROM reports r WHERE r.issue = i.number AND r.kind = 'complaint') AS complaints
       FROM issues i ORDER BY i.number DESC LIMIT $1`,
      [issues],
    );
    return r.rows;
  }

  // ---- issues --------------------------------------------------------------

  createIssue(issue: NewIssue): Promise<StoredIssue> {
    return this.tx('record the new issue', async (c) => {
      const r = await c.query<IssueRow>(
        'INSERT INTO issues (number, subject, preheader, html, text, entry_slugs, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *',
        [issue.number, issue.subject, issue.preheader, issue.html, issue.text, JSON.stringify(issue.entrySlugs), issue.createdAt],
      );
      await c.query('INSERT INTO issue_entries (issue, slug) SELECT $1, unnest($2::text[]) ON CONFLICT DO NOTHING', [issue.number, [...new Set([...issue.entrySlugs, ...issue.covered])]]);
      return toIssue(r.rows[0]!);
    });
  }

  private async issueRow(doing: string, sql: string, params: unknown[] = []): Promise<StoredIssue | undefined> {
    const r = await this.q<IssueRow>(doing, sql, params);
    return r.rows[0] && toIssue(r.rows[0]);
  }

  getIssue(number: number): Promise<StoredIssue | undefined> {
    return this.issueRow('read the issue', 'SELECT * FROM issues WHERE number = $1', [number]);
  }

  async listIssues(): Promise<StoredIssue[]> {
    return (await this.q<IssueRow>('list the issues', 'SELECT * FROM issues ORDER BY number DESC')).rows.map(toIssue);
  }

  latestIssue(): Promise<StoredIssue | undefined> {
    return this.issueRow('read the latest issue', 'SELECT * FROM issues ORDER BY number DESC LIMIT 1');
  }

  async coveredSlugs(): Promise<Set<string>> {
    return new Set((await this.q<{ slug: string }>('read the covered articles', 'SELECT DISTINCT slug FROM issue_entries')).rows.map((r) => r.slug));
  }

  async markIssueSent(number: number, at: Date): Promise<void> {
    await this.q('mark the issue sent', 'UPDATE issues SET sent_at = $1 WHERE number = $2 AND sent_at IS NULL', [at, number]);
  }

  // ---- deliveries ----------------------------------------------------------

  enqueue(issue: number, at: Date): Promise<number> {
    return this.tx('open the deliveries', async (c) => {
      await c.query(
        `UPDATE deliveries SET state = 'skipped', updated_at = $1
         WHERE issue = $2 AND state IN ('pending', 'submitted') AND subscriber IN (SELECT id FROM subscribers WHERE status <> 'subscribed')`,
        [at, issue],
      );
      const revived = await c.query(
        `UPDATE deliveries SET state = 'pending', updated_at = $1
         WHERE issue = $2 AND state = 'skipped' AND subscriber IN (SELECT id FROM subscribers WHERE status = 'subscribed')`,
        [at, issue],
      );
      const opened = await c.query(
        `INSERT INTO deliveries (issue, subscriber, state, created_at, updated_at)
         SELECT $1, id, 'pending', $2, $2 FROM subscribers WHERE status = 'subscribed' ON CONFLICT DO NOTHING`,
        [issue, at],
      );
      return (revived.rowCount ?? 0) + (opened.rowCount ?? 0);
    });
  }

  async dueDeliveries(issue: number): Promise<Delivery[]> {
    const r = await this.q<DeliveryRow>('read the deliveries', `${DELIVERY_SELECT} WHERE d.issue = $1 AND d.state IN ('pending', 'submitted') AND s.status = 'subscribed' ORDER BY d.subscriber`, [issue]);
    return r.rows.map(toDelivery);
  }

  async deliveries(issue: number): Promise<Delivery[]> {
    return (await this.q<DeliveryRow>('read the deliveries', `${DELIVERY_SELECT} WHERE d.issue = $1 ORDER BY d.subscriber`, [issue])).rows.map(toDelivery);
  }

  async counts(issue: number): Promise<DeliveryCounts> {
    const counts: DeliveryCounts = { pending: 0, submitted: 0, accepted: 0, failed: 0, skipped: 0 };
    const r = await this.q<{ state: DeliveryState; n: number }>('count the deliveries', 'SELECT state, count(*)::int AS n FROM deliveries WHERE issue = $1 GROUP BY state', [issue]);
    for (const row of r.rows) counts[row.state] = row.n;
    return counts;
  }

  record(issue: number, write: LedgerWrite, at: Date): Promise<boolean[]> {
    return this.recordAs(undefined, 0, issue, write, at);
  }

  /**
   * The ledger's one commit: outcomes (which end a lease), then claims. As a
   * worker (`worker` set), a claim holds only on a delivery this worker has
   * leased, and extends the lease; a claim that lost its lease is false and
   * leaves the delivery to its new holder. So does an outcome: one for a
   * delivery the worker no longer holds, or no longer open, is not written,
   * and goes to `late` once the transaction has committed.
   */
  async recordAs(worker: string | undefined, leaseMs: number, issue: number, write: LedgerWrite, at: Date, late?: LateOutcomes): Promise<boolean[]> {
    const { outcomes, claims } = write;
    const ids = claims.map((x) => x.subscriberId);
    if (outcomes.length + claims.length === 0) return [];
    let dropped: Outcome[] = [];
    // One transaction, as in SQLite. (One statement for both, a round trip fewer, showed no gain in
    // bench/workers.mjs: 253-320 against 289-297 messages/s, load 5.2-5.9.)
    const taken = await this.tx('record the deliveries', async (c) => {
      if (outcomes.length > 0) {
        const written = await c.query<{ subscriber: number }>(...ledgerStatement(worker, leaseMs, issue, outcomes, [], at));
        const kept = new Set(written.rows.map((r) => r.subscriber));
        dropped = outcomes.filter((o) => !kept.has(o.subscriberId));
      }
      if (claims.length === 0) return [];
      const taken = await c.query<{ subscriber: number }>(...ledgerStatement(worker, leaseMs, issue, [], claims, at));
      const won = new Set(taken.rows.map((r) => r.subscriber));
      const lost = ids.filter((id) => !won.has(id));
      if (lost.length > 0) {
        // Those whose subscriber left are skipped; one merely taken over by another worker is left to it.
        await c.query(
          `UPDATE deliveries d SET state = 'skipped', updated_at = $2 WHERE d.issue = $1 AND d.subscriber = ANY($3::int[]) AND d.state IN ('pending', 'submitted')
             AND NOT EXISTS (SELECT 1 FROM subscribers s WHERE s.id = d.subscriber AND s.status = 'subscribed')`,
          [issue, at, lost],
        );
      }
      return ids.map((id) => won.has(id));
    });
    if (dropped.length > 0) late?.(issue, dropped);
    return taken;
  }

  /** See DeliveryQueue.lease. */
  async lease(worker: string, leaseMs: number, issue: number, n: number, runStart: Date): Promise<{ leased: Delivery[]; heldElsewhere: number }> {
    const r = await this.q<DeliveryRow>(
      'lease deliveries',
      // Whatever the subscriber's status: one who left since the deliveries were opened is leased
      // too, and skipped at the claim, as one sender does; left out here, theirs would stay pending.
      `WITH picked AS (
         SELECT d.issue, d.subscriber FROM deliveries d
         WHERE d.issue = $1 AND d.state IN ('pending', 'submitted')
           AND (d.lease_until IS NULL OR d.lease_until < clock_timestamp())
           AND (d.answered_at IS NULL OR d.answered_at < $2)
         ORDER BY d.subscriber LIMIT $3
         FOR UPDATE OF d SKIP LOCKED),
       leased AS (
         UPDATE deliveries d SET claimed_by = $4, lease_until = clock_timestamp() + $5 * interval '1 millisecond'
         FROM picked WHERE d.issue = picked.issue AND d.subscriber = picked.subscriber
         RETURNING d.*)
       SELECT d.issue, d.subscriber, s.email, s.name, s.joined_at, s.joined_via, s.joined_detail, s.confirmed_at,
              d.state, d.message_id, d.attempts, d.last_reply, d.created_at, d.updated_at
       FROM leased d JOIN subscribers s ON s.id = d.subscriber ORDER BY d.subscriber`,
      [issue, runStart, n, worker, leaseMs],
    );
    if (r.rows.length > 0) return { leased: r.rows.map(toDelivery), heldElsewhere: 0 };
    const held = await this.q<{ n: number }>(
      'lease deliveries',
      `SELECT count(*)::int AS n FROM deliveries WHERE issue = $1 AND state IN ('pending', 'submitted') AND claimed_by <> $2 AND lease_until >= clock_timestamp()`,
      [issue, worker],
    );
    return { leased: [], heldElsewhere: held.rows[0]!.n };
  }

  /** Extends (renew) or ends (release) the leases a worker holds on open deliveries. */
  async leases(worker: string, issue: number, leaseMs: number | 'release'): Promise<void> {
    if (leaseMs === 'release') {
      await this.q('give back the leases', `UPDATE deliveries SET claimed_by = NULL, lease_until = NULL WHERE issue = $1 AND claimed_by = $2`, [issue, worker]);
    } else {
      // Rows the worker's ledger writes hold right now are skipped, not waited for (those writes set the lease themselves): no deadlock between the two.
      await this.q(
        'renew the leases',
        `UPDATE deliveries d SET lease_until = clock_timestamp() + $3 * interval '1 millisecond'
         FROM (SELECT issue, subscriber FROM deliveries WHERE issue = $1 AND claimed_by = $2 AND state IN ('pending', 'submitted') FOR UPDATE SKIP LOCKED) mine
         WHERE d.issue = mine.issue AND d.subscriber = mine.subscriber`,
        [issue, worker, leaseMs],
      );
    }
  }

  /** One message more in the current window of the rate limit, counted for every sender on the database: ok when it fits, else how long until the next window. */
  async countSend({ messages, windowMs }: { messages: number; windowMs: number }): Promise<{ ok: boolean; waitMs: number }> {
    const r = await this.q<{ ok: boolean; wait: number }>(
      'count the message against the rate limit',
      `WITH w AS (SELECT floor(extract(epoch FROM clock_timestamp()) * 1000 / $1)::bigint AS n, extract(epoch FROM clock_timestamp()) * 1000 AS now_ms),
       counted AS (
         INSERT INTO send_rate (window_start, sent) SELECT n, 1 FROM w
         ON CONFLICT (window_start) DO UPDATE SET sent = send_rate.sent + 1 WHERE send_rate.sent < $2
         RETURNING 1)
       SELECT EXISTS (SELECT 1 FROM counted) AS ok, ((SELECT n FROM w) + 1) * $1 - (SELECT now_ms FROM w) AS wait`,
      [windowMs, messages],
    );
    // Old windows are of no use; dropped now and then by whoever counts.
    if (Math.random() < 0.01) await this.q('count the message against the rate limit', 'DELETE FROM send_rate WHERE window_start < floor(extract(epoch FROM clock_timestamp()) * 1000 / $1)::bigint - 10', [windowMs]);
    return { ok: r.rows[0]!.ok, waitMs: Math.max(1, Math.ceil(Number(r.rows[0]!.wait))) };
  }

  /** Runs `fn` holding the advisory lock `name`, waiting for it; the lock lives on a connection of its own. */
  async exclusive<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const conn = await this.checkout(`take the ${name} lock`);
    const client = conn.client;
    try {
      await client.query('SELECT pg_advisory_lock($1, hashtext($2))', [LOCK_SPACE, name]).catch((e: unknown) => this.fail(`take the ${name} lock`)(conn.lost() ?? e));
      let result: T;
      try {
        result = await fn();
      } finally {
        await client.query('SELECT pg_advisory_unlock($1, hashtext($2))', [LOCK_SPACE, name]).catch(() => {});
      }
      // The lock went with its connection while fn ran: another process may have run beside it, so the caller must not count on the result.
      const lost = conn.lost();
      if (lost) return this.fail(`hold the ${name} lock`)(lost);
      return result;
    } finally {
      conn.release();
    }
  }
}

/** The PostgreSQL store as one worker of several senders: see DeliveryQueue. Leases are renewed every third of their length while any are held. */
class PgQueue implements DeliveryQueue {
  private renewing: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: PostgresStore,
    private readonly worker: string,
    private readonly leaseMs: number,
    private readonly late: LateOutcomes | undefined,
  ) {}

  record(issue: number, write: LedgerWrite, at: Date): Promise<boolean[]> {
    return this.store.recordAs(this.worker, this.leaseMs, issue, write, at, this.late);
  }

  async lease(issue: number, n: number, runStart: Date): Promise<{ leased: Delivery[]; heldElsewhere: number }> {
    this.renewing ??= setInterval(() => void this.store.leases(this.worker, issue, this.leaseMs).catch(() => {}), Math.max(100, Math.floor(this.leaseMs / 3)));
    return this.store.lease(this.worker, this.leaseMs, issue, n, runStart);
  }

  async release(issue: number): Promise<void> {
    clearInterval(this.renewing);
    this.renewing = undefined;
    await this.store.leases(this.worker, issue, 'release');
  }

  async pace(rate: { messages: number; windowMs: number }, signal: AbortSignal): Promise<boolean> {
    for (;;) {
      // A stop is no slot: sending now would pass the rate limit every other sender keeps.
      if (signal.aborted) return false;
      const { ok, waitMs } = await this.store.countSend(rate);
      if (ok) return true;
      await sleep(waitMs, signal);
    }
  }

  exclusive<T>(name: string, fn: () => Promise<T>): Promise<T> {
    return this.store.exclusive(name, fn);
  }
}

/**
 * One statement of the ledger's write: the outcomes (a final one ends the lease), or the claims (as
 * a worker, only on deliveries it holds, extending the lease). Returns the subscribers written: as
 * a worker, an outcome is written only while the worker still holds the delivery and it is open (a
 * worker paused past its lease must not undo its new holder's answer), a claim only on a delivery
 * the worker holds whose subscriber is still subscribed.
 */
function ledgerStatement(worker: string | undefined, leaseMs: number, issue: number, outcomes: LedgerWrite['outcomes'], claims: LedgerWrite['claims'], at: Date): [string, unknown[]] {
  const params: unknown[] = [issue, at];
  const param = (v: unknown) => `$${params.push(v)}`;
  const parts: string[] = [];
  if (outcomes.length > 0) {
    parts.push(`outcomes AS (
      UPDATE deliveries d SET state = o.state, last_reply = o.reply, attempts = d.attempts + o.attempted, updated_at = $2,
        answered_at = CASE WHEN o.state = 'pending' THEN $2 ELSE d.answered_at END,
        -- A temporary failure stays with its worker (it may retry it in this run); a final answer ends the lease.
        claimed_by = CASE WHEN o.state = 'pending' THEN d.claimed_by END,
        lease_until = CASE WHEN o.state = 'pending' THEN d.lease_until END
      FROM unnest(${param(outcomes.map((o) => o.subscriberId))}::int[], ${param(outcomes.map((o) => o.state))}::text[],
                  ${param(outcomes.map((o) => o.reply ?? null))}::text[], ${param(outcomes.map((o) => (o.attempted ? 1 : 0)))}::int[]) AS o(subscriber, state, reply, attempted)
      WHERE d.issue = $1 AND d.subscriber = o.subscriber
        ${worker === undefined ? '' : `AND d.claimed_by = ${param(worker)} AND d.state IN ('pending', 'submitted')`}
      RETURNING d.subscriber)`);
  }
  if (claims.length > 0) {
    parts.push(`claims AS (
      UPDATE deliveries d SET state = 'submitted', message_id = k.message_id, submitted_at = $2, updated_at = $2
        ${worker === undefined ? '' : `, lease_until = clock_timestamp() + ${param(leaseMs)} * interval '1 millisecond'`}
      FROM unnest(${param(claims.map((x) => x.subscriberId))}::int[], ${param(claims.map((x) => x.messageId))}::text[]) AS k(subscriber, message_id)
      WHERE d.issue = $1 AND d.subscriber = k.subscriber AND d.state IN ('pending', 'submitted')
        AND EXISTS (SELECT 1 FROM subscribers s WHERE s.id = d.subscriber AND s.status = 'subscribed')
        ${worker === undefined ? '' : `AND d.claimed_by = ${param(worker)}`}
      RETURNING d.subscriber)`);
  }
  return [`WITH ${parts.join(',\n')} SELECT subscriber FROM ${claims.length > 0 ? 'claims' : 'outcomes'}`, params];
}

async function migrate(c: pg.PoolClient): Promise<void> {
  // Held until the transaction ends: a second process starting now waits, then finds the schema current.
  await c.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [LOCK_SPACE, 'migrate']);
  await c.query('CREATE TABLE IF NOT EXISTS broadsheet_schema (version integer NOT NULL)');
  const r = await c.query<{ version: number }>('SELECT version FROM broadsheet_schema');
  const version = r.rows[0]?.version ?? 0;
  if (version > PG_MIGRATIONS.length) {
    throw new BroadsheetError('DATABASE_CORRUPT', `cannot open the database: it has schema version ${version}, newer than this broadsheet understands (${PG_MIGRATIONS.length}); upgrade broadsheet`);
  }
  if (version === PG_MIGRATIONS.length) return;
  for (let v = version; v < PG_MIGRATIONS.length; v++) await c.query(PG_MIGRATIONS[v]!);
  if (r.rows.length === 0) await c.query('INSERT INTO broadsheet_schema (version) VALUES ($1)', [PG_MIGRATIONS.length]);
  else await c.query('UPDATE broadsheet_schema SET version = $1', [PG_MIGRATIONS.length]);
}
