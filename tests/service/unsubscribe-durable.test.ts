import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createUnsubscribeToken } from '../../src/delivery/tokens.js';
import { openStore } from '../../src/store/open.js';
import { DATABASE_FILE } from '../../src/store/sqlite/sqlite-store.js';
import { followCli, startCli, type RunningCli } from '../helpers/child.js';
import { cliEnv } from '../helpers/cli.js';
import { holdWriteLock } from '../helpers/db-lock.js';
import { http, type HttpResponse } from '../helpers/http.js';
import { CLI, makeProject, SECRET, type Project } from '../helpers/project.js';
import { seen, spawnOnTmpfs, tmpfsAllowed } from '../helpers/tmpfs.js';
import { tool } from '../helpers/tools.js';

const READER = 'reader@example.org';
const ONE_CLICK = { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' };
const unsubscribePath = `/unsubscribe/${createUnsubscribeToken(SECRET, READER)}`;

let project: Project;
let serve: RunningCli | undefined;

beforeAll(() => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build:ts first`);
});

afterEach(() => {
  if (serve && serve.child.exitCode === null && serve.child.signalCode === null) {
    serve.child.kill('SIGKILL');
    // Under strace the server is in the child's own process group.
    try {
      process.kill(-serve.child.pid!, 'SIGKILL');
    } catch {
      // Not a group leader: the child alone was enough.
    }
  }
  serve = undefined;
  project?.cleanup();
});

/** A site with a feed in its output folder and one subscriber, in `dataDir`. */
async function setUp(dataDir = path.join(project.dir, 'data')): Promise<void> {
  project.write('output/rss.xml', '<?xml version="1.0"?><rss version="2.0"><channel><title>T</title></channel></rss>\n');
  const store = await openStore(dataDir);
  await store.addSubscribers([{ email: READER }, { email: 'other@example.org' }], new Date('2025-09-01T07:00:00Z'), { resubscribe: false });
  await store.close();
}

const serveArgs = ['serve', '--port', '0', '--log-format', 'json'];

async function listening(run: RunningCli): Promise<string> {
  return (await run.waitFor((e) => e.event === 'listening')).url as string;
}

/** The reader's status as committed in the database (the file and its WAL, copied first when they are only reachable through /proc). */
function status(file: string, email = READER): string {
  let open = file;
  if (file.startsWith('/proc/')) {
    // SQLite resolves /proc/<pid>/root to the host's root: read a copy instead.
    const dir = mkdtempSync(path.join(os.tmpdir(), 'broadsheet-copy-'));
    open = path.join(dir, DATABASE_FILE);
    copyFileSync(file, open);
    if (existsSync(`${file}-wal`)) copyFileSync(`${file}-wal`, `${open}-wal`);
  }
  const db = new Database(open);
  try {
    return (db.prepare('SELECT status FROM subscribers WHERE email = ?').get(email) as { status: string }).status;
  } finally {
    db.close();
    if (open !== file) rmSync(path.dirname(open), { recursive: true, force: true });
  }
}

/** Requests other paths every 50 ms until `until` settles; resolves to each one's time in ms. */
async function probeWhile(base: string, until: Promise<unknown>): Promise<number[]> {
  let done = false;
  void until.finally(() => (done = true));
  const times: number[] = [];
  while (!done) {
    for (const p of ['/rss.xml', '/healthz', '/issues/']) {
      const t = performance.now();
      const r = await http(base, p);
      times.push(performance.now() - t);
      expect(r.status, p).toBe(200);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return times;
}

function expectNotRecorded(r: HttpResponse): void {
  expect(r.status).toBe(503);
  expect(r.headers['retry-after']).toBe('30');
  expect(r.headers['cache-control']).toBe('no-store');
  expect(r.text).toContain('<h1>Unsubscribe not recorded yet</h1>');
  expect(r.text).toContain('nothing has changed yet. Please press the button again in a minute');
}

describe('one-click unsubscribe when the database cannot take it', () => {
  it('another process holds the write lock: other requests answer at once, the POST gets 503 with Retry-After, never 200, and the same POST goes through once the lock is released', async () => {
    project = makeProject();
    await setUp();
    const file = path.join(project.dir, 'data', DATABASE_FILE);
    serve = startCli(serveArgs, { cwd: project.dir, env: { BROADSHEET_SECRET: SECRET } });
    const base = await listening(serve);

    const lock = await holdWriteLock(file);
    let refused: HttpResponse;
    try {
      const started = performance.now();
      const post = http(base, unsubscribePath, ONE_CLICK);
      const times = await probeWhile(base, post);
      refused = await post;
      // It waited for the lock (5 s) without holding anyone else up.
      expect(performance.now() - started).toBeGreaterThanOrEqual(4900);
      expect(times.length).toBeGreaterThanOrEqual(15);
      expect(Math.max(...times)).toBeLessThan(1000);
      expectNotRecorded(refused);
      expect(status(file)).toBe('subscribed');
    } finally {
      await lock.release();
    }
    const log = serve.events.find((e) => e.event === 'unsubscribe not recorded')!;
    expect(log).toMatchObject({ level: 'error', subscriber: 'r***@example.org', code: 'DATABASE_BUSY' });

    const retried = await http(base, unsubscribePath, ONE_CLICK);
    expect(retried.status).toBe(200);
    expect(retried.text).toContain('will receive no more digests');
    expect(status(file)).toBe('unsubscribed');
  });

  it('a full disk: 503, the reader stays subscribed; once there is room the same POST goes through', async (t) => {
    if (!tmpfsAllowed()) return t.skip();
    project = makeProject();
    const seedDir = path.join(project.dir, 'seed');
    await setUp(seedDir);
    const mountAt = path.join(project.dir, 'data');
    mkdirSync(mountAt);
    const child = spawnOnTmpfs([process.execPath, CLI, ...serveArgs], { mountAt, sizeKb: 1024, seedFrom: seedDir, cwd: project.dir, env: cliEnv({ BROADSHEET_SECRET: SECRET }) });
    serve = followCli(child);
    const base = await listening(serve);
    // Fill what is left of the disk, as the server sees it.
    const filler = seen(child, path.join(mountAt, '.filler'));
    try {
      writeFileSync(filler, Buffer.alloc(2 * 1024 * 1024));
    } catch (e) {
      expect((e as NodeJS.ErrnoException).code).toBe('ENOSPC');
    }
    const file = seen(child, path.join(mountAt, DATABASE_FILE));

    const refused = await http(base, unsubscribePath, ONE_CLICK);
    expectNotRecorded(refused);
    expect(serve.events.find((e) => e.event === 'unsubscribe not recorded')).toMatchObject({ code: 'DATABASE_FULL' });
    expect(status(file)).toBe('subscribed');
    expect((await http(base, '/rss.xml')).status).toBe(200);

    rmSync(filler);
    const retried = await http(base, unsubscribePath, ONE_CLICK);
    expect(retried.status).toBe(200);
    expect(status(file)).toBe('unsubscribed');
  });

  it('an unsubscribe answered 200 is on disk before the answer: the WAL is synced before the response is written', async (t) => {
    if (!tool('strace')) return t.skip();
    project = makeProject();
    await setUp();
    const trace = path.join(os.tmpdir(), `broadsheet-strace-${process.pid}-${Date.now()}.txt`);
    const child = spawn('strace', ['-f', '-qq', '-y', '-s', '24', '-e', 'trace=fsync,fdatasync,write,writev', '-o', trace, process.execPath, CLI, ...serveArgs], {
      cwd: project.dir,
      env: cliEnv({ BROADSHEET_SECRET: SECRET }),
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group, so that the signal reaches the server and not only strace.
      detached: true,
    });
    serve = followCli(child);
    try {
      const base = await listening(serve);
      // Two unsubscribes: the first starts a new WAL, whose header SQLite syncs even in synchronous=NORMAL;
      // the second is only on disk if its own commit is synced.
      const first = await http(base, `/unsubscribe/${createUnsubscribeToken(SECRET, 'other@example.org')}`, ONE_CLICK);
      const second = await http(base, unsubscribePath, ONE_CLICK);
      expect([first.status, second.status]).toEqual([200, 200]);
      process.kill(-child.pid!, 'SIGTERM');
      await serve.exited;
      const lines = readFileSync(trace, 'utf8').split('\n');
      const answered = lines.flatMap((l, i) => (/\bwritev?\(\d+<(TCP|socket)[^>]*>, .*HTTP\/1\.1 200/.test(l) ? [i] : []));
      const synced = lines.flatMap((l, i) => (/\b(fsync|fdatasync)\(\d+<[^>]*broadsheet\.db-wal>\) += 0/.test(l) ? [i] : []));
      expect(answered, 'two 200 responses').toHaveLength(2);
      expect(synced.filter((i) => i > answered[0]! && i < answered[1]!), 'a sync of broadsheet.db-wal between the two answers').not.toEqual([]);
    } finally {
      rmSync(trace, { force: true });
    }
  });
});
