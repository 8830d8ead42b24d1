import type { Browser, Frame, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../helpers/browser.js';
import { startCli, type RunningCli } from '../helpers/child.js';
import { makeProject, SECRET, type Project } from '../helpers/project.js';
import { tool } from '../helpers/tools.js';

/**
 * `broadsheet preview` as an editor uses it: a real browser on the page,
 * files edited on disk, the page following by itself.
 */

const hasBrowser = tool('chromium');
const LEAD = 'articles/2025-08-29-pentagon-ends-microsoft-china-based-support.md';

let project: Project;
let preview: RunningCli;
let browser: Browser;
let page: Page;
let url: string;

beforeAll(async () => {
  if (!hasBrowser) return;
  // Templates of its own, so the test can break and mend them.
  project = makeProject({ templates: {} });
  preview = startCli(['preview', '--log-format', 'json'], { cwd: project.dir, env: { BROADSHEET_SECRET: SECRET } });
  const started = await preview.waitFor((e) => e.event === 'preview started', 30_000);
  url = String(started.url);
  browser = await launchChromium();
  page = await browser.newPage();
}, 60_000);

afterAll(async () => {
  if (!hasBrowser) return;
  await browser?.close();
  preview?.child.kill('SIGTERM');
  await preview?.exited;
});

const issueFrame = (): Frame => page.frames().find((f) => f.url().includes('/issue.'))!;

async function waitForText(get: () => Promise<string>, expected: string | RegExp, ms = 2000): Promise<number> {
  const started = Date.now();
  for (;;) {
    const text = await get().catch(() => '');
    if (typeof expected === 'string' ? text.includes(expected) : expected.test(text)) return Date.now() - started;
    if (Date.now() - started > ms) throw new Error(`not within ${ms} ms: ${String(expected)}; page shows:\n${text.slice(0, 500)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe.runIf(hasBrowser)('broadsheet preview in a browser', () => {
  it('shows the next issue: lead, cards, subject and preheader', async () => {
    await page.goto(url);
    expect(await page.textContent('#number')).toBe('Issue 1');
    expect(await page.textContent('#subject')).toBe("The Broadsheet: Pentagon Ends Microsoft's Use Of China-based Support Staff For DoD Cloud");
    await waitForText(async () => (await issueFrame().textContent('h1')) ?? '', "Pentagon Ends Microsoft's Use Of China-based Support Staff For DoD Cloud");
    const cards = await issueFrame().$$eval('h3 a', (as) => as.map((a) => a.textContent?.trim()));
    // The lead's related teasers, in its own order.
    expect(cards).toEqual([
      'From Chip War To Cloud War: The Next Frontier In Global Tech Competition',
      'The High Stakes Of Tech Regulation: Security Risks And Market Dynamics',
      "The Tyranny Of Instagram Interiors: Why It's Time To Break Free From Algorithm-Driven Aesthetics",
      'The Data Crunch In AI: Strategies For Sustainability',
      'Google Abandons Four-Year Effort To Remove Cookies From Chrome Browser',
      'LinkedIn Embraces AI And Gamification To Drive User Engagement And Revenue',
    ]);
    // The sample reader's greeting and own unsubscribe link, as send would fill them in.
    expect(await issueFrame().textContent('body')).toContain('Hello Sample Reader,');
  });

  it('switches to dark mode and to 375 px, and keeps both across reloads', async () => {
    await page.goto(`${url}?scheme=dark&width=375`);
    const frame = page.locator('iframe#issue');
    expect(await frame.evaluate((f) => (f as HTMLIFrameElement).clientWidth)).toBe(375);
    const background = () => issueFrame().evaluate(() => getComputedStyle(document.querySelector('.bs-paper') ?? document.body).backgroundColor);
    expect(await background()).toBe('rgb(30, 30, 30)');
    // A saved file rebuilds and reloads the page: the settings stay.
    const before = await page.getAttribute('main', 'data-version');
    project.write(LEAD, project.read(LEAD));
    await waitForText(async () => (await page.getAttribute('main', 'data-version')) ?? '', new RegExp(`^(?!${before}$)\\d+$`));
    expect(page.url()).toBe(`${url}?scheme=dark&width=375`);
    expect(await frame.evaluate((f) => (f as HTMLIFrameElement).clientWidth)).toBe(375);
    expect(await background()).toBe('rgb(30, 30, 30)');
  });

  it('follows an edited article and an edited template within 2 s, without a reload by hand', async () => {
    await page.goto(url);
    const lead = project.read(LEAD);
    project.write(LEAD, lead.replace('title: "Pentagon Ends', 'title: "Edited Pentagon Ends'));
    const articleMs = await waitForText(async () => (await issueFrame().textContent('h1')) ?? '', /^Edited Pentagon/);
    expect(articleMs).toBeLessThan(2000);

    const mjml = project.read('email-templates/digest.mjml');
    project.write('email-templates/digest.mjml', mjml.replace('>More stories</h2>', '>Further reading</h2>'));
    const templateMs = await waitForText(async () => (await issueFrame().textContent('body')) ?? '', 'Further reading');
    expect(templateMs).toBeLessThan(2000);
  });

  it('shows a broken template with its file and line, and the issue again once it is mended', async () => {
    await page.goto(url);
    const card = project.read('email-templates/partials/card.mjml');
    project.write('email-templates/partials/card.mjml', card.replace('{{title}}</a>', '{{title}</a>'));
    await waitForText(async () => (await page.textContent('#error')) ?? '', 'email-templates/partials/card.mjml:6: Handlebars syntax error');
    expect(await page.textContent('#error')).toContain('error [TEMPLATE_INVALID]');
    project.write('email-templates/partials/card.mjml', card);
    await waitForText(async () => (await page.textContent('#number').catch(() => '')) ?? '', 'Issue 1');
    expect(await page.locator('#error').count()).toBe(0);
  });

  it('links the feeds through their XSL page and the reader pages', async () => {
    await page.goto(url);
    const rss = await page.getAttribute('a:text("RSS")', 'href');
    const feed = await browser.newPage();
    await feed.goto(rss!);
    expect(await feed.textContent('h1')).toBe('The Broadsheet');
    expect(await feed.textContent('.about h2')).toBe('This is a web feed');
    const unsubscribe = await page.getAttribute('a:text("Unsubscribe")', 'href');
    await feed.goto(unsubscribe!);
    expect(await feed.textContent('main')).toContain('s***@example.org');
    // The list's pages, as a reader meets them: nothing the preview shows changes the store.
    const pageText = async (label: string) => {
      await feed.goto((await page.getAttribute(`a:text-is("${label}")`, 'href'))!);
      return (await feed.textContent('main')) ?? '';
    };
    expect(await feed.locator('h1').count()).toBeGreaterThan(0);
    expect(await pageText('Subscribe')).toMatch(/email/i);
    expect(await pageText('Confirm')).toMatch(/confirm/i);
    expect(await pageText('Manage')).toContain('s***@example.org is subscribed');
    expect(await feed.inputValue('#bs-name')).toBe('Sample Reader');
    await feed.close();
  });
});
