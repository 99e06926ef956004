import { NotFound } from "@loopgate/core";
import { describe, expect, it } from "vitest";
import type { NewEvent, NewOutboxMessage, Store } from "../../src/store/index.js";
import { ENGINES, useTestDatabase } from "./engines.js";
import { newCase, T0, webhook } from "./fixtures.js";

describe.each(ENGINES)("the webhook outbox (%s)", (engine) => {
  // claimOutbox sees every message in the database, so each test starts from an empty one.
  const t = useTestDatabase(engine, { per: "test" });

  /** A decided case with one webhook per entry of `createdAts`. */
  async function messages(createdAts: number[]): Promise<NewOutboxMessage[]> {
    const out: NewOutboxMessage[] = [];
    for (const createdAt of createdAts) {
      const c = newCase({ status: "decided" });
      const m = webhook(c.id, { createdAt });
      await t.store.cases.insert(c, { events: [], outbox: m });
      out.push(m);
    }
    return out;
  }

  const event = (m: NewOutboxMessage, type: NewEvent["type"], at: number, data = {}): NewEvent => ({
    type,
    caseId: m.caseId,
    actor: "system",
    data: { outboxId: m.id, ...data },
    at,
  });

  it("hands out due messages oldest first, up to the limit, and leases them", async () => {
    const [a, b, c, later] = await messages([T0 + 2, T0, T0 + 1, T0 + 1000]);
    const first = await t.store.outbox.claim({ now: T0 + 10, limit: 2, leaseMs: 500 });
    expect(first.map((m) => m.id)).toEqual([b?.id, c?.id]);
    expect(first[0]).toEqual({ ...b, attempts: 0, nextAttemptAt: T0 });
    expect((await t.store.outbox.claim({ now: T0 + 10, limit: 10, leaseMs: 500 })).map((m) => m.id)).toEqual([
      a?.id,
    ]);
    // Leased: nothing more until the leases run out, and `later` is not due yet.
    expect(await t.store.outbox.claim({ now: T0 + 509, limit: 10, leaseMs: 500 })).toEqual([]);
    const again = await t.store.outbox.claim({ now: T0 + 510, limit: 10, leaseMs: 500 });
    expect(again.map((m) => m.id)).toEqual([b?.id, c?.id, a?.id]);
    const due = await t.store.outbox.claim({ now: T0 + 1000, limit: 10, leaseMs: 500 });
    expect(due.map((m) => m.id)).toEqual([later?.id]);
  });

  it("gives each message to one of four concurrent workers on separate stores", async () => {
    const all = await messages(Array.from({ length: 60 }, (_, i) => T0 + i));
    const workers: Store[] = await Promise.all(Array.from({ length: 4 }, () => t.db.open()));
    const got: string[][] = workers.map(() => []);
    for (let more = true; more; ) {
      const round = await Promise.all(
        workers.map((w) => w.outbox.claim({ now: T0 + 100, limit: 4, leaseMs: 60_000 })),
      );
      round.forEach((claimed, n) => {
        got[n]?.push(...claimed.map((m) => m.id));
      });
      more = round.some((claimed) => claimed.length > 0);
    }
    const ids = got.flat();
    expect(ids).toHaveLength(60);
    expect(new Set(ids)).toEqual(new Set(all.map((m) => m.id)));
    expect(got.filter((g) => g.length > 0).length).toBeGreaterThan(1);
  });

  it("schedules a failed message for its next attempt, and gives up when told", async () => {
    const [m = webhook("x")] = await messages([T0]);
    await t.store.outbox.claim({ now: T0, limit: 10, leaseMs: 60_000 });
    await t.store.outbox.markFailed(
      m.id,
      T0 + 2_000,
      event(m, "webhook_failed", T0 + 5, { error: "HTTP 503" }),
    );
    // The failure ended the lease; the message waits for its retry time, not for the lease.
    expect(await t.store.outbox.claim({ now: T0 + 1_999, limit: 10, leaseMs: 60_000 })).toEqual([]);
    const [retry] = await t.store.outbox.claim({ now: T0 + 2_000, limit: 10, leaseMs: 60_000 });
    expect(retry).toMatchObject({ id: m.id, attempts: 1, nextAttemptAt: T0 + 2_000 });

    await t.store.outbox.markFailed(
      m.id,
      null,
      event(m, "webhook_failed", T0 + 2_001, { error: "HTTP 500" }),
    );
    expect(await t.store.outbox.claim({ now: T0 + 10_000_000, limit: 10, leaseMs: 1 })).toEqual([]);
    const events = (await t.store.cases.detail(m.caseId))?.events ?? [];
    expect(events.map((e) => [e.type, e.data.error])).toEqual([
      ["webhook_failed", "HTTP 503"],
      ["webhook_failed", "HTTP 500"],
    ]);
  });

  it("never hands out a delivered message again", async () => {
    const [m = webhook("x")] = await messages([T0]);
    await t.store.outbox.claim({ now: T0, limit: 10, leaseMs: 100 });
    await t.store.outbox.markDelivered(m.id, event(m, "webhook_delivered", T0 + 7, { status: 200 }));
    expect(await t.store.outbox.claim({ now: T0 + 10_000_000, limit: 10, leaseMs: 100 })).toEqual([]);
    const events = (await t.store.cases.detail(m.caseId))?.events ?? [];
    expect(events).toMatchObject([
      { type: "webhook_delivered", at: T0 + 7, data: { outboxId: m.id, status: 200 } },
    ]);
  });

  it("reports NotFound for an unknown message", async () => {
    const m = webhook("no-case", { id: "no-such-message" });
    await expect(
      t.store.outbox.markDelivered(m.id, event(m, "webhook_delivered", T0)),
    ).rejects.toBeInstanceOf(NotFound);
    await expect(
      t.store.outbox.markFailed(m.id, null, event(m, "webhook_failed", T0)),
    ).rejects.toBeInstanceOf(NotFound);
  });
});
