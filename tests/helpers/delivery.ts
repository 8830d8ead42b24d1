import type { LogFields, Logger } from '../../src/log.js';
import { runDigestJob, type JobOptions, type JobResult } from '../../src/pipeline/digest-job.js';
import type { LogEvent } from './child.js';
import { CLOCK, SECRET, type ConfigPatch, type Project } from './project.js';
import type { Smtp } from './smtp.js';

/**
 * The delivery tests' newsletter, "The Test Sheet", as a patch of the example config: its own
 * site and sender, so what a test asserts about a message (From, List-Id, links) cannot be
 * mistaken for the example site's; articles at `{slug}/`; three SMTP connections.
 */
export const TEST_SHEET: ConfigPatch = (c) => {
  c.site = { title: 'The Test Sheet', url: 'https://news.example.test/', language: 'en', description: 'Test news.', author: { name: 'Test Desk', email: 'desk@example.test' }, postalAddress: 'The Test Sheet, 1 Test Street, Testville' };
  c.content.permalink = '{slug}/';
  c.email = { from: 'The Test Sheet <digest@example.test>', replyTo: 'Test Desk <desk@example.test>', unsubscribeMailto: 'leave@example.test', returnPath: 'bounces+{token}@example.test', maxConnections: 3 };
};

/** reader001@example.org, reader002@example.org, … */
export const subscriberList = (n: number, domain = 'example.org') => Array.from({ length: n }, (_, i) => `reader${String(i + 1).padStart(3, '0')}@${domain}`);

/** A Logger that keeps every event, with its level and fields as the code logged them (unmasked), for the test to read. */
export function memoryLogger(): Logger & { events: LogEvent[] } {
  const events: LogEvent[] = [];
  const keep = (level: string) => (event: string, fields: LogFields = {}) => void events.push({ level, event, ...fields });
  return { events, info: keep('info'), warn: keep('warn'), error: keep('error') };
}

/** Issues and deliveries in the project's ledger: a refused run must leave both at 0. */
export async function recorded(project: Project): Promise<{ issues: number; deliveries: number }> {
  const store = await project.store();
  try {
    const issues = await store.listIssues();
    let deliveries = 0;
    for (const i of issues) deliveries += (await store.deliveries(i.number)).length;
    return { issues: issues.length, deliveries };
  } finally {
    await store.close();
  }
}

/** One run of the digest job on the project's config and store (opened for the run, closed after), at CLOCK. */
export async function runJob(project: Project, smtp: Smtp | undefined, over: Partial<JobOptions> = {}): Promise<JobResult> {
  const store = await project.store();
  try {
    return await runDigestJob({
      config: await project.loadConfig(),
      store,
      clock: CLOCK,
      log: memoryLogger(),
      signal: new AbortController().signal,
      env: { BROADSHEET_SECRET: SECRET, ...(smtp ? { SMTP_URL: smtp.url } : {}) },
      smtp: { timeoutMs: 2000 },
      retry: { attempts: 3, backoffMs: 10 },
      ...over,
    });
  } finally {
    await store.close();
  }
}
