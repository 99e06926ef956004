import { time, VERDICT_PAST, words } from "../format";
import { navigate } from "../router";
import type { HistoryEntry } from "../types";

/** Earlier cases of the same subject and what people decided, newest first. */
export function History({
  subject,
  entries,
}: {
  subject: string | null;
  entries: HistoryEntry[] | undefined;
}) {
  if (!subject) return <p className="muted">This case names no subject, so there is no history to show.</p>;
  if (!entries || entries.length === 0) return <p className="muted">No earlier cases for {subject}.</p>;
  return (
    <table className="history">
      <caption className="sr-only">Earlier cases for {subject}</caption>
      <thead>
        <tr>
          <th scope="col">When</th>
          <th scope="col">Case</th>
          <th scope="col">Outcome</th>
          <th scope="col">Note</th>
        </tr>
      </thead>
      <tbody>
        {entries.map((h) => (
          <tr key={h.id}>
            <td>{time(h.createdAt)}</td>
            <td>
              <a
                href={`/cases/${encodeURIComponent(h.id)}`}
                onClick={(e) => {
                  e.preventDefault();
                  navigate(`/cases/${encodeURIComponent(h.id)}`);
                }}
              >
                {h.workflow} · {h.action}
              </a>
            </td>
            <td>
              {h.verdict ? (
                <>
                  <span className={`verdict v-${h.verdict}`}>{VERDICT_PAST[h.verdict] ?? h.verdict}</span>
                  {h.reasonCode && <span className="muted"> · {words(h.reasonCode)}</span>}
                  {h.route === "auto" && <span className="muted"> · by policy</span>}
                </>
              ) : (
                <span className="muted">{h.status}</span>
              )}
            </td>
            <td>{h.note ?? ""}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
