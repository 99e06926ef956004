import { type Pattern, ValidationError, type Verdict, type Workflow } from "@loopgate/core";

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

/** Verdicts that belong to one pattern; the others apply to every workflow. */
const ONLY_FOR: Partial<Record<Verdict, Pattern>> = {
  label: "active_learning",
  rank: "preference_ranking",
};

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Checks a verdict against the workflow (pattern, reason code, output) and returns the output the
 * automation may run: the proposal for approve, the reviewer's version for edit/override, the label or
 * ranking for label/rank, null for reject.
 * @throws ValidationError naming the field at fault (`/verdict`, `/reasonCode`, `/output...`).
 */
export function checkVerdict(wf: Workflow, proposal: unknown, body: VerdictBody): unknown {
  const pattern = ONLY_FOR[body.verdict];
  if (pattern && wf.pattern !== pattern) {
    throw new ValidationError(
      `verdict ${body.verdict} is only for ${pattern} workflows; ${wf.workflow} is ${wf.pattern}`,
      "/verdict",
    );
  }
  assertReason(wf.reasons, body);
  return outputFor(body, proposal);
}

/**
 * Anything that corrects the model needs a reason code from the workflow's list. A label is not a
 * correction (it is the data being collected) and neither is a ranking, unless it calls a tie: a tie
 * says the candidates could not be told apart, which is worth a reason.
 */
function assertReason(reasons: string[], body: VerdictBody): void {
  const { verdict, reasonCode } = body;
  if (verdict === "approve") return;
  const tie = verdict === "rank" && isObject(body.output) && body.output.tie === true;
  const required = (verdict !== "label" && verdict !== "rank") || tie;
  if (!reasonCode) {
    if (!required) return;
    const what = tie ? "a tie" : verdict;
    throw new ValidationError(
      `a reasonCode is required for ${what}; one of: ${reasons.join(", ")}`,
      "/reasonCode",
    );
  }
  if (!reasons.includes(reasonCode)) {
    throw new ValidationError(
      `reasonCode "${reasonCode}" is not one of this workflow's reasons: ${reasons.join(", ")}`,
      "/reasonCode",
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
      if (body.output === undefined) {
        throw new ValidationError(`${body.verdict} needs the output the automation should use`, "/output");
      }
      return body.output;
    case "reject":
      if (body.output !== undefined) throw new ValidationError("reject carries no output", "/output");
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
