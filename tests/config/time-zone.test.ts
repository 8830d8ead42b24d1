import { describe, expect, it } from 'vitest';
import { exampleConfig } from '../helpers/project.js';

// config/schema.ts looks a name up in ICU's list of canonical zones first and
// builds a formatter only for the others: both paths must accept what the
// runtime knows and refuse what it does not.
describe('schedule.timezone and site.timezone', () => {
  it.each(['Europe/London', 'America/Argentina/Buenos_Aires', 'UTC', 'Etc/UTC', 'US/Eastern', 'Europe/Kiev', 'europe/paris'])('accepts %s', async (tz) => {
    const config = await exampleConfig((c) => {
      c.schedule.timezone = tz;
      c.site.timezone = tz;
    });
    expect(config.schedule.timezone).toBe(tz);
    expect(config.site.timezone).toBe(tz);
  });

  it.each(['Mars/Olympus', 'Europe/', 'London', ''])('refuses %j, naming the field', async (tz) => {
    const error = (await exampleConfig((c) => {
      c.schedule.timezone = tz;
    }).then(
      () => ({ issues: [] }),
      (e: unknown) => e,
    )) as { issues: { path: unknown[]; message: string }[] };
    expect(error.issues.map((i) => [i.path.join('.'), i.message])).toEqual([['schedule.timezone', 'is not a known IANA time zone (e.g. "Europe/London", "UTC")']]);
  });
});
