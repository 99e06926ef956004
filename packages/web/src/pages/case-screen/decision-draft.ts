import type { ApiError } from "../../api";
import {
  type Action,
  asCandidates,
  asOptions,
  blankDraft,
  type Draft,
  doneDraft,
  draftOutput,
  draftText,
} from "../../proposals";
import type { CaseView, VerdictBody } from "../../types";

/** The decision a reviewer is putting together on the case screen, and the rules that turn it into a verdict. */

export type Mode =
  | "approve"
  | "edit"
  | "reject"
  | "override"
  | "label"
  | "rank"
  | "tie"
  | "done"
  | "respond"
  | "changes";

export interface DecisionDraft {
  mode: Mode | null;
  reason: string;
  note: string;
  edit: Draft | null;
  /** Decision support: the index of the accepted option. */
  option: number | null;
  /** Active learning: the chosen candidate label, or the typed one. */
  label: string;
  /** Preference ranking: candidate ids, best first, as picked so far. */
  ranking: string[];
}

export const EMPTY_DRAFT: DecisionDraft = {
  mode: null,
  reason: "",
  note: "",
  edit: null,
  option: null,
  label: "",
  ranking: [],
};

export const NEEDS_REASON: ReadonlySet<Mode> = new Set(["edit", "reject", "override", "tie"]);

const MODE_VERB: Record<Mode, string> = {
  approve: "approve",
  edit: "edit",
  reject: "reject",
  override: "override",
  label: "label",
  rank: "rank",
  tie: "record a tie",
  done: "record what you did",
  respond: "answer in the tool's place",
  changes: "request changes",
};

const ACTION_KEYS: Record<Action, string> = {
  approve: "a approve",
  edit: "e edit",
  reject: "r reject",
  override: "o write your own",
  label: "1–9 or l label",
  pick: "1–9 accept an option",
  rank: "1–9 pick the better",
  tie: "t tie",
  done: "d done: record what you did",
  respond: "s answer instead",
  changes: "c request changes",
};

/** Where the next keystroke belongs after an action; the screen moves focus there once it renders. */
export type Focus = "submit" | "reason" | "note" | "editor" | "label" | "next" | "proposal" | null;

/** What blocks a decision, and the control it is shown beside. */
export interface Problem {
  where: "reason" | "editor" | "note" | "general";
  text: string;
}

/** Whether the draft is written in the editor: an edit, one's own version, or a record of what one did. */
export function editorShown(
  d: DecisionDraft,
): d is DecisionDraft & { mode: "edit" | "override" | "done" | "respond" } {
  return (
    d.mode === "edit" ||
    d.mode === "done" ||
    d.mode === "respond" ||
    (d.mode === "override" && d.option === null)
  );
}

/**
 * The form control a server refusal names (its JSON pointer), so it is shown beside that control; null
 * when the form has no such control on screen (the refusal is then shown above the form).
 */
export function refusedField(
  err: Pick<ApiError, "field"> | null,
  d: DecisionDraft,
): "reason" | "note" | "editor" | null {
  const field = err?.field;
  if (field === "/reasonCode") return "reason";
  if (field === "/note") return "note";
  if ((field === "/output" || field?.startsWith("/output/")) && editorShown(d)) return "editor";
  return null;
}

/** The verdict to send, or the problem that blocks it, in words that name the problem. */
export function buildVerdict(
  c: CaseView,
  d: DecisionDraft,
  actions: Action[],
  original: Draft | null,
): { body: VerdictBody } | { problem: Problem } {
  if (!d.mode) {
    const keys = actions.map((a) => ACTION_KEYS[a]).join(", ");
    return { problem: { where: "general", text: `Choose an action first (${keys}).` } };
  }
  const built = draftBody(c, d, d.mode, original);
  if ("problem" in built || !NEEDS_REASON.has(d.mode) || built.body.reasonCode) return built;
  const what =
    d.mode === "override" && d.option !== null
      ? `accept option ${d.option + 1} instead of the model's first choice`
      : MODE_VERB[d.mode];
  return {
    problem: {
      where: "reason",
      text: `A reason is required to ${what}. Choose one under “Reason”: reasons are how the model and the policy learn from you.`,
    },
  };
}

/**
 * The body the draft would send, before the reason it may still lack: what the decision preview asks
 * about while the reviewer is still on their way to the reason field.
 */
export function draftBody(
  c: CaseView,
  d: DecisionDraft,
  mode: Mode,
  original: Draft | null,
): { body: VerdictBody } | { problem: Problem } {
  const note = d.note.trim() || undefined;
  const reasonCode = d.reason || undefined;
  let body: VerdictBody;
  switch (mode) {
    case "approve":
      body = { verdict: "approve", note, reasonCode };
      break;
    case "reject":
      body = { verdict: "reject", note, reasonCode };
      break;
    case "edit":
    case "override": {
      if (mode === "override" && d.option !== null) {
        body = { verdict: "override", output: asOptions(c.proposal)[d.option]?.raw, note, reasonCode };
        break;
      }
      const edit = d.edit ?? blankDraft();
      const out = draftOutput(c.proposal, edit);
      if ("error" in out) return { problem: { where: "editor", text: out.error } };
      if (mode === "edit" && original && draftText(edit) === draftText(original)) {
        return {
          problem: {
            where: "editor",
            text: "Your edit is the same as the proposal. Change it, or press Esc and approve it instead.",
          },
        };
      }
      if (mode === "override" && draftText(edit).trim() === "") {
        return { problem: { where: "editor", text: "Write your own version before submitting it." } };
      }
      body = { verdict: mode, output: out.output, note, reasonCode };
      break;
    }
    case "done": {
      // The person's own record: nothing of the proposal, and not the empty template either.
      const edit = d.edit ?? doneDraft(c.proposal);
      const out = draftOutput(null, edit);
      if ("error" in out) return { problem: { where: "editor", text: out.error } };
      const template = draftOutput(null, doneDraft(c.proposal));
      const same = "output" in template && JSON.stringify(template.output) === JSON.stringify(out.output);
      if (draftText(edit).trim() === "" || same) {
        return {
          problem: {
            where: "editor",
            text: "Record what you did (what was carried out, where, any reference) before submitting it.",
          },
        };
      }
      body = { verdict: "done", output: out.output, note, reasonCode };
      break;
    }
    case "respond": {
      // The person's answer, handed to the model as the tool's result: nothing of the proposal in it.
      const edit = d.edit ?? blankDraft();
      const out = draftOutput(null, edit);
      if ("error" in out) return { problem: { where: "editor", text: out.error } };
      if (draftText(edit).trim() === "") {
        return {
          problem: {
            where: "editor",
            text: "Write the answer the agent should get instead of running the tool.",
          },
        };
      }
      body = { verdict: "respond", output: out.output, note, reasonCode };
      break;
    }
    case "changes": {
      if (!note) {
        return {
          problem: {
            where: "note",
            text: "Write the changes you want in the note: it is what the agent revises from.",
          },
        };
      }
      body = { verdict: "request_changes", note, reasonCode };
      break;
    }
    case "label": {
      const label = d.label.trim();
      if (!label) return { problem: { where: "general", text: "Pick a label (1–9) or type one." } };
      body = { verdict: "label", output: { label }, note, reasonCode };
      break;
    }
    case "rank":
    case "tie": {
      const all = asCandidates(c.proposal).map((x) => x.id);
      if (mode === "rank" && d.ranking.length === 0) {
        return { problem: { where: "general", text: "Pick the better candidate first (1–9)." } };
      }
      const ranking = mode === "tie" ? all : [...d.ranking, ...all.filter((x) => !d.ranking.includes(x))];
      body = { verdict: "rank", output: { ranking, tie: mode === "tie" }, note, reasonCode };
      break;
    }
  }
  return { body };
}

/** The candidate's place on screen (1-based), as the reviewer sees it numbered. */
export function candidateNumber(c: CaseView, id: string): number {
  return asCandidates(c.proposal).findIndex((x) => x.id === id) + 1;
}

/** The submit button says what will be recorded. */
export function submitLabel(d: DecisionDraft, blind: boolean, c: CaseView): string {
  if (blind) return "Record my judgment";
  switch (d.mode) {
    case "approve":
      return d.option === 0 ? "Accept option 1" : "Approve";
    case "edit":
      return "Submit edit";
    case "reject":
      return "Reject";
    case "override":
      return d.option !== null ? `Override with option ${d.option + 1}` : "Override";
    case "label":
      return d.label.trim() ? `Label “${d.label.trim()}”` : "Label";
    case "rank":
      return `Submit: candidate ${candidateNumber(c, d.ranking[0] ?? "")} is better`;
    case "tie":
      return "Record a tie";
    case "done":
      return "Record as done";
    case "respond":
      return "Send this answer";
    case "changes":
      return "Request changes";
    default:
      return "Submit";
  }
}
