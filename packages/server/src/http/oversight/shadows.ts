import { type CaseSubmission, evaluatePolicy, type Workflow } from "@loopgate/core";
import { canonicalJson, sha256Hex } from "../../canonical-json.js";
import { timeOrderedId } from "../../ids.js";
import type { GoldCase, NewCase, ShadowInsert } from "../../store/index.js";
import { type CaseContent, submittedEvents } from "../cases/new-case.js";
import type { AppContext } from "../context.js";
import { queuePriority } from "../learning/queue-priority.js";
import { shadowRoutedEvent } from "../learning/shadow-policy.js";
import { slaTimersFor } from "../review/sla-timers.js";

/**
 * Mixing shadow cases into the queue at submit (issue 5, items 4 and 5): with probability
 * `oversight.catchTrialRate` a catch trial built from a random enabled gold case of the workflow, and with
 * probability `oversight.overlapRate` an overlap copy of the submitted case for an independent second
 * reviewer. Both look like any queued case: same events, SLA deadline and timers, submitted by the same
 * key, created now; they carry no callback, so nothing about them ever reaches an automation.
 */
export async function shadowsFor(ctx: AppContext, wf: Workflow, real: NewCase): Promise<ShadowInsert[]> {
  const { catchTrialRate, overlapRate } = wf.oversight;
  const shadows: ShadowInsert[] = [];
  if (catchTrialRate > 0 && ctx.random() < catchTrialRate) {
    const enabled = await ctx.store.oversight.listGoldCases({ workflow: wf.workflow });
    const gold = enabled[Math.floor(ctx.random() * enabled.length)];
    const trial = gold && catchTrialOf(gold, wf, real);
    if (trial) shadows.push(queued(ctx, wf, trial));
  }
  if (overlapRate > 0 && ctx.random() < overlapRate) {
    shadows.push(
      queued(ctx, wf, {
        ...real,
        id: timeOrderedId("case", real.createdAt),
        idempotencyKey: null,
        callbackUrl: null,
        overlapOf: real.id,
      }),
    );
  }
  return shadows;
}

/** The case a gold item becomes, routed by the policy as it is now; undefined when it would not wait for a person. */
function catchTrialOf(gold: GoldCase, wf: Workflow, real: NewCase): NewCase | undefined {
  const submission = submissionOf({ ...gold, workflow: wf.workflow });
  let explanation: NewCase["explanation"];
  try {
    explanation = evaluatePolicy(submission, wf);
  } catch {
    return undefined; // the policy changed since the gold case was added (an action removed, say)
  }
  if (explanation.route === "auto") return undefined;
  return {
    id: timeOrderedId("case", real.createdAt),
    workflow: wf.workflow,
    action: gold.action,
    status: "queued",
    route: explanation.route,
    riskClass: explanation.riskClass,
    confidence: gold.confidence,
    input: gold.input,
    proposal: gold.proposal,
    rationale: gold.rationale,
    evidence: gold.evidence,
    subject: gold.subject,
    metadata: gold.metadata,
    context: gold.context,
    explanation,
    idempotencyKey: null,
    requestHash: sha256Hex(canonicalJson(submission)),
    callbackUrl: null,
    submittedBy: real.submittedBy,
    policyVersion: explanation.policyVersion,
    createdAt: real.createdAt,
    goldId: gold.id,
    priority: queuePriority(wf, gold.proposal, gold.confidence),
  };
}

/** The events, SLA deadline and timers a queued case gets on submit. */
function queued(ctx: AppContext, wf: Workflow, c: NewCase): ShadowInsert {
  const events = submittedEvents(c);
  // Shadow mode (a draft policy beside the live one) records its route on every case a reviewer can
  // see, so the event's presence never tells a catch trial or an overlap copy apart.
  const draft = shadowRoutedEvent(ctx, submissionOf(c), c.id, c.createdAt);
  if (draft) events.push(draft);
  const { slaDueAt, timers } = slaTimersFor(c.id, c.createdAt, wf.sla.reviewWithinSeconds);
  return { case: c, events, timers, ...(slaDueAt !== undefined && { slaDueAt }) };
}

/** The submission a stored case (or gold case) stands for, as a policy evaluates it. */
function submissionOf(c: Pick<NewCase, "workflow" | keyof CaseContent>): CaseSubmission {
  return {
    workflow: c.workflow,
    action: c.action,
    input: c.input as Record<string, unknown>,
    proposal: c.proposal,
    confidence: c.confidence,
    ...(c.rationale !== null && { rationale: c.rationale }),
    ...(c.evidence !== null && { evidence: c.evidence }),
    ...(c.subject !== null && { subject: c.subject }),
    ...(c.metadata !== null && { metadata: c.metadata }),
    ...(c.context !== null && { context: c.context }),
  };
}
