// The list's benchmarks: the inbound path reading DSNs from a Maildir (target >= 500 a second), and the
// subscribe endpoint (target >= 1,000 requests a second), each sending its confirmation mail to a local
// smtp-server in another process (the send benchmark's sink). Runs from dist/ (npm run build:ts first).
// Usage: node bench/list.mjs [--dsns 5000] [--requests 5000], or import { runListBench }.
import { fork } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

const root = path.resolve(import.meta.dirname, '..');
const dist = (p) => path.join(root, 'dist', p);
const direct = process.argv[1] === import.meta.filename;
const { values: args } = direct ? parseArgs({ options: { dsns: { type: 'string', default: '5000' }, requests: { type: 'string', default: '5000' }, role: { type: 'string' } } }) : { values: {} };
// A secret as strong as a deployment must set (openssl rand -base64 32): a weak one is refused.
const SECRET = 'mJmUKBAFNJW4EC++M76LDZNcp3dRdBiWUFGpgm1ZjeI=';

async function project(extra = {}) {
  const { resolveConfig } = await import(dist('config/load.js'));
  const { configSchema } = await import(dist('config/schema.js'));
  const dir = mkdtempSync(path.join(os.tmpdir(), 'broadsheet-bench-list-'));
  const data = {
    site: { title: 'Bench', url: 'https://bench.example/', language: 'en', description: 'Bench.', author: { name: 'Bench' }, postalAddress: '1 Bench Road' },
    digest: { templates: path.join(root, 'email-templates') },
    email: { from: 'Bench <news@bench.example>', unsubscribeMailto: 'leave@bench.example', returnPath: 'bounces+{token}@bench.example', maxConnections: 5 },
    ...extra,
  };
  return { dir, config: resolveConfig(configSchema.parse(data), path.join(dir, 'broadsheet.config.yaml')) };
}

/** The Postfix bounce of the inbound tests (a 5.1.1, the message's headers returned), for subscriber i. */
const POSTFIX = readFileSync(path.join(root, 'tests/inbound/fixtures/postfix-user-unknown.eml'), 'utf8');
function dsn(i, verp) {
  const values = {
    VERP: verp,
    RCPT: `reader${i}@example.org`,
    ORIGINAL: `From: Bench <news@bench.example>\nTo: reader${i}@example.org\nSubject: Bench: a story\nMessage-ID: <issue-1.${String(i).padStart(24, '0')}@bench.example>\n\nA story.\n`,
  };
  const text = POSTFIX.replace(/\{\{(\w+)\}\}/g, (_, k) => values[k]).replace('Message-Id: <', `Message-Id: <${i}.`);
  return text.replace(/\r?\n/g, '\r\n');
}

/** User and system CPU seconds of this process since `start`. */
function cpuSeconds(start) {
  const d = process.cpuUsage(start);
  return (d.user + d.system) / 1e6;
}

/** broadsheet inbound --maildir, in process: N DSNs, each bouncing one subscriber. Best of two runs. */
export async function runInboundBench(n = 5000) {
  const { openStore } = await import(dist('store/open.js'));
  const { mailHandler } = await import(dist('inbound/process.js'));
  const { readMaildir } = await import(dist('inbound/mailbox.js'));
  const { verpAddress } = await import(dist('delivery/verp.js'));
  const { silentLogger } = await import(dist('log.js'));
  const { systemClock } = await import(dist('clock.js'));
  const rates = [];
  const cpuRates = [];
  for (let round = 0; round < 2; round++) {
    const { dir, config } = await project();
    try {
      const store = await openStore(config.paths.data);
      await store.addSubscribers(Array.from({ length: n }, (_, i) => ({ email: `reader${i}@example.org` })), new Date(), { resubscribe: false });
      const ids = new Map((await store.listSubscribers()).map((s) => [s.email, s.id]));
      const maildir = path.join(dir, 'Maildir');
      for (const d of ['new', 'cur', 'tmp']) mkdirSync(path.join(maildir, d), { recursive: true });
      for (let i = 0; i < n; i++) writeFileSync(path.join(maildir, 'new', `${1756800000 + i}.M${i}P1.bench`), dsn(i, verpAddress(config.email.returnPath, SECRET, { subscriberId: ids.get(`reader${i}@example.org`), issue: 1 })));
      const handler = mailHandler({ config, secret: SECRET, store, clock: systemClock, log: silentLogger });
      const t = performance.now();
      const cpu = process.cpuUsage();
      const tally = await readMaildir(maildir, handler);
      const seconds = (performance.now() - t) / 1000;
      cpuRates.push(n / cpuSeconds(cpu));
      if (tally.applied !== n) throw new Error(`expected ${n} bounces applied, got ${JSON.stringify(tally)}`);
      const counts = await store.statusCounts();
      if (counts.bounced !== n) throw new Error(`expected ${n} bounced, got ${JSON.stringify(counts)}`);
      rates.push(n / seconds);
      await store.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const best = Math.max(...rates);
  console.log(
    `inbound: ${n} DSNs from a Maildir (parse, verify VERP, record, move to cur/): ${best.toFixed(0)} DSNs/s, best of ${rates.length} (target >= 500); ` +
      `${Math.max(...cpuRates).toFixed(0)} DSNs per CPU second`,
  );
  return best;
}

function postForm(agent, url, body) {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent, headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** The load, in a process of its own: `count` posts of distinct new addresses over 16 keep-alive connections. */
async function client() {
  process.on('message', async ({ url, prefix, count }) => {
    const agent = new Agent({ keepAlive: true, maxSockets: 16 });
    let next = 0;
    const statuses = new Set();
    const t = performance.now();
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < count) {
          const i = next++;
          statuses.add(await postForm(agent, url, `email=${prefix}${i}%40example.org&name=Reader+${i}&website=`));
        }
      }),
    );
    agent.destroy();
    process.send({ rps: count / ((performance.now() - t) / 1000), statuses: [...statuses] });
  });
  process.send({ ready: true });
  process.on('disconnect', () => process.exit(0));
}

/**
 * POST /subscribe/: distinct new addresses from a client process; every one
 * records a pending address and queues a confirmation mail. The server's own
 * CPU per request (its mail included) is the figure the machine's load does
 * not change.
 */
export async function runSubscribeBench(n = 5000, smtpPort) {
  const real = await subscribeRun(n, smtpPort, true);
  const alone = await subscribeRun(n, smtpPort, false);
  return { real, alone };
}

/** One run; without `mails`, a mailer that sends nothing, so that the endpoint's own cost shows. */
export async function subscribeRun(n, smtpPort, mails) {
  const { openStore } = await import(dist('store/open.js'));
  const { startServer } = await import(dist('server/server.js'));
  const { openConfirmationMailer } = await import(dist('list/mailer.js'));
  const { silentLogger } = await import(dist('log.js'));
  const { systemClock } = await import(dist('clock.js'));
  const { dir, config } = await project({ list: { rateLimit: 1_000_000 } });
  const store = await openStore(config.paths.data);
  const mailer = mails
    ? await openConfirmationMailer({ config, secret: SECRET, smtpUrl: `smtp://127.0.0.1:${smtpPort}`, dkim: undefined, clock: systemClock, log: silentLogger })
    : { send: async () => 'sent', idle: async () => {}, close: async () => {} };
  const server = await startServer({ config, clock: systemClock, log: silentLogger, store, secret: SECRET, host: '127.0.0.1', port: 0, mailer });
  const load = await fork(import.meta.filename, ['--role', 'client'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  await new Promise((resolve) => load.once('message', resolve));
  const run = (prefix, count) =>
    new Promise((resolve) => {
      load.once('message', resolve);
      load.send({ url: `${server.url}subscribe/`, prefix, count });
    });
  try {
    await run('warm', 500);
    await mailer.idle();
    const cpu = process.cpuUsage();
    const elu = performance.eventLoopUtilization();
    const r = await run('reader', n);
    // The thread that answers requests: how long it was busy, per request, during the burst.
    const busyMs = performance.eventLoopUtilization(elu).active / n;
    const answered = performance.now();
    await mailer.idle();
    const drained = (performance.now() - answered) / 1000;
    const perCpuSecond = n / cpuSeconds(cpu);
    const pending = (await store.statusCounts()).pending;
    if (pending !== n + 500) throw new Error(`expected ${n + 500} pending addresses, got ${pending} (answers: ${r.statuses.join(',')})`);
    console.log(
      mails
        ? `subscribe: ${n} POST /subscribe/ (new addresses) from another process, 16 keep-alive connections: ${r.rps.toFixed(0)} req/s (status ${r.statuses.join(',')}) (target >= 1,000); ` +
            `${perCpuSecond.toFixed(0)} requests per CPU second of the server, its confirmation mails included; the answering thread busy ${busyMs.toFixed(3)} ms a request; mails drained ${drained.toFixed(1)} s after the last answer`
        : `subscribe: the same, the endpoint alone (a mailer that sends nothing): ${r.rps.toFixed(0)} req/s; ${perCpuSecond.toFixed(0)} requests per CPU second of the server; the answering thread busy ${busyMs.toFixed(3)} ms a request`,
    );
    return r.rps;
  } finally {
    load.disconnect();
    await server.close();
    await mailer.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The send benchmark's SMTP sink, in its own process so that it does not take the server's CPU. */
function sink() {
  return new Promise((resolve, reject) => {
    const c = fork(path.join(import.meta.dirname, 'send.mjs'), ['--role', 'sink'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    c.once('message', (m) => resolve({ child: c, message: m }));
    c.once('exit', (code) => code !== 0 && reject(new Error(`the SMTP sink exited with ${code}`)));
  });
}

export async function runListBench({ dsns = 5000, requests = 5000 } = {}) {
  console.log(`load average: ${(await import('node:fs')).readFileSync('/proc/loadavg', 'utf8').trim()}`);
  await runInboundBench(dsns);
  const server = await sink();
  try {
    await runSubscribeBench(requests, server.message.port);
  } finally {
    server.child.disconnect();
    server.child.kill();
  }
}

if (direct && args.role === 'client') await client();
else if (direct) await runListBench({ dsns: Number(args.dsns), requests: Number(args.requests) });
