import type { z } from 'zod';
import { requireBundled } from '../util/bundled.js';

/**
 * The schedule's cron expression, read with node-cron (the library the
 * scheduler runs it with), which is loaded only when an expression has to be
 * read: a build whose config names none does not pay for it.
 */
const nodeCron = () => requireBundled<typeof import('node-cron')>('node-cron');

/** node-cron's own verdict, said in a way that shows which part of the expression is wrong. */
export function checkCron(expression: string, ctx: z.RefinementCtx): void {
  const { valid, errors } = nodeCron().validateDetailed(expression);
  if (valid) return;
  const why = errors.map((e) => (e.field === 'expression' ? e.message : `${e.field} field "${e.value}" is not valid`)).join('; ');
  ctx.addIssue({
    code: 'custom',
    message: `is not a valid cron expression (${why}); use 5 fields "minute hour day-of-month month day-of-week", or 6 with seconds first`,
  });
}

/** How often a schedule runs: what feeds announce as their update rate. */
export interface Cadence {
  /** Runs in a reference year (2025, in UTC). */
  runsPerYear: number;
  /** The shortest time between two runs in that year, in seconds; Infinity for a schedule that runs at most once. */
  shortestGap: number;
}

const DAY = 86_400;
export const YEAR_DAYS = 365;
// A common year in UTC: the rate does not depend on the year, and time-zone shifts do not count.
const START = Date.UTC(2025, 0, 1);

/**
 * The cadence of a valid cron expression, counted over a reference year.
 * Days are matched the way node-cron matches them (month, day of month and
 * day of week must all match); fields with node-cron's special tokens (`L`,
 * `W`, `#`) are matched by node-cron itself, which is exact but slower.
 */
export function cronCadence(expression: string): Cadence {
  const cron = nodeCron();
  const fields = cron.parse(expression);
  const numbers = (values: (number | string)[]) => values.filter((v): v is number => typeof v === 'number');
  const seconds = numbers(fields.second);
  const times: number[] = [];
  for (const h of numbers(fields.hour)) for (const m of numbers(fields.minute)) for (const s of seconds) times.push(h * 3600 + m * 60 + s);
  times.sort((a, b) => a - b);
  if (times.length === 0) return { runsPerYear: 0, shortestGap: Infinity };

  const special = [...fields.dayOfMonth, ...fields.dayOfWeek].some((v) => typeof v === 'string');
  const task = special ? cron.createTask(expression, () => {}, { timezone: 'UTC' }) : undefined;
  const months = new Set(numbers(fields.month));
  const daysOfMonth = new Set(numbers(fields.dayOfMonth));
  const daysOfWeek = new Set(numbers(fields.dayOfWeek));
  const days: number[] = [];
  for (let d = 0; d < YEAR_DAYS; d++) {
    const date = new Date(START + d * DAY * 1000);
    const matches = task
      ? task.match(new Date(date.getTime() + times[0]! * 1000))
      : months.has(date.getUTCMonth() + 1) && daysOfMonth.has(date.getUTCDate()) && daysOfWeek.has(date.getUTCDay());
    if (matches) days.push(d);
  }
  void task?.destroy();
  if (days.length === 0) return { runsPerYear: 0, shortestGap: Infinity };

  let shortestGap = Infinity;
  for (let i = 1; i < times.length; i++) shortestGap = Math.min(shortestGap, times[i]! - times[i - 1]!);
  // Between the last run of one matching day and the first of the next.
  for (let i = 1; i < days.length; i++) shortestGap = Math.min(shortestGap, (days[i]! - days[i - 1]!) * DAY + times[0]! - times[times.length - 1]!);
  return { runsPerYear: days.length * times.length, shortestGap };
}
