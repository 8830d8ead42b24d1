import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { normaliseAddress } from '../../src/delivery/address.js';
import { runCli } from '../helpers/cli.js';
import { makeProject, type Project } from '../helpers/project.js';

/*
 * issue 9, defect 6: an address is taken as written (lowercased, and an
 * international domain in its xn-- form) or refused with the reason. Node's
 * domainToASCII used to cut `q@x.com/evil` to `q@x.com` and decode
 * `r@x.com%41` to `r@x.coma`.
 */

const notADomain = (d: string) => `"${d}" is not a valid domain`;
const invisible = 'contains spaces, angle brackets or invisible characters';
const badLocal = 'the part before @ has characters or dots an address cannot have';

/** Input, and the end of the reason it is refused with. */
const HOSTILE: [string, string][] = [
  ['q@x.com/evil', notADomain('x.com/evil')],
  ['r@x.com%41', notADomain('x.com%41')],
  ['v@gmail.com\\anything', notADomain('gmail.com\\anything')],
  ['a@x.com:25', notADomain('x.com:25')],
  ['a@x.com?subject=hi', notADomain('x.com?subject=hi')],
  ['a@x.com#fragment', notADomain('x.com#fragment')],
  ['a@x.com/', notADomain('x.com/')],
  ['a@x.c%6fm', notADomain('x.c%6fm')],
  ['a@%78.com', notADomain('%78.com')],
  ['a@x.com%2fevil', notADomain('x.com%2fevil')],
  ['a@x.com%00', notADomain('x.com%00')],
  ['a@x.com;b@y.com', badLocal],
  ['a@x.com@y.com', badLocal],
  ['a@[127.0.0.1]', notADomain('[127.0.0.1]')],
  ['a@127.0.0.1', notADomain('127.0.0.1')],
  ['a@localhost', notADomain('localhost')],
  ['a@x..com', notADomain('x..com')],
  ['a@.x.com', notADomain('.x.com')],
  ['a@x.com.', notADomain('x.com.')],
  ['a@-x.com', notADomain('-x.com')],
  ['a@x-.com', notADomain('x-.com')],
  ['a@x_y.com', notADomain('x_y.com')],
  ['a@x.123', notADomain('x.123')],
  ['a@xn--zz.com', notADomain('xn--zz.com')],
  ['a@x。com', notADomain('x。com')],
  ['a@ｅｘａｍｐｌｅ.com', '"ｅｘａｍｐｌｅ.com" is written with characters that stand for others ("example.com"); write the domain as it is registered'],
  ['a@x\u00ad.com', invisible],
  ['a@x\u200b.com', invisible],
  ['a@x.com\u202e', invisible],
  ['a@exa mple.com', invisible],
  ['<a@x.com>', invisible],
  ['mailto:a@x.com', badLocal],
  ['a..b@x.com', badLocal],
  ['.a@x.com', badLocal],
  ['a.@x.com', badLocal],
  ['"a b"@x.com', invisible],
  ['a@', 'is not an address like name@example.com'],
  ['@x.com', 'is not an address like name@example.com'],
];

describe('addresses taken as written or refused', () => {
  it.each(HOSTILE)('refuses %s', (input, reason) => {
    const r = normaliseAddress(input);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason.endsWith(reason), r.reason).toBe(true);
  });

  it.each([
    ['Ann.Archer+news@Example.ORG', 'ann.archer+news@example.org'],
    ['  ann@example.org  ', 'ann@example.org'],
    ["o'neil!x#y_z@mail.example.co.uk", "o'neil!x#y_z@mail.example.co.uk"],
    ['ann@bücher.de', 'ann@xn--bcher-kva.de'],
    ['ANN@BÜCHER.DE', 'ann@xn--bcher-kva.de'],
    ['ann@xn--bcher-kva.de', 'ann@xn--bcher-kva.de'],
    ['ann@faß.de', 'ann@xn--fa-hia.de'],
    ['r%41@x.com', 'r%41@x.com'],
  ])('takes %s as %s', (input, email) => {
    expect(normaliseAddress(input)).toEqual({ ok: true, email });
  });
});

describe('broadsheet subscribers with hostile addresses', () => {
  let project: Project;

  beforeAll(() => {
    project = makeProject({ articles: 'none' });
  });

  it('import refuses every hostile row with its line and reason, and stores none of them', async () => {
    const rows = HOSTILE.filter(([input]) => !/[",\n]/.test(input));
    await writeFile(path.join(project.dir, 'hostile.csv'), ['email', ...rows.map(([input]) => input), 'ok@example.org'].join('\n') + '\n');
    const r = await runCli(['subscribers', 'import', 'hostile.csv'], { cwd: project.dir });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`1 added`);
    expect(r.stdout).toContain(`${rows.length} invalid`);
    rows.forEach(([input, reason], i) => {
      const line = r.stderr.split('\n').find((l) => l.startsWith(`  hostile.csv:${i + 2}: email: `));
      expect(line, input).toBeDefined();
      expect(line!.endsWith(reason), line).toBe(true);
    });
    const store = await project.store();
    try {
      expect((await store.listSubscribers()).map((s) => s.email)).toEqual(['ok@example.org']);
    } finally {
      await store.close();
    }
  });

  it('add refuses an address it would have had to rewrite', async () => {
    const r = await runCli(['subscribers', 'add', 'q@x.com/evil'], { cwd: project.dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('error [SUBSCRIBER_INVALID]: "q@x.com/evil": "x.com/evil" is not a valid domain\n');
  });
});
