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
  onRespond,
}: {
  actions: Action[];
  blind: boolean;
  draft: DecisionDraft;
  setMode: (mode: Mode | null, patch: Partial<DecisionDraft>, focusOn: "submit" | "reason" | "note") => void;
  onEdit: () => void;
  onOwn: () => void;
  onDone: () => void;
  onRespond: () => void;
}) {
  // Each entry: the action it offers, its key, its label, whether it is the draft's mode, and its click.
  const buttons: Array<[Action, string, string, string, boolean, () => void]> = [
    [
      "approve",
      "a",
      blind ? "Go ahead" : "Approve",
      "act approve",
      draft.mode === "approve" && draft.option === null,
      () => setMode("approve", { option: null }, "submit"),
    ],
    ["edit", "e", "Edit", "act", draft.mode === "edit", onEdit],
    ["override", "o", "Write your own", "act", draft.mode === "override" && draft.option === null, onOwn],
    ["tie", "t", "Tie", "act", draft.mode === "tie", () => setMode("tie", { ranking: [] }, "reason")],
    ["done", "d", "Done", "act approve", draft.mode === "done", onDone],
    ["respond", "s", "Answer instead", "act", draft.mode === "respond", onRespond],
    [
      "changes",
      "c",
      "Request changes",
      "act",
      draft.mode === "changes",
      () => setMode("changes", { option: null }, "note"),
    ],
    [
      "reject",
      "r",
      "Reject",
      "act reject",
      draft.mode === "reject",
      () => setMode("reject", { option: null }, "reason"),
    ],
  ];
  return (
    <fieldset className="actions">
      <legend className="sr-only">Actions</legend>
      {buttons
        .filter(([action]) => actions.includes(action))
        .map(([action, key, label, className, pressed, onClick]) => (
          <button
            key={action}
            type="button"
            className={className}
            aria-pressed={pressed}
            onClick={onClick}
            aria-keyshortcuts={key}
          >
            <kbd>{key}</kbd> {label}
          </button>
        ))}
    </fieldset>
  );
}
