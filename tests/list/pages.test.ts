import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fixedClock, type Clock } from '../../src/clock.js';
import { createConfirmToken, createToken, createUnsubscribeToken } from '../../src/delivery/tokens.js';
import { loggablePath } from '../../src/server/server.js';
import { makeProject, NOW, SECRET, type ConfigPatch, type Project } from '../helpers/project.js';
import { startSmtp, type Smtp } from '../helpers/smtp.js';
import { http, type HttpResponse } from '../helpers/http.js';
import { confirmLink, LIST_CONFIG, startListServer, type ListServer } from './setup.js';

let project: Project;
let smtp: Smtp;
let list: ListServer;

/** A clock the test moves: a link's expiry, a window of confirmation mails. */
function movingClock(): Clock & { advance(ms: number): void } {
  let t = new Date(NOW).getTime();
  return { now: () => new Date(t), advance: (ms) => void (t += ms) };
}

/** A project with the list's settings (changed by `edit`), its server and an SMTP server for the confirmations. */
async function open(clock: Clock = fixedClock(NOW), edit: ConfigPatch = () => {}): Promise<void> {
  project = makeProject({
    articles: 'none',
    config: (c) => {
      LIST_CONFIG(c);
      edit(c);
    },
  });
  smtp = await startSmtp();
  list = await startListServer(project, smtp, clock);
}

afterEach(async () => {
  await list?.close();
  await smtp?.close();
});

const form = (fields: Record<string, string>, headers: Record<string, string> = {}): Promise<HttpResponse> =>
  http(list.server.url, '/subscribe/', {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(fields).toString(),
  });
const post = (path: string, body = '') => http(list.server.url, path, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body });
const status = async (email: string) => (await list.store.getSubscriber(email))?.status;

describe('the subscribe endpoint under abuse', () => {
  beforeEach(() => open());

  it('100 posts for one address send at most list.confirmMails confirmation mails, and every answer is the same', async () => {
    const answers = await Promise.all(Array.from({ length: 100 }, () => form({ email: 'target@example.org' })));
    await list.mailer.idle();
    expect(new Set(answers.map((a) => `${a.status} ${a.text}`)).size).toBe(1);
    expect(answers[0]!.status).toBe(200);
    expect(smtp.received).toHaveLength(3);
    expect(smtp.received.every((r) => r.to[0] === 'target@example.org')).toBe(true);
  });

  it('the answer does not tell a new address from a pending, subscribed or unsubscribed one', async () => {
    await project.addSubscribers(['member@example.org', 'former@example.org']);
    await list.store.unsubscribe('former@example.org', new Date(NOW), 'link');
    await form({ email: 'waiting@example.org' });
    const answers = await Promise.all(['fresh@example.org', 'waiting@example.org', 'member@example.org', 'former@example.org'].map((email) => form({ email })));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200]);
    expect(new Set(answers.map((a) => a.text)).size).toBe(1);
    await list.mailer.idle();
    // Mails went to the new, the pending and the returning address; none to the member.
    expect(smtp.received.map((r) => r.to[0]).sort()).toEqual(['former@example.org', 'fresh@example.org', 'waiting@example.org', 'waiting@example.org']);
    expect(await status('former@example.org')).toBe('pending');
  });

  it('a filled honeypot is answered like anyone else, and changes and sends nothing', async () => {
    const normal = await form({ email: 'person@example.org' });
    const robot = await form({ email: 'robot@example.org', website: 'https://spam.example' });
    expect(robot.status).toBe(200);
    expect(robot.text).toBe(normal.text);
    await list.mailer.idle();
    expect(await list.store.getSubscriber('robot@example.org')).toBeUndefined();
    expect(smtp.received.map((r) => r.to[0])).toEqual(['person@example.org']);
  });

  it('refuses other sites\' forms, oversized and non-form bodies, and addresses it cannot mail, with pages that say so', async () => {
    const cross = await form({ email: 'x@example.org' }, { Origin: 'https://evil.example' });
    expect([cross.status, cross.text.includes('This form may only be sent from https://news.example.test/')]).toEqual([403, true]);
    const referer = await form({ email: 'x@example.org' }, { Referer: 'https://evil.example/page' });
    expect(referer.status).toBe(403);
    expect((await form({ email: 'x@example.org' }, { Origin: 'https://news.example.test' })).status).toBe(200);
    expect((await form({ email: 'y@example.org' }, { Origin: `http://${new URL(list.server.url).host}` })).status).toBe(200);
    const big = await form({ email: 'x@example.org', name: 'n'.repeat(9000) });
    expect(big.status).toBe(413);
    const json = await http(list.server.url, '/subscribe/', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"email":"x@example.org"}' });
    expect(json.status).toBe(415);
    const bad = await form({ email: 'not an address' });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('That is not an address we can send to');
    expect((await http(list.server.url, '/subscribe/', { method: 'DELETE' })).status).toBe(405);
  });

  it('confirm: a forged token, another kind of token, or a link of an earlier request gets a clear page and changes nothing', async () => {
    await form({ email: 'pen@example.org' });
    await list.mailer.idle();
    const link = new URL(confirmLink((await smtp.parsed())[0]!.text!));
    const token = link.pathname.split('/').pop()!;
    const forged = `${token.slice(0, -2)}${token.endsWith('AA') ? 'BB' : 'AA'}`;
    for (const t of [forged, createUnsubscribeToken(SECRET, 'pen@example.org'), createToken('manage', SECRET, 'pen@example.org')]) {
      const r = await post(`/confirm/${t}`);
      expect(r.status).toBe(400);
      expect(r.text).toContain('This confirmation link is not valid');
      expect(r.headers['referrer-policy']).toBe('no-referrer');
    }
    // ...and the confirm token opens neither the unsubscribe nor the manage page.
    expect((await post(`/unsubscribe/${token}`, 'List-Unsubscribe=One-Click')).status).toBe(400);
    expect((await http(list.server.url, `/manage/${token}`)).status).toBe(400);
    expect(await status('pen@example.org')).toBe('pending');

    const early = createConfirmToken(SECRET, 'pen@example.org', new Date(new Date(NOW).getTime() - 60_000));
    const stale = await post(`/confirm/${early}`);
    expect([stale.status, stale.text.includes('belongs to an earlier request')]).toEqual([410, true]);
    expect(await status('pen@example.org')).toBe('pending');

    expect((await http(list.server.url, link.pathname)).status).toBe(200);
    expect(await status('pen@example.org')).toBe('pending');
    expect((await post(link.pathname)).status).toBe(200);
    expect(await status('pen@example.org')).toBe('subscribed');
    expect(loggablePath(`${link.pathname}?x=1`)).toBe('/confirm/[token]');
  });
});

describe('limits that take time', () => {
  it('an expired confirmation link gets a page saying so and changes nothing; the share of mails comes back with a new window', async () => {
    const clock = movingClock();
    await open(clock);
    for (let i = 0; i < 4; i++) await form({ email: 'late@example.org' });
    await list.mailer.idle();
    expect(smtp.received).toHaveLength(3);
    const link = new URL(confirmLink((await smtp.parsed())[0]!.text!));
    clock.advance(7 * 86_400_000 + 1000);
    const r = await post(link.pathname);
    expect(r.status).toBe(410);
    expect(r.text).toContain('This confirmation link has expired: links work for 7 days. Nothing was changed.');
    expect(await status('late@example.org')).toBe('pending');
    await form({ email: 'late@example.org' });
    await vi.waitFor(() => expect(smtp.received).toHaveLength(4));
  });

  it('a client over list.rateLimit a minute gets 429 until the minute has passed', async () => {
    const clock = movingClock();
    await open(clock, (c) => (c.list.rateLimit = 5));
    const answers = [];
    for (let i = 0; i < 6; i++) answers.push((await form({ email: `r${i}@example.org` })).status);
    expect(answers).toEqual([200, 200, 200, 200, 200, 429]);
    clock.advance(12_001); // one request's worth of a minute
    expect((await form({ email: 'r9@example.org' })).status).toBe(200);
    expect((await form({ email: 'r10@example.org' })).status).toBe(429);
  });

  it('accepts forms from the origins in list.allowedOrigins', async () => {
    await open(fixedClock(NOW), (c) => (c.list.allowedOrigins = ['https://Blog.example.com']));
    expect((await form({ email: 'a@example.org' }, { Origin: 'https://blog.example.com' })).status).toBe(200);
    expect((await form({ email: 'a@example.org' }, { Origin: 'https://blog.example.com.evil.example' })).status).toBe(403);
  });
});

describe('the manage page and the unsubscribe button', () => {
  beforeEach(() => open());

  it('shows the status; renames, unsubscribes and subscribes again by POST only; after a complaint, asks for a new confirmation', async () => {
    await project.addSubscribers([{ email: 'ann@example.org', name: 'Ann' }]);
    const path = `/manage/${createToken('manage', SECRET, 'ann@example.org')}`;
    const page = await http(list.server.url, path);
    expect(page.status).toBe(200);
    expect(page.text).toContain('<strong>a***@example.org</strong> is subscribed since September 1, 2025.');
    expect(page.text).toContain('value="Ann"');
    expect(page.headers['referrer-policy']).toBe('no-referrer');
    expect(loggablePath(path)).toBe('/manage/[token]');

    expect((await post(path, 'action=rename&name=Ann%0D%0AX-Evil%3A%201')).text).toContain('Your name is saved.');
    expect((await list.store.getSubscriber('ann@example.org'))!.name).toBe('Ann X-Evil: 1');
    expect((await post(path, 'action=unsubscribe')).text).toContain('You are unsubscribed');
    expect(await list.store.getSubscriber('ann@example.org')).toMatchObject({ status: 'unsubscribed', leftVia: 'link' });
    expect((await post(path, 'action=resubscribe')).text).toContain('You are subscribed again.');
    expect(await status('ann@example.org')).toBe('subscribed');
    expect((await post(path, 'action=explode')).status).toBe(400);

    const id = (await list.store.getSubscriber('ann@example.org'))!.id;
    await list.store.applyReport({ key: 'c', kind: 'complaint', subscriberId: id, detail: 'abuse', at: new Date(NOW) }, { softBounceLimit: 3 });
    expect((await http(list.server.url, path)).text).toContain('an issue was reported as spam');
    expect((await post(path, 'action=resubscribe')).text).toContain('We sent a link to confirm');
    await list.mailer.idle();
    expect(await status('ann@example.org')).toBe('pending');
    expect(smtp.received.map((r) => r.to[0])).toEqual(['ann@example.org']);

    const forged = await http(list.server.url, `/manage/${createUnsubscribeToken(SECRET, 'ann@example.org')}`);
    expect(forged.status).toBe(400);
    expect((await http(list.server.url, '/manage/')).text).toContain('Every issue of the digest ends with a link to manage your subscription');
  });

  it('the unsubscribe page\'s button records the link; a mail client\'s one-click POST records one-click', async () => {
    await project.addSubscribers(['ann@example.org', 'bo@example.org']);
    const button = await post(`/unsubscribe/${createUnsubscribeToken(SECRET, 'ann@example.org')}`, 'List-Unsubscribe=One-Click&from=page');
    expect(button.status).toBe(200);
    await post(`/unsubscribe/${createUnsubscribeToken(SECRET, 'bo@example.org')}`, 'List-Unsubscribe=One-Click');
    expect((await list.store.getSubscriber('ann@example.org'))!.leftVia).toBe('link');
    expect((await list.store.getSubscriber('bo@example.org'))!.leftVia).toBe('one-click');
  });
});
