import { beforeAll, describe, expect, it } from 'vitest';
import { loadSite } from '../../src/content/load.js';
import { sanitizeBody } from '../../src/content/sanitize.js';
import type { Site } from '../../src/content/model.js';
import { renderFeeds } from '../../src/feeds/index.js';
import { isSanitized } from '../../src/feeds/html.js';
import { AT_BASE, BASE, expectValidFeeds, fileText, xpathStrings } from '../helpers/feeds.js';
import { CLOCK, makeProject } from '../helpers/project.js';

/**
 * GitHub Flavored Markdown (a table, strikethrough, a task list, footnotes)
 * from article to RSS, Atom and JSON Feed: what the content stage writes, that
 * the feeds take it as it is (their safety scan accepts it, so it is not
 * sanitised twice), that the sanitiser would not change it either, and that
 * two articles' footnotes in one feed document never share an id.
 */

const GFM = [
  'Prices fell ~~sharply~~ slightly[^q] in the quarter[^src].',
  '',
  '| Quarter | Revenue | Change |',
  '| :-- | --: | :-: |',
  '| Q1 | 899 | up |',
  '',
  '- [x] filed',
  '- [ ] audited',
  '',
  'See www.example.org/filing.',
  '',
  '[^q]: Revised on *Monday*.',
  '[^src]: The [filing](/filing/).',
  '',
].join('\n');

/** Exactly what the content stage writes for GFM above, for an article whose slug and URL are given. */
function expectedHtml(slug: string): string {
  const url = `${BASE}${slug}/`;
  return [
    `<p>Prices fell <del>sharply</del> slightly<sup><a href="${url}#fn-${slug}:1" id="fnref-${slug}:1">1</a></sup> in the quarter<sup><a href="${url}#fn-${slug}:2" id="fnref-${slug}:2">2</a></sup>.</p>`,
    '<table>',
    '<thead>',
    '<tr>',
    '<th align="left">Quarter</th>',
    '<th align="right">Revenue</th>',
    '<th align="center">Change</th>',
    '</tr>',
    '</thead>',
    '<tbody>',
    '<tr>',
    '<td align="left">Q1</td>',
    '<td align="right">899</td>',
    '<td align="center">up</td>',
    '</tr>',
    '</tbody>',
    '</table>',
    '<ul>',
    '<li><input type="checkbox" checked="" disabled="" /> filed</li>',
    '<li><input type="checkbox" disabled="" /> audited</li>',
    '</ul>',
    '<p>See <a href="http://www.example.org/filing">www.example.org/filing</a>.</p>',
    '<section>',
    '<ol>',
    `<li id="fn-${slug}:1">`,
    `<p>Revised on <em>Monday</em>. <a href="${url}#fnref-${slug}:1" aria-label="Back to reference 1">\u21a9\ufe0e</a></p>`,
    '</li>',
    `<li id="fn-${slug}:2">`,
    `<p>The <a href="https://test.example.org/filing/">filing</a>. <a href="${url}#fnref-${slug}:2" aria-label="Back to reference 2">\u21a9\ufe0e</a></p>`,
    '</li>',
    '</ol>',
    '</section>',
  ].join('\n');
}

describe('GFM in the feeds', () => {
  let site: Site;
  let feeds: { rss: string; atom: string; json: string };

  beforeAll(async () => {
    const project = makeProject({ articles: 'none', config: AT_BASE });
    project.article('first', { title: 'First', description: 'GFM one', date: '2025-08-30T10:00:00Z', frontMatter: 'slug: first', body: GFM });
    project.article('second', { title: 'Second', description: 'GFM two', date: '2025-08-29T10:00:00Z', frontMatter: 'slug: second', body: GFM });
    // Raw HTML sends the body through the sanitiser, which must keep the GFM markup as it is.
    project.article('raw', { title: 'Raw', description: 'GFM and HTML', date: '2025-08-28T10:00:00Z', frontMatter: 'slug: raw', body: `${GFM}\n<p>raw <b>bold</b></p>\n` });
    site = await loadSite(await project.loadConfig(), CLOCK);
    const files = renderFeeds(site);
    feeds = { rss: fileText(files, 'rss.xml'), atom: fileText(files, 'atom.xml'), json: fileText(files, 'feed.json') };
  });

  it('the content stage writes tables, strikethrough, task lists and footnotes with absolute links and per-article ids', () => {
    expect(site.bySlug.get('first')!.html).toBe(expectedHtml('first'));
    expect(site.bySlug.get('second')!.html).toBe(expectedHtml('second'));
    // The notes come last, after the raw HTML.
    expect(site.bySlug.get('raw')!.html).toBe(expectedHtml('raw').replace('\n<section>', '\n<p>raw <b>bold</b></p>\n<section>'));
  });

  it("the feeds' safety scan accepts it, and the sanitiser leaves it unchanged: the two agree", () => {
    for (const e of site.entries) {
      expect(isSanitized(e.html)).toBe(true);
      expect(sanitizeBody(e.html, e.url)).toBe(e.html);
    }
  });

  it('the safety scan still refuses what only looks like it', () => {
    expect(isSanitized('<input type="checkbox" />')).toBe(false); // a live form field
    expect(isSanitized('<input type="text" disabled="" />')).toBe(false);
    expect(isSanitized('<li id="location">x</li>')).toBe(false); // not a footnote id
    expect(isSanitized('<td align="justify" style="color:red">x</td>')).toBe(false);
    expect(isSanitized('<td align="left">x</td>')).toBe(true);
  });

  it('RSS, Atom and JSON Feed carry exactly that HTML, after the standfirst that opens every body', () => {
    const want = site.entries.map((e) => `<p><em>${e.description}</em></p>\n${e.html}`);
    expect(xpathStrings(feeds.rss, '/rss/channel/item/content:encoded')).toEqual(want);
    expect(xpathStrings(feeds.atom, '/atom:feed/atom:entry/atom:content')).toEqual(want);
    expect((JSON.parse(feeds.json) as { items: { content_html: string }[] }).items.map((i) => i.content_html)).toEqual(want);
  });

  it('no two elements in one feed document share an id', () => {
    const ids = [...xpathStrings(feeds.rss, '/rss/channel/item/content:encoded').join('\n').matchAll(/ id="([^"]+)"/g)].map((m) => m[1]);
    expect(ids).toHaveLength(3 * 4);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('the feeds stay valid, and feedparser reads the table, the struck text and the notes', async () => {
    const parsed = await expectValidFeeds(feeds);
    if (!parsed) return;
    for (const file of ['rss.xml', 'atom.xml']) {
      const content = parsed[file]!.entries[0]!.content[0]!;
      expect(content).toContain('<del>sharply</del>');
      expect(content).toContain('<td align="right">899</td>');
      expect(content).toContain(`href="${BASE}first/#fn-first:1"`);
      expect(content).toContain('<li id="fn-first:2">');
    }
  });
});
