// Wake-up latency: how long after a decision commits a waiting automation hears of it, in the same
// process and across processes, measured by bench/wakeup.js (`measureWakeup`), written beside this
// suite. Until that file exists the rows say so instead of failing the run.
import { existsSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { config } from "../lib/config.js";
import { ROOT } from "../lib/processes.js";

const ENGINE = { sqlite: "SQLite", postgres: "PostgreSQL" };
// Cross-process wake-ups go through the database, so only PostgreSQL has them (SQLite is one process).
const RUNS = [
  { engine: "sqlite", crossProcess: false },
  { engine: "postgres", crossProcess: false },
  { engine: "postgres", crossProcess: true },
];

function row({ engine, crossProcess }, r, same) {
  const where = crossProcess ? "cross-process" : "same process";
  const base = {
    id: `wakeup.${engine}.${crossProcess ? "cross" : "same"}`,
    measure: `Wake-up, ${where}, ${ENGINE[engine]}`,
    against: crossProcess ? "same process" : null,
    unit: "ms",
    better: "lower",
    targets: [],
  };
  if (typeof r === "string") return { ...base, value: null, missing: r, baseline: null, ratio: null };
  return {
    ...base,
    value: r.avgMs,
    detail: `p99 ${r.p99Ms.toFixed(1)} ms`,
    baseline: crossProcess && same ? { value: same.avgMs, detail: `p99 ${same.p99Ms.toFixed(1)} ms` } : null,
    ratio: crossProcess && same ? r.avgMs / same.avgMs : null,
    targets: crossProcess
      ? [
          { text: "avg < 10 ms", met: r.avgMs < 10 },
          { text: "p99 < 50 ms", met: r.p99Ms < 50 },
        ]
      : [],
    note: `avg of ${config.wakeupSamples} samples; p50 ${r.p50Ms.toFixed(1)} ms, max ${r.maxMs.toFixed(1)} ms`,
  };
}

export async function wakeupRows(log) {
  const runs = RUNS.filter((r) => config.engines.includes(r.engine));
  const file = `${ROOT}/bench/wakeup.js`;
  if (!existsSync(file)) {
    log("wake-up: bench/wakeup.js is missing; its rows say n/a");
    return runs.map((r) => row(r, "n/a (bench/wakeup.js missing)"));
  }
  const { measureWakeup } = await import(pathToFileURL(file).href);
  const rows = [];
  const same = {};
  for (const run of runs) {
    log(
      `wake-up: ${run.engine}, ${run.crossProcess ? "cross-process" : "same process"}, ${config.wakeupSamples} samples`,
    );
    const r = await measureWakeup({ ...run, samples: config.wakeupSamples });
    if (!run.crossProcess) same[run.engine] = r;
    rows.push(row(run, r, same[run.engine]));
  }
  return rows;
}
