import { load } from 'cheerio';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadSite } from '../../src/content/load.js';
import { personalize, renderDigest } from '../../src/email/digest.js';
import { firstIssueContent } from '../helpers/digest.js';
import { CLOCK, makeProject } from '../helpers/project.js';

/**
 * A lead story written in GitHub Flavored Markdown. The digest carries the
 * lead's opening paragraphs (digest.leadParagraphs), so what a paragraph
 * holds (struck text, footnote references) must come through MJML intact and
 * point to the article; a table, a task list and the notes are not paragraphs
 * and stay in the feeds.
 */

const BODY = [
  'Prices fell ~~sharply~~ slightly[^q] in the quarter.',
  '',
  '| Quarter | Revenue |',
  '| :-- | --: |',
  '| Q1 | 899 |',
  '',
  '- [x] filed',
  '',
  'The filing is at www.example.org/filing.',
  '',
  '[^q]: Revised on Monday.',
  '',
].join('\n');

const URL = 'https://news.example.com/2025/09/gfm-lead/';

describe('a GFM lead story in the digest', () => {
  let html: string;
  let text: string;

  beforeAll(async () => {
    const project = makeProject();
    project.article('gfm-lead', { title: 'GFM lead', description: 'Tables and notes', date: '2025-09-01T06:00:00Z', frontMatter: 'slug: gfm-lead', body: BODY });
    const config = await project.loadConfig();
    const content = firstIssueContent(await loadSite(config, CLOCK));
    expect(content.lead.slug).toBe('gfm-lead');
    ({ html, text } = personalize(await renderDigest(config, content))({ email: 'reader@example.org', unsubscribeUrl: 'https://news.example.com/u/', viewUrl: 'https://news.example.com/' }));
  });

  it('HTML: struck text and a footnote reference linking to the note on the article', () => {
    const $ = load(html);
    const paragraphs = $('.bs-lead-body p');
    expect(paragraphs).toHaveLength(2);
    expect(paragraphs.eq(0).find('del').text()).toBe('sharply');
    expect(paragraphs.eq(0).find('sup a').attr('href')).toBe(`${URL}#fn-gfm-lead:1`);
    expect(paragraphs.eq(0).text()).toBe('Prices fell sharply slightly1 in the quarter.');
    expect(paragraphs.eq(1).find('a').attr('href')).toBe('http://www.example.org/filing');
    expect($('table.bs-lead-body, .bs-lead-body table, .bs-lead-body input, .bs-lead-body section')).toHaveLength(0);
  });

  it('text: the same paragraphs, links written out', () => {
    // The text version wraps lines.
    expect(text).toContain(`Prices fell sharply slightly1\n(${URL}#fn-gfm-lead:1) in the\nquarter.`);
    expect(text).toContain('The filing is at www.example.org/filing (http://www.example.org/filing).');
    expect(text).not.toContain('Q1');
  });
});
