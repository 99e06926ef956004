// `npm run bench` (builds first), or `node bench/run.js` after a build: Loopgate's benchmark suite.
// Every figure is measured beside a baseline from the same run on the same machine, and compared with
// the run kept in bench/baseline.json. Progress goes to stderr; the machine, one table and its notes
// to stdout; every figure to bench/results/latest.json. docs/performance.md explains each row.
//
//   npm run bench                       the full suite (1,000,000 waiting cases and events; ~15 min)
//   npm run bench -- --quick            100,000 instead, shorter loads (BENCH_QUICK=1)
//   npm run bench -- --only claim,submit
//   npm run bench -- --save-baseline    also keep this run's figures in bench/baseline.json
//                                       (BENCH_SAVE_BASELINE=1)
//
// Knobs (environment): BENCH_SECONDS, BENCH_WARMUP_SECONDS, BENCH_ROUNDS, BENCH_CONNECTIONS,
// BENCH_REVIEWERS, BENCH_DEPTH, BENCH_SHALLOW_DEPTH, BENCH_EVENTS, BENCH_REPS, BENCH_WAKEUP_SAMPLES,
// BENCH_EXPORT_ROWS, BENCH_ENGINES=sqlite,postgres, BENCH_PG (default the test database),
// BENCH_SERVER_LOG=1 (the servers' logs on stderr), BENCH_SERVER_NODE_ARGS (flags for their node,
// e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof"). bench/lib/config.js has the defaults.
//
// Exit code 1 when a suite failed, a call that should succeed failed (a reviewer's claim or decision),
// or a figure was wrong (the governance report against the cases table); a missed target is not a
// failure: the table says so.
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import { fileURLToPath } from "node:url";
import { config } from "./lib/config.js";
import { killAll } from "./lib/processes.js";
import { baselineText, machine, machineLine, notes, readBaseline, settings, table } from "./lib/report.js";
import { dropAll } from "./lib/scratch.js";
import { claimRows } from "./suites/claim.js";
import { exportRow } from "./suites/export.js";
import { governanceRows } from "./suites/governance.js";
import { submitRow } from "./suites/submit.js";
import { wakeupRows } from "./suites/wakeups.js";
import { webhookIsolationRow } from "./suites/webhook-isolation.js";

const BASELINE_FILE = fileURLToPath(new URL("baseline.json", import.meta.url));
const RESULTS_DIR = fileURLToPath(new URL("results/", import.meta.url));
const mode = config.quick ? "quick" : "full";

const started = Date.now();
const log = (line) => {
  const s = Math.round((Date.now() - started) / 1000);
  console.error(
    `[${String(Math.floor(s / 60)).padStart(2, "0")}:${String(s % 60).padStart(2, "0")}] ${line}`,
  );
};

for (const signal of ["SIGINT", "SIGTERM"]) {
  process.once(signal, async () => {
    log(`${signal}: stopping the servers and removing the scratch databases`);
    killAll();
    await dropAll();
    process.exit(130);
  });
}

/** Each suite in turn, per engine where it has one; a suite that fails gives a FAILED row, not a stop. */
const plan = [];
for (const engine of config.engines) plan.push(["submit", `submit.${engine}`, () => submitRow(engine, log)]);
for (const engine of config.engines) plan.push(["claim", `claim.${engine}`, () => claimRows(engine, log)]);
plan.push(["wakeup", "wakeup", () => wakeupRows(log)]);
for (const engine of config.engines) {
  plan.push(["governance", `governance.${engine}`, () => governanceRows(engine, log)]);
}
if (config.engines.includes("sqlite")) plan.push(["export", "export.sqlite", () => exportRow(log)]);
if (config.engines.includes("sqlite"))
  plan.push(["webhooks", "webhooks.isolation.sqlite", () => webhookIsolationRow(log)]);

const m = await machine();
log(machineLine(m));
log(
  `${mode} run: ${config.suites.join(", ")} on ${config.engines.join(", ")}; ${config.depth.toLocaleString("en")} ` +
    `waiting cases and ${config.events.toLocaleString("en")} events (seeding them takes minutes)`,
);

const rows = [];
let failures = 0;
try {
  for (const [suite, id, run] of plan) {
    if (!config.suites.includes(suite)) continue;
    try {
      const got = await run();
      rows.push(...(Array.isArray(got) ? got : [got]));
    } catch (err) {
      failures += 1;
      log(`${id} FAILED: ${err.stack ?? err}`);
      rows.push({
        id,
        measure: id,
        failed: String(err.message).split("\n")[0].slice(0, 120),
        value: null,
        targets: [],
      });
    }
  }
} finally {
  await dropAll();
}

const results = {
  mode,
  startedAt: new Date(started).toISOString(),
  finishedAt: new Date().toISOString(),
  seconds: Math.round((Date.now() - started) / 1000),
  machine: m,
  loadAverageAtEnd: os.loadavg().map((l) => Number(l.toFixed(2))),
  config: settings(),
  rows,
};
const kept = readBaseline(BASELINE_FILE, mode);
console.log(`Loopgate benchmark, ${mode} run of ${results.finishedAt} (${results.seconds} s)`);
console.log(`${machineLine(m)}; at the end ${results.loadAverageAtEnd.join(" / ")}\n`);
console.log(table(rows, kept));
console.log(`\n${notes(rows, kept)}`);

mkdirSync(RESULTS_DIR, { recursive: true });
writeFileSync(`${RESULTS_DIR}latest.json`, `${JSON.stringify(results, null, 2)}\n`);
log(`figures written to bench/results/latest.json`);
if (config.saveBaseline) {
  writeFileSync(BASELINE_FILE, baselineText(BASELINE_FILE, mode, results));
  log(`this run kept as the ${mode} baseline in bench/baseline.json`);
}
process.exitCode = failures > 0 || rows.some((r) => r.errors > 0) ? 1 : 0;
