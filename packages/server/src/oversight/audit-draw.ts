import { randomUUID } from "node:crypto";
import { auditWeight, drawAuditSample, medianHumanHeldMs, type Workflow } from "@loopgate/core";
import type { Store } from "../store/index.js";

export interface AuditDraw {
  drawId: string;
  seed: string;
  rate: number;
  meanWeight: number;
  fastBelowMs: number | null;
  population: number;
  /** Ids of the audits drawn, in draw order. */
  auditIds: string[];
}

/**
 * Draws approved cases of `wf` decided in [since, until) for audit with core `drawAuditSample` in the
 * frozen (fixed) design, and stores the draw with its parameters: by hand (`POST /v1/audits/draw`) or
 * on the policy's schedule (workers/audit-schedule.ts), which names the draw itself so that it is
 * made once however many processes try.
 */
export async function drawAudits(
  store: Store,
  wf: Workflow,
  args: { since: number; until: number; drawnBy: string; now: number; drawId?: string },
): Promise<AuditDraw> {
  const { since, until, now } = args;
  const candidates = await store.oversight.auditCandidates({ workflow: wf.workflow, since, until });
  const rate = wf.oversight.auditRate;
  // Frozen design: fastBelowMs is the median held time of the human approvals in the window, and
  // meanWeight the mean weight of the population, so the expected sample size is rate × N.
  const fastBelowMs = medianHumanHeldMs(candidates) ?? null;
  const weightOpts = { rate, ...(fastBelowMs === null ? {} : { fastBelowMs }) };
  const meanWeight =
    candidates.length === 0
      ? 1
      : candidates.reduce((sum, c) => sum + auditWeight(c, weightOpts), 0) / candidates.length;
  const seed = randomUUID();
  const sample = rate === 0 ? [] : drawAuditSample(candidates, { ...weightOpts, seed, meanWeight });
  const drawId = args.drawId ?? `draw_${randomUUID()}`;
  const audits = sample.map((d) => ({ id: `aud_${randomUUID()}`, ...d }));
  await store.oversight.insertAuditDraw({
    id: drawId,
    workflow: wf.workflow,
    seed,
    rate,
    meanWeight,
    fastBelowMs,
    since,
    until,
    population: candidates.length,
    drawnBy: args.drawnBy,
    drawnAt: now,
    audits,
  });
  return {
    drawId,
    seed,
    rate,
    meanWeight,
    fastBelowMs,
    population: candidates.length,
    auditIds: audits.map((a) => a.id),
  };
}
