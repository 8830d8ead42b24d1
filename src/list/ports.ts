import type { JoinRecord, SubscribeOutcome } from '../delivery/model.js';

/** How many confirmation mails one address may be sent, and whether a request may bring back an address that left. */
export interface SubscribePolicy {
  /**
   * True for a reader's own request (the form, the manage page): it reopens an
   * address that unsubscribed, bounced or complained, as `pending`. False for
   * an operator's import: someone who left stays out.
   */
  reopen: boolean;
  /** Confirmation mails per address per window (`list.confirmMails`, `list.confirmWindowHours`). */
  confirmMails: number;
  windowMs: number;
}

/** What asking to join needs of a store. */
export interface SubscribeStore {
  /**
   * A request to join (double opt-in). A new address becomes `pending` with
   * `join` as its consent record; a pending one stays so (a name given now
   * replaces the old one). `confirm` means a confirmation mail is due and has
   * been counted against the address's share; `limited` that the share is
   * used up (nothing changed); `subscribed` that the address already is
   * (nothing is due); `kept` that the policy may not bring it back. One
   * transaction: concurrent requests never exceed the share.
   */
  requestSubscription(email: string, name: string | undefined, join: JoinRecord, at: Date, policy: SubscribePolicy): Promise<{ outcome: SubscribeOutcome; id: number }>;
}
