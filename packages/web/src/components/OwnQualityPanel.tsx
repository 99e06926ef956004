import { useEffect, useState } from "react";
import { api, errorMessage } from "../api";
import { pct } from "../format";
import type { OwnQuality } from "../types";

type Counted = { part: number; whole: number; rate: number | null } | null;

/** "83% (5 of 6)", "–" when nothing was counted, "withheld" when too few colleagues stand behind it. */
function Cell(props: { value: Counted; withheld?: boolean }) {
  const v = props.value;
  if (props.withheld || v === null) return <td className="muted">withheld</td>;
  if (v.whole === 0 || v.rate === null) return <td className="muted">–</td>;
  return (
    <td>
      <strong>{pct(v.rate)}</strong>{" "}
      <span className="muted small">
        ({v.part} of {v.whole})
      </span>
    </td>
  );
}

/**
 * The reviewer's own quality over the last 30 days beside the team's (issue 15, item 3): the server
 * only ever answers with the caller's own figures, and withholds a team figure one colleague alone
 * would stand behind.
 */
export function OwnQualityPanel(props: { workflows: string[] }) {
  const [workflow, setWorkflow] = useState("");
  const [data, setData] = useState<OwnQuality | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    api
      .ownQuality(workflow || undefined)
      .then((r) => {
        if (!live) return;
        setData(r.data);
        setError(null);
      })
      .catch((err) => live && setError(errorMessage(err)));
    return () => {
      live = false;
    };
  }, [workflow]);

  const you = data?.you;
  const team = data?.team;
  const withheld = new Set(team?.withheld ?? []);
  const rows: { label: string; you: Counted; team: Counted; key: string }[] =
    you && team
      ? [
          {
            key: "catchTrials",
            label: "Catch trials passed",
            you: {
              part: you.catchTrials.passed,
              whole: you.catchTrials.trials,
              rate: you.catchTrials.passRate,
            },
            team: team.catchTrials && {
              part: team.catchTrials.passed,
              whole: team.catchTrials.trials,
              rate: team.catchTrials.passRate,
            },
          },
          {
            key: "audits",
            label: "Audits judged correct",
            you: { part: you.audits.correct, whole: you.audits.audited, rate: you.audits.correctRate },
            team: team.audits && {
              part: team.audits.correct,
              whole: team.audits.audited,
              rate: team.audits.correctRate,
            },
          },
          {
            key: "postReviewErrors",
            label: "Post-review errors",
            you: {
              part: you.postReviewErrors.incorrect,
              whole: you.postReviewErrors.reported,
              rate: you.postReviewErrors.rate,
            },
            team: team.postReviewErrors && {
              part: team.postReviewErrors.incorrect,
              whole: team.postReviewErrors.reported,
              rate: team.postReviewErrors.rate,
            },
          },
        ]
      : [];

  return (
    <section className="panel own-quality" aria-labelledby="own-quality-title" aria-busy={!data && !error}>
      <div className="wf-head">
        <h2 id="own-quality-title">Your quality, last 30 days</h2>
        {props.workflows.length > 1 && (
          <label className="inline">
            <span>In</span>
            <select value={workflow} onChange={(e) => setWorkflow(e.target.value)}>
              <option value="">all my workflows</option>
              {props.workflows.map((w) => (
                <option key={w} value={w}>
                  {w}
                </option>
              ))}
            </select>
          </label>
        )}
      </div>
      {error && (
        <p className="error" role="alert">
          Your figures could not be loaded: {error}
        </p>
      )}
      {you && you.decisions === 0 && you.catchTrials.trials === 0 && (
        <p className="muted">Nothing of yours to measure in the last 30 days yet.</p>
      )}
      {you && team && (you.decisions > 0 || you.catchTrials.trials > 0) && (
        <>
          <table className="quality-table" data-testid="own-quality">
            <caption className="sr-only">Your figures beside your team's</caption>
            <thead>
              <tr>
                <th scope="col">Over {you.decisions} decisions of yours</th>
                <th scope="col">You</th>
                <th scope="col">Team ({team.people} people)</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.key} data-testid={`quality-${r.key}`}>
                  <th scope="row">{r.label}</th>
                  <Cell value={r.you} />
                  <Cell value={r.team} withheld={withheld.has(r.key)} />
                </tr>
              ))}
            </tbody>
          </table>
          {withheld.size > 0 && (
            <p className="muted small">
              A team figure is withheld while fewer than two colleagues stand behind it: it would show theirs.
            </p>
          )}
        </>
      )}
    </section>
  );
}
