import { createHash } from "node:crypto";
import type { PolicySet } from "@loopgate/core";
import { drawAudits } from "../oversight/audit-draw.js";
import type { Store } from "../store/index.js";
import { PeriodicWork, type WorkerLogger } from "./poll-loop.js";

export interface AuditScheduleOptions {
  store: Store;
  policies: () => PolicySet;
  clock: () => number;
  /** How often to look for a period that ended (default 5 minutes); 0 turns the worker off. */
  intervalMs: number;
  logger?: WorkerLogger & { info(obj: Record<string, unknown>, msg: string): void };
}

/** Who a scheduled draw is recorded as drawn by. */
const SCHEDULE_ACTOR = "audit-schedule";

/**
 * Scheduled audits (issue 15, item 4; policy `oversight.auditEvery`): periods of that length from the
 * Unix epoch (UTC days for `1d`), and when one ends, a draw of `auditRate` of the approvals decided in
 * it. Each draw is named by its workflow and period, so however many processes look, one stores it and
 * the others find it there (or lose the insert to it). Only the period that ended last is drawn: a
 * server that was down for several periods does not catch up on the older ones.
 */
export class AuditScheduleWorker extends PeriodicWork {
  readonly #o: AuditScheduleOptions;

  constructor(o: AuditScheduleOptions) {
    super({
      name: "audit schedule",
      intervalMs: o.intervalMs,
      round: async () => {
        await this.runOnce();
      },
      ...(o.logger && { logger: o.logger }),
    });
    this.#o = o;
  }

  /** Draws every workflow's last ended period that has no draw yet; resolves to the draws made now. */
  async runOnce(): Promise<
    Array<{ workflow: string; drawId: string; since: number; until: number; drawn: number }>
  > {
    const { store, clock } = this.#o;
    const now = clock();
    const made = [];
    for (const wf of this.#o.policies().workflows.values()) {
      const periodMs = (wf.oversight.auditEverySeconds ?? 0) * 1000;
      if (periodMs <= 0 || wf.oversight.auditRate === 0) continue;
      const until = Math.floor(now / periodMs) * periodMs;
      const since = until - periodMs;
      const drawId = scheduledDrawId(wf.workflow, since, until);
      if (await store.oversight.auditDrawExists(drawId)) continue;
      try {
        const draw = await drawAudits(store, wf, { since, until, now, drawnBy: SCHEDULE_ACTOR, drawId });
        made.push({ workflow: wf.workflow, drawId, since, until, drawn: draw.auditIds.length });
        this.#o.logger?.info(
          {
            workflow: wf.workflow,
            drawId,
            since: new Date(since).toISOString(),
            drawn: draw.auditIds.length,
          },
          "audit schedule: drew the period's audits",
        );
      } catch (err) {
        // Another process stored this period's draw between the look and the insert: theirs stands.
        if (await store.oversight.auditDrawExists(drawId)) continue;
        throw err;
      }
    }
    return made;
  }
}

/** The name of a workflow's scheduled draw for one period: the same in every process. */
function scheduledDrawId(workflow: string, since: number, until: number): string {
  const digest = createHash("sha256")
    .update(JSON.stringify([workflow, since, until]))
    .digest("hex");
  return `draw_sched_${digest.slice(0, 32)}`;
}
