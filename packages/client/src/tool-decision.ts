import type { Loopgate, WaitOptions } from "./client.js";
import { outputHashOf, verifyDecision } from "./decision-signature.js";
import { DecisionNotVerified } from "./errors.js";
import type { CaseInput, Decision, RevisionInput } from "./types.js";

/**
 * The one decision model under every agent framework's adapter: what it does with a tool call once
 * Loopgate has decided. Run it (with the arguments the person approved or edited), hand the person's
 * answer back as the tool's result (respond), or run nothing and tell the model why (reject, and any
 * human-owned case, with `retry: false`; request_changes, with the reviewer's feedback and
 * `retry: true`).
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

/** The outcomes in which the tool does not run: the model reads `toolResult` of them instead. */
export type NotRunOutcome = Exclude<ToolOutcome, { kind: "run" }>;

/** One tool call as a case: what the adapter knows of it. */
export interface ToolCall {
  /** The workflow action, usually the tool's name. */
  action: string;
  /** The arguments the model gave: the case's proposal, and what runs on approve. */
  args: unknown;
  /** The tool's JSON Schema for its arguments: Loopgate refuses an edit that breaks it. */
  toolInputSchema?: Record<string, unknown>;
  /**
   * Makes a second submission of the same call (the adapter asking again after a restart, or once to
   * pause and once to run) find the same case and its decision instead of opening another.
   */
  idempotencyKey: string;
  /** The rest of the case; `input` defaults to the arguments, `confidence` to 0 (the policy decides). */
  details?: ToolCallDetails;
}

/** What a case says about a tool call beyond its arguments, for the reviewer and the policy. */
export type ToolCallDetails = Partial<
  Pick<
    CaseInput,
    "input" | "confidence" | "rationale" | "evidence" | "subject" | "context" | "metadata" | "riskClass"
  >
>;

/**
 * A tool call as a case of `workflow`, the same body every time for the same call: the arguments as the
 * proposal (and as the input unless `details` gives one), confidence 0 unless given (a tool call claims
 * none, so the policy's thresholds send it to a person).
 */
export function toolCallCase(workflow: string, call: ToolCall): CaseInput {
  const { input, confidence, ...rest } = call.details ?? {};
  return {
    workflow,
    action: call.action,
    input: input ?? (isRecord(call.args) ? call.args : { arguments: call.args }),
    proposal: call.args,
    confidence: confidence ?? 0,
    idempotencyKey: call.idempotencyKey,
    ...rest,
    ...(call.toolInputSchema === undefined ? {} : { toolInputSchema: call.toolInputSchema }),
  };
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
 * Submits a tool call as a case (or its revision), waits for the decision and checks it, then says what
 * to do (see `toolOutcomeOf`). A decision altered on the way (another case's, workflow's or action's,
 * changed arguments) throws `DecisionNotVerified` before anything runs; no decision within the wait
 * throws `DecisionTimeout`, and the case stays for the same call asked again.
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
    ? await loopgate.revise(gate.revisionOf, revisionInputOf(gate.case))
    : await loopgate.submit(gate.case);
  const decision = await loopgate.waitForDecision(submitted.id, gate.wait);
  return toolOutcomeOf(decision, {
    publicKeyPem,
    caseId: submitted.id,
    workflow: gate.case.workflow,
    action: gate.case.action,
    proposal: gate.case.proposal,
    humanOnlyRoute: submitted.route === "human_only",
  });
}

/** The fields of a case a revision carries (the contract's `POST /v1/cases/:id/revisions` body). */
export function revisionInputOf(c: CaseInput): RevisionInput {
  return {
    proposal: c.proposal,
    confidence: c.confidence,
    ...(c.rationale === undefined ? {} : { rationale: c.rationale }),
    ...(c.input === undefined ? {} : { input: c.input }),
    ...(c.evidence === undefined ? {} : { evidence: c.evidence }),
    // The call's own key: only the call that filed the revision gets its decision back.
    ...(c.idempotencyKey === undefined ? {} : { idempotencyKey: c.idempotencyKey }),
  };
}

/**
 * What a decision means for a tool call, after checking it (a pure function; exported for adapters that
 * wait for the decision themselves, e.g. a graph resumed in another process). Throws
 * `DecisionNotVerified` unless the decision is signed with `publicKeyPem` for this case, workflow and
 * action and for exactly the output that runs or answers: the proposal itself for an approve (whose
 * output must then be the proposal too), the reviewer's arguments for an edit, the answer for a respond.
 *
 * - approve, edit → `run` with those arguments;
 * - respond → `respond`: the person's answer is the tool's result, the tool never runs;
 * - request_changes → `request_changes` with the reviewer's note as feedback, `retry: true`;
 * - reject, a human_only case whatever the person recorded (`done` included), or any other verdict
 *   (override, label, rank: a person's own decision, never this tool's arguments) → `reject`,
 *   `retry: false`.
 */
export function toolOutcomeOf(
  decision: Decision,
  expected: {
    publicKeyPem: string;
    caseId: string;
    workflow: string;
    action: string;
    proposal: unknown;
    humanOnlyRoute?: boolean;
  },
): ToolOutcome {
  const d = decision;
  // Widened: the verdicts of the contract (respond, request_changes) reach adapters built before them.
  const verdict: string = d.verdict;
  const caseId = expected.caseId;
  // Approve runs what was proposed, not what the answer says was proposed: that is what must be signed,
  // and an approve whose output is anything else is not an approval of this call.
  const output = verdict === "approve" ? expected.proposal : d.output;
  const genuine =
    d.workflow === expected.workflow &&
    verifyDecision(d, { publicKeyPem: expected.publicKeyPem, caseId, action: expected.action, output }) &&
    (verdict !== "approve" || outputHashOf(d.output) === outputHashOf(expected.proposal));
  if (!genuine) throw new DecisionNotVerified(caseId, d);

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
      return stop(d.reasonCode ?? verdict);
  }
}

/**
 * The tool's result a model reads when the tool did not run: the person's answer for respond, and
 * for reject and request_changes what happened in a form an agent can branch on (`retry: false`: do
 * not ask again for the same thing).
 */
export function toolResult(outcome: NotRunOutcome): unknown {
  switch (outcome.kind) {
    case "respond":
      return outcome.answer;
    case "reject":
      return {
        verdict: "reject",
        caseId: outcome.caseId,
        reasonCode: outcome.reasonCode,
        note: outcome.note,
        retry: false,
      };
    case "request_changes":
      return {
        verdict: "request_changes",
        caseId: outcome.caseId,
        feedback: outcome.feedback,
        retry: true,
      };
  }
}

/** `toolResult` as the text a model reads: the answer as is when it is text, else JSON. */
export function toolResultText(outcome: NotRunOutcome): string {
  const result = toolResult(outcome);
  return typeof result === "string" ? result : (JSON.stringify(result) ?? "null");
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
