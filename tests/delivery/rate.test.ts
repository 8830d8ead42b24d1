import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_RATE, MIN_RATE } from '../../src/config/schema.js';
import { rateOptions } from '../../src/delivery/transport.js';
import { runCli } from '../helpers/cli.js';
import { recorded, TEST_SHEET } from '../helpers/delivery.js';
import { makeProject, SECRET, type Project } from '../helpers/project.js';
import { startSmtp, type Smtp } from '../helpers/smtp.js';

/*
 * issue 9, defect 14: `rateLimit: 1e-9` asked for a window of 1e12 ms, which
 * setTimeout cannot wait: it fired at once and the limit was gone.
 */

let project: Project;
let smtp: Smtp;
const sentAt: number[] = [];

beforeEach(async () => {
  sentAt.length = 0;
  smtp = await startSmtp({ onRcpt: () => void sentAt.push(performance.now()) });
  project = makeProject({ articles: 'none', config: TEST_SHEET });
  project.article('only-story', { title: 'Only story', date: '2025-08-20T09:00:00Z' });
  await project.addSubscribers(['ann@example.org', 'bo@example.net', 'cy@example.com', 'di@example.com']);
});

afterEach(() => smtp.close());

/** The test project's config with email.rateLimit (and one SMTP connection, so the pool paces every message). */
function withRate(rate: number): void {
  project.configure((c) => (c.email = { ...c.email!, maxConnections: 1, rateLimit: rate }));
}

const send = () => runCli(['send'], { cwd: project.dir, env: { BROADSHEET_SECRET: SECRET, SMTP_URL: smtp.url } });

describe('email.rateLimit', () => {
  it.each([1e-9, 0.0001, -1, 20000])('refuses rateLimit: %s with the allowed range, before sending anything', async (rate) => {
    withRate(rate);
    const r = await send();
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error \[CONFIG_INVALID\]: broadsheet\.config\.yaml has 1 problem\(s\)\n {2}broadsheet\.config\.yaml:\d+: email\.rateLimit: /);
    expect(r.stderr).toContain('email.rateLimit: must be 0 (no limit) or from 0.001 to 10000 messages per second');
    expect(smtp.received).toEqual([]);
    expect(await recorded(project)).toEqual({ issues: 0, deliveries: 0 });
  });

  it('paces a fractional rate exactly: 1.5 a second is one message every 667 ms', async () => {
    withRate(1.5);
    const r = await send();
    expect(r.stdout.split('\n')[0]).toBe('issue 1: 4 accepted, 0 failed, 0 pending');
    expect(sentAt).toHaveLength(4);
    // Rounding 1.5 to 2 a second sent them in pairs, a few milliseconds apart. Each message is handed to
    // the pool a full 667 ms after the one before; the server sees it a little later, by a delay that
    // varies on a busy machine, hence the margin. The first window opens before the first connection
    // is set up, so the first gap is shorter.
    for (const i of [2, 3]) expect(sentAt[i]! - sentAt[i - 1]!).toBeGreaterThan(400);
  });

  it('keeps every window within what a timer can wait, over the whole allowed range', () => {
    expect(rateOptions(MIN_RATE)).toEqual({ rateLimit: 1, rateDelta: 1_000_000 });
    expect(rateOptions(1.5)).toEqual({ rateLimit: 1, rateDelta: 667 });
    expect(rateOptions(2.5)).toEqual({ rateLimit: 2, rateDelta: 800 });
    expect(rateOptions(MAX_RATE)).toEqual({ rateLimit: 10_000, rateDelta: 1000 });
    expect(rateOptions(1e-12).rateDelta).toBe(2 ** 31 - 1);
  });
});
