import { LoopgateError } from "../errors.js";
import type { WorkloadLimits } from "../policy/workflow.js";
import { formatSeconds } from "./sla.js";

/** What the store counts for one person in one workflow, as of `now`. */
export interface WorkloadFacts {
  held: number;
  /** Their decisions since the start of the current UTC day. */
  decidedToday: number;
  /**
   * Their decision times, newest first, back to at least `now - continuousWorkSeconds - breakSeconds`
   * (older ones may be left out: the walk below stops there).
   */
  recentDecisions: readonly number[];
}

export type WorkloadLimit = "maxHeld" | "dailyDecisions" | "continuousWork";

export interface WorkloadRefusal {
  workflow: string;
  limit: WorkloadLimit;
  /** The policy's number: cases, decisions, or seconds of work. */
  value: number;
  /** When claiming may succeed again (epoch ms), or null when it depends on the person (deciding a held case). */
  retryAt: number | null;
  detail: string;
}

const DAY_MS = 86_400_000;

/** The limit a claim in `workflow` would break now, if any; the first of held, daily, continuous work. */
export function workloadRefusal(
  workflow: string,
  limits: WorkloadLimits,
  facts: WorkloadFacts,
  now: number,
): WorkloadRefusal | undefined {
  if (limits.maxHeld !== undefined && facts.held >= limits.maxHeld) {
    return {
      workflow,
      limit: "maxHeld",
      value: limits.maxHeld,
      retryAt: null,
      detail: `you hold ${facts.held} case(s) of workflow ${workflow}, its limit (review.limits.maxHeld: ${limits.maxHeld}): decide or release one before taking another`,
    };
  }
  if (limits.dailyDecisions !== undefined && facts.decidedToday >= limits.dailyDecisions) {
    const tomorrow = (Math.floor(now / DAY_MS) + 1) * DAY_MS;
    return {
      workflow,
      limit: "dailyDecisions",
      value: limits.dailyDecisions,
      retryAt: tomorrow,
      detail: `you made ${facts.decidedToday} decision(s) in workflow ${workflow} today, its daily limit (review.limits.dailyDecisions: ${limits.dailyDecisions}); more from ${new Date(tomorrow).toISOString()} (UTC midnight)`,
    };
  }
  const work = limits.continuousWorkSeconds;
  const rest = limits.breakSeconds;
  if (work !== undefined && rest !== undefined) {
    const breakOver = breakEndsAt(facts.recentDecisions, work * 1000, rest * 1000, now);
    if (breakOver !== undefined) {
      return {
        workflow,
        limit: "continuousWork",
        value: work,
        retryAt: breakOver,
        detail: `you have decided in workflow ${workflow} for ${formatSeconds(work)} or more without a break of ${formatSeconds(rest)} (review.limits.continuousWork): take a break; claims open again at ${new Date(breakOver).toISOString()}`,
      };
    }
  }
  return undefined;
}

/**
 * When the break a person owes ends, or undefined when they owe none. Their current stretch of work runs
 * back from their latest decision over gaps shorter than the break; once it spans `workMs`, they owe a
 * break of `breakMs` counted from that latest decision. A stretch whose latest decision is a break ago
 * is over.
 */
function breakEndsAt(
  newestFirst: readonly number[],
  workMs: number,
  breakMs: number,
  now: number,
): number | undefined {
  const latest = newestFirst[0];
  if (latest === undefined || now - latest >= breakMs) return undefined;
  let start = latest;
  for (const at of newestFirst.slice(1)) {
    if (start - at >= breakMs) break;
    start = at;
    if (latest - start >= workMs) return latest + breakMs;
  }
  return latest - start >= workMs ? latest + breakMs : undefined;
}

/**
 * A claim that found work only where the person has reached a workload limit (policy `review.limits`):
 * each refusal says which limit and until when.
 */
export class WorkloadLimitReached extends LoopgateError {
  constructor(readonly refusals: readonly WorkloadRefusal[]) {
    super(refusals.map((r) => r.detail).join("; "));
  }
}
