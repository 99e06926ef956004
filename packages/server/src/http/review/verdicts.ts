import {
  type CaseFacts,
  decisionNeeds,
  outputProblem,
  type Route,
  toolInputProblem,
  ValidationError,
  type Verdict,
  verdictsFor,
  type Workflow,
} from "@loopgate/core";

/**
 * What a reviewer's verdict must carry, per verdict and workflow pattern, and what the automation
 * then runs. Shared by decisions and blind-first judgments, so both are held to the same rules.
 */

export interface VerdictBody {
  verdict: Verdict;
  output?: unknown;
  reasonCode?: string;
  note?: string;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Checks a verdict against the workflow and returns the output the automation may act on: the proposal
 * for approve, the reviewer's version for edit/override, the label or ranking for label/rank, the
 * person's own record for done (human_only), the person's answer for respond, null for reject and
 * request_changes. In order: the verdict is one the action takes (`verdictsFor`: a human_only action
 * takes only done and reject, so the machine's proposal is never handed back to run), the output has
 * the verdict's shape, stays inside the action's `editable` fields and `outputSchema`, an edit or
 * override meets the tool's input schema sent with the case (`toolInputSchema`: an edit that breaks the
 * tool never runs), and the reason code (and, for `other`, a note) is there when the policy asks.
 * Every path that records a person's output comes through here: decisions (each four-eyes approval
 * included), blind judgments and the preview; timers release only the proposal, checked at submit.
 * @throws ValidationError naming the field at fault (`/verdict`, `/output...`, `/reasonCode`, `/note`).
 */
export function checkVerdict(
  wf: Workflow,
  facts: CaseFacts,
  body: VerdictBody,
  route?: Route,
  toolInputSchema?: Record<string, unknown> | null,
): unknown {
  const allowed = verdictsFor(wf, facts.action, route);
  if (!allowed.includes(body.verdict)) {
    throw new ValidationError(notAllowed(wf, facts.action, body.verdict, route), "/verdict");
  }
  const output = outputFor(body, facts.proposal);
  const problem = outputProblem(wf, facts.action, facts.proposal, body.verdict, output);
  if (problem) throw new ValidationError(problem.message, problem.field);
  if (toolInputSchema && (body.verdict === "edit" || body.verdict === "override")) {
    const broken = toolInputProblem(toolInputSchema, output, "/output");
    if (broken) throw new ValidationError(broken.message, broken.field);
  }
  const { reasonRequired } = decisionNeeds(wf, facts, body.verdict, output, []);
  assertReason(wf.reasons, body, reasonRequired);
  return output;
}

function notAllowed(wf: Workflow, action: string, verdict: Verdict, route?: Route): string {
  const allowed = verdictsFor(wf, action, route).join(", ");
  if (route === "human_only" || wf.actions[action]?.boundary === "human_only") {
    return `action ${action} is human_only: a person does it, so the machine's proposal is never approved to run; record what you did with verdict done (your output, a note), or reject (allowed: ${allowed})`;
  }
  if (verdict === "done") return `verdict done is only for human_only actions; ${action} takes ${allowed}`;
  if (verdict === "respond" || verdict === "request_changes") {
    return `verdict ${verdict} is not for action ${action}; it takes ${allowed}`;
  }
  const pattern = verdict === "label" ? "active_learning" : "preference_ranking";
  return `verdict ${verdict} is only for ${pattern} workflows; ${wf.workflow} is ${wf.pattern}`;
}

/**
 * Anything that corrects the model needs a reason code from the workflow's list. A label is not a
 * correction (it is the data being collected) and neither is a ranking, unless it calls a tie: a tie
 * says the candidates could not be told apart, which is worth a reason. The policy's `requireReason`
 * (per class too) adds verdicts, approve included. Reason `other` names nothing, so it needs a note.
 */
function assertReason(reasons: string[], body: VerdictBody, policyRequires: boolean): void {
  const { verdict, reasonCode } = body;
  const tie = verdict === "rank" && isObject(body.output) && body.output.tie === true;
  const always = verdict === "edit" || verdict === "reject" || verdict === "override";
  const required = always || tie || policyRequires;
  if (!reasonCode) {
    if (!required) return;
    const what = tie ? "a tie" : verdict;
    const why = policyRequires && !always && !tie ? " (review.requireReason)" : "";
    throw new ValidationError(
      `a reasonCode is required for ${what}${why}; one of: ${reasons.join(", ")}`,
      "/reasonCode",
    );
  }
  if (!reasons.includes(reasonCode)) {
    throw new ValidationError(
      `reasonCode "${reasonCode}" is not one of this workflow's reasons: ${reasons.join(", ")}`,
      "/reasonCode",
    );
  }
  if (reasonCode === "other" && !body.note?.trim()) {
    throw new ValidationError(
      'reason "other" says nothing by itself: a note saying why is required',
      "/note",
    );
  }
}

function outputFor(body: VerdictBody, proposal: unknown): unknown {
  switch (body.verdict) {
    case "approve":
      if (body.output !== undefined) {
        throw new ValidationError(
          "approve takes the proposal as it is; send verdict edit to change it",
          "/output",
        );
      }
      return proposal;
    case "edit":
    case "override":
      if (body.output === undefined || body.output === null) {
        throw new ValidationError(`${body.verdict} needs the output the automation should use`, "/output");
      }
      return body.output;
    case "done":
      if (body.output === undefined || body.output === null) {
        throw new ValidationError(
          "done records what you did: send your own output (the action as you carried it out)",
          "/output",
        );
      }
      return body.output;
    case "reject":
      if (body.output !== undefined) throw new ValidationError("reject carries no output", "/output");
      return null;
    case "respond":
      // Any JSON value but null: the answer the model receives as the tool's result.
      if (body.output === undefined || body.output === null) {
        throw new ValidationError(
          "respond needs your answer in output: it is handed to the model as the tool's result, and the tool is not run",
          "/output",
        );
      }
      return body.output;
    case "request_changes":
      if (body.output !== undefined) {
        throw new ValidationError(
          "request_changes carries no output: write the changes you want in note, and the automation revises",
          "/output",
        );
      }
      if (!body.note?.trim()) {
        throw new ValidationError(
          "request_changes needs your feedback in note: it is what the automation revises from",
          "/note",
        );
      }
      return null;
    case "label":
      return labelOutput(body.output);
    case "rank":
      return rankOutput(body.output, proposal);
  }
}

/** `{label}`: any non-empty label, not only the model's candidates (the model may not know the right one). */
function labelOutput(output: unknown): { label: string } {
  if (!isObject(output)) throw new ValidationError('label needs output {"label": "..."}', "/output");
  const extra = Object.keys(output).find((k) => k !== "label");
  if (extra !== undefined) throw new ValidationError(`"${extra}" is not part of a label`, `/output/${extra}`);
  if (typeof output.label !== "string" || output.label.trim() === "") {
    throw new ValidationError("label must be a non-empty string", "/output/label");
  }
  return { label: output.label };
}

/**
 * `{ranking, tie}`: candidate ids, best first, each once. When the proposal lists its candidates
 * (`{candidates: [{id, output}]}`), the ranking must order exactly those.
 */
function rankOutput(output: unknown, proposal: unknown): { ranking: string[]; tie: boolean } {
  if (!isObject(output)) {
    throw new ValidationError(
      'rank needs output {"ranking": [candidate ids, best first], "tie": false}',
      "/output",
    );
  }
  const extra = Object.keys(output).find((k) => k !== "ranking" && k !== "tie");
  if (extra !== undefined)
    throw new ValidationError(`"${extra}" is not part of a ranking`, `/output/${extra}`);
  if (output.tie !== undefined && typeof output.tie !== "boolean") {
    throw new ValidationError("tie must be true or false", "/output/tie");
  }
  const { ranking } = output;
  if (
    !Array.isArray(ranking) ||
    ranking.length < 2 ||
    !ranking.every((id) => typeof id === "string" && id !== "")
  ) {
    throw new ValidationError("ranking must list two or more candidate ids, best first", "/output/ranking");
  }
  const ids = ranking as string[];
  const repeated = ids.find((id, i) => ids.indexOf(id) !== i);
  if (repeated !== undefined) {
    throw new ValidationError(`candidate "${repeated}" is ranked twice`, "/output/ranking");
  }
  const candidates = candidateIds(proposal);
  if (candidates) {
    const unknown = ids.find((id) => !candidates.includes(id));
    if (unknown !== undefined) {
      throw new ValidationError(
        `"${unknown}" is not a candidate of this case; candidates: ${candidates.join(", ")}`,
        "/output/ranking",
      );
    }
    const missing = candidates.filter((id) => !ids.includes(id));
    if (missing.length > 0) {
      throw new ValidationError(
        `the ranking leaves out ${missing.join(", ")}; rank every candidate`,
        "/output/ranking",
      );
    }
  }
  return { ranking: ids, tie: output.tie === true };
}

/** The ids of a preference-ranking proposal's candidates, when it has that shape. */
function candidateIds(proposal: unknown): string[] | undefined {
  if (!isObject(proposal) || !Array.isArray(proposal.candidates)) return undefined;
  const ids = proposal.candidates.map((c) => (isObject(c) ? c.id : undefined));
  return ids.every((id): id is string => typeof id === "string") ? ids : undefined;
}
