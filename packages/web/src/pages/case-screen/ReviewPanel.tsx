import type { Ref } from "react";
import { DiffView } from "../../components/DiffView";
import { Editor } from "../../components/Editor";
import { type Draft, draftText } from "../../proposals";

/**
 * Review and approve, exception routing: the reviewer's edit of the proposal with its diff, or their own
 * version (written blind, so there is nothing to diff against); on a human_only case, the person's record
 * of what they did (not diffed either: it is not a change to the machine's preparation).
 */
const LABELS = {
  edit: "Your edit",
  override: "Your own version",
  done: "What you did",
  respond: "Your answer (the agent gets it instead of the tool's result; the tool is not run)",
} as const;

export function ReviewPanel({
  edit,
  mode,
  original,
  problem,
  onChange,
  editorRef,
}: {
  edit: Draft;
  mode: "edit" | "override" | "done" | "respond";
  /** The proposal as a draft; null when blind. */
  original: Draft | null;
  problem: string | null;
  onChange: (d: Draft) => void;
  editorRef: Ref<HTMLTextAreaElement>;
}) {
  const diffBefore = mode === "edit" && original ? draftText(original) : null;
  return (
    <>
      <Editor ref={editorRef} draft={edit} onChange={onChange} label={LABELS[mode]} problem={problem} />
      {diffBefore !== null && (
        <DiffView
          before={diffBefore}
          after={draftText(edit)}
          mode={edit.kind === "json" ? "lines" : "words"}
        />
      )}
    </>
  );
}
