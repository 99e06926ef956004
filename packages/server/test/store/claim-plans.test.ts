import { type Compilable, CompiledQuery } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StoreEngine } from "../../src/store/engine.js";
import { openPostgres } from "../../src/store/postgres.js";
import {
  expiredLeases,
  overlapMembers,
  queueHead,
  stillWaiting,
  waitingWorkflows,
} from "../../src/store/review/claim-queries.js";
import { openSqlite } from "../../src/store/sqlite.js";
import { createTestDatabase, ENGINES, PG_URL, type TestDatabase } from "./engines.js";
import { newCase, submitted, T0 } from "./fixtures.js";

/**
 * Issue 12, item 1: the claim at a million waiting cases. Every statement a claim runs is EXPLAINed on
 * the real engines, with statistics stale (taken when the table was empty, as after a bulk load or a
 * restore) and fresh (after ANALYZE): index reads only, never a scan of the queue, never a sort of it,
 * and the same plan both times; on PostgreSQL also as a generic plan, the one a prepared statement may
 * keep (store/prepared-statements.ts). Then claims run at that depth and take the right cases.
 */

const DEPTH = Number(process.env.LOOPGATE_PLAN_DEPTH ?? 1_000_000);
/** Decided cases beside the queue, each with its decision: a deployment's history, which claims must not read. */
const HISTORY = Math.round(DEPTH / 5);
const WORKFLOWS = ["wf.a", "wf.b", "wf.c", "wf.d"];
const REVIEWER = "key_reviewer";
const claimer = { reviewer: REVIEWER, escalationRoles: [] as string[] };
const NOW = T0 + 10 * DEPTH;

/** What EXPLAIN says of one statement, reduced to what the checks below need. */
interface Plan {
  /** Every access to a table: "index <name>" or "table scan". */
  reads: string[];
  /** A sort anywhere in the plan (PostgreSQL Sort / Incremental Sort, SQLite temp b-tree). */
  sorts: boolean;
  text: string;
}

/** EXPLAINs `query` as a claim runs it: in a transaction the engine has pinned the claim's plans in. */
async function explain(engine: StoreEngine, query: Compilable): Promise<Plan> {
  const { sql, parameters } = query.compile();
  const plan = (prefix: string) =>
    engine.claimTransaction(async (trx) => {
      return (await trx.executeQuery(CompiledQuery.raw(`${prefix} ${sql}`, [...parameters]))).rows;
    });
  if (engine.name === "sqlite") {
    const details = ((await plan("explain query plan")) as { detail: string }[]).map((r) => r.detail);
    return {
      // SQLite names each read; a SCAN with no index is a table scan, except of a subquery or CTE.
      reads: details
        .filter((d) => /^(SCAN|SEARCH) (cases|c|m|copy|decisions|d|reviewer_pauses)\b/.test(d))
        .map(
          (d) =>
            /USING (?:COVERING )?INDEX (\w+)/.exec(d)?.[1] ?? (d.startsWith("SCAN") ? "table scan" : "pk"),
        ),
      sorts: details.some((d) => d.includes("TEMP B-TREE")),
      text: details.join("\n"),
    };
  }
  return pgPlan((await plan("explain (format json)")) as PgExplain);
}

/**
 * PostgreSQL: the generic plan of `query`, the one its plan cache may keep once the statement is
 * prepared (store/prepared-statements.ts) and then use for any parameters: made without their values.
 */
async function explainGeneric(engine: StoreEngine, query: Compilable): Promise<Plan> {
  const { sql, parameters } = query.compile();
  // EXECUTE takes its arguments as SQL; the claim's are ids, workflows, times and counts.
  const literal = (v: unknown) =>
    typeof v === "number" ? String(v) : `'${String(v).replaceAll("'", "''")}'`;
  const args = parameters.map(literal).join(", ");
  const rows = await engine.claimTransaction(async (trx) => {
    await trx.executeQuery(CompiledQuery.raw("set local plan_cache_mode = force_generic_plan"));
    await trx.executeQuery(CompiledQuery.raw(`prepare claim_step as ${sql}`));
    const explained = await trx.executeQuery(
      CompiledQuery.raw(`explain (format json) execute claim_step${args && `(${args})`}`),
    );
    await trx.executeQuery(CompiledQuery.raw("deallocate claim_step"));
    return explained.rows;
  });
  return pgPlan(rows as PgExplain);
}

type PgExplain = { "QUERY PLAN": [{ Plan: PgNode }] }[];

function pgPlan(rows: PgExplain): Plan {
  const root = rows[0]?.["QUERY PLAN"][0].Plan as PgNode;
  const nodes: PgNode[] = [];
  const walk = (n: PgNode) => {
    nodes.push(n);
    for (const child of n.Plans ?? []) walk(child);
  };
  walk(root);
  return {
    reads: nodes
      // Reads of tables; a CTE's own rows (WorkTable, CTE Scan) are not.
      .filter(
        (n) => /Scan$/.test(n["Node Type"]) && !/^(Bitmap Heap|WorkTable|CTE|Subquery)/.test(n["Node Type"]),
      )
      .map((n) => (n["Index Name"] ? `index ${n["Index Name"]}` : "table scan")),
    sorts: nodes.some((n) => n["Node Type"].includes("Sort")),
    text: nodes.map((n) => `${n["Node Type"]} ${n["Index Name"] ?? ""}`).join(" > "),
  };
}

interface PgNode {
  "Node Type": string;
  "Index Name"?: string;
  Plans?: PgNode[];
}

/** SQLite names the index bare; PostgreSQL's reads were prefixed "index ". */
const index = (engine: StoreEngine, name: string) => (engine.name === "sqlite" ? name : `index ${name}`);

describe.each(ENGINES)("the claim at %s depth", (engineName) => {
  let db: TestDatabase;
  let engine: StoreEngine;
  /** Each statement's plans: custom and, on PostgreSQL, generic; taken on stale statistics, then fresh. */
  const plans: Record<string, { stale: Plan[]; fresh?: Plan[] }> = {};
  const explainAll = async (e: StoreEngine, q: Compilable) =>
    e.name === "postgres" ? [await explain(e, q), await explainGeneric(e, q)] : [await explain(e, q)];
  /** The statements of a claim, built exactly as claim.ts builds them. */
  const statements = (e: StoreEngine) => {
    const after = { priority: 0.5, created_at: T0 + DEPTH / 2, id: "case_middle" };
    const ids = Array.from({ length: 32 }, (_, i) => `deep_${i + 1}`);
    const head = { ...claimer, now: NOW, limit: 32 };
    const three = ["wf.a", "wf.c", "wf.d"];
    return {
      "oldest in one workflow": queueHead(e.db, { ...head, workflows: ["wf.b"], order: "oldest" }),
      "oldest in one workflow, next page": queueHead(e.db, {
        ...head,
        workflows: ["wf.b"],
        order: "oldest",
        after,
      }),
      "oldest in three workflows": queueHead(e.db, { ...head, workflows: three, order: "oldest" }),
      // The HTTP claim's: a workflow its person is paused in gives nothing, asked in the same statement.
      "oldest in three workflows, unless paused": queueHead(e.db, {
        ...head,
        workflows: three,
        order: "oldest",
        unlessPaused: "user_reviewer",
      }),
      "oldest in three workflows, next page": queueHead(e.db, {
        ...head,
        workflows: three,
        order: "oldest",
        after,
      }),
      "most uncertain in one workflow": queueHead(e.db, { ...head, workflows: ["wf.c"], order: "priority" }),
      "most uncertain, next page": queueHead(e.db, {
        ...head,
        workflows: ["wf.c"],
        order: "priority",
        after,
      }),
      "workflows with waiting cases": { compile: () => waitingWorkflows().compile(e.db) },
      "leases that ran out": e.lockForClaim(expiredLeases(e.db, NOW, 32)),
      "overlap groups and their decisions": overlapMembers(e.db, ids),
      "lock the first that still waits": e.lockForClaim(stillWaiting(e.db, { ...claimer, ids })),
    };
  };

  beforeAll(async () => {
    db = await createTestDatabase(engineName);
    const store = await db.open();
    engine =
      engineName === "sqlite"
        ? await openSqlite(db.location.dataDir)
        : // Unprepared: its EXPLAINs prepare the statements themselves (explainGeneric).
          await openPostgres(PG_URL, db.location.schema, false);
    const run = (q: string) => engine.db.executeQuery(CompiledQuery.raw(q));
    if (engineName === "postgres") {
      // Statistics taken while the table was empty, and kept so: the plan must not depend on them.
      await run("alter table cases set (autovacuum_enabled = false)");
      await run("alter table decisions set (autovacuum_enabled = false)");
      await run("analyze cases");
      await run("analyze decisions");
    }
    const template = newCase({ id: "template", workflow: "wf.template" });
    await store.cases.insert(template, { events: submitted(template) });
    // Copies of the template through SQL: a million waiting cases over four workflows with spread-out
    // priorities, then the decided history, each with one decision row.
    const columns = Object.keys(
      (await engine.db
        .selectFrom("cases")
        .selectAll()
        .where("id", "=", "template")
        .executeTakeFirstOrThrow()) as object,
    );
    const copy = (status: string, offset: number) =>
      columns
        .map((c) => {
          if (c === "id") return `'deep_' || (n + ${offset})`;
          if (c === "workflow") return `'wf.' || substr('abcd', (n % 4) + 1, 1)`;
          if (c === "status") return `'${status}'`;
          if (c === "created_at") return `${T0} + n + ${offset}`;
          if (c === "decided_at") return status === "decided" ? `${T0} + n + ${offset}` : "null";
          if (c === "priority") return "(((n % 1000) * 7919) % 1000) / 1000.0";
          return c;
        })
        .join(", ");
    const series = (count: number) =>
      engineName === "postgres"
        ? `generate_series(1, ${count}) as s(n)`
        : `(with recursive s(n) as (select 1 union all select n + 1 from s where n < ${count}) select n from s)`;
    const list = columns.join(", ");
    await run(
      `insert into cases (${list}) select ${copy("queued", 0)} from ${series(DEPTH)}, cases t where t.id = 'template'`,
    );
    await run(
      `insert into cases (${list}) select ${copy("decided", DEPTH)} from ${series(HISTORY)}, cases t where t.id = 'template'`,
    );
    await run(
      `insert into decisions (id, case_id, decided_by, verdict, output, reason_code, note, claimed_at, decided_at, held_ms)
       select 'dec_' || n, 'deep_' || (n + ${DEPTH}), 'key_other', 'approve', 'null', null, null, ${T0}, ${T0} + n, 0
       from ${series(HISTORY)}`,
    );
    // The template has done its job; it must not stand at the head of the queue.
    await run("delete from events where case_id = 'template'");
    await run("delete from cases where id = 'template'");
    for (const [name, q] of Object.entries(statements(engine)))
      plans[name] = { stale: await explainAll(engine, q) };
    // This schema's tables only: a bare ANALYZE takes every schema of the database, so the other test
    // files' tables would change statistics under their own "stale" EXPLAINs (and this one under theirs).
    await run(engineName === "postgres" ? "analyze cases, decisions, events" : "analyze");
    for (const [name, q] of Object.entries(statements(engine))) {
      const p = plans[name];
      if (p) p.fresh = await explainAll(engine, q);
    }
    await store.close();
  }, 600_000);

  afterAll(async () => {
    await engine?.db.destroy();
    await db?.destroy();
  });

  /** Each head statement and the index it reads: one range per workflow, plus the held cases. */
  const heads: Array<[string, string]> = [
    ["oldest in one workflow", "cases_queued_oldest"],
    ["oldest in one workflow, next page", "cases_queued_oldest"],
    ["oldest in three workflows", "cases_queued_oldest"],
    ["oldest in three workflows, unless paused", "cases_queued_oldest"],
    ["oldest in three workflows, next page", "cases_queued_oldest"],
    ["most uncertain in one workflow", "cases_queued_priority"],
    ["most uncertain, next page", "cases_queued_priority"],
    ["workflows with waiting cases", "cases_queued_(oldest|priority)"],
    ["leases that ran out", "cases_claimed"],
  ];
  /**
   * Look-ups by key the head statements also make: for each case read, its decisions and its overlap
   * copies (claim-queries.ts HeadFlags); for a person, their pauses. Never a range of either table.
   */
  const PROBES = "decisions_case_id|cases_overlap_of|reviewer_pauses_in_force";

  it.each(heads)(
    "reads the head of the queue (%s) from its index, unsorted, whatever the statistics",
    (name, idx) => {
      const p = plans[name];
      for (const plan of [...(p?.stale ?? []), ...(p?.fresh ?? [])]) {
        const ofQueue = (plan?.reads ?? []).filter((r) => !new RegExp(`(${PROBES})$`).test(r));
        expect(ofQueue.length, plan?.text).toBeGreaterThan(0);
        for (const read of ofQueue) expect(read, plan?.text).toMatch(new RegExp(`^${index(engine, idx)}$`));
        expect(plan?.sorts, plan?.text).toBe(false);
      }
      // Custom with custom, generic with generic: the statistics must change neither. Either queued
      // index serves the skip scan over workflows equally (both begin with the workflow).
      const shape = (plan?: Plan) => plan?.reads.map((r) => r.replace(/cases_queued_\w+/, "cases_queued_*"));
      for (const [i, plan] of (p?.stale ?? []).entries())
        expect(shape(p?.fresh?.[i]), "the plan changed with the statistics").toEqual(shape(plan));
    },
  );

  it("asks for the person's pauses by key, once per workflow's range", () => {
    for (const plan of [...(plans["oldest in three workflows, unless paused"]?.stale ?? [])]) {
      const probes = plan.reads.filter((r) => r.endsWith("reviewer_pauses_in_force"));
      expect(probes, plan.text).toHaveLength(3);
    }
  });

  it.each(["oldest in one workflow", "oldest in three workflows", "most uncertain, next page"])(
    "asks of each case of the head (%s) for its decisions and copies by key",
    (name) => {
      const ranges = name.includes("three") ? 3 : 1;
      for (const plan of [...(plans[name]?.stale ?? []), ...(plans[name]?.fresh ?? [])]) {
        const probes = plan.reads.filter((r) => new RegExp(`(${PROBES})$`).test(r));
        expect(probes.sort(), plan.text).toEqual(
          [
            ...Array(ranges).fill(index(engine, "cases_overlap_of")),
            ...Array(ranges).fill(index(engine, "decisions_case_id")),
          ].sort(),
        );
      }
    },
  );

  it.each(["overlap groups and their decisions", "lock the first that still waits"])(
    "looks the candidates up by key (%s), never scanning a table",
    (name) => {
      const p = plans[name];
      for (const plan of [...(p?.stale ?? []), ...(p?.fresh ?? [])]) {
        expect(plan?.reads.length, plan?.text).toBeGreaterThan(0);
        expect(plan?.reads, plan?.text).not.toContain("table scan");
        // Found by key: never a read of the queue, nor of a reviewer's (ever growing) history.
        expect(
          plan?.reads.some((r) => /cases_queue|cases_queued|cases_claimed|decided_by/.test(r)),
          plan?.text,
        ).toBe(false);
      }
      // Custom with custom, generic with generic: the statistics must not change either.
      for (const [i, plan] of (p?.stale ?? []).entries())
        expect(p?.fresh?.[i]?.reads, "the plan changed with the statistics").toEqual(plan.reads);
    },
  );

  it("claims at this depth the oldest case the reviewer may take, past the ones they already approved", async () => {
    const store = await db.open();
    // The first 40 waiting cases (more than a page of the head) were approved once by this reviewer
    // and wait for a second person: four-eyes makes the claim pass over all of them.
    for (let n = 1; n <= 40; n++) {
      const id = `deep_${n}`;
      const claimed = await store.review.claimNext({
        reviewer: REVIEWER,
        workflows: [WORKFLOWS[n % 4] as string],
        leaseMs: 60_000,
        now: NOW,
      });
      expect(claimed?.case.id).toBe(id);
      await store.review.recordDecision({
        caseId: id,
        reviewer: REVIEWER,
        decisionId: `dec_first_${n}`,
        verdict: "approve",
        output: null,
        reasonCode: null,
        note: null,
        now: NOW,
        pendingApprovals: { count: 1, needed: 2 },
      });
    }
    const next = await store.review.claimNext({ reviewer: REVIEWER, leaseMs: 60_000, now: NOW });
    expect(next?.case.id).toBe("deep_41");
    // Someone else takes the oldest, which waits for its second approval.
    const other = await store.review.claimNext({ reviewer: "key_second", leaseMs: 60_000, now: NOW });
    expect(other?.case.id).toBe("deep_1");
    // A lease that runs out puts the case back in its old place, ahead of the million behind it.
    const later = NOW + 120_000;
    const retaken = await store.review.claimNext({ reviewer: "key_third", leaseMs: 60_000, now: later });
    expect(retaken?.case.id).toBe("deep_1");
    const detail = await store.cases.detail("deep_1");
    expect(detail?.events.map((e) => e.type).slice(-2)).toEqual(["lease_expired", "claimed"]);
  }, 120_000);
});
