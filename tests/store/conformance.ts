import { describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/store.js';

/**
 * What every store must do, whatever keeps the data: run by each
 * implementation's test file against a fresh, empty store (the way
 * unstorage runs one suite over every driver).
 */
export function storeConformance(name: string, open: () => Promise<Store>): void {
  /** A fresh store for one test, closed however the test ends. */
  const withStore = async (test: (store: Store) => Promise<void>): Promise<void> => {
    const store = await open();
    try {
      await test(store);
    } finally {
      await store.close();
    }
  };

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
        expect(ann).toEqual({
          id: ann!.id,
          email: 'ann@example.org',
          name: 'Ann A',
          status: 'unsubscribed',
          joinedAt: t1,
          joinedVia: 'command-line',
          subscribedAt: t1,
          leftAt: t2,
          leftVia: 'unrecorded',
        });
        expect(await add('ann@example.org', undefined, t2, true)).toBe('resubscribed');
        expect(await store.getSubscriber('ann@example.org')).toEqual({ id: ann!.id, email: 'ann@example.org', name: 'Ann A', status: 'subscribed', joinedAt: t2, joinedVia: 'command-line', subscribedAt: t2 });
        expect(await store.subscriberById(ann!.id)).toEqual(await store.getSubscriber('ann@example.org'));
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

    it('a reader who leaves during the send, before their delivery is claimed, is skipped, and the issue ends with nothing open', () =>
      withStore(async (store) => {
        const at = new Date('2025-03-01T00:00:00Z');
        const run = new Date('2025-03-01T00:01:00Z');
        await store.addSubscribers(['a', 'b', 'c'].map((n) => ({ email: `${n}@example.org` })), at, { resubscribe: false });
        await store.createIssue({ number: 1, subject: 'S', preheader: 'P', html: 'H', text: 'T', entrySlugs: ['x'], covered: ['x'], createdAt: at });
        expect(await store.enqueue(1, at)).toBe(3);
        // The send as the job runs it: a store shared by several senders hands deliveries out by lease as the
        // lanes need them; one sender reads its list when it starts. Either way c leaves after that plan.
        const queue = store.sharedQueue('w', 60_000);
        const planned = queue ? [] : await store.dueDeliveries(1);
        await store.unsubscribe('c@example.org', run);
        const ledger = queue ?? store;
        const sent: string[] = [];
        for (let batch = planned; ; ) {
          if (queue) {
            const { leased, heldElsewhere } = await queue.lease(1, 10, run);
            if (leased.length === 0) {
              expect(heldElsewhere).toBe(0);
              break;
            }
            batch = leased;
          } else if (batch.length === 0) break;
          const taken = await ledger.record(1, { outcomes: [], claims: batch.map((d) => ({ subscriberId: d.subscriberId, messageId: `<${d.subscriberId}@x>` })) }, run);
          const claimed = batch.filter((_, i) => taken[i]);
          sent.push(...claimed.map((d) => d.email));
          await ledger.record(1, { outcomes: claimed.map((d) => ({ subscriberId: d.subscriberId, state: 'accepted' as const, reply: '250', attempted: true })), claims: [] }, run);
          batch = [];
        }
        await queue?.release(1);
        expect(sent).toEqual(['a@example.org', 'b@example.org']);
        expect(await store.counts(1)).toEqual({ pending: 0, submitted: 0, accepted: 2, failed: 0, skipped: 1 });
        expect((await store.deliveries(1)).map((d) => [d.email, d.state, d.updatedAt])).toEqual([
          ['a@example.org', 'accepted', run],
          ['b@example.org', 'accepted', run],
          ['c@example.org', 'skipped', run],
        ]);
      }));

    it('records how each address joined, and what an operator may and may not bring back', () =>
      withStore(async (store) => {
        const t1 = new Date('2025-01-01T00:00:00Z');
        const t2 = new Date('2025-02-01T00:00:00Z');
        const importJoin = { via: 'import' as const, detail: 'people.csv' };
        expect(await store.addSubscribers([{ email: 'imp@example.org' }], t1, { resubscribe: false, join: importJoin })).toEqual(['added']);
        expect(await store.getSubscriber('imp@example.org')).toMatchObject({ status: 'subscribed', joinedAt: t1, joinedVia: 'import', joinedDetail: 'people.csv', subscribedAt: t1 });
        expect((await store.getSubscriber('imp@example.org'))!.confirmedAt).toBeUndefined();

        // pending: an operator who adds or imports it vouches for it
        const policy = { reopen: true, confirmMails: 3, windowMs: 86_400_000 };
        await store.requestSubscription('pen@example.org', undefined, { via: 'form' }, t1, policy);
        expect(await store.addSubscribers([{ email: 'pen@example.org' }], t2, { resubscribe: false, join: importJoin })).toEqual(['added']);
        expect(await store.getSubscriber('pen@example.org')).toMatchObject({ status: 'subscribed', joinedVia: 'import', subscribedAt: t2 });

        // bounced: an explicit add brings it back, an import does not; complained: neither does
        const id = async (email: string) => (await store.getSubscriber(email))!.id;
        await store.addSubscribers([{ email: 'bou@example.org' }, { email: 'com@example.org' }], t1, { resubscribe: false });
        await store.applyReport({ key: 'b1', kind: 'hard-bounce', subscriberId: await id('bou@example.org'), detail: '5.1.1', at: t1 }, { softBounceLimit: 3 });
        await store.applyReport({ key: 'c1', kind: 'complaint', subscriberId: await id('com@example.org'), detail: 'abuse', at: t1 }, { softBounceLimit: 3 });
        expect(await store.addSubscribers([{ email: 'bou@example.org' }, { email: 'com@example.org' }], t2, { resubscribe: false })).toEqual(['kept-bounced', 'kept-complained']);
        expect(await store.addSubscribers([{ email: 'bou@example.org' }, { email: 'com@example.org' }], t2, { resubscribe: true })).toEqual(['resubscribed', 'kept-complained']);
        expect(await store.getSubscriber('bou@example.org')).toMatchObject({ status: 'subscribed', subscribedAt: t2 });
        expect((await store.getSubscriber('bou@example.org'))!.leftAt).toBeUndefined();

        expect(await store.unsubscribe('bou@example.org', t2, 'one-click')).toBe(true);
        expect(await store.getSubscriber('bou@example.org')).toMatchObject({ status: 'unsubscribed', leftAt: t2, leftVia: 'one-click' });
        expect(await store.rename('bou@example.org', 'Bou')).toBe(true);
        expect(await store.rename('nobody@example.org', 'X')).toBe(false);
        expect(await store.resubscribe('bou@example.org', t2)).toBe(true);
        expect(await store.resubscribe('bou@example.org', t2)).toBe(false);
        expect(await store.resubscribe('com@example.org', t2)).toBe(false);
        expect(await store.getSubscriber('bou@example.org')).toMatchObject({ status: 'subscribed', name: 'Bou' });

        expect(await store.statusCounts()).toEqual({ pending: 0, subscribed: 3, unsubscribed: 0, bounced: 0, complained: 1 });
        expect((await store.listSubscribers('complained')).map((x) => x.email)).toEqual(['com@example.org']);
      }));

    it('imports another service\'s list with its statuses and dates; what left is never mailed nor brought back, consent given here is never overruled', () =>
      withStore(async (store) => {
        const at = new Date('2025-06-01T00:00:00Z');
        const day = (d: string) => new Date(`${d}T12:00:00Z`);
        const join = { via: 'import' as const, detail: 'export.csv' };
        const policy = { reopen: true, confirmMails: 3, windowMs: 86_400_000 };
        const rows = [
          { email: 'sub@example.org', name: 'Sub', status: 'subscribed' as const, joinedAt: day('2019-01-01'), subscribedAt: day('2019-01-02') },
          { email: 'plain@example.org', status: 'subscribed' as const },
          { email: 'uns@example.org', status: 'unsubscribed' as const, joinedAt: day('2019-01-01'), leftAt: day('2020-05-05'), leftDetail: 'Mailchimp: unsubscribed' },
          { email: 'cle@example.org', status: 'bounced' as const, joinedAt: day('2019-01-01'), subscribedAt: day('2019-01-01'), leftAt: day('2021-03-03'), leftDetail: 'Mailchimp: cleaned' },
          { email: 'com@example.org', status: 'complained' as const, leftDetail: 'Buttondown: complained' },
        ];
        expect(await store.importSubscribers(rows, at, join)).toEqual(['added', 'added', 'recorded-left', 'recorded-left', 'recorded-left']);
        const sub = await store.getSubscriber('sub@example.org');
        expect(sub).toEqual({ id: sub!.id, email: 'sub@example.org', name: 'Sub', status: 'subscribed', joinedAt: day('2019-01-01'), joinedVia: 'import', joinedDetail: 'export.csv', subscribedAt: day('2019-01-02') });
        expect(await store.getSubscriber('plain@example.org')).toMatchObject({ status: 'subscribed', joinedAt: at, subscribedAt: at });
        const uns = await store.getSubscriber('uns@example.org');
        expect(uns).toEqual({ id: uns!.id, email: 'uns@example.org', status: 'unsubscribed', joinedAt: day('2019-01-01'), joinedVia: 'import', joinedDetail: 'export.csv', leftAt: day('2020-05-05'), leftVia: 'unrecorded', leftDetail: 'Mailchimp: unsubscribed' });
        expect(await store.getSubscriber('cle@example.org')).toMatchObject({ status: 'bounced', subscribedAt: day('2019-01-01'), leftAt: day('2021-03-03'), leftVia: 'bounce', leftDetail: 'Mailchimp: cleaned' });
        const com = await store.getSubscriber('com@example.org');
        expect(com).toMatchObject({ status: 'complained', joinedAt: at, leftVia: 'complaint', leftDetail: 'Buttondown: complained' });
        expect(com!.leftAt).toBeUndefined();

        // A replay changes nothing; nor does a plain import or an import that says they are subscribed.
        let before = await store.listSubscribers();
        expect(await store.importSubscribers(rows, new Date('2025-07-01T00:00:00Z'), join)).toEqual(['unchanged', 'unchanged', 'kept-unsubscribed', 'kept-bounced', 'kept-complained']);
        expect(await store.listSubscribers()).toEqual(before);
        // A name the source has now is taken; nothing else changes.
        expect(await store.importSubscribers([{ email: 'plain@example.org', name: 'Plain', status: 'subscribed' }], at, join)).toEqual(['renamed']);
        expect(await store.importSubscribers([{ email: 'plain@example.org', name: 'Plain', status: 'subscribed' }], at, join)).toEqual(['unchanged']);
        before = before.map((x) => (x.email === 'plain@example.org' ? { ...x, name: 'Plain' } : x));
        const back = ['uns', 'cle', 'com'].map((n) => ({ email: `${n}@example.org`, status: 'subscribed' as const }));
        expect(await store.importSubscribers(back, at, join)).toEqual(['kept-unsubscribed', 'kept-bounced', 'kept-complained']);
        expect(await store.addSubscribers(back, at, { resubscribe: false, join })).toEqual(['kept-unsubscribed', 'kept-bounced', 'kept-complained']);
        expect(await store.listSubscribers()).toEqual(before);
        await store.createIssue({ number: 1, subject: 'S', preheader: 'P', html: 'H', text: 'T', entrySlugs: ['a'], covered: ['a'], createdAt: at });
        expect(await store.enqueue(1, at)).toBe(2);
        expect((await store.dueDeliveries(1)).map((d) => d.email).sort()).toEqual(['plain@example.org', 'sub@example.org']);

        // Already here: confirmed here, or joined here after leaving there, stays subscribed; an operator's or
        // an import's subscriber takes the source's word; a pending address is subscribed by a source that has it.
        await store.requestSubscription('conf@example.org', undefined, { via: 'form' }, day('2018-01-01'), policy);
        await store.confirmSubscription('conf@example.org', day('2018-01-01'), day('2018-01-02'));
        await store.addSubscribers([{ email: 'late@example.org' }, { email: 'op@example.org' }], day('2024-01-01'), { resubscribe: false });
        await store.requestSubscription('pen@example.org', undefined, { via: 'form' }, day('2025-05-01'), policy);
        await store.requestSubscription('pen2@example.org', 'Pen', { via: 'form' }, day('2025-05-01'), policy);
        const left = (email: string, leftAt?: Date) => ({ email, status: 'unsubscribed' as const, leftAt, leftDetail: 'Substack: email disabled' });
        expect(
          await store.importSubscribers(
            [left('conf@example.org', day('2023-01-01')), left('late@example.org', day('2023-01-01')), left('op@example.org'), left('sub@example.org', day('2024-01-01')), left('pen@example.org')],
            at,
            join,
          ),
        ).toEqual(['kept-subscribed', 'kept-subscribed', 'recorded-left', 'recorded-left', 'recorded-left']);
        expect(await store.getSubscriber('conf@example.org')).toMatchObject({ status: 'subscribed', joinedVia: 'form' });
        expect(await store.getSubscriber('late@example.org')).toMatchObject({ status: 'subscribed', joinedVia: 'command-line' });
        expect(await store.getSubscriber('op@example.org')).toMatchObject({ status: 'unsubscribed', leftAt: at, leftVia: 'unrecorded', leftDetail: 'Substack: email disabled' });
        expect(await store.getSubscriber('sub@example.org')).toMatchObject({ status: 'unsubscribed', leftAt: day('2024-01-01'), joinedAt: day('2019-01-01') });
        expect((await store.getSubscriber('pen@example.org'))!.status).toBe('unsubscribed');
        expect(await store.importSubscribers([{ email: 'pen2@example.org', status: 'subscribed', joinedAt: day('2017-03-03') }], at, join)).toEqual(['added']);
        expect(await store.getSubscriber('pen2@example.org')).toMatchObject({ status: 'subscribed', name: 'Pen', joinedAt: day('2017-03-03'), joinedVia: 'import', joinedDetail: 'export.csv', subscribedAt: day('2017-03-03') });
        expect(await store.statusCounts()).toEqual({ pending: 0, subscribed: 4, unsubscribed: 4, bounced: 1, complained: 1 });
      }));

    it('double opt-in: a request makes an address pending, its confirmation subscribes it, and the mails per address are capped', () =>
      withStore(async (store) => {
        const t0 = new Date('2025-03-01T00:00:00Z');
        const later = (minutes: number) => new Date(t0.getTime() + minutes * 60_000);
        const policy = { reopen: true, confirmMails: 3, windowMs: 86_400_000 };
        const form = { via: 'form' as const, detail: 'https://news.example.test' };
        const ask = async (at: Date, p = policy, email = 'new@example.org', name?: string) => (await store.requestSubscription(email, name, form, at, p)).outcome;

        expect(await ask(t0, policy, 'new@example.org', 'New')).toBe('confirm');
        const pending = await store.getSubscriber('new@example.org');
        expect(pending).toEqual({ id: pending!.id, email: 'new@example.org', name: 'New', status: 'pending', joinedAt: t0, joinedVia: 'form', joinedDetail: 'https://news.example.test' });
        expect(await ask(later(1))).toBe('confirm');
        expect(await ask(later(2))).toBe('confirm');
        expect(await ask(later(3))).toBe('limited');
        expect(await ask(later(4))).toBe('limited');
        // A new window, a new share; the consent record is still the first request's.
        expect(await ask(later(24 * 60 + 1))).toBe('confirm');
        expect((await store.getSubscriber('new@example.org'))!.joinedAt).toEqual(t0);

        // Pending addresses are never mailed.
        await store.createIssue({ number: 1, subject: 'S', preheader: 'P', html: 'H', text: 'T', entrySlugs: ['a'], covered: ['a'], createdAt: t0 });
        expect(await store.enqueue(1, t0)).toBe(0);

        expect(await store.confirmSubscription('new@example.org', new Date(t0.getTime() - 1), later(5))).toBe('not-pending');
        expect(await store.confirmSubscription('new@example.org', later(2), later(5))).toBe('confirmed');
        expect(await store.getSubscriber('new@example.org')).toMatchObject({ status: 'subscribed', confirmedAt: later(5), subscribedAt: later(5), joinedAt: t0 });
        expect(await store.confirmSubscription('new@example.org', later(2), later(6))).toBe('subscribed');
        expect(await store.confirmSubscription('nobody@example.org', t0, later(6))).toBe('not-pending');
        expect(await ask(later(7))).toBe('subscribed');
        expect(await store.enqueue(1, later(7))).toBe(1);

        // Leaving, then asking again: pending anew; an operator's import may not reopen it.
        await store.unsubscribe('new@example.org', later(8), 'link');
        expect(await ask(later(9), { ...policy, reopen: false })).toBe('kept');
        expect(await ask(later(3 * 24 * 60))).toBe('confirm');
        const back = await store.getSubscriber('new@example.org');
        expect(back).toMatchObject({ status: 'pending', joinedAt: later(3 * 24 * 60), leftVia: 'link' });
        expect(back!.confirmedAt).toBeUndefined();
        // The link mailed before the address left is spent; the new one works.
        expect(await store.confirmSubscription('new@example.org', later(2), later(3 * 24 * 60 + 1))).toBe('not-pending');
        expect(await store.confirmSubscription('new@example.org', later(3 * 24 * 60), later(3 * 24 * 60 + 1))).toBe('confirmed');
        expect((await store.getSubscriber('new@example.org'))!.leftAt).toBeUndefined();
      }));

    it('concurrent requests for one address never exceed its share of confirmation mails', () =>
      withStore(async (store) => {
        const at = new Date('2025-03-01T00:00:00Z');
        const outcomes = await Promise.all(Array.from({ length: 40 }, () => store.requestSubscription('rush@example.org', undefined, { via: 'form' }, at, { reopen: true, confirmMails: 2, windowMs: 3_600_000 })));
        expect(outcomes.filter((o) => o.outcome === 'confirm')).toHaveLength(2);
        expect(new Set(outcomes.map((o) => o.id)).size).toBe(1);
      }));

    it('applies bounces, complaints and mailed unsubscribes once each', () =>
      withStore(async (store) => {
        const at = (day: number) => new Date(Date.UTC(2025, 3, day));
        await store.addSubscribers(['hard', 'soft', 'comp', 'mail', 'gone'].map((n) => ({ email: `${n}@example.org` })), at(1), { resubscribe: false });
        const id = async (n: string) => (await store.getSubscriber(`${n}@example.org`))!.id;
        const policy = { softBounceLimit: 3 };
        const report = async (key: string, kind: 'hard-bounce' | 'soft-bounce' | 'complaint' | 'unsubscribe', who: string, issue: number | undefined, day: number) =>
          store.applyReport({ key, kind, subscriberId: await id(who), issue, detail: `${kind} ${key}`, at: at(day) }, policy);

        // Three issues, each accepted for everyone.
        for (const n of [1, 2, 3]) {
          await store.createIssue({ number: n, subject: 'S', preheader: 'P', html: 'H', text: 'T', entrySlugs: [`a${n}`], covered: [`a${n}`], createdAt: at(n) });
          await store.enqueue(n, at(n));
          const due = await store.dueDeliveries(n);
          await store.record(n, { outcomes: [], claims: due.map((d) => ({ subscriberId: d.subscriberId, messageId: `<${n}.${d.subscriberId}@x>` })) }, at(n));
          await store.record(n, { outcomes: due.map((d) => ({ subscriberId: d.subscriberId, state: 'accepted' as const, reply: '250 ok', attempted: true })), claims: [] }, at(n));
          await store.markIssueSent(n, at(n));
        }

        expect(await report('h1', 'hard-bounce', 'hard', 3, 4)).toBe('applied');
        expect(await store.getSubscriber('hard@example.org')).toMatchObject({ status: 'bounced', leftAt: at(4), leftVia: 'bounce', leftDetail: 'hard-bounce h1' });
        expect(await report('h1', 'hard-bounce', 'hard', 3, 5)).toBe('duplicate');
        expect(await report('h2', 'hard-bounce', 'hard', 3, 5)).toBe('recorded');

        // Soft bounces: bounced once each of the last three issues drew one; one issue counts once.
        expect(await report('s1', 'soft-bounce', 'soft', 1, 4)).toBe('recorded');
        expect(await report('s2', 'soft-bounce', 'soft', 2, 4)).toBe('recorded');
        expect(await report('s2b', 'soft-bounce', 'soft', 2, 4)).toBe('recorded');
        expect((await store.getSubscriber('soft@example.org'))!.status).toBe('subscribed');
        // Without an issue: the latest one sent to the address (3).
        expect(await report('s3', 'soft-bounce', 'soft', undefined, 5)).toBe('applied');
        expect(await store.getSubscriber('soft@example.org')).toMatchObject({ status: 'bounced', leftVia: 'bounce', leftDetail: 'soft bounces on 3 issues in a row; the last: soft-bounce s3' });

        // A complaint outranks an earlier unsubscribe; a mailed unsubscribe after a complaint changes nothing.
        await store.unsubscribe('comp@example.org', at(4), 'link');
        expect(await report('c1', 'complaint', 'comp', 2, 5)).toBe('applied');
        expect(await store.getSubscriber('comp@example.org')).toMatchObject({ status: 'complained', leftVia: 'complaint', leftDetail: 'complaint c1' });
        expect(await report('u0', 'unsubscribe', 'comp', undefined, 6)).toBe('recorded');
        expect((await store.getSubscriber('comp@example.org'))!.status).toBe('complained');

        expect(await report('u1', 'unsubscribe', 'mail', undefined, 6)).toBe('applied');
        expect(await store.getSubscriber('mail@example.org')).toMatchObject({ status: 'unsubscribed', leftVia: 'mail', leftAt: at(6) });
        expect(await report('u1', 'unsubscribe', 'mail', undefined, 7)).toBe('duplicate');

        // Addresses no longer subscribed get no new deliveries, and lose the open ones.
        await store.createIssue({ number: 4, subject: 'S', preheader: 'P', html: 'H', text: 'T', entrySlugs: ['a4'], covered: ['a4'], createdAt: at(8) });
        expect(await store.enqueue(4, at(8))).toBe(1);
        expect((await store.dueDeliveries(4)).map((d) => d.email)).toEqual(['gone@example.org']);

        expect(await store.issueListStats(2)).toEqual([
          { issue: 4, accepted: 0, failed: 0, bounces: 0, complaints: 0 },
          { issue: 3, accepted: 5, failed: 0, bounces: 2, complaints: 0 },
        ]);
        expect((await store.issueListStats(10)).find((i) => i.issue === 2)).toEqual({ issue: 2, accepted: 5, failed: 0, bounces: 1, complaints: 1 });
        expect(await store.statusCounts()).toEqual({ pending: 0, subscribed: 1, unsubscribed: 1, bounced: 2, complained: 1 });
      }));

    it('carries each delivery\'s consent record, for the reason line of the copy', () =>
      withStore(async (store) => {
        const at = new Date('2025-05-01T00:00:00Z');
        await store.addSubscribers([{ email: 'ann@example.org' }], at, { resubscribe: false, join: { via: 'import', detail: 'people.csv' } });
        await store.createIssue({ number: 1, subject: 'S', preheader: 'P', html: 'H', text: 'T', entrySlugs: ['a'], covered: ['a'], createdAt: at });
        await store.enqueue(1, at);
        const [d] = await store.dueDeliveries(1);
        expect(d!.consent).toEqual({ joinedAt: at, joinedVia: 'import', joinedDetail: 'people.csv' });
      }));

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
