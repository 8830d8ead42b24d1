import type { StoredIssue } from '../delivery/model.js';

/** What the HTTP server needs of a store: unsubscribes, and the issues for the archive. */
export interface ServerStore {
  /** Idempotent; true when it changed the subscriber's status. Resolves only once the change is committed. */
  unsubscribe(email: string, at: Date): Promise<boolean>;
  getIssue(number: number): Promise<StoredIssue | undefined>;
  /** Newest first. */
  listIssues(): Promise<StoredIssue[]>;
  latestIssue(): Promise<StoredIssue | undefined>;
}
