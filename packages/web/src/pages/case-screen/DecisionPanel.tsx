import type { Action, Draft } from "../../proposals";
import type { CaseView } from "../../types";
import { editorShown, refusedField } from "./decision-draft";
import { LabelPanel } from "./LabelPanel";
import { OptionsPanel } from "./OptionsPanel";
import { RankingPanel } from "./RankingPanel";
import { ReviewPanel } from "./ReviewPanel";
import type { DecisionDraftState } from "./useDecisionDraft";

/**
 * The part of the decision form that belongs to the case's pattern. Each is keyed on the actions and mode
 * that only its pattern can produce, so at most one shows; blind-first, "write your own" uses the editor
 * whatever the pattern.
 */
export function DecisionPanel({
  c,
  actions,
  blind,
  original,
  state,
}: {
  c: CaseView;
  actions: Action[];
  blind: boolean;
  original: Draft | null;
  state: DecisionDraftState;
}) {
  const { draft, problem, setMode, setProblem, setDraft, refs, serverError, setServerError } = state;
  const refused = refusedField(serverError, draft) === "editor" ? (serverError?.detail ?? null) : null;
  return (
    <>
      {actions.includes("label") && (
        <LabelPanel
          blind={blind}
          value={draft.mode === "label" ? draft.label : ""}
          onChange={(label) => setMode("label", { label })}
          inputRef={refs.label}
        />
      )}

      {draft.mode === "rank" && draft.ranking.length > 0 && (
        <RankingPanel c={c} ranking={draft.ranking} onClear={() => setMode(null, { ranking: [] })} />
      )}
      {draft.mode === "override" && draft.option !== null && <OptionsPanel c={c} option={draft.option} />}

      {editorShown(draft) && draft.edit && (
        <ReviewPanel
          edit={draft.edit}
          mode={draft.mode}
          original={original}
          problem={problem?.where === "editor" ? problem.text : refused}
          onChange={(d) => {
            setProblem(null);
            if (refused) setServerError(null);
            setDraft((x) => ({ ...x, edit: d }));
          }}
          editorRef={refs.editor}
        />
      )}
    </>
  );
}
