import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderMarkdownBody } from '../../src/content/markdown.js';
import { isSanitized, safeHtml } from '../../src/feeds/html.js';
import { toFeedItem } from '../../src/feeds/item.js';
import { exampleSite, ROOT } from '../helpers/feeds.js';

const BASE = 'https://news.example.com/2025/08/story/';

// Markdown that exercises every element commonmark.js writes, and the ways a link or class can go wrong.
const SAMPLES = [
  '# One\n\n## Two\n\n###### Six',
  'Text with *em*, **strong**, `code`, a hard  \nbreak, and a soft\nbreak.',
  '[rel](../other/) [root](/about) [frag](#n) [abs](https://x.example/?a=1&b="2") [mail](mailto:a@b.example) <https://auto.example/>',
  '[title](/t "A \\"quoted\\" <title> & more") ![alt & "q" 3 < 4](img/c.png "Chart")',
  '[js](javascript:alert(1)) ![data](data:image/png;base64,AAAA) [vb](vbscript:x)',
  '```js\nconst a = 1 < 2 && "x";\n```\n\n```language-ts extra words\nlet b;\n```\n\n```\nplain\n```',
  '```c++\nint main() {}\n```',
  '```js{1,3}\nx\n```',
  '1. one\n2. two\n\n7. seven\n8. eight\n\n- a\n- b\n\n> quote\n> > nested\n\n---',
  'Entities: &amp; &lt;tag&gt; &#60;script&#62; &#1; &#xFFFE; &copy; 3 < 4 > 2',
  'Raw <b>bold</b> inline',
  '<div onclick="x()">block</div>',
  '<!-- comment -->\n\ntext',
  '[![img in link](/i.png)](/target)',
  '[link with `code` and *em*](</path with spaces>)',
];

describe('HTML the content stage marks as plain', () => {
  it('is exactly what the feeds check accepts, for every element commonmark.js writes', () => {
    const verdicts = SAMPLES.map((md) => {
      const { html, plain } = renderMarkdownBody(md, BASE);
      if (plain) expect(isSanitized(html), html).toBe(true);
      return plain;
    });
    // Raw HTML and code classes the sanitiser would drop are never marked.
    expect(verdicts).toEqual([true, true, true, true, true, true, false, false, true, true, false, false, false, true, true]);
  });

  it('holds for the example articles and the seed article', async () => {
    const dir = path.join(ROOT, 'articles');
    const texts = [...readdirSync(dir).map((f) => readFileSync(path.join(dir, f), 'utf8')), readFileSync(path.join(ROOT, 'tests/fixtures/seed-article.txt'), 'utf8')];
    for (const text of texts) {
      const { html, plain } = renderMarkdownBody(text.replace(/^---[\s\S]*?\n---\n/, ''), BASE);
      if (plain) expect(isSanitized(html)).toBe(true);
    }
    const site = await exampleSite();
    expect(site.entries.some((e) => e.kind === 'article')).toBe(true);
    for (const e of site.entries.filter((x) => x.kind === 'article')) expect(safeHtml(e, e.url)).toBe(e.html);
  });

  it('is checked again when the entry was changed after loading', async () => {
    const site = await exampleSite();
    const entry = site.entries.find((e) => e.kind === 'article')!;
    const changed = { ...entry, html: `${entry.html}<script>alert(1)</script><a href="/rel" onclick="x()">x</a>` };
    const item = toFeedItem(changed, site.config.site.url, site.config.site.author);
    expect(item.contentHtml).not.toContain('<script');
    expect(item.contentHtml).not.toContain('onclick');
    expect(item.contentHtml).toContain(`<a href="${new URL('/rel', entry.url).href}">x</a>`);
    entry.html += '<img src="javascript:x()">';
    expect(safeHtml(entry, entry.url)).not.toContain('javascript:');
  });
});
