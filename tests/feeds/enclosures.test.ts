import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/clock.js';
import { loadConfig } from '../../src/config/load.js';
import { loadSite } from '../../src/content/load.js';
import { renderFeeds } from '../../src/feeds/index.js';
import { article, atomRelaxNgErrors, atomSchematronErrors, expectValidFeeds, fileText, jsonFeedErrors, PNG, removeDir, tempDir, writeProject, xpathString, xpathStrings } from '../helpers/feeds.js';

/** Audio and video attached in front matter, and a per-entry language, in all three formats. */

const CLOCK = fixedClock('2025-09-01T00:00:00Z');
const BASE = 'https://test.example.org/news/';
const MP3 = Buffer.concat([Buffer.from('ID3\x04\x00\x00\x00\x00\x00\x00', 'latin1'), Buffer.alloc(1000)]);
const EPISODE = `${BASE}episode/ep1.mp3`;
const COVER = `${BASE}episode/cover.png`;
const VIDEO = 'https://cdn.example.net/v/launch.mp4';

const FILES: Record<string, string | Uint8Array> = {
  'articles/episode/ep1.mp3': MP3,
  'articles/episode/cover.png': PNG,
  'articles/episode/index.md': article(
    { title: 'Épisode un', description: 'Le premier', date: '2025-08-03', lang: 'fr', image: { src: 'cover.png', alt: 'La pochette' }, enclosure: { src: 'ep1.mp3', title: 'Épisode 1 (MP3)' } },
    'Bonjour.\n',
  ),
  'articles/launch.md': article({ title: 'Launch', description: 'The video', date: '2025-08-02', enclosure: { src: VIDEO, type: 'video/mp4', length: 12345678 } }, 'Watch it.\n'),
  'articles/plain.md': article({ title: 'Plain', description: 'Nothing attached', date: '2025-08-01' }, 'Text.\n'),
  'articles/unsized.md': article({ title: 'Unsized', description: 'Length unknown', date: '2025-07-31', enclosure: { src: 'https://cdn.example.net/a/talk.ogg', type: 'audio/ogg' } }, 'Listen.\n'),
};

describe('enclosures and per-entry language', () => {
  let dir: string;
  let rss: string;
  let atom: string;
  let json: { items: Record<string, unknown>[] };
  let jsonText: string;

  beforeAll(async () => {
    dir = await tempDir();
    const files = renderFeeds(await loadSite(await loadConfig(await writeProject(dir, { files: FILES })), CLOCK));
    rss = fileText(files, 'rss.xml');
    atom = fileText(files, 'atom.xml');
    jsonText = fileText(files, 'feed.json');
    json = JSON.parse(jsonText);
  });
  afterAll(() => removeDir(dir));

  it('RSS: the audio or video file is the one enclosure, with its type and length; the image stays in media:content', () => {
    const ep = "/rss/channel/item[title='Épisode un']";
    expect([xpathString(rss, `${ep}/enclosure/@url`), xpathString(rss, `${ep}/enclosure/@type`), xpathString(rss, `${ep}/enclosure/@length`)]).toEqual([EPISODE, 'audio/mpeg', String(MP3.length)]);
    expect(xpathString(rss, `count(${ep}/enclosure)`)).toBe('1');
    expect(xpathString(rss, `${ep}/media:content/@url`)).toBe(COVER);
    const launch = "/rss/channel/item[title='Launch']";
    expect([xpathString(rss, `${launch}/enclosure/@url`), xpathString(rss, `${launch}/enclosure/@type`), xpathString(rss, `${launch}/enclosure/@length`)]).toEqual([VIDEO, 'video/mp4', '12345678']);
    expect(xpathString(rss, "count(/rss/channel/item[title='Plain']/enclosure)")).toBe('0');
  });

  it('Atom: a link rel=enclosure for the image and one for the file, with its title; xml:lang on the entry', async () => {
    const ep = "/atom:feed/atom:entry[atom:title='Épisode un']";
    expect(xpathStrings(atom, `${ep}/atom:link[@rel='enclosure']/@href`)).toEqual([COVER, EPISODE]);
    expect(xpathString(atom, `${ep}/atom:link[@href='${EPISODE}']/@title`)).toBe('Épisode 1 (MP3)');
    expect(xpathString(atom, `${ep}/atom:link[@href='${EPISODE}']/@length`)).toBe(String(MP3.length));
    expect(xpathString(atom, `${ep}/@xml:lang`)).toBe('fr');
    expect(xpathString(atom, "count(/atom:feed/atom:entry[atom:title='Launch']/@xml:lang)")).toBe('0');
    expect(await atomRelaxNgErrors(atom)).toEqual([]);
    expect(atomSchematronErrors(atom)).toEqual([]);
  });

  it('JSON Feed: attachments with mime_type, size and title; language on the item', async () => {
    const [ep, launch, plain] = json.items;
    expect(ep).toMatchObject({ language: 'fr', image: COVER, attachments: [{ url: EPISODE, mime_type: 'audio/mpeg', title: 'Épisode 1 (MP3)', size_in_bytes: MP3.length }] });
    expect(launch).toMatchObject({ attachments: [{ url: VIDEO, mime_type: 'video/mp4', size_in_bytes: 12345678 }] });
    expect(launch!.language).toBeUndefined();
    expect(plain!.attachments).toBeUndefined();
    // A remote file whose length is not given: no size in JSON Feed, length="0" in RSS, which requires the attribute.
    expect(json.items[3]!.attachments).toEqual([{ url: 'https://cdn.example.net/a/talk.ogg', mime_type: 'audio/ogg' }]);
    expect(xpathString(rss, "/rss/channel/item[title='Unsized']/enclosure/@length")).toBe('0');
    expect(await jsonFeedErrors(jsonText)).toEqual([]);
  });

  it('every validator accepts them, and feedparser reads the enclosures and the entry’s language', async () => {
    const parsed = await expectValidFeeds({ rss, atom, json: jsonText });
    if (!parsed) return;
    expect(parsed['rss.xml']!.entries[0]!.enclosures).toEqual([{ href: EPISODE, type: 'audio/mpeg', length: String(MP3.length) }]);
    expect(parsed['atom.xml']!.entries[0]!.enclosures.map((e) => e.href)).toEqual([COVER, EPISODE]);
    expect(parsed['atom.xml']!.entries.map((e) => e.language)).toEqual(['fr', 'en-GB', 'en-GB', 'en-GB']);
  });
});
