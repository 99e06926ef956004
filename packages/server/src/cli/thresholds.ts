import type { ThresholdRow } from "@loopgate/core";
import { type ClassCalibration, type ThresholdReport, thresholdReport } from "../metrics/thresholds.js";
import { parseFlags } from "./flags.js";
import { withExistingStore, workflowFromFlags } from "./storage.js";
import { parseSince, parseUntil, runCommand, UsageError } from "./usage.js";

/** Table rows shown either side of the current and the recommended threshold. */
const AROUND = 0.03;

function parseRate(flag: string, value: string | undefined, fallback?: number): number {
  if (value === undefined) {
    if (fallback === undefined)
      throw new UsageError(`${flag} is required (a rate between 0 and 1, e.g. 0.01)`);
    return fallback;
  }
  const n = Number(value);
  if (!(n > 0 && n < 1))
    throw new UsageError(`${flag} must be a number between 0 and 1 (exclusive); got "${value}"`);
  return n;
}

const count = (n: number) => n.toLocaleString("en-US");
/** 0.01 → "1 %", 0.005 → "0.5 %". */
const pct = (r: number | null) => (r === null ? "–" : `${Number((r * 100).toFixed(2))} %`);
/** Table cells: one decimal, so the columns line up. */
const cell = (r: number | null) => (r === null ? "–" : `${(r * 100).toFixed(1)} %`);
const thr = (t: number) => t.toFixed(2);

function items(c: ClassCalibration): string {
  const auto = c.items - c.reviewed;
  if (auto === 0) return `${count(c.reviewed)} reviewed case${c.reviewed === 1 ? "" : "s"}`;
  return `${count(c.items)} cases: ${count(c.reviewed)} reviewed, ${count(auto)} auto-routed with a reported outcome or audit`;
}

/** The one line an owner acts on. */
function adviceLine(c: ClassCalibration, r: ThresholdReport): string {
  const rec = c.recommendation;
  const head = `riskClass ${c.riskClass}:`;
  if (rec.threshold === null) return `${head} no threshold can be recommended: ${rec.reason} (${items(c)})`;
  const why = `auto-routed errors ≤ ${pct(r.maxError)} (${Number((r.level * 100).toFixed(2))} % Clopper-Pearson upper bound, ${items(c)})`;
  const to = thr(rec.threshold);
  const cur = c.currentThreshold;
  if (cur === null) return `${head} autoMinConfidence is null (never auto-routes); ${to} would keep ${why}`;
  if (rec.threshold > cur) return `${head} raise autoMinConfidence from ${thr(cur)} to ${to} to keep ${why}`;
  if (rec.threshold < cur)
    return `${head} autoMinConfidence could be lowered from ${thr(cur)} to ${to} and keep ${why}`;
  return `${head} keep autoMinConfidence at ${to}: it keeps ${why}`;
}

function thresholdTable(c: ClassCalibration): string[] {
  const marks = [c.currentThreshold, c.recommendation.threshold].filter((t): t is number => t !== null);
  const near = (row: ThresholdRow) =>
    marks.length === 0
      ? row.threshold >= 0.9
      : marks.some((m) => Math.abs(row.threshold - m) <= AROUND + 1e-9);
  const lines = ["  threshold  auto-route  errors  error %  upper bound"];
  for (const row of c.table.filter(near)) {
    const tags = [
      row.threshold === c.currentThreshold ? "current" : null,
      row.threshold === c.recommendation.threshold ? "recommended" : null,
    ].filter(Boolean);
    lines.push(
      `  ${thr(row.threshold).padEnd(9)}  ${cell(row.autoRate).padStart(10)}  ${String(row.errors).padStart(6)}  ${cell(row.errorRate).padStart(7)}  ${cell(row.errorUpperBound).padStart(11)}${tags.length ? `  ← ${tags.join(", ")}` : ""}`,
    );
  }
  return lines;
}

function reliabilityTable(c: ClassCalibration): string[] {
  const lines = ["  confidence   cases  mean conf.  correct  95 % interval"];
  for (const b of c.reliability.bins) {
    if (b.count === 0) continue;
    const interval = b.interval ? `${cell(b.interval[0])} – ${cell(b.interval[1])}` : "–";
    lines.push(
      `  ${thr(b.lower)}–${thr(b.upper)}  ${count(b.count).padStart(6)}  ${cell(b.meanConfidence).padStart(10)}  ${cell(b.accuracy).padStart(7)}  ${interval}`,
    );
  }
  return lines;
}

/** The human-readable report: per risk class, the threshold table, the reliability bins, the advice. */
function formatThresholds(r: ThresholdReport): string {
  const out = [
    `${r.workflow}: cases decided ${r.since} – ${r.until}; tolerated error ${pct(r.maxError)} at ${Number((r.level * 100).toFixed(2))} % confidence`,
    `Note: ${r.selectionBias}`,
  ];
  for (const c of r.classes) {
    const current = c.currentThreshold === null ? "null (never auto-routes)" : thr(c.currentThreshold);
    out.push("", `riskClass ${c.riskClass} — autoMinConfidence ${current}; ${items(c)}`);
    if (c.items > 0) {
      out.push(
        ...thresholdTable(c),
        "",
        "  reliability (confidence vs observed correctness):",
        ...reliabilityTable(c),
      );
    }
  }
  out.push("", ...r.classes.map((c) => adviceLine(c, r)));
  return out.join("\n");
}

/**
 * `loopgate thresholds --workflow W --max-error 0.01 [--level 0.95] [--since 90d] [--until ISO]
 * [--risk-class C] [--json]`: threshold calibration read straight from storage (no running server).
 */
export function runThresholds(args: string[]): Promise<number> {
  return runCommand("thresholds", () => thresholds(args));
}

async function thresholds(args: string[]): Promise<number> {
  const { values } = parseFlags(args, {
    workflow: { type: "string" },
    "max-error": { type: "string" },
    level: { type: "string" },
    since: { type: "string" },
    until: { type: "string" },
    "risk-class": { type: "string" },
    json: { type: "boolean" },
    "data-dir": { type: "string" },
    "database-url": { type: "string" },
    "policy-dir": { type: "string" },
  });
  const flag = (k: string) => values[k] as string | undefined;
  const name = flag("workflow");
  if (!name) throw new UsageError("--workflow is required");
  const maxError = parseRate("--max-error", flag("max-error"));
  const level = parseRate("--level", flag("level"), 0.95);
  const now = Date.now();
  const untilFlag = flag("until");
  const until = parseUntil(untilFlag, now);
  const since = parseSince(flag("since") ?? "90d", until);
  if (since >= until) throw new UsageError("--since must be before --until");

  const workflow = workflowFromFlags(name, flag("policy-dir"));
  const riskClass = flag("risk-class");
  if (riskClass !== undefined && !(riskClass in workflow.risk.classes)) {
    const known = Object.keys(workflow.risk.classes).join(", ");
    throw new UsageError(`--risk-class must be one of ${name}'s risk classes (${known}); got "${riskClass}"`);
  }

  const report = await withExistingStore(
    { dataDir: flag("data-dir"), databaseUrl: flag("database-url") },
    (store) =>
      thresholdReport(store, {
        workflow,
        ...(riskClass === undefined ? {} : { riskClass }),
        maxError,
        level,
        since,
        until,
      }),
  );
  console.log(values.json ? JSON.stringify(report, null, 2) : formatThresholds(report));
  return 0;
}
