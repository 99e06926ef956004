// `npm run bench` (after the submit bench), or `node bench/metrics.js` after `npm run build`: the
// governance metrics (`GET /v1/metrics/governance`, through the same `governanceReport` the route calls)
// over a history of 1,000,000 events, against a plain `SELECT count(*)` over that events table, timed
// in the same run on the same machine. Prints medians and the ratios governance / count.
//
// The history is made by the real migrations (packages/server/dist) and then bulk-inserted straight
// into the tables (a fixture, not the thing measured): cases spread over 90 days, each with the events,
// decision and outcome a real one would have. BENCH_PG=postgres://… also runs it on PostgreSQL, in a
// schema of its own that is dropped afterwards. BENCH_REPS sets the repetitions (default 5).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { seededRandom } from "@loopgate/core";
import BetterSqlite3 from "better-sqlite3";
import pg from "pg";

// BENCH_DIST measures another build of the server the same way (e.g. the previous commit's, built in a
// copy of the tree), for a before/after comparison.
const dist = process.env.BENCH_DIST ?? new URL("../packages/server/dist/", import.meta.url).pathname;
const { governanceReport } = await import(join(dist, "metrics/governance.js"));
const { openStore } = await import(join(dist, "store/index.js"));

const EVENTS = Number(process.env.BENCH_EVENTS ?? 1_000_000);
const REPS = Number(process.env.BENCH_REPS ?? 5);
const PG_URL = process.env.BENCH_PG;
const DAY = 86_400_000;
const END = Date.parse("2026-11-26T00:00:00Z");
const START = END - 90 * DAY;

const WORKFLOWS = [
  ["invoice.approve", "pay", 0.6],
  ["refund.issue", "refund", 0.3],
  ["account.close", "close_account", 0.1],
];
const TRIGGERS = ["missing_po", "supplier_mismatch", "rush", "new_supplier", "flagged", "amount_spike"];
const REASONS = ["wrong_amount", "wrong_payee", "duplicate", "missing_document", "policy", "fraud_suspected"];
const REVIEWERS = Array.from({ length: 20 }, (_, i) => `usr_bench_${String(i).padStart(2, "0")}`);

function pick(r, xs) {
  return xs[Math.floor(r() * xs.length)];
}

/**
 * The history, one case at a time, oldest first, until `EVENTS` events are written: each case with its
 * events (submitted, routed, then claimed and decided when a person decided it, decided for an auto
 * approval, outcome_reported when the automation reported one), its decision and outcome.
 */
function* history() {
  const r = seededRandom(20261126);
  const perCase = 3.75; // the mean below, to spread the cases evenly over the 90 days
  const n = Math.ceil(EVENTS / perCase);
  let events = 0;
  for (let i = 0; events < EVENTS; i++) {
    const created = START + Math.floor(((i + r()) / n) * (END - START - DAY));
    const x = r();
    const [workflow, action] = x < 0.6 ? WORKFLOWS[0] : x < 0.9 ? WORKFLOWS[1] : WORKFLOWS[2];
    const y = r();
    const riskClass = y < 0.6 ? "low" : y < 0.9 ? "medium" : "high";
    const t = r();
    const triggers = t < 0.03 ? [pick(r, TRIGGERS), pick(r, TRIGGERS)] : t < 0.15 ? [pick(r, TRIGGERS)] : [];
    const uniqueTriggers = [...new Set(triggers)];
    const route =
      action === "close_account"
        ? "human_only"
        : riskClass === "high" || uniqueTriggers.length > 0 || r() < 0.25
          ? "review"
          : "auto";
    const id = `case_bench_${String(i).padStart(8, "0")}`;
    const amount = Math.round(r() * 500_000) / 100;
    const kase = {
      id,
      workflow,
      action,
      route,
      risk_class: riskClass,
      confidence: Math.round(r() * 1000) / 1000,
      input: JSON.stringify({
        invoiceNumber: `INV-${i}`,
        supplier: "Acme Industrial",
        amount,
        currency: "EUR",
      }),
      proposal: JSON.stringify({ pay: true, amount, account: "2000-AP" }),
      context: JSON.stringify({ po: { number: `PO-${i}`, supplier: "Acme Industrial", amount } }),
      explanation: JSON.stringify({
        route,
        riskClass,
        boundary: route === "auto" ? "auto" : route,
        threshold: 0.9,
        triggers: uniqueTriggers,
        reasons: [`risk class ${riskClass}`, ...uniqueTriggers.map((name) => `trigger ${name} fired`)],
        policyVersion: "bench-1",
      }),
      request_hash: id,
      submitted_by: "key_bench_automation",
      policy_version: "bench-1",
      created_at: created,
      status: "decided",
      decided_at: created,
      gold_id: null,
    };
    const ev = [
      [
        "submitted",
        id,
        "key_bench_automation",
        JSON.stringify({ workflow, action, idempotencyKey: null }),
        created,
      ],
      ["routed", id, "policy", JSON.stringify({ route, riskClass, triggers: uniqueTriggers }), created],
    ];
    let decision = null;
    let outcome = null;
    if (route === "auto") {
      decision = ["policy", "approve", null, null, created, null];
      ev.push(["decided", id, "policy", JSON.stringify({ verdict: "approve" }), created]);
    } else if (r() < 0.97) {
      const claimed = created + Math.floor(-Math.log(1 - r()) * 20 * 60_000);
      const held = 5_000 + Math.floor(-Math.log(1 - r()) * 90_000);
      const decided = claimed + held;
      const v = r();
      const verdict = v < 0.78 ? "approve" : v < 0.86 ? "edit" : v < 0.97 ? "reject" : "override";
      const reviewer = pick(r, REVIEWERS);
      decision = [reviewer, verdict, verdict === "approve" ? null : pick(r, REASONS), claimed, decided, held];
      kase.decided_at = decided;
      // One reviewed case in a hundred is a catch trial: the metrics must leave it out.
      if (r() < 0.01) kase.gold_id = "gold_bench";
      ev.push(["claimed", id, reviewer, JSON.stringify({ leaseId: `lease_${i}` }), claimed]);
      ev.push(["decided", id, reviewer, JSON.stringify({ verdict, heldMs: held }), decided]);
    } else {
      kase.status = "queued";
      kase.decided_at = null;
    }
    if (decision && decision[1] !== "reject" && r() < 0.04) {
      const at = kase.decided_at + DAY;
      outcome = [r() < 0.1 ? "incorrect" : "correct", at];
      ev.push(["outcome_reported", id, "key_bench_automation", JSON.stringify({ result: outcome[0] }), at]);
    }
    events += ev.length;
    yield { kase, events: ev, decision, outcome };
  }
}

const CASE_COLUMNS = [
  "id",
  "workflow",
  "action",
  "status",
  "route",
  "risk_class",
  "confidence",
  "input",
  "proposal",
  "context",
  "explanation",
  "request_hash",
  "submitted_by",
  "policy_version",
  "created_at",
  "decided_at",
  "gold_id",
];

/** Bulk insert into SQLite, on a connection of its own with fsync off (a fixture, not measured). */
function fillSqlite(file) {
  const db = new BetterSqlite3(file);
  db.pragma("synchronous = OFF");
  const insCase = db.prepare(
    `INSERT INTO cases (${CASE_COLUMNS.join(", ")}) VALUES (${CASE_COLUMNS.map(() => "?").join(", ")})`,
  );
  const insEvent = db.prepare("INSERT INTO events (type, case_id, actor, data, at) VALUES (?, ?, ?, ?, ?)");
  const insDecision = db.prepare(
    "INSERT INTO decisions (id, case_id, decided_by, verdict, output, reason_code, claimed_at, decided_at, held_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
  );
  const insOutcome = db.prepare(
    "INSERT INTO outcomes (id, case_id, result, details, reported_by, reported_at) VALUES (?, ?, ?, NULL, 'key_bench_automation', ?)",
  );
  const counts = { cases: 0, events: 0, decisions: 0, outcomes: 0, catchTrials: 0 };
  let batch = [];
  const flush = db.transaction((items) => {
    for (const { kase, events, decision, outcome } of items) {
      insCase.run(CASE_COLUMNS.map((c) => kase[c]));
      for (const e of events) insEvent.run(e);
      if (decision) {
        const [by, verdict, reason, claimed, at, held] = decision;
        insDecision.run(`dec_${kase.id}`, kase.id, by, verdict, kase.proposal, reason, claimed, at, held);
      }
      if (outcome) insOutcome.run(`out_${kase.id}`, kase.id, outcome[0], outcome[1]);
    }
  });
  const started = performance.now();
  for (const item of history()) {
    batch.push(item);
    counts.cases += 1;
    counts.events += item.events.length;
    if (item.decision) counts.decisions += 1;
    if (item.outcome) counts.outcomes += 1;
    if (item.kase.gold_id) counts.catchTrials += 1;
    if (batch.length === 10_000) {
      flush(batch);
      batch = [];
      if (counts.cases % 50_000 === 0) {
        const s = ((performance.now() - started) / 1000).toFixed(1);
        console.error(`  sqlite: ${counts.cases} cases, ${counts.events} events written (${s} s)`);
      }
    }
  }
  flush(batch);
  db.close();
  return counts;
}

/** Bulk insert into PostgreSQL: one multi-row INSERT per table per batch, via unnest of arrays. */
async function fillPostgres(client, schema) {
  await client.query(`SET search_path TO "${schema}"`);
  const counts = { cases: 0, events: 0, decisions: 0, outcomes: 0, catchTrials: 0 };
  const started = performance.now();
  const caseTypes = {
    confidence: "float8",
    created_at: "int8",
    decided_at: "int8",
  };
  const flush = async (items) => {
    const cols = CASE_COLUMNS.map((c) => items.map(({ kase }) => kase[c]));
    const ev = items.flatMap((x) => x.events);
    const dec = items.filter((x) => x.decision);
    const out = items.filter((x) => x.outcome);
    await client.query("BEGIN");
    await client.query(
      `INSERT INTO cases (${CASE_COLUMNS.join(", ")}) SELECT * FROM unnest(${CASE_COLUMNS.map(
        (c, i) => `$${i + 1}::${caseTypes[c] ?? "text"}[]`,
      ).join(", ")})`,
      cols,
    );
    await client.query(
      "INSERT INTO events (type, case_id, actor, data, at) SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int8[])",
      [0, 1, 2, 3, 4].map((i) => ev.map((e) => e[i])),
    );
    await client.query(
      "INSERT INTO decisions (id, case_id, decided_by, verdict, output, reason_code, claimed_at, decided_at, held_ms) SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::int8[], $8::int8[], $9::int8[])",
      [
        dec.map((x) => `dec_${x.kase.id}`),
        dec.map((x) => x.kase.id),
        dec.map((x) => x.decision[0]),
        dec.map((x) => x.decision[1]),
        dec.map((x) => x.kase.proposal),
        dec.map((x) => x.decision[2]),
        dec.map((x) => x.decision[3]),
        dec.map((x) => x.decision[4]),
        dec.map((x) => x.decision[5]),
      ],
    );
    await client.query(
      "INSERT INTO outcomes (id, case_id, result, details, reported_by, reported_at) SELECT i, c, r, NULL, 'key_bench_automation', a FROM unnest($1::text[], $2::text[], $3::text[], $4::int8[]) AS t(i, c, r, a)",
      [
        out.map((x) => `out_${x.kase.id}`),
        out.map((x) => x.kase.id),
        out.map((x) => x.outcome[0]),
        out.map((x) => x.outcome[1]),
      ],
    );
    await client.query("COMMIT");
  };
  let batch = [];
  for (const item of history()) {
    batch.push(item);
    counts.cases += 1;
    counts.events += item.events.length;
    if (item.decision) counts.decisions += 1;
    if (item.outcome) counts.outcomes += 1;
    if (item.kase.gold_id) counts.catchTrials += 1;
    if (batch.length === 5_000) {
      await flush(batch);
      batch = [];
      if (counts.cases % 50_000 === 0) {
        const s = ((performance.now() - started) / 1000).toFixed(1);
        console.error(`  postgres: ${counts.cases} cases, ${counts.events} events written (${s} s)`);
      }
    }
  }
  await flush(batch);
  // As autovacuum would soon after a load this size; without statistics the planner guesses blindly.
  await client.query("ANALYZE");
  return counts;
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
    const counts = fillSqlite(join(dir, "loopgate.db"));
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
    const counts = await fillPostgres(client, schema);
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
