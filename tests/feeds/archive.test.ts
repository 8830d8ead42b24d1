import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadSite } from '../../src/content/load.js';
import type { Site } from '../../src/content/model.js';
import { archivePlan } from '../../src/feeds/archive.js';
import type { FeedItem } from '../../src/feeds/item.js';
import { openArchivePack, renderFeeds } from '../../src/feeds/index.js';
import type { OutputFile } from '../../src/output/files.js';
import { AT_BASE, atomRelaxNgErrors, atomSchematronErrors, BASE, feedparser, fileText, xpathCount, xpathString, xpathStrings } from '../helpers/feeds.js';
import { CLOCK, makeProject, type Project } from '../helpers/project.js';

const link = (text: string, rel: string) => xpathStrings(text, `/atom:feed/atom:link[@rel='${rel}']/@href`);
const archivePaths = (files: OutputFile[]) => files.filter((f) => f.path.startsWith('archive/')).map((f) => f.path);

/** The ids a reader collects by following prev-archive from atom.xml, in the order it meets them. */
function followPrevArchive(files: OutputFile[]): string[] {
  const byUrl = new Map(files.map((f) => [new URL(f.path, BASE).href, f.path]));
  const seen: string[] = [];
  const visited = new Set<string>();
  let next: string | undefined = `${BASE}atom.xml`;
  while (next) {
    expect(visited.has(next), `prev-archive loops back to ${next}`).toBe(false);
    visited.add(next);
    expect(byUrl.has(next), `prev-archive names ${next}, which the build does not write`).toBe(true);
    const doc = fileText(files, byUrl.get(next)!);
    seen.push(...xpathStrings(doc, '/atom:feed/atom:entry/atom:id'));
    next = xpathString(doc, "/atom:feed/atom:link[@rel='prev-archive']/@href") || undefined;
  }
  return seen;
}

describe('archivePlan', () => {
  it('archives full pages older than the newest feeds.items; the rest is the subscription document; nothing empty, nothing twice', () => {
    const size = 3;
    const keep = 2;
    for (let n = 0; n <= 14; n++) {
      const items = Array.from({ length: n }, (_, i) => ({ id: `e${n - 1 - i}` }) as FeedItem); // newest first
      const plan = archivePlan(items, size, keep);
      const archived = plan.pages.filter((p) => p.archived);
      const want = n > keep ? Math.floor((n - keep) / size) : 0;
      expect(archived.map((p) => p.number), `n=${n}`).toEqual(Array.from({ length: want }, (_, i) => i + 1));
      // Page k holds the (3k-2)th to 3kth oldest entries, newest first; archived ones are full.
      for (const p of plan.pages) {
        const k = p.number - 1;
        expect(p.items.map((i) => i.id)).toEqual([3 * k + 2, 3 * k + 1, 3 * k].filter((x) => x < n).map((x) => `e${x}`));
        expect(p.items.length, `n=${n} page ${p.number}`).toBeGreaterThan(0);
      }
      // The page after the last archived one is written (so next-archive resolves), and it is the only unarchived page.
      expect(plan.pages.filter((p) => !p.archived).map((p) => p.number)).toEqual(want > 0 ? [want + 1] : []);
      // Archived pages and the subscription document hold every entry exactly once.
      const reached = [...plan.current, ...archived.flatMap((p) => p.items)].map((i) => i.id);
      expect(reached.sort(), `n=${n}`).toEqual(items.map((i) => i.id).sort());
      expect(plan.current.length).toBeGreaterThanOrEqual(Math.min(n, keep));
      expect(plan.current.length).toBeLessThanOrEqual(keep + size - 1);
    }
  });
});

describe('the archive of a site, as it grows', () => {
  let project: Project;

  const write = (i: number) =>
    project.article(`a${String(i).padStart(2, '0')}`, { title: `Article ${i}`, description: `Story ${i}`, date: `2025-07-${String(i).padStart(2, '0')}T08:00:00Z`, tags: ['t'], body: `Body of ${i}.\n` });
  const render = async (): Promise<OutputFile[]> => renderFeeds(await loadSite(await project.loadConfig(), CLOCK));
  const url = (i: number) => `${BASE}a${String(i).padStart(2, '0')}/`;

  beforeAll(() => {
    project = makeProject({
      articles: 'none',
      config: (c) => {
        AT_BASE(c);
        c.feeds.items = 2;
        c.feeds.archivePageSize = 3;
      },
    });
    for (let i = 1; i <= 4; i++) write(i);
  });

  it('a history that fits in atom.xml is complete (fh:complete) and has no archive', async () => {
    const files = await render();
    expect(archivePaths(files)).toEqual([]);
    const atom = fileText(files, 'atom.xml');
    expect(xpathStrings(atom, '/atom:feed/atom:entry/atom:id')).toEqual([4, 3, 2, 1].map(url));
    expect(xpathCount(atom, '/atom:feed/fh:complete')).toBe(1);
    expect(link(atom, 'prev-archive')).toEqual([]);
    // RSS keeps to feeds.items.
    expect(xpathCount(fileText(files, 'rss.xml'), '/rss/channel/item')).toBe(2);
  });

  it('archived pages are full and final; the page being filled is not an archive; atom.xml holds the rest', async () => {
    for (let i = 5; i <= 7; i++) await write(i);
    const files = await render();
    expect(archivePaths(files)).toEqual(['archive/1.xml', 'archive/2.xml']);
    const page = (n: number) => fileText(files, `archive/${n}.xml`);
    expect(xpathStrings(page(1), '/atom:feed/atom:entry/atom:id')).toEqual([3, 2, 1].map(url));
    expect(xpathStrings(page(2), '/atom:feed/atom:entry/atom:id')).toEqual([6, 5, 4].map(url));

    expect(xpathCount(page(1), '/atom:feed/fh:archive')).toBe(1);
    expect([link(page(1), 'prev-archive'), link(page(1), 'next-archive')]).toEqual([[], [`${BASE}archive/2.xml`]]);
    // Page 2 holds entries atom.xml still carries: it is no archive document yet, and changes as it fills.
    expect(xpathCount(page(2), '//fh:archive')).toBe(0);
    expect([link(page(2), 'prev-archive'), link(page(2), 'next-archive')]).toEqual([[`${BASE}archive/1.xml`], []]);
    for (const n of [1, 2]) {
      expect(link(page(n), 'current')).toEqual([`${BASE}atom.xml`]);
      expect(link(page(n), 'self')).toEqual([`${BASE}archive/${n}.xml`]);
      expect(xpathString(page(n), '/atom:feed/atom:id')).toBe(`${BASE}atom.xml`);
      expect(xpathString(page(n), '/atom:feed/atom:updated')).toBe(`2025-07-0${3 * n}T08:00:00Z`);
      expect(await atomRelaxNgErrors(page(n))).toEqual([]);
      expect(atomSchematronErrors(page(n))).toEqual([]);
    }

    // atom.xml: every entry on no archived page (at least feeds.items), and the newest archived page as prev-archive.
    const atom = fileText(files, 'atom.xml');
    expect(xpathStrings(atom, '/atom:feed/atom:entry/atom:id')).toEqual([7, 6, 5, 4].map(url));
    expect(link(atom, 'prev-archive')).toEqual([`${BASE}archive/1.xml`]);
    expect(xpathCount(atom, '//fh:archive | //fh:complete')).toBe(0);
    expect(followPrevArchive(files)).toEqual([7, 6, 5, 4, 3, 2, 1].map(url));
  });

  it('feedparser reads the archive pages and their links', async () => {
    const files = await render();
    const parsed = await feedparser(Object.fromEntries(archivePaths(files).map((p) => [p, fileText(files, p)])));
    if (!parsed) return;
    expect(Object.values(parsed).map((p) => [p.bozo, p.entries.length])).toEqual([
      [0, 3],
      [0, 3],
    ]);
    expect(parsed['archive/2.xml']!.links.filter((l) => l.rel.endsWith('archive'))).toEqual([{ rel: 'prev-archive', href: `${BASE}archive/1.xml` }]);
  });

  it('an archived page never changes when articles arrive; the page being filled becomes one when its turn comes', async () => {
    const before = await render();
    await write(8);
    const after = await render();
    expect(fileText(after, 'archive/1.xml')).toBe(fileText(before, 'archive/1.xml'));

    await write(9);
    await write(10); // 10 entries, 2 kept: pages 1 and 2 are archived, page 3 is filling
    const later = await render();
    expect(archivePaths(later)).toEqual(['archive/1.xml', 'archive/2.xml', 'archive/3.xml']);
    expect(fileText(later, 'archive/1.xml')).toBe(fileText(before, 'archive/1.xml'));
    expect(xpathCount(fileText(later, 'archive/2.xml'), '/atom:feed/fh:archive')).toBe(1);
    expect(link(fileText(later, 'archive/2.xml'), 'next-archive')).toEqual([`${BASE}archive/3.xml`]);
    expect(followPrevArchive(later)).toEqual([10, 9, 8, 7, 6, 5, 4, 3, 2, 1].map(url));
  });
});

describe('archive pages without the cache', () => {
  it('are rendered when their bytes are read, and every read gives the same bytes as a page the cache kept', async () => {
    const project = makeProject({
      articles: 'none',
      config: (c) => {
        AT_BASE(c);
        c.feeds.items = 2;
        c.feeds.archivePageSize = 3;
      },
    });
    for (let i = 1; i <= 10; i++) project.article(`a${String(i).padStart(2, '0')}`, { title: `Article ${i}`, date: `2025-07-${String(i).padStart(2, '0')}T08:00:00Z`, body: `Body of ${i}.\n` });
    const site = await loadSite(await project.loadConfig(), CLOCK);
    const plain = renderFeeds(site).filter((f) => f.path.startsWith('archive/'));
    expect(plain.map((f) => f.path)).toEqual(['archive/1.xml', 'archive/2.xml', 'archive/3.xml']);
    // Not held: the bytes are made at each read (a build writes a page at a time, not the whole archive at once).
    for (const f of plain) expect(typeof Object.getOwnPropertyDescriptor(f, 'content')?.get, f.path).toBe('function');
    const archive = openArchivePack(path.join(project.dir, 'cache'), { root: project.dir });
    const kept = renderFeeds(site, { archive }).filter((f) => f.path.startsWith('archive/'));
    for (const [i, f] of plain.entries()) {
      const first = Buffer.from(f.content);
      expect(Buffer.from(f.content).equals(first), f.path).toBe(true);
      expect(Buffer.from(kept[i]!.content).equals(first), f.path).toBe(true);
      expect(first.toString('utf8')).toContain('<entry>');
    }
  });
});

describe('a 300-article site', () => {
  /** 321 articles, newest first; a site of the newest n is `upTo(n)`. */
  let full: Site;
  const upTo = (n: number): Site => {
    const entries = full.entries.slice(full.entries.length - n);
    return { ...full, entries, bySlug: new Map(entries.map((e) => [e.slug, e])) };
  };
  const archived = (files: OutputFile[]) => files.filter((f) => f.path.startsWith('archive/') && fileText(files, f.path).includes('<fh:archive/>'));

  beforeAll(async () => {
    const project = makeProject({ articles: 'none', config: AT_BASE });
    for (let i = 0; i < 321; i++) {
      const date = new Date(Date.UTC(2020, 0, 1) + i * 86_400_000).toISOString();
      project.article(`s${i}`, { title: `Story ${i}`, description: `What happened on day ${i}`, date, tags: [`t${i % 7}`], body: `Day ${i}: the body.\n` });
    }
    full = await loadSite(await project.loadConfig(), CLOCK);
  });

  it('adding one article changes no archived page, byte for byte', () => {
    const before = renderFeeds(upTo(300));
    const after = renderFeeds(upTo(301));
    expect(archived(before).map((f) => f.path)).toEqual(['archive/1.xml', 'archive/2.xml']);
    for (const f of archived(before)) expect(Buffer.compare(Buffer.from(f.content), Buffer.from(after.find((g) => g.path === f.path)!.content)), f.path).toBe(0);
  });

  it('nor does the article that archives the next page: that page was never an archive before', () => {
    // 320 entries with 20 kept: a third page of 100 is archived.
    const before = renderFeeds(upTo(319));
    const after = renderFeeds(upTo(320));
    expect(archived(after).map((f) => f.path)).toEqual(['archive/1.xml', 'archive/2.xml', 'archive/3.xml']);
    for (const f of archived(before)) expect(Buffer.compare(Buffer.from(f.content), Buffer.from(after.find((g) => g.path === f.path)!.content)), f.path).toBe(0);
    expect(archivePaths(after)).toEqual(['archive/1.xml', 'archive/2.xml', 'archive/3.xml', 'archive/4.xml']);
  });

  it('following prev-archive from atom.xml reaches every entry exactly once', () => {
    for (const n of [300, 301, 320]) {
      const site = upTo(n);
      const seen = followPrevArchive(renderFeeds(site));
      expect(seen, `${n} articles`).toHaveLength(n);
      expect(new Set(seen).size).toBe(n);
      expect([...seen].sort()).toEqual(site.entries.map((e) => e.url).sort());
    }
  });

  it('every archive page is valid Atom, dated by its newest entry, and read by feedparser', async () => {
    const files = renderFeeds(upTo(301));
    const pages = archivePaths(files);
    for (const p of pages) {
      const text = fileText(files, p);
      expect(await atomRelaxNgErrors(text), p).toEqual([]);
      expect(atomSchematronErrors(text), p).toEqual([]);
      expect(xpathCount(text, '/atom:feed/atom:entry'), p).toBe(100);
      expect(xpathString(text, '/atom:feed/atom:updated')).toBe(xpathString(text, '/atom:feed/atom:entry[1]/atom:updated'));
    }
    const parsed = await feedparser(Object.fromEntries(pages.map((p) => [p, fileText(files, p)])));
    if (parsed) for (const [p, r] of Object.entries(parsed)) expect([p, r.bozo, r.entries.length]).toEqual([p, 0, 100]);
  });
});
