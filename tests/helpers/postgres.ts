import { randomBytes } from 'node:crypto';
import { afterAll } from 'vitest';
import { createDatabase, startCluster } from '../../scripts/pg-cluster.mjs';
import { tool } from './tools.js';

/**
 * PostgreSQL for a test file: `await testPostgres()` is undefined when there
 * is none (a notice was printed; the caller skips), else `{ newDatabase }`,
 * which makes an empty database and returns its URL, so that each test
 * starts on a fresh one.
 *
 * The server is BROADSHEET_TEST_DATABASE_URL when set (CI: .ci/run starts a
 * cluster and sets it); otherwise a throwaway cluster (scripts/pg-cluster.mjs)
 * from Debian's binaries, stopped after the file. Without either, the checks
 * skip, or fail with BROADSHEET_REQUIRE_TOOLS=1.
 */
export async function testPostgres(): Promise<{ url: string; newDatabase(): Promise<string> } | undefined> {
  if (!tool('postgresql')) return undefined;
  let admin = process.env.BROADSHEET_TEST_DATABASE_URL;
  if (!admin) {
    const cluster = await startCluster();
    afterAll(() => cluster.stop());
    admin = cluster.url;
  }
  const server = admin;
  return { url: server, newDatabase: () => createDatabase(server, `broadsheet_${randomBytes(6).toString('hex')}`) };
}
