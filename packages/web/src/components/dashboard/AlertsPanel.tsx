import { useState } from "react";
import { time } from "../../format";
import type { OversightAlert } from "../../types";
import { ALERT_TITLES, describeEvidence } from "./evidence";

/** What the alerts call gave: the alerts, or why there are none to show. */
export type AlertsState =
  | { state: "loading" }
  | { state: "ready"; alerts: OversightAlert[] }
  | { state: "unavailable" }
  | { state: "forbidden" }
  | { state: "error"; message: string };

function AlertItem(props: { alert: OversightAlert; onAcknowledge: ((id: string) => Promise<void>) | null }) {
  const a = props.alert;
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const { phrases, details } = describeEvidence(a);
  const acknowledge = props.onAcknowledge;
  const who = a.reviewer ? (a.reviewerName ?? a.reviewer) : null;
  const title = ALERT_TITLES[a.kind] ?? a.kind.replace(/_/g, " ");
  return (
    <li className="alert-item">
      <h3>
        <span aria-hidden="true">⚑ </span>
        {title}
        {who ? `: ${who}` : ""}
      </h3>
      <p className="muted small">
        {a.workflow} · raised <time dateTime={a.createdAt}>{time(a.createdAt)}</time>
      </p>
      {phrases.length > 0 && <p className="evidence-line">{sentence(who, phrases)}</p>}
      {details.length > 0 && (
        <details>
          <summary>All figures</summary>
          <ul className="plain small">
            {details.map((d) => (
              <li key={d}>{d}</li>
            ))}
          </ul>
        </details>
      )}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {acknowledge && (
        <button
          type="button"
          disabled={busy}
          onClick={async () => {
            setBusy(true);
            setError(null);
            try {
              await acknowledge(a.id);
            } catch (err) {
              setError(`Could not acknowledge it: ${err instanceof Error ? err.message : String(err)}`);
              setBusy(false);
            }
          }}
        >
          Acknowledge
          <span className="sr-only">
            {" "}
            {title}
            {who ? ` for ${who}` : ""}
          </span>
        </button>
      )}
    </li>
  );
}

/** "Ada approves 99 % vs peers' 71 %, …"; a workflow alert reads as a plain sentence. */
function sentence(who: string | null, phrases: string[]): string {
  const text = phrases.join(", ");
  return who ? `${who} ${text}.` : `${text.charAt(0).toUpperCase()}${text.slice(1)}.`;
}

/**
 * The open (unacknowledged) oversight alerts of the workflow, with their evidence in words. Without
 * `onAcknowledge` (an auditor reads only) there is no button.
 */
export function AlertsPanel(props: {
  alerts: AlertsState;
  onAcknowledge: ((id: string) => Promise<void>) | null;
}) {
  const s = props.alerts;
  const open = s.state === "ready" ? s.alerts.filter((a) => !a.acknowledgedAt) : [];
  return (
    <section className="panel alerts" aria-labelledby="alerts-title" aria-busy={s.state === "loading"}>
      <h2 id="alerts-title">
        Open alerts{s.state === "ready" ? <span className="count"> ({open.length})</span> : null}
      </h2>
      {s.state === "loading" && <p className="muted">Loading…</p>}
      {s.state === "unavailable" && (
        <p className="muted" data-testid="alerts-unavailable">
          Oversight alerts are not available on this server.
        </p>
      )}
      {s.state === "forbidden" && <p className="muted">Your role does not see this workflow's alerts.</p>}
      {s.state === "error" && (
        <p className="error" role="alert">
          The alerts could not be loaded: {s.message}
        </p>
      )}
      {s.state === "ready" && open.length === 0 && (
        <p className="ok-line">
          <span aria-hidden="true">✓ </span>No open alerts.
        </p>
      )}
      {open.length > 0 && (
        <ul className="plain alert-list">
          {open.map((a) => (
            <AlertItem key={a.id} alert={a} onAcknowledge={props.onAcknowledge} />
          ))}
        </ul>
      )}
    </section>
  );
}
