// `node --expose-gc bench/export.js` after `npx tsc -b packages/server`: exports 1,000,000 corrections from a SQLite
// store through the CLI's own code path (`exportToDirectory`, what `loopgate export` runs), sampling the
// process's memory every 100,000 rows, and prints the throughput and the heap and RSS at start, at every
// sample and at their peak: the proof that an export streams rather than collecting its rows.
//
// The history is made by the real migrations (packages/server/dist) and then bulk-inserted straight into
// the tables (a fixture, not the thing measured): one decided case per correction (edit, reject or
// override by one of 20 reviewers) plus, every BENCH_DUP_EVERY cases, a repeat of the previous one that
// the export must drop. BENCH_ROWS sets the number of distinct corrections (default 1,000,000). Without
// --expose-gc only the heap as found is shown (garbage included), not the live heap after a collection.
// BENCH_JSON=FILE also writes the figures there (`npm run bench` runs this script for its export row).
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { exportToDirectory } from "../packages/server/dist/cli/export.js";
import { openStore } from "../packages/server/dist/store/index.js";

const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);
const DUP_EVERY = Number(process.env.BENCH_DUP_EVERY ?? 100);
const START = Date.parse("2026-01-01T00:00:00Z");
const REVIEWERS = Array.from({ length: 20 }, (_, i) => `usr_bench_${String(i).padStart(2, "0")}`);
const REASONS = ["wrong_amount", "wrong_payee", "duplicate", "missing_document", "policy"];
const MB = 1024 * 1024;

const mb = (bytes) => `${(bytes / MB).toFixed(1)} MB`;

/** Bulk insert on a connection of its own with fsync off: the fixture, not what is measured. */
function fill(file) {
  const db = new BetterSqlite3(file);
  db.pragma("synchronous = OFF");
  const insCase = db.prepare(
    `INSERT INTO cases (id, workflow, action, status, route, risk_class, confidence, input, proposal,
       explanation, request_hash, submitted_by, policy_version, created_at, decided_at)
     VALUES (?, 'invoice.approve', 'pay', 'decided', 'review', 'high', ?, ?, ?, '{}', ?, 'key_bench', ?, ?, ?)`,
  );
  const insDecision = db.prepare(
    `INSERT INTO decisions (id, case_id, decided_by, verdict, output, reason_code, note, claimed_at, decided_at, held_ms)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 30000)`,
  );
  let n = 0;
  const insertCase = (i) => {
    const id = `case_bench_${String(n).padStart(8, "0")}`;
    const amount = (i % 50_000) + 0.5;
    const input = JSON.stringify({
      invoiceNumber: `INV-${i}`,
      supplier: "Acme Industrial",
      amount,
      currency: "EUR",
    });
    const proposal = JSON.stringify({ pay: true, amount, account: "2000-AP" });
    const v = i % 10;
    const verdict = v < 6 ? "edit" : v < 9 ? "reject" : "override";
    const output =
      verdict === "reject"
        ? "null"
        : JSON.stringify({ pay: verdict === "edit", amount: amount - 1, account: "2000-AP" });
    const created = START + n * 1000;
    const decided = created + 60_000;
    insCase.run(id, (i % 1000) / 1000, input, proposal, id, i % 2 ? "v1" : "v2", created, decided);
    insDecision.run(
      `dec_${id}`,
      id,
      REVIEWERS[i % 20],
      verdict,
      output,
      REASONS[i % 5],
      null,
      decided - 30_000,
      decided,
    );
    n++;
  };
  const insertBatch = db.transaction((from, to) => {
    for (let i = from; i < to; i++) {
      insertCase(i);
      // A repeat of the same input, proposal and correction, which the export must drop.
      if (DUP_EVERY > 0 && i % DUP_EVERY === DUP_EVERY - 1) insertCase(i);
    }
  });
  const started = performance.now();
  for (let from = 0; from < ROWS; from += 50_000) {
    const to = Math.min(ROWS, from + 50_000);
    insertBatch(from, to);
    if (to % 200_000 === 0 || to === ROWS) {
      const s = ((performance.now() - started) / 1000).toFixed(1);
      console.error(`  built ${n.toLocaleString("en")} cases (${s}s)`);
    }
  }
  db.close();
  return n;
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), "loopgate-bench-export-"));
  try {
    const setup = await openStore({ dataDir: dir });
    await setup.migrate();
    await setup.close();
    console.error(`building a SQLite store with ${ROWS.toLocaleString("en")} distinct corrections…`);
    const cases = fill(join(dir, "loopgate.db"));

    const store = await openStore({ dataDir: dir });
    await store.migrate();
    globalThis.gc?.();
    const start = process.memoryUsage();
    const samples = [];
    // heapUsed as found includes garbage not yet collected; with --expose-gc, `live` is the heap right
    // after a collection: what the export actually holds, which is what would grow if it kept its rows.
    const sample = (rows) => {
      const m = process.memoryUsage();
      globalThis.gc?.();
      const live = globalThis.gc ? process.memoryUsage().heapUsed : undefined;
      samples.push({ rows, rss: m.rss, heapUsed: m.heapUsed, live });
      console.error(
        `  ${rows.toLocaleString("en").padStart(9)} rows   heap ${mb(m.heapUsed).padStart(9)}` +
          `${live === undefined ? "" : `   live heap ${mb(live).padStart(8)}`}   rss ${mb(m.rss).padStart(9)}`,
      );
    };
    console.error(`exporting (heap at start ${mb(start.heapUsed)}, rss ${mb(start.rss)})…`);
    const out = join(dir, "out");
    const t0 = performance.now();
    const { file, manifest } = await exportToDirectory(store, { kind: "corrections" }, out, {
      now: Date.now(),
      onProgress: (rows) => sample(rows),
    });
    const seconds = (performance.now() - t0) / 1000;
    sample(manifest.counts.rows);
    await store.close();

    const peakHeap = Math.max(...samples.map((s) => s.heapUsed));
    const peakRss = Math.max(...samples.map((s) => s.rss));
    const { rows, duplicatesDropped } = manifest.counts;
    console.log(`export bench: ${cases.toLocaleString("en")} decided cases on SQLite`);
    console.log(
      `  ${rows.toLocaleString("en")} rows written (${mb(statSync(file).size)}), ${duplicatesDropped.toLocaleString("en")} duplicates dropped`,
    );
    console.log(`  ${seconds.toFixed(1)} s, ${Math.round(rows / seconds).toLocaleString("en")} rows/s`);
    console.log(
      `  heap: start ${mb(start.heapUsed)}, peak ${mb(peakHeap)} (+${mb(peakHeap - start.heapUsed)}); ` +
        `rss: start ${mb(start.rss)}, peak ${mb(peakRss)} (+${mb(peakRss - start.rss)})`,
    );
    if (globalThis.gc) {
      const live = samples.map((s) => s.live);
      console.log(
        `  live heap after gc at each sample: ${live.map((b) => (b / MB).toFixed(1)).join(", ")} MB ` +
          `(start ${mb(start.heapUsed)}, peak +${mb(Math.max(...live) - start.heapUsed)})`,
      );
    }
    if (rows !== ROWS) throw new Error(`expected ${ROWS} rows, exported ${rows}`);
    if (process.env.BENCH_JSON) {
      const live = samples.map((s) => s.live).filter((b) => b !== undefined);
      const figures = {
        rows,
        duplicatesDropped,
        seconds,
        rowsPerSecond: rows / seconds,
        startRssMb: start.rss / MB,
        peakRssMb: peakRss / MB,
        liveHeapGrowthMb: live.length > 0 ? (Math.max(...live) - start.heapUsed) / MB : null,
      };
      writeFileSync(process.env.BENCH_JSON, JSON.stringify(figures));
    }
  } finally {
    if (!process.env.BENCH_KEEP) rmSync(dir, { recursive: true, force: true });
    else console.error(`kept ${dir}`);
  }
}

await main();
