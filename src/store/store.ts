import type { AddOutcome, ImportedSubscriber, ImportOutcome, IssueListStats, JoinRecord, NewSubscriber } from '../delivery/model.js';
import type { InboundStore } from '../inbound/ports.js';
import type { IssueStore } from '../pipeline/ports.js';
import type { ServerStore } from '../server/ports.js';

/**
 * Everything broadsheet keeps between runs: subscribers, issues, the
 * deliveries ledger and the reports read from mail. The parts are ports their
 * consumers own (the sender's Ledger, the digest job's IssueStore, the
 * server's ServerStore, the inbound processor's InboundStore); a store
 * implements all of them. SQLite (`sqlite/`) is the one implementation
 * today; `tests/store/conformance.ts` is what any other must pass.
 */
export interface Store extends IssueStore, ServerStore, InboundStore {
  subscribedCount(): Promise<number>;
  /**
   * Subscribes normalised addresses, all in one transaction, recording `join`
   * (the command line when absent) as their consent. `resubscribe` is for an
   * explicit request (`subscribers add`): it brings back an address that
   * unsubscribed or bounced. A bulk import must not bring back anyone who
   * left; nothing but a new confirmed opt-in brings back one that complained.
   */
  addSubscribers(list: readonly NewSubscriber[], at: Date, opts: { resubscribe: boolean; join?: JoinRecord }): Promise<AddOutcome[]>;
  /**
   * An import from another service, all in one transaction, with `join` (via
   * `import`, the file's name) as the consent record and the source's own
   * dates (the import's time `at` where the source gives none). A new address
   * takes the source's status. For one already here:
   * - subscribed at the source: a pending address is subscribed (the operator
   *   vouches for it), a subscribed one may be renamed, one that left here
   *   stays as it is;
   * - left at the source: one that left here stays as it is; one that
   *   confirmed here (`confirmedAt`), or became subscribed or pending here
   *   after the source's `leftAt`, stays subscribed (`kept-subscribed`); any
   *   other takes the source's status (`recorded-left`; left at the source's
   *   `leftAt`, or at `at` when the source does not say).
   * Replaying an import changes nothing.
   */
  importSubscribers(list: readonly ImportedSubscriber[], at: Date, join: JoinRecord): Promise<ImportOutcome[]>;
  /** Per issue, newest first, the last `issues` of them: sent, refused, and the bounces and complaints they drew. */
  issueListStats(issues: number): Promise<IssueListStats[]>;
  close(): Promise<void>;
}
