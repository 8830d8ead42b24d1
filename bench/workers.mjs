// Benchmark: many senders on one issue (PostgreSQL). `broadsheet send` run as 1, 2 and 4
// processes at once against one database, sending one issue to a local smtp-server that takes
// 20 ms to answer each message (a slow relay: the time is the server's, as on the Internet, not
// our CPU's). Each sender has EMAIL_CONNECTIONS connections. Prints messages per second for each
// count of workers, measured at the server from its first message to its last.
// PostgreSQL: BROADSHEET_BENCH_DATABASE_URL (an admin URL; one database is created per run), or a
// throwaway cluster from Debian's binaries (scripts/pg-cluster.mjs), with fsync on unless
// BENCH_PG_FSYNC=off. Runs from dist/ (npm run build:ts first).
// Usage: node bench/workers.mjs [--messages 2000], or `import { runWorkersBench } from './workers.mjs'`.
import { fork, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createDatabase, postgresBinDir, startCluster } from '../scripts/pg-cluster.mjs';

const root = path.resolve(import.meta.dirname, '..');
const dist = (p) => path.join(root, 'dist', p);
const direct = process.argv[1] === import.meta.filename;
const { values: args } = direct ? parseArgs({ options: { messages: { type: 'string', default: '2000' }, role: { type: 'string' } } }) : { values: { messages: '2000' } };
// The issue's setting: a relay answering in 20 ms, two connections a sender. BENCH_RELAY_DELAY_MS and
// BENCH_CONNECTIONS change them (0 ms: what the CPU and the database allow, as bench/send.mjs for SQLite).
const DELAY_MS = Number(process.env.BENCH_RELAY_DELAY_MS ?? 20);
const EMAIL_CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 2);
const SECRET = 'mJmUKBAFNJW4EC++M76LDZNcp3dRdBiWUFGpgm1ZjeI=';
// Worker counts to run; BENCH_WORKER_COUNTS=1 times one worker alone (an A/B of one change).
const COUNTS = (process.env.BENCH_WORKER_COUNTS ?? '1,2,4').split(',').map(Number);

/** The relay: answers each message after DELAY_MS; reports when the first and the last of `expect` arrived. */
async function sink() {
  const { SMTPServer } = await import('smtp-server');
  let count = 0;
  let first = 0;
  let expect = Infinity;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    onData(stream, _session, cb) {
      stream.resume();
      stream.on('end', () =>
        setTimeout(() => {
          if (count++ === 0) first = performance.now();
          if (count === expect) process.send({ done: true, count, seconds: (performance.now() - first) / 1000 });
          cb(null, 'Ok');
        }, DELAY_MS),
      );
    },
  });
  process.on('message', (m) => {
    if (m.expect) {
      count = 0;
      expect = m.expect;
    }
  });
  server.listen(0, '127.0.0.1', () => process.send({ port: server.server.address().port }));
  process.on('disconnect', () => process.exit(0));
}

async function project(url, n) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'broadsheet-bench-'));
  await cp(path.join(root, 'articles'), path.join(dir, 'articles'), { recursive: true });
  await cp(path.join(root, 'email-templates'), path.join(dir, 'email-templates'), { recursive: true });
  const yaml = await readFile(path.join(root, 'broadsheet.config.yaml'), 'utf8');
  const config = yaml
    .replace(/maxConnections: \d+/, `maxConnections: ${EMAIL_CONNECTIONS}`)
    .replace(/rateLimit: [\d.]+/, 'rateLimit: 0')
    .replace(/^data:\n/m, `data:\n  url: ${url}\n`);
  if (!config.includes(`url: ${url}`)) throw new Error('the example config has no data section to extend');
  await writeFile(path.join(dir, 'broadsheet.config.yaml'), config);
  const { openStore } = await import(dist('store/open.js'));
  const store = await openStore(path.join(dir, 'data'), { url });
  await store.addSubscribers(Array.from({ length: n }, (_, i) => ({ email: `reader${i}@example.org`, name: `Reader ${i}` })), new Date(), { resubscribe: false });
  await store.close();
  return dir;
}

function send(dir, port) {
  return new Promise((resolve, reject) => {
    const c = spawn(process.execPath, [dist('bin.js'), 'send', '--config', path.join(dir, 'broadsheet.config.yaml')], {
      env: { PATH: process.env.PATH, SMTP_URL: `smtp://127.0.0.1:${port}`, BROADSHEET_SECRET: SECRET },
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    let out = '';
    c.stdout.on('data', (d) => (out += d));
    c.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`send exited with ${code}: ${out}`))));
  });
}

export async function runWorkersBench(messages = Number(args.messages)) {
  if (!process.env.BROADSHEET_BENCH_DATABASE_URL && !postgresBinDir()) {
    console.log('workers: skipped: no PostgreSQL (apt-get install postgresql, or set BROADSHEET_BENCH_DATABASE_URL)');
    return;
  }
  const cluster = process.env.BROADSHEET_BENCH_DATABASE_URL ? undefined : await startCluster({ fsync: process.env.BENCH_PG_FSYNC !== 'off' });
  const admin = process.env.BROADSHEET_BENCH_DATABASE_URL ?? cluster.url;
  const relay = fork(import.meta.filename, ['--role', 'sink'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const port = await new Promise((resolve) => relay.once('message', (m) => resolve(m.port)));
  const dirs = [];
  const rates = {};
  try {
    for (const workers of COUNTS) {
      const url = await createDatabase(admin, `bench_${randomBytes(4).toString('hex')}`);
      const dir = await project(url, messages);
      dirs.push(dir);
      const done = new Promise((resolve) => relay.once('message', resolve));
      relay.send({ expect: messages });
      const load = os.loadavg()[0];
      const outs = await Promise.all(Array.from({ length: workers }, () => send(dir, port)));
      const { seconds, count } = await done;
      if (count !== messages || !outs.every((o) => o.startsWith(`issue 1: ${messages} accepted`))) throw new Error(`unexpected: ${count} messages, ${outs.join(' | ')}`);
      rates[workers] = messages / seconds;
      console.log(`workers: ${workers} sender process(es) x ${EMAIL_CONNECTIONS} connections, ${messages} messages, relay answering in ${DELAY_MS} ms: ${rates[workers].toFixed(0)} messages/s (load ${load.toFixed(2)} before)`);
    }
  } finally {
    relay.disconnect();
    relay.kill();
    cluster?.stop();
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  }
  const ceiling = DELAY_MS > 0 ? `; one worker's ceiling at this relay: ${(1000 / DELAY_MS) * EMAIL_CONNECTIONS} messages/s` : '';
  console.log(`workers: ${cluster ? cluster.version : 'PostgreSQL at BROADSHEET_BENCH_DATABASE_URL'}${cluster && process.env.BENCH_PG_FSYNC === 'off' ? ' (fsync off)' : ''}${ceiling}${rates[2] && rates[4] ? `; 2 workers ${(rates[2] / rates[1]).toFixed(2)}x, 4 workers ${(rates[4] / rates[1]).toFixed(2)}x of one` : ''}`);
}

if (direct && args.role === 'sink') await sink();
else if (direct) await runWorkersBench();
