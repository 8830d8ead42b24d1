import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/open.js';
import { DATABASE_FILE } from '../../src/store/sqlite/sqlite-store.js';
import { holdWriteLock } from '../helpers/db-lock.js';
import { runCli } from '../helpers/cli.js';
import { CLI, makeProject, SECRET, type Project } from '../helpers/project.js';
import { runOnTmpfs, tmpfsAllowed } from '../helpers/tmpfs.js';

const AT = new Date('2025-09-01T07:00:00Z');
let project: Project;

beforeAll(() => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build:ts first`);
});
afterEach(() => project?.cleanup());

/** A data folder with `n` subscribers, written and closed the ordinary way. */
async function seed(dir: string, n: number): Promise<void> {
  const store = await openStore(dir);
  await store.addSubscribers(Array.from({ length: n }, (_, i) => ({ email: `reader${i}@example.org`, name: `Reader ${i}` })), AT, { resubscribe: false });
  await store.close();
}

/** The CLI's last stderr line, which must be the one error line: no stack, no INTERNAL. */
function errorLine(stderr: string): string {
  expect(stderr).not.toContain('INTERNAL');
  expect(stderr).not.toMatch(/\n\s+at /);
  return stderr.trim().split('\n').at(-1)!;
}

describe('a database broadsheet cannot use is an error with its own code, a message that says what to do, and exit 1', () => {
  it('an empty broadsheet.db is damage, never a new database: nothing is created over it', async () => {
    project = makeProject();
    const file = path.join(project.dir, 'data', DATABASE_FILE);
    mkdirSync(path.dirname(file));
    writeFileSync(file, '');
    for (const args of [['subscribers', 'list'], ['build'], ['send', '--dry-run']]) {
      const r = await runCli(args, { cwd: project.dir, env: { BROADSHEET_SECRET: SECRET } });
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(1);
      expect(errorLine(r.stderr)).toBe(
        `error [DATABASE_CORRUPT]: cannot open the database: ${file} is damaged (an empty file, 0 bytes); it was left as it is. Restore it from a backup (or try sqlite3 broadsheet.db .recover); broadsheet will not start afresh over it`,
      );
    }
    expect(statSync(file).size).toBe(0);
    expect(existsSync(`${file}-wal`)).toBe(false);
  });

  it('a damaged page is found by the quick check when the database is opened, before anything reads or writes it', async () => {
    project = makeProject();
    const data = path.join(project.dir, 'data');
    await seed(data, 500);
    const file = path.join(data, DATABASE_FILE);
    const bytes = readFileSync(file);
    // Page 6 of about 24 holds part of the subscribers table; a count through the index would still say 500.
    for (let i = 0; i < 4096; i++) bytes[5 * 4096 + i] = (i * 37) % 256;
    writeFileSync(file, bytes);
    for (const args of [['subscribers', 'list'], ['subscribers', 'add', 'new@example.org']]) {
      const r = await runCli(args, { cwd: project.dir });
      expect(r.code, r.stderr).toBe(1);
      expect(errorLine(r.stderr)).toMatch(
        new RegExp(`^error \\[DATABASE_CORRUPT\\]: cannot open the database: ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is damaged \\(.*(quick_check|malformed).*\\); it was left as it is\\. Restore it from a backup`),
      );
    }
    expect(readFileSync(file).equals(bytes)).toBe(true);
  });

  it('a file that is not a database at all', async () => {
    project = makeProject();
    const file = path.join(project.dir, 'data', DATABASE_FILE);
    mkdirSync(path.dirname(file));
    writeFileSync(file, 'name,email\nAnn,ann@example.org\n'.repeat(200));
    const r = await runCli(['subscribers', 'list'], { cwd: project.dir });
    expect(r.code).toBe(1);
    expect(errorLine(r.stderr)).toMatch(/^error \[DATABASE_CORRUPT\]: cannot open the database: .*broadsheet\.db is damaged \(SQLITE_NOTADB: file is not a database\); it was left as it is/);
  });

  it('another process holding the write lock: a write waits 5 s, then DATABASE_BUSY and nothing changed; reads go on meanwhile', async () => {
    project = makeProject();
    const data = path.join(project.dir, 'data');
    await seed(data, 3);
    const lock = await holdWriteLock(path.join(data, DATABASE_FILE));
    try {
      const list = await runCli(['subscribers', 'list'], { cwd: project.dir });
      expect(list.code, list.stderr).toBe(0);
      expect(list.stdout).toContain('reader0@example.org');
      const started = performance.now();
      const add = await runCli(['subscribers', 'add', 'new@example.org'], { cwd: project.dir });
      expect(performance.now() - started).toBeGreaterThanOrEqual(5000);
      expect(add.code).toBe(1);
      expect(errorLine(add.stderr)).toBe(
        `error [DATABASE_BUSY]: cannot add the subscribers: another process has held ${path.join(data, DATABASE_FILE)} locked for more than 5 s (an import, a backup, a sqlite3 shell?); nothing was changed, run the command again once it has finished`,
      );
    } finally {
      await lock.release();
    }
    const again = await runCli(['subscribers', 'add', 'new@example.org'], { cwd: project.dir });
    expect(again.code, again.stderr).toBe(0);
  });

  describe('on a small tmpfs', () => {
    /** Runs the CLI with the project's data folder on a 1 MB tmpfs seeded with three subscribers. */
    async function onTmpfs(args: string[], o: { freeBytes?: number; readOnly?: boolean; then?: string[] }, files: Record<string, string> = {}) {
      project = makeProject();
      for (const [name, text] of Object.entries(files)) project.write(name, text);
      const seedFrom = path.join(project.dir, 'seed');
      await seed(seedFrom, 3);
      const mountAt = path.join(project.dir, 'data');
      mkdirSync(mountAt);
      // `then` runs after, on the same tmpfs (it is gone with the command): what the failed command left.
      const q = (a: string) => `'${a.replace(/'/g, `'\\''`)}'`;
      const script = [[process.execPath, CLI, ...args], ...(o.then ? [[process.execPath, CLI, ...o.then]] : [])].map((c) => c.map(q).join(' '));
      const r = await runOnTmpfs(['sh', '-c', `${script[0]}; status=$?; ${script[1] ?? 'true'}; exit $status`], { mountAt, seedFrom, sizeKb: 1024, cwd: project.dir, env: { PATH: process.env.PATH }, ...o });
      expect(r.code, r.stderr).toBe(1);
      return { line: errorLine(r.stderr), after: r.stdout, mountAt: mountAt.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') };
    }

    it('a full disk: DATABASE_FULL, the import rolled back', async (t) => {
      if (!tmpfsAllowed()) return t.skip();
      const rows = Array.from({ length: 4000 }, (_, i) => `new${i}@example.org,New reader number ${i}\n`).join('');
      const { line, after, mountAt } = await onTmpfs(['subscribers', 'import', 'people.csv'], { freeBytes: 96 * 1024, then: ['subscribers', 'list'] }, { 'people.csv': `email,name\n${rows}` });
      expect(line).toMatch(new RegExp(`^error \\[DATABASE_FULL\\]: cannot import the subscribers: the disk holding ${mountAt} is full \\(SQLITE_FULL: database or disk is full\\); nothing was changed, free some space and run the command again$`));
      // The three subscribers it had, and none of the 4,000.
      expect(after.trim().split('\n').filter((l) => l.includes('@')).map((l) => l.split(/\s+/)[0])).toEqual(['reader0@example.org', 'reader1@example.org', 'reader2@example.org']);
    });

    it('a disk too full to open the database at all', async (t) => {
      if (!tmpfsAllowed()) return t.skip();
      const { line } = await onTmpfs(['subscribers', 'list'], { freeBytes: 0 });
      expect(line).toMatch(/^error \[DATABASE_FULL\]: cannot open the database: the disk holding .* is full \(.*\); nothing was changed, free some space and run the command again$/);
    });

    it('a read-only data folder: DATABASE_READ_ONLY, saying which folder must be writable', async (t) => {
      if (!tmpfsAllowed()) return t.skip();
      const { line, mountAt } = await onTmpfs(['subscribers', 'add', 'new@example.org'], { readOnly: true });
      expect(line).toMatch(
        new RegExp(`^error \\[DATABASE_READ_ONLY\\]: cannot .*: ${mountAt} cannot be written \\(.*\\); broadsheet keeps broadsheet\\.db and its -wal and -shm files there: make the folder writable by this user, or point data\\.dir at one that is$`),
      );
    });
  });
});
