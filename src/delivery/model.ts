/**
 * The records of the list: subscribers, the issues they are sent, and the
 * deliveries ledger. Plain data, whatever store keeps them.
 */

/**
 * pending: asked to join, confirmation not yet given; subscribed: mailed;
 * unsubscribed: left by their own request or the operator's; bounced: their
 * server refused the address for good (or soft-bounced too many issues in a
 * row); complained: marked an issue as spam. Only `subscribed` is mailed.
 */
export type SubscriberStatus = 'pending' | 'subscribed' | 'unsubscribed' | 'bounced' | 'complained';

export const SUBSCRIBER_STATUSES: readonly SubscriberStatus[] = ['pending', 'subscribed', 'unsubscribed', 'bounced', 'complained'];

/** How an address joined: the subscribe form, an operator's CSV import, the command line; `unrecorded` for rows older than consent records. */
export type JoinSource = 'form' | 'import' | 'command-line' | 'unrecorded';

/** How an address left: the unsubscribe page, a one-click POST, a mailed request, a bounce, a complaint, the operator. */
export type LeaveReason = 'link' | 'one-click' | 'mail' | 'bounce' | 'complaint' | 'operator' | 'unrecorded';

/** The record of consent: when and how the current subscription was asked for, and when it was confirmed. */
export interface Consent {
  joinedAt: Date;
  joinedVia: JoinSource;
  /** The import's file name; the form's page. */
  joinedDetail?: string;
  /** When the address confirmed (double opt-in); absent for operator-added addresses. */
  confirmedAt?: Date;
}

export interface Subscriber extends Consent {
  id: number;
  /** Normalised address. */
  email: string;
  name?: string;
  status: SubscriberStatus;
  /** When the status last became `subscribed`. */
  subscribedAt?: Date;
  /** When and how the address left (unsubscribed, bounced or complained). */
  leftAt?: Date;
  leftVia?: LeaveReason;
  /** The bounce's status and diagnostic, the complaint's feedback type. */
  leftDetail?: string;
}

/** What an add or import did to one address. */
export type AddOutcome = 'added' | 'resubscribed' | 'renamed' | 'unchanged' | 'kept-unsubscribed' | 'kept-bounced' | 'kept-complained';

export interface NewSubscriber {
  email: string;
  name?: string | undefined;
}

/** The statuses of an address that left: never mailed, never brought back by an import. */
export type LeftStatus = 'unsubscribed' | 'bounced' | 'complained';

/**
 * One address of an import, as its source (another service's export) has it:
 * on the list there, or left there, with the dates the source kept. A date the
 * source does not give is absent.
 */
export interface ImportedSubscriber {
  email: string;
  name?: string | undefined;
  status: 'subscribed' | LeftStatus;
  /** When it joined at the source (the original opt-in). */
  joinedAt?: Date | undefined;
  /** When it became subscribed at the source (Mailchimp's CONFIRM_TIME, Buttondown's subscription_date). */
  subscribedAt?: Date | undefined;
  /** When it left at the source. */
  leftAt?: Date | undefined;
  /** How the source says it left ("Mailchimp: cleaned"), kept as the left detail. */
  leftDetail?: string | undefined;
}

/**
 * What an import did to one address: the outcomes of an add (an import never
 * resubscribes), `recorded-left` when a source's unsubscribe, bounce or
 * complaint was recorded (a new address, or one subscribed here only by an
 * operator or an import before it left there), `kept-subscribed` when the
 * source says it left but it confirmed here, or joined here after it left there.
 */
export type ImportOutcome = Exclude<AddOutcome, 'resubscribed'> | 'recorded-left' | 'kept-subscribed';

/** Where a subscription came from, recorded with it. */
export interface JoinRecord {
  via: JoinSource;
  detail?: string | undefined;
}

/**
 * What a subscribe request (the form, `import --confirm`, the manage page)
 * did: `confirm` when a confirmation mail is due, `limited` when the address
 * had its share of them, `subscribed` when it already is, `kept` when a
 * request that may not bring an address back met one that left.
 */
export type SubscribeOutcome = 'confirm' | 'limited' | 'subscribed' | 'kept';

/** What a confirming POST did. */
export type ConfirmOutcome = 'confirmed' | 'subscribed' | 'not-pending';

/**
 * A bounce, complaint or mailed unsubscribe, read from a report (or an SMTP
 * refusal at send time), about one subscriber. `key` identifies the report:
 * the same report twice has the same key and changes nothing the second time.
 */
export interface ListReport {
  key: string;
  kind: ReportKind;
  subscriberId: number;
  /** The issue it is about, when known; 0 for a confirmation mail. */
  issue?: number | undefined;
  /** Status code and diagnostic, feedback type: kept with the report and the subscriber. */
  detail: string;
  at: Date;
}

export type ReportKind = 'hard-bounce' | 'soft-bounce' | 'complaint' | 'unsubscribe';

/** applied: the subscriber's status changed; recorded: kept, status unchanged; duplicate: seen before, nothing done. */
export type ReportOutcome = 'applied' | 'recorded' | 'duplicate';

/** One issue's outcome for the list: what was sent, and the bounces and complaints it drew (distinct subscribers). */
export interface IssueListStats {
  issue: number;
  accepted: number;
  failed: number;
  bounces: number;
  complaints: number;
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
  /** The subscriber's consent, for the reason line of their copy. */
  consent: Consent;
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
