import { evaluatePolicy, timeoutMayApprove, type Workflow } from "@loopgate/core";
import { type CaseRecord, caseFacts } from "../store/index.js";

/**
 * Whether `sla.onTimeout: approve` may approve a case when its deadline passes. Validation already
 * refuses approve on a workflow with a review or human_only action or a class that never auto-routes,
 * but the case may have been queued under another policy (or another version of this one), so the
 * clock asks again at fire time: only what the policy would let the machine do alone right now.
 */

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Why the clock may not approve case `c` under `wf` now, in words for the `escalated` event and the
 * handoff; undefined when it may. A human_only case is refused whatever the policy says now: a person
 * was asked to do it and may be doing it, so approving the machine's proposal could do it twice.
 */
export function approveRefusal(wf: Workflow, c: CaseRecord): string | undefined {
  if (c.route === "human_only") {
    return `case ${c.id} was routed human_only: a person does it, so no clock approves the machine's proposal`;
  }
  let allowed: boolean;
  try {
    allowed = timeoutMayApprove(wf, caseFacts(c));
  } catch (err) {
    // The policy can no longer route the case (a class it dropped, say): nothing the machine may do alone.
    return `the policy cannot route the case any more (${(err as Error).message})`;
  }
  return allowed ? undefined : whyNotAuto(wf, c);
}

/**
 * The rule that keeps the case from the machine, as the router words it (the reason that set the route,
 * e.g. "confidence 0.20 is below only's threshold 0.40"). Only the wording: the answer is core's.
 */
function whyNotAuto(wf: Workflow, c: CaseRecord): string {
  const fallback = "the policy would not let the machine do it alone";
  if (!Object.hasOwn(wf.actions, c.action)) return `action ${c.action} is no longer in the policy`;
  try {
    const explanation = evaluatePolicy(
      {
        workflow: wf.workflow,
        action: c.action,
        input: isObject(c.input) ? c.input : {},
        proposal: c.proposal,
        confidence: c.confidence,
        ...(c.context && { context: c.context }),
        ...(c.metadata && { metadata: c.metadata }),
        ...(c.subject !== null && { subject: c.subject }),
        ...(wf.risk.classify === undefined && { riskClass: c.riskClass }),
      },
      wf,
    );
    return explanation.route === "auto" ? fallback : (explanation.reasons.at(-1) ?? fallback);
  } catch {
    return fallback;
  }
}
