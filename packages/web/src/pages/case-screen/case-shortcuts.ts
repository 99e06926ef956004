import type { Shortcut } from "../../components/Shortcuts";
import type { Action } from "../../proposals";

/** What the case screen's `?` help lists: only the keys that act on this case, for this person, now. */
export function caseShortcuts(s: {
  actions: Action[];
  blind: boolean;
  canAct: boolean;
  canRelease: boolean;
  canReview: boolean;
}): Shortcut[] {
  const { actions, blind, canAct } = s;
  const shortcuts: Shortcut[] = [];
  if (actions.includes("approve"))
    shortcuts.push({ keys: "a", label: blind ? "Go ahead (your judgment)" : "Approve" });
  if (actions.includes("edit")) shortcuts.push({ keys: "e", label: "Edit" });
  if (actions.includes("override")) shortcuts.push({ keys: "o", label: "Write your own version" });
  if (actions.includes("pick")) shortcuts.push({ keys: "1–9", label: "Accept an option" });
  if (actions.includes("label") && !blind) shortcuts.push({ keys: "1–9", label: "Pick a candidate label" });
  if (actions.includes("label")) shortcuts.push({ keys: "l", label: "Type a label" });
  if (actions.includes("rank")) shortcuts.push({ keys: "1–9", label: "Pick the better candidate" });
  if (actions.includes("tie")) shortcuts.push({ keys: "t", label: "Tie (needs a reason)" });
  if (actions.includes("done")) shortcuts.push({ keys: "d", label: "Done: record what you did" });
  if (actions.includes("respond")) shortcuts.push({ keys: "s", label: "Answer in the tool's place" });
  if (actions.includes("changes")) shortcuts.push({ keys: "c", label: "Request changes (feedback)" });
  if (actions.includes("reject")) shortcuts.push({ keys: "r", label: "Reject" });
  if (canAct) shortcuts.push({ keys: "Ctrl+Enter", label: blind ? "Record your judgment" : "Submit" });
  if (canAct) shortcuts.push({ keys: "Esc", label: "Cancel" });
  if (s.canRelease) shortcuts.push({ keys: "b", label: "Release back to the queue" });
  if (!canAct && s.canReview) shortcuts.push({ keys: "n", label: "Next case" });
  return shortcuts;
}
