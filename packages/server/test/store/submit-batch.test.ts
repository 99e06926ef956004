import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { InsertCaseExtra, NewCase, ShadowInsert } from "../../src/store/index.js";
import { ENGINES, useTestDatabase } from "./engines.js";
import { newCase, submitted, T0, uniqueWorkflow, webhook } from "./fixtures.js";

/**
 * Submits that arrive together are written as one batch (group commit): one statement per table for
 * all of them, each statement compiled once per shape and reused with new values (cases/insert.ts,
 * prepared-insert.ts). What could go wrong there is a value landing on the wrong case, a reused
 * statement keeping old values, or an idempotent retry in the same batch writing rows.
 */

const FAR = T0 + 365 * 86_400_000;

/** Submit `i` of a burst: its shape (decision, webhook, timers, shadow) depends on i. */
function write(i: number, workflow: string): { c: NewCase; extra: InsertCaseExtra } {
  const auto = i % 2 === 0;
  const c = newCase({
    workflow,
    id: `case_${randomUUID()}`,
    status: auto ? "decided" : "queued",
    input: { amount: 100 + i, supplier: `Supplier ${i}` },
    proposal: { pay: 100 + i },
    subject: i % 3 === 0 ? `subject-${i}` : null,
    createdAt: T0 + i,
  });
  const events = [
    ...submitted(c),
    { type: "decided" as const, caseId: c.id, actor: "policy", data: { i }, at: c.createdAt },
  ];
  const extra: InsertCaseExtra = {
    events: auto ? events : submitted(c),
    timers: [
      {
        id: `tmr_${randomUUID()}`,
        caseId: c.id,
        kind: auto ? "release" : "sla_timeout",
        dueAt: T0 + 1000 + i,
      },
    ],
    ...(auto
      ? {
          releaseAt: T0 + 1000 + i,
          decision: {
            id: `dec_${randomUUID()}`,
            decidedBy: "policy",
            verdict: "approve" as const,
            output: { pay: 100 + i },
            reasonCode: null,
            note: null,
            claimedAt: null,
            decidedAt: c.createdAt,
            heldMs: null,
          },
        }
      : { slaDueAt: T0 + 1000 + i }),
    ...(i % 4 === 0 && { outbox: webhook(c.id, { url: `http://127.0.0.1:1/hook/${i}` }) }),
    ...(i % 3 === 1 && { shadows: [overlapCopy(c)] }),
  };
  return { c, extra };
}

function overlapCopy(real: NewCase): ShadowInsert {
  const copy = { ...real, id: `case_${randomUUID()}`, status: "queued" as const, overlapOf: real.id };
  return {
    case: copy,
    events: submitted(copy),
    timers: [{ id: `tmr_${randomUUID()}`, caseId: copy.id, kind: "sla_timeout", dueAt: T0 + 5000 }],
    slaDueAt: T0 + 5000,
  };
}

describe.each(ENGINES)("a group commit's batch (%s)", (engine) => {
  const db = useTestDatabase(engine, { per: "test" });

  it("stores each submit's own rows, in batches of several sizes and shapes", async () => {
    const store = db.store;
    const workflow = uniqueWorkflow();
    // Two bursts of different sizes, then one the same size as the first: a statement compiled for one
    // batch is reused by the next with that batch's values.
    const bursts = [9, 5, 9].map((n, b) => Array.from({ length: n }, (_, i) => write(b * 100 + i, workflow)));
    for (const burst of bursts) {
      const results = await Promise.all(burst.map(({ c, extra }) => store.cases.insert(c, extra)));
      expect(results.map((r) => [r.created, r.case.id])).toEqual(burst.map(({ c }) => [true, c.id]));
    }
    const all = bursts.flat();
    const timers = await store.timers.claim({ now: FAR, limit: 1000, leaseMs: 60_000 });
    const outbox = await store.outbox.claim({ now: FAR, limit: 1000, leaseMs: 60_000 });
    for (const { c, extra } of all) {
      const stored = await store.cases.detail(c.id);
      expect(stored).toMatchObject({
        input: c.input,
        proposal: c.proposal,
        subject: c.subject,
        status: c.status,
        createdAt: c.createdAt,
        releaseAt: extra.releaseAt ?? null,
        slaDueAt: extra.slaDueAt ?? null,
      });
      expect(stored?.events.map((e) => [e.type, e.data])).toEqual(extra.events.map((e) => [e.type, e.data]));
      expect(stored?.decisions.map((d) => [d.id, d.output])).toEqual(
        extra.decision ? [[extra.decision.id, extra.decision.output]] : [],
      );
      expect(timers.filter((t) => t.caseId === c.id).map((t) => [t.id, t.kind, t.dueAt])).toEqual(
        (extra.timers ?? []).map((t) => [t.id, t.kind, t.dueAt]),
      );
      expect(outbox.filter((m) => m.caseId === c.id).map((m) => m.url)).toEqual(
        extra.outbox ? [extra.outbox.url] : [],
      );
      for (const shadow of extra.shadows ?? []) {
        const copy = await store.cases.detail(shadow.case.id);
        expect(copy).toMatchObject({ overlapOf: c.id, input: c.input, slaDueAt: T0 + 5000 });
        expect(copy?.events.map((e) => e.type)).toEqual(["submitted", "routed"]);
        expect(timers.filter((t) => t.caseId === shadow.case.id)).toHaveLength(1);
      }
    }
  });

  it("stores the rest of a batch when one submit's later rows fail, and nothing of that one", async () => {
    // A batch is one transaction: a failure in any of its statements (here the webhooks', after the
    // cases' and events') undoes all of it, and each submit is then written alone (group-commit.ts).
    const store = db.store;
    const workflow = uniqueWorkflow();
    const first = write(0, workflow);
    await store.cases.insert(first.c, { ...first.extra, outbox: webhook(first.c.id, { id: "whk_taken" }) });
    const burst = [1, 2, 3, 4, 5].map((i) => write(i, workflow));
    const bad = burst[2] as (typeof burst)[number];
    bad.extra = { ...bad.extra, outbox: webhook(bad.c.id, { id: "whk_taken" }) };
    const results = await Promise.allSettled(burst.map(({ c, extra }) => store.cases.insert(c, extra)));
    expect(results.map((r) => r.status)).toEqual([
      "fulfilled",
      "fulfilled",
      "rejected",
      "fulfilled",
      "fulfilled",
    ]);
    for (const { c, extra } of burst) {
      const stored = await store.cases.detail(c.id);
      if (c === bad.c) expect(stored).toBeUndefined();
      else expect(stored?.events.map((e) => e.type)).toEqual(extra.events.map((e) => e.type));
    }
    expect((await store.audit.verify()).problems).toEqual([]);
  });

  it("gives each submit of a batch the case holding its key, and writes nothing for a repeat", async () => {
    const store = db.store;
    const workflow = uniqueWorkflow();
    const keys = ["b", "a", "b", null, "a", "c"];
    const burst = keys.map((key, i) => {
      const { c, extra } = write(i, workflow);
      return { c: { ...c, idempotencyKey: key }, extra: { ...extra, shadows: [] } };
    });
    const results = await Promise.all(burst.map(({ c, extra }) => store.cases.insert(c, extra)));
    // The first submit of a key creates the case; a later one in the same batch gets that case back.
    const firstOf = (i: number) => keys.indexOf(keys[i] ?? null);
    expect(results.map((r) => r.created)).toEqual(keys.map((k, i) => k === null || firstOf(i) === i));
    expect(results.map((r) => r.case.id)).toEqual(burst.map((_, i) => burst[firstOf(i)]?.c.id));
    for (const [i, { c }] of burst.entries()) {
      const stored = await store.cases.detail(c.id);
      if (firstOf(i) === i) expect(stored?.events.length).toBeGreaterThan(0);
      else expect(stored).toBeUndefined();
    }
    // The repeat's decision, timers and webhook were not written either.
    const timers = await store.timers.claim({ now: FAR, limit: 1000, leaseMs: 60_000 });
    const repeats = burst.filter((_, i) => firstOf(i) !== i).map(({ c }) => c.id);
    expect(timers.filter((t) => repeats.includes(t.caseId))).toEqual([]);
  });
});
