import { beforeAll, describe, expect, it } from 'vitest';
import { loadSite } from '../../src/content/load.js';
import type { Entry, Site } from '../../src/content/model.js';
import { renderFeeds } from '../../src/feeds/index.js';
import { AT_BASE, BASE, expectValidFeeds, fileText, xpathString, xpathStrings } from '../helpers/feeds.js';
import { CLOCK, exampleConfig, makeProject, PNG } from '../helpers/project.js';

/**
 * Text that breaks naive feed writers, through the whole pipeline (content
 * stage, then feeds) and straight into the feed functions with a Site made by
 * hand, whose strings were never cleaned or sanitised.
 */

const TITLE = 'Fish &amp; Chips <b>now</b>'; // a literal "&amp;", and markup that is text
const TAGS = ['R&D <lab>', 'a"quote'];
const AUTHOR = 'Ann <Editor> & Co';
// C0 controls, DEL and C1 controls (which XML allows but the W3C validator rejects), U+FFFE.
const ILLEGAL = /[\u0001\u007F\u0085\u009F\uFFFE]/;

interface Feeds {
  rss: string;
  atom: string;
  json: string;
}

function feedsOf(site: Site): Feeds {
  const files = renderFeeds(site);
  return { rss: fileText(files, 'rss.xml'), atom: fileText(files, 'atom.xml'), json: fileText(files, 'feed.json') };
}

async function expectValid(f: Feeds): Promise<void> {
  for (const text of [f.rss, f.atom, f.json]) expect(ILLEGAL.test(text)).toBe(false);
  const parsed = await expectValidFeeds(f);
  if (parsed) {
    const atomEntry = parsed['atom.xml']!.entries[0]!;
    expect(atomEntry.title).toBe(TITLE);
    expect(atomEntry.title_type).toBe('text/plain');
    expect(atomEntry.tags).toEqual(TAGS);
    expect(atomEntry.authors).toEqual([AUTHOR]);
    expect(parsed['rss.xml']!.entries[0]!.tags).toEqual(TAGS);
  }
}

/** Exact strings every format must carry, read back by an XML parser or JSON.parse. */
function expectText(f: Feeds, want: { summary: string; contentParts: string[]; links: string[] }): void {
  const json = JSON.parse(f.json).items[0];
  expect(xpathString(f.rss, '/rss/channel/item/title')).toBe(TITLE);
  expect(xpathString(f.atom, '/atom:feed/atom:entry/atom:title')).toBe(TITLE);
  expect(json.title).toBe(TITLE);

  expect(xpathStrings(f.rss, '/rss/channel/item/category')).toEqual(TAGS);
  expect(xpathStrings(f.atom, '/atom:feed/atom:entry/atom:category/@term')).toEqual(TAGS);
  expect(json.tags).toEqual(TAGS);

  expect(json.summary).toBe(want.summary);
  const summaryHtml = want.summary.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  expect(xpathString(f.rss, '/rss/channel/item/description')).toBe(summaryHtml);
  expect(xpathString(f.atom, '/atom:feed/atom:entry/atom:summary')).toBe(summaryHtml);

  const contents = [
    xpathString(f.rss, '/rss/channel/item/content:encoded'),
    xpathString(f.atom, '/atom:feed/atom:entry/atom:content'),
    json.content_html as string,
  ];
  for (const content of contents) {
    for (const part of want.contentParts) expect(content).toContain(part);
    expect(content).not.toMatch(/<script|alert\(|onerror|onclick/i);
    const urls = [...content.matchAll(/(?:href|src)="([^"]*)"/g)].map((m) => m[1]);
    expect(urls).toEqual(want.links);
  }
  for (const text of [f.rss, f.atom, f.json]) expect(text).not.toMatch(/<script|alert\(|onerror|onclick/i);
}

describe('a hostile article through the whole pipeline', () => {
  let site: Site;
  let feeds: Feeds;

  beforeAll(async () => {
    const body = [
      'one ]]> two ]]> three\u0001 and\uFFFE the\u0085 rest\u007F',
      '',
      '<script>alert(1)</script>',
      '',
      '<p><img src="pic.png" onerror="alert(2)"> <a href="../other/" onclick="steal()">a relative link</a></p>',
      '',
      '![a picture](images/x.png)',
      '',
      'A [Markdown link](sub/page.html "t") and a [fragment](#notes).',
      '',
    ].join('\n');
    // The relative images are local files, which must exist (content/local-files.ts).
    const project = makeProject({ articles: 'none', config: AT_BASE, files: { 'articles/pic.png': PNG, 'articles/images/x.png': PNG } });
    project.article('hostile', {
      title: 'Fish\u0001 &amp; Chips\u009F <b>now</b>',
      description: 'Stand ]]> first ]]> with <b> & \uFFFEend\u007F',
      date: '2025-08-30T10:00:00Z',
      tags: TAGS,
      frontMatter: `author: ${JSON.stringify(AUTHOR)}\nslug: hostile`,
      body,
    });
    site = await loadSite(await project.loadConfig(), CLOCK);
    feeds = feedsOf(site);
  });

  it('the content stage reports the characters it removed', () => {
    expect(site.warnings.map((w) => w.field)).toEqual(['title', 'description', 'body']);
  });

  it('all three feeds stay valid', async () => {
    await expectValid(feeds);
  });

  it('scripts and event handlers are gone, links absolute, the text otherwise kept', () => {
    const base = `${BASE}hostile/`;
    expectText(feeds, {
      summary: 'Stand ]]> first ]]> with <b> & end',
      contentParts: ['<p>one ]]&gt; two ]]&gt; three and the rest</p>', '>a relative link</a>', 'A <a href', '>Markdown link</a> and a <a href'],
      links: [`${base}pic.png`, `${BASE}other/`, `${base}images/x.png`, `${base}sub/page.html`, `${base}#notes`],
    });
  });
});

describe('a hostile Site made by hand, straight into the feed functions', () => {
  let feeds: Feeds;
  let site: Site;

  beforeAll(async () => {
    const config = await exampleConfig();
    const entry: Entry = {
      kind: 'article',
      file: 'articles/hostile.md',
      slug: 'hostile',
      id: 'tag:news.example.com,2025:hostile',
      url: 'hostile/', // relative: `feed` would throw on it
      title: 'Fish\u0001 &amp; Chips\uFFFE\u0085 <b>now</b>',
      description: 'Stand ]]> first ]]> with <b> & \u0001end\u007F',
      date: new Date('2025-08-30T10:00:00Z'),
      authors: [{ name: 'Ann <Editor>\u0001 & Co' }],
      tags: ['R&D <lab>\uFFFE', 'a"quote'],
      image: { url: 'images/pic.jpg', alt: 'A "pic" <alt> &\u0001', type: 'image/png', length: 78 },
      html: '<p>one ]]> two ]]> three\u0001</p><script>alert(1)</script><p><img src="pic.png" onerror="alert(2)"><a href="../other/" onclick="steal()">rel</a><!-- ]]> --></p>',
      files: [],
      related: [],
    };
    site = { config, entries: [entry], bySlug: new Map([[entry.slug, entry]]), warnings: [], unpublished: [] };
    feeds = feedsOf(site);
  });

  it('all three feeds stay valid', async () => {
    await expectValid(feeds);
  });

  it('scripts, handlers and comments are gone, links absolute, the text otherwise kept', () => {
    expectText(feeds, {
      summary: 'Stand ]]> first ]]> with <b> & end',
      // The body opens with the standfirst and the lead image (feeds.content.prepend), escaped like the rest.
      contentParts: [
        '<p><em>Stand ]]&gt; first ]]&gt; with &lt;b&gt; &amp; end</em></p>\n<figure><img src="https://news.example.com/hostile/images/pic.jpg" alt="A &quot;pic&quot; &lt;alt&gt; &amp;"></figure>\n<p>one',
        '<p>one ]]&gt; two ]]&gt; three</p>',
        '>rel</a>',
      ],
      links: ['https://news.example.com/hostile/images/pic.jpg', 'https://news.example.com/hostile/pic.png', 'https://news.example.com/other/'],
    });
    expect(xpathString(feeds.atom, '/atom:feed/atom:entry/atom:content')).not.toContain('<!--');
  });

  it('a non-URL id is kept as the guid (isPermaLink false) and the Atom id; the relative URL becomes absolute', () => {
    expect(xpathString(feeds.rss, '/rss/channel/item/guid')).toBe('tag:news.example.com,2025:hostile');
    expect(xpathString(feeds.rss, '/rss/channel/item/guid/@isPermaLink')).toBe('false');
    expect(xpathString(feeds.rss, '/rss/channel/item/link')).toBe('https://news.example.com/hostile/');
    expect(xpathString(feeds.atom, '/atom:feed/atom:entry/atom:id')).toBe('tag:news.example.com,2025:hostile');
    expect(JSON.parse(feeds.json).items[0].id).toBe('tag:news.example.com,2025:hostile');
  });

  it('image: declared type and length, never guessed from the ".jpg" name; alt text escaped in attributes', () => {
    const img = 'https://news.example.com/hostile/images/pic.jpg';
    expect(xpathString(feeds.rss, '/rss/channel/item/enclosure/@type')).toBe('image/png');
    expect(xpathString(feeds.rss, '/rss/channel/item/enclosure/@length')).toBe('78');
    expect(xpathString(feeds.rss, '/rss/channel/item/media:content/@url')).toBe(img);
    expect(xpathString(feeds.rss, '/rss/channel/item/media:content/media:description')).toBe('A "pic" <alt> &');
    expect(xpathString(feeds.atom, "/atom:feed/atom:entry/atom:link[@rel='enclosure']/@type")).toBe('image/png');
    expect(xpathString(feeds.atom, "/atom:feed/atom:entry/atom:link[@rel='enclosure']/@title")).toBe('A "pic" <alt> &');
    expect(JSON.parse(feeds.json).items[0].image).toBe(img);
  });

  it('an invalid date is a content error naming the file and field, not a crash in the writer', () => {
    const bad = { ...site.entries[0]!, date: new Date('nope') };
    expect(() => renderFeeds({ ...site, entries: [bad] })).toThrow(expect.objectContaining({ code: 'CONTENT_INVALID', problems: [{ file: 'articles/hostile.md', field: 'date', message: 'is not a valid date' }] }));
  });
});
