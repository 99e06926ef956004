import { uniform } from "../oversight/sampling.js";
import type { RouteExplanation } from "../types.js";

/**
 * An explanation with the model's side taken out, for blind-first review: the reviewer must not learn
 * the model's confidence, nor whether it cleared the threshold, before recording their own judgment.
 * What stays is what the policy found without the model: the risk class, the fired triggers and the
 * boundary-based reasons.
 *
 * The reasons are written by `evaluatePolicy` in this package; the ones that weigh the confidence are
 * the ones starting "confidence ", so this filter lives next to the code that writes them.
 */
export function blindExplanation(
  explanation: RouteExplanation,
): Omit<RouteExplanation, "threshold" | "confidence"> & { threshold: null; confidence: null } {
  return {
    ...explanation,
    threshold: null,
    confidence: null,
    reasons: explanation.reasons.filter((reason) => !reason.startsWith("confidence ")),
  };
}

/** The seed of the blind sample's draw: a constant, so every process draws the same cases. */
const BLIND_SAMPLE_SEED = "loopgate.review.blindSampleRate";

/**
 * Whether a case is in the blind sample of a workflow whose `review.blindSampleRate` is `rate`: the case
 * asks its reviewers for a blind judgment although its class is not blind-first, so skill erosion is
 * measured on a share of cases (docs/oversight.md "Skill erosion"). The draw is `uniform(seed, caseId)`
 * (oversight/sampling.ts): a hash of the case id alone, so it is the same for every process and every
 * retry, and the share of a workflow's cases drawn tends to `rate`. The server draws once, at submit,
 * and keeps the answer on the case, so a later change of the rate never unblinds a case in review.
 */
export function inBlindSample(caseId: string, rate: number): boolean {
  if (!(rate > 0)) return false;
  if (rate >= 1) return true;
  return uniform(BLIND_SAMPLE_SEED, caseId) < rate;
}
