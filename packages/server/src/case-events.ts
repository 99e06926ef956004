import type { CaseEvent, ChangeFeed } from "./change-feed/change-feed.js";
import type { TransactionNotice } from "./store/index.js";

export type { CaseEvent } from "./change-feed/change-feed.js";

/**
 * Case changes as the workspace hears about them (`GET /v1/stream`): routes and workers publish after
 * their transaction commits, so a listener that reacts by reading the case sees the change.
 *
 * Published into the change feed, so a stream hears the changes made through every process: at once
 * for its own, and over PostgreSQL NOTIFY for the others' when several share a database
 * (change-feed/postgres.ts). Other processes' changes committed while that feed was reconnecting are
 * not replayed: `onResync` tells the streams so once it listens again, and the workspace re-reads.
 */
export class CaseEvents {
  readonly #listeners = new Set<(event: CaseEvent) => void>();

  constructor(private readonly feed: ChangeFeed) {
    feed.subscribe((change) => {
      if (change.type === "wake") return;
      for (const listener of this.#listeners) {
        // A broken listener (a stream whose socket just died) must not stop the others, nor the route.
        try {
          listener(change);
        } catch {}
      }
    });
  }

  /** Calls `listener` for every event from now on; the returned function stops it. */
  subscribe(listener: (event: CaseEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  /** Calls `listener` when changes may have been missed (the feed was down); the returned function stops it. */
  onResync(listener: () => void): () => void {
    return this.feed.onResync(listener);
  }

  publish(event: CaseEvent): void {
    this.feed.publish(event);
  }

  /**
   * For a transaction that tells the other processes itself (change-feed.ts `noticeFor`): the notice to
   * send in it, or undefined when `publish` after the commit is the only way (SQLite).
   */
  noticeFor(event: CaseEvent): TransactionNotice | undefined {
    return this.feed.noticeFor([event]);
  }

  /** After a transaction that sent `noticeFor(event)` committed: this process's listeners hear it. */
  publishLocal(event: CaseEvent): void {
    this.feed.publishLocal(event);
  }

  get listenerCount(): number {
    return this.#listeners.size;
  }
}
