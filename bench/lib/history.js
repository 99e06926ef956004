// The governance history the metrics benchmarks read (bench/metrics.js, and the governance rows of
// `npm run bench`): made by the real migrations, then bulk-inserted straight into the tables (a
// fixture, not the thing measured): cases of three workflows spread over 90 days, each with the
// events, decision and outcome a real one would have. Deterministic: the same seed gives the same
// history.
import { seededRandom } from "@loopgate/core";
import BetterSqlite3 from "better-sqlite3";

export const DAY = 86_400_000;
/** The history's window: the 90 days before END. */
export const END = Date.parse("2026-11-26T00:00:00Z");
export const START = END - 90 * DAY;

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
 * The history, one case at a time, oldest first, until `total` events are written: each case with its
 * events (submitted, routed, then claimed and decided when a person decided it, decided for an auto
 * approval, outcome_reported when the automation reported one), its decision and outcome.
 */
function* history(total) {
  const r = seededRandom(20261126);
  const perCase = 3.75; // the mean below, to spread the cases evenly over the 90 days
  const n = Math.ceil(total / perCase);
  let events = 0;
  for (let i = 0; events < total; i++) {
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

/** Adds one history item (a case and what came with it) to the counts a fill reports. */
function tally(counts, item) {
  counts.cases += 1;
  counts.events += item.events.length;
  if (item.decision) counts.decisions += 1;
  if (item.outcome) counts.outcomes += 1;
  if (item.kase.gold_id) counts.catchTrials += 1;
}

/**
 * Bulk insert of `events` events into the SQLite file `file`, on a connection of its own with fsync off
 * (a fixture, not measured); `log` gets a progress line every 50,000 cases. Returns what was written.
 */
export function fillSqlite(file, events, log) {
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
  for (const item of history(events)) {
    batch.push(item);
    tally(counts, item);
    if (batch.length === 10_000) {
      flush(batch);
      batch = [];
      if (counts.cases % 50_000 === 0) {
        const s = ((performance.now() - started) / 1000).toFixed(1);
        log(`  sqlite: ${counts.cases} cases, ${counts.events} events written (${s} s)`);
      }
    }
  }
  flush(batch);
  db.close();
  return counts;
}

/**
 * Bulk insert of `events` events into PostgreSQL (tables in `schema`, on `client`): one multi-row
 * INSERT per table per batch, via unnest of arrays; then ANALYZE. Returns what was written.
 */
export async function fillPostgres(client, schema, events, log) {
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
  for (const item of history(events)) {
    batch.push(item);
    tally(counts, item);
    if (batch.length === 5_000) {
      await flush(batch);
      batch = [];
      if (counts.cases % 50_000 === 0) {
        const s = ((performance.now() - started) / 1000).toFixed(1);
        log(`  postgres: ${counts.cases} cases, ${counts.events} events written (${s} s)`);
      }
    }
  }
  await flush(batch);
  // As autovacuum would soon after a load this size; without statistics the planner guesses blindly.
  await client.query("ANALYZE");
  return counts;
}
