import { beforeAll, describe, expect, it } from 'vitest';
import { loadSite } from '../../src/content/load.js';
import { archivePages } from '../../src/feeds/archive.js';
import type { FeedItem } from '../../src/feeds/item.js';
import { renderFeeds } from '../../src/feeds/index.js';
import type { OutputFile } from '../../src/output/files.js';
import { AT_BASE, atomRelaxNgErrors, atomSchematronErrors, BASE, feedparser, fileText, xpathCount, xpathString, xpathStrings } from '../helpers/feeds.js';
import { CLOCK, makeProject, type Project } from '../helpers/project.js';

describe('archivePages', () => {
  it('pages from the oldest; every item on exactly one page; the newest page always exists', () => {
    for (let n = 0; n <= 10; n++) {
      const items = Array.from({ length: n }, (_, i) => ({ id: `e${n - 1 - i}` }) as FeedItem); // newest first
      const pages = archivePages(items, 3);
      expect(pages).toHaveLength(Math.floor(n / 3) + 1);
      expect(pages.flatMap((p) => p.items.map((i) => i.id)).sort()).toEqual(items.map((i) => i.id).sort());
      pages.forEach((p, k) => {
        expect(p.number).toBe(k + 1);
        // Page k holds the (3k-2)th to 3kth oldest entries, newest first.
        expect(p.items.map((i) => i.id)).toEqual([3 * k + 2, 3 * k + 1, 3 * k].filter((x) => x < n).map((x) => `e${x}`));
      });
    }
  });
});

describe('the archive of a site, as it grows', () => {
  let project: Project;

  const write = (i: number) =>
    project.article(`a${String(i).padStart(2, '0')}`, { title: `Article ${i}`, description: `Story ${i}`, date: `2025-07-${String(i).padStart(2, '0')}T08:00:00Z`, tags: ['t'], body: `Body of ${i}.\n` });
  const render = async (): Promise<OutputFile[]> => renderFeeds(await loadSite(await project.loadConfig(), CLOCK));
  const url = (i: number) => `${BASE}a${String(i).padStart(2, '0')}/`;
  const archivePaths = (files: OutputFile[]) => files.filter((f) => f.path.startsWith('archive/')).map((f) => f.path);

  beforeAll(() => {
    project = makeProject({
      articles: 'none',
      config: (c) => {
        AT_BASE(c);
        c.feeds.items = 2;
        c.feeds.archivePageSize = 3;
      },
    });
    for (let i = 1; i <= 7; i++) write(i);
  });

  it('holds every article exactly once, in stable pages linked by prev-archive, next-archive and current', async () => {
    const files = await render();
    expect(archivePaths(files)).toEqual(['archive/1.xml', 'archive/2.xml', 'archive/3.xml']);
    const page = (n: number) => fileText(files, `archive/${n}.xml`);
    expect(xpathStrings(page(1), '/atom:feed/atom:entry/atom:id')).toEqual([url(3), url(2), url(1)]);
    expect(xpathStrings(page(2), '/atom:feed/atom:entry/atom:id')).toEqual([url(6), url(5), url(4)]);
    expect(xpathStrings(page(3), '/atom:feed/atom:entry/atom:id')).toEqual([url(7)]);

    const link = (text: string, rel: string) => xpathStrings(text, `/atom:feed/atom:link[@rel='${rel}']/@href`);
    expect([link(page(1), 'prev-archive'), link(page(1), 'next-archive')]).toEqual([[], [`${BASE}archive/2.xml`]]);
    expect([link(page(2), 'prev-archive'), link(page(2), 'next-archive')]).toEqual([[`${BASE}archive/1.xml`], [`${BASE}archive/3.xml`]]);
    expect([link(page(3), 'prev-archive'), link(page(3), 'next-archive')]).toEqual([[`${BASE}archive/2.xml`], []]);
    for (const n of [1, 2, 3]) {
      expect(link(page(n), 'current')).toEqual([`${BASE}atom.xml`]);
      expect(link(page(n), 'self')).toEqual([`${BASE}archive/${n}.xml`]);
      expect(xpathCount(page(n), '/atom:feed/fh:archive')).toBe(1);
      expect(xpathString(page(n), '/atom:feed/atom:id')).toBe(`${BASE}atom.xml`);
      expect(await atomRelaxNgErrors(page(n))).toEqual([]);
      expect(atomSchematronErrors(page(n))).toEqual([]);
    }

    // The subscription feed stays small and points at the newest page; it is not an archive itself.
    const atom = fileText(files, 'atom.xml');
    expect(xpathStrings(atom, '/atom:feed/atom:entry/atom:id')).toEqual([url(7), url(6)]);
    expect(link(atom, 'prev-archive')).toEqual([`${BASE}archive/3.xml`]);
    expect(xpathCount(atom, '//fh:archive')).toBe(0);
  });

  it('a reader following prev-archive from the subscription feed collects every article once', async () => {
    const files = await render();
    const byUrl = new Map(files.map((f) => [new URL(f.path, BASE).href, fileText(files, f.path)]));
    const seen: string[] = [];
    let next = xpathString(byUrl.get(`${BASE}atom.xml`)!, "/atom:feed/atom:link[@rel='prev-archive']/@href");
    while (next) {
      const doc = byUrl.get(next)!;
      seen.push(...xpathStrings(doc, '/atom:feed/atom:entry/atom:id'));
      next = xpathString(doc, "/atom:feed/atom:link[@rel='prev-archive']/@href");
    }
    expect(seen.sort()).toEqual([1, 2, 3, 4, 5, 6, 7].map(url).sort());
  });

  it('feedparser reads the archive pages and their links', async () => {
    const files = await render();
    const parsed = await feedparser(Object.fromEntries(archivePaths(files).map((p) => [p, fileText(files, p)])));
    if (!parsed) return;
    expect(Object.values(parsed).map((p) => [p.bozo, p.entries.length])).toEqual([[0, 3], [0, 3], [0, 1]]);
    expect(parsed['archive/2.xml']!.links.filter((l) => l.rel.endsWith('archive'))).toEqual([
      { rel: 'prev-archive', href: `${BASE}archive/1.xml` },
      { rel: 'next-archive', href: `${BASE}archive/3.xml` },
    ]);
  });

  it('full pages never change when new articles arrive; the filling page does', async () => {
    const before = await render();
    write(8);
    write(9); // page 3 is now full; an empty page 4 starts
    const after = await render();
    expect(archivePaths(after)).toEqual(['archive/1.xml', 'archive/2.xml', 'archive/3.xml', 'archive/4.xml']);
    expect(fileText(after, 'archive/1.xml')).toBe(fileText(before, 'archive/1.xml'));
    expect(fileText(after, 'archive/2.xml')).toBe(fileText(before, 'archive/2.xml'));
    expect(fileText(after, 'archive/3.xml')).not.toBe(fileText(before, 'archive/3.xml'));
    expect(xpathCount(fileText(after, 'archive/4.xml'), '/atom:feed/atom:entry')).toBe(0);

    write(10);
    const later = await render();
    for (const n of [1, 2, 3]) expect(fileText(later, `archive/${n}.xml`)).toBe(fileText(after, `archive/${n}.xml`));
    expect(xpathStrings(fileText(later, 'archive/4.xml'), '/atom:feed/atom:entry/atom:id')).toEqual([url(10)]);
  });
});
