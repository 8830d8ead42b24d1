import type { Clock } from '../clock.js';
import type { Config } from '../config/load.js';
import type { ServerStore } from './ports.js';
import type { Logger } from '../log.js';
import type { PageSender } from './pages.js';

/** What the request handlers share: the config, the store of subscribers and issues, and the signing secret. */
export interface ServerContext {
  config: Config;
  clock: Clock;
  log: Logger;
  store: ServerStore;
  /** BROADSHEET_SECRET; without it unsubscribe links cannot be checked. */
  secret: string | undefined;
  page: PageSender;
}
