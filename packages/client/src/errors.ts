/** Errors the SDK throws, each carrying what a caller needs to react (the problem, the decision). */

/** An RFC 9457 problem as the Loopgate API returns it. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  /** JSON pointer to the request field at fault, when there is one. */
  field?: string;
  errors?: Array<{ field: string; message: string }>;
  [extra: string]: unknown;
}

/** The API refused a request (4xx/5xx). `problem.field` names the offending field. */
export class LoopgateApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Problem,
  ) {
    super(`${problem.title} (${status}): ${problem.detail}`);
    this.name = "LoopgateApiError";
  }
}

/** No decision arrived within the wait; the case is still pending and can be awaited again. */
export class DecisionTimeout extends Error {
  constructor(readonly caseId: string) {
    super(`no decision yet for case ${caseId}`);
    this.name = "DecisionTimeout";
  }
}

import type { Decision } from "./types.js";

/** A person rejected the proposal: the automation must not act. */
export class Rejected extends Error {
  constructor(readonly decision: Decision) {
    super(
      `case ${decision.caseId} was rejected${decision.reasonCode ? ` (${decision.reasonCode})` : ""}${decision.note ? `: ${decision.note}` : ""}`,
    );
    this.name = "Rejected";
  }
}

/** A person overrode the proposal with a decision of their own (in `decision.output`): do not run yours. */
export class Overridden extends Error {
  constructor(readonly decision: Decision) {
    super(`case ${decision.caseId} was overridden${decision.reasonCode ? ` (${decision.reasonCode})` : ""}`);
    this.name = "Overridden";
  }
}

/**
 * The case is human_only: a person did the action themselves (verdict `done`) and recorded what they
 * did in `decision.output`. The automation must not run its own version; record the person's instead.
 */
export class HumanOwned extends Error {
  constructor(readonly decision: Decision) {
    super(
      `case ${decision.caseId} is human_only: a person did it (${decision.verdict}), so the automation must not run it`,
    );
    this.name = "HumanOwned";
  }
}

/**
 * A person answered in the tool's place (verdict `respond`): the action must not run; `decision.output`
 * is their answer, to use as the tool's result (check it with `verifyDecision` first).
 */
export class Responded extends Error {
  constructor(readonly decision: Decision) {
    super(`case ${decision.caseId} was answered by a person: use decision.output, do not run the action`);
    this.name = "Responded";
  }
}

/**
 * A reviewer asked for changes (verdict `request_changes`): nothing runs; `decision.note` is their
 * feedback. Revise with `loopgate.revise(decision.caseId, {...})`, which opens the next version.
 */
export class ChangesRequested extends Error {
  constructor(readonly decision: Decision) {
    super(`case ${decision.caseId}: changes requested: ${decision.note ?? ""}`);
    this.name = "ChangesRequested";
  }
}

/**
 * A decision that is not Loopgate's for this case, workflow, action and output (unsigned, signed with
 * another key, altered on the way, replayed from another case, or an approve of other arguments than
 * were proposed): nothing may run.
 */
export class DecisionNotVerified extends Error {
  constructor(
    readonly caseId: string,
    readonly decision: unknown,
  ) {
    super(
      `the decision for case ${caseId} is not signed by Loopgate for this case, action and output: nothing was run`,
    );
    this.name = "DecisionNotVerified";
  }
}
