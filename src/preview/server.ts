import { watch, type FSWatcher } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Logger } from '../log.js';
import { BroadsheetError } from '../errors.js';
import { forceDarkMode, type PreviewState } from './render.js';
import { shellPage, type ShellLinks } from './shell.js';

export interface PreviewServerOptions {
  host: string;
  port: number;
  log: Logger;
  links: ShellLinks;
  /** Renders the preview afresh; never throws (errors are part of the state). */
  rebuild(version: number): Promise<PreviewState>;
  /** Folders watched recursively, and single files (watched through their folder, since editors replace files). */
  watchDirs: string[];
  watchFiles: string[];
}

export interface PreviewServer {
  url: string;
  close(): Promise<void>;
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  const bytes = Buffer.from(body, 'utf8');
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': bytes.length, 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' });
  res.end(bytes);
}

/**
 * The preview: renders once, serves the shell and the issue, watches the
 * articles, the templates and the config, renders again on every change
 * (one rebuild at a time; changes during one start the next) and tells
 * every open page over server-sent events.
 */
export async function startPreviewServer(o: PreviewServerOptions): Promise<PreviewServer> {
  let version = 1;
  let state = await o.rebuild(version);
  const clients = new Set<ServerResponse>();
  let running: Promise<void> | undefined;
  let again = false;

  const rebuild = () => {
    if (running) {
      again = true;
      return;
    }
    running = (async () => {
      do {
        again = false;
        state = await o.rebuild(++version);
        o.log.info('preview rebuilt', { version, ms: state.ms, ok: state.ok, ...(state.ok ? {} : { error: state.error.message }) });
        for (const c of clients) c.write(`event: rebuilt\ndata: ${version}\n\n`);
      } while (again);
    })().finally(() => {
      running = undefined;
    });
  };
  let timer: NodeJS.Timeout | undefined;
  const changed = () => {
    // Editors write a file in several steps: wait for the burst to end.
    clearTimeout(timer);
    timer = setTimeout(rebuild, 40);
  };

  const watchers: FSWatcher[] = [];
  for (const dir of o.watchDirs) {
    try {
      watchers.push(watch(dir, { recursive: true }, changed));
    } catch {
      o.log.warn('preview cannot watch a folder; changes in it need a restart', { dir });
    }
  }
  const byFolder = new Map<string, Set<string>>();
  for (const f of o.watchFiles) {
    const names = byFolder.get(path.dirname(f)) ?? new Set<string>();
    names.add(path.basename(f));
    byFolder.set(path.dirname(f), names);
  }
  for (const [dir, names] of byFolder) watchers.push(watch(dir, (_event, name) => name && names.has(String(name)) && changed()));

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://preview.invalid');
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain; charset=utf-8', 'method not allowed\n');
    if (url.pathname === '/') return send(res, 200, 'text/html; charset=utf-8', shellPage(state, o.links, url.searchParams));
    if (url.pathname === '/events') {
      res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store', Connection: 'keep-alive' });
      res.write(`event: rebuilt\ndata: ${version}\n\n`);
      clients.add(res);
      req.on('close', () => clients.delete(res));
      return;
    }
    if (url.pathname === '/state.json') {
      const body = state.ok
        ? { version, ok: true, issue: state.issue && { number: state.issue.number, kind: state.issue.kind, subject: state.issue.subject, preheader: state.issue.preheader, stories: state.issue.stories }, warnings: state.warnings }
        : { version, ok: false, error: { code: state.error.code, message: state.error.message, problems: state.error.problems } };
      return send(res, 200, 'application/json; charset=utf-8', JSON.stringify(body));
    }
    if ((url.pathname === '/issue.html' || url.pathname === '/issue.txt') && state.ok && state.issue) {
      if (url.pathname === '/issue.txt') return send(res, 200, 'text/plain; charset=utf-8', state.issue.text);
      const html = url.searchParams.get('scheme') === 'dark' ? forceDarkMode(state.issue.html) : state.issue.html;
      return send(res, 200, 'text/html; charset=utf-8', html);
    }
    send(res, 404, 'text/plain; charset=utf-8', 'not found\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (cause: NodeJS.ErrnoException) => reject(new BroadsheetError('LISTEN_FAILED', `cannot listen on ${o.host}:${o.port}: ${cause.code ?? cause.message}`, { cause })));
    server.listen(o.port, o.host, resolve);
  });
  const address = server.address() as AddressInfo;
  const url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}/`;
  return {
    url,
    async close() {
      clearTimeout(timer);
      for (const w of watchers) w.close();
      for (const c of clients) c.end();
      await running;
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
