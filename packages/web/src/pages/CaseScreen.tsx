import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { ApiError, api, errorMessage } from "../api";
import { ConfidenceMeter } from "../components/ConfidenceMeter";
import { DiffView } from "../components/DiffView";
import { Editor } from "../components/Editor";
import { Evidence } from "../components/Evidence";
import { FieldList } from "../components/FieldList";
import { flaggedFields, HandoffSummary } from "../components/HandoffSummary";
import { History } from "../components/History";
import {
  CandidatesProposal,
  DraftProposal,
  LabelProposal,
  OptionsProposal,
  patternHeading,
} from "../components/ProposalView";
import { ReasonPicker } from "../components/ReasonPicker";
import { ReviewCountdown, useSecondsUntil } from "../components/ReviewCountdown";
import { type Shortcut, Shortcuts } from "../components/Shortcuts";
import { ago, duration, PATTERN_NAMES, show, time, VERDICT_PAST, words } from "../format";
import { type KeyBindings, useKeyboard } from "../hooks/useKeyboard";
import {
  type Action,
  actionsFor,
  asCandidates,
  asDraft,
  asLabels,
  asOptions,
  blankDraft,
  type Draft,
  draftOutput,
  draftText,
} from "../proposals";
import { navigate } from "../router";
import type { CaseView, DecisionView, VerdictBody } from "../types";
import { useWorkspace } from "../workspace";

type Mode = "approve" | "edit" | "reject" | "override" | "label" | "rank" | "tie";

interface DecisionDraft {
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

const EMPTY: DecisionDraft = {
  mode: null,
  reason: "",
  note: "",
  edit: null,
  option: null,
  label: "",
  ranking: [],
};

const NEEDS_REASON: ReadonlySet<Mode> = new Set(["edit", "reject", "override", "tie"]);

const MODE_VERB: Record<Mode, string> = {
  approve: "approve",
  edit: "edit",
  reject: "reject",
  override: "override",
  label: "label",
  rank: "rank",
  tie: "record a tie",
};

type Focus = "submit" | "reason" | "editor" | "label" | "next" | "proposal" | null;

export function CaseScreen({ id }: { id: string }) {
  const ws = useWorkspace();
  const [c, setCase] = useState<CaseView | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [draft, setDraft] = useState<DecisionDraft>(EMPTY);
  const [problem, setProblem] = useState<{ where: "reason" | "editor" | "general"; text: string } | null>(
    null,
  );
  const [serverError, setServerError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const [decided, setDecided] = useState<DecisionView | null>(null);
  const [announce, setAnnounce] = useState("");
  const [help, setHelp] = useState(false);
  const [now, setNow] = useState(() => Date.now());
  const [focus, setFocus] = useState<Focus>(null);
  // Minimum review time: submit stays disabled until the server would accept a decision.
  const waitSeconds = useSecondsUntil(c?.minDecisionAt);

  const inFlight = useRef(false);
  const submitRef = useRef<HTMLButtonElement>(null);
  const reasonRef = useRef<HTMLSelectElement>(null);
  const editorRef = useRef<HTMLTextAreaElement>(null);
  const labelRef = useRef<HTMLInputElement>(null);
  const nextRef = useRef<HTMLButtonElement>(null);
  const proposalRef = useRef<HTMLHeadingElement>(null);
  const titleRef = useRef<HTMLHeadingElement>(null);

  const load = useCallback(async () => {
    try {
      const res = await api.getCase(id);
      setCase(res.data);
      setLoadError(null);
      return res.data;
    } catch (err) {
      setLoadError(errorMessage(err));
      return null;
    }
  }, [id]);

  useEffect(() => {
    void load().then(() => titleRef.current?.focus());
  }, [load]);

  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 15_000);
    return () => clearInterval(t);
  }, []);

  useEffect(() => {
    if (c) document.title = `${c.workflow} · ${c.action} · Loopgate`;
  }, [c]);

  // Move focus where the next keystroke belongs, once the element is on screen.
  useEffect(() => {
    if (!focus) return;
    const target = {
      submit: submitRef,
      reason: reasonRef,
      editor: editorRef,
      label: labelRef,
      next: nextRef,
      proposal: proposalRef,
    }[focus].current;
    target?.focus();
    setFocus(null);
  }, [focus]);

  const wf = c ? ws.workflows.get(c.workflow) : undefined;
  const pattern = wf?.pattern;
  const blind = c?.blind === true;
  const leaseExpires = c?.lease ? Date.parse(c.lease.expiresAt) : null;
  const holding =
    !!c &&
    c.status !== "decided" &&
    c.lease?.holder === ws.user.id &&
    leaseExpires !== null &&
    leaseExpires > now;
  const canAct = ws.canReview && holding && !decided;
  const actions = useMemo<Action[]>(
    () => (canAct ? actionsFor(pattern, blind) : []),
    [canAct, pattern, blind],
  );
  const flags = useMemo(() => (c ? flaggedFields(c, wf) : new Map<string, string[]>()), [c, wf]);
  const reasons = wf?.reasons ?? [];
  const myBlind = useMemo(
    () =>
      (c?.events ?? []).filter((e) => e.type === "blind_judgment" && e.actor === ws.user.id).at(-1)?.data as
        | (VerdictBody & Record<string, unknown>)
        | undefined,
    [c, ws.user.id],
  );

  const original = useMemo(() => (c && !blind ? asDraft(c.proposal) : null), [c, blind]);

  const setMode = useCallback((mode: Mode | null, patch: Partial<DecisionDraft> = {}, focusOn?: Focus) => {
    setProblem(null);
    setServerError(null);
    setDraft((d) => ({ ...d, ...patch, mode }));
    if (focusOn !== undefined) setFocus(focusOn);
  }, []);

  const startEdit = useCallback(() => {
    if (!c) return;
    setMode("edit", { edit: draft.edit ?? asDraft(c.proposal) }, "editor");
  }, [c, draft.edit, setMode]);

  const startOwn = useCallback(() => {
    setMode("override", { edit: draft.edit ?? blankDraft() }, "editor");
  }, [draft.edit, setMode]);

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

  /** The verdict to send, or the problem that blocks it, in words that name the problem. */
  function build():
    | { body: VerdictBody }
    | { problem: { where: "reason" | "editor" | "general"; text: string } } {
    if (!c) return { problem: { where: "general", text: "The case is not loaded." } };
    const d = draft;
    if (!d.mode) {
      const keys = actions
        .map(
          (a) =>
            ({
              approve: "a approve",
              edit: "e edit",
              reject: "r reject",
              override: "o write your own",
              label: "1–9 or l label",
              pick: "1–9 accept an option",
              rank: "1–9 pick the better",
              tie: "t tie",
            })[a],
        )
        .join(", ");
      return { problem: { where: "general", text: `Choose an action first (${keys}).` } };
    }
    const note = d.note.trim() || undefined;
    const reasonCode = d.reason || undefined;
    let body: VerdictBody;
    switch (d.mode) {
      case "approve":
        body = { verdict: "approve", note, reasonCode };
        break;
      case "reject":
        body = { verdict: "reject", note, reasonCode };
        break;
      case "edit":
      case "override": {
        if (d.mode === "override" && d.option !== null) {
          body = { verdict: "override", output: asOptions(c.proposal)[d.option]?.raw, note, reasonCode };
          break;
        }
        const edit = d.edit ?? blankDraft();
        const out = draftOutput(c.proposal, edit);
        if ("error" in out) return { problem: { where: "editor", text: out.error } };
        if (d.mode === "edit" && original && draftText(edit) === draftText(original)) {
          return {
            problem: {
              where: "editor",
              text: "Your edit is the same as the proposal. Change it, or press Esc and approve it instead.",
            },
          };
        }
        if (d.mode === "override" && draftText(edit).trim() === "") {
          return { problem: { where: "editor", text: "Write your own version before submitting it." } };
        }
        body = { verdict: d.mode, output: out.output, note, reasonCode };
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
        if (d.mode === "rank" && d.ranking.length === 0) {
          return { problem: { where: "general", text: "Pick the better candidate first (1–9)." } };
        }
        const ranking = d.mode === "tie" ? all : [...d.ranking, ...all.filter((x) => !d.ranking.includes(x))];
        body = { verdict: "rank", output: { ranking, tie: d.mode === "tie" }, note, reasonCode };
        break;
      }
    }
    if (NEEDS_REASON.has(d.mode) && !reasonCode) {
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
    return { body };
  }

  async function submit() {
    if (!c || inFlight.current || !canAct || waitSeconds > 0) return;
    const built = build();
    if ("problem" in built) {
      setProblem(built.problem);
      setFocus(
        built.problem.where === "reason" ? "reason" : built.problem.where === "editor" ? "editor" : null,
      );
      return;
    }
    inFlight.current = true;
    setBusy(true);
    setProblem(null);
    setServerError(null);
    try {
      if (blind) {
        const res = await api.blindJudgment(c.id, built.body);
        setCase(res.data.id ? res.data : ((await load()) ?? c));
        setDraft(EMPTY);
        setAnnounce("Your judgment is recorded. The model's recommendation is now shown: decide.");
        setFocus("proposal");
        // The reveal may not include events; fetch the full case so the recorded judgment shows.
        void load();
      } else {
        const res = await api.decide(c.id, built.body);
        setDecided(res.data);
        setAnnounce(`${VERDICT_PAST[res.data.verdict] ?? res.data.verdict}. Press n for the next case.`);
        setFocus("next");
        void load();
      }
    } catch (err) {
      if (err instanceof ApiError) {
        setServerError(err);
        if (err.field === "/reasonCode") setFocus("reason");
        if (err.status === 409) void load();
      } else setServerError(new ApiError(0, { detail: errorMessage(err) }));
    } finally {
      inFlight.current = false;
      setBusy(false);
    }
  }

  async function release() {
    if (!c || !holding || busy) return;
    setBusy(true);
    try {
      await api.release(c.id);
      ws.setFlash(`Released ${c.workflow} case ${shortId(c.id)} back to the queue.`);
      navigate("/");
    } catch (err) {
      setServerError(err instanceof ApiError ? err : new ApiError(0, { detail: errorMessage(err) }));
      setBusy(false);
    }
  }

  const bindings: KeyBindings = {
    "?": () => setHelp(true),
    esc: () => {
      if (draft.mode || problem || serverError) setMode(null, { ranking: [], option: null }, null);
      (document.activeElement as HTMLElement | null)?.blur();
    },
    n: !canAct && ws.canReview ? () => void ws.nextCase() : null,
    b: holding && !decided ? () => void release() : null,
    "mod+Enter": canAct ? () => void submit() : null,
    a: actions.includes("approve") ? () => setMode("approve", { option: null }, "submit") : null,
    e: actions.includes("edit") ? startEdit : null,
    r: actions.includes("reject") ? () => setMode("reject", { option: null }, "reason") : null,
    o: actions.includes("override") ? startOwn : null,
    t: actions.includes("tie") ? () => setMode("tie", { ranking: [] }, "reason") : null,
    l: actions.includes("label") ? () => setMode("label", {}, "label") : null,
  };
  if (actions.some((a) => a === "pick" || a === "rank" || (a === "label" && !blind))) {
    for (let n = 1; n <= 9; n++) bindings[String(n)] = () => pickNumber(n);
  }
  useKeyboard(bindings); // see Queue.tsx: the dialog guard lives in the hook

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
  if (actions.includes("reject")) shortcuts.push({ keys: "r", label: "Reject" });
  if (canAct) shortcuts.push({ keys: "Ctrl+Enter", label: blind ? "Record your judgment" : "Submit" });
  if (canAct) shortcuts.push({ keys: "Esc", label: "Cancel" });
  if (holding && !decided) shortcuts.push({ keys: "b", label: "Release back to the queue" });
  if (!canAct && ws.canReview) shortcuts.push({ keys: "n", label: "Next case" });

  if (!c) {
    return (
      <main id="main" className="case">
        {loadError ? (
          <>
            <h1 ref={titleRef} tabIndex={-1}>
              Case not available
            </h1>
            <p className="error" role="alert">
              {loadError}
            </p>
            <p>
              <a
                href="/"
                onClick={(e) => {
                  e.preventDefault();
                  navigate("/");
                }}
              >
                Back to the queue
              </a>
            </p>
          </>
        ) : (
          <p aria-busy="true">Loading the case…</p>
        )}
      </main>
    );
  }

  const e = c.explanation;
  const reasonRequired = draft.mode !== null && NEEDS_REASON.has(draft.mode);
  const diffBefore = draft.mode === "edit" && original ? draftText(original) : null;

  return (
    <main id="main" className="case">
      <p className="sr-only" role="status" aria-live="polite">
        {announce}
      </p>
      <div className="case-head">
        <div>
          <h1 ref={titleRef} tabIndex={-1}>
            {c.workflow} <span className="muted">·</span> {words(c.action)}
          </h1>
          <p className="meta">
            <span className={`risk risk-${e.riskClass}`}>risk: {e.riskClass}</span>
            <span>{PATTERN_NAMES[pattern ?? ""] ?? pattern ?? "unknown pattern"}</span>
            <span>route: {words(c.route)}</span>
            {c.subject && <span>subject: {c.subject}</span>}
            <span>submitted {ago(c.createdAt, now)}</span>
            <span className="muted">{c.id}</span>
          </p>
        </div>
        <div className="lease-box">
          {c.status === "decided" ? (
            <p>Decided {c.decidedAt ? time(c.decidedAt) : ""}</p>
          ) : holding && leaseExpires !== null ? (
            <p className={leaseExpires - now < 2 * 60_000 ? "urgent" : undefined}>
              Yours until {time(c.lease?.expiresAt)} ({duration(leaseExpires - now)} left)
            </p>
          ) : c.lease && c.lease.holder === ws.user.id ? (
            <p className="urgent" role="alert">
              Your lease expired: the case is back in the queue.
            </p>
          ) : c.lease ? (
            <p>Held by another reviewer until {time(c.lease.expiresAt)}</p>
          ) : (
            <p>Waiting in the queue</p>
          )}
          {holding && !decided && (
            <button type="button" onClick={release} disabled={busy} aria-keyshortcuts="b">
              <kbd>b</kbd> Release to queue
            </button>
          )}
        </div>
      </div>

      <div className="case-grid">
        <div className="col">
          <HandoffSummary c={c} wf={wf} me={ws.user.id} />
          <section aria-labelledby="input-title" className="panel">
            <h2 id="input-title">Source input</h2>
            <FieldList value={c.input} path="input" flags={flags} />
          </section>
          {(c.context || [...flags.keys()].some((k) => k.startsWith("context."))) && (
            <section aria-labelledby="context-title" className="panel">
              <h2 id="context-title">Context</h2>
              <FieldList value={c.context ?? {}} path="context" flags={flags} />
            </section>
          )}
          <section aria-labelledby="evidence-title" className="panel">
            <h2 id="evidence-title">Evidence and documents</h2>
            <Evidence items={c.evidence} />
          </section>
          <section aria-labelledby="history-title" className="panel">
            <h2 id="history-title">History{c.subject ? ` of ${c.subject}` : ""}</h2>
            <History subject={c.subject} entries={c.history} />
          </section>
        </div>

        <div className="col">
          {blind ? (
            <section aria-labelledby="proposal-title" className="panel blindbox">
              <h2 id="proposal-title" ref={proposalRef} tabIndex={-1}>
                Model's recommendation: hidden for now
              </h2>
              <p>
                This workflow asks for your own judgment before you see the model's recommendation, its
                confidence and its rationale. Read the input and decide what should happen; the recommendation
                is revealed once your judgment is recorded, and then you decide.
              </p>
            </section>
          ) : (
            <section aria-labelledby="proposal-title" className="panel proposal">
              <h2 id="proposal-title" ref={proposalRef} tabIndex={-1}>
                {patternHeading(pattern)}
              </h2>
              {myBlind && (
                <p className="callout">
                  Your own judgment, recorded before the reveal:{" "}
                  <strong>{VERDICT_PAST[String(myBlind.verdict)] ?? String(myBlind.verdict)}</strong>
                  {typeof myBlind.reasonCode === "string" && ` · ${words(myBlind.reasonCode)}`}
                  {myBlind.output !== undefined && myBlind.output !== null && (
                    <span className="muted"> · {show(myBlind.output).slice(0, 120)}</span>
                  )}
                </p>
              )}
              {pattern === "active_learning" ? (
                <LabelProposal
                  proposal={c.proposal}
                  chosen={draft.mode === "label" ? draft.label : null}
                  onPick={pickLabel}
                  disabled={!canAct}
                />
              ) : pattern === "decision_support" ? (
                <OptionsProposal
                  proposal={c.proposal}
                  chosen={draft.option}
                  onPick={pickOption}
                  disabled={!canAct}
                />
              ) : pattern === "preference_ranking" ? (
                <CandidatesProposal
                  proposal={c.proposal}
                  ranking={draft.mode === "rank" ? draft.ranking : []}
                  onPick={pickCandidate}
                  disabled={!canAct}
                />
              ) : (
                <DraftProposal proposal={c.proposal} flags={flags} />
              )}
              <h3>Confidence</h3>
              <ConfidenceMeter confidence={c.confidence} threshold={e.threshold} riskClass={e.riskClass} />
              <h3>Rationale</h3>
              {c.rationale ? (
                <p className="textblock">{c.rationale}</p>
              ) : (
                <p className="muted">None given.</p>
              )}
            </section>
          )}

          <section aria-labelledby="decide-title" className="panel decide">
            <h2 id="decide-title">{blind ? "Your judgment first" : "Your decision"}</h2>
            {serverError && (
              <div className="error server" role="alert">
                <strong>The server refused it{serverError.status ? ` (${serverError.status})` : ""}:</strong>{" "}
                {serverError.detail}
                {serverError.field && <span className="muted"> (field {serverError.field})</span>}
              </div>
            )}
            {decided ? (
              <div className="done" data-testid="decided">
                <p>
                  <strong>{VERDICT_PAST[decided.verdict] ?? decided.verdict}</strong>
                  {decided.reasonCode && ` · ${words(decided.reasonCode)}`} — recorded at{" "}
                  {time(decided.decidedAt)}
                  {decided.heldSeconds !== null && ` after ${duration(decided.heldSeconds * 1000)}`}.
                </p>
                <div className="row">
                  <button
                    ref={nextRef}
                    type="button"
                    className="primary"
                    onClick={() => void ws.nextCase()}
                    disabled={ws.claiming}
                    aria-keyshortcuts="n"
                  >
                    <kbd>n</kbd> Next case
                  </button>
                  <a
                    href="/"
                    onClick={(ev) => {
                      ev.preventDefault();
                      navigate("/");
                    }}
                  >
                    Back to the queue
                  </a>
                </div>
              </div>
            ) : !ws.canReview ? (
              <p className="muted">
                Read-only: your role ({ws.user.role}) sees cases but does not decide them.
              </p>
            ) : !canAct ? (
              <>
                <DecisionsList c={c} />
                {c.status !== "decided" && (
                  <p className="muted">You do not hold this case, so you cannot decide it.</p>
                )}
                <button
                  type="button"
                  ref={nextRef}
                  className="primary"
                  onClick={() => void ws.nextCase()}
                  aria-keyshortcuts="n"
                >
                  <kbd>n</kbd> Take the next case
                </button>
              </>
            ) : (
              <form
                onSubmit={(ev) => {
                  ev.preventDefault();
                  void submit();
                }}
                noValidate
              >
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
                      onClick={startEdit}
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
                      onClick={startOwn}
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

                {actions.includes("label") && (
                  <label className="field">
                    <span>
                      {blind ? "Your label" : "Or type another label"} <kbd>l</kbd>
                    </span>
                    <input
                      ref={labelRef}
                      value={draft.mode === "label" ? draft.label : ""}
                      onChange={(ev) => setMode("label", { label: ev.target.value })}
                      autoComplete="off"
                    />
                  </label>
                )}

                {draft.mode === "rank" && draft.ranking.length > 0 && (
                  <p className="choice-summary">
                    Your ranking: {draft.ranking.map((r) => `candidate ${candidateNumber(c, r)}`).join(" > ")}
                    <button type="button" className="link" onClick={() => setMode(null, { ranking: [] })}>
                      Clear
                    </button>
                  </p>
                )}
                {draft.mode === "override" && draft.option !== null && (
                  <p className="choice-summary">
                    You accept option {draft.option + 1} (
                    {words(asOptions(c.proposal)[draft.option]?.action ?? "")}), not the model's first choice:
                    that is an override and needs a reason.
                  </p>
                )}

                {(draft.mode === "edit" || (draft.mode === "override" && draft.option === null)) &&
                  draft.edit && (
                    <>
                      <Editor
                        ref={editorRef}
                        draft={draft.edit}
                        onChange={(d) => {
                          setProblem(null);
                          setDraft((x) => ({ ...x, edit: d }));
                        }}
                        label={draft.mode === "edit" ? "Your edit" : "Your own version"}
                        problem={problem?.where === "editor" ? problem.text : null}
                      />
                      {diffBefore !== null && (
                        <DiffView
                          before={diffBefore}
                          after={draftText(draft.edit)}
                          mode={draft.edit.kind === "json" ? "lines" : "words"}
                        />
                      )}
                    </>
                  )}

                <ReasonPicker
                  ref={reasonRef}
                  reasons={reasons}
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
                    ref={submitRef}
                    type="submit"
                    className="primary"
                    disabled={busy || waitSeconds > 0}
                    aria-keyshortcuts="Control+Enter"
                  >
                    {submitLabel(draft, blind, c)} <kbd>Ctrl+Enter</kbd>
                  </button>
                  {draft.mode && (
                    <button type="button" onClick={() => setMode(null, { ranking: [], option: null }, null)}>
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
            )}
          </section>
        </div>
      </div>
      <Shortcuts items={shortcuts} open={help} onClose={() => setHelp(false)} />
    </main>
  );
}

function shortId(id: string): string {
  return id.replace(/^case_/, "").slice(0, 8);
}

function candidateNumber(c: CaseView, id: string): number {
  return asCandidates(c.proposal).findIndex((x) => x.id === id) + 1;
}

function submitLabel(d: DecisionDraft, blind: boolean, c: CaseView): string {
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
    default:
      return "Submit";
  }
}

/** Decisions already taken on a case (viewed after the fact, or by someone who does not hold it). */
function DecisionsList({ c }: { c: CaseView }) {
  const list = c.decisions ?? [];
  if (list.length === 0) return null;
  return (
    <ul className="decisions">
      {list.map((d) => (
        <li key={d.id}>
          <strong>{VERDICT_PAST[d.verdict] ?? d.verdict}</strong>
          {d.reasonCode && ` · ${words(d.reasonCode)}`} by {d.decidedByName ?? d.decidedBy} at{" "}
          {time(d.decidedAt)}
          {d.note && <span className="muted"> — “{d.note}”</span>}
        </li>
      ))}
    </ul>
  );
}
