import { formatProblem } from '../errors.js';
import { escapeHtml } from '../util/text.js';
import type { PreviewState } from './render.js';

export interface ShellLinks {
  /** Where the real server of the preview answers: feeds through their XSL page, the reader pages. */
  site: string;
  pages: { label: string; path: string }[];
}

const WIDTHS = [375, 600, 800] as const;

/**
 * The preview page: a toolbar (issue, subject, preheader; light or dark;
 * 375, 600 or 800 px; HTML or text), the issue in a frame, and links to the
 * feeds and the reader pages. It listens for server-sent events and reloads
 * itself when a rebuild is done, keeping its settings in the address.
 */
export function shellPage(state: PreviewState, links: ShellLinks, query: URLSearchParams): string {
  const scheme = query.get('scheme') === 'dark' ? 'dark' : 'light';
  const width = WIDTHS.find((w) => String(w) === query.get('width')) ?? 600;
  const view = query.get('view') === 'text' ? 'text' : 'html';
  const href = (change: Record<string, string>) => `?${new URLSearchParams({ scheme, width: String(width), view, ...change }).toString()}`;
  const toggle = (label: string, active: boolean, change: Record<string, string>) => `<a class="${active ? 'on' : ''}" href="${escapeHtml(href(change))}">${escapeHtml(label)}</a>`;

  let main: string;
  let title = 'broadsheet preview';
  if (!state.ok) {
    const e = state.error;
    main = `<section class="error" id="error"><h1>error [${escapeHtml(e.code)}]</h1><p>${escapeHtml(e.message)}</p>${
      e.problems.length ? `<ul>${e.problems.map((p) => `<li><code>${escapeHtml(formatProblem(p))}</code></li>`).join('')}</ul>` : ''
    }<p class="hint">Fix the file and save: this page comes back by itself.</p></section>`;
  } else if (!state.issue) {
    main = '<section class="error" id="error"><h1>No issue</h1><p>No published article can lead an issue yet.</p></section>';
  } else {
    const i = state.issue;
    title = `Issue ${i.number}: ${i.subject}`;
    const kind = { next: 'the next issue broadsheet send will create', resume: 'unfinished: broadsheet send resumes it', latest: 'the latest sent: nothing new since' }[i.kind];
    const frame =
      view === 'text'
        ? `<iframe id="issue" title="Text part" src="/issue.txt" style="width:${width}px"></iframe>`
        : `<iframe id="issue" title="HTML part" src="/issue.html?scheme=${scheme}" style="width:${width}px"></iframe>`;
    main = `<section class="meta" id="meta">
<p><strong id="number">Issue ${i.number}</strong> · ${escapeHtml(kind)}</p>
<p>Subject: <span id="subject">${escapeHtml(i.subject)}</span></p>
<p>Preheader: <span id="preheader">${escapeHtml(i.preheader)}</span></p>
<p class="small">For ${escapeHtml('Sample Reader <sample.reader@example.org>')}; built in ${state.ms} ms.</p>
${state.warnings.length ? `<ul class="warnings">${state.warnings.map((w) => `<li>${escapeHtml(w)}</li>`).join('')}</ul>` : ''}
</section>
<div class="frame">${frame}</div>`;
  }

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · preview</title>
<style>
body{margin:0;font:14px/1.45 system-ui,sans-serif;background:#e9e7e2;color:#1d1d1f}
header{display:flex;flex-wrap:wrap;gap:.4rem 1.2rem;align-items:center;padding:.6rem 1rem;background:#1d1d1f;color:#f3f1ec}
header a{color:#f3f1ec;text-decoration:none;padding:.15rem .5rem;border-radius:4px;border:1px solid #555}
header a.on{background:#f3f1ec;color:#1d1d1f}
header .group{display:flex;gap:.3rem;align-items:center}
main{padding:1rem}
.meta p{margin:.2rem 0}.small{color:#666;font-size:12px}
.frame{display:flex;justify-content:center;margin-top:1rem}
iframe{height:80vh;border:1px solid #bbb;background:#fff}
.error{background:#fff0f0;border:1px solid #d33;border-radius:6px;padding:1rem;max-width:60rem}
.error h1{font-size:1.1rem;color:#a00;margin:0 0 .5rem}
.warnings{color:#8a5a00}
</style>
</head>
<body>
<header>
<strong>broadsheet preview</strong>
<span class="group">${toggle('Light', scheme === 'light', { scheme: 'light' })}${toggle('Dark', scheme === 'dark', { scheme: 'dark' })}</span>
<span class="group">${WIDTHS.map((w) => toggle(`${w} px`, w === width, { width: String(w) })).join('')}</span>
<span class="group">${toggle('HTML', view === 'html', { view: 'html' })}${toggle('Text', view === 'text', { view: 'text' })}</span>
<span class="group">Feeds: <a href="${escapeHtml(links.site)}rss.xml" target="_blank">RSS</a><a href="${escapeHtml(links.site)}atom.xml" target="_blank">Atom</a><a href="${escapeHtml(links.site)}feed.json" target="_blank">JSON</a></span>
<span class="group">Pages: ${links.pages.map((p) => `<a href="${escapeHtml(links.site)}${escapeHtml(p.path)}" target="_blank">${escapeHtml(p.label)}</a>`).join('')}</span>
</header>
<main data-version="${state.version}">
${main}
</main>
<script>
// Rebuilt on every saved change: the server says so, and the page reloads with its settings.
new EventSource('/events').addEventListener('rebuilt', (e) => {
  if (e.data !== document.querySelector('main').dataset.version) location.reload();
});
</script>
</body>
</html>
`;
}
