/**
 * The records of the list: subscribers, the issues they are sent, and the
 * deliveries ledger. Plain data, whatever store keeps them.
 */

export type SubscriberStatus = 'subscribed' | 'unsubscribed';

export interface Subscriber {
  id: number;
  /** Normalised address. */
  email: string;
  name?: string;
  status: SubscriberStatus;
  subscribedAt: Date;
  unsubscribedAt?: Date;
}

/** What an add or import did to one address. */
export type AddOutcome = 'added' | 'resubscribed' | 'renamed' | 'unchanged' | 'kept-unsubscribed';

export interface NewSubscriber {
  email: string;
  name?: string | undefined;
}

/** An issue as rendered once for everybody: per-recipient placeholders are still in `html` and `text`. */
export interface RenderedIssue {
  number: number;
  subject: string;
  preheader: string;
  html: string;
  text: string;
  createdAt: Date;
}

export interface NewIssue extends RenderedIssue {
  /** Slugs of the entries shown in the issue, lead first. */
  entrySlugs: string[];
  /** Every published article the issue took account of, shown or not. */
  covered: string[];
}

export interface StoredIssue extends RenderedIssue {
  /** Slugs of the entries shown in the issue, lead first. */
  entrySlugs: string[];
  /** Set when every delivery reached a final state. */
  sentAt?: Date;
}

/**
 * pending: not yet handed to the server (or a temporary failure to retry);
 * submitted: claimed for hand-over, outcome not yet recorded (after a crash,
 * possibly delivered); accepted / failed: the server's final word, or a
 * temporary failure given up on; skipped: the subscriber left before their
 * copy went out.
 */
export type DeliveryState = 'pending' | 'submitted' | 'accepted' | 'failed' | 'skipped';

export interface Delivery {
  issue: number;
  subscriberId: number;
  email: string;
  name?: string;
  state: DeliveryState;
  messageId?: string;
  attempts: number;
  lastReply?: string;
  /** When the delivery was opened: the give-up time counts from here. */
  openedAt: Date;
  updatedAt: Date;
}

export type DeliveryCounts = Record<DeliveryState, number>;

export const DELIVERY_STATES: readonly DeliveryState[] = ['pending', 'submitted', 'accepted', 'failed', 'skipped'];
