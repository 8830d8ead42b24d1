import type { Delivery } from './model.js';

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

/**
 * A ledger shared by several senders (PostgreSQL): each sender is a worker
 * with a name of its own, and takes deliveries by lease. A leased delivery
 * belongs to its worker until the lease runs out; the worker renews its
 * leases while it lives, so only a dead (or cut off) worker's deliveries are
 * taken over. `record` claims only deliveries this worker holds: a claim
 * that lost its lease answers false and changes nothing (the delivery is
 * skipped only when its subscriber left). Likewise an outcome is written
 * only while this worker holds the delivery and it is still open: the late
 * answer of a worker paused past its lease never overwrites the new
 * holder's; it is dropped, and told to the queue's `LateOutcomes`.
 */
export interface DeliveryQueue extends Ledger {
  /**
   * Leases up to `n` due deliveries of the issue (pending, or submitted by a
   * worker whose lease ran out) to this worker, in subscriber order, whatever
   * their subscriber's status (the claim skips one who left); skips
   * those others hold without waiting for them (FOR UPDATE SKIP LOCKED), and
   * those answered temporarily since `runStart` (they wait for the next run).
   * `heldElsewhere`: due deliveries other live workers hold right now.
   */
  lease(issue: number, n: number, runStart: Date): Promise<{ leased: Delivery[]; heldElsewhere: number }>;
  /** Gives back every lease this worker still holds (the end of its run); stops renewing them. */
  release(issue: number): Promise<void>;
  /**
   * Waits until one more message fits the rate limit, counted across every
   * worker on the store: at most `messages` per window of `windowMs`.
   * Resolves to true when the message may go, false when the signal aborted
   * first: there is no slot, and the message must not go.
   */
  pace(rate: { messages: number; windowMs: number }, signal: AbortSignal): Promise<boolean>;
  /** Runs `fn` while holding the store's lock `name` (waiting for it): the issue is planned and opened by one sender at a time. */
  exclusive<T>(name: string, fn: () => Promise<T>): Promise<T>;
}

/** Told the outcomes a worker recorded too late (the delivery had gone to another worker, or was final): they were not written. */
export type LateOutcomes = (issue: number, dropped: readonly Outcome[]) => void;
