import type { Pattern } from "./types";

/**
 * The proposal shapes of docs/workspace-api.md, read defensively: an automation that sends something
 * slightly different still gets a readable screen (the raw JSON at worst), never a blank one.
 */

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

export type Draft =
  | { kind: "text"; text: string }
  | { kind: "email"; subject: string; body: string }
  | { kind: "string"; text: string }
  | { kind: "json"; json: string };

/** A draft text is `{text}` or `{subject, body}`; anything else is edited as JSON. */
export function asDraft(proposal: unknown): Draft {
  if (typeof proposal === "string") return { kind: "string", text: proposal };
  if (isObject(proposal)) {
    if (typeof proposal.subject === "string" && typeof proposal.body === "string") {
      return { kind: "email", subject: proposal.subject, body: proposal.body };
    }
    if (typeof proposal.text === "string") return { kind: "text", text: proposal.text };
  }
  return { kind: "json", json: JSON.stringify(proposal ?? null, null, 2) };
}

/** The text the diff compares: prose for drafts, pretty JSON otherwise. */
export function draftText(d: Draft): string {
  switch (d.kind) {
    case "text":
    case "string":
      return d.text;
    case "email":
      return `Subject: ${d.subject}\n\n${d.body}`;
    case "json":
      return d.json;
  }
}

/** The output an edit sends: the proposal with the edited text in place, or the parsed JSON. */
export function draftOutput(proposal: unknown, d: Draft): { output: unknown } | { error: string } {
  switch (d.kind) {
    case "text":
      return { output: { ...(proposal as Record<string, unknown>), text: d.text } };
    case "email":
      return { output: { ...(proposal as Record<string, unknown>), subject: d.subject, body: d.body } };
    case "string":
      return { output: d.text };
    case "json":
      try {
        return { output: JSON.parse(d.json) };
      } catch (err) {
        return { error: `Your edit is not valid JSON: ${(err as Error).message}` };
      }
  }
}

/** An empty draft of the same kind, for writing one's own version blind. */
export function blankDraft(): Draft {
  return { kind: "string", text: "" };
}

/**
 * The editor for a human_only action's record of what the person did: the shape of the proposal with
 * none of its values (an object's fields set to null), so it can never be sent on as the machine's
 * proposal by pressing submit. Its output carries nothing of the proposal either (`draftOutput(null, d)`).
 */
export function doneDraft(proposal: unknown): Draft {
  const shape = asDraft(proposal);
  switch (shape.kind) {
    case "email":
      return { kind: "email", subject: "", body: "" };
    case "text":
      return { kind: "text", text: "" };
    case "string":
      return { kind: "string", text: "" };
    case "json":
      return isObject(proposal)
        ? {
            kind: "json",
            json: JSON.stringify(Object.fromEntries(Object.keys(proposal).map((k) => [k, null])), null, 2),
          }
        : { kind: "string", text: "" };
  }
}

export interface LabelCandidate {
  label: string;
  probability: number | null;
}

export function asLabels(proposal: unknown): { label: string | null; candidates: LabelCandidate[] } {
  if (!isObject(proposal)) return { label: null, candidates: [] };
  const label = typeof proposal.label === "string" ? proposal.label : null;
  const candidates: LabelCandidate[] = Array.isArray(proposal.candidates)
    ? proposal.candidates.flatMap((c) => {
        if (typeof c === "string") return [{ label: c, probability: null }];
        if (isObject(c) && typeof c.label === "string") {
          return [{ label: c.label, probability: typeof c.probability === "number" ? c.probability : null }];
        }
        return [];
      })
    : [];
  if (label && !candidates.some((c) => c.label === label)) candidates.unshift({ label, probability: null });
  return { label, candidates };
}

export interface DecisionOption {
  id: string;
  action: string;
  summary: string | null;
  riskFactors: string[];
  raw: unknown;
}

export function asOptions(proposal: unknown): DecisionOption[] {
  const list = isObject(proposal) && Array.isArray(proposal.options) ? proposal.options : [];
  return list.map((o, i) => {
    const obj = isObject(o) ? o : {};
    return {
      id: typeof obj.id === "string" || typeof obj.id === "number" ? String(obj.id) : `option-${i + 1}`,
      action: typeof obj.action === "string" ? obj.action : typeof o === "string" ? o : `Option ${i + 1}`,
      summary: typeof obj.summary === "string" ? obj.summary : null,
      riskFactors: Array.isArray(obj.riskFactors) ? obj.riskFactors.map(String) : [],
      raw: o,
    };
  });
}

export interface Candidate {
  id: string;
  output: unknown;
}

export function asCandidates(proposal: unknown): Candidate[] {
  const list = isObject(proposal) && Array.isArray(proposal.candidates) ? proposal.candidates : [];
  return list.map((c, i) => {
    if (isObject(c) && (typeof c.id === "string" || typeof c.id === "number")) {
      return { id: String(c.id), output: "output" in c ? c.output : c };
    }
    return { id: String(i + 1), output: c };
  });
}

/** What a person can do on a case of this pattern: the screen shows these and nothing else. */
export type Action =
  | "approve"
  | "edit"
  | "reject"
  | "override"
  | "label"
  | "pick"
  | "rank"
  | "tie"
  | "done"
  | "respond"
  | "changes";

/**
 * `humanOnly`: the case's action is a person's to do (route human_only). They record that they did it
 * (done, with their own record) or decline it; nothing hands the machine's proposal back to run, blind
 * or not, whatever the pattern.
 */
export function actionsFor(pattern: Pattern | undefined, blind: boolean, humanOnly = false): Action[] {
  if (humanOnly) return ["done", "reject"];
  if (blind) {
    // The proposal is hidden: say whether the action should go ahead, or write one's own version.
    if (pattern === "active_learning") return ["label", "reject"];
    return ["approve", "override", "reject"];
  }
  switch (pattern) {
    case "active_learning":
      return ["label", "reject"];
    case "decision_support":
      return ["pick", "reject"];
    case "preference_ranking":
      return ["rank", "tie", "reject"];
    default:
      // respond: answer in the tool's place (nothing runs); changes: send feedback for a revision.
      return ["approve", "edit", "respond", "changes", "reject"];
  }
}
