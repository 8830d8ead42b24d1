import { readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { withoutCache, type Config } from '../../src/config/load.js';
import { formatProblem } from '../../src/errors.js';
import { build } from '../../src/pipeline/build.js';
import { openArticlePack } from '../../src/content/cache.js';
import { loadSite } from '../../src/content/load.js';
import { FEED_PACKAGES, openArchivePack } from '../../src/feeds/index.js';
import { CACHE_FORMAT } from '../../src/util/cache.js';
import { RACY_MS } from '../../src/util/file-stat.js';
import { sleep } from '../../src/util/sleep.js';
import { runCli } from '../helpers/cli.js';
import { CLOCK, makeProject, REPO, snapshotDir, type Project } from '../helpers/project.js';

/**
 * The build cache end to end (the pack itself: tests/util/cache.test.ts):
 * whatever the cache holds (nothing, a warm one, garbage, a damaged record),
 * a build writes the bytes a build without it writes.
 */

const CACHE = 'build-cache';
const PACKS = ['archive', 'articles', 'digest', 'feeds'];
/** The oldest example article: on archive page 1 once pages hold two entries. */
const OLDEST = 'articles/2025-08-20-linkedin-ai-gamification.md';
const NEWEST = 'articles/2025-08-29-pentagon-ends-microsoft-china-based-support.md';

/** The example site with a cache folder and, from its seven entries, two archived pages of two. */
function cachedProject(): Project {
  return makeProject({
    config: (c) => {
      c.cache = { dir: CACHE };
      c.feeds.items = 2;
      c.feeds.archivePageSize = 2;
    },
  });
}

/** Every file under `dir`, path to bytes. */
function contents(dir: string): Map<string, string> {
  return new Map([...snapshotDir(dir)].map(([f, s]) => [f, s.bytes]));
}

async function buildInto(project: Project, out: string, change: (c: Config) => Config = (c) => c) {
  const report = await build(change(await project.loadConfig({ outDir: path.join(project.dir, out) })), CLOCK);
  return { ...report, warnings: report.warnings.map(formatProblem), files: contents(path.join(project.dir, out)) };
}

/** The same output folder as a build without the cache (into a folder of its own) writes. */
async function expectSameAsUncached(project: Project, files: Map<string, string>): Promise<void> {
  const plain = await buildInto(project, `plain-${Math.random().toString(36).slice(2)}`, withoutCache);
  expect([...files.keys()].sort()).toEqual([...plain.files.keys()].sort());
  for (const [f, bytes] of plain.files) expect(files.get(f), f).toBe(bytes);
}

/** The kinds of pack in the cache folder: `articles` for articles.3.pack and the other files it is split over. */
function packKinds(project: Project): string[] {
  return [...new Set(readdirSync(path.join(project.dir, CACHE)).map((f) => f.split('.')[0]!))].sort();
}

/** The files a kind of pack is split over (or its one file), as paths under the project. */
function packFiles(project: Project, kind: string): string[] {
  const files = readdirSync(path.join(project.dir, CACHE)).filter((f) => f === `${kind}.pack` || new RegExp(`^${kind}\\.\\d+\\.pack$`).test(f));
  expect(files.length).toBeGreaterThan(0);
  return files.sort().map((f) => `${CACHE}/${f}`);
}

function editArticle(project: Project, rel: string, from: string | RegExp, to: string): void {
  const text = project.read(rel);
  const edited = text.replace(from, to);
  expect(edited).not.toBe(text);
  project.write(rel, edited);
}

describe('the build cache', () => {
  it('an entry restored from the articles\' pack is the one reading made, though the record leaves out its path, its empty lists and the site\'s author', async () => {
    const project = cachedProject();
    project.write('articles/own-author.md', '---\ntitle: Own author\ndate: 2025-08-21T09:00:00Z\nauthor: Ada Lovelace\nmood: sunny\n---\nA body with [a link](/x/).\n');
    const config = await project.loadConfig();
    const read = await loadSite(withoutCache(config), CLOCK);
    const pack = openArticlePack(config, { root: config.paths.root });
    await loadSite(config, CLOCK, pack);
    pack!.commit();
    // Every file old enough to stand by its stat: the second run restores each entry from its record.
    for (const f of readdirSync(project.articles)) utimesSync(path.join(project.articles, f), new Date(Date.now() - 10_000), new Date(Date.now() - 10_000));
    const again = openArticlePack(config, { root: config.paths.root });
    const restored = await loadSite(config, CLOCK, again);
    // Restored, not read again: each article's body is still to be read from the pack (a teaser has none).
    expect(restored.entries.map((e) => [e.kind, typeof Object.getOwnPropertyDescriptor(e, 'html')?.get])).toEqual(restored.entries.map((e) => [e.kind, e.kind === 'article' ? 'function' : 'undefined']));
    expect(restored.entries.filter((e) => e.kind === 'article')).toHaveLength(2);
    const plain = (s: typeof read) => s.entries.map((e) => ({ keys: Object.keys(e), ...e, html: e.html }));
    expect(plain(restored)).toEqual(plain(read));
    expect(restored.warnings).toEqual(read.warnings);
    expect(read.warnings.map((w) => w.message).join('\n')).toContain('mood');
    const own = restored.entries.find((e) => e.slug === 'own-author')!;
    expect(own.authors).toEqual([{ name: 'Ada Lovelace' }]);
    expect(restored.entries.filter((e) => e.slug !== 'own-author').every((e) => e.authors.length === 1 && e.authors[0] === config.site.author)).toBe(true);
  });

  it('a cold build, a warm one, one without the cache and one after the cache was deleted write the same bytes', async () => {
    const project = cachedProject();
    const cold = await buildInto(project, 'cold');
    expect(packKinds(project)).toEqual(expect.arrayContaining(PACKS));
    expect(cold.files.has('archive/1.xml') && cold.files.has('archive/2.xml') && cold.files.has('archive/3.xml')).toBe(true);
    const warm = await buildInto(project, 'warm');
    expect(warm.files).toEqual(cold.files);
    expect(warm.warnings).toEqual(cold.warnings);
    await expectSameAsUncached(project, warm.files);
    rmSync(path.join(project.dir, CACHE), { recursive: true });
    const again = await buildInto(project, 'after-delete');
    expect(again.files).toEqual(cold.files);
  });

  it('build --no-cache neither reads nor writes the cache, and writes the same files', async () => {
    const project = cachedProject();
    const plain = await runCli(['build', '--no-cache', '--out', 'plain'], { cwd: project.dir });
    expect(plain.code, plain.stderr).toBe(0);
    expect(statSync(path.join(project.dir, CACHE), { throwIfNoEntry: false })).toBeUndefined();
    const cached = await runCli(['build', '--out', 'cached'], { cwd: project.dir });
    expect(cached.code, cached.stderr).toBe(0);
    expect(packKinds(project)).toEqual(expect.arrayContaining(PACKS));
    expect(contents(path.join(project.dir, 'cached'))).toEqual(contents(path.join(project.dir, 'plain')));
    // With --no-cache a pack that is not one is not even opened.
    const shard = packFiles(project, 'articles')[0]!;
    project.write(shard, 'not a pack');
    const ignored = await runCli(['build', '--no-cache', '--out', 'plain'], { cwd: project.dir });
    expect(ignored.stderr).not.toContain('articles.');
    expect(ignored.stdout).not.toContain('wrote');
    expect(project.read(shard)).toBe('not a pack');
  });

  it('a setting reading depends on, changed, reads every article again: records made under the old settings are not used', async () => {
    const project = cachedProject();
    const first = await buildInto(project, 'out');
    const moved = (c: Config): Config => ({ ...c, site: { ...c.site, url: 'https://moved.example.org/' } });
    const second = await buildInto(project, 'out', moved);
    const links = (base64: string | undefined) => [...Buffer.from(base64 ?? '', 'base64').toString('utf8').matchAll(/<link>([^<]*)<\/link>/g)].map((m) => new URL(m[1]!).host);
    expect(new Set(links(first.files.get('rss.xml')))).toEqual(new Set(['news.example.com']));
    expect(new Set(links(second.files.get('rss.xml')))).toEqual(new Set(['moved.example.org']));
    const plain = await buildInto(project, 'plain-moved', (c) => withoutCache(moved(c)));
    expect(second.files).toEqual(plain.files);
    // And back: the old settings' records were dropped with the pack, so reading again gives the first build's files.
    const third = await buildInto(project, 'out');
    expect(third.files).toEqual(first.files);
  });

  it('a rebuild with nothing changed writes nothing: neither the output folder nor the cache', async () => {
    const project = cachedProject();
    const first = await buildInto(project, 'out');
    const out = snapshotDir(path.join(project.dir, 'out'));
    const cache = snapshotDir(path.join(project.dir, CACHE));
    const second = await buildInto(project, 'out');
    expect(second.written).toEqual([]);
    expect(second.unchanged.sort()).toEqual([...first.written].sort());
    expect(snapshotDir(path.join(project.dir, 'out'))).toEqual(out);
    expect(snapshotDir(path.join(project.dir, CACHE))).toEqual(cache);
  });

  it('a rebuild after one article changed rewrites what shows it, and nothing else', async () => {
    const project = cachedProject();
    await buildInto(project, 'out');
    // The newest article: the subscription feeds, its tags' feeds and the digest change; no archived page does.
    editArticle(project, NEWEST, /^title: .*$/m, 'title: "Pentagon ends China-based support, at last"');
    const newest = await buildInto(project, 'out');
    expect(newest.written).toEqual(expect.arrayContaining(['rss.xml', 'atom.xml', 'feed.json', 'digest.html', 'digest.eml']));
    expect(newest.written.filter((f) => f.startsWith('archive/'))).toEqual([]);
    expect(readFileSync(path.join(project.dir, 'out', 'rss.xml'), 'utf8')).toContain('Pentagon ends China-based support, at last');
    await expectSameAsUncached(project, newest.files);
    // The oldest article: archived page 1 changes (an edit RFC 5005 discourages, but a build must show it), page 2 does not.
    editArticle(project, OLDEST, /^description: "/m, 'description: "Corrected: the figures were revised. ');
    const oldest = await buildInto(project, 'out');
    expect(oldest.written).toContain('archive/1.xml');
    expect(oldest.written).not.toContain('archive/2.xml');
    expect(readFileSync(path.join(project.dir, 'out', 'archive/1.xml'), 'utf8')).toContain('the figures were revised');
    await expectSameAsUncached(project, oldest.files);
  });

  it('a rebuild after a local file changed, its article unchanged, shows the new file', async () => {
    const project = cachedProject();
    project.write('articles/media/talk.mp3', Buffer.alloc(1000));
    project.article('talk', { title: 'The talk', date: '2025-08-30T09:00:00Z', enclosure: { src: 'media/talk.mp3', type: 'audio/mpeg' } });
    const first = await buildInto(project, 'out');
    expect(readFileSync(path.join(project.dir, 'out', 'rss.xml'), 'utf8')).toContain('length="1000"');
    project.write('articles/media/talk.mp3', Buffer.alloc(2345));
    const second = await buildInto(project, 'out');
    expect(second.written).toEqual(expect.arrayContaining(['rss.xml', 'atom.xml', 'feed.json']));
    expect(readFileSync(path.join(project.dir, 'out', 'rss.xml'), 'utf8')).toContain('length="2345"');
    expect(second.files.get('rss.xml')).not.toBe(first.files.get('rss.xml'));
    await expectSameAsUncached(project, second.files);
  });

  it('a local file replaced by one of the same size and time, soon after a build, is read again', async () => {
    const project = cachedProject();
    const media = (magic: string) => Buffer.concat([Buffer.from(magic, 'latin1'), Buffer.alloc(996)]);
    const file = path.join(project.dir, 'articles/media/talk');
    // A whole second, which a file's time can be set to exactly.
    const second = Math.floor(Date.now() / 1000);
    project.write('articles/media/talk', media('ID3\u0004'));
    utimesSync(file, second, second);
    project.article('talk', { title: 'The talk', date: '2025-08-30T09:00:00Z', enclosure: 'media/talk' });
    await buildInto(project, 'out');
    expect(readFileSync(path.join(project.dir, 'out', 'rss.xml'), 'utf8')).toContain('type="audio/mpeg"');
    // Within the two seconds a file system's clock may not tell apart: same size, the same modification time.
    project.write('articles/media/talk', media('OggS'));
    utimesSync(file, second, second);
    const again = await buildInto(project, 'out');
    expect(readFileSync(path.join(project.dir, 'out', 'rss.xml'), 'utf8')).toContain('type="audio/ogg"');
    await expectSameAsUncached(project, again.files);
  });

  it('a local file replaced long after, by a copy that kept its size and modification time (cp -p, rsync -a), is read again', async () => {
    const project = cachedProject();
    const media = (magic: string) => Buffer.concat([Buffer.from(magic, 'latin1'), Buffer.alloc(996)]);
    const file = path.join(project.dir, 'articles/media/talk');
    const old = new Date('2025-01-01T00:00:00Z');
    project.write('articles/media/talk', media('ID3\u0004'));
    utimesSync(file, old, old);
    project.article('talk', { title: 'The talk', date: '2025-08-30T09:00:00Z', enclosure: 'media/talk' });
    await sleep(RACY_MS + 100); // its change time old enough for its stat to stand for its bytes
    await buildInto(project, 'out');
    expect(readFileSync(path.join(project.dir, 'out', 'rss.xml'), 'utf8')).toContain('type="audio/mpeg"');
    project.write('articles/media/talk', media('OggS'));
    utimesSync(file, old, old);
    await sleep(RACY_MS + 100);
    const again = await buildInto(project, 'out');
    expect(readFileSync(path.join(project.dir, 'out', 'rss.xml'), 'utf8')).toContain('type="audio/ogg"');
    await expectSameAsUncached(project, again.files);
  });

  it('a problem in an article restored from the pack names its line, read from the front matter the pack kept', async () => {
    const project = cachedProject();
    project.article('lead', { title: 'The lead', date: '2025-08-25T09:00:00Z', tags: ['a', 'b'], related: ['note'] });
    project.article('note', { title: 'A note', date: '2025-08-24T09:00:00Z', body: '' });
    const config = await project.loadConfig();
    const pack = openArticlePack(config, { root: config.paths.root })!;
    await loadSite(config, CLOCK, pack);
    pack.commit();
    for (const f of readdirSync(project.articles)) utimesSync(path.join(project.articles, f), new Date(Date.now() - 10_000), new Date(Date.now() - 10_000));
    const line = project.read('articles/lead.md').split('\n').findIndex((l) => l.startsWith('related:')) + 1;
    expect(line).toBeGreaterThan(1);
    // The teaser goes: the lead is unchanged, so restored, and its problem needs the front matter's text.
    rmSync(path.join(project.articles, 'note.md'));
    const again = openArticlePack(config, { root: config.paths.root, readOnly: true });
    const error = await loadSite(config, CLOCK, again).catch((e: unknown) => e);
    expect((error as { problems?: unknown[] }).problems?.map((p) => formatProblem(p as Parameters<typeof formatProblem>[0]))).toEqual([`articles/lead.md:${line}: related[0]: no article has the slug "note"`]);
  });

  it('a build stopped by bad content keeps the feed and archive packs as they were, for the build after the fix', async () => {
    const project = cachedProject();
    await buildInto(project, 'out');
    const kept = ['feeds', 'archive'].flatMap((k) => packFiles(project, k)).map((f) => [f, project.read(f)] as const);
    editArticle(project, NEWEST, /^date: .*$/m, 'date: notadate');
    await expect(buildInto(project, 'out')).rejects.toMatchObject({ code: 'CONTENT_INVALID' });
    for (const [f, bytes] of kept) expect(project.read(f), f).toBe(bytes);
  });

  it('validate and build --check read the MJML pack and never write it', async () => {
    const project = cachedProject();
    expect((await runCli(['build'], { cwd: project.dir })).code).toBe(0);
    const mjml = () => readFileSync(path.join(project.dir, CACHE, 'mjml.pack'));
    const before = mjml();
    // A new lead title: a digest MJML has not rendered yet.
    editArticle(project, NEWEST, /^title: .*$/m, 'title: "A title the cache has never seen"');
    expect((await runCli(['validate'], { cwd: project.dir })).code).toBe(0);
    expect(mjml().equals(before)).toBe(true);
    expect((await runCli(['build', '--check'], { cwd: project.dir })).code).toBe(1);
    expect(mjml().equals(before)).toBe(true);
  });

  it('a feed document\'s key covers every package the feeds stage imports: a new version of one renders the documents again', () => {
    const dir = path.join(REPO, 'src/feeds');
    const imported = new Set<string>();
    for (const f of readdirSync(dir).filter((n) => n.endsWith('.ts'))) {
      for (const [, spec] of readFileSync(path.join(dir, f), 'utf8').matchAll(/^import [^;]*? from '([^'.][^']*)';$/gm)) {
        if (!spec!.startsWith('node:')) imported.add(spec!.split('/')[0]!);
      }
    }
    expect([...imported]).toContain('feed'); // the scan finds the imports
    for (const p of imported) expect(FEED_PACKAGES).toContain(p);
  });

  it('an archive page comes from the cache, the page being filled too: neither is rendered again', async () => {
    const project = cachedProject();
    const first = await buildInto(project, 'out');
    // The pack's records replaced by others of the same keys: what the build writes then can only come from the pack.
    const pages = new Map<string, string>();
    for (const rel of packFiles(project, 'archive')) {
      const bytes = readFileSync(path.join(project.dir, rel));
      const indexOffset = bytes.readDoubleLE(bytes.length - 32);
      const indexLength = bytes.readUInt32LE(bytes.length - 24);
      const index = JSON.parse(bytes.toString('utf8', indexOffset, indexOffset + indexLength)) as { records: Record<string, [number, number]> };
      for (const [key, [offset, length]] of Object.entries(index.records)) pages.set(key, bytes.toString('utf8', offset, offset + length));
    }
    // Pages 1 and 2 archived, page 3 being filled.
    expect([...pages.values()].map((p) => p.includes('<fh:archive/>')).sort()).toEqual([false, true, true]);
    const forged = openArchivePack(path.join(project.dir, CACHE), { fresh: true })!;
    for (const [key, page] of pages) forged.put(key, null, Buffer.from(page.replace('</feed>', '<!-- from the cache --></feed>')));
    forged.commit();
    const second = await buildInto(project, 'out');
    expect(second.written.sort()).toEqual(['archive/1.xml', 'archive/2.xml', 'archive/3.xml']);
    for (const f of second.written) expect(readFileSync(path.join(project.dir, 'out', f), 'utf8')).toContain('<!-- from the cache --></feed>');
    expect(first.files.get('archive/3.xml')).not.toContain('from the cache');
  });

  it('a cached document the output folder holds, unchanged since two seconds after it was written, is not read again; one changed by hand is written again', async () => {
    const project = cachedProject();
    const first = await buildInto(project, 'out');
    // Only a file last changed two seconds ago or more is known by its stat (util/file-stat.ts).
    await new Promise((resolve) => setTimeout(resolve, 2100));
    await buildInto(project, 'out');
    const known = readdirSync(path.join(project.dir, CACHE)).filter((f) => f.startsWith('outputs-'));
    expect(known).toHaveLength(1);
    const recorded = Object.keys((JSON.parse(project.read(`${CACHE}/${known[0]}`)) as { files: Record<string, unknown> }).files).sort();
    expect(recorded).toEqual(['archive/1.xml', 'archive/2.xml', 'archive/3.xml', 'atom.xml', 'feed.json', 'rss.xml', ...[...first.files.keys()].filter((f) => /^tags\/[^/]+\/(rss\.xml|atom\.xml|feed\.json)$/.test(f))].sort());
    // Every archive page's record damaged: a build that read one would say so and start again.
    for (const rel of packFiles(project, 'archive')) {
      const pack = readFileSync(path.join(project.dir, rel));
      for (let p = pack.indexOf('<entry>'); p > 0; p = pack.indexOf('<entry>', p + 1)) pack[p + 1] = 'E'.charCodeAt(0);
      writeFileSync(path.join(project.dir, rel), pack);
    }
    const cache = snapshotDir(path.join(project.dir, CACHE));
    const quiet = await buildInto(project, 'out');
    expect(quiet.warnings).toEqual(first.warnings);
    expect(quiet.written).toEqual([]);
    expect(quiet.files).toEqual(first.files);
    expect(snapshotDir(path.join(project.dir, CACHE))).toEqual(cache);
    // A page changed by hand has another stat: it is compared, found different and written again (from a fresh render, its record being damaged).
    project.write('out/archive/1.xml', 'edited by hand');
    const mended = await buildInto(project, 'out');
    expect(mended.written).toEqual(['archive/1.xml']);
    expect(mended.files).toEqual(first.files);
  });

  it('a cache that is not one of ours, of another format, or damaged is ignored with a notice, and written again', async () => {
    const project = cachedProject();
    const cold = await buildInto(project, 'cold');
    const at = (rel: string) => path.join(project.dir, rel);
    const articleShard = packFiles(project, 'articles')[0]!;
    writeFileSync(at(articleShard), 'a file that is not a pack');
    const [digestPack] = packFiles(project, 'digest');
    const digest = readFileSync(at(digestPack!));
    digest.writeUInt32LE(CACHE_FORMAT + 1, 16);
    writeFileSync(at(digestPack!), digest);
    const archiveShard = packFiles(project, 'archive')[0]!;
    const archive = readFileSync(at(archiveShard));
    writeFileSync(at(archiveShard), archive.subarray(0, archive.length - 10));
    const ignored = await buildInto(project, 'ignored');
    expect(ignored.warnings.filter((w) => w.startsWith(`${CACHE}/`)).sort()).toEqual(
      [
        `${archiveShard}: is not a broadsheet build cache, or is damaged: ignored, and written again by this build`,
        `${articleShard}: is not a broadsheet build cache, or is damaged: ignored, and written again by this build`,
        `${digestPack}: was written by another version of broadsheet (cache format ${CACHE_FORMAT + 1}): ignored, and written again by this build`,
      ].sort(),
    );
    expect(ignored.files).toEqual(cold.files);
    // Written again: the next build has nothing to say and, the cache being whole, reads it.
    const next = await buildInto(project, 'next');
    expect(next.warnings).toEqual(cold.warnings);
    expect(next.files).toEqual(cold.files);

    // A record whose bytes changed after the index was written: the build starts again without the cache.
    // Every body: whichever the build reads first is found damaged.
    let bodies = 0;
    for (const rel of packFiles(project, 'articles')) {
      const articles = readFileSync(at(rel));
      for (let p = articles.indexOf('<p>'); p > 0; p = articles.indexOf('<p>', p + 1), bodies++) articles[p + 1] = 'q'.charCodeAt(0);
      writeFileSync(at(rel), articles);
    }
    expect(bodies).toBeGreaterThan(3);
    const damaged = await buildInto(project, 'damaged');
    expect(damaged.warnings.filter((w) => w.startsWith(CACHE))).toEqual([
      expect.stringMatching(new RegExp(`^${CACHE}: ${CACHE}/articles\\.\\d+\\.pack: a record does not match its checksum: this build did not use the cache$`)),
    ]);
    expect(damaged.files).toEqual(cold.files);
    expect((await buildInto(project, 'after-damage')).warnings).toEqual(cold.warnings);
  });

  it('the CLI prints the notice as file: message, and the build succeeds', async () => {
    const project = cachedProject();
    // One of the files the articles' pack is split over; it is rewritten (empty, if no article's key picks it).
    project.write(`${CACHE}/articles.0.pack`, 'broadsheet-cache but not really');
    const built = await runCli(['build'], { cwd: project.dir });
    expect(built.code, built.stderr).toBe(0);
    expect(built.stderr).toContain(`${CACHE}/articles.0.pack: is not a broadsheet build cache, or is damaged: ignored, and written again by this build`);
    expect(readFileSync(path.join(project.dir, CACHE, 'articles.0.pack')).subarray(0, 16).toString()).toBe('broadsheet-cache');
    const again = await runCli(['build'], { cwd: project.dir });
    expect(again.stderr).not.toContain('articles.0.pack');
  });
});
