import type { Ref } from "react";
import { ago, duration, PATTERN_NAMES, time, words } from "../../format";
import type { CaseView, Pattern } from "../../types";

/** The case's title and facts, and who holds it until when, with the button to give it back. */
export function CaseHeader({
  c,
  pattern,
  me,
  now,
  holding,
  leaseExpires,
  canRelease,
  busy,
  onRelease,
  titleRef,
}: {
  c: CaseView;
  pattern: Pattern | undefined;
  me: string;
  now: number;
  holding: boolean;
  leaseExpires: number | null;
  canRelease: boolean;
  busy: boolean;
  onRelease: () => void;
  titleRef: Ref<HTMLHeadingElement>;
}) {
  const e = c.explanation;
  return (
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
        ) : c.lease && c.lease.holder === me ? (
          <p className="urgent" role="alert">
            Your lease expired: the case is back in the queue.
          </p>
        ) : c.lease ? (
          <p>Held by another reviewer until {time(c.lease.expiresAt)}</p>
        ) : (
          <p>Waiting in the queue</p>
        )}
        {canRelease && (
          <button type="button" onClick={onRelease} disabled={busy} aria-keyshortcuts="b">
            <kbd>b</kbd> Release to queue
          </button>
        )}
      </div>
    </div>
  );
}
