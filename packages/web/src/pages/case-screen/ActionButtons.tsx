import type { Action } from "../../proposals";
import type { DecisionDraft, Mode } from "./decision-draft";

/**
 * The lettered buttons (a, e, o, t, d, r) for the actions this case allows; number-key picks live in the
 * proposal.
 */
export function ActionButtons({
  actions,
  blind,
  draft,
  setMode,
  onEdit,
  onOwn,
  onDone,
}: {
  actions: Action[];
  blind: boolean;
  draft: DecisionDraft;
  setMode: (mode: Mode | null, patch: Partial<DecisionDraft>, focusOn: "submit" | "reason") => void;
  onEdit: () => void;
  onOwn: () => void;
  onDone: () => void;
}) {
  return (
    <fieldset className="actions">
      <legend className="sr-only">Actions</legend>
      {actions.includes("approve") && (
        <button
          type="button"
          className="act approve"
          aria-pressed={draft.mode === "approve" && draft.option === null}
          onClick={() => setMode("approve", { option: null }, "submit")}
          aria-keyshortcuts="a"
        >
          <kbd>a</kbd> {blind ? "Go ahead" : "Approve"}
        </button>
      )}
      {actions.includes("edit") && (
        <button
          type="button"
          className="act"
          aria-pressed={draft.mode === "edit"}
          onClick={onEdit}
          aria-keyshortcuts="e"
        >
          <kbd>e</kbd> Edit
        </button>
      )}
      {actions.includes("override") && (
        <button
          type="button"
          className="act"
          aria-pressed={draft.mode === "override" && draft.option === null}
          onClick={onOwn}
          aria-keyshortcuts="o"
        >
          <kbd>o</kbd> Write your own
        </button>
      )}
      {actions.includes("tie") && (
        <button
          type="button"
          className="act"
          aria-pressed={draft.mode === "tie"}
          onClick={() => setMode("tie", { ranking: [] }, "reason")}
          aria-keyshortcuts="t"
        >
          <kbd>t</kbd> Tie
        </button>
      )}
      {actions.includes("done") && (
        <button
          type="button"
          className="act approve"
          aria-pressed={draft.mode === "done"}
          onClick={onDone}
          aria-keyshortcuts="d"
        >
          <kbd>d</kbd> Done
        </button>
      )}
      {actions.includes("reject") && (
        <button
          type="button"
          className="act reject"
          aria-pressed={draft.mode === "reject"}
          onClick={() => setMode("reject", { option: null }, "reason")}
          aria-keyshortcuts="r"
        >
          <kbd>r</kbd> Reject
        </button>
      )}
    </fieldset>
  );
}
