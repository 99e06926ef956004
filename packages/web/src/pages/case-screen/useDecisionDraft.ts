import { useCallback, useEffect, useRef, useState } from "react";
import type { ApiError } from "../../api";
import {
  type Action,
  asCandidates,
  asDraft,
  asLabels,
  asOptions,
  blankDraft,
  doneDraft,
} from "../../proposals";
import type { CaseView } from "../../types";
import { type DecisionDraft, EMPTY_DRAFT, type Focus, type Mode, type Problem } from "./decision-draft";

/**
 * The decision being put together on a case, what blocks it, and where focus goes next. Every way of
 * choosing (button, number key, clicking a label, option or candidate) goes through here, so the keyboard
 * and the mouse cannot disagree.
 */
export function useDecisionDraft(c: CaseView | null, actions: Action[], blind: boolean) {
  const [draft, setDraft] = useState<DecisionDraft>(EMPTY_DRAFT);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [serverError, setServerError] = useState<ApiError | null>(null);
  const [focus, setFocus] = useState<Focus>(null);

  const submitRef = useRef<HTMLButtonElement>(null);
  const reasonRef = useRef<HTMLSelectElement>(null);
  const noteRef = useRef<HTMLTextAreaElement>(null);
  const editorRef = useRef<HTMLTextAreaElement>(null);
  const labelRef = useRef<HTMLInputElement>(null);
  const nextRef = useRef<HTMLButtonElement>(null);
  const proposalRef = useRef<HTMLHeadingElement>(null);

  // Move focus where the next keystroke belongs, once the element is on screen.
  useEffect(() => {
    if (!focus) return;
    const target = {
      submit: submitRef,
      reason: reasonRef,
      note: noteRef,
      editor: editorRef,
      label: labelRef,
      next: nextRef,
      proposal: proposalRef,
    }[focus].current;
    target?.focus();
    setFocus(null);
  }, [focus]);

  const setMode = useCallback((mode: Mode | null, patch: Partial<DecisionDraft> = {}, focusOn?: Focus) => {
    setProblem(null);
    setServerError(null);
    setDraft((d) => ({ ...d, ...patch, mode }));
    if (focusOn !== undefined) setFocus(focusOn);
  }, []);

  const cancel = useCallback(() => setMode(null, { ranking: [], option: null }, null), [setMode]);

  const startEdit = useCallback(() => {
    if (!c) return;
    setMode("edit", { edit: draft.edit ?? asDraft(c.proposal) }, "editor");
  }, [c, draft.edit, setMode]);

  const startOwn = useCallback(() => {
    setMode("override", { edit: draft.edit ?? blankDraft() }, "editor");
  }, [draft.edit, setMode]);

  /** Answer in the tool's place: an empty editor (the answer is not the proposal's arguments). */
  const startRespond = useCallback(() => {
    setMode(
      "respond",
      { edit: draft.mode === "respond" && draft.edit ? draft.edit : blankDraft() },
      "editor",
    );
  }, [draft.mode, draft.edit, setMode]);

  /** Human_only: the person's record of what they did, in an editor without the machine's values. */
  const startDone = useCallback(() => {
    if (!c) return;
    setMode("done", { edit: draft.edit ?? doneDraft(c.proposal) }, "editor");
  }, [c, draft.edit, setMode]);

  const pickOption = useCallback(
    (i: number) => {
      if (!c) return;
      if (i >= asOptions(c.proposal).length) return;
      if (i === 0) setMode("approve", { option: 0 }, "submit");
      else setMode("override", { option: i }, "reason");
    },
    [c, setMode],
  );

  const pickLabel = useCallback(
    (label: string) => {
      setMode("label", { label }, "submit");
    },
    [setMode],
  );

  const pickCandidate = useCallback(
    (cid: string) => {
      if (!c) return;
      const all = asCandidates(c.proposal).map((x) => x.id);
      setProblem(null);
      setServerError(null);
      setDraft((d) => {
        // A finished ranking starts over with the new pick: with two candidates, 2 after 1 switches.
        const ranking = d.mode === "rank" && d.ranking.length < all.length ? d.ranking : [];
        if (ranking.includes(cid)) return d;
        const next = [...ranking, cid];
        // With one left, the order is settled.
        const rest = all.filter((x) => !next.includes(x));
        return { ...d, mode: "rank", ranking: rest.length === 1 ? [...next, ...rest] : next };
      });
      setFocus("submit");
    },
    [c],
  );

  /** The 1–9 keys: accept an option, pick a candidate label, or pick the better candidate. */
  function pickNumber(n: number) {
    if (!c) return;
    if (actions.includes("pick")) pickOption(n - 1);
    else if (actions.includes("label") && !blind) {
      const cand = asLabels(c.proposal).candidates[n - 1];
      if (cand) pickLabel(cand.label);
    } else if (actions.includes("rank")) {
      const cand = asCandidates(c.proposal)[n - 1];
      if (cand) pickCandidate(cand.id);
    }
  }

  return {
    draft,
    setDraft,
    problem,
    setProblem,
    serverError,
    setServerError,
    setFocus,
    refs: {
      submit: submitRef,
      reason: reasonRef,
      note: noteRef,
      editor: editorRef,
      label: labelRef,
      next: nextRef,
      proposal: proposalRef,
    },
    setMode,
    cancel,
    startEdit,
    startOwn,
    startDone,
    startRespond,
    pickOption,
    pickLabel,
    pickCandidate,
    pickNumber,
  };
}

export type DecisionDraftState = ReturnType<typeof useDecisionDraft>;
