import type { DeliveryQueue, LateOutcomes, Ledger } from '../delivery/ledger.js';
import type { Delivery, DeliveryCounts, NewIssue, StoredIssue, Subscriber, SubscriberStatus } from '../delivery/model.js';
import type { InboundStore } from '../inbound/ports.js';
import type { Lock } from '../util/lock.js';

/** What deciding the next issue, and writing the issue archive, need to know of the past issues. */
export interface IssueHistory {
  /** The issue with the highest number, sent or not. */
  latestIssue(): Promise<StoredIssue | undefined>;
  /** Slugs of every article some issue has already taken account of. */
  coveredSlugs(): Promise<Set<string>>;
  /** Every issue, sent or not, newest first: the static archive has a page for each. */
  listIssues(): Promise<StoredIssue[]>;
}

export type LockName = 'send' | 'schedule';

/**
 * What the digest job needs of a store: the issue history, the ledger, and
 * the list. `applyReport` records an SMTP refusal at send time as a bounce.
 */
export interface IssueStore extends IssueHistory, Ledger, Pick<InboundStore, 'applyReport'> {
  /**
   * One holder per name and data: one sender, one scheduler. Refused at once
   * (LOCKED) when another process holds it; released however the holder ends.
   */
  acquireLock(name: LockName, at: Date): Promise<Lock>;
  /**
   * The ledger as worker `worker` of several senders sharing one issue, with
   * leases of `leaseMs` (PostgreSQL); undefined for a store one machine owns
   * (SQLite), where one sender holds the `send` lock instead. A store that
   * has one also shares its locks between machines: a second scheduler
   * waits on standby rather than being refused. `late` hears of the outcomes
   * the worker recorded after its delivery went to another (not written).
   */
  sharedQueue(worker: string, leaseMs: number, late?: LateOutcomes): DeliveryQueue | undefined;
  createIssue(issue: NewIssue): Promise<StoredIssue>;
  markIssueSent(issue: number, at: Date): Promise<void>;
  /**
   * Opens a pending delivery for every subscribed address that has none for
   * this issue yet, and closes the open ones of addresses no longer
   * subscribed (unsubscribed, bounced, complained) since.
   * Returns how many were opened.
   */
  enqueue(issue: number, at: Date): Promise<number>;
  /** Deliveries still to make, for subscribed addresses: pending ones and those in flight when a run died. */
  dueDeliveries(issue: number): Promise<Delivery[]>;
  deliveries(issue: number): Promise<Delivery[]>;
  counts(issue: number): Promise<DeliveryCounts>;
  /** Every subscriber (or those with one status), by address. */
  listSubscribers(status?: SubscriberStatus): Promise<Subscriber[]>;
  /** How many addresses have each status: the run report says how many were not mailed and why. */
  statusCounts(): Promise<Record<SubscriberStatus, number>>;
}
