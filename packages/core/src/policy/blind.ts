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
