/**
 * The workflow-level check (issue 15, item 1): does the team as a whole fail the absolute standards of
 * absolute-checks.ts? A team that stamps together has no diligent peer to stand out against, so the
 * relative signals stay quiet for every member; pooled, their misses and their dwell still show.
 *
 * The three absolute tests run on the workflow's decisions pooled over all its reviewers. Pooling keeps
 * each test exact: under H0 every item fails with probability at most the tolerance, whoever decided it
 * (see absolute-checks.ts). The workflow is flagged when it has at least `minDecisions` decisions and the
 * smallest p-value among the k tests run is ≤ alpha / k (Bonferroni 1936): a false alarm in at most
 * alpha (default 1 %) of runs for a workflow whose team meets the standards.
 */

import {
  type AbsoluteEvidence,
  type AbsoluteOptions,
  type AbsoluteSignal,
  absoluteSignals,
} from "./absolute-checks.js";
import type { ReviewDecision } from "./review-decision.js";

export interface TeamRubberStampOptions extends AbsoluteOptions {
  /** Fewest decisions (all reviewers together) behind a flag (default 30). */
  minDecisions?: number;
  /** Per-workflow false-alarm level (default 0.01). */
  alpha?: number;
}

export interface TeamRubberStampSignal extends AbsoluteSignal {
  /** True when pValue ≤ alpha / k. */
  significant: boolean;
}

export interface TeamRubberStampEvidence extends AbsoluteEvidence {
  reviewers: number;
  decisions: number;
  catchTrials: number;
  catchTrialMisses: number;
  signalsTested: number;
  threshold: number;
  minPValue: number | null;
}

export interface TeamRubberStampFinding {
  workflow: string;
  flagged: boolean;
  signals: TeamRubberStampSignal[];
  evidence: TeamRubberStampEvidence;
}

/** One finding per workflow in the input, in name order. Pure: the same input gives the same output. */
export function detectTeamRubberStamps(
  decisions: ReadonlyArray<ReviewDecision>,
  opts: TeamRubberStampOptions = {},
): TeamRubberStampFinding[] {
  const minDecisions = opts.minDecisions ?? 30;
  const alpha = opts.alpha ?? 0.01;
  const byWorkflow = new Map<string, ReviewDecision[]>();
  for (const d of decisions) {
    const list = byWorkflow.get(d.workflow);
    if (list) list.push(d);
    else byWorkflow.set(d.workflow, [d]);
  }
  return [...byWorkflow.keys()].sort().map((workflow) => {
    const team = byWorkflow.get(workflow) ?? [];
    const { signals: raw, evidence } = absoluteSignals(team, opts);
    const k = raw.length;
    const threshold = k > 0 ? alpha / k : 0;
    const signals = raw.map((s) => ({ ...s, significant: s.pValue <= threshold }));
    const trials = team.filter((d) => d.catchTrial);
    return {
      workflow,
      flagged: team.length >= minDecisions && signals.some((s) => s.significant),
      signals,
      evidence: {
        reviewers: new Set(team.map((d) => d.reviewer)).size,
        decisions: team.length,
        catchTrials: trials.length,
        catchTrialMisses: trials.filter((d) => !d.catchTrial?.passed).length,
        ...evidence,
        signalsTested: k,
        threshold,
        minPValue: k > 0 ? Math.min(...raw.map((s) => s.pValue)) : null,
      },
    };
  });
}
