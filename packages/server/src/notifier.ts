import { EventEmitter } from "node:events";

/**
 * Wakes long-polls when a case is decided. In-process only: a waiter also re-reads the store every
 * `pollMs`, which is what makes a decision taken by another process (PostgreSQL deployments) visible.
 */
export class DecisionNotifier {
  private readonly emitter = new EventEmitter();

  constructor(readonly pollMs = 1000) {
    // Every long-poll adds a listener; hundreds at once are normal, not a leak.
    this.emitter.setMaxListeners(0);
  }

  notify(caseId: string): void {
    this.emitter.emit(caseId);
  }

  /**
   * Resolves true once `check` says the case is settled, false at the deadline. `check` is called at
   * the start, on every notification and every `pollMs`.
   */
  async waitFor(caseId: string, check: () => Promise<boolean>, timeoutMs: number, signal?: AbortSignal) {
    if (await check()) return true;
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline && !signal?.aborted) {
      const wait = Math.min(this.pollMs, deadline - Date.now());
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          this.emitter.off(caseId, done);
          signal?.removeEventListener("abort", done);
          resolve();
        };
        const timer = setTimeout(done, wait);
        this.emitter.on(caseId, done);
        signal?.addEventListener("abort", done, { once: true });
      });
      if (await check()) return true;
    }
    return false;
  }
}
