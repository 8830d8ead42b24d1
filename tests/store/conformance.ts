import { describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/store.js';

/**
 * What every store must do, whatever keeps the data: run by each
 * implementation's test file against a fresh, empty store (the way
 * unstorage runs one suite over every driver).
 */
export function storeConformance(name: string, open: () => Promise<Store>): void {
  describe(`${name}: the Store contract`, () => {
    it('keeps one subscriber per address, with status and timestamps', async () => {
      const store = await open();
      try {
        const t1 = new Date('2025-01-01T00:00:00Z');
        const t2 = new Date('2025-02-01T00:00:00Z');
        const add = async (email: string, name: string | undefined, at: Date, resubscribe: boolean) => (await store.addSubscribers([{ email, name }], at, { resubscribe }))[0];
        expect(await add('ann@example.org', 'Ann', t1, false)).toBe('added');
        expect(await add('ann@example.org', 'Ann', t2, false)).toBe('unchanged');
        expect(await add('ann@example.org', 'Ann A', t2, false)).toBe('renamed');
        expect(await store.unsubscribe('ANN@example.org', t2)).toBe(true);
        expect(await store.unsubscribe('ann@example.org', t2)).toBe(false);
        expect(await store.unsubscribe('nobody@example.org', t2)).toBe(false);
        expect(await store.unsubscribe('not an address', t2)).toBe(false);
        expect(await add('ann@example.org', undefined, t2, false)).toBe('kept-unsubscribed');
        const ann = await store.getSubscriber('ann@example.org');
        expect(ann).toEqual({ id: ann!.id, email: 'ann@example.org', name: 'Ann A', status: 'unsubscribed', subscribedAt: t1, unsubscribedAt: t2 });
        expect(await add('ann@example.org', undefined, t2, true)).toBe('resubscribed');
        expect(await store.getSubscriber('ann@example.org')).toEqual({ id: ann!.id, email: 'ann@example.org', name: 'Ann A', status: 'subscribed', subscribedAt: t2 });
        expect(await store.subscribedCount()).toBe(1);
      } finally {
        await store.close();
      }
    });

    it('adds a whole list in one call, reporting each address', async () => {
      const store = await open();
      try {
        const at = new Date('2025-01-01T00:00:00Z');
        const outcomes = await store.addSubscribers([{ email: 'a@example.org' }, { email: 'b@example.org', name: 'B' }, { email: 'a@example.org', name: 'A' }], at, { resubscribe: false });
        expect(outcomes).toEqual(['added', 'added', 'renamed']);
        expect((await store.listSubscribers()).map((s) => [s.email, s.name ?? null, s.status])).toEqual([
          ['a@example.org', 'A', 'subscribed'],
          ['b@example.org', 'B', 'subscribed'],
        ]);
      } finally {
        await store.close();
      }
    });

    it('stores issues with their covered articles, and opens deliveries only for subscribed addresses', async () => {
      const store = await open();
      try {
        const at = new Date('2025-03-01T00:00:00Z');
        await store.addSubscribers([{ email: 'ann@example.org' }, { email: 'bo@example.org' }], at, { resubscribe: false });
        await store.unsubscribe('bo@example.org', at);
        expect(await store.latestIssue()).toBeUndefined();
        const issue = await store.createIssue({ number: 1, subject: 'S', preheader: 'P', html: '<p>{{name}}</p>', text: 'T', entrySlugs: ['a', 'b'], covered: ['a', 'b', 'c'], createdAt: at });
        expect(issue).toEqual({ number: 1, subject: 'S', preheader: 'P', html: '<p>{{name}}</p>', text: 'T', entrySlugs: ['a', 'b'], createdAt: at });
        expect(await store.getIssue(1)).toEqual(issue);
        expect(await store.latestIssue()).toEqual(issue);
        expect([...(await store.coveredSlugs())].sort()).toEqual(['a', 'b', 'c']);
        expect(await store.enqueue(1, at)).toBe(1);
        expect(await store.enqueue(1, at)).toBe(0);
        const [due] = await store.dueDeliveries(1);
        expect([due!.email, due!.state]).toEqual(['ann@example.org', 'pending']);
        expect(await store.record(1, { outcomes: [], claims: [{ subscriberId: due!.subscriberId, messageId: '<m@x>' }] }, at)).toEqual([true]);
        expect(await store.counts(1)).toEqual({ pending: 0, submitted: 1, accepted: 0, failed: 0, skipped: 0 });
        // Leaving between runs: the open delivery is closed as skipped, not sent.
        await store.unsubscribe('ann@example.org', at);
        await store.enqueue(1, at);
        expect(await store.dueDeliveries(1)).toEqual([]);
        expect(await store.counts(1)).toMatchObject({ submitted: 0, skipped: 1 });
        // Coming back before the issue is finished: the issue is theirs again.
        await store.addSubscribers([{ email: 'ann@example.org' }], at, { resubscribe: true });
        expect(await store.enqueue(1, at)).toBe(1);
        expect((await store.dueDeliveries(1)).map((d) => [d.email, d.state])).toEqual([['ann@example.org', 'pending']]);
        expect((await store.listIssues()).map((i) => i.number)).toEqual([1]);
      } finally {
        await store.close();
      }
    });

    it('records a delivery before and after the hand-over, and skips one whose subscriber left', async () => {
      const store = await open();
      try {
        const at = new Date('2025-03-01T00:00:00Z');
        const later = new Date('2025-03-01T00:05:00Z');
        await store.addSubscribers([{ email: 'ann@example.org', name: 'Ann' }, { email: 'bo@example.org' }], at, { resubscribe: false });
        await store.createIssue({ number: 1, subject: 'S', preheader: 'P', html: 'H', text: 'T', entrySlugs: ['a'], covered: ['a'], createdAt: at });
        await store.enqueue(1, at);
        const [ann, bo] = await store.dueDeliveries(1);
        expect(ann!.openedAt).toEqual(at);
        expect(await store.record(1, { outcomes: [], claims: [{ subscriberId: ann!.subscriberId, messageId: '<1@x>' }] }, at)).toEqual([true]);
        await store.unsubscribe('bo@example.org', at);
        // One commit: the outcome of one hand-over and the claim of the next.
        const claim = { subscriberId: bo!.subscriberId, messageId: '<2@x>' };
        expect(await store.record(1, { outcomes: [{ subscriberId: ann!.subscriberId, state: 'accepted', reply: '250 ok', attempted: true }], claims: [claim] }, later)).toEqual([false]);
        const rows = await store.deliveries(1);
        expect(rows.map((d) => [d.email, d.name ?? null, d.state, d.messageId ?? null, d.attempts, d.lastReply ?? null])).toEqual([
          ['ann@example.org', 'Ann', 'accepted', '<1@x>', 1, '250 ok'],
          ['bo@example.org', null, 'skipped', null, 0, null],
        ]);
        expect(rows[0]!.updatedAt).toEqual(later);
        expect(rows[0]!.openedAt).toEqual(at);
        await store.markIssueSent(1, later);
        expect((await store.getIssue(1))!.sentAt).toEqual(later);
      } finally {
        await store.close();
      }
    });

    it('counts an attempt only when the message was offered, and claims many deliveries in one commit', async () => {
      const store = await open();
      try {
        const at = new Date('2025-03-01T00:00:00Z');
        await store.addSubscribers([{ email: 'a@example.org' }, { email: 'b@example.org' }, { email: 'c@example.org' }], at, { resubscribe: false });
        await store.createIssue({ number: 1, subject: 'S', preheader: 'P', html: 'H', text: 'T', entrySlugs: ['a'], covered: ['a'], createdAt: at });
        await store.enqueue(1, at);
        const [a, b, c] = await store.dueDeliveries(1);
        const claims = [a!, b!, c!].map((d, i) => ({ subscriberId: d.subscriberId, messageId: `<${i}@x>` }));
        expect(await store.record(1, { outcomes: [], claims }, at)).toEqual([true, true, true]);
        expect(await store.counts(1)).toMatchObject({ pending: 0, submitted: 3 });
        await store.record(
          1,
          {
            outcomes: [
              // A 4xx reply: an attempt, to try again.
              { subscriberId: a!.subscriberId, state: 'pending', reply: '451 try later', attempted: true },
              // The server refused the connection: the message was never offered.
              { subscriberId: b!.subscriberId, state: 'pending', reply: 'ECONNREFUSED', attempted: false },
              { subscriberId: c!.subscriberId, state: 'failed', reply: '550 no such user', attempted: true },
            ],
            claims: [],
          },
          at,
        );
        const rows = await store.deliveries(1);
        expect(rows.map((d) => [d.email, d.state, d.attempts, d.lastReply ?? null])).toEqual([
          ['a@example.org', 'pending', 1, '451 try later'],
          ['b@example.org', 'pending', 0, 'ECONNREFUSED'],
          ['c@example.org', 'failed', 1, '550 no such user'],
        ]);
        // Due again: both pending ones (the failed one is final), with their history.
        expect((await store.dueDeliveries(1)).map((d) => [d.email, d.attempts])).toEqual([
          ['a@example.org', 1],
          ['b@example.org', 0],
        ]);
      } finally {
        await store.close();
      }
    });

    it('gives each lock to one holder at a time, and the send and schedule locks are separate', async () => {
      const store = await open();
      try {
        const at = new Date('2026-01-01T00:00:00Z');
        const send = await store.acquireLock('send', at);
        await expect(store.acquireLock('send', at)).rejects.toMatchObject({ code: 'LOCKED' });
        const schedule = await store.acquireLock('schedule', at);
        await schedule.release();
        await send.release();
        await (await store.acquireLock('send', at)).release();
      } finally {
        await store.close();
      }
    });
  });
}
