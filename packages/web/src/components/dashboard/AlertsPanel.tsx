import { useId, useState } from "react";
import { time } from "../../format";
import type { AckAction, OversightAlert } from "../../types";
import { ALERT_TITLES, describeEvidence } from "./evidence";

/** What the alerts call gave: the alerts, or why there are none to show. */
export type AlertsState =
  | { state: "loading" }
  | { state: "ready"; alerts: OversightAlert[] }
  | { state: "unavailable" }
  | { state: "forbidden" }
  | { state: "error"; message: string };

/** What an owner may record having done, in the words the dashboard and the report use. */
const ACK_ACTIONS: { action: AckAction; label: string; reviewerOnly?: boolean }[] = [
  { action: "coached", label: "Coached the reviewer", reviewerOnly: true },
  { action: "paused_reviewer", label: "Paused the reviewer", reviewerOnly: true },
  { action: "changed_policy", label: "Changed the policy" },
  { action: "dismissed", label: "Dismissed" },
];

export type Acknowledge = (id: string, body: { action: AckAction; note?: string }) => Promise<void>;

function AlertItem(props: { alert: OversightAlert; onAcknowledge: Acknowledge | null }) {
  const a = props.alert;
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const choices = ACK_ACTIONS.filter((c) => a.reviewer || !c.reviewerOnly);
  const [action, setAction] = useState<AckAction>(choices[0]?.action ?? "dismissed");
  const [note, setNote] = useState("");
  const ids = useId();
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
        <form
          className="ack-form"
          onSubmit={async (e) => {
            e.preventDefault();
            setBusy(true);
            setError(null);
            try {
              await acknowledge(a.id, { action, ...(note.trim() && { note: note.trim() }) });
            } catch (err) {
              setError(`Could not acknowledge it: ${err instanceof Error ? err.message : String(err)}`);
              setBusy(false);
            }
          }}
        >
          <label className="ack-field" htmlFor={`${ids}-action`}>
            What you did
            <select
              id={`${ids}-action`}
              value={action}
              onChange={(e) => setAction(e.target.value as AckAction)}
            >
              {choices.map((c) => (
                <option key={c.action} value={c.action}>
                  {c.label}
                </option>
              ))}
            </select>
          </label>
          <label className="ack-field" htmlFor={`${ids}-note`}>
            Note
            <input
              id={`${ids}-note`}
              type="text"
              maxLength={2000}
              value={note}
              onChange={(e) => setNote(e.target.value)}
            />
          </label>
          <button type="submit" disabled={busy}>
            Acknowledge
            <span className="sr-only">
              {" "}
              {title}
              {who ? ` for ${who}` : ""}
            </span>
          </button>
        </form>
      )}
    </li>
  );
}

/** An acknowledged alert with what the owner did about it. */
function AcknowledgedItem(props: { alert: OversightAlert }) {
  const a = props.alert;
  const who = a.reviewer ? (a.reviewerName ?? a.reviewer) : null;
  const title = ALERT_TITLES[a.kind] ?? a.kind.replace(/_/g, " ");
  const did = ACK_ACTIONS.find((c) => c.action === a.ackAction)?.label ?? "Acknowledged";
  return (
    <li className="acked-item">
      <strong>{did}</strong>
      {a.ackNote ? `: ${a.ackNote}` : ""}
      <p className="muted small">
        {title}
        {who ? ` · ${who}` : ""} · {a.workflow} ·{" "}
        <time dateTime={a.acknowledgedAt ?? undefined}>{time(a.acknowledgedAt)}</time>
      </p>
    </li>
  );
}

/** "Ada approves 99 % vs peers' 71 %, …"; a workflow alert reads as a plain sentence. */
function sentence(who: string | null, phrases: string[]): string {
  const text = phrases.join(", ");
  return who ? `${who} ${text}.` : `${text.charAt(0).toUpperCase()}${text.slice(1)}.`;
}

/**
 * The open (unacknowledged) oversight alerts of the workflow, with their evidence in words, and what
 * was done about the latest acknowledged ones. Without `onAcknowledge` (an auditor reads only) there is
 * no form.
 */
export function AlertsPanel(props: { alerts: AlertsState; onAcknowledge: Acknowledge | null }) {
  const s = props.alerts;
  const open = s.state === "ready" ? s.alerts.filter((a) => !a.acknowledgedAt) : [];
  const done = s.state === "ready" ? s.alerts.filter((a) => a.acknowledgedAt).slice(0, 10) : [];
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
      {done.length > 0 && (
        <>
          <h3>Acknowledged</h3>
          <ul className="plain" data-testid="acknowledged-alerts">
            {done.map((a) => (
              <AcknowledgedItem key={a.id} alert={a} />
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
