import { Webhook } from "standardwebhooks";
import { afterEach, describe, expect, it } from "vitest";
import type { EventRecord, NewOutboxMessage, Store } from "../../src/store/index.js";
import { DestinationPolicy } from "../../src/webhooks/destinations.js";
import { OutboxWorker, type OutboxWorkerOptions, retryDelayMs } from "../../src/workers/outbox.js";
import { ENGINES, useTestDatabase } from "../store/engines.js";
import { newCase, T0, webhook } from "../store/fixtures.js";
import { eventually, startReceiver } from "./receiver.js";

const SECRET = `whsec_${Buffer.from("delivery secret").toString("base64")}`;
/** The receivers listen on loopback, which deliveries reach only when allowed. */
const LOOPBACK = DestinationPolicy.fromText("127.0.0.1");

describe.each(ENGINES)("webhook delivery (%s)", (engine) => {
  const t = useTestDatabase(engine, { per: "test" });
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function receiver(...args: Parameters<typeof startReceiver>) {
    const r = await startReceiver(...args);
    cleanups.push(r.close);
    return r;
  }

  function worker(options: Partial<OutboxWorkerOptions> & { store?: Store } = {}) {
    const w = new OutboxWorker({
      store: t.store,
      signingSecrets: async (keyId) => (keyId === "key_automation" ? [SECRET] : undefined),
      destinations: LOOPBACK,
      clock: Date.now,
      baseBackoffMs: 20,
      pollMs: 10,
      ...options,
    });
    cleanups.push(() => w.stop());
    return w;
  }

  /** A decided case whose webhook goes to `url`. */
  async function decidedCase(url: string, overrides: Partial<NewOutboxMessage> = {}, store = t.store) {
    const c = newCase({ status: "decided", route: "auto" });
    const m = webhook(c.id, { url, createdAt: T0, ...overrides });
    await store.cases.insert(c, { events: [], outbox: m });
    return m;
  }

  const webhookEvents = async (caseId: string, store = t.store): Promise<EventRecord[]> =>
    ((await store.cases.detail(caseId))?.events ?? []).filter((e) => e.type.startsWith("webhook_"));

  it("retries a receiver that fails twice, then delivers exactly once, signed", async () => {
    const r = await receiver((n) => (n < 2 ? 503 : 200));
    const m = await decidedCase(r.url);
    // Real time: a Standard Webhooks verifier checks the timestamp against its own clock.
    let now = Date.now();
    const w = worker({ clock: () => now });

    expect(await w.runOnce()).toBe(1);
    expect(await w.runOnce()).toBe(0); // not due again before its backoff
    now += 1_000;
    expect(await w.runOnce()).toBe(1);
    now += 1_000;
    expect(await w.runOnce()).toBe(1);
    now += 10_000_000;
    expect(await w.runOnce()).toBe(0); // delivered: never again

    expect(r.statuses).toEqual([503, 503, 200]);
    for (const { headers, body } of r.received) {
      expect(body).toBe(m.body);
      expect(headers).toMatchObject({
        "content-type": "application/json",
        "user-agent": "loopgate",
        "webhook-id": m.id,
      });
      // The legacy header is off unless the operator asks for it.
      expect(headers["loopgate-signature"]).toBeUndefined();
    }
    const last = r.received[2];
    expect(new Webhook(SECRET).verify(last?.body ?? "", last?.headers as Record<string, string>)).toEqual(
      JSON.parse(m.body),
    );

    const events = await webhookEvents(m.caseId);
    expect(events.map((e) => [e.type, e.data.attempt])).toEqual([
      ["webhook_failed", 1],
      ["webhook_failed", 2],
      ["webhook_delivered", 3],
    ]);
    expect(events[0]?.data).toMatchObject({ outboxId: m.id, status: 503, error: "failed: HTTP 503" });
    expect(events[0]?.data.nextAttemptAt).toBeGreaterThan(T0);
    expect(events[2]?.data).toMatchObject({ outboxId: m.id, status: 200 });
  });

  it("does the same on its own once started, polling with real time", async () => {
    const r = await receiver((n) => (n < 2 ? 500 : 204));
    const m = await decidedCase(r.url, { createdAt: Date.now() });
    worker().start();
    const events = await eventually(async () => {
      const e = await webhookEvents(m.caseId);
      return e.some((x) => x.type === "webhook_delivered") && e;
    });
    expect(events.map((e) => e.type)).toEqual(["webhook_failed", "webhook_failed", "webhook_delivered"]);
    expect(r.statuses).toEqual([500, 500, 204]);
  });

  it("gives up after maxAttempts and leaves the message alone from then on", async () => {
    const r = await receiver(() => 500);
    const m = await decidedCase(r.url);
    let now = T0;
    const w = worker({ clock: () => now, maxAttempts: 3 });
    for (let i = 0; i < 3; i++) {
      expect(await w.runOnce()).toBe(1);
      now += 60_000;
    }
    expect(await w.runOnce()).toBe(0);
    expect(r.received).toHaveLength(3);
    const events = await webhookEvents(m.caseId);
    expect(events.map((e) => e.data.nextAttemptAt === null)).toEqual([false, false, true]);
  });

  it("counts a timeout, a refused connection, a redirect and a missing secret as failures", async () => {
    const hanging = await receiver(() => "hang");
    const redirecting = await receiver(() => ({ status: 302, headers: { location: "http://127.0.0.1:1/" } }));
    const closed = await startReceiver();
    await closed.close();
    const slow = await decidedCase(hanging.url);
    const refused = await decidedCase(closed.url);
    const redirected = await decidedCase(redirecting.url);
    const unsigned = await decidedCase(redirecting.url, { keyId: "key_deleted" });

    const w = worker({ clock: () => T0, timeoutMs: 200 });
    expect(await w.runOnce()).toBe(4);
    const errorOf = async (m: NewOutboxMessage) =>
      (await webhookEvents(m.caseId)).map((e) => [e.type, e.data.error]);
    // The automation reads these events: never the socket error, which would map the network for it.
    expect(await errorOf(slow)).toEqual([["webhook_failed", "failed"]]);
    expect(await errorOf(refused)).toEqual([["webhook_failed", "failed"]]);
    expect(await errorOf(redirected)).toEqual([["webhook_failed", "failed: HTTP 302"]]);
    expect(await errorOf(unsigned)).toEqual([["webhook_failed", "no signing secret for key key_deleted"]]);
    // Nothing unsigned was sent: the redirecting receiver saw one request, the redirected message's.
    expect(redirecting.received).toHaveLength(1);
  });

  it("delivers at once when kicked, without waiting for the next poll", async () => {
    const r = await receiver();
    const w = worker({ pollMs: 3_600_000 });
    w.start();
    const m = await decidedCase(r.url, { createdAt: Date.now() });
    w.kick();
    await eventually(async () => (await webhookEvents(m.caseId)).length === 1);
    expect(r.statuses).toEqual([200]);
  });

  it("finishes and records the deliveries in flight before stop() resolves", async () => {
    const r = await receiver(() => ({ status: 200, afterMs: 150 }));
    const w = worker();
    const m = await decidedCase(r.url, { createdAt: Date.now() });
    w.start();
    await eventually(async () => r.received.length === 1);
    await w.stop();
    expect((await webhookEvents(m.caseId)).map((e) => e.type)).toEqual(["webhook_delivered"]);
  });

  it("survives a restart: a new store and worker on the same database finish the retries", async () => {
    let healthy = false;
    const r = await receiver(() => (healthy ? 200 : 500));
    const first = await t.db.open();
    const m = await decidedCase(r.url, { createdAt: Date.now() }, first);
    const before = worker({ store: first });
    before.start();
    await eventually(async () => (await webhookEvents(m.caseId)).length >= 1);
    await before.stop();
    await first.close();

    healthy = true;
    const second = await t.db.open();
    worker({ store: second }).start();
    const events = await eventually(async () => {
      const e = await webhookEvents(m.caseId, second);
      return e.some((x) => x.type === "webhook_delivered") && e;
    });
    expect(events.at(-1)?.type).toBe("webhook_delivered");
    expect(events.slice(0, -1).every((e) => e.type === "webhook_failed")).toBe(true);
    expect(r.statuses.filter((s) => s === 200)).toHaveLength(1);
  });
});

describe("retry backoff", () => {
  const o = { baseBackoffMs: 1000, maxBackoffMs: 3_600_000 };
  it("doubles from the base with each failed attempt, less at most 10% jitter", () => {
    expect([0, 1, 2, 3].map((n) => retryDelayMs(n, o, () => 0))).toEqual([1000, 2000, 4000, 8000]);
    expect(retryDelayMs(3, o, () => 1)).toBe(7200);
    for (let n = 0; n < 12; n++) {
      const d = retryDelayMs(n, o);
      expect(d).toBeLessThanOrEqual(1000 * 2 ** n);
      expect(d).toBeGreaterThanOrEqual(900 * 2 ** n);
    }
  });

  it("never waits longer than maxBackoffMs", () => {
    expect(retryDelayMs(40, o, () => 0)).toBe(3_600_000);
    expect(retryDelayMs(12, o, () => 0.5)).toBe(3_420_000);
  });
});
