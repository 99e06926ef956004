import type { Loopgate, WaitOptions } from "./client.js";
import { verifyDecision } from "./decision-signature.js";
import type { CaseInput, Decision, RevisionInput } from "./types.js";

/**
 * What an agent framework's adapter does with a tool call once Loopgate has decided, the same for every
 * framework: run it (with the arguments the person approved or edited), hand the person's answer back
 * as the tool's result (respond), or run nothing and tell the model why (reject, with `retry: false`;
 * request_changes, with the reviewer's feedback and `retry: true`).
 */
export type ToolOutcome =
  | { kind: "run"; caseId: string; args: unknown; decision: Decision }
  | { kind: "respond"; caseId: string; answer: unknown; decision: Decision }
  | {
      kind: "reject";
      caseId: string;
      reasonCode: string | null;
      note: string | null;
      retry: false;
      decision: Decision;
    }
  | { kind: "request_changes"; caseId: string; feedback: string; retry: true; decision: Decision };

/** The decision's signature does not hold for this case, action and output: nothing may run. */
export class UnverifiedDecision extends Error {
  constructor(readonly caseId: string) {
    super(
      `the decision on case ${caseId} is not signed by Loopgate for this case, action and output; nothing was run`,
    );
    this.name = "UnverifiedDecision";
  }
}

export interface ToolCallGate {
  loopgate: Loopgate;
  /** The server's decision key, pinned (`GET /v1/decision-key`), never fetched beside the decision. */
  publicKeyPem: string;
  /** The tool call as a case: `proposal` is the arguments the tool would run with. */
  case: CaseInput;
  /** When the reviewer asked for changes on an earlier call, that case: this one is its revision. */
  revisionOf?: string;
  wait?: WaitOptions;
}

/**
 * Submits a tool call as a case, waits for the decision and checks its signature, then says what to do.
 * Approve runs the proposal as submitted; edit runs the reviewer's arguments; each is verified against
 * exactly the arguments returned in `args`, and a respond against the answer handed back, so a decision
 * altered on the way (another case's, another action's, changed arguments) throws `UnverifiedDecision`
 * before anything runs.
 *
 * @example
 * ```ts
 * const outcome = await decideToolCall({ loopgate, publicKeyPem, case: {
 *   workflow: "invoice.approve", action: "pay", input: invoice, proposal: args, confidence: 0.7,
 *   idempotencyKey: toolCallId } });
 * if (outcome.kind === "run") await pay(outcome.args);
 * else return toolResultText(outcome);
 * ```
 */
export async function decideToolCall(gate: ToolCallGate): Promise<ToolOutcome> {
  const { loopgate, publicKeyPem } = gate;
  const submitted = gate.revisionOf
    ? await loopgate.revise(gate.revisionOf, revisionOf(gate.case))
    : await loopgate.submit(gate.case);
  const decision = await loopgate.waitForDecision(submitted.id, gate.wait);
  return toolOutcomeOf(decision, {
    publicKeyPem,
    caseId: submitted.id,
    action: gate.case.action,
    proposal: gate.case.proposal,
    humanOnlyRoute: submitted.route === "human_only",
  });
}

/** The fields of a case a revision carries (the contract's `POST /v1/cases/:id/revisions` body). */
function revisionOf(c: CaseInput): RevisionInput {
  return {
    proposal: c.proposal,
    confidence: c.confidence,
    ...(c.rationale === undefined ? {} : { rationale: c.rationale }),
    ...(c.input === undefined ? {} : { input: c.input }),
    ...(c.evidence === undefined ? {} : { evidence: c.evidence }),
  };
}

/**
 * What a decision means for a tool call, after checking its signature (throws `UnverifiedDecision`).
 * Exported for adapters that wait for the decision themselves (a graph resumed in another process).
 */
export function toolOutcomeOf(
  decision: Decision,
  expected: {
    publicKeyPem: string;
    caseId: string;
    action: string;
    proposal: unknown;
    humanOnlyRoute?: boolean;
  },
): ToolOutcome {
  const d = decision;
  // Widened: the verdicts of the contract (respond, request_changes) reach adapters built before them.
  const verdict: string = d.verdict;
  const caseId = expected.caseId;
  // Approve runs what was proposed, not what the answer says was proposed: that is what must be signed.
  const output = verdict === "approve" ? expected.proposal : d.output;
  if (!verifyDecision(d, { publicKeyPem: expected.publicKeyPem, caseId, action: expected.action, output })) {
    throw new UnverifiedDecision(caseId);
  }
  const humanOwned =
    expected.humanOnlyRoute === true ||
    d.route === "human_only" ||
    d.humanOwned === true ||
    verdict === "done";
  const stop = (reasonCode: string | null): ToolOutcome => ({
    kind: "reject",
    caseId,
    reasonCode,
    note: d.note ?? null,
    retry: false,
    decision: d,
  });
  if (humanOwned) return stop(d.reasonCode ?? "human_owned");
  switch (verdict) {
    case "approve":
    case "edit":
      return { kind: "run", caseId, args: output, decision: d };
    case "respond":
      return { kind: "respond", caseId, answer: d.output, decision: d };
    case "request_changes":
      return { kind: "request_changes", caseId, feedback: d.note ?? "", retry: true, decision: d };
    case "reject":
      return stop(d.reasonCode ?? null);
    default:
      // override, label, rank: a person's own decision of another kind, never this tool's arguments.
      return stop(d.reasonCode ?? verdict);
  }
}

/**
 * The text a model reads as the tool's result when the tool did not run: the person's answer for
 * respond (as is when it is text, else JSON), and machine-readable JSON for reject and request_changes.
 */
export function toolResultText(outcome: Exclude<ToolOutcome, { kind: "run" }>): string {
  switch (outcome.kind) {
    case "respond":
      return typeof outcome.answer === "string" ? outcome.answer : JSON.stringify(outcome.answer);
    case "reject":
      return JSON.stringify({
        verdict: "reject",
        caseId: outcome.caseId,
        reasonCode: outcome.reasonCode,
        note: outcome.note,
        retry: false,
      });
    case "request_changes":
      return JSON.stringify({
        verdict: "request_changes",
        caseId: outcome.caseId,
        feedback: outcome.feedback,
        retry: true,
      });
  }
}
