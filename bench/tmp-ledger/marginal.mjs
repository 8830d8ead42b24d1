// Dev only: main-thread CPU per message, marginal between two sizes, for broadsheet and the ceiling.
import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cp, mkdir, mkdtemp, rm, writeFile, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
const root = '/work/wt/ledger';
const dist = (p) => path.join(root, 'dist', p);
const role = process.argv[2];
const tick = 100; // USER_HZ
const mainCpuMs = () => { const f = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8').split(') ')[1].split(' '); return ((Number(f[11]) + Number(f[12])) * 1000) / tick; };
const allCpuMs = () => { const c = process.cpuUsage(); return (c.user + c.system) / 1000; };
if (role === 'sink') {
  const { SMTPServer } = await import('smtp-server');
  const server = new SMTPServer({ authOptional: true, disabledCommands: ['AUTH', 'STARTTLS'], logger: false, onData(s, _x, cb) { s.on('end', () => cb(null, 'Ok')); s.resume(); } });
  server.listen(0, '127.0.0.1', () => process.send({ port: server.server.address().port }));
  process.on('disconnect', () => process.exit(0));
} else if (role === 'broadsheet' || role === 'ceiling') {
  const [, , , dir, port, n, thread] = process.argv;
  const N = Number(n);
  const { loadConfig } = await import(dist('config/load.js'));
  const { openStore } = await import(dist('store/open.js'));
  const { systemClock } = await import(dist('clock.js'));
  const config = await loadConfig(path.join(dir, 'broadsheet.config.yaml'));
  if (role === 'ceiling') {
    const nodemailer = (await import('nodemailer')).default;
    const { loadSite } = await import(dist('content/load.js'));
    const { nextIssue, renderIssue } = await import(dist('pipeline/next-issue.js'));
    const { messageMaker } = await import(dist('delivery/messages.js'));
    const store = await openStore(config.paths.data);
    const plan = await nextIssue(await loadSite(config, systemClock), store);
    await store.close();
    const issue = await renderIssue(config, plan, systemClock);
    const { unsubscribeUrl } = await import(dist('delivery/messages.js'));
    const { personalize } = await import(dist('email/digest.js'));
    const { buildMessage } = await import(dist('email/message.js'));
    const { publicUrls } = await import(dist('config/urls.js'));
    const recipient = { email: 'reader@example.org', name: 'Reader', unsubscribeUrl: unsubscribeUrl(config, 'x'.repeat(40), 'reader@example.org'), viewUrl: publicUrls(config).issue(issue.number) };
    const mail = buildMessage(config, issue, personalize(issue)(recipient), recipient, { messageId: '<ceiling@example.org>' });
    const transport = nodemailer.createTransport({ pool: true, url: `smtp://127.0.0.1:${port}`, maxConnections: 5, maxMessages: Infinity });
    const c0 = mainCpuMs(), a0 = allCpuMs(), t0 = performance.now();
    await Promise.all(Array.from({ length: N }, () => transport.sendMail(mail)));
    process.send({ wall: performance.now() - t0, main: mainCpuMs() - c0, all: allCpuMs() - a0 });
    transport.close();
  } else {
    const { runDigestJob } = await import(dist('pipeline/digest-job.js'));
    const { silentLogger } = await import(dist('log.js'));
    const c0 = mainCpuMs(), a0 = allCpuMs(), t0 = performance.now();
    const store = await openStore(config.paths.data, { thread: thread === '1' });
    const r = await runDigestJob({ config, store, clock: systemClock, log: silentLogger, signal: new AbortController().signal, env: { SMTP_URL: `smtp://127.0.0.1:${port}`, BROADSHEET_SECRET: 'x'.repeat(40) } });
    await store.close();
    if (r.accepted !== N) throw new Error(JSON.stringify(r));
    process.send({ wall: performance.now() - t0, main: mainCpuMs() - c0, all: allCpuMs() - a0 });
  }
  process.exit(0);
} else {
  const child = (args) => new Promise((res, rej) => { const c = fork(import.meta.filename, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }); c.once('message', (m) => res({ c, m })); c.once('exit', (code) => code && rej(new Error('exit ' + code))); });
  const sink = await child(['sink']);
  const port = String(sink.m.port);
  const project = async (N) => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'bs-marg-'));
    await cp(path.join(root, 'articles'), path.join(dir, 'articles'), { recursive: true });
    await cp(path.join(root, 'email-templates'), path.join(dir, 'email-templates'), { recursive: true });
    await writeFile(path.join(dir, 'broadsheet.config.yaml'), (await readFile(path.join(root, 'broadsheet.config.yaml'), 'utf8')).replace(/maxConnections: \d+/, 'maxConnections: 5').replace(/rateLimit: [\d.]+/, 'rateLimit: 0'));
    const { openStore } = await import(dist('store/open.js'));
    const store = await openStore(path.join(dir, 'data'));
    await store.addSubscribers(Array.from({ length: N }, (_, i) => ({ email: `reader${i}@example.org`, name: `Reader ${i}` })), new Date(), { resubscribe: false });
    await store.close();
    return dir;
  };
  const sizes = [1000, 4000];
  const thread = process.argv[3] ?? '0';
  const out = {};
  for (const r of ['ceiling', 'broadsheet']) for (const n of sizes) {
    const dir = await project(n);
    const { m } = await child([r, dir, port, String(n), thread]);
    out[`${r}${n}`] = m;
    await rm(dir, { recursive: true, force: true });
  }
  const marg = (r, k) => ((out[`${r}${sizes[1]}`][k] - out[`${r}${sizes[0]}`][k]) * 1000) / (sizes[1] - sizes[0]);
  for (const r of ['ceiling', 'broadsheet']) console.log(`${r}: marginal per message: main thread ${marg(r, 'main').toFixed(0)} µs, process ${marg(r, 'all').toFixed(0)} µs, wall ${marg(r, 'wall').toFixed(0)} µs; fixed wall at ${sizes[0]}: ${(out[`${r}${sizes[0]}`].wall - (sizes[0] * marg(r, 'wall')) / 1000).toFixed(0)} ms`);
  sink.c.kill();
}
