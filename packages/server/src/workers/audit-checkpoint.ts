import type { Store } from "../store/index.js";
import { PeriodicWork, type WorkerLogger } from "./poll-loop.js";

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
export class AuditCheckpointWorker extends PeriodicWork {
  constructor(o: AuditCheckpointWorkerOptions) {
    super({
      name: "audit-checkpoint",
      intervalMs: o.intervalMs,
      // A little under the interval: two rounds of one process must not skip each other by a tick.
      round: () => o.store.audit.checkpoint({ minAgeMs: o.intervalMs * 0.9 }).then(() => {}),
      ...(o.logger && { logger: o.logger }),
    });
  }
}
