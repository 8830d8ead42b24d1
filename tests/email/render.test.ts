import { load } from 'cheerio';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadSite } from '../../src/content/load.js';
import type { Entry } from '../../src/content/model.js';
import { personalize, renderDigest, type DigestContent, type RenderedDigest } from '../../src/email/digest.js';
import { firstIssueContent } from '../helpers/digest.js';
import { CLOCK, exampleConfig, exampleSite, makeProject } from '../helpers/project.js';

const LEAD_SLUG = 'pentagon-ends-microsoft-china-based-support';
const neutral = { email: 'reader@example.org', unsubscribeUrl: 'https://news.example.com/unsubscribe/', viewUrl: 'https://news.example.com/' };

function hrefs($: ReturnType<typeof load>, selector: string): string[] {
  return $(selector)
    .map((_, el) => $(el).attr('href'))
    .get();
}

describe('the digest of the example site', () => {
  let content: DigestContent;
  let digest: RenderedDigest;
  let html: string;
  let text: string;
  let $: ReturnType<typeof load>;

  beforeAll(async () => {
    const config = await exampleConfig((c) => {
      c.digest.preheader = 'Inside today: {{cards.length}} more stories';
    });
    content = firstIssueContent(await exampleSite(config));
    digest = await renderDigest(config, content);
    ({ html, text } = personalize(digest)(neutral));
    $ = load(html);
  });

  it('leads with the newest article and carries its six teasers in order', () => {
    expect(content.lead.slug).toBe(LEAD_SLUG);
    expect(content.cards.map((c) => c.slug)).toEqual([
      'from-chip-war-to-cloud-war',
      'high-stakes-of-tech-regulation',
      'tyranny-of-instagram-interiors',
      'data-crunch-in-ai',
      'google-abandons-cookie-removal',
      'linkedin-ai-gamification',
    ]);
  });

  it('shows the lead title, standfirst, exactly three opening paragraphs and a Read more button', () => {
    expect($('h1').text()).toBe("Pentagon Ends Microsoft's Use Of China-based Support Staff For DoD Cloud");
    expect($('h1 a').attr('href')).toBe('https://news.example.com/2025/08/pentagon-ends-microsoft-china-based-support/');
    expect($('.bs-standfirst').text().trim()).toBe(content.lead.description);
    const paragraphs = $('.bs-lead-body p');
    expect(paragraphs).toHaveLength(3);
    expect(paragraphs.eq(0).text()).toMatch(/^Defense secretary Pete Hegseth announced the change in policy Thursday\./);
    expect(paragraphs.eq(1).text()).toMatch(/^"It blows my mind/);
    expect(paragraphs.eq(2).text()).toMatch(/^ProPublica first reported in July/);
    expect(html).not.toContain('As is likely obvious');
    expect($('.bs-button a').text().trim()).toBe('Read more');
    expect($('.bs-button a').attr('href')).toBe(content.lead.url);
  });

  it('shows each teaser as a card with its title, summary and a Read more link to it', () => {
    const cards = $('.bs-card');
    expect(cards).toHaveLength(6);
    cards.each((i, card) => {
      const teaser = content.cards[i]!;
      expect($(card).find('h3').text()).toBe(teaser.title);
      expect($(card).find('h3 a').attr('href')).toBe(teaser.url);
      expect($(card).find('p').first().text()).toBe(teaser.description);
      expect($(card).find('a.bs-more').text()).toBe('Read more');
      expect($(card).find('a.bs-more').attr('href')).toBe(teaser.url);
    });
  });

  it('links the three feeds, the browser view and the unsubscribe page', () => {
    const links = hrefs($, 'a');
    for (const feed of ['rss.xml', 'atom.xml', 'feed.json']) expect(links).toContain(`https://news.example.com/${feed}`);
    expect($('a:contains("View this issue in your browser")').attr('href')).toBe(neutral.viewUrl);
    expect($('a:contains("Unsubscribe")').attr('href')).toBe(neutral.unsubscribeUrl);
  });

  it('declares light and dark colour schemes and styles dark mode', () => {
    expect($('meta[name="color-scheme"]').attr('content')).toBe('light dark');
    expect($('meta[name="supported-color-schemes"]').attr('content')).toBe('light dark');
    expect($('style').text()).toMatch(/@media \(prefers-color-scheme: dark\) \{[^@]*\.bs-paper/);
    expect($('html').attr('lang')).toBe('en');
    expect(html).toContain('<!--[if mso | IE]>');
  });

  it('has a hidden preheader in the HTML that the text part leaves out', () => {
    expect(digest.preheader).toBe('Inside today: 6 more stories');
    const hidden = $('body div').filter((_, el) => /display:none/.test($(el).attr('style') ?? ''));
    // The preheader, then blank padding that keeps the body's first words out of the inbox preview.
    expect(hidden.first().text()).toMatch(/^Inside today: 6 more stories[\u2007\u034f]+$/);
    expect(text).not.toContain('Inside today');
    expect($('title').text()).toBe(digest.subject);
  });

  it('renders the subject from config.digest.subject', () => {
    expect(digest.subject).toBe("The Broadsheet: Pentagon Ends Microsoft's Use Of China-based Support Staff For DoD Cloud");
  });

  it('writes every link of the HTML out as a URL in the text part', () => {
    const links = [...new Set(hrefs($, 'a'))];
    expect(links.length).toBeGreaterThanOrEqual(12);
    for (const link of links) expect(text).toContain(link);
  });

  it('gives the text part headings, the same paragraphs and no markup', () => {
    expect(text).toMatch(/^The Broadsheet\n={14}\n/);
    expect(text).toContain("Pentagon Ends Microsoft's Use Of China-based Support Staff For DoD Cloud\n" + '-'.repeat(72) + '\n');
    expect(text).toContain('Defense secretary Pete Hegseth announced the change in policy Thursday.');
    expect(text).toContain('ProPublica first reported in July Microsoft');
    expect(text).not.toContain('As is likely obvious');
    expect(text).toContain(`Read more: ${content.lead.url}`);
    for (const card of content.cards) expect(text).toContain(`Read more: ${card.url}`);
    expect(text).not.toMatch(/<\/?[a-z]+[ >]/);
    expect(text).not.toMatch(/&(amp|lt|gt|quot|#x?[0-9a-f]+);/i);
    for (const line of text.split('\n')) if (!/https?:\/\//.test(line)) expect(line.length).toBeLessThanOrEqual(72);
  });
});

describe('digest.leadParagraphs', () => {
  it('sets how many opening paragraphs the lead shows', async () => {
    const config = await exampleConfig((c) => {
      c.digest.leadParagraphs = 2;
      c.digest.maxTeasers = 4;
    });
    const content = firstIssueContent(await exampleSite(config));
    const { html, text } = personalize(await renderDigest(config, content))(neutral);
    const $ = load(html);
    expect($('.bs-lead-body p')).toHaveLength(2);
    expect($('.bs-card')).toHaveLength(4);
    expect(text).not.toContain('ProPublica first reported');
  });
});

describe('escaping', () => {
  const title = `Q&A: <b>bold</b> "double" 'single' {{recipient.email}} \\{{x}} {{{y}}} }}`;
  let lead: Entry;
  let html: string;
  let text: string;
  let digest: RenderedDigest;

  beforeAll(async () => {
    const project = makeProject();
    project.article('2025-09-01-hostile', {
      title: title + '\r\nBcc: evil@example.net',
      description: 'Literal &amp; stays, <i>tags</i> too {{lb}}',
      date: '2025-09-01T06:00:00Z',
      related: ['data-crunch-in-ai'],
      body: [
        'First with [a relative link](/docs/?a=1&b=2) and <script>alert(1)</script> code.',
        '',
        // Markdown turns `\\{{` into `\{{`: the body then holds a Handlebars escape sequence.
        'Second mentions {{recipient.unsubscribeUrl}} and \\\\{{ and a brace { at the end \\',
        '',
        'Third <img src="/x.png" onerror="alert(1)" alt="A chart"> here.',
      ].join('\n'),
    });
    const config = await project.loadConfig();
    const site = await loadSite(config, CLOCK);
    const content = firstIssueContent(site);
    lead = content.lead;
    digest = await renderDigest(config, content);
    ({ html, text } = personalize(digest)({ ...neutral, email: 'victim@example.org' }));
  });

  it('keeps titles exactly, escaped in the HTML and literal in the text', () => {
    const $ = load(html);
    expect(lead.slug).toBe('hostile');
    // An HTML parser reads CR LF as LF.
    expect($('h1').text()).toBe(lead.title.replace(/\r\n/g, '\n'));
    expect($('h1 b')).toHaveLength(0);
    expect($('.bs-standfirst').text().trim()).toBe('Literal &amp; stays, <i>tags</i> too {{lb}}');
    expect(text).toContain('Literal &amp; stays, <i>tags</i> too {{lb}}');
    expect(text.replace(/\s+/g, ' ')).toContain(lead.title.replace(/\s+/g, ' '));
  });

  it('never treats article text as a recipient placeholder', () => {
    expect(html).not.toContain('victim@example.org');
    expect(text).not.toContain('victim@example.org');
    expect(load(html)('.bs-lead-body p').eq(1).text()).toBe('Second mentions {{recipient.unsubscribeUrl}} and \\{{ and a brace { at the end \\');
    expect(text.replace(/\s+/g, ' ')).toContain('Second mentions {{recipient.unsubscribeUrl}} and \\{{ and a brace { at the end \\');
  });

  it('writes body links out in the text and keeps the sanitiser’s work in the HTML', () => {
    expect(text).toContain('a relative link (https://news.example.com/docs/?a=1&b=2)');
    expect(text).toContain('[A chart]');
    expect(html).not.toMatch(/<script|onerror/i);
  });

  it('puts the subject on one line', () => {
    expect(digest.subject).toBe(`The Broadsheet: ${title} Bcc: evil@example.net`);
  });
});
