import { ReasonPicker } from "../../components/ReasonPicker";
import { ReviewCountdown } from "../../components/ReviewCountdown";
import type { Action, Draft } from "../../proposals";
import type { CaseView, WorkflowInfo } from "../../types";
import { ActionButtons } from "./ActionButtons";
import { DecisionPanel } from "./DecisionPanel";
import { NEEDS_REASON, refusedField, submitLabel } from "./decision-draft";
import { PreviewNotices } from "./PreviewNotices";
import type { DecisionDraftState } from "./useDecisionDraft";
import type { PreviewAnswer } from "./useDecisionPreview";

/**
 * The form of a case the reviewer holds: the action, the pattern's own fields, reason, note, what the
 * server says the verdict needs (the preview), and submit. A refusal naming one of these fields is shown
 * beside it.
 */
export function DecisionForm({
  c,
  wf,
  actions,
  blind,
  original,
  state,
  preview,
  busy,
  waitSeconds,
  onSubmit,
}: {
  c: CaseView;
  wf: WorkflowInfo | undefined;
  actions: Action[];
  blind: boolean;
  original: Draft | null;
  state: DecisionDraftState;
  /** The server's answer for the verdict as it stands, or null while there is nothing to ask or say. */
  preview: PreviewAnswer | null;
  busy: boolean;
  /** Seconds of minimum review time left; submit stays disabled until then. */
  waitSeconds: number;
  onSubmit: () => void;
}) {
  const { draft, setDraft, problem, setProblem, serverError, setServerError, setMode, refs } = state;
  const reasonRequired =
    draft.mode !== null && (NEEDS_REASON.has(draft.mode) || preview?.preview.reasonRequired === true);
  const refused = refusedField(serverError, draft);
  const refusal = (where: "reason" | "note") => (refused === where ? (serverError?.detail ?? null) : null);
  const noteProblem = problem?.where === "note" ? problem.text : refusal("note");
  const feedback = draft.mode === "changes";
  return (
    <form
      onSubmit={(ev) => {
        ev.preventDefault();
        onSubmit();
      }}
      noValidate
    >
      {actions.includes("done") && (
        <p className="callout human-only">
          A person does this action: the machine only prepared it. Record what you did.
        </p>
      )}
      <ActionButtons
        actions={actions}
        blind={blind}
        draft={draft}
        setMode={setMode}
        onEdit={state.startEdit}
        onOwn={state.startOwn}
        onDone={state.startDone}
        onRespond={state.startRespond}
      />

      <DecisionPanel c={c} actions={actions} blind={blind} original={original} state={state} />

      <ReasonPicker
        ref={refs.reason}
        reasons={wf?.reasons ?? []}
        value={draft.reason}
        onChange={(code) => {
          setProblem(null);
          // A changed reason answers a refusal about the reason, or about the note "other" needs.
          if (refused === "reason" || refused === "note") setServerError(null);
          setDraft((d) => ({ ...d, reason: code }));
        }}
        required={reasonRequired}
        problem={problem?.where === "reason" ? problem.text : refusal("reason")}
      />
      <label className="field">
        <span>
          {feedback ? "Feedback for the agent" : "Note"}{" "}
          {feedback ? (
            <span className="req">(required: the changes you want)</span>
          ) : draft.reason === "other" ? (
            <span className="req">(required with reason “other”)</span>
          ) : (
            <span className="muted">(optional)</span>
          )}
        </span>
        <textarea
          ref={refs.note}
          rows={2}
          value={draft.note}
          aria-invalid={noteProblem ? true : undefined}
          aria-describedby={noteProblem ? "note-problem" : undefined}
          onChange={(ev) => {
            if (noteProblem) {
              setServerError(null);
              if (problem?.where === "note") setProblem(null);
            }
            setDraft((d) => ({ ...d, note: ev.target.value }));
          }}
        />
      </label>
      {noteProblem && (
        <p id="note-problem" className="error" role="alert">
          {noteProblem}
        </p>
      )}

      {problem?.where === "general" && (
        <p className="error" role="alert">
          {problem.text}
        </p>
      )}

      <PreviewNotices answer={preview} waiting={waitSeconds > 0} />

      <div className="row">
        <button
          ref={refs.submit}
          type="submit"
          className="primary"
          disabled={busy || waitSeconds > 0}
          aria-keyshortcuts="Control+Enter"
        >
          {submitLabel(draft, blind, c)} <kbd>Ctrl+Enter</kbd>
        </button>
        {draft.mode && (
          <button type="button" onClick={state.cancel}>
            Cancel <kbd>Esc</kbd>
          </button>
        )}
      </div>
      <ReviewCountdown seconds={waitSeconds} />
      {wf?.review && wf.review.minReviewSeconds > 0 && (
        <p className="muted small">
          This workflow asks for at least {wf.review.minReviewSeconds}s of review before a decision.
        </p>
      )}
    </form>
  );
}
