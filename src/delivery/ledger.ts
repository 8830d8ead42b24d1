/**
 * What the sender needs of a store: a record of each hand-over, written
 * before the message leaves, and of the server's answer, written before the
 * sender takes its next message. The sender owns this port; a store
 * implements it.
 *
 * The order of the writes is the whole guarantee: a crash between a claim
 * and its outcome leaves the delivery `submitted`, which the next run sends
 * again with the same Message-ID. A sender works with at most
 * `email.maxConnections` claims open at once, so a crash can repeat at most
 * that many messages, and never lose one.
 */
export interface Ledger {
  /**
   * One transaction, committed before the promise resolves (a group commit:
   * the sender gathers the writes of all its connections into one). First the
   * outcomes are recorded, then the claims are made: each delivery becomes
   * `submitted` with its Message-ID, only while the subscriber is still
   * subscribed. The answer has one entry per claim: false when the subscriber
   * left during the send; the delivery is then `skipped` and the message
   * must not go.
   */
  record(issue: number, write: LedgerWrite, at: Date): Promise<boolean[]>;
}

export interface LedgerWrite {
  outcomes: readonly Outcome[];
  claims: readonly Claim[];
}

/** A delivery about to be handed to the server. */
export interface Claim {
  subscriberId: number;
  messageId: string;
}

/** The server's answer to one hand-over. */
export interface Outcome {
  subscriberId: number;
  /** accepted, failed (permanent, or given up) or pending (temporary: try again later). */
  state: 'accepted' | 'failed' | 'pending';
  reply: string | undefined;
  /**
   * Counts the hand-over as an attempt. False when the server itself failed
   * (refused the connection, never greeted, refused our credentials): the
   * message was never offered, so nothing is held against the delivery.
   */
  attempted: boolean;
}
