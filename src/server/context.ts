import type { Clock } from '../clock.js';
import type { Config } from '../config/load.js';
import type { ConfirmationMailer } from '../list/mailer.js';
import type { Logger } from '../log.js';
import type { PageSender } from './pages.js';
import type { ServerStore } from './ports.js';
import type { ClientRateLimit } from './rate-limit.js';

/** What the request handlers share: the config, the store of subscribers and issues, and the signing secret. */
export interface ServerContext {
  config: Config;
  clock: Clock;
  log: Logger;
  store: ServerStore;
  /** BROADSHEET_SECRET; without it unsubscribe, confirm and manage links cannot be checked. */
  secret: string | undefined;
  page: PageSender;
  /** The subscribe form's needs: the confirmation mailer (SMTP_URL) and the per-client limit; absent, subscriptions are closed (503). */
  subscribe?: { mailer: ConfirmationMailer; limit: ClientRateLimit } | undefined;
}
