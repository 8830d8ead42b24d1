import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/clock.js';
import { loadConfig } from '../../src/config/load.js';
import { loadSite } from '../../src/content/load.js';
import { build } from '../../src/pipeline/build.js';
import type { OutputFile } from '../../src/output/files.js';
import { renderFeeds } from '../../src/feeds/index.js';
import { article, atomRelaxNgErrors, feedparser, fileText, jsonFeedErrors, MEDIA_FILES, PNG, REMOTE_IMAGE as REMOTE, removeDir, tempDir, writeProject, xmllint, xpathString } from '../helpers/feeds.js';

const CLOCK = fixedClock('2025-09-01T00:00:00Z');
const BASE = 'https://test.example.org/news/';
// Published beside the article's page (content/local-files.ts): local.md has the URL <site>/local/.
const LOCAL = `${BASE}local/images/photo.jpg`;

describe('article images in every format', () => {
  let dir: string;
  let configFile: string;
  let files: OutputFile[];
  let rss: string;
  let atom: string;
  let json: { items: { title: string; image?: string }[] };

  beforeAll(async () => {
    dir = await tempDir();
    configFile = await writeProject(dir, { files: MEDIA_FILES });
    files = renderFeeds(await loadSite(await loadConfig(configFile), CLOCK));
    rss = fileText(files, 'rss.xml');
    atom = fileText(files, 'atom.xml');
    json = JSON.parse(fileText(files, 'feed.json'));
  });
  afterAll(() => removeDir(dir));

  it('RSS: an enclosure with the type sniffed from the bytes and the real length, and media:content with its namespace', async () => {
    const local = "/rss/channel/item[title='Local']";
    expect(xpathString(rss, `${local}/enclosure/@url`)).toBe(LOCAL);
    expect(xpathString(rss, `${local}/enclosure/@type`)).toBe('image/png');
    expect(xpathString(rss, `${local}/enclosure/@length`)).toBe(String(PNG.length));
    expect(xpathString(rss, `${local}/media:content/@url`)).toBe(LOCAL);
    expect(xpathString(rss, `${local}/media:content/@fileSize`)).toBe(String(PNG.length));
    expect(xpathString(rss, `${local}/media:content/media:description`)).toBe('Two by two "pixels" & more');
    const remote = "/rss/channel/item[title='Remote']";
    expect(xpathString(rss, `${remote}/enclosure/@url`)).toBe(REMOTE);
    expect(xpathString(rss, `${remote}/enclosure/@type`)).toBe('image/webp');
    expect(xpathString(rss, `${remote}/enclosure/@length`)).toBe('0');
    expect(xpathString(rss, "count(/rss/channel/item[title='Plain']/enclosure)")).toBe('0');
    expect(rss).toContain('xmlns:media="http://search.yahoo.com/mrss/"');
    const lint = await xmllint(['--noout'], { 'rss.xml': rss });
    if (lint) expect(lint).toEqual({ status: 0, stderr: '' });
  });

  it('Atom: link rel=enclosure with type, length and the alt text as title; still valid', async () => {
    const local = "/atom:feed/atom:entry[atom:title='Local']/atom:link[@rel='enclosure']";
    expect(xpathString(atom, `${local}/@href`)).toBe(LOCAL);
    expect(xpathString(atom, `${local}/@type`)).toBe('image/png');
    expect(xpathString(atom, `${local}/@length`)).toBe(String(PNG.length));
    expect(xpathString(atom, `${local}/@title`)).toBe('Two by two "pixels" & more');
    expect(xpathString(atom, "/atom:feed/atom:entry[atom:title='Remote']/atom:link[@rel='enclosure']/@href")).toBe(REMOTE);
    expect(await atomRelaxNgErrors(atom)).toEqual([]);
  });

  it('JSON Feed: image', async () => {
    expect(json.items.map((i) => [i.title, i.image])).toEqual([
      ['Local', LOCAL],
      ['Remote', REMOTE],
      ['Plain', undefined],
    ]);
    expect(await jsonFeedErrors(fileText(files, 'feed.json'))).toEqual([]);
  });

  it('feedparser sees the enclosures', async () => {
    const parsed = await feedparser({ 'rss.xml': rss, 'atom.xml': atom });
    if (!parsed) return;
    for (const p of Object.values(parsed)) {
      expect(p.bozo, p.bozo_exception).toBe(0);
      expect(p.entries[0]!.enclosures).toEqual([{ href: LOCAL, type: 'image/png', length: String(PNG.length) }]);
    }
  });

  it('a build copies the local image into the output, byte for byte', async () => {
    const report = await build(await loadConfig(configFile), CLOCK);
    expect(report.written).toContain('local/images/photo.jpg');
    expect(Buffer.compare(await readFile(path.join(dir, 'output/local/images/photo.jpg')), PNG)).toBe(0);
  });
});

describe('a missing local image', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await tempDir();
  });
  afterAll(() => removeDir(dir));

  it('is a content error naming the article and the field', async () => {
    const configFile = await writeProject(dir, {
      files: { 'articles/lost.md': article({ title: 'Lost', description: 'Its image is gone', date: '2025-08-01', image: { src: 'images/gone.png', alt: 'Gone' } }, 'Body.\n') },
    });
    await expect(loadSite(await loadConfig(configFile), CLOCK)).rejects.toMatchObject({
      code: 'CONTENT_INVALID',
      problems: [{ file: 'articles/lost.md', line: 5, field: 'image.src', message: 'images/gone.png not found (looked for articles/images/gone.png): put the file there or correct the path' }],
    });
  });
});
