// Governance at 1,000,000 events: the 90-day report (`GET /v1/metrics/governance`) of a `loopgate serve`
// process against a plain count(*) of the same window's events on a connection of the bench's own;
// then submit throughput on that server while 90-day reports run back to back, against submit alone.
import { join } from "node:path";
import { config } from "../lib/config.js";
import { END, fillPostgres, fillSqlite, START } from "../lib/history.js";
import { call, expectStatus } from "../lib/http.js";
import { ADMIN_TOKEN, ROOT, startLoopgate } from "../lib/processes.js";
import { direct, scratchStore } from "../lib/scratch.js";
import { median } from "../lib/stats.js";
import { EXAMPLE_POLICIES, loadSubmit } from "./submit.js";

const DIST = `${ROOT}/packages/server/dist`;
const ENGINE = { sqlite: "SQLite", postgres: "PostgreSQL" };
const fmt = (n) => n.toLocaleString("en");

async function migrated(store) {
  const { openStore } = await import(`${DIST}/store/index.js`);
  const s = await openStore(store.dataDir ? { dataDir: store.dataDir } : { databaseUrl: store.databaseUrl });
  await s.migrate();
  return s;
}

/**
 * The governance rollups (migration 014), when the store keeps them: a bulk load bypasses the
 * transactions that maintain them, so they are rebuilt from the base tables after it, as an operator
 * would after a restore. A build without rollups is measured as it is, and the note says so.
 */
async function rebuildRollups(store, log) {
  const s = await migrated(store);
  try {
    if (typeof s.metrics.rebuildRollups !== "function") {
      return "no store.metrics.rebuildRollups in this build: the report reads the base tables";
    }
    log("governance: rebuilding the rollups of the bulk-loaded history (store.metrics.rebuildRollups)");
    const started = performance.now();
    const { documents } = await s.metrics.rebuildRollups();
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    return `rollups rebuilt after the bulk load (${documents.toLocaleString("en")} documents, ${seconds} s)`;
  } finally {
    await s.close();
  }
}

/** Median milliseconds of `config.reps` runs of `fn` after one warm-up. */
async function timed(fn) {
  await fn();
  const ms = [];
  for (let i = 0; i < config.reps; i++) {
    const t = performance.now();
    await fn();
    ms.push(performance.now() - t);
  }
  return median(ms);
}

/** Reports back to back until stopped: `stop()` resolves to how many ran and their median ms. */
function reportLoop(report) {
  let running = true;
  const ms = [];
  const loop = (async () => {
    while (running) {
      const t = performance.now();
      await report();
      ms.push(performance.now() - t);
    }
  })();
  return async () => {
    running = false;
    await loop;
    return { reports: ms.length, medianMs: median(ms) };
  };
}

/** The governance rows of `engine`: the 90-day report against count(*), and submit under reports. */
export async function governanceRows(engine, log) {
  const store = await scratchStore(engine, "governance");
  const db = await direct(store);
  let server;
  try {
    await (await migrated(store)).close();
    log(`governance ${engine}: writing ${fmt(config.events)} events of history (this takes a while)`);
    const counts =
      engine === "sqlite"
        ? fillSqlite(join(store.dataDir, "loopgate.db"), config.events, log)
        : await fillPostgres(db.client, "public", config.events, log);
    const rollups = await rebuildRollups(store, log);
    server = await startLoopgate({ ...store, policyDir: EXAMPLE_POLICIES });

    const url = `${server.url}/v1/metrics/governance?since=${new Date(START).toISOString()}&until=${new Date(END).toISOString()}`;
    let report;
    const reportMs = await timed(async () => {
      report = await expectStatus(200, "GET", url, { token: ADMIN_TOKEN });
    });
    const countMs = await timed(() =>
      db.all("SELECT count(*) AS n FROM events WHERE at >= ? AND at < ?", [START, END]),
    );
    // A report that read rollups nobody filled would be fast and wrong, so one figure is checked
    // against the raw table: the cases created in the window, catch trials left out.
    const [{ n }] = await db.all(
      "SELECT count(*) AS n FROM cases WHERE created_at >= ? AND created_at < ? AND gold_id IS NULL",
      [START, END],
    );
    const expected = Number(n);
    const wrong =
      report.cases !== expected ? `; REPORT WRONG: ${report.cases} cases, expected ${expected}` : "";
    log(
      `governance ${engine}: 90-day report ${reportMs.toFixed(0)} ms, count(*) ${countMs.toFixed(0)} ms${wrong}`,
    );

    const alone = [];
    const during = [];
    let reports;
    for (let round = 1; round <= config.rounds; round++) {
      alone.push(await loadSubmit(server.url));
      const stop = reportLoop(() => call("GET", url, { token: ADMIN_TOKEN }));
      during.push(await loadSubmit(server.url, "count"));
      reports = await stop();
      log(
        `governance ${engine} round ${round}/${config.rounds}: submit alone ${alone.at(-1).rps.toFixed(0)} req/s, ` +
          `during reports ${during.at(-1).rps.toFixed(0)} req/s (${reports.reports} reports, median ${reports.medianMs?.toFixed(0)} ms)`,
      );
    }
    const failedDuring = during.reduce((n, r) => n + r.failed, 0);
    const soloRps = median(alone.map((r) => r.rps));
    const underRps = median(during.map((r) => r.rps));
    const history = `${fmt(counts.events)} events, ${fmt(counts.cases)} cases over 90 days, ${fmt(counts.decisions)} decisions; ${rollups}`;
    return [
      {
        id: `governance.${engine}`,
        measure: `90-day governance report, ${ENGINE[engine]}, ${fmt(counts.events)} events`,
        against: "count(*) of the window's events",
        value: reportMs,
        unit: "ms",
        better: "lower",
        baseline: { value: countMs },
        ratio: reportMs / countMs,
        targets: [{ text: "< 200 ms", met: reportMs < 200 && !wrong }],
        note: `GET over HTTP as the admin, median of ${config.reps} after a warm-up; count(*) on the bench's own connection. ${history}${wrong}`,
        errors: wrong ? 1 : 0,
      },
      {
        id: `governance-load.${engine}`,
        measure: `Submit during 90-day reports, ${ENGINE[engine]}`,
        against: "submit alone, same server",
        value: underRps,
        unit: "req/s",
        better: "higher",
        detail: `p99 ${median(during.map((r) => r.p99))} ms`,
        baseline: { value: soloRps, detail: `p99 ${median(alone.map((r) => r.p99))} ms` },
        ratio: underRps / soloRps,
        targets: [{ text: "ratio >= 0.8", met: underRps / soloRps >= 0.8 }],
        note:
          `one report at a time, back to back (last round: ${reports.reports} reports, median ` +
          `${reports.medianMs?.toFixed(0)} ms each, under load); ${failedDuring} submits failed or timed out (10 s) meanwhile`,
      },
    ];
  } finally {
    await server?.stop();
    await db.close();
    await store.drop();
  }
}
