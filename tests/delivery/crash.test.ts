import { afterEach, describe, expect, it } from 'vitest';
import { startCli } from '../helpers/child.js';
import { runCli, spawnCli } from '../helpers/cli.js';
import { runJob, subscriberList, TEST_SHEET } from '../helpers/delivery.js';
import { makeProject, SECRET, type Project } from '../helpers/project.js';
import { startSmtp, type Received, type Smtp } from '../helpers/smtp.js';

/** email.maxConnections in the test config: the most messages a sender has in flight. */
const IN_FLIGHT = 3;
const env = (smtp: Smtp) => ({ SMTP_URL: smtp.url, BROADSHEET_SECRET: SECRET });

let project: Project;
let smtp: Smtp | undefined;

afterEach(async () => {
  await smtp?.close();
  smtp = undefined;
});

/** The delivery tests' newsletter, one article, `n` readers. */
async function newsletter(n: number): Promise<string[]> {
  const readers = subscriberList(n);
  project = makeProject({ articles: 'none', config: TEST_SHEET });
  project.article('only-story', { title: 'Only story', date: '2025-08-20T09:00:00Z' });
  await project.addSubscribers(readers);
  return readers;
}

/** A small, seeded generator, so that a failing sequence of kills can be replayed (the seed is in every message). */
function random(seed: number): (lo: number, hi: number) => number {
  let s = seed >>> 0;
  return (lo, hi) => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return lo + Math.floor(((((t ^ (t >>> 14)) >>> 0) / 4294967296) * (hi - lo + 1)));
  };
}

const messageId = (m: Received) => /^Message-ID:\s*(<[^>]+>)/im.exec(m.raw.subarray(0, 4096).toString('latin1'))?.[1];

/** Per recipient, the Message-IDs of every copy the server took. */
function copies(s: Smtp): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const m of s.received) for (const to of m.to) out.set(to, [...(out.get(to) ?? []), messageId(m) ?? '(none)']);
  return out;
}

async function submitted(): Promise<string[]> {
  const store = await project.store();
  try {
    return (await store.deliveries(1)).filter((d) => d.state === 'submitted').map((d) => d.email);
  } finally {
    await store.close();
  }
}

describe('what a crash may repeat: only the messages in flight, with their Message-ID, and nobody is missed', () => {
  it(
    'a crash loop: 22 kill -9 at random moments of a send to 2,000 subscribers, then a final run',
    async () => {
      const readers = await newsletter(2000);
      const seed = Number(process.env.BROADSHEET_CRASH_SEED ?? Date.now() % 1_000_000);
      const rand = random(seed);
      const why = `(seed ${seed}: BROADSHEET_CRASH_SEED=${seed} replays it)`;

      // The kill comes when the n-th message of a run reaches the server, right then (the
      // server has taken it, its reply is not yet out) or a few milliseconds later (the
      // sender may be recording an outcome, claiming the next, or between the two).
      let trigger: (() => void) | undefined;
      let seenThisRun = 0;
      let killAfter = 0;
      smtp = await startSmtp({
        afterData: () => {
          if (trigger && ++seenThisRun === killAfter) trigger();
          return undefined;
        },
      });

      const kills: { after: number; delayMs: number; inFlight: string[] }[] = [];
      while (kills.length < 22) {
        seenThisRun = 0;
        killAfter = rand(1, 80);
        const delayMs = rand(0, 3) === 0 ? 0 : rand(1, 15);
        const child = spawnCli(['send', '--config', project.configFile], { cwd: project.dir, env: env(smtp) });
        // Its log (a line per delivery) is not read here, but must not fill the pipe and stall it.
        child.stdout!.resume();
        child.stderr!.resume();
        const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
        trigger = () => (delayMs === 0 ? child.kill('SIGKILL') : setTimeout(() => child.kill('SIGKILL'), delayMs));
        expect(await exited, `run ${kills.length + 1} ended before its kill ${why}`).toBe('SIGKILL');
        trigger = undefined;
        const inFlight = await submitted();
        // The ledger never has more deliveries claimed than connections.
        expect(inFlight.length, why).toBeLessThanOrEqual(IN_FLIGHT);
        kills.push({ after: killAfter, delayMs, inFlight });
      }

      const final = await runCli(['send', '--config', project.configFile], { cwd: project.dir, env: env(smtp) });
      expect(final.stdout, `${final.stderr} ${why}`).toMatch(new RegExp(`^issue 1: ${readers.length} accepted, 0 failed, 0 pending\n`));
      expect(final.code).toBe(0);

      const got = copies(smtp);
      // Nobody missed.
      expect(readers.filter((r) => !got.has(r)), why).toEqual([]);
      expect(got.size).toBe(readers.length);
      // A reader has one copy more than the first only for each kill that caught them in flight.
      const caught = new Map<string, number>();
      for (const k of kills) for (const r of k.inFlight) caught.set(r, (caught.get(r) ?? 0) + 1);
      const beyond = readers.filter((r) => got.get(r)!.length > 1 + (caught.get(r) ?? 0));
      expect(beyond, why).toEqual([]);
      const extra = [...got.values()].reduce((n, ids) => n + ids.length - 1, 0);
      expect(extra, why).toBeLessThanOrEqual(kills.length * IN_FLIGHT);
      expect(extra, `no kill caught a message the server had taken ${why}`).toBeGreaterThan(0);
      // Every copy of a message has the Message-ID of the first.
      expect(readers.filter((r) => new Set(got.get(r)).size !== 1), why).toEqual([]);

      const store = await project.store();
      try {
        expect(await store.counts(1)).toEqual({ pending: 0, submitted: 0, accepted: readers.length, failed: 0, skipped: 0 });
        expect((await store.getIssue(1))!.sentAt).toBeInstanceOf(Date);
      } finally {
        await store.close();
      }
    },
    120_000,
  );

  it('a server that takes a message and never answers: that message alone is sent again, with the same Message-ID', async () => {
    const readers = await newsletter(12);
    smtp = await startSmtp({ afterData: (_m, _s, i) => (i === 4 ? 'silent' : undefined) });
    expect(await runJob(project, smtp, { smtp: { timeoutMs: 300 }, retry: { attempts: 3, backoffMs: 1 } })).toEqual({ kind: 'sent', issue: 1, accepted: 12, failed: 0, pending: 0, givenUp: 0 });
    const got = copies(smtp);
    const twice = readers.filter((r) => got.get(r)!.length === 2);
    expect(twice).toEqual([smtp.received[4]!.to[0]]);
    expect(readers.filter((r) => r !== twice[0]).every((r) => got.get(r)!.length === 1)).toBe(true);
    expect(new Set(got.get(twice[0]!)).size).toBe(1);
  });

  it('a server that goes silent, then SIGTERM: the messages cut after the grace stay submitted, and the next run sends them again with their Message-ID', async () => {
    const readers = await newsletter(30);
    let silent = true;
    smtp = await startSmtp({ afterData: (_m, _s, i) => (silent && i >= 5 ? 'silent' : undefined) });
    const run = startCli(['send', '--config', project.configFile], { cwd: project.dir, env: env(smtp) });
    await expect.poll(() => smtp!.received.length, { timeout: 20_000, interval: 20 }).toBe(5 + IN_FLIGHT);
    run.child.kill('SIGTERM');
    expect((await run.exited).code).toBe(1);
    const cut = await submitted();
    expect(cut.sort()).toEqual(smtp.received.slice(5).map((m) => m.to[0]).sort());

    silent = false;
    const rerun = await runCli(['send', '--config', project.configFile], { cwd: project.dir, env: env(smtp) });
    expect(rerun.stdout).toMatch(new RegExp(`^issue 1: ${readers.length} accepted, 0 failed, 0 pending\n`));
    const got = copies(smtp);
    expect(readers.filter((r) => got.get(r)!.length === 2).sort()).toEqual(cut.sort());
    expect(readers.every((r) => got.get(r)!.length === (cut.includes(r) ? 2 : 1))).toBe(true);
    for (const r of cut) expect(new Set(got.get(r)).size).toBe(1);
  });
});
