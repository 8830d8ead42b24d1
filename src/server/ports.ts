import type { ConfirmOutcome, LeaveReason, StoredIssue, Subscriber } from '../delivery/model.js';
import type { SubscribeStore } from '../list/ports.js';

/** What the HTTP server needs of a store: the list's pages (subscribe, confirm, manage, unsubscribe), and the issues for the archive. */
export interface ServerStore extends SubscribeStore {
  /**
   * Idempotent; true when it changed the subscriber's status (subscribed or
   * pending to unsubscribed, recording `via`). Resolves only once the change
   * is committed.
   */
  unsubscribe(email: string, at: Date, via?: LeaveReason): Promise<boolean>;
  getIssue(number: number): Promise<StoredIssue | undefined>;
  /** Newest first. */
  listIssues(): Promise<StoredIssue[]>;
  latestIssue(): Promise<StoredIssue | undefined>;

  getSubscriber(email: string): Promise<Subscriber | undefined>;
  /**
   * The confirming POST: a `pending` address whose request was made at or
   * after it last joined becomes `subscribed` (confirmed and subscribed at
   * `at`); a link from before the latest request changes nothing.
   */
  confirmSubscription(email: string, requestedAt: Date, at: Date): Promise<ConfirmOutcome>;
  /** The manage page: an `unsubscribed` address subscribes again, keeping its consent record. True when it changed. */
  resubscribe(email: string, at: Date): Promise<boolean>;
  /** Sets (or, with undefined, removes) the name. True when the address is on the list. */
  rename(email: string, name: string | undefined): Promise<boolean>;
}
