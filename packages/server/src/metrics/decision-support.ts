import { canonicalJson } from "../canonical-json.js";
import type { DecisionSupportRow } from "../store/index.js";

/**
 * Decision support (issue 6, item 3): how often reviewers accept the model's option at each rank, and
 * how often they take none of them.
 *
 * The submission format is the one the workspace already shows (`demo/cases.ts`, web `asOptions`):
 * `proposal.options` is a list of `{id, action, summary, riskFactors}`, best first (an explicit
 * integer `rank` on an option wins over its position). Reviewers answer with the ordinary verdicts:
 * approve accepts the best option; override (or edit) whose output is one of the options, exactly,
 * accepts that option (the workspace sends the option itself, with the reason for passing over the
 * better-ranked ones); any other output, or reject, overrides the model.
 */

export interface RankCount {
  rank: number;
  count: number;
  share: number;
}

export interface ReasonCount {
  reasonCode: string;
  count: number;
  share: number;
}

export interface DecisionSupportFigures {
  decisions: number;
  /** Ranks that were accepted at least once, best first; share of `decisions`. */
  acceptedByRank: RankCount[];
  /** Decisions that took none of the options; `topReasons` share of these overrides, most common first. */
  overrides: { count: number; share: number | null; topReasons: ReasonCount[] };
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** The proposal's options with their ranks (1 = best). */
function rankedOptions(proposal: unknown): { rank: number; json: string }[] {
  if (!isObject(proposal) || !Array.isArray(proposal.options)) return [];
  return proposal.options.map((o, i) => {
    const explicit = isObject(o) ? o.rank : undefined;
    const rank =
      typeof explicit === "number" && Number.isInteger(explicit) && explicit >= 1 ? explicit : i + 1;
    return { rank, json: canonicalJson(o) };
  });
}

/** The rank of the option a decision accepted, or null when it took none. */
function acceptedRank(row: DecisionSupportRow): number | null {
  const options = rankedOptions(row.proposal);
  if (options.length === 0) return null;
  if (row.verdict === "approve") return Math.min(...options.map((o) => o.rank));
  if (row.verdict !== "override" && row.verdict !== "edit") return null;
  const output = canonicalJson(row.output);
  return options.find((o) => o.json === output)?.rank ?? null;
}

export function decisionSupportFigures(rows: ReadonlyArray<DecisionSupportRow>): DecisionSupportFigures {
  const byRank = new Map<number, number>();
  const reasons = new Map<string, number>();
  let overrides = 0;
  for (const row of rows) {
    const rank = acceptedRank(row);
    if (rank !== null) {
      byRank.set(rank, (byRank.get(rank) ?? 0) + 1);
      continue;
    }
    overrides++;
    const reason = row.reasonCode ?? "unspecified";
    reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
  }
  const decisions = rows.length;
  return {
    decisions,
    acceptedByRank: [...byRank]
      .sort(([a], [b]) => a - b)
      .map(([rank, count]) => ({ rank, count, share: count / decisions })),
    overrides: {
      count: overrides,
      share: decisions ? overrides / decisions : null,
      topReasons: [...reasons]
        .sort(([a, x], [b, y]) => y - x || (a < b ? -1 : 1))
        .map(([reasonCode, count]) => ({ reasonCode, count, share: count / overrides })),
    },
  };
}
