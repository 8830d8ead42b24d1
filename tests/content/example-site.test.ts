import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { leadStory } from '../../src/content/model.js';
import { exampleSite, REPO } from '../helpers/project.js';

const site = await exampleSite();
const seed = readFileSync(path.join(REPO, 'tests/fixtures/seed-article.txt'), 'utf8').split('\n').filter((l) => l.trim() !== '');

describe('the example site', () => {
  it('has one lead article and six teasers, newest first', () => {
    expect(site.entries.map((e) => [e.kind, e.slug])).toEqual([
      ['article', 'pentagon-ends-microsoft-china-based-support'],
      ['teaser', 'from-chip-war-to-cloud-war'],
      ['teaser', 'high-stakes-of-tech-regulation'],
      ['teaser', 'tyranny-of-instagram-interiors'],
      ['teaser', 'data-crunch-in-ai'],
      ['teaser', 'google-abandons-cookie-removal'],
      ['teaser', 'linkedin-ai-gamification'],
    ]);
    expect(site.warnings).toEqual([]);
  });

  it('keeps the seed story faithfully: title, standfirst, every paragraph, the list, the closing mark', () => {
    const { lead, related } = leadStory(site)!;
    expect(lead.title).toBe(seed[0]);
    expect(lead.description).toBe(seed[1]);
    expect(lead.url).toBe('https://news.example.com/2025/08/pentagon-ends-microsoft-china-based-support/');
    expect(lead.id).toBe(lead.url);
    expect(lead.date.toISOString()).toBe('2025-08-29T14:30:00.000Z');
    expect(lead.authors).toEqual([{ name: 'Broadsheet Newsroom', email: 'newsroom@news.example.com' }]);
    // Body paragraphs: everything between the standfirst and the teasers.
    const bodyLines = seed.slice(2, seed.length - 12);
    const text = lead.html.replace(/<[^>]+>/g, '').replace(/&quot;/g, '"').replace(/&amp;/g, '&').replace(/&#39;/g, "'");
    for (const line of bodyLines) expect(text).toContain(line.replace(/^- /, ''));
    expect(lead.html.match(/<p>/g)).toHaveLength(bodyLines.filter((l) => !l.startsWith('- ')).length - 1);
    expect(lead.html.match(/<li>/g)).toHaveLength(4);
    expect(lead.html).toContain('<h2>How many more straws can this camel handle?</h2>');
    expect(lead.html.trimEnd().endsWith('publication time. ®</p>')).toBe(true);
    expect(related.map((r) => r.slug)).toEqual(site.entries.slice(1).map((e) => e.slug));
  });

  it('turns each teaser into a title and summary, "Read more" being a link rather than text', () => {
    const teaserLines = seed.slice(seed.length - 12);
    const teasers = site.entries.filter((e) => e.kind === 'teaser');
    teasers.forEach((t, i) => {
      expect(t.title).toBe(teaserLines[2 * i]);
      expect(`${t.description} Read more`).toBe(teaserLines[2 * i + 1]);
      expect(t.html).toBe('');
      expect(t.url).toMatch(/^https:\/\/news\.example\.com\/2025\/08\/[a-z0-9-]+\/$/);
    });
  });
});
