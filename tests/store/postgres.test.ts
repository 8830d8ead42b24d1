import { spawn } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/open.js';
import { PG_MIGRATIONS } from '../../src/store/postgres/migrations.js';
import { REPO, tempDir } from '../helpers/project.js';
import { testPostgres } from '../helpers/postgres.js';
import { storeConformance } from './conformance.js';

const server = await testPostgres();

if (server) {
  // Each test on a database of its own.
  storeConformance('PostgreSQL', async () => openStore(tempDir(), { url: await server.newDatabase() }));

  describe('PostgreSQL store', () => {
    it('processes opening a new database at once migrate it once, and all of them open it', async () => {
      const url = await server.newDatabase();
      const open = `import(${JSON.stringify(pathToFileURL(path.join(REPO, 'dist/store/open.js')).href)}).then((m) => m.openStore('.', { url: ${JSON.stringify(url)} })).then((s) => s.close())`;
      const exits = await Promise.all(
        Array.from({ length: 4 }, () => new Promise<number | null>((resolve) => spawn(process.execPath, ['-e', open], { stdio: 'ignore' }).on('close', resolve))),
      );
      expect(exits).toEqual([0, 0, 0, 0]);
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        expect((await client.query('SELECT version FROM broadsheet_schema')).rows).toEqual([{ version: PG_MIGRATIONS.length }]);
        // The schema itself refuses a second row for one address.
        await expect(client.query(`INSERT INTO subscribers (email, status, created_at, joined_at, joined_via) VALUES ('a@x.org', 'subscribed', now(), now(), 'form'), ('a@x.org', 'subscribed', now(), now(), 'form')`)).rejects.toMatchObject({ code: '23505' });
      } finally {
        await client.end();
      }
    });

    it('a server that is not there is DATABASE_UNREACHABLE, naming it without the password', async () => {
      const err = await openStore(tempDir(), { url: 'postgres://broadsheet:s3cret-pw@127.0.0.1:1/news' }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'DATABASE_UNREACHABLE' });
      expect((err as Error).message).toContain('127.0.0.1:1/news');
      expect((err as Error).message).not.toContain('s3cret-pw');
    });
  });
}
