import { describe, expect, it } from 'vitest';
import { instantOfWallTime, wallTimeAt, type WallTime } from '../../src/util/zoned-time.js';

const wall = (year: number, month: number, day: number, hour = 0, minute = 0): WallTime => ({ year, month, day, hour, minute, second: 0, millisecond: 0 });
const at = (t: WallTime, zone: string) => instantOfWallTime(t, zone).toISOString();

describe('wall-clock time in a time zone', () => {
  it('reads a wall-clock time in summer and in winter', () => {
    expect(at(wall(2025, 8, 29), 'Europe/London')).toBe('2025-08-28T23:00:00.000Z');
    expect(at(wall(2025, 1, 15), 'Europe/London')).toBe('2025-01-15T00:00:00.000Z');
    expect(at(wall(2024, 1, 2, 10), 'America/Denver')).toBe('2024-01-02T17:00:00.000Z');
    expect(at(wall(2025, 8, 29), 'Asia/Kolkata')).toBe('2025-08-28T18:30:00.000Z');
    expect(at(wall(2025, 8, 29), 'UTC')).toBe('2025-08-29T00:00:00.000Z');
  });

  it('reads a skipped time with the offset from before the change, and a repeated time as the first', () => {
    // 2025-03-30 01:30 never happens in London (01:00 GMT → 02:00 BST).
    expect(at(wall(2025, 3, 30, 1, 30), 'Europe/London')).toBe('2025-03-30T01:30:00.000Z');
    // 2025-10-26 01:30 happens twice: first in BST (00:30Z), then in GMT (01:30Z).
    expect(at(wall(2025, 10, 26, 1, 30), 'Europe/London')).toBe('2025-10-26T00:30:00.000Z');
  });

  it('reads the first year a date may have', () => {
    expect(at(wall(1000, 1, 1), 'UTC')).toBe('1000-01-01T00:00:00.000Z');
  });

  it('shows an instant as the wall-clock time of a zone', () => {
    expect(wallTimeAt(new Date('2025-08-31T23:30:00Z'), 'Europe/London')).toEqual(wall(2025, 9, 1, 0, 30));
    expect(wallTimeAt(new Date('2025-08-31T23:30:00Z'), 'UTC')).toEqual(wall(2025, 8, 31, 23, 30));
  });
});
