import { ReasonPicker } from "../../components/ReasonPicker";
import { ReviewCountdown } from "../../components/ReviewCountdown";
import type { Action, Draft } from "../../proposals";
import type { CaseView, WorkflowInfo } from "../../types";
import { ActionButtons } from "./ActionButtons";
import { DecisionPanel } from "./DecisionPanel";
import { NEEDS_REASON, submitLabel } from "./decision-draft";
import type { DecisionDraftState } from "./useDecisionDraft";

/** The form of a case the reviewer holds: the action, the pattern's own fields, reason, note and submit. */
export function DecisionForm({
  c,
  wf,
  actions,
  blind,
  original,
  state,
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
  busy: boolean;
  /** Seconds of minimum review time left; submit stays disabled until then. */
  waitSeconds: number;
  onSubmit: () => void;
}) {
  const { draft, setDraft, problem, setProblem, setMode, refs } = state;
  const reasonRequired = draft.mode !== null && NEEDS_REASON.has(draft.mode);
  return (
    <form
      onSubmit={(ev) => {
        ev.preventDefault();
        onSubmit();
      }}
      noValidate
    >
      <ActionButtons
        actions={actions}
        blind={blind}
        draft={draft}
        setMode={setMode}
        onEdit={state.startEdit}
        onOwn={state.startOwn}
      />

      <DecisionPanel c={c} actions={actions} blind={blind} original={original} state={state} />

      <ReasonPicker
        ref={refs.reason}
        reasons={wf?.reasons ?? []}
        value={draft.reason}
        onChange={(code) => {
          setProblem(null);
          setDraft((d) => ({ ...d, reason: code }));
        }}
        required={reasonRequired}
        problem={problem?.where === "reason" ? problem.text : null}
      />
      <label className="field">
        <span>
          Note <span className="muted">(optional)</span>
        </span>
        <textarea
          rows={2}
          value={draft.note}
          onChange={(ev) => setDraft((d) => ({ ...d, note: ev.target.value }))}
        />
      </label>

      {problem?.where === "general" && (
        <p className="error" role="alert">
          {problem.text}
        </p>
      )}

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
