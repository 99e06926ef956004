import { Conflict, type DecisionNeeds, decisionNeeds, endsAlone, type Workflow } from "@loopgate/core";
import type { CaseRecord } from "../../store/index.js";
import { caseFacts } from "../../store/index.js";
import type { AppContext } from "../context.js";
import type { Principal } from "../identity/auth.js";
import { enforceMinReviewTime, fourEyes, requireAuthority, settingsOf } from "./review-rules.js";
import { checkVerdict, type VerdictBody } from "./verdicts.js";

/** What a verdict that passed every check releases, and what it still needs. */
export interface CheckedDecision {
  output: unknown;
  needs: DecisionNeeds;
  /** Set when more people must agree before the case is decided (four-eyes). */
  pendingApprovals: { count: number; needed: number } | undefined;
  lease: NonNullable<CaseRecord["lease"]>;
}

/**
 * Every rule a decision meets, in the order a refusal should name it: who you are first (authority
 * on the case as submitted, four-eyes: submitter, earlier approver), then the lease and blind-first,
 * then the verdict itself (shape, editable fields, schema, reason), then the case as the output will
 * run it (authority, people, review time of a stricter class). The decide route runs it and writes;
 * the preview route runs it to tell the reviewer before they submit. Throws the first refusal.
 */
export async function checkDecision(
  ctx: AppContext,
  p: Principal,
  c: CaseRecord,
  wf: Workflow,
  body: VerdictBody,
): Promise<CheckedDecision> {
  if (c.status === "decided") throw new Conflict(`case ${c.id} is already decided`);
  requireAuthority(p, wf, c);
  // Earlier approvals only matter where some case of the workflow can need two people.
  const twoPossible = mayNeedTwo(wf);
  const earlier = twoPossible ? ((await ctx.store.cases.detail(c.id))?.decisions ?? []) : [];
  // Four-eyes counts people: a user and the keys that belong to them are one.
  const persons = twoPossible
    ? await ctx.store.identity.personsOf([c.submittedBy, ...earlier.map((d) => d.decidedBy)])
    : new Map<string, string>();
  const facts = caseFacts(c);
  const asProposed = endsAlone(body.verdict) ? null : (body.output ?? c.proposal);
  const proposedNeeds = decisionNeeds(wf, facts, body.verdict, asProposed, p.authorityRoles);
  fourEyes(p, c, proposedNeeds, asProposed, earlier, persons, body.verdict);
  const lease = c.lease;
  if (!lease || lease.holder !== p.id) {
    throw new Conflict(
      `claim case ${c.id} before deciding it (POST /v1/queue/claim); you do not hold its lease`,
    );
  }
  if (settingsOf(wf, c).blindFirst && !(await ctx.store.review.findBlindJudgment(c.id, lease.id))) {
    throw new Conflict(`record your own judgment first (POST /v1/cases/${c.id}/blind-judgment)`);
  }
  const output = checkVerdict(wf, facts, body, c.route, c.toolInputSchema);
  // The case as it will run: an edit may move it into a stricter class or a four-eyes condition,
  // which then asks for that class's authority, people, review time and release delay.
  const needs = decisionNeeds(wf, facts, body.verdict, output, p.authorityRoles);
  requireAuthority(p, wf, c, needs);
  const pendingApprovals = fourEyes(p, c, needs, output, earlier, persons, body.verdict);
  enforceMinReviewTime(wf, lease.claimedAt, ctx.clock(), needs.settings.minReviewSeconds);
  return { output, needs, pendingApprovals, lease };
}

/** Whether any case of the workflow can need more than one person (so earlier approvals must be read). */
function mayNeedTwo(wf: Workflow): boolean {
  const classes = Object.values(wf.risk.classes);
  return (
    wf.review.approvals > 1 ||
    wf.review.secondReviewWhen !== undefined ||
    classes.some((k) => (k.approvals ?? 1) > 1)
  );
}
