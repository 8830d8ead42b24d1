import { describe, expect, it } from 'vitest';
import { cleanName, normaliseAddress } from '../../src/delivery/address.js';
import { parseCsv } from '../../src/delivery/csv.js';
import { acquireLock } from '../../src/util/lock.js';
import { CLOCK, tempDir } from '../helpers/project.js';

describe('addresses', () => {
  it.each([
    ['Ann@Example.ORG', 'ann@example.org'],
    ['  bo.b+news@mail.example.co.uk ', 'bo.b+news@mail.example.co.uk'],
    ["o'connor@example.ie", "o'connor@example.ie"],
    ['x@BÜCHER.example', 'x@xn--bcher-kva.example'],
  ])('normalises %j to %j', (input, email) => expect(normaliseAddress(input)).toEqual({ ok: true, email }));

  it.each(['', 'plain', '@example.org', 'ann@', 'ann@example', 'ann@@example.org', 'a..b@example.org', '.a@example.org', 'ann@-x.example', 'ann@example.123', 'a b@example.org', 'ann@example.org\r\nBcc: x@y.z', '<ann@example.org>', `${'a'.repeat(65)}@example.org`])(
    'rejects %j with a reason',
    (input) => {
      const r = normaliseAddress(input);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.reason.length).toBeGreaterThan(10);
    },
  );

  it('cleans names of line breaks and control characters', () => {
    expect(cleanName('Eve\r\nBcc: x@evil.test')).toBe('Eve Bcc: x@evil.test');
    expect(cleanName(' \t\u0000 ')).toBeUndefined();
    expect(cleanName('A\u2028B')).toBe('A B');
  });
});

describe('CSV', () => {
  it('reads quoted fields, escaped quotes, CRLF, line breaks inside quotes, and numbers lines as an editor does', () => {
    const r = parseCsv('\uFEFFEmail , Name\r\n"a@x.org","A, the ""first"""\r\n\r\nb@x.org,"two\nlines"\nc@x.org\n');
    expect(r).toEqual({
      ok: true,
      header: ['email', 'name'],
      columns: ['Email', 'Name'],
      records: [
        { line: 2, fields: { email: 'a@x.org', name: 'A, the "first"' } },
        { line: 4, fields: { email: 'b@x.org', name: 'two\nlines' } },
        { line: 6, fields: { email: 'c@x.org', name: '' } },
      ],
    });
  });

  it('reports a stray quote and an empty file', () => {
    expect(parseCsv('email\n"a"b\n')).toEqual({ ok: false, line: 2, message: expect.stringContaining('closing quote') });
    expect(parseCsv('')).toMatchObject({ ok: false, line: 1 });
  });
});

describe('send lock', () => {
  it('lets one process send at a time, per data folder', async () => {
    const dir = tempDir();
    const at = CLOCK.now();
    const first = await acquireLock(dir, at, 'send');
    await expect(acquireLock(dir, at, 'send')).rejects.toMatchObject({ code: 'LOCKED' });
    // The scheduler's lock is another lock: a scheduler may send.
    const schedule = await acquireLock(dir, at, 'schedule');
    await schedule.release();
    await first.release();
    await (await acquireLock(dir, at, 'send')).release();
  });
});
