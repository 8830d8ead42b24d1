import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { withoutCache, type Config } from '../../src/config/load.js';
import { formatProblem } from '../../src/errors.js';
import { build } from '../../src/pipeline/build.js';
import { CACHE_FORMAT, CachePack } from '../../src/util/cache.js';
import { runCli } from '../helpers/cli.js';
import { CLOCK, makeProject, snapshotDir, type Project } from '../helpers/project.js';

/**
 * The build cache end to end (the pack itself: tests/util/cache.test.ts):
 * whatever the cache holds (nothing, a warm one, garbage, a damaged record),
 * a build writes the bytes a build without it writes.
 */

const CACHE = 'build-cache';
const PACKS = ['archive.pack', 'articles.pack', 'digest.pack', 'feeds.pack'];
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

function editArticle(project: Project, rel: string, from: string | RegExp, to: string): void {
  const text = project.read(rel);
  const edited = text.replace(from, to);
  expect(edited).not.toBe(text);
  project.write(rel, edited);
}

describe('the build cache', () => {
  it('a cold build, a warm one, one without the cache and one after the cache was deleted write the same bytes', async () => {
    const project = cachedProject();
    const cold = await buildInto(project, 'cold');
    expect(readdirSync(path.join(project.dir, CACHE))).toEqual(expect.arrayContaining(PACKS));
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
    expect(readdirSync(path.join(project.dir, CACHE))).toEqual(expect.arrayContaining(PACKS));
    expect(contents(path.join(project.dir, 'cached'))).toEqual(contents(path.join(project.dir, 'plain')));
    // With --no-cache a pack that is not one is not even opened.
    writeFileSync(path.join(project.dir, CACHE, 'articles.pack'), 'not a pack');
    const ignored = await runCli(['build', '--no-cache', '--out', 'plain'], { cwd: project.dir });
    expect(ignored.stderr).not.toContain('articles.pack');
    expect(ignored.stdout).not.toContain('wrote');
    expect(project.read(`${CACHE}/articles.pack`)).toBe('not a pack');
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

  it('an archived page comes from the cache: it is not rendered again', async () => {
    const project = cachedProject();
    const first = await buildInto(project, 'out');
    // The pack's records replaced by others of the same keys: what the build writes then can only come from the pack.
    const file = path.join(project.dir, CACHE, 'archive.pack');
    const bytes = readFileSync(file);
    const indexOffset = bytes.readDoubleLE(bytes.length - 32);
    const indexLength = bytes.readUInt32LE(bytes.length - 24);
    const index = JSON.parse(bytes.toString('utf8', indexOffset, indexOffset + indexLength)) as { records: Record<string, [number, number]> };
    const keys = Object.keys(index.records);
    expect(keys).toHaveLength(2);
    const forged = CachePack.open<null>(path.join(project.dir, CACHE), 'archive', { keep: 'used', fresh: true })!;
    for (const key of keys) {
      const [offset, length] = index.records[key]!;
      const page = bytes.toString('utf8', offset, offset + length);
      expect(page).toContain('<fh:archive/>');
      forged.put(key, null, Buffer.from(page.replace('<fh:archive/>', '<fh:archive/><!-- from the cache -->')));
    }
    forged.commit();
    const second = await buildInto(project, 'out');
    expect(second.written.sort()).toEqual(['archive/1.xml', 'archive/2.xml']);
    for (const f of second.written) expect(readFileSync(path.join(project.dir, 'out', f), 'utf8')).toContain('<!-- from the cache -->');
    expect(first.files.get('archive/3.xml')).toBe(second.files.get('archive/3.xml'));
  });

  it('a cache that is not one of ours, of another format, or damaged is ignored with a notice, and written again', async () => {
    const project = cachedProject();
    const cold = await buildInto(project, 'cold');
    const at = (pack: string) => path.join(project.dir, CACHE, pack);
    writeFileSync(at('articles.pack'), 'a file that is not a pack');
    const digest = readFileSync(at('digest.pack'));
    digest.writeUInt32LE(CACHE_FORMAT + 1, 16);
    writeFileSync(at('digest.pack'), digest);
    const archive = readFileSync(at('archive.pack'));
    writeFileSync(at('archive.pack'), archive.subarray(0, archive.length - 10));
    const ignored = await buildInto(project, 'ignored');
    expect(ignored.warnings.filter((w) => w.startsWith(`${CACHE}/`)).sort()).toEqual([
      `${CACHE}/archive.pack: is not a broadsheet build cache, or is damaged: ignored, and written again by this build`,
      `${CACHE}/articles.pack: is not a broadsheet build cache, or is damaged: ignored, and written again by this build`,
      `${CACHE}/digest.pack: was written by another version of broadsheet (cache format ${CACHE_FORMAT + 1}): ignored, and written again by this build`,
    ]);
    expect(ignored.files).toEqual(cold.files);
    // Written again: the next build has nothing to say and, the cache being whole, reads it.
    const next = await buildInto(project, 'next');
    expect(next.warnings).toEqual(cold.warnings);
    expect(next.files).toEqual(cold.files);

    // A record whose bytes changed after the index was written: the build starts again without the cache.
    const articles = readFileSync(at('articles.pack'));
    // Every body: whichever the build reads first is found damaged.
    let bodies = 0;
    for (let at = articles.indexOf('<p>'); at > 0; at = articles.indexOf('<p>', at + 1), bodies++) articles[at + 1] = 'q'.charCodeAt(0);
    expect(bodies).toBeGreaterThan(3);
    writeFileSync(at('articles.pack'), articles);
    const damaged = await buildInto(project, 'damaged');
    expect(damaged.warnings.filter((w) => w.startsWith(CACHE))).toEqual([
      `${CACHE}: ${CACHE}/articles.pack: a record does not match its checksum: this build did not use the cache`,
    ]);
    expect(damaged.files).toEqual(cold.files);
    expect((await buildInto(project, 'after-damage')).warnings).toEqual(cold.warnings);
  });

  it('the CLI prints the notice as file: message, and the build succeeds', async () => {
    const project = cachedProject();
    project.write(`${CACHE}/articles.pack`, 'broadsheet-cache but not really');
    const built = await runCli(['build'], { cwd: project.dir });
    expect(built.code, built.stderr).toBe(0);
    expect(built.stderr).toContain(`${CACHE}/articles.pack: is not a broadsheet build cache, or is damaged: ignored, and written again by this build`);
    expect(readFileSync(path.join(project.dir, CACHE, 'articles.pack')).subarray(0, 16).toString()).toBe('broadsheet-cache');
  });
});
