import { resolve } from "node:path";
import {
  PolicyComparison,
  PolicyError,
  type PolicySet,
  replayCase,
  type SimulationReport,
  type Workflow,
} from "@loopgate/core";
import { comparisonView } from "../http/learning/shadow-policy.js";
import { defaultPolicyDir, loadPolicyDir } from "../policy-files.js";
import { count, percent, utcTime } from "../report/format.js";
import type { Store } from "../store/index.js";
import { parseFlags } from "./flags.js";
import { withExistingStore } from "./storage.js";
import { parseSince, runCommand, UsageError } from "./usage.js";

/** A policy directory that does not load: the located issues go to stderr, like `policy validate`. */
class PolicyLoadError extends UsageError {}

function loadDir(dir: string, which: string): PolicySet {
  try {
    return loadPolicyDir(dir);
  } catch (err) {
    if (err instanceof PolicyError) {
      console.error(err.message);
      const n = err.issues.length;
      throw new PolicyLoadError(`${n} problem${n === 1 ? "" : "s"} in the ${which} policy ${dir}`);
    }
    throw new PolicyLoadError(`cannot load the ${which} policy: ${(err as Error).message}`);
  }
}

const plural = (n: number, one: string, many = `${one}s`) => `${count(n)} ${n === 1 ? one : many}`;
const perDay = (n: number) => n.toFixed(n >= 10 ? 0 : n >= 1 ? 1 : 2);

/** The report as a person reads it in a terminal. */
function formatSimulation(workflow: string, r: SimulationReport): string {
  if (r.cases === 0) return `${workflow}: no real cases submitted in the window`;
  const lines = [`${workflow}: ${plural(r.cases, "case")}, ${plural(r.changed, "change")} under the draft`];
  const moved = r.routes.filter((c) => c.from !== c.to);
  const unchanged = r.routes.filter((c) => c.from === c.to).reduce((n, c) => n + c.count, 0);
  lines.push("  route (live → draft)");
  for (const c of moved) {
    const label = `${c.from} → ${c.to}`.padEnd(22);
    lines.push(`    ${label} ${count(c.count).padStart(8)}   e.g. ${c.examples.join(", ")}`);
  }
  lines.push(`    ${"unchanged".padEnd(22)} ${count(unchanged).padStart(8)}`);
  if (r.riskClassChanged > 0) {
    lines.push(`    ${plural(r.riskClassChanged, "case")} keep their route but change risk class`);
  }
  if (r.liveDiffersFromRecorded > 0) {
    lines.push(
      `  note: the live policy changed in the window; ${plural(r.liveDiffersFromRecorded, "case")} ` +
        "were routed differently then than it routes them now (compared with now)",
    );
  }
  const { live, draft } = r.reviewLoad;
  const delta = draft.perDay - live.perDay;
  lines.push(
    `  review load: ${perDay(live.perDay)}/day live → ${perDay(draft.perDay)}/day draft ` +
      `(${delta >= 0 ? "+" : "−"}${perDay(Math.abs(delta))}/day; ${count(live.cases)} → ${count(draft.cases)} cases to people)`,
  );
  const e = r.expectedErrors;
  if (e.newlyAuto === 0) {
    lines.push("  expected errors passing automatically: none (no case moves to auto)");
  } else {
    const rate =
      e.rate === null
        ? "no known error rate"
        : `error rate ${percent(e.rate)}, 95% upper bound ${percent(e.rateUpper95)}`;
    lines.push(
      `  expected errors passing automatically: of ${plural(e.newlyAuto, "case")} newly auto, ` +
        `${count(e.wrong)} known wrong, ${count(e.right)} known right (${rate}), ` +
        `${count(e.unknown)} with no evidence either way`,
    );
    if (e.examples.length > 0) lines.push(`    known wrong, e.g. ${e.examples.join(", ")}`);
  }
  for (const policy of ["live", "draft"] as const) {
    const n = r.unroutable[policy];
    if (n === 0) continue;
    const example = r.unroutable.examples.find((x) => x.policy === policy);
    lines.push(
      `  ${plural(n, "case")} the ${policy} policy cannot route` +
        (example ? ` (e.g. ${example.id}: ${example.error})` : ""),
    );
  }
  return lines.join("\n");
}

async function replay(store: Store, live: Workflow, draft: Workflow, since: number, until: number) {
  const comparison = new PolicyComparison({ since, until });
  for await (const batch of store.learning.historicalCases({ workflow: live.workflow, since, until })) {
    for (const c of batch) comparison.add(replayCase(c, live, draft));
  }
  return comparison.report();
}

/**
 * `loopgate simulate --policy DRAFT_DIR [--since 30d] [--workflow W]`: replays the real cases of the
 * window under the draft policy and reports, against the live one, how routes change, the review load
 * and the known errors that would pass automatically. Reads storage directly; changes nothing.
 */
export function runSimulate(args: string[]): Promise<number> {
  return runCommand("simulate", () => simulate(args));
}

async function simulate(args: string[]): Promise<number> {
  const { values } = parseFlags(args, {
    policy: { type: "string" },
    since: { type: "string" },
    workflow: { type: "string" },
    "data-dir": { type: "string" },
    "database-url": { type: "string" },
    "policy-dir": { type: "string" },
    json: { type: "boolean" },
  });
  const flag = (k: string) => values[k] as string | undefined;
  const draftDir = flag("policy");
  if (!draftDir) throw new UsageError("--policy DIR (the draft policy) is required");
  const until = Date.now();
  let since: number;
  try {
    since = parseSince(flag("since") ?? "30d", until);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (since >= until) throw new UsageError("--since must be in the past");

  const liveDir = flag("policy-dir") ? resolve(flag("policy-dir") as string) : defaultPolicyDir();
  const draftSet = loadDir(resolve(draftDir), "draft");
  const liveSet = loadDir(liveDir, "live");

  const only = flag("workflow");
  const names = only === undefined ? [...draftSet.workflows.keys()].sort() : [only];
  const pairs: Array<{ live: Workflow; draft: Workflow }> = [];
  const notes: string[] = [];
  for (const name of names) {
    const draft = draftSet.workflows.get(name);
    const live = liveSet.workflows.get(name);
    if (!draft) {
      const known = [...draftSet.workflows.keys()].sort().join(", ");
      throw new UsageError(`workflow "${name}" is not in the draft policy ${draftDir}; it has: ${known}`);
    }
    if (!live) {
      if (only !== undefined) throw new UsageError(`workflow "${name}" is not in the live policy ${liveDir}`);
      notes.push(`${name}: not in the live policy (a new workflow has no history to replay)`);
      continue;
    }
    pairs.push({ live, draft });
  }

  const reports: Array<{ workflow: string; version: string; report: SimulationReport }> = [];
  await withExistingStore({ dataDir: flag("data-dir"), databaseUrl: flag("database-url") }, async (store) => {
    for (const { live, draft } of pairs) {
      if (draft.source.version === live.source.version)
        notes.push(`${live.workflow}: the draft is the live policy`);
      reports.push({
        workflow: live.workflow,
        version: draft.source.version,
        report: await replay(store, live, draft, since, until),
      });
    }
  });

  if (values.json === true) {
    const out = {
      draftPolicy: { dir: resolve(draftDir), version: draftSet.version },
      livePolicy: { dir: liveDir, version: liveSet.version },
      workflows: reports.map((r) => comparisonView(r.workflow, r.report, [r.version])),
      notes,
    };
    console.log(JSON.stringify(out, null, 2));
    return 0;
  }
  console.log(
    `Draft ${resolve(draftDir)} (version ${draftSet.version}) against live ${liveDir} (version ${liveSet.version}), ` +
      `real cases submitted ${utcTime(since)} – ${utcTime(until)}\n`,
  );
  for (const r of reports) console.log(`${formatSimulation(r.workflow, r.report)}\n`);
  for (const note of notes) console.log(note);
  return 0;
}
