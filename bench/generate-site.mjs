// Generates a synthetic site of N articles (about 2 KB of Markdown each, 30 tags) for the benchmark. Some use
// what GitHub Flavored Markdown adds: a table, strikethrough, a task list, a footnote, a bare www. link.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const WORDS = 'cloud security policy government data network software vendor audit engineer market chip regulation privacy browser platform model training revenue growth risk'.split(' ');
const TAGS = Array.from({ length: 30 }, (_, i) => `topic-${i}`);

function rng(seed) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

function sentence(r, n) {
  const w = Array.from({ length: n }, () => WORDS[Math.floor(r() * WORDS.length)]);
  w[0] = w[0][0].toUpperCase() + w[0].slice(1);
  return w.join(' ') + '.';
}

/** Writes the project (config + articles) into `dir` and returns its config path. */
export function generateSite(dir, count, repoRoot) {
  rmSync(dir, { recursive: true, force: true });
  const articles = path.join(dir, 'articles');
  mkdirSync(articles, { recursive: true });
  const config = readFileSync(path.join(repoRoot, 'broadsheet.config.yaml'), 'utf8').replace(
    'templates: email-templates',
    `templates: ${JSON.stringify(path.join(repoRoot, 'email-templates'))}`,
  );
  writeFileSync(path.join(dir, 'broadsheet.config.yaml'), config);
  const r = rng(42);
  const start = Date.UTC(2015, 0, 1);
  for (let i = 0; i < count; i++) {
    const date = new Date(start + i * 3_600_000 * 7).toISOString();
    const teaser = i % 10 === 9;
    const tags = [TAGS[i % TAGS.length], TAGS[(i * 7) % TAGS.length]];
    const related = i > 3 && !teaser ? `related: [article-${i - 1}, article-${i - 2}]\n` : '';
    let body = '';
    if (!teaser) {
      body += `\n${sentence(r, 30)} See [the earlier story](/article-${Math.max(0, i - 1)}/) and [the source](https://example.org/${i}).\n\n`;
      body += `## ${sentence(r, 6)}\n\n`;
      while (body.length < 1900) body += `${sentence(r, 25)} *${sentence(r, 4)}* ${sentence(r, 20)}\n\n`;
      if (i % 3 === 0) body += `The ~~${sentence(r, 3)}~~ figure was revised; see www.example.org/${i} for the filing.\n\n`;
      if (i % 4 === 0) {
        body += `| Quarter | ${WORDS[i % WORDS.length]} | Change |\n| :-- | --: | :-: |\n`;
        for (let q = 1; q <= 4; q++) body += `| Q${q} | ${Math.floor(r() * 1000)} | ${r() < 0.5 ? 'down' : 'up'} |\n`;
        body += '\n';
      }
      if (i % 5 === 0) body += `${sentence(r, 12)}[^source]\n\n[^source]: ${sentence(r, 10)}\n\n`;
      const task = i % 6 === 0 ? '[x] ' : '';
      body += `- ${task}${sentence(r, 8)}\n- ${task}${sentence(r, 8)}\n- ${task}${sentence(r, 8)}\n`;
    }
    const fm = `---\ntitle: "Article ${i}: ${sentence(r, 6)}"\ndescription: "${sentence(r, 20)}"\ndate: ${date}\ntags: [${tags.join(', ')}]\nslug: article-${i}\n${related}---\n`;
    writeFileSync(path.join(articles, `article-${i}.md`), fm + body);
  }
  return path.join(dir, 'broadsheet.config.yaml');
}
