import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll } from 'vitest';
import { postgresBinDir, tool } from './tools.js';

/**
 * PostgreSQL for a test file: `await testPostgres()` is undefined when there
 * is none (a notice was printed; the caller skips), else `{ newDatabase }`,
 * which makes an empty database and returns its URL, so that each test
 * starts on a fresh one.
 *
 * The server is BROADSHEET_TEST_DATABASE_URL when set (CI: .ci/run starts a
 * cluster and sets it); otherwise a throwaway cluster made from Debian's
 * binaries in a temp folder, on a private port and socket folder, run as the
 * `postgres` user when the tests run as root (initdb refuses root), and
 * stopped after the file. Without either, the checks skip, or fail with
 * BROADSHEET_REQUIRE_TOOLS=1.
 */
export async function testPostgres(): Promise<{ url: string; newDatabase(): Promise<string> } | undefined> {
  if (!tool('postgresql')) return undefined;
  const admin = process.env.BROADSHEET_TEST_DATABASE_URL ?? (await startCluster());
  const newDatabase = async () => {
    const name = `broadsheet_${randomBytes(6).toString('hex')}`;
    const client = new pg.Client({ connectionString: admin });
    await client.connect();
    try {
      await client.query(`CREATE DATABASE ${name}`);
    } finally {
      await client.end();
    }
    const url = new URL(admin);
    url.pathname = `/${name}`;
    return url.toString();
  };
  return { url: admin, newDatabase };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/** Starts a cluster for this test file; stopped (and its folder removed) after the file. */
async function startCluster(): Promise<string> {
  const bin = postgresBinDir()!;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'broadsheet-pg-'));
  const root = process.getuid?.() === 0;
  const as = (cmd: string, args: string[]) => (root ? spawnSync('runuser', ['-u', 'postgres', '--', cmd, ...args], { encoding: 'utf8' }) : spawnSync(cmd, args, { encoding: 'utf8' }));
  if (root) {
    const id = (flag: string) => Number(spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' }).stdout.trim());
    chownSync(dir, id('-u'), id('-g'));
  }
  const data = path.join(dir, 'data');
  const init = as(path.join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-locale', '--no-sync']);
  if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr}`);
  const port = await freePort();
  // No fsync: a throwaway cluster; what it proves is the SQL, not the disk.
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200`;
  const start = as(path.join(bin, 'pg_ctl'), ['-D', data, '-l', path.join(dir, 'log'), '-o', options, '-w', 'start']);
  if (start.status !== 0) throw new Error(`pg_ctl start failed: ${start.stderr}${start.stdout}`);
  afterAll(() => {
    as(path.join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop']);
    rmSync(dir, { recursive: true, force: true });
  });
  return `postgres://postgres@127.0.0.1:${port}/postgres`;
}
