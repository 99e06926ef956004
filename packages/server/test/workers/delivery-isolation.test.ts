import { afterEach, describe, expect, it } from "vitest";
import { DestinationPolicy } from "../../src/webhooks/destinations.js";
import { OutboxWorker } from "../../src/workers/outbox.js";
import { ENGINES, useTestDatabase } from "../store/engines.js";
import { newCase, T0, webhook } from "../store/fixtures.js";
import { eventually, startReceiver } from "./receiver.js";

/**
 * One slow receiver must not delay anyone else's webhooks (issue 13, item 4). Before, a round claimed
 * ten messages and waited for all of them, so a receiver slow to answer held back every message behind
 * it. Now each destination gets at most `perDestination` deliveries at a time and the rest of the
 * claim goes on without waiting.
 */
describe.each(ENGINES)("delivery isolation (%s)", (engine) => {
  const t = useTestDatabase(engine, { per: "test" });
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function queue(url: string, createdAt: number) {
    const c = newCase({ status: "decided", route: "auto" });
    const m = webhook(c.id, { url, createdAt });
    await t.store.cases.insert(c, { events: [], outbox: m });
    return m;
  }

  it("delivers a fast receiver's webhook while a slow one's, queued before it, still wait for answers", async () => {
    // Bounded: the slow receiver answers after 2 s, well inside the worker's 10 s timeout.
    const slow = await startReceiver(() => ({ status: 200, afterMs: 2_000 }));
    const fast = await startReceiver();
    cleanups.push(slow.close, fast.close);
    // More slow messages than one claim holds, all due before the fast one: the old round took the
    // first ten (all slow) and waited for every answer before claiming again.
    for (let i = 0; i < 12; i++) await queue(slow.url, T0 + i);
    const quick = await queue(fast.url, T0 + 100);

    const w = new OutboxWorker({
      store: t.store,
      signingSecrets: async () => ["whsec_aXNvbGF0aW9u"],
      destinations: DestinationPolicy.fromText("127.0.0.1"),
      clock: Date.now,
      pollMs: 50,
      batchSize: 10,
      perDestination: 2,
    });
    cleanups.push(() => w.stop());
    w.start();

    await eventually(async () => fast.received.length === 1);
    // The ordering this is about: the fast webhook arrived before the slow receiver answered anything,
    // and the slow destination never had more than its two slots in flight.
    expect(slow.statuses).toEqual([]);
    expect(slow.received.length).toBeLessThanOrEqual(2);
    expect(fast.received[0]?.headers["webhook-id"]).toBe(quick.id);
    // The slow ones are only deferred, never lost: their first two are answered and recorded.
    await eventually(async () => slow.statuses.length >= 2);
  });

  it("never sends a message twice from one process when the clock passes its lease mid-delivery", async () => {
    // The receiver holds its answer while the test moves the clock past the lease and kicks new rounds:
    // the message is due again by the clock, but this process is still sending it.
    const held = await startReceiver(() => ({ status: 200, afterMs: 500 }));
    cleanups.push(held.close);
    const m = await queue(held.url, T0);
    let now = T0 + 1_000;
    const w = new OutboxWorker({
      store: t.store,
      signingSecrets: async () => ["whsec_aXNvbGF0aW9u"],
      destinations: DestinationPolicy.fromText("127.0.0.1"),
      clock: () => now,
      pollMs: 20,
      leaseMs: 30_000,
    });
    cleanups.push(() => w.stop());
    w.start();

    await eventually(async () => held.received.length === 1);
    now += 60_000;
    for (let i = 0; i < 5; i++) {
      w.kick();
      await new Promise((r) => setTimeout(r, 30));
    }
    await eventually(async () => held.statuses.length === 1);
    await w.stop();
    expect(held.received.map((r) => r.headers["webhook-id"])).toEqual([m.id]);
    const events = (await t.store.cases.detail(m.caseId))?.events ?? [];
    expect(events.filter((e) => e.type.startsWith("webhook_")).map((e) => e.type)).toEqual([
      "webhook_delivered",
    ]);
  });
});
