import type { ErosionFigures, ErosionRate } from "@loopgate/core";
import type { Erosion } from "../metrics/governance.js";
import { escapeText as esc } from "./escape.js";
import { count, percent } from "./format.js";

/**
 * The report's skill-erosion section (docs/oversight.md "Skill erosion"): the blind judgments of the
 * window against the model and against the decisions that followed, for the workflow and per reviewer,
 * each rate with its counts and its Wilson 95 % interval.
 */
export function erosionSection(e: Erosion): string {
  const head = '<section id="erosion"><h2>Skill erosion</h2>';
  if (e.judgments === 0) {
    return `${head}<p class="muted" data-erosion="none">No blind judgments were recorded in this window (set <code>review.blindFirst</code> or <code>review.blindSampleRate</code> to measure).</p></section>`;
  }
  const reviewers = e.reviewers ?? [];
  const rows = reviewers
    .map((r) =>
      row(
        `<td>${esc(r.name ?? r.reviewer)}${r.name ? ` <span class="muted">${esc(r.reviewer)}</span>` : ""}</td>`,
        r,
        {
          reviewer: r.reviewer,
        },
      ),
    )
    .join("");
  return `${head}
<p>Reviewers record their own judgment before the model's proposal is shown, then decide with it in view.
<em>Switched to the model</em> is the share of judgments that disagreed with the model and were then decided its way:
a reviewer who defers to the model after the reveal scores high; one who keeps their judgment scores low.
Intervals are Wilson 95 %.</p>
<table class="reviewers erosion"><thead><tr><th></th><th class="num">Blind judgments</th><th class="num">Matched the model</th>
<th class="num">Changed after the reveal</th><th class="num">Towards / away / other</th><th class="num">Switched to the model</th></tr></thead>
<tbody>${row("<td><strong>Workflow</strong></td>", e, { all: "" })}${rows}</tbody></table></section>`;
}

function row(first: string, f: ErosionFigures, data: Record<string, string>): string {
  const attrs = Object.entries(data)
    .map(([k, v]) => ` data-erosion-${k}="${esc(v)}"`)
    .join("");
  const d = f.direction;
  return (
    `<tr${attrs} data-value="${esc(JSON.stringify(f))}">${first}<td class="num">${count(f.judgments)}</td>` +
    `<td class="num">${rate(f.matchedModel)}</td><td class="num">${rate(f.changedAfterReveal)}</td>` +
    `<td class="num">${count(d.towardsModel)} / ${count(d.awayFromModel)} / ${count(d.other)}</td>` +
    `<td class="num">${rate(f.switchedToModel)}</td></tr>`
  );
}

/** "62.5% (5/8, 31–86%)", or "–" without a denominator. */
function rate(r: ErosionRate): string {
  if (r.rate === null || r.interval === null) return "–";
  const ci = `${percent(r.interval.low).replace("%", "")}–${percent(r.interval.high)}`;
  return `${percent(r.rate)} <span class="muted">(${count(r.count)}/${count(r.of)}, ${esc(ci)})</span>`;
}
