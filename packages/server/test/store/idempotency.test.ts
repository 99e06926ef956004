import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { Store } from "../../src/store/index.js";
import { ENGINES, useTestDatabase } from "./engines.js";
import { newCase, submitted, T0, uniqueWorkflow, webhook } from "./fixtures.js";

describe.each(ENGINES)("idempotent, atomic submits (%s)", (engine) => {
  const t = useTestDatabase(engine);

  it("returns the existing case, unchanged, for a second submit with the same key", async () => {
    const first = newCase({ workflow: uniqueWorkflow(), idempotencyKey: "k-1" });
    const retry = { ...first, id: randomUUID(), input: { amount: 1 }, createdAt: T0 + 1000 };
    const a = await t.store.cases.insert(first, { events: submitted(first) });
    const b = await t.store.cases.insert(retry, { events: submitted(retry), outbox: webhook(retry.id) });
    expect(a.created).toBe(true);
    expect(b.created).toBe(false);
    expect(b.case).toEqual(a.case);
    expect(await t.store.cases.get(retry.id)).toBeUndefined();
    expect((await t.store.cases.detail(first.id))?.events).toHaveLength(2);
    const pending = await t.store.outbox.claim({ now: T0 + 10_000, limit: 100, leaseMs: 1000 });
    expect(pending.filter((m) => m.caseId === first.id || m.caseId === retry.id)).toEqual([]);
  });

  it("scopes keys to the workflow, and never matches cases without a key", async () => {
    const a = newCase({ workflow: uniqueWorkflow(), idempotencyKey: "same" });
    const b = newCase({ workflow: uniqueWorkflow(), idempotencyKey: "same" });
    const c = newCase({ workflow: a.workflow, idempotencyKey: null });
    const d = newCase({ workflow: a.workflow, idempotencyKey: null });
    for (const x of [a, b, c, d]) {
      expect((await t.store.cases.insert(x, { events: [] })).created).toBe(true);
    }
  });

  it("stores exactly one case when twenty identical submits race on four stores", async () => {
    const stores: Store[] = [t.store, await t.db.open(), await t.db.open(), await t.db.open()];
    const template = newCase({ workflow: uniqueWorkflow(), idempotencyKey: "race" });
    const attempts = Array.from({ length: 20 }, () => ({ ...template, id: randomUUID() }));
    const results = await Promise.all(
      attempts.map((c, i) => (stores[i % stores.length] as Store).cases.insert(c, { events: submitted(c) })),
    );
    expect(results.filter((r) => r.created)).toHaveLength(1);
    const winner = results.find((r) => r.created)?.case.id;
    expect(new Set(results.map((r) => r.case.id))).toEqual(new Set([winner]));
    const rows = await Promise.all(attempts.map((c) => t.store.cases.get(c.id)));
    expect(rows.filter((r) => r !== undefined)).toHaveLength(1);
    expect((await t.store.cases.detail(winner ?? ""))?.events).toHaveLength(2);
  });

  it("leaves nothing behind when the webhook row of a submit fails", async () => {
    const earlier = newCase({ workflow: uniqueWorkflow() });
    const taken = webhook(earlier.id);
    await t.store.cases.insert(earlier, { events: [], outbox: taken });

    const c = newCase({ workflow: earlier.workflow, idempotencyKey: "atomic" });
    // Same outbox id as an existing row: the last statement of the transaction violates the primary key.
    await expect(
      t.store.cases.insert(c, { events: submitted(c), outbox: { ...webhook(c.id), id: taken.id } }),
    ).rejects.toThrow();
    expect(await t.store.cases.get(c.id)).toBeUndefined();
    expect(await t.store.cases.detail(c.id)).toBeUndefined();
    // The key is still free: a corrected retry creates the case.
    expect((await t.store.cases.insert(c, { events: submitted(c) })).created).toBe(true);
    expect((await t.store.cases.detail(c.id))?.events).toHaveLength(2);
  });

  it("leaves nothing behind when the policy decision of a submit fails", async () => {
    const c = newCase({ workflow: uniqueWorkflow(), status: "decided", route: "auto" });
    const decision = {
      id: randomUUID(),
      decidedBy: "policy",
      verdict: "approve" as const,
      output: null,
      reasonCode: null,
      note: null,
      claimedAt: null,
      decidedAt: T0,
      heldMs: null,
    };
    const other = newCase({ workflow: c.workflow });
    await t.store.cases.insert(other, { events: [], decision });
    await expect(t.store.cases.insert(c, { events: submitted(c), decision })).rejects.toThrow();
    expect(await t.store.cases.get(c.id)).toBeUndefined();
  });
});
