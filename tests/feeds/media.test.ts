import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadSite } from '../../src/content/load.js';
import { build } from '../../src/pipeline/build.js';
import type { OutputFile } from '../../src/output/files.js';
import { renderFeeds } from '../../src/feeds/index.js';
import { AT_BASE, atomRelaxNgErrors, BASE, feedparser, fileText, jsonFeedErrors, REMOTE_IMAGE as REMOTE, writeMediaArticles, xmllint, xpathString } from '../helpers/feeds.js';
import { CLOCK, makeProject, PNG, type Project } from '../helpers/project.js';

// Published beside the article's page (content/local-files.ts): local.md has the URL <site>/local/.
const LOCAL = `${BASE}local/images/photo.jpg`;

describe('article images in every format', () => {
  let project: Project;
  let files: OutputFile[];
  let rss: string;
  let atom: string;
  let json: { items: { title: string; image?: string }[] };

  beforeAll(async () => {
    project = makeProject({ articles: 'none', config: AT_BASE });
    writeMediaArticles(project);
    files = renderFeeds(await loadSite(await project.loadConfig(), CLOCK));
    rss = fileText(files, 'rss.xml');
    atom = fileText(files, 'atom.xml');
    json = JSON.parse(fileText(files, 'feed.json'));
  });

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
    const report = await build(await project.loadConfig(), CLOCK);
    expect(report.written).toContain('local/images/photo.jpg');
    expect(Buffer.compare(await readFile(path.join(project.output, 'local/images/photo.jpg')), PNG)).toBe(0);
  });
});

describe('a missing local image', () => {
  it('is a content error naming the article and the field', async () => {
    const project = makeProject({ articles: 'none', config: AT_BASE });
    project.article('lost', { title: 'Lost', description: 'Its image is gone', date: '2025-08-01', image: { src: 'images/gone.png', alt: 'Gone' }, body: 'Body.\n' });
    await expect(loadSite(await project.loadConfig(), CLOCK)).rejects.toMatchObject({
      code: 'CONTENT_INVALID',
      problems: [{ file: 'articles/lost.md', line: 6, field: 'image.src', message: 'images/gone.png not found (looked for articles/images/gone.png): put the file there or correct the path' }],
    });
  });
});
