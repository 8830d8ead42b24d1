import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { detectDelimiter, parseCsv } from '../../src/delivery/csv.js';
import { runCli } from '../helpers/cli.js';
import { makeProject, type Project } from '../helpers/project.js';

/*
 * issue 9, defect 11: a Latin-1 CSV imported as mojibake with exit 0, and of
 * two `email` columns the last one silently won.
 */

let project: Project;

beforeEach(() => {
  project = makeProject({ articles: 'none' });
});

const importCsv = async (bytes: Buffer | string) => {
  await writeFile(path.join(project.dir, 'people.csv'), bytes);
  return runCli(['subscribers', 'import', 'people.csv'], { cwd: project.dir });
};

const stored = async () => {
  const store = await project.store();
  try {
    return (await store.listSubscribers()).map((s) => [s.email, s.name]);
  } finally {
    await store.close();
  }
};

describe('subscribers import of a hostile CSV', () => {
  it('refuses a file that is not UTF-8, naming the line of the first bad byte, and imports nothing', async () => {
    // "Zoë" and "Jürgen" as a Latin-1 export writes them: one byte each for ë and ü.
    const r = await importCsv(Buffer.from('email,name\nann@example.org,Ann\nzoe@example.org,Zo\xeb\njurgen@example.org,J\xfcrgen\n', 'latin1'));
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('error [SUBSCRIBER_INVALID]: people.csv is not UTF-8; nothing was imported\n  people.csv:3: invalid UTF-8 at byte 49; save the file as UTF-8\n');
    expect(await stored()).toEqual([]);
  });

  it('takes the same names as UTF-8', async () => {
    const r = await importCsv('\ufeffemail,name\nzoe@example.org,Zoë\n');
    expect(r.code, r.stderr).toBe(0);
    expect(await stored()).toEqual([['zoe@example.org', 'Zoë']]);
  });

  it('refuses a header with two email columns (after trimming and lowercasing) rather than letting the last win', async () => {
    const r = await importCsv('Email,name, EMAIL \nann@example.org,Ann,other@example.org\n');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'error [SUBSCRIBER_INVALID]: people.csv has 2 "email" columns; nothing was imported\n' +
        '  people.csv:1: columns 1 and 3 are both "email" (names are compared without case and surrounding spaces); keep one\n',
    );
    expect(await stored()).toEqual([]);
  });

  it('refuses two name columns the same way', async () => {
    const r = await importCsv('email,name,Name\nann@example.org,Ann,Annie\n');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('people.csv:1: columns 2 and 3 are both "name"');
    expect(await stored()).toEqual([]);
  });
});

describe('the separator of a CSV file', () => {
  it('is the one of ",", ";" and tab that the header row uses most, outside quotes; "," when it uses none', () => {
    expect(['email,name', 'email;name', 'email\tname', '"a;b;c",d', 'email', '"Email Address";"First Name"\r\nx,y,z,w'].map(detectDelimiter)).toEqual([',', ';', '\t', ',', ',', ';']);
    const csv = parseCsv('Email;Name\r\nann@example.org;"Archer; Ann"\r\nbo@example.org;Bo, the second\r\n', ';');
    expect(csv.ok && csv.records.map((r) => [r.fields.email, r.fields.name])).toEqual([
      ['ann@example.org', 'Archer; Ann'],
      ['bo@example.org', 'Bo, the second'],
    ]);
    expect(csv.ok && csv.columns).toEqual(['Email', 'Name']);
  });
});
