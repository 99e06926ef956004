import { useCallback, useEffect, useState } from "react";
import { api, errorMessage } from "../../api";
import { time } from "../../format";
import type { ReviewerPause } from "../../types";

/**
 * The workflow's reviewers paused from an alert (they claim none of its cases) and a Resume button for
 * whoever may act (the owner or an admin). `reload` changes when an acknowledgement may have paused one.
 */
export function PausesPanel(props: { workflow: string; canResume: boolean; reload: number }) {
  const [items, setItems] = useState<ReviewerPause[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(async () => {
    try {
      const res = await api.pauses(props.workflow);
      setItems(res.data.items.filter((p) => p.inForce));
      setError(null);
    } catch (err) {
      setError(errorMessage(err));
    }
  }, [props.workflow]);

  useEffect(() => {
    void props.reload;
    void load();
  }, [load, props.reload]);

  return (
    <section className="panel pauses" aria-labelledby="pauses-title">
      <h2 id="pauses-title">Paused reviewers</h2>
      {error && (
        <p className="error" role="alert">
          The paused reviewers could not be loaded: {error}
        </p>
      )}
      {items && items.length === 0 && <p className="muted">Nobody is paused in {props.workflow}.</p>}
      {items && items.length > 0 && (
        <ul className="plain" data-testid="paused-reviewers">
          {items.map((p) => (
            <li key={p.id} className="pause-item">
              <span>
                <strong>{p.reviewerName ?? p.reviewer}</strong> claims nothing here since{" "}
                <time dateTime={p.pausedAt}>{time(p.pausedAt)}</time>
                {p.note ? ` · ${p.note}` : ""}
              </span>
              {props.canResume && (
                <button
                  type="button"
                  onClick={async () => {
                    try {
                      await api.resumeReviewer(p.workflow, p.reviewer);
                      await load();
                    } catch (err) {
                      setError(errorMessage(err));
                    }
                  }}
                >
                  Resume<span className="sr-only"> {p.reviewerName ?? p.reviewer}</span>
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
