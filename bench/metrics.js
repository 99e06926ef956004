// `node bench/metrics.js` after `npm run build`: the detailed view behind the governance rows of
// `npm run bench`. The governance metrics (`GET /v1/metrics/governance`, through the same
// `governanceReport` the route calls) over a history of 1,000,000 events, against a plain
// `SELECT count(*)` over that events table, timed in the same run on the same machine, for 30 and
// 90 days, ungrouped and grouped. Prints medians and the ratios governance / count.
//
// The history is bench/lib/history.js's. BENCH_PG=postgres://… also runs it on PostgreSQL, in a
// schema of its own that is dropped afterwards. BENCH_REPS sets the repetitions (default 5).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import pg from "pg";
import { DAY, END, fillPostgres, fillSqlite, START } from "./lib/history.js";

// BENCH_DIST measures another build of the server the same way (e.g. the previous commit's, built in a
// copy of the tree), for a before/after comparison.
const dist = process.env.BENCH_DIST ?? new URL("../packages/server/dist/", import.meta.url).pathname;
const { governanceReport } = await import(join(dist, "metrics/governance.js"));
const { openStore } = await import(join(dist, "store/index.js"));

const EVENTS = Number(process.env.BENCH_EVENTS ?? 1_000_000);
const REPS = Number(process.env.BENCH_REPS ?? 5);
const PG_URL = process.env.BENCH_PG;
/**
 * The governance rollups (migration 014), when this build keeps them, rebuilt from the bulk-loaded base
 * tables: the load goes around the transactions that maintain them.
 */
async function rebuildRollups(store) {
  if (typeof store.metrics.rebuildRollups !== "function") return;
  const started = performance.now();
  const { documents } = await store.metrics.rebuildRollups();
  console.error(
    `  rollups rebuilt: ${documents} documents (${((performance.now() - started) / 1000).toFixed(1)} s)`,
  );
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * Median wall-clock and process CPU milliseconds of `REPS` runs after a warm-up. On SQLite the whole
 * query runs in this process, so CPU time is what it costs even when other work shares the machine.
 */
async function time(fn) {
  await fn(); // warm-up: page cache, prepared statements, JIT
  const wall = [];
  const cpu = [];
  for (let i = 0; i < REPS; i++) {
    const c = process.cpuUsage();
    const t = performance.now();
    await fn();
    wall.push(performance.now() - t);
    const used = process.cpuUsage(c);
    cpu.push((used.user + used.system) / 1000);
  }
  return { wall: median(wall), cpu: median(cpu) };
}

/**
 * Times, per window, the plain count of that window's events and the governance reports over the same
 * window; the ratio of each report is to the count of its own window.
 */
async function measure(store, count) {
  const rows = [];
  rows.push(["count(*) of all events", await time(() => count(0, END + DAY)), null]);
  for (const [label, since] of [
    ["30 days", END - 30 * DAY],
    ["90 days", START],
  ]) {
    const base = await time(() => count(since, END));
    rows.push([`count(*) of the window's events, ${label}`, base, base]);
    for (const groupBy of [undefined, "day", "reviewer"]) {
      const q = { workflow: null, since, until: END, groupBy };
      rows.push([
        `governance ${label}${groupBy ? `, groupBy=${groupBy}` : ""}`,
        await time(() => governanceReport(store, q)),
        base,
      ]);
    }
  }
  const sample = await governanceReport(store, { workflow: null, since: START, until: END });
  return { rows, sample };
}

function print(engine, counts, { rows, sample }, cpu) {
  console.log(
    `\ngovernance metrics benchmark, ${engine}: ${counts.events} events = ${counts.cases} cases over 90 days ` +
      "(submitted + routed each; claimed + decided when a person decided, decided when auto-approved; " +
      `outcome_reported for ${counts.outcomes}), ${counts.decisions} decisions, ${counts.catchTrials} catch ` +
      `trials left out; median of ${REPS} runs; ratio = time / count(*) of the same window's events`,
  );
  console.log(
    `  ${"".padEnd(44)} ${"wall ms".padStart(9)} ${"ratio".padStart(7)}${cpu ? `${"cpu ms".padStart(10)} ${"ratio".padStart(7)}` : ""}`,
  );
  for (const [label, t, base] of rows) {
    const r = (x, b) => (b === null ? "" : (x / b).toFixed(1)).padStart(7);
    const wall = `${t.wall.toFixed(1).padStart(9)} ${r(t.wall, base?.wall ?? null)}`;
    const c = cpu ? `${t.cpu.toFixed(1).padStart(10)} ${r(t.cpu, base?.cpu ?? null)}` : "";
    console.log(`  ${label.padEnd(44)} ${wall}${c}`);
  }
  const p = sample.resolutionSeconds;
  console.log(
    `  (90 days: ${sample.cases} cases, ${sample.decisions} human decisions, escalation ` +
      `${sample.escalationRate?.toFixed(3)}, override ${sample.overrideRate?.toFixed(3)}, resolution ` +
      `p50/p90/p99 ${p.p50}/${p.p90}/${p.p99} s)`,
  );
}

async function runSqlite() {
  const dir = mkdtempSync(join(tmpdir(), "loopgate-bench-metrics-"));
  try {
    const store = await openStore({ dataDir: dir });
    await store.migrate();
    console.error(`sqlite: writing ${EVENTS} events into ${dir}`);
    const counts = fillSqlite(join(dir, "loopgate.db"), EVENTS, console.error);
    await rebuildRollups(store);
    const reader = new BetterSqlite3(join(dir, "loopgate.db"), { readonly: true });
    const countEvents = reader.prepare("SELECT count(*) AS n FROM events WHERE at >= ? AND at < ?");
    const result = await measure(store, async (since, until) => countEvents.get(since, until));
    reader.close();
    await store.close();
    print("SQLite", counts, result, true);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function runPostgres() {
  const schema = `loopgate_bench_${process.pid}`;
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    const store = await openStore({ databaseUrl: PG_URL, schema });
    await store.migrate();
    console.error(`postgres: writing ${EVENTS} events into schema ${schema}`);
    const counts = await fillPostgres(client, schema, EVENTS, console.error);
    await rebuildRollups(store);
    const result = await measure(store, (since, until) =>
      client.query("SELECT count(*) FROM events WHERE at >= $1 AND at < $2", [since, until]),
    );
    await store.close();
    print("PostgreSQL", counts, result, false);
  } finally {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await client.end();
  }
}

await runSqlite();
if (PG_URL) await runPostgres();
