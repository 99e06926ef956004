import type { TransactionNotice } from "../store/index.js";

/**
 * What routes and workers publish after their transaction commits, and how it reaches every listener
 * of every process: `DecisionNotifier` (long-poll wake-ups) and `CaseEvents` (the workspace stream)
 * publish into a feed and hear from it. Changes carry ids only; a listener re-reads what changed.
 *
 * Two implementations, picked by engine in `server.ts`: `InProcessFeed` for SQLite, whose file one
 * process owns, and `PostgresChangeFeed` (postgres.ts), which also carries changes to and from the
 * other processes sharing the database.
 */

export type CaseEventType = "submitted" | "claimed" | "decided" | "released";

/** A change to a case as the workspace stream tells it (`GET /v1/stream`). */
export interface CaseEvent {
  type: CaseEventType;
  caseId: string;
  workflow: string;
}

/** A case event, or a bare wake-up for the case's long-polls (a release window ending, say). */
export type Change = CaseEvent | { type: "wake"; caseId: string };

export interface ChangeFeed {
  /**
   * True while every process's changes reach this one's listeners; false while a PostgreSQL feed is
   * reconnecting, when waiters should fall back to re-reading the store more often.
   */
  readonly live: boolean;
  /** Delivers `change` to this process's listeners at once, and to the other processes' soon after. */
  publish(change: Change): void;
  /**
   * The NOTIFY that tells the other processes of `changes` when the transaction making them sends it
   * itself: they then hear at its commit, rather than a round trip and a commit of their own later.
   * Undefined when there are no other processes to tell (SQLite). Whoever sends it publishes the same
   * changes with `publishLocal` once the transaction has committed.
   */
  noticeFor(changes: readonly Change[]): TransactionNotice | undefined;
  /** Delivers `change` to this process's listeners only: the other processes heard it from a notice. */
  publishLocal(change: Change): void;
  /** Calls `listener` for every change from now on; the returned function stops it. */
  subscribe(listener: (change: Change) => void): () => void;
  /** Calls `listener` when changes may have been missed (the feed was down): re-read everything once. */
  onResync(listener: () => void): () => void;
  /** Sends what is still queued and stops listening. */
  close(): Promise<void>;
}

/** The feed of one process: every publish reaches every listener in this process, nothing else. */
export class InProcessFeed implements ChangeFeed {
  readonly live: boolean = true;
  readonly #listeners = new Set<(change: Change) => void>();
  readonly #resyncListeners = new Set<() => void>();

  publish(change: Change): void {
    for (const listener of this.#listeners) {
      // A broken listener (a stream whose socket just died) must not stop the others, nor the route.
      try {
        listener(change);
      } catch {}
    }
  }

  noticeFor(): undefined {
    return undefined;
  }

  publishLocal(change: Change): void {
    this.publish(change);
  }

  subscribe(listener: (change: Change) => void): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  onResync(listener: () => void): () => void {
    this.#resyncListeners.add(listener);
    return () => {
      this.#resyncListeners.delete(listener);
    };
  }

  /** Tells every resync listener that changes may have been missed. */
  resync(): void {
    for (const listener of this.#resyncListeners) {
      try {
        listener();
      } catch {}
    }
  }

  async close(): Promise<void> {}
}
