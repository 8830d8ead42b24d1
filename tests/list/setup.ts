import { fixedClock, type Clock } from '../../src/clock.js';
import { openConfirmationMailer, type ConfirmationMailer } from '../../src/list/mailer.js';
import { silentLogger } from '../../src/log.js';
import { startServer, type RunningServer } from '../../src/server/server.js';
import type { Store } from '../../src/store/store.js';
import { TEST_SHEET } from '../helpers/delivery.js';
import { NOW, SECRET, type ConfigPatch, type Project } from '../helpers/project.js';
import type { Smtp } from '../helpers/smtp.js';

/** The delivery tests' newsletter with the list's settings the tests use: a generous rate limit unless a test is about it. */
export const LIST_CONFIG: ConfigPatch = (c) => {
  TEST_SHEET(c);
  c.list = { ...c.list, confirmMails: 3, rateLimit: 1000 };
  c.server = { ...c.server, host: '127.0.0.1', port: 0 };
};

export interface ListServer {
  server: RunningServer;
  store: Store;
  mailer: ConfirmationMailer;
  close(): Promise<void>;
}

/** `serve`'s list pages over a real HTTP server, with confirmation mails to a real SMTP server. */
export async function startListServer(project: Project, smtp: Smtp, clock: Clock = fixedClock(NOW)): Promise<ListServer> {
  const store = await project.store();
  const config = await project.loadConfig();
  const mailer = await openConfirmationMailer({ config, secret: SECRET, smtpUrl: smtp.url, dkim: undefined, clock, log: silentLogger, smtp: { timeoutMs: 2000 }, retry: { attempts: 2, backoffMs: 10 } });
  const server = await startServer({ config, clock, log: silentLogger, store, secret: SECRET, host: '127.0.0.1', port: 0, mailer });
  return {
    server,
    store,
    mailer,
    async close() {
      await server.close();
      await mailer.close();
      await store.close();
    },
  };
}

/** The confirmation link of a confirmation mail, from its text part. */
export function confirmLink(text: string): string {
  const m = /https:\/\/news\.example\.test\/confirm\/[A-Za-z0-9_-]+/.exec(text);
  if (!m) throw new Error(`no confirmation link in:\n${text}`);
  return m[0];
}
