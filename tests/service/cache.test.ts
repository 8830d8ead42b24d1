import { describe, expect, it } from 'vitest';
import { RecentCache } from '../../src/server/cache.js';

describe('RecentCache', () => {
  it('forgets the least recently used entries once the budget is passed, and never keeps one heavier than the budget', () => {
    const cache = new RecentCache<string, string>(10, (v) => v.length);
    cache.set('a', 'aaaa');
    cache.set('b', 'bbbb');
    expect(cache.get('a')).toBe('aaaa'); // a is now the most recent
    cache.set('c', 'cccc'); // 12 > 10: b, the least recent, goes
    expect([cache.get('a'), cache.get('b'), cache.get('c')]).toEqual(['aaaa', undefined, 'cccc']);
    cache.set('a', 'aa'); // replacing frees the old weight
    cache.set('d', 'dddd');
    expect([cache.get('a'), cache.get('c'), cache.get('d')]).toEqual(['aa', 'cccc', 'dddd']);
    cache.set('huge', 'x'.repeat(11));
    expect(cache.get('huge')).toBeUndefined();
    expect(cache.get('d')).toBe('dddd');
  });
});
