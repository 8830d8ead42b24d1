import { spawnSync } from 'node:child_process';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OutputFile } from '../../src/output/files.js';
import { launchChromium } from '../helpers/browser.js';
import { runJob, TEST_SHEET } from '../helpers/delivery.js';
import { firstIssueFiles } from '../helpers/digest.js';
import { exampleConfig, makeProject, type Project } from '../helpers/project.js';
import { startSmtp, type Smtp } from '../helpers/smtp.js';
import { tool } from '../helpers/tools.js';

/**
 * The digest as inboxes show it: Chromium at desktop and phone widths, light
 * and dark, with its <style> blocks and without them (as Gmail with
 * non-Google accounts, Gmail's mobile web and many webmails show it).
 */

const hasBrowser = tool('chromium');
let browser: Browser;
let html: string;

beforeAll(async () => {
  if (!hasBrowser) return;
  const { files } = await firstIssueFiles(await exampleConfig());
  html = Buffer.from(files.find((f: OutputFile) => f.path === 'digest.html')!.content).toString('utf8');
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
});

const withoutStyles = (h: string) => h.replace(/<style\b[\s\S]*?<\/style>/gi, '');

async function open(width: number, scheme: 'light' | 'dark', styles: boolean): Promise<Page> {
  const page = await browser.newPage({ viewport: { width, height: 900 }, colorScheme: scheme });
  await page.setContent(styles ? html : withoutStyles(html));
  return page;
}

/** The background a reader sees at a point: the first non-transparent background up the tree. */
function backgroundAt(page: Page, x: number, y: number): Promise<string> {
  return page.evaluate(
    ([px, py]) => {
      for (let el = document.elementFromPoint(px!, py!); el; el = el.parentElement) {
        const bg = getComputedStyle(el).backgroundColor;
        if (bg !== 'rgba(0, 0, 0, 0)' && bg !== 'transparent') return bg;
      }
      return getComputedStyle(document.documentElement).backgroundColor;
    },
    [x, y],
  );
}

const luminance = (rgb: string) => {
  const [r, g, b] = (rgb.match(/\d+/g) ?? []).slice(0, 3).map(Number);
  return (0.2126 * r! + 0.7152 * g! + 0.0722 * b!) / 255;
};

describe.runIf(hasBrowser)('the digest in Chromium', () => {
  const cases = [800, 375].flatMap((width) => (['light', 'dark'] as const).flatMap((scheme) => [true, false].map((styles) => ({ width, scheme, styles }))));

  it.each(cases)('$width px, $scheme, styles $styles: no default-blue link, headings in order, the lead title the largest', async ({ width, scheme, styles }) => {
    const page = await open(width, scheme, styles);
    try {
      const links = await page.$$eval('a', (as) => as.filter((a) => a.getClientRects().length > 0).map((a) => ({ text: a.textContent?.trim(), color: getComputedStyle(a).color })));
      expect(links.length).toBeGreaterThan(10);
      for (const l of links) expect(l.color, `link "${l.text}"`).not.toMatch(/^rgb\(0, 0, 238\)$|^rgb\(85, 26, 139\)$/);

      const headings = await page.$$eval('h1, h2, h3, h4, h5, h6', (hs) => hs.map((h) => ({ level: Number(h.tagName[1]), text: h.textContent?.trim(), size: parseFloat(getComputedStyle(h).fontSize) })));
      expect(headings[0]).toMatchObject({ level: 1, text: "Pentagon Ends Microsoft's Use Of China-based Support Staff For DoD Cloud" });
      for (let i = 1; i < headings.length; i++) expect(headings[i]!.level - headings[i - 1]!.level, `${headings[i - 1]!.text} → ${headings[i]!.text}`).toBeLessThanOrEqual(1);
      expect(headings.map((h) => h.text)).toContain('More stories');
      const masthead = await page.$eval('.bs-masthead p', (p) => parseFloat(getComputedStyle(p).fontSize));
      for (const h of headings.slice(1)) expect(h.size).toBeLessThan(headings[0]!.size);
      expect(masthead).toBeLessThan(headings[0]!.size);

      const button = page.locator('.bs-button a');
      expect(await button.getAttribute('aria-label')).toBe("Read more: Pentagon Ends Microsoft's Use Of China-based Support Staff For DoD Cloud");
    } finally {
      await page.close();
    }
  });

  it('dark mode at desktop width: no light gutter either side of the column, a dark column', async () => {
    const page = await open(800, 'dark', true);
    try {
      for (const [x, y] of [[20, 300], [780, 300], [20, 850], [780, 850]] as const) expect(luminance(await backgroundAt(page, x, y)), `at ${x},${y}`).toBeLessThan(0.15);
      expect(luminance(await backgroundAt(page, 400, 600))).toBeLessThan(0.2);
      const text = await page.$eval('h1 a', (a) => getComputedStyle(a).color);
      expect(luminance(text)).toBeGreaterThan(0.8);
    } finally {
      await page.close();
    }
  });

  it('the hidden preheader has no colour or font size of its own (SpamAssassin HTML_FONT_LOW_CONTRAST)', async () => {
    const page = await open(800, 'light', true);
    try {
      const style = await page.$eval('.bs-preheader', (d) => d.getAttribute('style'));
      expect(style).toBe('display:none;max-height:0;max-width:0;overflow:hidden;mso-hide:all;');
      expect(await page.$eval('.bs-preheader', (d) => d.getClientRects().length)).toBe(0);
    } finally {
      await page.close();
    }
  });
});

describe.runIf(tool('spamassassin'))('SpamAssassin', () => {
  let project: Project;
  let smtp: Smtp;

  beforeAll(async () => {
    project = makeProject({ articles: 'none', config: TEST_SHEET });
    project.article('only-story', { title: 'A story for the spam filter', date: '2025-08-20T09:00:00Z', body: 'A first paragraph with [a link](https://example.org/).\n\nA second one.' });
    await project.addSubscribers([{ email: 'ann@example.org', name: 'Ann' }]);
    smtp = await startSmtp();
    await runJob(project, smtp);
  }, 60_000);

  afterAll(() => smtp?.close());

  it('scores a sent message at 0 or below with the local tests', () => {
    expect(smtp.received).toHaveLength(1);
    const r = spawnSync('spamassassin', ['-L', '-t'], { input: smtp.received[0]!.raw, encoding: 'utf8', timeout: 60_000 });
    const score = Number(/^X-Spam-Status: \w+, score=(-?[\d.]+)/m.exec(r.stdout)?.[1]);
    const rules = r.stdout.slice(r.stdout.indexOf('Content analysis details'));
    expect(score, rules).toBeLessThanOrEqual(0);
  }, 90_000);
});
