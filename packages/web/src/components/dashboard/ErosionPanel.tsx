import type { Erosion, ErosionFigures, ErosionRate } from "../../types";
import { NONE, rate } from "./figures";

/** "50 % (3/6, 19–81 %)": the rate, the counts behind it and its Wilson 95 % interval. */
function withCounts(r: ErosionRate): string {
  if (r.rate === null || r.interval === null) return NONE;
  return `${rate(r.rate)} (${r.count}/${r.of}, ${rate(r.interval.low).replace(" %", "")}–${rate(r.interval.high)})`;
}

function Row(props: { label: string; figures: ErosionFigures; rowKey: string }) {
  const f = props.figures;
  const d = f.direction;
  return (
    <tr data-erosion={props.rowKey}>
      <th scope="row">{props.label}</th>
      <td className="num">{f.judgments}</td>
      <td className="num">{withCounts(f.matchedModel)}</td>
      <td className="num">{withCounts(f.changedAfterReveal)}</td>
      <td className="num">
        {d.towardsModel} / {d.awayFromModel} / {d.other}
      </td>
      <td className="num">{withCounts(f.switchedToModel)}</td>
    </tr>
  );
}

/**
 * Skill erosion (docs/oversight.md): reviewers' own judgments, recorded before the model's side is
 * shown, against the model and against the decision they then made. Per reviewer when the server
 * includes them (groupBy=reviewer, for admins, auditors and the workflow's owner).
 */
export function ErosionPanel(props: { erosion: Erosion | undefined }) {
  const e = props.erosion;
  return (
    <section className="panel" aria-labelledby="erosion-title">
      <h2 id="erosion-title">Skill erosion</h2>
      {!e || e.judgments === 0 ? (
        <p className="muted">
          No blind judgments in this window. Set <code>review.blindFirst</code> or{" "}
          <code>review.blindSampleRate</code> in a workflow's policy to measure them.
        </p>
      ) : (
        <>
          <p className="muted small">
            Reviewers judge before the model's proposal is shown, then decide with it in view. "Switched to
            the model": judgments that disagreed with the model, then decided its way. Intervals are 95 %.
          </p>
          <div className="table-scroll">
            <table className="reviewers">
              <caption className="sr-only">
                Blind judgments compared with the model and the final decision
              </caption>
              <thead>
                <tr>
                  <th scope="col">Who</th>
                  <th scope="col" className="num">
                    Blind judgments
                  </th>
                  <th scope="col" className="num">
                    Matched the model
                  </th>
                  <th scope="col" className="num">
                    Changed after the reveal
                  </th>
                  <th scope="col" className="num">
                    Towards / away / other
                  </th>
                  <th scope="col" className="num">
                    Switched to the model
                  </th>
                </tr>
              </thead>
              <tbody>
                <Row label="Everyone" figures={e} rowKey="all" />
                {e.workflows.length > 1 &&
                  e.workflows.map((w) => (
                    <Row key={w.workflow} label={w.workflow} figures={w} rowKey={w.workflow} />
                  ))}
                {(e.reviewers ?? []).map((r) => (
                  <Row key={r.reviewer} label={r.name ?? r.reviewer} figures={r} rowKey={r.reviewer} />
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </section>
  );
}
