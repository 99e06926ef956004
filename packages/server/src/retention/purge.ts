import { retentionDays, type Workflow } from "@loopgate/core";
import type { PurgedCase, Store } from "../store/index.js";

const DAY_MS = 86_400_000;

/** What one workflow's purge removed (or, in a dry run, would remove). */
export interface WorkflowPurge {
  workflow: string;
  retentionDays: number;
  /** Cases created before this were expired. */
  before: number;
  cases: PurgedCase[];
}

export interface PurgeOptions {
  now: number;
  /** List what is expired, delete nothing. */
  dryRun?: boolean;
  /** Recorded as the purge event's actor: "retention" (the worker) or "cli". */
  actor: string;
  /** Cases per transaction (each transaction records its own `cases_purged` event). */
  batch?: number;
}

/**
 * Purges every loaded workflow's finished cases older than its `retention.days`. Cases of workflows
 * no loaded policy names are left alone: without the policy nobody has said how long to keep them.
 */
export async function purgeExpired(
  store: Store,
  workflows: Iterable<Workflow>,
  o: PurgeOptions,
): Promise<WorkflowPurge[]> {
  const batch = o.batch ?? 200;
  const out: WorkflowPurge[] = [];
  for (const wf of workflows) {
    const days = retentionDays(wf);
    const before = o.now - days * DAY_MS;
    const result: WorkflowPurge = { workflow: wf.workflow, retentionDays: days, before, cases: [] };
    if (o.dryRun) {
      result.cases = await store.retention.expired(wf.workflow, before, Number.MAX_SAFE_INTEGER);
    } else {
      for (;;) {
        const purged = await store.retention.purge({
          workflow: wf.workflow,
          before,
          retentionDays: days,
          ...(wf.retention?.belowMinimumBecause && { belowMinimumBecause: wf.retention.belowMinimumBecause }),
          actor: o.actor,
          now: o.now,
          limit: batch,
        });
        result.cases.push(...purged);
        if (purged.length < batch) break;
      }
    }
    out.push(result);
  }
  return out;
}
