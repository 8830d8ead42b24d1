import { instantOfWallTime } from './zoned-time.js';

/** Dates as people and programs write them: one parser for articles' front matter and subscriber imports. */

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?[ \t]*([Zz]|[+-]\d{2}(?::?\d{2})?)?)?$/;

/** How a date may be written, for messages. */
export const DATE_FORMS = '2025-08-29, 2025-08-29T14:30:00Z or 2025-08-29 14:30:00 +0100';

/** The first and last years a feed date may have: RFC 3339 and RFC 822 have four-digit years, and a year before 1000 is a typo. */
export const FIRST_YEAR = 1000;
export const LAST_YEAR = 9999;

/**
 * An ISO 8601 / RFC 3339 date or date-time, or Jekyll's `2025-08-29 14:30:00
 * +0100`. A date alone is midnight, and a time without an offset is read in
 * `timeZone` (for an article, the site's `site.timezone`, as Hugo and Jekyll
 * read them).
 * Returns the instant, or what is wrong with the text.
 */
export function parseDate(text: string, timeZone: string): Date | string {
  const s = text.trim();
  const m = DATE_RE.exec(s);
  if (!m) {
    const year = /^[+-]?(\d{5,})-\d{2}-\d{2}/.exec(s);
    if (year) return `year ${Number(year[1])} is out of range: write a date between the years ${FIRST_YEAR} and ${LAST_YEAR}`;
    return `"${text}" is not a date: write ${DATE_FORMS}`;
  }
  const [, y, mo, d, h = '00', mi = '00', sec = '00', fraction = '', zone] = m;
  const [year, month, day, hour, minute, second] = [y, mo, d, h, mi, sec].map(Number) as [number, number, number, number, number, number];
  const daysInMonth = month >= 1 && month <= 12 ? new Date(Date.UTC(2000, month, 0)).getUTCDate() - (month === 2 && !isLeap(year) ? 1 : 0) : 0;
  if (day < 1 || day > daysInMonth || hour > 23 || minute > 59 || second > 59) return `"${text}" is not a real calendar date or time`;
  if (year < FIRST_YEAR) return `year ${year} is out of range: write a date between the years ${FIRST_YEAR} and ${LAST_YEAR}`;
  const millisecond = Number(fraction.slice(0, 3).padEnd(3, '0'));
  const wall = { year, month, day, hour, minute, second, millisecond };
  let date: Date;
  if (zone === undefined) date = instantOfWallTime(wall, timeZone);
  else {
    const offsetMinutes = /^[Zz]$/.test(zone) ? 0 : (zone.startsWith('-') ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.replace(':', '').slice(3, 5) || '0'));
    date = new Date(instantOfWallTime(wall, 'UTC').getTime() - offsetMinutes * 60_000);
  }
  const utcYear = date.getUTCFullYear();
  if (utcYear < FIRST_YEAR || utcYear > LAST_YEAR) return `"${text}" is in the year ${utcYear} in UTC: write a date between the years ${FIRST_YEAR} and ${LAST_YEAR}`;
  return date;
}

function isLeap(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}
