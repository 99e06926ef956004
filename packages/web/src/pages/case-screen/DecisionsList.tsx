import { time, VERDICT_PAST, words } from "../../format";
import type { CaseView } from "../../types";

/** Decisions already taken on a case (viewed after the fact, or by someone who does not hold it). */
export function DecisionsList({ c }: { c: CaseView }) {
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
