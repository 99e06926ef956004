import type { DecisionSigner } from "../decision-signature.js";
import type { CaseRecord, NewDecision } from "../store/index.js";

/**
 * What a decision hands the automation to act on. A case routed human_only is the person's to do
 * (`humanOwned: true`): the automation gets what the person recorded they did (`done`) and never the
 * machine's proposal, whatever the verdict (a decision recorded before `done` existed, say an approve,
 * carries the proposal, so it is withheld as null). The long-poll answer and the webhook share this.
 */
export function handedBack(
  c: Pick<CaseRecord, "route">,
  d: Pick<NewDecision, "verdict" | "output">,
): { humanOwned: boolean; output: unknown } {
  const humanOwned = c.route === "human_only";
  return { humanOwned, output: !humanOwned || d.verdict === "done" ? d.output : null };
}

/**
 * The signature over what the automation receives (decision-signature.ts): the output handed back, so
 * a human_only case's withheld proposal is signed as the null the automation gets.
 */
export function signedDecision(
  signer: DecisionSigner,
  c: Pick<CaseRecord, "id" | "workflow" | "action" | "route">,
  d: Pick<NewDecision, "id" | "verdict" | "output" | "decidedAt">,
) {
  return signer.sign({
    caseId: c.id,
    workflow: c.workflow,
    action: c.action,
    verdict: d.verdict,
    decisionId: d.id,
    output: handedBack(c, d).output,
    decidedAt: new Date(d.decidedAt).toISOString(),
  });
}

/** The webhook body for a decided case: what the automation needs to act, and nothing it must not see. */
export function decidedWebhookBody(c: CaseRecord, d: NewDecision, signer: DecisionSigner): string {
  const { humanOwned, output } = handedBack(c, d);
  return JSON.stringify({
    type: "case.decided",
    caseId: c.id,
    workflow: c.workflow,
    action: c.action,
    route: c.route,
    humanOwned,
    verdict: d.verdict,
    output,
    reasonCode: d.reasonCode,
    note: d.note,
    decidedBy: d.decidedBy,
    decidedAt: new Date(d.decidedAt).toISOString(),
    idempotencyKey: c.idempotencyKey,
    subject: c.subject,
    metadata: c.metadata,
    ...signedDecision(signer, c, d),
  });
}
