import type { ServerResponse } from 'node:http';
import type { Config } from '../config/load.js';
import { escapeHtml } from '../util/text.js';


export interface Page {
  siteTitle: string;
  language: string;
  title: string;
  /** Trusted HTML: every value in it is escaped by the caller. */
  body: string;
}

/** The server's own small pages (archive index, unsubscribe, errors): no scripts, no external resources. */
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

/** For the server's own pages: nothing but inline styles, and forms only back to this server. */
export const PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

export function sendPage(res: ServerResponse, status: number, html: string, headers: Record<string, string> = {}): void {
  const body = Buffer.from(html, 'utf8');
  res.statusCode = status;
  res.setHeader('Content-Type', 'text/html; charset=utf-8');
  res.setHeader('Content-Length', body.length);
  res.setHeader('Content-Security-Policy', PAGE_CSP);
  res.setHeader('Cache-Control', 'no-store');
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

export type PageSender = (res: ServerResponse, status: number, title: string, body: string, headers?: Record<string, string>) => void;

/** Sends the server's own pages under the site's title and language. */
export function pageSender(config: Config): PageSender {
  const { title: siteTitle, language } = config.site;
  return (res, status, title, body, headers) => sendPage(res, status, renderPage({ siteTitle, language, title, body }), headers);
}

export const NOT_FOUND = '<p>There is nothing at this address.</p>';
