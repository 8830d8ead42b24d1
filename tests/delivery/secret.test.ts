import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createUnsubscribeToken, secretStrength } from '../../src/delivery/tokens.js';
import { BroadsheetError } from '../../src/errors.js';
import { runCli } from '../helpers/cli.js';
import { recorded, TEST_SHEET } from '../helpers/delivery.js';
import { makeProject, type Project } from '../helpers/project.js';
import { startSmtp, type Smtp } from '../helpers/smtp.js';

/*
 * issue 9, defect 4: a weak BROADSHEET_SECRET lets one received token give
 * the secret away. Refused, with how to make a good one.
 */

// Made with `openssl rand -base64 32`, `openssl rand -hex 32` and Node's base64url of 32 random bytes.
const STRONG = ['VoxJoSYqNhVpaL1uk6Wxu1fSB0MZ3pUBl2dCfrn1f7U=', '4f1c8e0b2a7d9e35c6b0f14a8d2e7c93b5a1f60e48d7c2b9a3f5e10d6c8b4a27', 'cWv3b8N4TqJxk2L9rZ0pYsF6mHd1gAeU7oViX5wBn-E', 'a pass phrase that is long, odd and nowhere else!'];
const WEAK: [string, number, string][] = [
  ['a', 0, 'it uses only 1 different character'],
  ['test-secret-0123456789', 9, 'it has long runs of consecutive or repeated characters'],
  ['x'.repeat(100), 0, 'it uses only 1 different character'],
  ['abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789', 2, 'it has long runs of consecutive or repeated characters'],
  ['s3cr3t!-s3cr3t!-s3cr3t!-s3cr3t!-s3cr3t!-s3cr3t!-', 0, 'it uses only 7 different characters'],
  ['Kd8#pQ2!Kd8#pQ2!Kd8#pQ2!Kd8#pQ2!Kd8#pQ2!', 8, 'it repeats the same 8 characters'],
  // 24 random bytes (openssl rand -base64 24), and 31 in hex: real randomness, too little of it.
  ['yGk2d7QxV0bLr8ZtWm3NpE4sHa1cJ6uF', 24, ''],
  ['8c1f4e2a9b7d3c6e0f5a2b8d4c1e7f3a9b6d2c5e8f1a4b7c0d3e6f9a2b5c8d', 31, ''],
];

describe('how strong a secret is', () => {
  it.each(STRONG)('counts %s as 32 bytes or more', (secret) => {
    expect(secretStrength(secret).bytes).toBeGreaterThanOrEqual(32);
  });

  it.each(WEAK)('counts %s as %i bytes (%s)', (secret, bytes, weakness) => {
    const s = secretStrength(secret);
    expect(s.bytes).toBe(bytes);
    expect(s.weakness ?? '').toBe(weakness);
  });

  it('will not sign a token with a weak secret', () => {
    expect(() => createUnsubscribeToken('test-secret-0123456789', 'ann@example.org')).toThrow(expect.objectContaining({ code: 'SECRET_WEAK' }) as BroadsheetError);
    expect(createUnsubscribeToken(STRONG[0]!, 'ann@example.org')).toMatch(/^[A-Za-z0-9_-]{40,}$/);
  });
});

describe('every command that uses the secret refuses a weak one before doing anything', () => {
  let project: Project;
  let smtp: Smtp;

  beforeAll(async () => {
    smtp = await startSmtp();
    project = makeProject({ articles: 'none', config: TEST_SHEET });
    project.article('only-story', { title: 'Only story', date: '2025-08-20T09:00:00Z' });
    project.write('people.csv', 'email\nbo@example.org\n');
    await project.addSubscribers(['ann@example.org']);
  });

  afterEach(() => expect(smtp.received).toEqual([]));

  afterAll(() => smtp.close());

  it.each([
    [['send'], 'a'],
    [['send', '--dry-run'], 'test-secret-0123456789'],
    [['schedule', '--once'], 'x'.repeat(40)],
    [['serve', '--port', '0'], 'correct-horse'],
    [['preview', '--port', '0'], 'preview-secret'],
    [['inbound', '--maildir', 'no-such-maildir'], 'bounce'],
    [['subscribers', 'import', 'people.csv', '--confirm'], 'confirm-me'],
  ])('broadsheet %s with BROADSHEET_SECRET=%s: SECRET_WEAK, saying how to make one, never echoing it', async (args, secret) => {
    const r = await runCli(args, { cwd: project.dir, env: { BROADSHEET_SECRET: secret, SMTP_URL: smtp.url } });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error \[SECRET_WEAK\]: BROADSHEET_SECRET is too weak: about \d+ bytes of entropy where 32 are needed/);
    expect(r.stderr).toContain('Make one with: openssl rand -base64 32');
    if (secret.length > 1) expect(r.stderr).not.toContain(secret);
    expect(r.stderr).not.toContain('listening');
    expect(await recorded(project)).toEqual({ issues: 0, deliveries: 0 });
  });

  it('the commands that do not use it do not check it', async () => {
    const r = await runCli(['subscribers', 'list'], { cwd: project.dir, env: { BROADSHEET_SECRET: 'a' } });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('ann@example.org');
    const imported = await runCli(['subscribers', 'import', 'people.csv'], { cwd: project.dir, env: { BROADSHEET_SECRET: 'a' } });
    expect(imported.stderr).toBe('');
    expect(imported.stdout).toContain('1 added');
  });
});
