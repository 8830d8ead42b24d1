import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { messageMaker } from '../../src/delivery/messages.js';
import { DEFAULT_RETRY, deliver } from '../../src/delivery/sender.js';
import type { Ledger } from '../../src/delivery/ledger.js';
import type { Store } from '../../src/store/store.js';
import { smtpTransport } from '../../src/delivery/transport.js';
import { subscriberList, TEST_SHEET } from '../helpers/delivery.js';
import { CLOCK, makeProject, NOW, SECRET, type Project } from '../helpers/project.js';
import { startSmtp, type Smtp } from '../helpers/smtp.js';

let project: Project;
let smtp: Smtp;
let store: Store;
const READERS = subscriberList(6);

beforeEach(async () => {
  project = makeProject({ articles: 'none', config: TEST_SHEET });
  await project.addSubscribers(READERS);
  smtp = await startSmtp();
  store = await project.store();
  (await store.createIssue({ number: 1, subject: 'Issue 1', preheader: 'P', html: '<p>Hello</p>', text: 'Hello', entrySlugs: ['a'], covered: ['a'], createdAt: new Date(NOW) }));
  (await store.enqueue(1, new Date(NOW)));
});

afterEach(async () => {
  await store.close();
  await smtp.close();
});

describe('a ledger write that fails after the server accepted', () => {
  it('is not taken for an SMTP failure: the message is not sent again, the delivery stays submitted', async () => {
    // A ledger whose first write of an "accepted" outcome fails (as SQLITE_BUSY would), passed in where the store's would be.
    let failedFor: number | undefined;
    const faulty: Ledger = {
      async record(issue, write, at) {
        const accepted = write.outcomes.find((o) => o.state === 'accepted');
        if (accepted && failedFor === undefined) {
          failedFor = accepted.subscriberId;
          throw new Error('SQLITE_BUSY: database is locked');
        }
        return store.record(issue, write, at);
      },
    };
    const config = await project.loadConfig();
    const transporter = smtpTransport(config, smtp.url, undefined, { timeoutMs: 2000 });
    const issue = (await store.getIssue(1))!;
    try {
      await expect(
        deliver({
          ledger: faulty,
          issue: 1,
          due: (await store.dueDeliveries(1)),
          transporter,
          make: messageMaker(config, issue, SECRET, CLOCK),
          clock: CLOCK,
          signal: new AbortController().signal,
          concurrency: 2,
          retry: { ...DEFAULT_RETRY, backoffMs: 10 },
          // Never reached: every failure here is the ledger's, not the server's.
          giveUp: { afterMs: Infinity, afterAttempts: 0 },
          onEvent: () => {},
        }),
      ).rejects.toThrow('SQLITE_BUSY');
    } finally {
      transporter.close();
    }
    // Nobody got two copies; the one whose outcome could not be written is left submitted for the next run.
    expect([...smtp.countsByRecipient().values()].every((n) => n === 1)).toBe(true);
    const row = (await store.deliveries(1)).find((d) => d.subscriberId === failedFor)!;
    expect(row.state).toBe('submitted');
    // An attempt is counted with its outcome, and this one's outcome could not be written.
    expect(row.attempts).toBe(0);
    expect(smtp.countsByRecipient().get(row.email)).toBe(1);
  });
});
