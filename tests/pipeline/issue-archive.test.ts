import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isBroadsheetError } from '../../src/errors.js';
import { silentLogger } from '../../src/log.js';
import { readManifest } from '../../src/output/manifest.js';
import { build } from '../../src/pipeline/build.js';
import { startServer } from '../../src/server/server.js';
import { runCli } from '../helpers/cli.js';
import { runJob, TEST_SHEET } from '../helpers/delivery.js';
import { http } from '../helpers/http.js';
import { CLOCK, makeProject, SECRET, type Project } from '../helpers/project.js';
import { startSmtp, type Smtp } from '../helpers/smtp.js';

let project: Project;
let smtp: Smtp;

beforeEach(async () => {
  project = makeProject({ articles: 'none', config: TEST_SHEET });
  project.article('first-story', { title: 'First story', date: '2025-08-20T09:00:00Z' });
  await project.addSubscribers(['ann@example.org', 'bo@example.net']);
  smtp = await startSmtp();
});
afterEach(async () => {
  await smtp.close();
});

const out = (rel: string) => path.join(project.output, rel);
const read = (rel: string) => readFileSync(out(rel), 'utf8');
const ARCHIVE = ['issues/1/index.html', 'issues/index.html', 'issues/latest.json'];

async function buildWithStore(): Promise<Awaited<ReturnType<typeof build>>> {
  const store = existsSync(project.data) ? await project.store() : undefined;
  try {
    return await build(await project.loadConfig(), CLOCK, store);
  } finally {
    await store?.close();
  }
}

async function refusal(over: Parameters<typeof runJob>[2] = {}): Promise<string> {
  const e = await runJob(project, smtp, over).then(
    () => undefined,
    (error: unknown) => error,
  );
  if (!isBroadsheetError(e) || e.code !== 'LEDGER_MISSING') throw new Error(`expected LEDGER_MISSING, got ${String(e)}`);
  return e.message;
}

describe('the static issue archive', () => {
  it('is written by the send that creates an issue (before its first copy goes out), kept by builds, and is what serve answers', async () => {
    // The moment the first message is accepted, the issue's page is already there.
    const seenBySmtp: boolean[] = [];
    await smtp.close();
    smtp = await startSmtp({ afterData: () => void seenBySmtp.push(existsSync(out('issues/1/index.html'))) });
    const sent = await runJob(project, smtp);
    expect(sent).toEqual({ kind: 'sent', issue: 1, accepted: 2, failed: 0, givenUp: 0, pending: 0 });
    expect(seenBySmtp).toEqual([true, true]);

    expect(read('issues/latest.json')).toBe('{"latestIssue":1}\n');
    expect(read('issues/index.html')).toContain('<li><a href="1/">No. 1: The Test Sheet: First story</a> <time datetime="2025-09-01T07:00:00.000Z">2025-09-01</time></li>');
    const page = read('issues/1/index.html');
    expect(page).toContain('https://news.example.test/first-story/');
    expect(page).toContain('href="https://news.example.test/unsubscribe/"');
    expect(page).not.toContain('ann@example.org');
    expect(await readManifest(project.output)).toEqual(ARCHIVE);

    // A build with the data folder writes the same bytes, and owns them.
    const report = await buildWithStore();
    expect(report.written.filter((p) => p.startsWith('issues/'))).toEqual([]);
    expect(report.unchanged).toEqual(expect.arrayContaining(ARCHIVE));
    expect((await readManifest(project.output)).filter((p) => p.startsWith('issues/'))).toEqual(ARCHIVE);

    const store = await project.store();
    const server = await startServer({ config: await project.loadConfig(), clock: CLOCK, log: silentLogger, store, secret: SECRET, host: '127.0.0.1', port: 0 });
    try {
      for (const [url, file] of [['/issues/', 'issues/index.html'], ['/issues/1/', 'issues/1/index.html'], ['/issues/latest.json', 'issues/latest.json']] as const) {
        const r = await http(server.url, url);
        expect(r.status).toBe(200);
        expect(r.text).toBe(read(file));
      }
      expect((await http(server.url, '/issues/latest.json')).headers['content-type']).toBe('application/json; charset=utf-8');
    } finally {
      await server.close();
      await store.close();
    }
  });

  it('is left as it is by a build whose data folder is missing, with a warning; a build with the data folder back owns it again', async () => {
    await runJob(project, smtp);
    const before = ARCHIVE.map(read);
    renameSync(project.data, `${project.data}.away`);

    const report = await buildWithStore();
    expect(report.warnings.map((w) => `${w.file}: ${w.message}`)).toContain(
      'output/issues/latest.json: records issue 1, but the data folder (data) has no issue; the issue archive is left as it is, and send will refuse until the data folder is restored',
    );
    expect(report.removed).toEqual([]);
    expect(ARCHIVE.map(read)).toEqual(before);
    expect(await readManifest(project.output)).toEqual(expect.arrayContaining(ARCHIVE));

    renameSync(`${project.data}.away`, project.data);
    const again = await buildWithStore();
    expect(again.warnings).toEqual([]);
    expect(again.unchanged).toEqual(expect.arrayContaining(ARCHIVE));
  });
});

describe('a ledger expected from a previous run', () => {
  it('missing: send and a dry run refuse and send nothing; --new-ledger starts over', async () => {
    await runJob(project, smtp);
    expect(smtp.received).toHaveLength(2);
    rmSync(project.data, { recursive: true });
    await project.addSubscribers(['ann@example.org', 'bo@example.net']);

    expect(await refusal()).toBe(
      'output/issues/latest.json records issue 1, but the ledger in data has no issue at all: the data folder of earlier runs is missing or older. ' +
        'Restore it (see docs/deploying.md) and run again, or pass --new-ledger to start a new ledger: the next issue then goes to every subscriber as if it were the first',
    );
    expect(await refusal({ dryRun: true })).toContain('records issue 1');
    expect(existsSync(out('outbox'))).toBe(false);
    expect(smtp.received).toHaveLength(2);

    expect(await runJob(project, smtp, { newLedger: true })).toMatchObject({ kind: 'sent', issue: 1, accepted: 2 });
    expect(smtp.received).toHaveLength(4);
  });

  it('older than the archive: refused, naming the latest issue it knows', async () => {
    await runJob(project, smtp);
    writeFileSync(out('issues/latest.json'), '{"latestIssue":3}\n');
    project.article('second-story', { title: 'Second story', date: '2025-08-21T09:00:00Z' });
    expect(await refusal()).toMatch(/^output\/issues\/latest\.json records issue 3, but the ledger in data knows only issues up to 1: /);
  });

  it('through the CLI: send and schedule --once exit 1 with LEDGER_MISSING', async () => {
    await runJob(project, smtp);
    rmSync(project.data, { recursive: true });
    const env = { BROADSHEET_SECRET: SECRET, SMTP_URL: smtp.url };
    for (const args of [['send'], ['schedule', '--once']]) {
      const r = await runCli(args, { cwd: project.dir, env });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('error [LEDGER_MISSING]: output/issues/latest.json records issue 1, but the ledger in data has no issue at all');
    }
    expect(smtp.received).toHaveLength(2);
    // The new ledger has no subscribers yet: the issue is created, and goes to nobody.
    const forced = await runCli(['send', '--new-ledger'], { cwd: project.dir, env });
    expect(forced.stdout).toBe('issue 1: 0 accepted, 0 failed, 0 pending\nnot mailed: 0 pending confirmation, 0 unsubscribed, 0 bounced, 0 complained\n');
    expect(forced.code).toBe(0);
  });
});
