import type { Store } from "../store/index.js";
import { PollLoop, type WorkerLogger } from "./poll-loop.js";

export interface AuditCheckpointWorkerOptions {
  store: Store;
  /** Time between signed checkpoints of the audit chains' heads; 0 turns the worker off. */
  intervalMs: number;
  logger?: WorkerLogger;
}

/**
 * Writes a signed checkpoint of the audit chains' heads (store/audit/checkpoints.ts) every `intervalMs`.
 * Several processes may run it: a checkpoint is written only when the latest is at least an interval
 * old, and two processes racing for the same next number write it once (its unique key).
 */
export class AuditCheckpointWorker {
  readonly #loop: PollLoop;
  readonly #intervalMs: number;

  constructor(o: AuditCheckpointWorkerOptions) {
    this.#intervalMs = o.intervalMs;
    this.#loop = new PollLoop({
      name: "audit-checkpoint",
      round: async () => {
        // A little under the interval: two rounds of one process must not skip each other by a tick.
        await o.store.audit.checkpoint({ minAgeMs: o.intervalMs * 0.9 });
        return false;
      },
      intervalMs: o.intervalMs,
      firstRoundAfterMs: o.intervalMs,
      logger: o.logger,
    });
  }

  start(): void {
    if (this.#intervalMs > 0) this.#loop.start();
  }

  stop(): Promise<void> {
    return this.#loop.stop();
  }
}
