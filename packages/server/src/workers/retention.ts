import type { PolicySet } from "@loopgate/core";
import { purgeExpired } from "../retention/purge.js";
import type { Store } from "../store/index.js";
import { PeriodicWork, type WorkerLogger } from "./poll-loop.js";

export interface RetentionWorkerOptions {
  store: Store;
  policies: () => PolicySet;
  clock: () => number;
  /** Time between purges (default an hour); 0 turns the worker off (purge with `loopgate purge`). */
  intervalMs: number;
  /** pino's `info` as well: a purge is worth a line in the log. */
  logger?: WorkerLogger & { info(obj: Record<string, unknown>, msg: string): void };
}

/**
 * Deletes finished cases past their workflow's `retention.days` on a schedule (retention/purge.ts).
 * Several processes may run it: a case is deleted by one transaction, and the others find it gone.
 */
export class RetentionWorker extends PeriodicWork {
  constructor(o: RetentionWorkerOptions) {
    super({
      name: "retention",
      intervalMs: o.intervalMs,
      round: async () => {
        const purged = await purgeExpired(o.store, o.policies().workflows.values(), {
          now: o.clock(),
          actor: "retention",
        });
        for (const p of purged.filter((x) => x.cases.length > 0)) {
          o.logger?.info(
            { workflow: p.workflow, cases: p.cases.length, retentionDays: p.retentionDays },
            "retention: purged expired cases",
          );
        }
      },
      ...(o.logger && { logger: o.logger }),
    });
  }
}
