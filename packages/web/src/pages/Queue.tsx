import { useCallback, useEffect, useRef, useState } from "react";
import { api, errorMessage } from "../api";
import { OwnQualityPanel } from "../components/OwnQualityPanel";
import { type Shortcut, Shortcuts } from "../components/Shortcuts";
import { ago, duration, PATTERN_NAMES, slaText } from "../format";
import { useKeyboard } from "../hooks/useKeyboard";
import { useQueueStream } from "../hooks/useQueueStream";
import { navigate } from "../router";
import type { QueueSummary } from "../types";
import { useWorkspace } from "../workspace";

/** Waiting work per workflow and risk class, the SLA clock, today's numbers, and "Next case". */
export function Queue() {
  const ws = useWorkspace();
  const [queue, setQueue] = useState<QueueSummary | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [only, setOnly] = useState("");
  const [help, setHelp] = useState(false);
  const [clock, setClock] = useState(() => ({ now: Date.now(), skew: 0 }));
  const heading = useRef<HTMLHeadingElement>(null);
  const nextButton = useRef<HTMLButtonElement>(null);

  const refresh = useCallback(async () => {
    try {
      const res = await api.queue();
      setQueue(res.data);
      setError(null);
      setClock({ now: Date.now(), skew: Date.parse(res.data.serverTime) - Date.now() || 0 });
    } catch (err) {
      setError(`The queue could not be loaded: ${errorMessage(err)}`);
    }
  }, []);

  useEffect(() => {
    document.title = "Queue · Loopgate";
    void refresh();
    if (ws.canReview) nextButton.current?.focus();
    else heading.current?.focus();
  }, [refresh, ws.canReview]);

  const stream = useQueueStream(() => void refresh());

  // The SLA clock moves even when nothing happens; without the stream, poll as a fallback.
  useEffect(() => {
    const t = setInterval(
      () => {
        if (stream === "live") setClock((c) => ({ ...c, now: Date.now() }));
        else void refresh();
      },
      stream === "live" ? 15_000 : 10_000,
    );
    return () => clearInterval(t);
  }, [stream, refresh]);

  const next = () => void ws.nextCase(only || undefined);
  // Always listening: the hook itself ignores keys while the help dialog is open, and toggling the
  // listener with the dialog would drop a key pressed right after it closes.
  useKeyboard({ n: ws.canReview ? next : null, "?": () => setHelp(true) });

  const now = clock.now + clock.skew;
  const totalWaiting = queue?.workflows.reduce((n, w) => n + w.waiting, 0) ?? 0;
  const shortcuts: Shortcut[] = ws.canReview ? [{ keys: "n", label: "Take the next case" }] : [];

  return (
    <main id="main" className="queue">
      <div className="queue-head">
        <h1 ref={heading} tabIndex={-1}>
          Queue
        </h1>
        <p className={`live state-${stream}`} role="status">
          <span className="dot" aria-hidden="true">
            ●
          </span>{" "}
          {stream === "live"
            ? "Live"
            : stream === "connecting"
              ? "Connecting…"
              : "Offline: refreshing every 10 s"}
        </p>
      </div>

      {ws.flash && (
        <p className="flash" role="status">
          {ws.flash}
        </p>
      )}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}

      <section className="next panel" aria-labelledby="next-title">
        <h2 id="next-title" className="sr-only">
          Take a case
        </h2>
        {ws.canReview ? (
          <div className="row">
            <button
              ref={nextButton}
              type="button"
              className="primary big"
              onClick={next}
              disabled={ws.claiming}
              aria-keyshortcuts="n"
            >
              <kbd>n</kbd> Next case
            </button>
            <label className="inline">
              <span>From</span>
              <select value={only} onChange={(e) => setOnly(e.target.value)}>
                <option value="">all my workflows</option>
                {queue?.workflows.map((w) => (
                  <option key={w.workflow} value={w.workflow}>
                    {w.workflow}
                  </option>
                ))}
              </select>
            </label>
            <span className="muted">{queue ? `${totalWaiting} waiting` : "…"}</span>
          </div>
        ) : (
          <p className="muted">
            Your role ({ws.user.role}) reads cases and does not take them from the queue.
          </p>
        )}
        {queue && (
          <p className="stats">
            Today: <strong>{queue.me.decidedToday}</strong> decided ·{" "}
            <strong>{queue.me.approvedToday}</strong> approved
            {queue.me.medianHeldSeconds !== null && (
              <>
                {" "}
                · median <strong>{duration(queue.me.medianHeldSeconds * 1000)}</strong> per case
              </>
            )}
          </p>
        )}
        {queue && queue.me.holding.length > 0 && (
          <p className="holding">
            You hold {queue.me.holding.length === 1 ? "a case" : `${queue.me.holding.length} cases`}:{" "}
            {queue.me.holding.map((id, i) => (
              <span key={id}>
                {i > 0 && ", "}
                <a
                  href={`/cases/${encodeURIComponent(id)}`}
                  onClick={(e) => {
                    e.preventDefault();
                    navigate(`/cases/${encodeURIComponent(id)}`);
                  }}
                >
                  resume {id.replace(/^case_/, "").slice(0, 8)}
                </a>
              </span>
            ))}
          </p>
        )}
      </section>

      {ws.canReview && queue && <OwnQualityPanel workflows={queue.workflows.map((w) => w.workflow)} />}

      {queue && queue.workflows.length === 0 && <p className="muted">No workflows are in your scope.</p>}
      <div className="workflows">
        {queue?.workflows.map((w) => {
          const wf = ws.workflows.get(w.workflow);
          return (
            <section key={w.workflow} className="panel wf" aria-labelledby={`wf-${w.workflow}`}>
              <div className="wf-head">
                <h2 id={`wf-${w.workflow}`}>{w.workflow}</h2>
                {ws.canReview && (
                  <button
                    type="button"
                    onClick={() => void ws.nextCase(w.workflow)}
                    disabled={ws.claiming || w.waiting === 0}
                  >
                    Next here<span className="sr-only"> in {w.workflow}</span>
                  </button>
                )}
              </div>
              <p className="muted small">
                {PATTERN_NAMES[w.pattern] ?? w.pattern} · owner {w.owner}
                {w.slaSeconds ? ` · review within ${duration(w.slaSeconds * 1000)}` : ""}
                {wf?.review?.blindFirst ? " · blind-first" : ""}
              </p>
              <p className="counts">
                <strong>{w.waiting}</strong> waiting · {w.inReview} in review
              </p>
              {w.riskClasses.length > 0 && (
                <table className="risk-table">
                  <caption className="sr-only">{w.workflow} by risk class</caption>
                  <thead>
                    <tr>
                      <th scope="col">Risk class</th>
                      <th scope="col">Waiting</th>
                      <th scope="col">Oldest</th>
                      <th scope="col">SLA</th>
                    </tr>
                  </thead>
                  <tbody>
                    {w.riskClasses.map((r) => {
                      const sla = slaText(r.nextSlaDeadline, now);
                      return (
                        <tr key={r.riskClass}>
                          <th scope="row">
                            <span className={`risk risk-${r.riskClass}`}>{r.riskClass}</span>
                          </th>
                          <td>{r.waiting}</td>
                          <td>{r.oldestCreatedAt ? ago(r.oldestCreatedAt, now) : "—"}</td>
                          <td className={sla.urgent ? "sla urgent" : "sla"}>
                            {sla.urgent && <span aria-hidden="true">⚠ </span>}
                            {r.waiting > 0 ? sla.text : "—"}
                          </td>
                        </tr>
                      );
                    })}
                  </tbody>
                </table>
              )}
            </section>
          );
        })}
      </div>
      <Shortcuts items={shortcuts} open={help} onClose={() => setHelp(false)} />
    </main>
  );
}
