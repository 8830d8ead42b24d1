import { escapeHtml } from './text.js';

export interface Page {
  siteTitle: string;
  language: string;
  title: string;
  /** Trusted HTML: every value in it is escaped by the caller. */
  body: string;
}

/**
 * broadsheet's own small pages (the issue archive's index, the server's
 * unsubscribe and error pages): no scripts, no external resources. Here, not
 * in server/, because a build writes the archive's index too.
 */
export function renderPage(p: Page): string {
  return `<!doctype html>
<html lang="${escapeHtml(p.language)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${escapeHtml(p.title)} · ${escapeHtml(p.siteTitle)}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;color:#222}button{font:inherit;padding:.5rem 1.25rem;cursor:pointer}li{margin:.25rem 0}</style>
</head>
<body>
<main>
<h1>${escapeHtml(p.title)}</h1>
${p.body}
</main>
</body>
</html>
`;
}
