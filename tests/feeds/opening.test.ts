import { parseFeed as feedsmithParse } from 'feedsmith';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { loadSite } from '../../src/content/load.js';
import type { Site } from '../../src/content/model.js';
import { opening } from '../../src/content/opening.js';
import { renderDigest } from '../../src/email/digest.js';
import { digestView } from '../../src/email/view.js';
import { isBroadsheetError } from '../../src/errors.js';
import { renderFeeds } from '../../src/feeds/index.js';
import { AT_BASE, BASE, feedparser, fileText } from '../helpers/feeds.js';
import { CLOCK, makeProject, PNG } from '../helpers/project.js';

/**
 * Most readers show only an entry's content: the standfirst and the lead
 * image (alt text, caption) open it in every format, as they open the lead
 * story of the digest, both taken from content/opening.ts.
 */

// Published beside each article's page (content/local-files.ts): lead.md is at <site>/lead/, teaser.md at <site>/teaser/.
const IMAGE = `${BASE}lead/images/harbour.png`;
const TEASER_IMAGE = `${BASE}teaser/images/harbour.png`;
const STANDFIRST = 'Cranes & ships: the port reopens <today>';
const ALT = 'The harbour at dawn, "cranes" & all';
const CAPTION = 'Photo: Port Authority & friends';

let site: Site;

beforeAll(async () => {
  const project = makeProject({ articles: 'none', config: AT_BASE, files: { 'articles/images/harbour.png': PNG } });
  project.article('lead', { title: 'The port reopens', description: STANDFIRST, date: '2025-08-03T10:00:00Z', image: { src: 'images/harbour.png', alt: ALT, caption: CAPTION }, body: 'The first paragraph of the story.\n\nThe second.\n' });
  // The writer opened the body with the standfirst itself: it is not said twice.
  project.article('said', { title: 'Said once', description: 'Already  the first   paragraph.', date: '2025-08-02T10:00:00Z', body: 'Already the *first* paragraph.\n\nMore.\n' });
  project.article('teaser', { title: 'A teaser', description: 'Only a summary', date: '2025-08-01T10:00:00Z', image: { src: 'images/harbour.png', alt: 'Small' }, body: '' });
  site = await loadSite(await project.loadConfig(), CLOCK);
});

const withPrepend = (prepend: ('standfirst' | 'image')[]): Site => ({
  ...site,
  config: { ...site.config, feeds: { ...site.config.feeds, content: { prepend } } },
});

describe('the opening of an entry', () => {
  it('is the standfirst and the lead image with alt text and caption; none of what the body already starts with; no standfirst for a teaser', () => {
    const [lead, said, teaser] = site.entries;
    expect(opening(lead!)).toEqual({ standfirst: STANDFIRST, image: { url: IMAGE, alt: ALT, caption: CAPTION } });
    expect(opening(said!)).toEqual({});
    expect(opening(teaser!)).toEqual({ image: { url: TEASER_IMAGE, alt: 'Small' } });
    // Markup, entities and spacing do not count; every character does.
    const text = (description: string, html: string) => opening({ ...said!, description, html }).standfirst;
    expect(text('Fish & chips\n', '<p>Fish &amp; <em>chips</em></p>\n<p>More.</p>')).toBeUndefined();
    expect(text('Fish & chip', '<p>Fish &amp; <em>chips</em></p>')).toBe('Fish & chip');
    expect(text('Fish & chips, more', '<p>Fish &amp; <em>chips</em></p>')).toBe('Fish & chips, more');
    expect(text('Fish', '<h2>Fish</h2>\n<p>Chips</p>')).toBe('Fish');
    // A body that starts with the lead image itself does not get it twice.
    expect(opening({ ...lead!, html: `<p><img src="${IMAGE}" alt="x"></p>\n${lead!.html}` })).toEqual({ standfirst: STANDFIRST });
  });
});

describe('feeds: the standfirst and the lead image open the content (feeds.content.prepend)', () => {
  const OPENING =
    '<p><em>Cranes &amp; ships: the port reopens &lt;today&gt;</em></p>\n' +
    `<figure><img src="${IMAGE}" alt="The harbour at dawn, &quot;cranes&quot; &amp; all"><figcaption>Photo: Port Authority &amp; friends</figcaption></figure>\n` +
    '<p>The first paragraph of the story.</p>';

  it('feedparser finds them at the top of the lead article in RSS and Atom', async () => {
    const files = renderFeeds(site);
    const parsed = await feedparser({ 'rss.xml': fileText(files, 'rss.xml'), 'atom.xml': fileText(files, 'atom.xml') });
    if (!parsed) return;
    for (const [name, feed] of Object.entries(parsed)) {
      expect(feed.bozo, `${name}: ${feed.bozo_exception}`).toBe(0);
      const [lead, said] = feed.entries;
      // feedparser's sanitiser writes an image's attributes sorted and closes the tag.
      expect(lead!.content[0], name).toMatch(
        new RegExp(
          `^<p><em>Cranes &amp; ships: the port reopens &lt;today&gt;</em></p>\\n<figure><img alt="The harbour at dawn, &quot;cranes&quot; &amp; all" src="${IMAGE}" /><figcaption>Photo: Port Authority &amp; friends</figcaption></figure>\\n<p>The first paragraph of the story\\.</p>`,
        ),
      );
      expect(lead!.enclosures.map((e) => e.href)).toEqual([IMAGE]);
      expect(said!.content[0], name).toMatch(/^<p>Already the <em>first<\/em> paragraph\.<\/p>/);
    }
  });

  it('JSON Feed carries the same content_html (feedsmith; Debian feedparser 6.0 reads no JSON Feed)', () => {
    const files = renderFeeds(site);
    const json = fileText(files, 'feed.json');
    const { feed } = feedsmithParse(json) as { feed: { items: { content_html: string }[] } };
    expect(feed.items[0]!.content_html.startsWith(OPENING)).toBe(true);
    expect(feed.items[2]!.content_html).toBe(`<figure><img src="${TEASER_IMAGE}" alt="Small"></figure>\n<p>Only a summary</p>\n<p><a href="${BASE}teaser/">Read more</a></p>`);
    // All three formats carry the same bytes.
    const atom = fileText(files, 'atom.xml');
    const rss = fileText(files, 'rss.xml');
    const cdata = (xml: string) => xml.slice(xml.indexOf('<![CDATA[<p><em>') + 9, xml.indexOf(']]>', xml.indexOf('<![CDATA[<p><em>')));
    expect(cdata(atom)).toBe(JSON.parse(json).items[0].content_html);
    expect(cdata(rss)).toBe(JSON.parse(json).items[0].content_html);
  });

  it('follows feeds.content.prepend: the parts it names, in its order, or none', () => {
    const content = (s: Site) => JSON.parse(fileText(renderFeeds(s), 'feed.json')).items[0].content_html as string;
    const figure = OPENING.split('\n')[1]!;
    const standfirst = OPENING.split('\n')[0]!;
    expect(content(withPrepend(['image']))).toBe(`${figure}\n${site.entries[0]!.html}`);
    expect(content(withPrepend(['image', 'standfirst']))).toBe(`${figure}\n${standfirst}\n${site.entries[0]!.html}`);
    expect(content(withPrepend([]))).toBe(site.entries[0]!.html);
  });

  it('refuses a part it does not know, or named twice', async () => {
    for (const [prepend, problem] of [
      ['[standfirst, standfirst]', 'feeds.content.prepend: must not name a part twice'],
      ['[standfirst, caption]', 'feeds.content.prepend[1]: must be "standfirst" or "image"'],
    ] as const) {
      const project = makeProject({ articles: 'none', config: AT_BASE });
      const text = project.read('broadsheet.config.yaml').replace(/^feeds:\n/m, `feeds:\n  content:\n    prepend: ${prepend}\n`);
      project.write('broadsheet.config.yaml', text);
      const line = text.split('\n').findIndex((l) => l.includes('prepend:')) + 1;
      const error = await loadConfig(project.configFile).catch((e: unknown) => e);
      expect(isBroadsheetError(error) ? error.problems.map((p) => `${p.line}: ${p.field}: ${p.message}`) : error).toEqual([`${line}: ${problem}`]);
    }
  });
});

describe('the digest takes its lead from the same opening', () => {
  it('shows the standfirst, the image with its alt text and its caption', async () => {
    const content = { number: 1, lead: site.entries[0]!, cards: [], alsoNew: [] };
    const view = digestView(site.config, content);
    expect(view.lead.standfirst).toBe(STANDFIRST);
    expect(view.lead.image).toEqual({ url: IMAGE, alt: ALT, caption: CAPTION });
    const digest = await renderDigest(site.config, content);
    expect(digest.html).toContain('Photo: Port Authority &amp; friends');
    expect(digest.html).toContain('Cranes &amp; ships: the port reopens &lt;today&gt;');
    expect(digest.html).toMatch(/<img\s+alt="The harbour at dawn, &quot;cranes&quot; &amp; all"[^>]* src="https:\/\/test\.example\.org\/news\/lead\/images\/harbour\.png"/);
    expect(digest.text).toContain('Cranes & ships: the port reopens <today>');
  });

  it('and leaves out a standfirst the body already starts with', async () => {
    const content = { number: 1, lead: site.entries[1]!, cards: [], alsoNew: [] };
    expect(digestView(site.config, content).lead).toMatchObject({ standfirst: null, image: null, description: 'Already  the first   paragraph.' });
    const digest = await renderDigest(site.config, content);
    expect(digest.html).not.toContain('bs-standfirst');
    expect(digest.text.match(/Already the first paragraph\./g)).toHaveLength(1);
  });
});
