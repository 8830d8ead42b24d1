/**
 * What the sender needs of a store: a record of each hand-over, written
 * before the message leaves, and of the server's answer, written as soon as
 * it comes. The sender owns this port; a store implements it.
 *
 * The order of the two writes is the whole guarantee: a crash between them
 * leaves the delivery `submitted`, which the next run sends again with the
 * same Message-ID. So a crash can repeat at most the messages in flight, and
 * never lose one.
 */
export interface Ledger {
  /**
   * Records that the message is about to be handed over, only while the
   * subscriber is still subscribed. False when they left during the send:
   * the delivery is then `skipped` and the message must not go.
   */
  markSubmitted(issue: number, subscriberId: number, messageId: string, at: Date): Promise<boolean>;
  /** The server's answer: accepted, failed (permanent) or pending (temporary: try again later). */
  markOutcome(issue: number, subscriberId: number, state: 'accepted' | 'failed' | 'pending', reply: string | undefined, at: Date): Promise<void>;
}
