import { beforeAll, describe, expect, it } from 'vitest';
import { renderFeeds } from '../../src/feeds/index.js';
import { AT_BASE, atomRelaxNgErrors, atomSchematronErrors, BASE, expectValidFeeds, fileText, jsonFeedErrors, xpathString, xpathStrings } from '../helpers/feeds.js';
import { makeProject, PNG, type ConfigPatch } from '../helpers/project.js';

/** Audio and video attached in front matter, and a per-entry language, in all three formats. */

const MP3 = Buffer.concat([Buffer.from('ID3\x04\x00\x00\x00\x00\x00\x00', 'latin1'), Buffer.alloc(1000)]);
const EPISODE = `${BASE}episode/ep1.mp3`;
const COVER = `${BASE}episode/cover.png`;
const VIDEO = 'https://cdn.example.net/v/launch.mp4';

describe('enclosures and per-entry language', () => {
  let rss: string;
  let atom: string;
  let json: { items: Record<string, unknown>[] };
  let jsonText: string;

  beforeAll(async () => {
    // A site language other than the entry's, so that the entry's own xml:lang shows.
    const config: ConfigPatch = (c) => {
      AT_BASE(c);
      c.site.language = 'en-GB';
    };
    const project = makeProject({ articles: 'none', config, files: { 'articles/episode/ep1.mp3': MP3, 'articles/episode/cover.png': PNG } });
    project.article('episode/index', {
      title: 'Épisode un',
      description: 'Le premier',
      date: '2025-08-03',
      lang: 'fr',
      image: { src: 'cover.png', alt: 'La pochette' },
      enclosure: { src: 'ep1.mp3', title: 'Épisode 1 (MP3)' },
      body: 'Bonjour.\n',
    });
    project.article('launch', { title: 'Launch', description: 'The video', date: '2025-08-02', enclosure: { src: VIDEO, type: 'video/mp4', length: 12345678 }, body: 'Watch it.\n' });
    project.article('plain', { title: 'Plain', description: 'Nothing attached', date: '2025-08-01', body: 'Text.\n' });
    project.article('unsized', { title: 'Unsized', description: 'Length unknown', date: '2025-07-31', enclosure: { src: 'https://cdn.example.net/a/talk.ogg', type: 'audio/ogg' }, body: 'Listen.\n' });
    const files = renderFeeds(await project.site());
    rss = fileText(files, 'rss.xml');
    atom = fileText(files, 'atom.xml');
    jsonText = fileText(files, 'feed.json');
    json = JSON.parse(jsonText);
  });

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
