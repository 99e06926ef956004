import { performance } from "node:perf_hooks";
import { covers, type Store, type SuspensionRecord } from "../store/index.js";

/** How stale the submit path's view of suspensions may be in a process that did not suspend. */
const SUSPENSION_CACHE_MS = 1000;

/**
 * The suspensions in force, kept in memory for the submit path (`POST /v1/cases`), which must not pay a
 * database round trip per request: the whole table of suspensions in force is read at most once per
 * `maxAgeMs`, however many submits arrive. The process that suspends or resumes calls `invalidate()`,
 * so it sees the change at once; any other process sees it within `maxAgeMs` (README: Stop button).
 * Timers and the outbox never use this: they read the database when they fire (holds.ts).
 */
export class SuspensionCache {
  readonly #store: Store;
  readonly #maxAgeMs: number;
  readonly #now: () => number;
  #inForce: SuspensionRecord[] = [];
  #loadedAt = Number.NEGATIVE_INFINITY;
  /** Bumped by `invalidate()`: a read started before it must not count as fresh after it. */
  #generation = 0;
  #loading: Promise<void> | undefined;

  constructor(store: Store, o: { maxAgeMs?: number; now?: () => number } = {}) {
    this.#store = store;
    this.#maxAgeMs = o.maxAgeMs ?? SUSPENSION_CACHE_MS;
    // Monotonic wall time, not the server's (injectable) clock: the bound is a promise in real seconds.
    this.#now = o.now ?? (() => performance.now());
  }

  /** The suspension in force covering `action` of `workflow`, the workflow-wide one first. */
  async covering(workflow: string, action: string): Promise<SuspensionRecord | undefined> {
    if (this.#now() - this.#loadedAt >= this.#maxAgeMs) await this.#refresh();
    let found: SuspensionRecord | undefined;
    for (const s of this.#inForce) {
      if (s.workflow !== workflow || !covers(s, action)) continue;
      if (s.action === null) return s;
      found = s;
    }
    return found;
  }

  /** After this process suspended or resumed: the next read goes to the database. */
  invalidate(): void {
    this.#generation++;
    this.#loadedAt = Number.NEGATIVE_INFINITY;
    this.#loading = undefined;
  }

  /** Concurrent submits share one read; a read begun before an invalidation never lands after it. */
  #refresh(): Promise<void> {
    if (this.#loading) return this.#loading;
    const generation = this.#generation;
    const startedAt = this.#now();
    const loading = this.#store.suspensions
      .inForce()
      .then((rows) => {
        if (generation !== this.#generation) return;
        this.#inForce = rows;
        this.#loadedAt = startedAt;
      })
      .finally(() => {
        if (this.#loading === loading) this.#loading = undefined;
      });
    this.#loading = loading;
    return loading;
  }
}

const caches = new WeakMap<Store, SuspensionCache>();

/**
 * The one cache of a process's store, shared by the submit path and the suspend/resume routes (which
 * invalidate it), without threading it through every context that builds an app around a store.
 */
export function suspensionCacheOf(store: Store): SuspensionCache {
  const cached = caches.get(store);
  if (cached) return cached;
  const cache = new SuspensionCache(store);
  caches.set(store, cache);
  return cache;
}
