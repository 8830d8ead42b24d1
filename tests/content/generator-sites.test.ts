import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/clock.js';
import { loadConfig } from '../../src/config/load.js';
import { loadSite } from '../../src/content/load.js';
import type { Site } from '../../src/content/model.js';
import { runCli } from '../helpers/cli.js';
import { atomRelaxNgErrors, atomSchematronErrors, feedparser, jsonFeedErrors, SCHEMAS, xmllint } from '../helpers/feeds.js';
import { REPO, tempDir } from '../helpers/project.js';

/**
 * Sample sites whose posts are written as each generator's own starter
 * writes them (tests/fixtures/sites): Hugo's theme skeleton and `hugo new`
 * (TOML, JSON, a page bundle, `_index.md`, shortcodes), Jekyll's `jekyll new`
 * post and test posts (Jekyll dates, categories, Liquid tags, file-name
 * dates, `published: false`), Eleventy's base blog (string tags, `---js`, an
 * image beside its post). Each builds without an edit, and its feeds are
 * valid for xmllint, the Atom schemas, the JSON Feed schema and feedparser.
 */

const SITES = path.join(REPO, 'tests/fixtures/sites');
const clock = fixedClock('2026-01-01T00:00:00Z');
const load = async (name: string): Promise<Site> => loadSite(await loadConfig(path.join(SITES, name, 'broadsheet.config.yaml')), clock);
const summary = (site: Site) => site.entries.map((e) => [e.slug, e.date.toISOString(), e.url, e.tags]);

async function feedFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string) => {
    for (const item of await readdir(d, { withFileTypes: true })) {
      const full = path.join(d, item.name);
      if (item.isDirectory()) await walk(full);
      else if (/^(rss|atom)\.xml$|^feed\.json$|^\d+\.xml$/.test(item.name)) out.push(path.relative(dir, full));
    }
  };
  await walk(dir);
  return out.sort();
}

describe.each(['hugo', 'jekyll', 'eleventy'])('the %s sample site', (name) => {
  let out: string;
  let stderr: string;
  beforeAll(async () => {
    out = tempDir();
    const r = await runCli(['build', '--config', path.join(SITES, name, 'broadsheet.config.yaml'), '--out', out], { cwd: REPO });
    expect(r.code, r.stderr).toBe(0);
    stderr = r.stderr;
  });

  it('builds without an edit, and every feed is valid', async () => {
    expect(stderr).not.toMatch(/^error/m);
    const files = await feedFiles(out);
    expect(files).toEqual(expect.arrayContaining(['rss.xml', 'atom.xml', 'feed.json']));
    const texts = Object.fromEntries(await Promise.all(files.map(async (f) => [f, await readFile(path.join(out, f), 'utf8')] as const)));
    const xml = Object.fromEntries(Object.entries(texts).filter(([f]) => f.endsWith('.xml')));
    const atoms = Object.entries(xml).filter(([f]) => !f.endsWith('rss.xml'));
    for (const [f, text] of atoms) {
      expect(await atomRelaxNgErrors(text), f).toEqual([]);
      expect(atomSchematronErrors(text), f).toEqual([]);
    }
    for (const [f, text] of Object.entries(texts).filter(([f]) => f.endsWith('.json'))) expect(await jsonFeedErrors(text), f).toEqual([]);
    const lint = await xmllint(['--noout'], xml);
    if (lint) expect(lint).toEqual({ status: 0, stderr: '' });
    const rng = await xmllint(['--noout', '--relaxng', path.join(SCHEMAS, 'atom.rng')], Object.fromEntries(atoms));
    if (rng) expect(rng.status, rng.stderr).toBe(0);
    const parsed = await feedparser(xml);
    if (parsed) for (const [f, p] of Object.entries(parsed)) expect(p.bozo, `${f}: ${p.bozo_exception}`).toBe(0);
  });
});

describe('what each sample site publishes', () => {
  it('Hugo: TOML, JSON and YAML front matter, the page bundle’s slug and image, a file-name date; _index.md and the draft left out', async () => {
    const site = await load('hugo');
    expect(summary(site)).toEqual([
      ['shortcodes', '2023-05-01T06:00:00.000Z', 'https://example.org/posts/shortcodes/', ['blue']],
      ['json-front-matter', '2023-04-10T15:00:00.000Z', 'https://example.org/posts/json-front-matter/', ['json', 'formats']],
      ['post-3', '2023-03-15T18:00:00.000Z', 'https://example.org/posts/post-3/', ['red', 'green', 'blue']],
      ['post-2', '2023-02-15T17:00:00.000Z', 'https://example.org/posts/post-2/', ['red', 'green']],
      ['post-1', '2023-01-15T16:00:00.000Z', 'https://example.org/posts/post-1/', ['red']],
    ]);
    expect(site.unpublished).toEqual([{ slug: 'my-first-post', file: 'content/posts/my-first-post.md', reason: 'draft' }]);
    const json = site.bySlug.get('json-front-matter')!;
    expect(json.description).toBe('Hugo reads JSON front matter as well as TOML and YAML.');
    expect(json.updated?.toISOString()).toBe('2023-04-12T16:30:00.000Z');
    const bundle = site.bySlug.get('post-3')!;
    expect(bundle.description).toMatch(/^Occaecat aliqua consequat laborum .{100,}…$/);
    expect(bundle.files).toEqual([{ file: path.join(SITES, 'hugo/content/posts/post-3/bryce-canyon.jpg'), outputPath: 'posts/post-3/bryce-canyon.jpg' }]);
    expect(site.warnings.map((w) => `${w.file}:${w.line ?? '-'}: ${w.message.slice(0, 40)}`)).toEqual([
      'content/posts/2023-05-01-shortcodes.md:9: {{< youtube 0RKpf3rK57I >}} is a Hugo sh',
      'content/posts/2023-05-01-shortcodes.md:11: {{% notice info %}} is a Hugo shortcode,',
      'content/posts/2023-05-01-shortcodes.md:13: {{% /notice %}} is a Hugo shortcode, whi',
      'content:-: ignored 2 front-matter field(s) broadshe',
    ]);
  });

  it('Jekyll: its date format, categories, excerpt, permalink, a date from the file name; published: false left out', async () => {
    const site = await load('jekyll');
    expect(summary(site)).toEqual([
      ['date-from-the-file-name', '2024-03-19T23:00:00.000Z', 'https://example.com/blog/2024/03/20/date-from-the-file-name.html', []],
      ['time-override', '2024-03-05T12:07:09.000Z', 'https://example.com/blog/2024/03/05/time-override.html', []],
      ['custom-excerpt', '2024-02-09T23:00:00.000Z', 'https://example.com/blog/recipes/custom-excerpt/', ['food', 'cooking']],
      ['welcome-to-jekyll', '2024-01-02T09:00:00.000Z', 'https://example.com/blog/2024/01/02/welcome-to-jekyll.html', ['jekyll', 'update']],
    ]);
    expect(site.unpublished).toEqual([{ slug: 'not-published', file: '_posts/2024-04-01-not-published.markdown', reason: 'draft' }]);
    expect(site.bySlug.get('custom-excerpt')!.description).toBe('I can set a custom excerpt');
    expect(site.bySlug.get('custom-excerpt')!.image).toEqual({ url: 'https://example.com/assets/pie.png', alt: 'A pie on a window sill' });
    expect(site.bySlug.get('welcome-to-jekyll')!.description).toBe(
      'You’ll find this post in your _posts directory. Go ahead and edit it and re-build the site to see your changes. You can rebuild the site in many different ways, but the most common way is to run…',
    );
    expect(site.warnings.map((w) => `${w.file}:${w.line ?? '-'}: ${w.message}`)).toEqual([
      '_posts/2024-01-02-welcome-to-jekyll.markdown:17: {% highlight ruby %} is a Liquid or Nunjucks tag, which broadsheet does not run: it is published as text; write the Markdown or HTML it stands for',
      '_posts/2024-01-02-welcome-to-jekyll.markdown:23: {% endhighlight %} is a Liquid or Nunjucks tag, which broadsheet does not run: it is published as text; write the Markdown or HTML it stands for',
      '_posts:-: ignored 2 front-matter field(s) broadsheet does not read, in 4 file(s): layout (4), category (1); set content.strict: true to make them errors',
    ]);
  });

  it('Eleventy: a string tag is one tag, the image beside its post is published, the ---js post is left out with a warning', async () => {
    const site = await load('eleventy');
    expect(summary(site)).toEqual([
      ['fourthpost', '2018-09-30T00:00:00.000Z', 'https://example.com/blog/fourthpost/', ['second tag']],
      ['thirdpost', '2018-08-24T00:00:00.000Z', 'https://example.com/blog/thirdpost/', ['second tag', 'posts with two tags']],
      ['secondpost', '2018-07-04T00:00:00.000Z', 'https://example.com/blog/secondpost/', ['number 2']],
      ['firstpost', '2018-05-01T00:00:00.000Z', 'https://example.com/blog/firstpost/', ['another tag']],
    ]);
    const fourth = site.bySlug.get('fourthpost')!;
    expect(fourth.html).toContain('<img src="https://example.com/blog/fourthpost/possum.png" alt="A possum parent and two possum kids hanging from the iconic red balloon" />');
    expect(fourth.files.map((f) => f.outputPath)).toEqual(['blog/fourthpost/possum.png']);
    expect(site.warnings.map((w) => `${w.file}:${w.line ?? '-'}: ${w.message}`)).toEqual([
      'content/blog/fifthpost.md:1: front matter in js is never run, so this file is left out: write its fields in YAML to publish it',
    ]);
  });
});
