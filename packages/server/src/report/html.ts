import { utcDay } from "@loopgate/core";
import type { GovernanceGroup } from "../metrics/governance.js";
import { erosionSection } from "./erosion.js";
import { escapeText as esc } from "./escape.js";
import { evidenceSentences } from "./evidence.js";
import { count, decimal, duration, humanize, percent, utcTime } from "./format.js";
import { REPORT_CSS } from "./style.js";
import { barChart, lineChart, niceCountScale, niceDurationScale, rateBar } from "./svg.js";
import type { ReportAlert, ReportData, ReportSuspension } from "./types.js";

/**
 * The governance report as one self-contained HTML document: inline CSS and SVG, no script, font or
 * image to fetch, readable without JavaScript and printable. Pure: the same data gives the same bytes.
 *
 * Each headline figure carries its exact value as JSON in `data-value` (next to the rounded text), so
 * a script or a test can read the figures back without parsing formatted numbers.
 */
export function renderReport(d: ReportData): string {
  const window = `${utcTime(d.since)} – ${utcTime(d.until)}`;
  return [
    "<!doctype html>",
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${esc(`Governance report: ${d.workflow}, ${window}`)}</title>`,
    `<style>${REPORT_CSS}</style></head><body><main>`,
    header(d, window),
    headline(d),
    trends(d),
    exceptions(d),
    reviewers(d),
    d.erosion ? erosionSection(d.erosion) : "",
    alerts(d),
    suspensions(d),
    pauses(d),
    footer(),
    "</main></body></html>\n",
  ].join("\n");
}

function header(d: ReportData, window: string): string {
  const row = (label: string, value: string) => `<div><dt>${label}</dt><dd>${value}</dd></div>`;
  return `<header><h1>Governance report: <span class="workflow">${esc(d.workflow)}</span></h1>
<dl class="meta">${[
    row("Workflow", `<code>${esc(d.workflow)}</code>`),
    row("Owner", esc(d.owner)),
    row("Window", `${esc(window)} <span class="muted">(from inclusive, to exclusive)</span>`),
    row("Generated", esc(utcTime(d.generatedAt))),
    row("Policy version", `<code>${esc(d.policyVersion)}</code>`),
  ].join("")}</dl></header>`;
}

function figure(name: string, label: string, value: unknown, text: string, note = ""): string {
  return (
    `<div class="figure" data-figure="${esc(name)}" data-value="${esc(JSON.stringify(value ?? null))}">` +
    `<dt>${esc(label)}</dt><dd>${esc(text)}${note ? ` <span class="note">${esc(note)}</span>` : ""}</dd></div>`
  );
}

function headline(d: ReportData): string {
  const f = d.figures;
  const errors = (who: "auto" | "human") => {
    const c = f.postReviewErrorCounts[who];
    return c.reported === 0
      ? "no results reported"
      : `${count(c.incorrect)} incorrect of ${count(c.reported)}`;
  };
  const r = f.resolutionSeconds;
  const figures = [
    figure("cases", "Cases submitted", f.cases, count(f.cases)),
    figure("decisions", "Human decisions", f.decisions, count(f.decisions)),
    figure(
      "escalationRate",
      "Escalation rate",
      f.escalationRate,
      percent(f.escalationRate),
      "routed to a person",
    ),
    figure(
      "overrideRate",
      "Override rate",
      f.overrideRate,
      percent(f.overrideRate),
      "edit, reject, override",
    ),
    figure("resolutionP50", "Resolution p50", r.p50, duration(r.p50)),
    figure("resolutionP90", "Resolution p90", r.p90, duration(r.p90)),
    figure("resolutionP99", "Resolution p99", r.p99, duration(r.p99)),
    figure(
      "postReviewErrorAuto",
      "Post-review errors, auto-approved",
      f.postReviewErrorRate.auto,
      percent(f.postReviewErrorRate.auto),
      errors("auto"),
    ),
    figure(
      "postReviewErrorHuman",
      "Post-review errors, human-approved",
      f.postReviewErrorRate.human,
      percent(f.postReviewErrorRate.human),
      errors("human"),
    ),
  ];
  const c = d.consistency;
  if (c) {
    const stats = [
      ["cohenKappa", "Cohen's kappa (pairs)", c.cohenKappa],
      ["fleissKappa", "Fleiss' kappa", c.fleissKappa],
      ["krippendorffAlpha", "Krippendorff's alpha (nominal)", c.krippendorffAlpha],
    ] as const;
    for (const [name, label, value] of stats) {
      figures.push(figure(name, label, value, decimal(value), itemsNote(c.items[name] ?? c.items.all)));
    }
  }
  return `<section id="headline"><h2>Headline figures</h2>
<dl class="figures">${figures.join("")}</dl>${agreementNote(d)}</section>`;
}

function agreementNote(d: ReportData): string {
  const c = d.consistency;
  if (!c) {
    return (
      '<p class="muted" data-agreement="none">Reviewer agreement: no case in this window was reviewed ' +
      "independently by two or more people (oversight.overlapRate), so there is nothing to compare.</p>"
    );
  }
  if (c.cohenKappa === null && c.fleissKappa === null && c.krippendorffAlpha === null) {
    return (
      '<p class="muted" data-agreement="undefined">Reviewer agreement: the overlapping reviews of this window ' +
      "give no figure (too few items, or every reviewer gave the same single answer).</p>"
    );
  }
  return "";
}

const itemsNote = (n: number | undefined) => (n === undefined ? "" : `${count(n)} items`);

const DAY_MS = 86_400_000;
/** Beyond this many days the axis shows only the days with activity, so the chart stays legible. */
const MAX_FILLED_DAYS = 366;

/** Every UTC day of the window (days without activity as gaps), or only the active days when long. */
function dayAxis(since: number, until: number, days: readonly GovernanceGroup[]): string[] {
  const first = Date.parse(`${utcDay(since)}T00:00:00Z`);
  const last = Date.parse(`${utcDay(until - 1)}T00:00:00Z`);
  if ((last - first) / DAY_MS + 1 > MAX_FILLED_DAYS) return days.map((g) => g.key);
  const out: string[] = [];
  for (let t = first; t <= last; t += DAY_MS) out.push(utcDay(t));
  return out;
}

function trends(d: ReportData): string {
  const labels = dayAxis(d.since, d.until, d.days);
  const byDay = new Map(d.days.map((g) => [g.key, g]));
  const pick = (get: (g: GovernanceGroup) => number | null) =>
    labels.map((day) => {
      const g = byDay.get(day);
      return g ? get(g) : null;
    });
  const rates = lineChart({
    title: "Escalation and override rate per day",
    labels,
    series: [
      { name: "Escalation rate", values: pick((g) => g.escalationRate) },
      { name: "Override rate", values: pick((g) => g.overrideRate) },
    ],
    format: percent,
    yMax: 1,
  });
  const p90 = lineChart({
    title: "Resolution time p90 per day",
    labels,
    series: [{ name: "p90 resolution", values: pick((g) => g.resolutionSeconds.p90) }],
    format: duration,
    scale: niceDurationScale,
  });
  const rows = d.days
    .map(
      (g) =>
        `<tr data-day="${esc(g.key)}"><td>${esc(g.key)}</td><td class="num">${count(g.cases)}</td>` +
        `<td class="num">${count(g.decisions)}</td><td class="num">${percent(g.escalationRate)}</td>` +
        `<td class="num">${percent(g.overrideRate)}</td><td class="num">${duration(g.resolutionSeconds.p90)}</td></tr>`,
    )
    .join("");
  const table = rows
    ? `<table class="days"><caption>Per day (UTC; days without activity left out)</caption><thead><tr><th>Day</th><th class="num">Cases</th><th class="num">Decisions</th>` +
      `<th class="num">Escalation</th><th class="num">Override</th><th class="num">p90 resolution</th></tr></thead><tbody>${rows}</tbody></table>`
    : "";
  return `<section id="trends"><h2>Trends per day</h2>
<figure>${rates}</figure>
<figure>${p90}</figure>
${table}</section>`;
}

function exceptions(d: ReportData): string {
  const patterns = d.figures.exceptionPatterns;
  const chart = (kind: "reasonCode" | "trigger", title: string, of: string) =>
    barChart({
      title,
      bars: patterns
        .filter((p) => p.kind === kind)
        .map((p) => ({
          label: p.name,
          value: p.count,
          note: `${count(p.count)} (${percent(p.share)} of ${of})`,
        })),
      format: count,
      scale: niceCountScale,
    });
  return `<section id="exceptions"><h2>Top exception patterns</h2>
<figure>${chart("reasonCode", "Reason codes of human decisions", "decisions")}</figure>
<figure>${chart("trigger", "Escalation triggers that fired", "cases")}</figure></section>`;
}

function reviewers(d: ReportData): string {
  if (d.reviewers.length === 0) {
    return '<section id="reviewers"><h2>Reviewers</h2><p class="muted">No human decisions in this window.</p></section>';
  }
  const rows = d.reviewers
    .map((g) => {
      const name = g.name ?? g.key;
      const reasons = g.exceptionPatterns
        .slice(0, 3)
        .map((p) => `${esc(p.name)} (${count(p.count)})`)
        .join(", ");
      const errors = g.postReviewErrorCounts.human;
      return (
        `<tr class="reviewer" data-reviewer="${esc(g.key)}"><td>${esc(name)}` +
        `${g.name ? ` <span class="muted">${esc(g.key)}</span>` : ""}</td>` +
        `<td class="num">${count(g.decisions)}</td>` +
        `<td class="num">${percent(g.overrideRate)}</td>` +
        `<td>${rateBar(g.overrideRate, `Override rate of ${name}: ${percent(g.overrideRate)}`)}</td>` +
        `<td class="num">${duration(g.resolutionSeconds.p50)}</td><td class="num">${duration(g.resolutionSeconds.p90)}</td>` +
        `<td class="num">${errors.reported === 0 ? "–" : `${percent(g.postReviewErrorRate.human)} (${count(errors.incorrect)}/${count(errors.reported)})`}</td>` +
        `<td>${reasons || '<span class="muted">–</span>'}</td></tr>`
      );
    })
    .join("");
  return `<section id="reviewers"><h2>Reviewers</h2>
<table class="reviewers"><thead><tr><th>Reviewer</th><th class="num">Decisions</th><th class="num">Override rate</th><th></th>
<th class="num">p50 submit → decision</th><th class="num">p90</th><th class="num">Post-review errors</th><th>Top reason codes</th></tr></thead>
<tbody>${rows}</tbody></table></section>`;
}

function alerts(d: ReportData): string {
  const head = '<section id="alerts"><h2>Oversight alerts</h2>';
  if (d.alerts.length === 0) {
    return `${head}<p data-alerts="none">No oversight alerts were raised in this window.</p></section>`;
  }
  return `${head}<ol class="alerts" data-alerts="${d.alerts.length}">${d.alerts.map(alertItem).join("")}</ol></section>`;
}

function alertItem(a: ReportAlert): string {
  const who = a.reviewer ? ` for ${esc(a.reviewerName ?? a.reviewer)}` : "";
  const ack = a.acknowledgedAt === null ? "not acknowledged" : acknowledged(a, a.acknowledgedAt);
  const evidence = evidenceSentences(a.evidence);
  return (
    `<li class="alert" data-alert="${esc(a.id)}"><p><strong>${esc(humanize(a.kind))}</strong>${who}, ` +
    `raised ${esc(utcTime(a.createdAt))} <span class="muted">(${ack})</span></p>` +
    (evidence.length
      ? `<ul class="evidence">${evidence.map((s) => `<li>${esc(s)}</li>`).join("")}</ul>`
      : "") +
    "</li>"
  );
}

/** What the owner did about an alert: "acknowledged <time> by Olivia: paused the reviewer (note)". */
const ACK_WORDS: Record<string, string> = {
  coached: "coached the reviewer",
  paused_reviewer: "paused the reviewer",
  changed_policy: "changed the policy",
  dismissed: "dismissed it",
};

function acknowledged(a: ReportAlert, at: number): string {
  const by = a.acknowledgedByName ? ` by ${esc(a.acknowledgedByName)}` : "";
  const action = a.ackAction
    ? `: <span data-ack-action="${esc(a.ackAction)}">${esc(ACK_WORDS[a.ackAction] ?? a.ackAction)}</span>`
    : "";
  const note = a.ackNote ? ` — “${esc(a.ackNote)}”` : "";
  return `acknowledged ${esc(utcTime(at))}${by}${action}${note}`;
}

/** Reviewers the owner paused in the window (from an alert, usually), and when they were resumed. */
function pauses(d: ReportData): string {
  if (d.pauses === undefined || d.pauses.length === 0) return "";
  const items = d.pauses
    .map((p) => {
      const resumed =
        p.resumedAt === null
          ? "<strong>still paused</strong>"
          : `resumed ${esc(utcTime(p.resumedAt))} by ${esc(p.resumedByName ?? "")}` +
            (p.resumeNote ? `: ${esc(p.resumeNote)}` : "");
      const why = p.note ? `: ${esc(p.note)}` : "";
      return (
        `<li class="pause" data-pause="${esc(p.id)}"><p>${esc(p.reviewerName)} paused ` +
        `${esc(utcTime(p.pausedAt))} by ${esc(p.pausedByName)}${why}; ${resumed}.</p></li>`
      );
    })
    .join("");
  return `<section id="pauses"><h2>Paused reviewers</h2><ol class="pauses" data-pauses="${d.pauses.length}">${items}</ol></section>`;
}

/** The stop button's use in the window (EU AI Act Art. 14(4)(e)): who stopped what, why, and who resumed. */
function suspensions(d: ReportData): string {
  if (d.suspensions === undefined) return "";
  const head = '<section id="suspensions"><h2>Suspensions (stop button)</h2>';
  if (d.suspensions.length === 0) {
    return `${head}<p data-suspensions="none">The workflow was not suspended in this window.</p></section>`;
  }
  return `${head}<ol class="suspensions" data-suspensions="${d.suspensions.length}">${d.suspensions.map(suspensionItem).join("")}</ol></section>`;
}

function suspensionItem(s: ReportSuspension): string {
  const what = s.action === null ? "The whole workflow" : `Action <code>${esc(s.action)}</code>`;
  const resumed =
    s.resumedAt === null
      ? "<strong>still suspended</strong>"
      : `resumed ${esc(utcTime(s.resumedAt))} by ${esc(s.resumedByName ?? s.resumedBy ?? "")}` +
        (s.resumeNote ? `: ${esc(s.resumeNote)}` : "");
  return (
    `<li class="suspension" data-suspension="${esc(s.id)}"><p>${what} suspended ` +
    `${esc(utcTime(s.suspendedAt))} by ${esc(s.suspendedByName)}: ${esc(s.reason)}; ${resumed}.</p></li>`
  );
}

function footer(): string {
  return `<footer><p>Figures as <code>GET /v1/metrics/governance</code> gives them for the same window; definitions in
docs/api.md ("Governance metrics"). Escalation rate: cases routed to a person over cases submitted. Override rate:
edits, rejections and overrides over human decisions. Resolution: submit to decision, nearest-rank percentiles.
Post-review errors: approved cases whose latest outcome or audit verdict is incorrect, over those with one.</p></footer>`;
}
