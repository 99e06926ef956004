import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { ApiError, api, errorMessage } from "../api";
import { flaggedFields } from "../components/HandoffSummary";
import { useSecondsUntil } from "../components/ReviewCountdown";
import { Shortcuts } from "../components/Shortcuts";
import { VERDICT_PAST } from "../format";
import { type KeyBindings, useKeyboard } from "../hooks/useKeyboard";
import { type Action, actionsFor, asDraft } from "../proposals";
import { navigate } from "../router";
import type { CaseView, DecisionView, VerdictBody } from "../types";
import { useWorkspace } from "../workspace";
import { CaseEvidence } from "./case-screen/CaseEvidence";
import { CaseHeader } from "./case-screen/CaseHeader";
import { caseShortcuts } from "./case-screen/case-shortcuts";
import { DecisionForm } from "./case-screen/DecisionForm";
import { DecisionSection, pendingText } from "./case-screen/DecisionSection";
import { buildVerdict, EMPTY_DRAFT, refusedField } from "./case-screen/decision-draft";
import { ProposalPanel } from "./case-screen/ProposalPanel";
import { useDecisionDraft } from "./case-screen/useDecisionDraft";
import { useDecisionPreview } from "./case-screen/useDecisionPreview";
import { VersionsPanel } from "./case-screen/VersionsPanel";

/**
 * One case, for every pattern: loads it, keeps the lease and clock, binds the keys and submits the
 * decision (or, blind-first, the judgment). What differs by pattern is in `case-screen/`.
 */
export function CaseScreen({ id }: { id: string }) {
  const ws = useWorkspace();
  const [c, setCase] = useState<CaseView | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [decided, setDecided] = useState<DecisionView | null>(null);
  const [announce, setAnnounce] = useState("");
  const [help, setHelp] = useState(false);
  const [now, setNow] = useState(() => Date.now());
  // Minimum review time: submit stays disabled until the server would accept a decision.
  const waitSeconds = useSecondsUntil(c?.minDecisionAt);

  const inFlight = useRef(false);
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

  const wf = c ? ws.workflows.get(c.workflow) : undefined;
  const pattern = wf?.pattern;
  const blind = c?.blind === true;
  // The person's to do: the case's own route wins over today's policy, as on the server.
  const humanOnly = c?.route === "human_only" || (!!c && wf?.actions[c.action]?.boundary === "human_only");
  const leaseExpires = c?.lease ? Date.parse(c.lease.expiresAt) : null;
  const holding =
    !!c &&
    c.status !== "decided" &&
    c.lease?.holder === ws.user.id &&
    leaseExpires !== null &&
    leaseExpires > now;
  const canAct = ws.canReview && holding && !decided;
  const actions = useMemo<Action[]>(
    () => (canAct ? actionsFor(pattern, blind, humanOnly) : []),
    [canAct, pattern, blind, humanOnly],
  );
  const flags = useMemo(() => (c ? flaggedFields(c, wf) : new Map<string, string[]>()), [c, wf]);
  const myBlind = useMemo(
    () =>
      (c?.events ?? []).filter((e) => e.type === "blind_judgment" && e.actor === ws.user.id).at(-1)?.data as
        | (VerdictBody & Record<string, unknown>)
        | undefined,
    [c, ws.user.id],
  );
  const original = useMemo(() => (c && !blind ? asDraft(c.proposal) : null), [c, blind]);

  const state = useDecisionDraft(c, actions, blind);
  const { draft, setDraft, problem, setProblem, serverError, setServerError, setFocus, setMode } = state;
  const preview = useDecisionPreview(c, draft, original, canAct && !blind, waitSeconds > 0);

  async function submit() {
    if (!c || inFlight.current || !canAct || waitSeconds > 0) return;
    const built = buildVerdict(c, draft, actions, original);
    if ("problem" in built) {
      setProblem(built.problem);
      const where = built.problem.where;
      setFocus(where === "general" ? null : where);
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
        setDraft(EMPTY_DRAFT);
        setAnnounce("Your judgment is recorded. The model's recommendation is now shown: decide.");
        setFocus("proposal");
        // The reveal may not include events; fetch the full case so the recorded judgment shows.
        void load();
      } else {
        const res = await api.decide(c.id, built.body);
        setDecided(res.data);
        const pending = res.data.approvals ? ` ${pendingText(res.data.approvals)}` : "";
        setAnnounce(
          `${VERDICT_PAST[res.data.verdict] ?? res.data.verdict}.${pending} Press n for the next case.`,
        );
        setFocus("next");
        void load();
      }
    } catch (err) {
      if (err instanceof ApiError) {
        setServerError(err);
        const where = refusedField(err, draft);
        if (where) setFocus(where);
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
      if (draft.mode || problem || serverError) state.cancel();
      (document.activeElement as HTMLElement | null)?.blur();
    },
    n: !canAct && ws.canReview ? () => void ws.nextCase() : null,
    b: holding && !decided ? () => void release() : null,
    "mod+Enter": canAct ? () => void submit() : null,
    a: actions.includes("approve") ? () => setMode("approve", { option: null }, "submit") : null,
    e: actions.includes("edit") ? state.startEdit : null,
    r: actions.includes("reject") ? () => setMode("reject", { option: null }, "reason") : null,
    o: actions.includes("override") ? state.startOwn : null,
    t: actions.includes("tie") ? () => setMode("tie", { ranking: [] }, "reason") : null,
    l: actions.includes("label") ? () => setMode("label", {}, "label") : null,
    d: actions.includes("done") ? state.startDone : null,
    s: actions.includes("respond") ? state.startRespond : null,
    c: actions.includes("changes") ? () => setMode("changes", { option: null }, "note") : null,
  };
  if (actions.some((a) => a === "pick" || a === "rank" || (a === "label" && !blind))) {
    for (let n = 1; n <= 9; n++) bindings[String(n)] = () => state.pickNumber(n);
  }
  useKeyboard(bindings); // see Queue.tsx: the dialog guard lives in the hook

  const shortcuts = caseShortcuts({
    actions,
    blind,
    canAct,
    canRelease: holding && !decided,
    canReview: ws.canReview,
  });

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

  return (
    <main id="main" className="case">
      <p className="sr-only" role="status" aria-live="polite">
        {announce}
      </p>
      <CaseHeader
        c={c}
        pattern={pattern}
        me={ws.user.id}
        now={now}
        holding={holding}
        leaseExpires={leaseExpires}
        canRelease={holding && !decided}
        busy={busy}
        onRelease={release}
        titleRef={titleRef}
      />

      <div className="case-grid">
        <CaseEvidence c={c} wf={wf} me={ws.user.id} flags={flags} />

        <div className="col">
          <VersionsPanel c={c} />
          <ProposalPanel
            c={c}
            pattern={pattern}
            blind={blind}
            humanOnly={humanOnly}
            flags={flags}
            myBlind={myBlind}
            draft={draft}
            // On a human_only case nothing in the preparation is picked to run.
            canAct={canAct && !humanOnly}
            onPickLabel={state.pickLabel}
            onPickOption={state.pickOption}
            onPickCandidate={state.pickCandidate}
            headingRef={state.refs.proposal}
          />

          <DecisionSection
            c={c}
            blind={blind}
            canAct={canAct}
            decided={decided}
            // A refusal naming a field of the form is shown beside that field instead.
            serverError={canAct && refusedField(serverError, draft) ? null : serverError}
            nextRef={state.refs.next}
          >
            <DecisionForm
              c={c}
              wf={wf}
              actions={actions}
              blind={blind}
              original={original}
              state={state}
              preview={preview}
              busy={busy}
              waitSeconds={waitSeconds}
              onSubmit={() => void submit()}
            />
          </DecisionSection>
        </div>
      </div>
      <Shortcuts items={shortcuts} open={help} onClose={() => setHelp(false)} />
    </main>
  );
}

function shortId(id: string): string {
  return id.replace(/^case_/, "").slice(0, 8);
}
