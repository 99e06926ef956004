import { useState } from "react";
import type { GovernanceGroup } from "../../types";
import { NONE, rate, seconds } from "./figures";

type Column = "name" | "decisions" | "override" | "p50" | "p90" | "errors";

const COLUMNS: Array<{ id: Column; label: string; numeric: boolean }> = [
  { id: "name", label: "Reviewer", numeric: false },
  { id: "decisions", label: "Decisions", numeric: true },
  { id: "override", label: "Override rate", numeric: true },
  { id: "p50", label: "Median resolution", numeric: true },
  { id: "p90", label: "p90 resolution", numeric: true },
  { id: "errors", label: "Errors after review", numeric: true },
];

function sortValue(g: GovernanceGroup, c: Column): string | number | null {
  switch (c) {
    case "name":
      return (g.name ?? g.key).toLowerCase();
    case "decisions":
      return g.decisions;
    case "override":
      return g.overrideRate;
    case "p50":
      return g.resolutionSeconds.p50;
    case "p90":
      return g.resolutionSeconds.p90;
    case "errors":
      return g.postReviewErrorRate.human;
  }
}

/** Missing figures sort last whichever the direction, so "—" never tops a ranking. */
function compare(a: string | number | null, b: string | number | null, dir: 1 | -1): number {
  if (a === null && b === null) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  if (typeof a === "string" || typeof b === "string") return String(a).localeCompare(String(b)) * dir;
  return (a - b) * dir;
}

/** One row per reviewer with decisions in the window, sortable by any column; alerted ones badged. */
export function ReviewerTable(props: { reviewers: GovernanceGroup[]; alerted: Set<string> }) {
  const [sort, setSort] = useState<{ by: Column; dir: 1 | -1 }>({ by: "decisions", dir: -1 });
  const rows = [...props.reviewers].sort(
    (a, b) =>
      compare(sortValue(a, sort.by), sortValue(b, sort.by), sort.dir) ||
      (a.name ?? a.key).localeCompare(b.name ?? b.key),
  );
  const toggle = (c: Column, numeric: boolean) =>
    setSort((s) => (s.by === c ? { by: c, dir: s.dir === 1 ? -1 : 1 } : { by: c, dir: numeric ? -1 : 1 }));

  return (
    <section className="panel" aria-labelledby="reviewers-title">
      <h2 id="reviewers-title">Reviewers</h2>
      {rows.length === 0 ? (
        <p className="muted">No human decisions in this window.</p>
      ) : (
        <div className="table-scroll">
          <table className="reviewers">
            <caption className="sr-only">
              Reviewers in this window, sorted by {COLUMNS.find((c) => c.id === sort.by)?.label}{" "}
              {sort.dir === 1 ? "ascending" : "descending"}
            </caption>
            <thead>
              <tr>
                {COLUMNS.map((c) => (
                  <th
                    key={c.id}
                    scope="col"
                    className={c.numeric ? "num" : undefined}
                    aria-sort={sort.by === c.id ? (sort.dir === 1 ? "ascending" : "descending") : undefined}
                  >
                    <button type="button" className="sort" onClick={() => toggle(c.id, c.numeric)}>
                      {c.label}
                      <span aria-hidden="true" className="arrow">
                        {sort.by === c.id ? (sort.dir === 1 ? " ▲" : " ▼") : " ↕"}
                      </span>
                    </button>
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {rows.map((g) => {
                const errors = g.postReviewErrorCounts.human;
                return (
                  <tr key={g.key}>
                    <th scope="row">
                      {g.name ?? g.key}
                      {props.alerted.has(g.key) && (
                        <span className="badge alert-badge">
                          <span aria-hidden="true">⚑ </span>alert
                        </span>
                      )}
                    </th>
                    <td className="num">{g.decisions}</td>
                    <td className="num">{rate(g.overrideRate)}</td>
                    <td className="num">{seconds(g.resolutionSeconds.p50)}</td>
                    <td className="num">{seconds(g.resolutionSeconds.p90)}</td>
                    <td className="num">
                      {errors.reported > 0
                        ? `${rate(g.postReviewErrorRate.human)} (${errors.incorrect} of ${errors.reported})`
                        : NONE}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
