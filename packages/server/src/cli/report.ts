import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { collectReport } from "../report/collect.js";
import { duration, percent, utcTime } from "../report/format.js";
import { renderReport } from "../report/html.js";
import type { ReportData } from "../report/types.js";
import { parseFlags } from "./flags.js";
import { withExistingStore, workflowFromFlags } from "./storage.js";
import { parseSince, parseUntil, runCommand, UsageError } from "./usage.js";

/** A file name from a workflow name: anything but letters, digits, dot, dash and underscore becomes "_". */
const fileSafe = (name: string) => name.replace(/[^A-Za-z0-9._-]/g, "_");

function summaryLine(d: ReportData): string {
  const f = d.figures;
  const alerts =
    d.alerts === null ? "alerts unavailable" : `${d.alerts.length} alert${d.alerts.length === 1 ? "" : "s"}`;
  return (
    `${d.workflow}, ${utcTime(d.since)} – ${utcTime(d.until)}: ${f.cases} cases, ${f.decisions} decisions, ` +
    `escalation ${percent(f.escalationRate)}, override ${percent(f.overrideRate)}, ` +
    `p90 resolution ${duration(f.resolutionSeconds.p90)}, ${d.reviewers.length} reviewers, ${alerts}`
  );
}

/**
 * `loopgate report --workflow W [--since 7d] [--until ISO] [--out FILE|-]`: writes the workflow's
 * governance report as one self-contained HTML file, read straight from storage (no running server).
 */
export function runReport(args: string[]): Promise<number> {
  return runCommand("report", () => report(args));
}

async function report(args: string[]): Promise<number> {
  const { values } = parseFlags(args, {
    workflow: { type: "string" },
    since: { type: "string" },
    until: { type: "string" },
    out: { type: "string" },
    "data-dir": { type: "string" },
    "database-url": { type: "string" },
    "policy-dir": { type: "string" },
  });
  const flag = (k: string) => values[k] as string | undefined;
  const name = flag("workflow");
  if (!name) throw new UsageError("--workflow is required");
  const now = Date.now();
  const until = parseUntil(flag("until"), now);
  const since = parseSince(flag("since") ?? "7d", until);
  if (since >= until) {
    throw new UsageError(
      `--since must be before --until: ${new Date(since).toISOString()} is not before ${new Date(until).toISOString()}`,
    );
  }

  const workflow = workflowFromFlags(name, flag("policy-dir"));
  const data = await withExistingStore(
    { dataDir: flag("data-dir"), databaseUrl: flag("database-url") },
    (store) => collectReport(store, { workflow, since, until, now }),
  );

  const html = renderReport(data);
  const out =
    flag("out") ?? `loopgate-report-${fileSafe(name)}-${new Date(now).toISOString().slice(0, 10)}.html`;
  if (out === "-") {
    process.stdout.write(html);
    console.error(summaryLine(data));
    return 0;
  }
  const path = resolve(out);
  writeFileSync(path, html);
  console.log(path);
  console.log(summaryLine(data));
  return 0;
}
