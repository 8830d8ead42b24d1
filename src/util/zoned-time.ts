/** Wall-clock times in an IANA time zone, with nothing but Intl (no time-zone database of our own). */

export interface WallTime {
  year: number;
  /** 1–12. */
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  millisecond: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** The wall-clock time an instant shows in `timeZone`. */
export function wallTimeAt(instant: Date, timeZone: string): WallTime {
  if (timeZone === 'UTC') {
    return {
      year: instant.getUTCFullYear(),
      month: instant.getUTCMonth() + 1,
      day: instant.getUTCDate(),
      hour: instant.getUTCHours(),
      minute: instant.getUTCMinutes(),
      second: instant.getUTCSeconds(),
      millisecond: instant.getUTCMilliseconds(),
    };
  }
  const parts: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(instant)) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  return {
    year: parts.year!,
    month: parts.month!,
    day: parts.day!,
    hour: parts.hour!,
    minute: parts.minute!,
    second: parts.second!,
    millisecond: instant.getUTCMilliseconds(),
  };
}

function utcOf(t: WallTime): number {
  const d = new Date(0);
  // setUTCFullYear, unlike Date.UTC, does not read years 0–99 as 1900–1999.
  d.setUTCFullYear(t.year, t.month - 1, t.day);
  d.setUTCHours(t.hour, t.minute, t.second, t.millisecond);
  return d.getTime();
}

/** How far `timeZone` is ahead of UTC at an instant, in milliseconds. */
function offsetAt(instant: number, timeZone: string): number {
  return utcOf(wallTimeAt(new Date(instant), timeZone)) - instant;
}

/**
 * The instant at which clocks in `timeZone` show `t`. A time skipped when
 * the clocks go forward is read with the offset from before the change (02:30
 * on the spring morning in London is 03:30 summer time); a time that happens
 * twice when they go back is the first of the two.
 */
export function instantOfWallTime(t: WallTime, timeZone: string): Date {
  const asUtc = utcOf(t);
  if (timeZone === 'UTC') return new Date(asUtc);
  // The offsets a day either side: no zone changes its offset twice within two days.
  const DAY = 86_400_000;
  const before = offsetAt(asUtc - DAY, timeZone);
  const after = offsetAt(asUtc + DAY, timeZone);
  const fits = [asUtc - before, asUtc - after].filter((i, k) => offsetAt(i, timeZone) === (k === 0 ? before : after));
  return new Date(fits.length > 0 ? Math.min(...fits) : asUtc - before);
}
