import { classProbabilities, uncertainty, type Workflow } from "@loopgate/core";

/**
 * Where a case stands in its workflow's queue (`cases.priority`): for an active-learning workflow, how
 * uncertain the model was by the workflow's strategy, so the case that teaches most is handed out
 * first; 0 for every other workflow (oldest first). Catch trials get theirs the same way, so the order
 * never tells them apart.
 */
export function queuePriority(wf: Workflow, proposal: unknown, confidence: number): number {
  if (!wf.activeLearning) return 0;
  return uncertainty(classProbabilities(proposal, confidence), wf.activeLearning.strategy);
}

/** UTC midnight of the day holding `now`: labelling budgets are per UTC day. */
export function utcMidnight(now: number): number {
  return now - (((now % 86_400_000) + 86_400_000) % 86_400_000);
}
