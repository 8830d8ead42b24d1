import type { ListReport, ReportOutcome, Subscriber } from '../delivery/model.js';

/** What applying a report may do beyond the report itself. */
export interface ReportPolicy {
  /** Consecutive issues with a soft bounce before the address is `bounced` (`list.softBounceLimit`). */
  softBounceLimit: number;
}

/**
 * What reading bounces, complaints and mailed unsubscribes needs of a store.
 *
 * `applyReport` is one transaction. A report whose key was seen before is a
 * `duplicate` and changes nothing. Otherwise it is kept, and:
 * - hard bounce: a `subscribed` or `pending` address becomes `bounced`;
 * - soft bounce: the same, once each of the last `softBounceLimit` issues
 *   accepted for the address drew a soft bounce (a report without an issue
 *   counts for the latest one accepted); two reports about one issue count once;
 * - complaint: any status but `complained` becomes `complained`;
 * - unsubscribe: a `subscribed` or `pending` address becomes `unsubscribed`, via mail.
 * `applied` when the status changed, `recorded` when it did not.
 */
export interface InboundStore {
  subscriberById(id: number): Promise<Subscriber | undefined>;
  getSubscriber(email: string): Promise<Subscriber | undefined>;
  applyReport(report: ListReport, policy: ReportPolicy): Promise<ReportOutcome>;
}
