/** Time comes from here, never from `new Date()` in a stage, so tests and builds can fix it. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

export function fixedClock(iso: string | Date): Clock {
  const t = new Date(iso).getTime();
  return { now: () => new Date(t) };
}
