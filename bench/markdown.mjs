// Markdown stage benchmark: every body of the generated site through broadsheet's renderer, and, for the
// record in docs/performance.md, through the candidate parsers when they are installed in a scratch folder:
//
//   mkdir /tmp/md-candidates && cd /tmp/md-candidates && npm init -y && npm install md4w@0.2.7 \
//     markdown-it@14.3.3 markdown-it@15.0.3 comrak@0.48.0-rc.0 ... (see docs/performance.md)
//   node bench/markdown.mjs 10000 /tmp/md-candidates
//
// Each candidate runs in a fresh process (its load counts), interleaved with the others, median of the runs.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { generateSite } from './generate-site.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const self = fileURLToPath(import.meta.url);

/** The package that tells whether a candidate is installed. */
const PACKAGE = {
  'commonmark.js 0.31.2 (no GFM)': 'commonmark',
  'markdown-it 14.3.3 + footnote': 'markdown-it',
  'markdown-it 15.0.3 + footnote': 'markdown-it-15',
  'micromark 4.0.3 + gfm 3.0.0': 'micromark-extension-gfm',
  'md4w 0.2.7 (no footnotes)': 'md4w',
  'comrak 0.48.0-rc.0 (WebAssembly)': 'comrak',
};

/** name → loader returning render(markdown, url, slug); `from` resolves packages in the candidates' folder. */
const CANDIDATES = {
  broadsheet: async () => {
    const { renderMarkdownBody } = await import(pathToFileURL(path.join(repo, 'dist/content/markdown.js')).href);
    return renderMarkdownBody;
  },
  'commonmark.js 0.31.2 (no GFM)': async (from) => {
    const { Parser, HtmlRenderer } = await from('commonmark');
    const parser = new Parser();
    const renderer = new HtmlRenderer({ softbreak: '\n' });
    return (s) => renderer.render(parser.parse(s));
  },
  'markdown-it 14.3.3 + footnote': async (from) => {
    const MarkdownIt = (await from('markdown-it')).default;
    const footnote = (await from('markdown-it-footnote')).default;
    const md = MarkdownIt({ html: true, linkify: true, xhtmlOut: true }).use(footnote);
    return (s) => md.render(s);
  },
  'markdown-it 15.0.3 + footnote': async (from) => {
    const MarkdownIt = (await from('markdown-it-15')).default;
    const footnote = (await from('markdown-it-footnote')).default;
    const md = MarkdownIt({ html: true, linkify: true, xhtmlOut: true }).use(footnote);
    return (s) => md.render(s);
  },
  'micromark 4.0.3 + gfm 3.0.0': async (from) => {
    const { micromark } = await from('micromark');
    const { gfm, gfmHtml } = await from('micromark-extension-gfm');
    const options = { extensions: [gfm()], htmlExtensions: [gfmHtml()], allowDangerousHtml: true };
    return (s) => micromark(s, options);
  },
  'md4w 0.2.7 (no footnotes)': async (from) => {
    const m = await from('md4w');
    await m.init('fast');
    const F = m.ParseFlags;
    const parseFlags = F.TABLES | F.STRIKETHROUGH | F.TASKLISTS | F.PERMISSIVE_URL_AUTO_LINKS | F.PERMISSIVE_WWW_AUTO_LINKS | F.PERMISSIVE_EMAIL_AUTO_LINKS;
    return (s) => m.mdToHtml(s, { parseFlags });
  },
  // comrak (Rust, cmark-gfm's port) compiled to WebAssembly: every GFM extension and footnotes.
  'comrak 0.48.0-rc.0 (WebAssembly)': async (from) => {
    const { markdownToHTML } = await from('comrak');
    const options = {
      extension: { strikethrough: true, table: true, autolink: true, tasklist: true, footnotes: true, tagfilter: true },
      render: { unsafe: true },
    };
    return (s) => markdownToHTML(s, options);
  },
};

function bodies(siteDir) {
  const dir = path.join(siteDir, 'articles');
  const out = [];
  for (const f of readdirSync(dir).sort()) {
    const text = readFileSync(path.join(dir, f), 'utf8');
    const body = text.slice(text.indexOf('\n---\n', 3) + 5);
    if (body.trim()) out.push({ body, slug: f.replace(/\.md$/, '') });
  }
  return out;
}

async function child(name, siteDir, candidatesDir) {
  const input = bodies(siteDir);
  const req = candidatesDir ? createRequire(path.join(candidatesDir, 'package.json')) : undefined;
  // md4w exports only an `import` condition, which require.resolve cannot see: resolve its folder instead.
  const from = async (pkg) => import(pathToFileURL(pkg === 'md4w' ? path.join(candidatesDir, 'node_modules/md4w/js/index.js') : req.resolve(pkg)).href);
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const render = await CANDIDATES[name](from);
  const t1 = performance.now();
  const c1 = process.cpuUsage();
  const loadCpu = process.cpuUsage(c0);
  for (const { body, slug } of input) render(body, `https://news.example.com/${slug}/`, slug);
  const c2 = process.cpuUsage(c1);
  const t2 = performance.now();
  const ms = (c) => (c.user + c.system) / 1000;
  process.stdout.write(JSON.stringify({ load: t1 - t0, render: t2 - t1, loadCpu: ms(loadCpu), renderCpu: ms(c2), bodies: input.length }));
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export function runMarkdownBench({ count = 10_000, candidatesDir, runs = 5 } = {}) {
  const siteDir = path.join(os.tmpdir(), `broadsheet-bench-${count}`);
  if (!existsSync(path.join(siteDir, 'articles'))) generateSite(siteDir, count, repo);
  const names = Object.keys(CANDIDATES).filter((n) => n === 'broadsheet' || (candidatesDir && existsSync(path.join(candidatesDir, 'node_modules', PACKAGE[n], 'package.json'))));
  const results = Object.fromEntries(names.map((n) => [n, []]));
  // micromark takes seconds per pass: fewer runs of it.
  for (let i = 0; i < runs; i++) {
    for (const name of names) {
      if (name.startsWith('micromark') && i >= 1) continue;
      const r = spawnSync(process.execPath, [self, '--child', name, siteDir, candidatesDir ?? ''], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`${name} failed:\n${r.stderr}`);
      results[name].push(JSON.parse(r.stdout));
    }
  }
  const n = results.broadsheet[0].bodies;
  // CPU time first: on a shared machine it moves far less with the load than wall time does.
  const scale = 10_000 / n;
  for (const name of names) {
    const rs = results[name];
    const m = (k) => median(rs.map((r) => r[k]));
    const cpu = m('loadCpu') + m('renderCpu') * scale;
    const wall = m('load') + m('render') * scale;
    console.log(
      `markdown ${name}: ${cpu.toFixed(0)} ms CPU per 10,000 bodies with load (load ${m('loadCpu').toFixed(0)} ms); ${wall.toFixed(0)} ms wall; median of ${rs.length}, ${n} bodies`,
    );
  }
  console.log(`load average: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
}

if (process.argv[2] === '--child') await child(process.argv[3], process.argv[4], process.argv[5] || undefined);
else if (import.meta.url === `file://${process.argv[1]}`) runMarkdownBench({ count: Number(process.argv[2] ?? 10_000), candidatesDir: process.argv[3] });
