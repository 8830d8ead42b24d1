import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/clock.js';
import { openStore } from '../../src/store/open.js';
import { createLogger } from '../../src/log.js';
import { runCli, SECRET } from '../delivery/helpers.js';
import { makeProject, type Project } from '../helpers/project.js';

const PASSWORD = 'pa55-w0rd-never-logged';

describe('log lines', () => {
  it('are one line per event, text by default and JSON on request, with secrets redacted', () => {
    const lines: string[] = [];
    const options = { clock: fixedClock('2025-09-01T07:00:00Z'), write: (l: string) => lines.push(l), secrets: [PASSWORD, SECRET] };
    createLogger({ ...options, format: 'text' }).warn('delivery will be retried', { reply: `535 bad login for ${PASSWORD}`, attempt: 2 });
    createLogger({ ...options, format: 'json' }).error('tick failed', { error: `smtp://user:${PASSWORD}@mail\nsecret ${SECRET}` });
    expect(lines).toEqual([
      'warn: delivery will be retried reply="535 bad login for [redacted]" attempt=2\n',
      '{"time":"2025-09-01T07:00:00.000Z","level":"error","event":"tick failed","error":"smtp://user:[redacted]@mail\\nsecret [redacted]"}\n',
    ]);
  });
});

describe('a scheduled run with SMTP credentials', () => {
  let project: Project;
  let server: SMTPServer;
  let port: number;
  const logins: string[] = [];

  beforeAll(async () => {
    server = new SMTPServer({
      authMethods: ['PLAIN', 'LOGIN'],
      allowInsecureAuth: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onAuth(auth, _session, cb) {
        logins.push(`${auth.username}:${auth.password}`);
        if (auth.password === PASSWORD) cb(null, { user: auth.username });
        else cb(new Error('535 authentication failed'));
      },
      onData(stream, _session, cb) {
        stream.resume();
        stream.on('end', () => cb(null));
      },
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.server.address() as AddressInfo).port;
    project = makeProject({ articles: false });
    project.write('articles/story.md', '---\ntitle: A story\ndate: 2025-08-20T09:00:00Z\ndescription: About a story.\n---\nThe story.\n');
    const store = await openStore(path.join(project.dir, 'data'));
    await store.addSubscribers([{ email: 'ann@example.org' }], new Date('2025-09-01T07:00:00Z'), { resubscribe: true });
    await store.close();
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    project.cleanup();
  });

  it.each(['text', 'json'])('never writes the password or the signing secret (--log-format %s)', async (format) => {
    const r = await runCli(['schedule', '--once', '--log-format', format], {
      cwd: project.dir,
      env: { SMTP_URL: `smtp://digest:${encodeURIComponent(PASSWORD)}@127.0.0.1:${port}`, BROADSHEET_SECRET: SECRET },
    });
    expect(r.code, r.stderr).toBe(0);
    expect(logins).toContain(`digest:${PASSWORD}`);
    const lines = r.stderr.trim().split('\n');
    expect(lines.some((l) => l.includes('tick finished'))).toBe(true);
    if (format === 'json') for (const l of lines) expect(() => JSON.parse(l)).not.toThrow();
    expect(r.stderr + r.stdout).not.toContain(PASSWORD);
    expect(r.stderr + r.stdout).not.toContain(SECRET);
  });
});
