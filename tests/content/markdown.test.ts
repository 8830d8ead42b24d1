import { describe, expect, it } from 'vitest';
import { renderMarkdownBody } from '../../src/content/markdown.js';

const renderMarkdown = (markdown: string, base: string) => renderMarkdownBody(markdown, base);

const BASE = 'https://news.example.com/2025/08/story/';

describe('renderMarkdown', () => {
  it('makes relative links and images absolute against the article URL', () => {
    expect(renderMarkdown('[up](../other/) [root](/about) [frag](#n) ![chart](img/c.png "Chart")', BASE)).toBe(
      '<p><a href="https://news.example.com/2025/08/other/">up</a> <a href="https://news.example.com/about">root</a> ' +
        '<a href="https://news.example.com/2025/08/story/#n">frag</a> <img src="https://news.example.com/2025/08/story/img/c.png" alt="chart" title="Chart" /></p>',
    );
  });

  it('keeps the text of a javascript: link and drops a data: image', () => {
    expect(renderMarkdown('[click](javascript:alert(1)) and ![x](data:image/png;base64,AAAA)', BASE)).toBe('<p>click and </p>');
  });

  it('removes scripts and event handlers from raw HTML and keeps the text', () => {
    const html = renderMarkdown('Before <script>alert("x")</script> <img src="/a.png" onerror="steal()"> <a href="rel" onclick="x()">link</a> after\n\n<div onmouseover="y()">block <b>bold</b></div>\n', BASE);
    expect(html).toBe(
      '<p>Before  <img src="https://news.example.com/a.png" /> <a href="https://news.example.com/2025/08/story/rel">link</a> after</p>\nblock <b>bold</b>',
    );
    expect(html).not.toMatch(/script|onerror|onclick|onmouseover|alert/);
  });

  it('escapes markup-like text and keeps literal entities as text', () => {
    expect(renderMarkdown('Tom &amp; Jerry: 3 < 4 & "quotes"', BASE)).toBe('<p>Tom &amp; Jerry: 3 &lt; 4 &amp; &quot;quotes&quot;</p>');
  });
});

describe('renderMarkdown and XML', () => {
  it('replaces characters that Markdown entities decode to but XML cannot carry with U+FFFD, as CommonMark says', () => {
    expect(renderMarkdown('a&#1;b &#xFFFE;c &#65;', BASE)).toBe('<p>a\uFFFDb \uFFFDc A</p>');
  });

  it('drops such characters when raw HTML carries them', () => {
    expect(renderMarkdown('<div>x&#x1;y&#xFFFF;z</div>', BASE)).toBe('xyz');
  });
});
