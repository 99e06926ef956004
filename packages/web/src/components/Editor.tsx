import { forwardRef } from "react";
import type { Draft } from "../proposals";

/** The reviewer's version: the draft text (or subject and body), or the proposal as JSON. */
export const Editor = forwardRef<
  HTMLTextAreaElement,
  { draft: Draft; onChange: (d: Draft) => void; label: string; problem: string | null }
>(function Editor({ draft, onChange, label, problem }, ref) {
  const described = problem ? "editor-problem" : undefined;
  return (
    <fieldset className="editor">
      <legend>{label}</legend>
      {draft.kind === "email" && (
        <label className="field">
          <span>Subject</span>
          <input value={draft.subject} onChange={(e) => onChange({ ...draft, subject: e.target.value })} />
        </label>
      )}
      <label className="field">
        <span>{draft.kind === "json" ? "Output (JSON)" : draft.kind === "email" ? "Body" : "Text"}</span>
        <textarea
          ref={ref}
          className={draft.kind === "json" ? "mono" : undefined}
          rows={draft.kind === "json" ? 10 : 7}
          spellCheck={draft.kind !== "json"}
          aria-invalid={problem ? true : undefined}
          aria-describedby={described}
          value={draft.kind === "json" ? draft.json : draft.kind === "email" ? draft.body : draft.text}
          onChange={(e) => {
            const v = e.target.value;
            if (draft.kind === "json") onChange({ ...draft, json: v });
            else if (draft.kind === "email") onChange({ ...draft, body: v });
            else onChange({ ...draft, text: v });
          }}
        />
      </label>
      {problem && (
        <p id="editor-problem" className="error" role="alert">
          {problem}
        </p>
      )}
    </fieldset>
  );
});
