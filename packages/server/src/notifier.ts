import { EventEmitter } from "node:events";
import type { ChangeFeed } from "./change-feed/change-feed.js";

export interface RecheckIntervals {
  /** How often a waiter re-reads the store while the feed is live: a safety net only. */
  liveMs: number;
  /** How often while the feed is down (a PostgreSQL feed reconnecting): then it is the only way to hear. */
  downMs: number;
}

/**
 * Wakes long-polls (`GET /v1/cases/:id/decision?waitSeconds=N`) when their case changes. `notify`
 * publishes into the change feed, which reaches the waiters of every process (over PostgreSQL NOTIFY
 * when several share a database, change-feed/postgres.ts); any change to a case wakes its waiters,
 * who re-read the store. A waiter also re-reads every `liveMs` (every `downMs` while the feed is
 * down), in case a wake-up was lost, and every waiter re-reads once when the feed comes back.
 */
export class DecisionNotifier {
  private readonly emitter = new EventEmitter();
  /** Every waiter, for a resync (a Set, so thousands of waiters come and go in constant time). */
  private readonly waiting = new Set<() => void>();

  constructor(
    private readonly feed: ChangeFeed,
    readonly recheck: RecheckIntervals = { liveMs: 5000, downMs: 1000 },
  ) {
    // Every long-poll adds a listener; hundreds at once are normal, not a leak.
    this.emitter.setMaxListeners(0);
    // Prefixed: a case id must never be taken for the emitter's own "error" event.
    feed.subscribe((change) => this.emitter.emit(`case:${change.caseId}`));
    // The feed was down: any case may have changed unheard.
    feed.onResync(() => {
      for (const wake of [...this.waiting]) wake();
    });
  }

  /** Wakes the case's long-polls in every process, after a commit that may settle it. */
  notify(caseId: string): void {
    this.feed.publish({ type: "wake", caseId });
  }

  /**
   * Resolves true once `check` says the case is settled, false at the deadline. `check` is called at
   * the start, whenever the case changes, and at the recheck interval.
   */
  async waitFor(caseId: string, check: () => Promise<boolean>, timeoutMs: number, signal?: AbortSignal) {
    if (await check()) return true;
    const deadline = Date.now() + timeoutMs;
    const event = `case:${caseId}`;
    while (Date.now() < deadline && !signal?.aborted) {
      const interval = this.feed.live ? this.recheck.liveMs : this.recheck.downMs;
      const wait = Math.min(interval, deadline - Date.now());
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          this.emitter.off(event, done);
          this.waiting.delete(done);
          signal?.removeEventListener("abort", done);
          resolve();
        };
        const timer = setTimeout(done, wait);
        this.emitter.on(event, done);
        this.waiting.add(done);
        signal?.addEventListener("abort", done, { once: true });
      });
      if (await check()) return true;
    }
    return false;
  }
}
