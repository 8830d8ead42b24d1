// Server benchmark: requests per second for a feed, as it is, compressed, and revalidated (304).
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = (p) => path.join(repo, 'dist', p);

function get(agent, url, headers) {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent, headers }, (res) => {
      let bytes = 0;
      res.on('data', (c) => (bytes += c.length));
      res.on('end', () => resolve({ status: res.statusCode, bytes, etag: res.headers.etag }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function load(url, headers, { requests = 4000, concurrency = 16 } = {}) {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  let next = 0;
  let bytes = 0;
  const statuses = new Set();
  const t = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next++ < requests) {
        const r = await get(agent, url, headers);
        bytes += r.bytes;
        statuses.add(r.status);
      }
    }),
  );
  const s = (performance.now() - t) / 1000;
  agent.destroy();
  return { rps: requests / s, bytesEach: bytes / requests, statuses: [...statuses] };
}

export async function runServerBench() {
  const { resolveConfig } = await import(dist('config/load.js'));
  const { configSchema } = await import(dist('config/schema.js'));
  const { openStore } = await import(dist('store/open.js'));
  const { startServer } = await import(dist('server/server.js'));
  const { systemClock } = await import(dist('clock.js'));
  const { silentLogger } = await import(dist('log.js'));

  const dir = mkdtempSync(path.join(os.tmpdir(), 'broadsheet-bench-server-'));
  const config = resolveConfig(
    configSchema.parse({ site: { title: 'Bench', url: 'https://bench.example/', language: 'en', description: 'Bench.', author: { name: 'Bench' } } }),
    path.join(dir, 'broadsheet.config.yaml'),
  );
  mkdirSync(config.paths.output, { recursive: true });
  const item = (i) => `<item><title>Story ${i}</title><link>https://bench.example/${i}/</link><guid>https://bench.example/${i}/</guid><description>${'A paragraph of the story, escaped as feeds carry it. '.repeat(6)}</description></item>`;
  const rss = `<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Bench</title>${Array.from({ length: 20 }, (_, i) => item(i)).join('')}</channel></rss>`;
  writeFileSync(path.join(config.paths.output, 'rss.xml'), rss);
  // As `serve` opens it: on its own thread.
  const store = await openStore(config.paths.data, { thread: true });
  const server = await startServer({ config, clock: systemClock, log: silentLogger, store, secret: undefined, host: '127.0.0.1', port: 0 });
  try {
    const url = `${server.url}rss.xml`;
    await load(url, {}, { requests: 500 }); // warm up: JIT, file cache, compressed copies
    const { etag } = await get(undefined, url, {});
    const cases = [
      ['200 identity', {}],
      ['200 gzip', { 'Accept-Encoding': 'gzip' }],
      ['200 br', { 'Accept-Encoding': 'br' }],
      ['304 If-None-Match', { 'If-None-Match': etag }],
    ];
    console.log(`serve rss.xml (${Buffer.byteLength(rss)} bytes), 16 keep-alive connections:`);
    for (const [name, headers] of cases) {
      const r = await load(url, headers);
      console.log(`  ${name.padEnd(18)} ${r.rps.toFixed(0).padStart(6)} req/s, ${r.bytesEach.toFixed(0)} body bytes each (status ${r.statuses.join(',')})`);
    }
  } finally {
    await server.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await runServerBench();
