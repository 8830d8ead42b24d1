import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { readVerp } from '../../src/delivery/verp.js';
import { runJob } from '../helpers/delivery.js';
import { makeProject, SECRET, type Project } from '../helpers/project.js';
import { startSmtp, type Smtp } from '../helpers/smtp.js';
import { launchChromiumProfile } from '../helpers/browser.js';
import { tool } from '../helpers/tools.js';
import { confirmLink, LIST_CONFIG, startListServer, type ListServer } from './setup.js';

/**
 * Double opt-in as a reader goes through it: a real browser on the subscribe
 * page, the confirmation mail through a real SMTP server, the link from the
 * mail, and the next send.
 *
 * The browser asks for the site's public https URLs, as in every link the
 * mails carry; a route hands each request to the server on loopback and its
 * answer back, as the TLS proxy in front of `serve` would.
 */

const hasBrowser = tool('chromium');
const ADDRESS = 'reader@example.org';

let project: Project;
let smtp: Smtp;
let list: ListServer;
let browser: { context: BrowserContext; close(): Promise<void> };
let page: Page;

beforeAll(async () => {
  if (!hasBrowser) return;
  project = makeProject({ articles: 'none', config: LIST_CONFIG });
  await project.article('first-story', { title: 'First story', date: '2025-08-20T09:00:00Z' });
  smtp = await startSmtp();
  list = await startListServer(project, smtp);
  browser = await launchChromiumProfile();
  page = await browser.context.newPage();
  const local = new URL(list.server.url);
  await page.route('https://news.example.test/**', async (route) => {
    const url = new URL(route.request().url());
    const response = await route.fetch({ url: `${local.origin}${url.pathname}${url.search}` });
    await route.fulfill({ response });
  });
}, 60_000);

afterAll(async () => {
  if (!hasBrowser) return;
  await browser?.close();
  await list?.close();
  await smtp?.close();
});

async function subscribeInBrowser(): Promise<string> {
  await page.goto('https://news.example.test/subscribe/');
  expect(await page.title()).toBe('Subscribe · The Test Sheet');
  await page.fill('input[name="email"]', ADDRESS);
  await page.fill('input[name="name"]', 'Rea Der');
  await Promise.all([page.waitForURL('https://news.example.test/subscribe/'), page.click('button[type="submit"]')]);
  expect(await page.title()).toBe('Check your inbox · The Test Sheet');
  return page.locator('main').innerHTML();
}

describe.skipIf(!hasBrowser)('subscribe in a browser, confirm from the mail, receive the next issue', () => {
  it('takes a reader from the form to the digest, and a second subscribe changes nothing', async () => {
    const answer = await subscribeInBrowser();
    expect(answer).toContain('a message with a link to confirm is on its way');
    await vi.waitFor(() => expect(smtp.received).toHaveLength(1), { timeout: 10_000 });
    const [mail] = await smtp.parsed();
    expect(smtp.received[0]!.to).toEqual([ADDRESS]);
    expect(mail!.subject).toBe('Confirm your subscription to The Test Sheet');
    expect(mail!.headers.get('auto-submitted')).toBe('auto-generated');
    // Its envelope sender names the address (VERP, issue 0), so its bounce would too.
    const pending = (await list.store.getSubscriber(ADDRESS))!;
    expect(readVerp((await project.loadConfig()).email!.returnPath!, SECRET, smtp.received[0]!.from)).toEqual({ subscriberId: pending.id, issue: 0 });
    expect(pending).toMatchObject({ status: 'pending', name: 'Rea Der', joinedVia: 'form', joinedDetail: 'https://news.example.test' });
    const link = confirmLink(mail!.text!);
    expect(mail!.html).toContain(`href="${link}"`);

    // Opening the link shows a button and changes nothing; only the button confirms.
    await page.goto(link);
    expect(await page.title()).toBe('Confirm your subscription · The Test Sheet');
    expect((await list.store.getSubscriber(ADDRESS))!.status).toBe('pending');
    await Promise.all([page.waitForURL(link), page.click('button[type="submit"]')]);
    expect(await page.locator('main').innerText()).toContain('r***@example.org is now subscribed to The Test Sheet');
    expect(await list.store.getSubscriber(ADDRESS)).toMatchObject({ status: 'subscribed', confirmedAt: expect.any(Date) });

    // The next send delivers the digest to the address, saying why it comes.
    expect(await runJob(project, smtp)).toEqual({ kind: 'sent', issue: 1, accepted: 1, failed: 0, pending: 0, givenUp: 0 });
    expect(smtp.received).toHaveLength(2);
    expect(smtp.received[1]!.to).toEqual([ADDRESS]);
    const digest = (await smtp.parsed())[1]!;
    expect(digest.subject).toBe('The Test Sheet: First story');
    expect(digest.text).toContain('Hello Rea Der,');
    expect(digest.text).toContain('You receive this email because you are on the list of The Test Sheet: confirmed on September 1, 2025 via the subscribe form.');
    expect(digest.text).toMatch(/Manage your subscription: https:\/\/news\.example\.test\/manage\/[A-Za-z0-9_-]+\n/);
    expect(digest.text).toContain('The Test Sheet, 1 Test Street, Testville');

    // Subscribing again: the same answer, and no mail.
    expect(await subscribeInBrowser()).toBe(answer);
    await list.mailer.idle();
    expect(smtp.received).toHaveLength(2);
    expect((await list.store.getSubscriber(ADDRESS))!.status).toBe('subscribed');
  });
});
