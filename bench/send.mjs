// Benchmark: `broadsheet send` (personalise, record in the ledger, submit) to a
// local smtp-server, beside the ceiling: a bare nodemailer pool sending one
// message, composed from the digest's HTML and text and encoded by nodemailer
// at each send, as fast as it can to the same server. Runs from dist/
// (npm run build:ts first). Usage: node bench/send.mjs [--messages 10000], or
// `import { runSendBench } from './send.mjs'` and await it.
import { fork } from 'node:child_process';
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

const root = path.resolve(import.meta.dirname, '..');
const dist = (p) => path.join(root, 'dist', p);
const direct = process.argv[1] === import.meta.filename;
const { values: args } = direct
  ? parseArgs({
      options: {
        messages: { type: 'string', default: '10000' },
        role: { type: 'string' },
        port: { type: 'string' },
        dir: { type: 'string' },
      },
    })
  : { values: { messages: '10000' } };
let N = Number(args.messages);
const CONNECTIONS = 5;
// A secret as strong as a deployment must set (openssl rand -base64 32): a weak one is refused.
const SECRET = 'mJmUKBAFNJW4EC++M76LDZNcp3dRdBiWUFGpgm1ZjeI=';

/** The sink: accepts and discards every message, in its own process so it does not compete with the sender's event loop. */
async function sink() {
  const { SMTPServer } = await import('smtp-server');
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    onData(stream, _session, cb) {
      stream.on('end', () => cb(null, 'Ok'));
      stream.resume();
    },
  });
  server.listen(0, '127.0.0.1', () => process.send({ port: server.server.address().port }));
  process.on('disconnect', () => process.exit(0));
}

function result(extra) {
  const cpu = process.cpuUsage();
  process.send({ ...extra, cpuMs: (cpu.user + cpu.system) / 1000, maxRssMb: process.resourceUsage().maxRSS / 1024 });
}

/** The ceiling: the real digest's message for one reader, composed once, sent N times through a pool of the same size. */
async function ceiling() {
  const nodemailer = (await import('nodemailer')).default;
  const { loadConfig } = await import(dist('config/load.js'));
  const { loadSite } = await import(dist('content/load.js'));
  const { nextIssue, renderIssue } = await import(dist('pipeline/next-issue.js'));
  const { unsubscribeUrl } = await import(dist('delivery/messages.js'));
  const { personalize } = await import(dist('email/digest.js'));
  const { buildMessage } = await import(dist('email/message.js'));
  const { publicUrls } = await import(dist('config/urls.js'));
  const { openStore } = await import(dist('store/open.js'));
  const { systemClock } = await import(dist('clock.js'));
  const config = await loadConfig(path.join(args.dir, 'broadsheet.config.yaml'));
  const store = await openStore(config.paths.data);
  const plan = await nextIssue(await loadSite(config, systemClock), store);
  await store.close();
  const issue = await renderIssue(config, plan, systemClock);
  // Composed the way nodemailer composes any message: from the personalised HTML and text, which it encodes at each send.
  const recipient = { email: 'reader@example.org', name: 'Reader', unsubscribeUrl: unsubscribeUrl(config, SECRET, 'reader@example.org'), viewUrl: publicUrls(config).issue(issue.number) };
  const mail = buildMessage(config, issue, personalize(issue)(recipient), recipient, { messageId: '<ceiling@example.org>' });
  const transport = nodemailer.createTransport({ pool: true, url: `smtp://127.0.0.1:${args.port}`, maxConnections: CONNECTIONS, maxMessages: Infinity });
  const started = performance.now();
  await Promise.all(Array.from({ length: N }, () => transport.sendMail(mail)));
  const seconds = (performance.now() - started) / 1000;
  transport.close();
  result({ seconds, bytes: Buffer.byteLength(String(mail.html)) });
}

/** broadsheet: runDigestJob, the code `broadsheet send` runs, over N subscribers. */
async function broadsheet() {
  const { loadConfig } = await import(dist('config/load.js'));
  const { runDigestJob } = await import(dist('pipeline/digest-job.js'));
  const { openStore } = await import(dist('store/open.js'));
  const { silentLogger } = await import(dist('log.js'));
  const { systemClock } = await import(dist('clock.js'));
  const config = await loadConfig(path.join(args.dir, 'broadsheet.config.yaml'));
  const started = performance.now();
  // As `broadsheet send` opens it.
  const store = await openStore(config.paths.data, { thread: true });
  const r = await runDigestJob({
    config,
    store,
    clock: systemClock,
    log: silentLogger,
    signal: new AbortController().signal,
    env: { SMTP_URL: `smtp://127.0.0.1:${args.port}`, BROADSHEET_SECRET: SECRET },
  });
  await store.close();
  const seconds = (performance.now() - started) / 1000;
  if (r.kind !== 'sent' || r.accepted !== N) throw new Error(`unexpected result ${JSON.stringify(r)}`);
  result({ seconds });
}

async function project() {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'broadsheet-bench-'));
  await cp(path.join(root, 'articles'), path.join(dir, 'articles'), { recursive: true });
  await cp(path.join(root, 'email-templates'), path.join(dir, 'email-templates'), { recursive: true });
  const yaml = (await import('node:fs/promises')).readFile(path.join(root, 'broadsheet.config.yaml'), 'utf8');
  await writeFile(path.join(dir, 'broadsheet.config.yaml'), (await yaml).replace(/maxConnections: \d+/, `maxConnections: ${CONNECTIONS}`).replace(/rateLimit: [\d.]+/, 'rateLimit: 0'));
  const { openStore } = await import(dist('store/open.js'));
  await mkdir(path.join(dir, 'data'));
  const store = await openStore(path.join(dir, 'data'));
  const readers = Array.from({ length: N }, (_, i) => ({ email: `reader${i}@example.org`, name: `Reader ${i}` }));
  await store.addSubscribers(readers, new Date(), { resubscribe: false });
  await store.close();
  return dir;
}

function child(role, extra = []) {
  return new Promise((resolve, reject) => {
    const c = fork(import.meta.filename, ['--role', role, '--messages', String(N), ...extra], { execArgv: process.env.BENCH_PROFILE && role === process.env.BENCH_PROFILE_ROLE ? ['--cpu-prof', '--cpu-prof-dir=' + process.env.BENCH_PROFILE] : [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    c.once('message', (m) => resolve({ child: c, message: m }));
    c.once('exit', (code) => code !== 0 && reject(new Error(`${role} exited with ${code}`)));
  });
}

export async function runSendBench(messages = 10_000) {
  N = messages;
  const server = await child('sink');
  const port = String(server.message.port);
  const runs = { ceiling: [], broadsheet: [] };
  const dirs = [];
  try {
    for (let round = 0; round < 2; round++) {
      const dir = await project();
      dirs.push(dir);
      for (const role of ['ceiling', 'broadsheet']) {
        const { message } = await child(role, ['--port', port, '--dir', dir]);
        runs[role].push(message);
      }
    }
  } finally {
    server.child.disconnect();
    server.child.kill();
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  }
  const best = (list) => list.reduce((a, b) => (b.seconds < a.seconds ? b : a));
  const c = best(runs.ceiling);
  const b = best(runs.broadsheet);
  const rate = (r) => N / r.seconds;
  const peak = Math.max(...runs.broadsheet.map((r) => r.maxRssMb));
  console.log(`send: ${N} messages of the example digest (HTML part ${(c.bytes / 1024).toFixed(0)} KB), ${CONNECTIONS} pooled connections to a local smtp-server (best of ${runs.ceiling.length})`);
  console.log(`send: ceiling (bare nodemailer pool, one message composed from its HTML and text, encoded by nodemailer at each send): ${rate(c).toFixed(0)} messages/s`);
  console.log(`send: broadsheet send (render and encode once, personalise, ledger, submit): ${rate(b).toFixed(0)} messages/s`);
  console.log(`send: broadsheet / ceiling: ${((rate(b) / rate(c)) * 100).toFixed(1)}% (target >= 90%)`);
  const perMessage = (list) => Math.min(...list.map((r) => (r.cpuMs * 1000) / N));
  console.log(`send: CPU per message in the sending process (whole process, start-up included): ceiling ${perMessage(runs.ceiling).toFixed(0)} µs, broadsheet ${perMessage(runs.broadsheet).toFixed(0)} µs`);
  console.log(`send: peak memory of the sending process: ${peak.toFixed(0)} MB (target < 300 MB)`);
}

const roles = { sink, ceiling, broadsheet };
if (direct && args.role) await roles[args.role]();
else if (direct) await runSendBench(N);
