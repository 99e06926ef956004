import { afterAll, describe, expect, it } from "vitest";
import { startReceiver } from "../helpers/receiver.js";
import {
  ENGINES,
  freshStorage,
  startTestServer,
  type TestServer,
  type TestStorage,
} from "../helpers/server.js";
import { timerOverrides } from "../helpers/timers.js";

const HOUR = 3_600_000;
type Event = { type: string; actor: string; data: Record<string, unknown> };

describe.each(ENGINES)("SLA timeouts (%s)", (engine) => {
  const cleanups: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
  });
  let now = Date.parse("2026-11-04T09:00:00Z");

  async function start(storage?: TestStorage): Promise<TestServer> {
    const s = await startTestServer(
      engine,
      timerOverrides(() => now),
      storage,
    );
    let closed = false;
    const close = s.close;
    s.close = async () => {
      if (!closed) await close();
      closed = true;
    };
    cleanups.push(s.close);
    return s;
  }
  const events = async (s: TestServer, id: string): Promise<Event[]> =>
    (await (await s.call("GET", `/v1/cases/${id}`)).json()).events;

  it("rejects on timeout after a restart, once, with a reminder before", async () => {
    const receiver = await startReceiver();
    const storage = await freshStorage(engine);
    cleanups.push(storage.cleanup, receiver.close);
    const first = await start(storage);
    const automation = (await first.newKey("automation")).key;
    const submission = {
      workflow: "test.sla_reject",
      action: "pay",
      input: { amount: 5 },
      proposal: { pay: 5 },
      confidence: 0.9,
      callbackUrl: receiver.url,
    };
    const { id } = await (await first.call("POST", "/v1/cases", submission, automation)).json();
    const submittedAt = now;
    const view = await (await first.call("GET", `/v1/cases/${id}`)).json();
    expect(view.slaDueAt).toBe(new Date(submittedAt + HOUR).toISOString());

    // 80% of the window: a reminder, nothing else.
    now = submittedAt + 0.8 * HOUR - 1;
    expect(await first.timers.runOnce()).toBe(0);
    now = submittedAt + 0.8 * HOUR;
    expect(await first.timers.runOnce()).toBe(1);
    expect((await events(first, id)).filter((e) => e.type === "sla_reminder")).toHaveLength(1);

    // The server goes away mid-window; a new one on the same storage starts after the deadline.
    await first.close();
    now = submittedAt + HOUR + 5_000;
    const second = await start(storage);
    await second.timers.runOnce();
    expect(await second.timers.runOnce()).toBe(0);

    const detail = await (await second.call("GET", `/v1/cases/${id}`)).json();
    expect(detail.status).toBe("decided");
    expect(detail.decisions).toEqual([
      expect.objectContaining({ decidedBy: "sla", verdict: "reject", reasonCode: "sla_timeout" }),
    ]);
    expect(detail.events.filter((e: Event) => e.type === "decided")).toHaveLength(1);
    await receiver.until((d) => d.length === 1);
    expect(JSON.parse(receiver.deliveries[0]?.body ?? "{}")).toMatchObject({
      type: "case.decided",
      caseId: id,
      verdict: "reject",
      reasonCode: "sla_timeout",
      decidedBy: "sla",
    });
  });

  it("escalates to the named role with a handoff summary and a new deadline, after a restart", async () => {
    const storage = await freshStorage(engine);
    cleanups.push(storage.cleanup);
    const first = await start(storage);
    const automation = (await first.newKey("automation")).key;
    const alice = await first.newKey("reviewer");
    const submission = {
      workflow: "test.sla_escalate",
      action: "pay",
      input: { amount: 5 },
      proposal: { pay: 5 },
      confidence: 0.9,
    };
    const { id } = await (await first.call("POST", "/v1/cases", submission, automation)).json();
    const submittedAt = now;
    const claimed = await (await first.call("POST", "/v1/queue/claim", {}, alice.key)).json();
    expect(claimed.case.id).toBe(id);
    expect((await first.call("POST", `/v1/cases/${id}/release`, undefined, alice.key)).status).toBe(204);
    await first.close();

    now = submittedAt + 4 * HOUR;
    const second = await start(storage);
    await second.timers.runOnce(); // reminder, then timeout: both overdue, fired in due order
    expect(await second.timers.runOnce()).toBe(0);

    const detail = await (await second.call("GET", `/v1/cases/${id}`)).json();
    expect(detail).toMatchObject({
      status: "queued",
      escalatedTo: "lead",
      slaDueAt: new Date(now + 4 * HOUR).toISOString(),
    });
    expect(detail.handoff).toContain("Escalated to lead: no decision within 4h.");
    expect(detail.handoff).toContain("(released it)");
    const escalated = detail.events.filter((e: Event) => e.type === "escalated");
    expect(escalated).toEqual([
      expect.objectContaining({ actor: "sla", data: expect.objectContaining({ to: "lead" }) }),
    ]);

    // It now waits in the lead's queue: a reviewer without that role does not get it; a lead does.
    expect((await second.call("POST", "/v1/queue/claim", {}, alice.key)).status).toBe(204);
    const lead = await second.call("POST", "/v1/keys", {
      name: "lead-1",
      role: "reviewer",
      authorityRoles: ["lead"],
    });
    expect(lead.status).toBe(201);
    const leadKey = (await lead.json()).key as string;
    const taken = await second.call("POST", "/v1/queue/claim", {}, leadKey);
    expect(taken.status).toBe(200);
    expect((await taken.json()).case).toMatchObject({ id, escalatedTo: "lead" });
    expect((await second.call("POST", `/v1/cases/${id}/release`, undefined, leadKey)).status).toBe(204);

    // The new deadline passes too: recorded as breached, not escalated again.
    now += 4 * HOUR;
    await second.timers.runOnce();
    const after = await events(second, id);
    expect(after.filter((e) => e.type === "escalated")).toHaveLength(1);
    expect(after.filter((e) => e.type === "sla_breached")).toHaveLength(1);
  });

  it("approves on timeout where the policy allows it, once, with two processes racing", async () => {
    const storage = await freshStorage(engine);
    cleanups.push(storage.cleanup);
    const a = await start(storage);
    const b = await start(storage);
    const automation = (await a.newKey("automation")).key;
    const submission = {
      workflow: "test.sla_approve",
      action: "tag",
      input: {},
      proposal: { tag: "x" },
      confidence: 0.5,
    };
    const ids: string[] = [];
    for (let i = 0; i < 5; i++)
      ids.push((await (await a.call("POST", "/v1/cases", submission, automation)).json()).id);
    now += 30 * 60_000;
    await Promise.all([a.timers.runOnce(), b.timers.runOnce(), a.timers.runOnce(), b.timers.runOnce()]);
    await a.timers.runOnce();
    for (const id of ids) {
      const detail = await (await b.call("GET", `/v1/cases/${id}`)).json();
      expect(detail.status).toBe("decided");
      expect(detail.decisions).toEqual([
        expect.objectContaining({
          decidedBy: "sla",
          verdict: "approve",
          output: { tag: "x" },
          reasonCode: null,
        }),
      ]);
      expect(detail.events.filter((e: Event) => e.type === "decided")).toHaveLength(1);
    }
  });

  it("does nothing when the case was decided in time", async () => {
    const s = await start();
    cleanups.push(s.storage.cleanup);
    const automation = (await s.newKey("automation")).key;
    const submission = {
      workflow: "test.sla_reject",
      action: "pay",
      input: {},
      proposal: {},
      confidence: 0.9,
    };
    const { id } = await (await s.call("POST", "/v1/cases", submission, automation)).json();
    await s.call("POST", "/v1/queue/claim", {});
    expect((await s.call("POST", `/v1/cases/${id}/decisions`, { verdict: "approve" })).status).toBe(201);
    now += 2 * HOUR;
    expect(await s.timers.runOnce()).toBe(0);
    const detail = await (await s.call("GET", `/v1/cases/${id}`)).json();
    expect(detail.decisions).toHaveLength(1);
    expect(detail.events.map((e: Event) => e.type)).not.toContain("sla_reminder");
  });
});
