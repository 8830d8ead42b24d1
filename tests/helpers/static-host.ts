import { readFile, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

export interface StaticHost {
  /** e.g. `http://127.0.0.1:41234/`. */
  url: string;
  close(): Promise<void>;
}

/**
 * A plain static file host, as GitHub Pages, Netlify or an S3 bucket are:
 * files by path, a folder's index.html, 404 for anything else, and no
 * broadsheet code at all. What works here works on any of them.
 */
export async function startStaticHost(root: string): Promise<StaticHost> {
  const server = createServer((req, res) => {
    void (async () => {
      if (req.method !== 'GET' && req.method !== 'HEAD') return void res.writeHead(405).end();
      const pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://host').pathname);
      let file = path.join(root, pathname);
      if (path.relative(root, file).startsWith('..')) return void res.writeHead(404).end();
      const st = await stat(file).catch(() => undefined);
      if (st?.isDirectory()) file = path.join(file, 'index.html');
      const body = await readFile(file).catch(() => undefined);
      if (!body) return void res.writeHead(404).end('not found');
      res.writeHead(200, { 'Content-Length': body.length }).end(req.method === 'HEAD' ? undefined : body);
    })().catch(() => res.writeHead(500).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** A port nothing listens on at the moment of asking, for a process the test starts on it. */
export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}
