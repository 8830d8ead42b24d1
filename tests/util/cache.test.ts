import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cacheKey, CachePack } from '../../src/util/cache.js';
import { tempDir } from '../helpers/project.js';

type Meta = { n: number };
const open = (dir: string, keep: 'used' | number = 'used', extra: { fresh?: boolean; readOnly?: boolean } = {}) => CachePack.open<Meta>(dir, 'test', { keep, root: dir, ...extra })!;
const bytes = (s: string) => Buffer.from(s, 'utf8');

function filled(dir: string, records: Record<string, string>): void {
  const pack = open(dir);
  Object.entries(records).forEach(([k, v], i) => pack.put(k, { n: i }, bytes(v)));
  pack.commit();
  expect(pack.notices).toEqual([]);
}

describe('the build cache pack', () => {
  it('gives back what the last run stored: metadata at once, bytes when asked', () => {
    const dir = tempDir();
    filled(dir, { a: 'alpha', b: 'beta', c: '' });
    const pack = open(dir);
    expect(pack.size).toBe(3);
    expect(pack.get('a')!.meta).toEqual({ n: 0 });
    expect(pack.get('b')!.bytes().toString()).toBe('beta');
    expect(pack.get('c')!.bytes().length).toBe(0);
    expect(pack.get('d')).toBeUndefined();
    expect(readdirSync(dir)).toEqual(['test.pack']);
  });

  it('keeps only what a run used or stored, and copies kept records unchanged', () => {
    const dir = tempDir();
    filled(dir, { a: 'alpha', b: 'beta', c: 'gamma' });
    const run = open(dir);
    run.get('a');
    run.get('c');
    run.put('d', { n: 9 }, bytes('delta'));
    run.commit();
    const next = open(dir);
    expect(next.size).toBe(3);
    expect(next.get('b')).toBeUndefined();
    expect(['a', 'c', 'd'].map((k) => next.get(k)!.bytes().toString())).toEqual(['alpha', 'gamma', 'delta']);
    expect(next.get('d')!.meta).toEqual({ n: 9 });
  });

  it('is not written again by a run that used everything and stored nothing', () => {
    const dir = tempDir();
    filled(dir, { a: 'alpha' });
    const before = readFileSync(path.join(dir, 'test.pack'));
    const run = open(dir);
    run.get('a');
    run.commit();
    expect(readFileSync(path.join(dir, 'test.pack')).equals(before)).toBe(true);
    expect(readdirSync(dir)).toEqual(['test.pack']);
  });

  it('keeps the most recently used records up to a number', () => {
    const dir = tempDir();
    filled(dir, { a: '1', b: '2', c: '3' });
    const run = open(dir, 3);
    run.get('a');
    run.put('d', { n: 4 }, bytes('4'));
    run.commit();
    // a was used by the last run and d made by it; of b and c, last used together, the first by key stays.
    const next = open(dir, 3);
    expect(['a', 'b', 'c', 'd'].map((k) => next.get(k) !== undefined)).toEqual([true, true, false, true]);
  });

  it('ignores a file that is not a pack, with a notice, and replaces it', () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'test.pack'), 'these are not the bytes you are looking for');
    const pack = open(dir);
    expect(pack.size).toBe(0);
    expect(pack.notices).toEqual([{ file: 'test.pack', message: 'is not a broadsheet build cache, or is damaged: ignored, and written again by this build' }]);
    pack.put('a', { n: 1 }, bytes('alpha'));
    pack.commit();
    expect(open(dir).get('a')!.bytes().toString()).toBe('alpha');
  });

  it('ignores a truncated pack and one whose index was changed', () => {
    const dir = tempDir();
    filled(dir, { a: 'alpha', b: 'beta' });
    const file = path.join(dir, 'test.pack');
    const whole = readFileSync(file);
    writeFileSync(file, whole.subarray(0, whole.length - 5));
    expect(open(dir).notices.map((n) => n.message)).toEqual(['is not a broadsheet build cache, or is damaged: ignored, and written again by this build']);
    const flipped = Buffer.from(whole);
    const at = flipped.indexOf('"generation"');
    flipped[at + 1] = 'G'.charCodeAt(0);
    writeFileSync(file, flipped);
    expect(open(dir).size).toBe(0);
    expect(open(dir).notices).toHaveLength(1);
  });

  it('says which format it expected when another version of broadsheet wrote the pack', () => {
    const dir = tempDir();
    filled(dir, { a: 'alpha' });
    const file = path.join(dir, 'test.pack');
    const whole = readFileSync(file);
    whole.writeUInt32LE(99, 16);
    writeFileSync(file, whole);
    expect(open(dir).notices.map((n) => n.message)).toEqual(['was written by another version of broadsheet (cache format 99): ignored, and written again by this build']);
  });

  it('throws CACHE_DAMAGED for a record whose bytes changed, and drops it', () => {
    const dir = tempDir();
    filled(dir, { a: 'alpha', b: 'beta' });
    const file = path.join(dir, 'test.pack');
    const whole = readFileSync(file);
    whole[whole.indexOf('alpha')] = 'A'.charCodeAt(0);
    writeFileSync(file, whole);
    const pack = open(dir);
    expect(pack.notices).toEqual([]);
    const record = pack.get('a')!;
    expect(() => record.bytes()).toThrow(expect.objectContaining({ code: 'CACHE_DAMAGED' }));
    expect(pack.notices.map((n) => n.message)).toEqual(['is damaged (a record does not match its checksum): ignored, and written again by this build']);
    pack.get('b');
    pack.commit();
    const next = open(dir);
    expect(next.get('a')).toBeUndefined();
    expect(next.get('b')!.bytes().toString()).toBe('beta');
  });

  it('starts empty when fresh, and writes nothing when read-only', () => {
    const dir = tempDir();
    filled(dir, { a: 'alpha' });
    expect(open(dir, 'used', { fresh: true }).get('a')).toBeUndefined();
    const before = readFileSync(path.join(dir, 'test.pack'));
    const ro = open(dir, 'used', { readOnly: true });
    ro.put('b', { n: 2 }, bytes('beta'));
    ro.commit();
    expect(readFileSync(path.join(dir, 'test.pack')).equals(before)).toBe(true);
    expect(readdirSync(dir)).toEqual(['test.pack']);
  });

  it('reports a folder it cannot write to, and leaves no temporary file', () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'file'), '');
    const pack = CachePack.open<Meta>(path.join(dir, 'file', 'cache'), 'test', { keep: 'used', root: dir })!;
    pack.put('a', { n: 1 }, bytes('alpha'));
    pack.commit();
    expect(pack.notices.map((n) => n.file)).toEqual(['file/cache/test.pack']);
    expect(pack.notices[0]!.message).toMatch(/^cannot be written \(.*ENOTDIR.*\): the next build will not be faster$/);
    expect(readdirSync(dir)).toEqual(['file']);
  });

  it('split over several files, rewrites only the file of the key that changed', () => {
    const dir = tempDir();
    const sharded = (extra: { fresh?: boolean } = {}) => CachePack.open<Meta>(dir, 'test', { keep: 'used', root: dir, shards: 4, ...extra })!;
    // Keys whose first base64url digit picks file 0 ('c' is 28), 1 ('d', 29), 2 ('a', 26) and 3 ('b', 27).
    const first = sharded();
    ['a1', 'b1', 'c1', 'd1'].forEach((k, n) => first.put(k, { n }, bytes(k)));
    first.commit();
    expect(readdirSync(dir).sort()).toEqual(['test.0.pack', 'test.1.pack', 'test.2.pack', 'test.3.pack']);
    // A rewritten file is a new one renamed over the old: another inode.
    const before = new Map(readdirSync(dir).map((f) => [f, statSync(path.join(dir, f)).ino]));
    const second = sharded();
    expect(second.size).toBe(4);
    ['a1', 'b1', 'c1', 'd1'].forEach((k) => expect(second.get(k)!.bytes().toString()).toBe(k));
    second.put('b2', { n: 9 }, bytes('b2'));
    second.commit();
    const changed = readdirSync(dir).filter((f) => statSync(path.join(dir, f)).ino !== before.get(f));
    expect(changed).toEqual(['test.3.pack']);
    const third = sharded();
    expect(third.metas().map((m) => m.n).sort()).toEqual([0, 1, 2, 3, 9]);
    expect(third.get('b2')!.bytes().toString()).toBe('b2');
  });

  it('under a scope, uses the pack only when it was written under the same one, and otherwise replaces it', () => {
    const dir = tempDir();
    const scoped = (scope: string, extra: { readOnly?: boolean } = {}) => CachePack.open<Meta>(dir, 'test', { keep: 'used', root: dir, scope, ...extra })!;
    const first = scoped('settings A');
    first.put('k1', { n: 1 }, bytes('one'));
    first.commit();
    const same = scoped('settings A', { readOnly: true });
    expect(same.size).toBe(1);
    expect(same.get('k1')!.bytes().toString()).toBe('one');
    // Another scope: the same key is not there, without a notice (other settings are not damage).
    const other = scoped('settings B');
    expect(other.size).toBe(0);
    expect(other.get('k1')).toBeUndefined();
    expect(other.notices).toEqual([]);
    other.put('k2', { n: 2 }, bytes('two'));
    other.commit();
    expect(scoped('settings A', { readOnly: true }).size).toBe(0);
    const back = scoped('settings B', { readOnly: true });
    expect(back.metas()).toEqual([{ n: 2 }]);
    expect(back.get('k1')).toBeUndefined();
    // A pack written without a scope (an earlier version) is another scope too.
    const plain = open(dir, 'used', { fresh: true });
    plain.put('k3', { n: 3 }, bytes('three'));
    plain.commit();
    expect(scoped('settings B', { readOnly: true }).size).toBe(0);
  });

  it('spreads keys evenly over 64 files, so that a change rewrites a sixty-fourth of the pack', () => {
    const dir = tempDir();
    const pack = CachePack.open<Meta>(dir, 'test', { keep: 'used', root: dir, shards: 64 })!;
    for (let n = 0; n < 6400; n++) pack.put(cacheKey(String(n)), { n });
    pack.commit();
    const counts = Array.from({ length: 64 }, (_, i) => CachePack.open<Meta>(dir, `test.${i}`, { keep: 'used', root: dir })!.size);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(6400);
    // About 100 each: a file picked by the key's first character code (not its digit's value) would leave 11 of them empty.
    expect(Math.min(...counts)).toBeGreaterThan(60);
    expect(Math.max(...counts)).toBeLessThan(140);
  });

  it('removes what a killed build left while writing it, and nothing of a build still running', () => {
    const dir = tempDir();
    filled(dir, { a: 'alpha' });
    // A process number no process has: above Linux's largest.
    const gone = 4194305;
    expect(() => process.kill(gone, 0)).toThrow(expect.objectContaining({ code: 'ESRCH' }));
    writeFileSync(path.join(dir, `test.pack.${gone}.0a1b2c3d.tmp`), 'half a pack');
    writeFileSync(path.join(dir, `test.pack.${process.ppid}.0a1b2c3d.tmp`), 'a pack being written');
    writeFileSync(path.join(dir, `other.pack.${gone}.0a1b2c3d.tmp`), 'another pack');
    const run = open(dir);
    run.put('b', { n: 1 }, bytes('beta'));
    run.commit();
    expect(readdirSync(dir).sort()).toEqual([`other.pack.${gone}.0a1b2c3d.tmp`, 'test.pack', `test.pack.${process.ppid}.0a1b2c3d.tmp`]);
  });

  it('keys by every part, each length-prefixed', () => {
    expect(cacheKey('ab', 'c')).not.toBe(cacheKey('a', 'bc'));
    expect(cacheKey('a', bytes('b'))).toBe(cacheKey('a', 'b'));
    expect(cacheKey('a')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // The hash of each part's UTF-8 length, a colon and its bytes, one after another, whether the parts
    // are text or bytes (strings go in as one update): keys written by earlier builds stay valid.
    const stream = Buffer.concat([Buffer.from('2:é1:x0:3:'), Buffer.from([0, 1, 2]), Buffer.from('4:tail')]);
    expect(cacheKey('é', 'x', '', bytes('\u0000\u0001\u0002'), 'tail')).toBe(createHash('sha256').update(stream).digest('base64url'));
  });
});
