import { randomUUID } from "node:crypto";
import { join } from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { chainExistingRows } from "../../src/store/audit/backfill.js";
import { rowHash } from "../../src/store/audit/chain.js";
import { newKeyPair } from "../../src/store/audit/signing.js";
import type { Store } from "../../src/store/index.js";
import { openPostgres } from "../../src/store/postgres.js";
import { openSqlite } from "../../src/store/sqlite.js";
import { AuditCheckpointWorker } from "../../src/workers/audit-checkpoint.js";
import { ENGINES, PG_URL, type TestDatabase, useTestDatabase } from "./engines.js";
import { newCase, submitted, T0, uniqueWorkflow } from "./fixtures.js";

/**
 * The tamper-evident audit log (issue 13, item 9): every test writes a small history through the store,
 * then changes the database behind its back as someone with SQL access would, and `audit.verify` must
 * name what was changed. Each test gets its own database: verify walks all of it.
 */

/** Runs SQL on the database directly, around the store (`?` placeholders on both engines). */
async function raw(
  db: TestDatabase,
  text: string,
  params: unknown[] = [],
): Promise<Record<string, unknown>[]> {
  if (db.engine === "sqlite") {
    const conn = new Database(join(db.location.dataDir, "loopgate.db"));
    try {
      const st = conn.prepare(text);
      if (st.reader) return st.all(...params) as Record<string, unknown>[];
      st.run(...params);
      return [];
    } finally {
      conn.close();
    }
  }
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    await client.query(`set search_path to "${db.location.schema}"`);
    let n = 0;
    return (
      await client.query(
        text.replace(/\?/g, () => `$${++n}`),
        params,
      )
    ).rows;
  } finally {
    await client.end();
  }
}

/** A case submitted, claimed, decided (edit) and given an outcome, plus a queued one; returns their ids. */
async function history(store: Store) {
  const workflow = uniqueWorkflow();
  const decided = newCase({ workflow });
  const queued = newCase({ workflow, createdAt: T0 + 1 });
  await store.cases.insert(decided, { events: submitted(decided) });
  await store.cases.insert(queued, { events: submitted(queued) });
  await store.review.claimNext({ reviewer: "alice", workflows: [workflow], leaseMs: 60_000, now: T0 + 10 });
  const decisionId = `dec_${randomUUID()}`;
  await store.review.recordDecision({
    caseId: decided.id,
    reviewer: "alice",
    decisionId,
    verdict: "edit",
    output: { pay: 900 },
    reasonCode: "wrong_amount",
    note: null,
    now: T0 + 20,
  });
  await store.oversight.insertOutcome({
    id: `out_${randomUUID()}`,
    caseId: decided.id,
    result: "correct",
    details: null,
    reportedBy: "key_automation",
    reportedAt: T0 + 30,
    now: T0 + 30,
  });
  // An event of no case: the system chain.
  await store.cases.appendEvents([
    { type: "oversight_alert", caseId: null, actor: "system", data: { n: 1 }, at: T0 },
  ]);
  return { decided: decided.id, queued: queued.id, decisionId };
}

describe.each(ENGINES)("the audit hash chain (%s)", (engine) => {
  const t = useTestDatabase(engine, { per: "test" });

  it("verifies a clean history, before and after a checkpoint", async () => {
    await history(t.store);
    const before = await t.store.audit.verify();
    expect(before.problems).toEqual([]);
    // decided: submitted, routed, claimed, decision, decided, outcome, outcome_reported; queued: 2; system: 1
    expect(before).toMatchObject({ chains: 3, rows: 10, checkpoints: 0 });
    const cp = await t.store.audit.checkpoint();
    expect(cp).toMatchObject({ number: 1, chains: 3 });
    const after = await t.store.audit.verify();
    expect(after.problems).toEqual([]);
    expect(after.checkpoints).toBe(1);
  });

  it("chains each case's rows in order: position 1 links to the case row, every row to the one before", async () => {
    const { decided } = await history(t.store);
    const rows = [
      ...(await raw(t.db, "select 'events' as t, chain_pos, prev_hash, hash from events where case_id = ?", [
        decided,
      ])),
      ...(await raw(
        t.db,
        "select 'decisions' as t, chain_pos, prev_hash, hash from decisions where case_id = ?",
        [decided],
      )),
      ...(await raw(
        t.db,
        "select 'outcomes' as t, chain_pos, prev_hash, hash from outcomes where case_id = ?",
        [decided],
      )),
    ].sort((a, b) => Number(a.chain_pos) - Number(b.chain_pos));
    expect(rows.map((r) => Number(r.chain_pos))).toEqual([1, 2, 3, 4, 5, 6, 7]);
    for (let i = 1; i < rows.length; i++) expect(rows[i]?.prev_hash).toBe(rows[i - 1]?.hash);
    const [head] = await raw(t.db, "select chain_head, chain_length from cases where id = ?", [decided]);
    expect(head).toMatchObject({ chain_head: rows[6]?.hash, chain_length: 7 });
  });

  it("names a decision whose verdict or output was changed by an UPDATE", async () => {
    const { decided, decisionId } = await history(t.store);
    await raw(t.db, "update decisions set verdict = 'approve' where id = ?", [decisionId]);
    const report = await t.store.audit.verify();
    expect(report.problems).toEqual([
      expect.objectContaining({
        kind: "altered",
        chain: decided,
        row: `decision ${decisionId} (position 4)`,
      }),
    ]);

    await raw(t.db, "update decisions set verdict = 'edit', output = ? where id = ?", [
      '{"pay":90000}',
      decisionId,
    ]);
    expect((await t.store.audit.verify()).problems).toEqual([
      expect.objectContaining({ kind: "altered", row: `decision ${decisionId} (position 4)` }),
    ]);
    // Put back exactly, it verifies again: the hash covers the stored text, nothing else.
    await raw(t.db, "update decisions set output = ? where id = ?", ['{"pay":900}', decisionId]);
    expect((await t.store.audit.verify()).problems).toEqual([]);
  });

  it("names a row deleted from the middle of a chain", async () => {
    const { decided } = await history(t.store);
    await raw(t.db, "delete from events where case_id = ? and type = 'claimed'", [decided]);
    const [problem, ...rest] = (await t.store.audit.verify()).problems;
    expect(rest).toEqual([]);
    expect(problem).toMatchObject({ kind: "deleted", chain: decided });
    expect(problem?.message).toContain("position 3 is missing");
    expect(problem?.row).toMatch(/^decision dec_.* \(position 4\)$/);
  });

  it("names a row inserted around the chain, and one forged into a position", async () => {
    const { decided, queued } = await history(t.store);
    await raw(
      t.db,
      "insert into events (type, case_id, actor, data, at) values ('decided', ?, 'mallory', '{}', ?)",
      [queued, T0 + 40],
    );
    expect((await t.store.audit.verify()).problems).toEqual([
      expect.objectContaining({
        kind: "inserted",
        chain: queued,
        row: expect.stringMatching(/^event seq \d+$/),
      }),
    ]);
    await raw(t.db, "delete from events where actor = 'mallory'");

    // A forger who knows the hash function puts a self-consistent row at position 3 of the decided case.
    const [second] = await raw(t.db, "select hash from events where case_id = ? and chain_pos = 2", [
      decided,
    ]);
    const forged = { type: "released", case_id: decided, actor: "mallory", data: "{}", at: T0 + 15 };
    const hash = rowHash("events", 3, String(second?.hash), forged);
    await raw(
      t.db,
      "insert into events (type, case_id, actor, data, at, chain_pos, prev_hash, hash) values (?, ?, ?, ?, ?, 3, ?, ?)",
      [forged.type, forged.case_id, forged.actor, forged.data, forged.at, second?.hash, hash],
    );
    const [problem] = (await t.store.audit.verify()).problems;
    expect(problem).toMatchObject({ kind: "inserted", chain: decided });
    expect(problem?.row).toMatch(/^event seq \d+ \(position 3\)$/);
  });

  it("names a case whose submitted content was changed", async () => {
    const { queued } = await history(t.store);
    await raw(t.db, "update cases set input = ? where id = ?", ['{"amount":1,"supplier":"Acme"}', queued]);
    expect((await t.store.audit.verify()).problems).toEqual([
      expect.objectContaining({
        kind: "altered",
        chain: queued,
        message: expect.stringContaining("the case was changed"),
      }),
    ]);
  });

  it("finds a whole case deleted, and a tail cut with the head moved to match, through the checkpoint", async () => {
    const { decided, queued } = await history(t.store);
    await t.store.audit.checkpoint();
    // The queued case vanishes with everything that references it.
    for (const table of ["events", "decisions", "outcomes", "timers", "outbox", "audits"]) {
      await raw(t.db, `delete from ${table} where case_id = ?`, [queued]);
    }
    await raw(t.db, "delete from cases where id = ?", [queued]);
    // The decided case loses its outcome rows, and its recorded head is set back to match.
    const [sixth] = await raw(t.db, "select hash from outcomes where case_id = ?", [decided]);
    const [fifth] = await raw(t.db, "select hash from events where case_id = ? and chain_pos = 5", [decided]);
    expect(sixth).toBeDefined();
    await raw(t.db, "delete from events where case_id = ? and type = 'outcome_reported'", [decided]);
    await raw(t.db, "delete from outcomes where case_id = ?", [decided]);
    await raw(t.db, "update cases set chain_head = ?, chain_length = 5 where id = ?", [fifth?.hash, decided]);

    const problems = (await t.store.audit.verify()).problems;
    expect(problems).toHaveLength(2);
    expect(problems).toContainEqual(
      expect.objectContaining({
        kind: "deleted",
        chain: decided,
        message: expect.stringContaining("position 7, signed by checkpoint 1, is missing"),
      }),
    );
    expect(problems).toContainEqual(
      expect.objectContaining({
        kind: "deleted",
        chain: queued,
        message: `case ${queued} is missing: checkpoint 1 signed it at length 2`,
      }),
    );
  });

  it("refuses a changed checkpoint, a checkpoint signed by another key and a foreign public key", async () => {
    const { decided } = await history(t.store);
    await t.store.audit.checkpoint();
    await t.store.audit.checkpoint();
    const foreign = newKeyPair().publicKeyPem;
    expect((await t.store.audit.verify({ publicKeyPem: foreign })).problems[0]).toMatchObject({
      kind: "checkpoint",
      message: expect.stringContaining("not by the public key given"),
    });
    // A head a checkpoint lists, moved (to hide a rewritten chain): the signed digest no longer matches.
    await raw(t.db, "update audit_checkpoint_heads set length = 6 where chain_id = ? and checkpoint = 1", [
      decided,
    ]);
    const problems = (await t.store.audit.verify()).problems;
    expect(problems).toContainEqual(
      expect.objectContaining({
        kind: "checkpoint",
        message: expect.stringContaining("checkpoint 1's chain heads"),
      }),
    );
    await raw(t.db, "update audit_checkpoint_heads set length = 7 where chain_id = ? and checkpoint = 1", [
      decided,
    ]);
    await raw(t.db, "update audit_checkpoints set chains = 99 where number = 2");
    expect((await t.store.audit.verify()).problems).toEqual([
      expect.objectContaining({
        kind: "checkpoint",
        message: expect.stringContaining("signature does not verify"),
      }),
    ]);
  });

  it("ties a decision's revoked_at to a revoked event in its chain", async () => {
    const { decisionId } = await history(t.store);
    await raw(t.db, "update decisions set revoked_at = ? where id = ?", [T0 + 50, decisionId]);
    expect((await t.store.audit.verify()).problems).toEqual([
      expect.objectContaining({
        kind: "altered",
        message: expect.stringContaining("marked revoked without"),
      }),
    ]);
  });

  it("keeps one chain per case whole under concurrent writers", async () => {
    const c = newCase({ workflow: uniqueWorkflow() });
    await t.store.cases.insert(c, { events: submitted(c) });
    const other = await t.db.open();
    await Promise.all(
      Array.from({ length: 24 }, (_, i) =>
        (i % 2 ? other : t.store).cases.appendEvents([
          { type: "webhook_failed", caseId: c.id, actor: "system", data: { i }, at: T0 + i },
        ]),
      ),
    );
    const report = await t.store.audit.verify();
    expect(report.problems).toEqual([]);
    expect(report.rows).toBe(26);
  });

  it("keeps the chain whole when a decision races other appends to its case", async () => {
    const workflow = uniqueWorkflow();
    const other = await t.db.open();
    for (let i = 0; i < 12; i++) {
      const c = newCase({ workflow, createdAt: T0 + i });
      await t.store.cases.insert(c, { events: submitted(c) });
      await t.store.review.claimNext({
        reviewer: "alice",
        workflows: [workflow],
        leaseMs: 60_000,
        now: T0 + 100,
      });
      const appends = [1, 2, 3].map((n) =>
        other.cases.appendEvents([
          { type: "webhook_failed", caseId: c.id, actor: "system", data: { n }, at: T0 },
        ]),
      );
      const decided = t.store.review.recordDecision({
        caseId: c.id,
        reviewer: "alice",
        decisionId: `dec_${randomUUID()}`,
        verdict: "approve",
        output: {},
        reasonCode: null,
        note: null,
        now: T0 + 200,
      });
      await Promise.all([decided, ...appends]);
    }
    const report = await t.store.audit.verify();
    expect(report.problems).toEqual([]);
    // Each case: submitted, routed, claimed, three appends, the decision and its event.
    expect(report.rows).toBe(12 * 8);
  });

  it("writes each checkpoint once when processes race for it, and workers in two processes keep it going", async () => {
    await history(t.store);
    const other = await t.db.open();
    const raced = await Promise.all(
      [1, 2, 3, 4, 5, 6].map((i) => (i % 2 ? other : t.store).audit.checkpoint()),
    );
    const numbers = raced.flatMap((c) => (c ? [c.number] : [])).sort((a, b) => a - b);
    expect(numbers).toEqual(numbers.map((_, i) => i + 1));
    const workers = [t.store, other].map((store) => new AuditCheckpointWorker({ store, intervalMs: 20 }));
    for (const w of workers) w.start();
    try {
      for (
        let i = 0;
        i < 500 && (await t.store.audit.checkpoints()).checkpoints.length < numbers.length + 3;
        i++
      ) {
        await new Promise((r) => setTimeout(r, 20));
      }
    } finally {
      await Promise.all(workers.map((w) => w.stop()));
    }
    const { checkpoints } = await t.store.audit.checkpoints();
    expect(checkpoints.length).toBeGreaterThanOrEqual(numbers.length + 3);
    expect(checkpoints.map((c) => c.number)).toEqual(checkpoints.map((_, i) => i + 1));
    const report = await t.store.audit.verify();
    expect(report.problems).toEqual([]);
    expect(report.checkpoints).toBe(checkpoints.length);
  });

  it("chains the rows an older database already holds (the migration's backfill)", async () => {
    await history(t.store);
    for (const table of ["events", "decisions", "outcomes"]) {
      await raw(t.db, `update ${table} set chain_pos = null, prev_hash = null, hash = null`);
    }
    await raw(t.db, "update cases set chain_head = null, chain_length = null, chain_at = null");
    await raw(t.db, "delete from settings where name = 'audit_chain_head:system'");
    expect((await t.store.audit.verify()).problems.length).toBeGreaterThan(0);
    const { dataDir, schema } = t.db.location;
    const engineOf =
      t.db.engine === "sqlite" ? await openSqlite(dataDir) : await openPostgres(PG_URL, schema);
    try {
      await chainExistingRows(engineOf.db);
    } finally {
      await engineOf.db.destroy();
    }
    expect((await t.store.audit.verify()).problems).toEqual([]);
  });
});
