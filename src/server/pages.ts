import type { ServerResponse } from 'node:http';
import type { Config } from '../config/load.js';
import { renderPage } from '../util/page.js';

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
