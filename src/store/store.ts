import type { AddOutcome, NewSubscriber, Subscriber } from '../delivery/model.js';
import type { IssueStore } from '../pipeline/ports.js';
import type { ServerStore } from '../server/ports.js';

/**
 * Everything broadsheet keeps between runs: subscribers, issues and the
 * deliveries ledger. The parts are ports their consumers own (the sender's
 * Ledger, the digest job's IssueStore, the server's ServerStore); a store
 * implements all of them. SQLite (`sqlite/`) is the one implementation today;
 * `tests/store/conformance.ts` is what any other must pass.
 */
export interface Store extends IssueStore, ServerStore {
  getSubscriber(email: string): Promise<Subscriber | undefined>;
  subscribedCount(): Promise<number>;
  /**
   * Subscribes normalised addresses, all in one transaction. `resubscribe` is
   * for an explicit request (`subscribers add`); a bulk import must not
   * bring back someone who left.
   */
  addSubscribers(list: readonly NewSubscriber[], at: Date, opts: { resubscribe: boolean }): Promise<AddOutcome[]>;
  close(): Promise<void>;
}
