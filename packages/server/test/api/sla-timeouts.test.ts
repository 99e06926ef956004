import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { main } from "../../src/cli/main.js";
import { startReceiver } from "../helpers/receiver.js";

type Receiver = Awaited<ReturnType<typeof startReceiver>>;

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
const TIMER_POLICIES = fileURLToPath(new URL("../fixtures/timer-policies", import.meta.url));
/** test.sla_approve as it was when the approve test's cases were queued: a person approves or does all. */
const QUEUED_POLICIES = fileURLToPath(new URL("../fixtures/timer-policies-queued", import.meta.url));

/** A tag for test.sla_approve: the machine may do it alone at this confidence (threshold 0.99). */
const tag = (overrides: Record<string, unknown> = {}) => ({
  workflow: "test.sla_approve",
  action: "tag",
  input: {},
  proposal: { tag: "x" },
  confidence: 0.995,
  ...overrides,
});

describe.each(ENGINES)("SLA timeouts (%s)", (engine) => {
  const cleanups: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
  });
  let now = Date.parse("2026-11-04T09:00:00Z");

  async function start(storage?: TestStorage, policyDir?: string): Promise<TestServer> {
    const s = await startTestServer(
      engine,
      { ...timerOverrides(() => now), ...(policyDir && { policyDir }) },
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

  it("approves on timeout what the policy now lets the machine do alone, once, with two processes racing", async () => {
    // Queued under a policy where a person approves every tag; the server comes back on one that lets
    // the machine tag alone at this confidence, so when the deadline passes the clock may approve.
    const receiver = await startReceiver();
    const storage = await freshStorage(engine);
    cleanups.push(storage.cleanup, receiver.close);
    const before = await start(storage, QUEUED_POLICIES);
    const automation = await before.newKey("automation");
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await before.call("POST", "/v1/cases", tag({ callbackUrl: receiver.url }), automation.key);
      const queued = await res.json();
      expect(queued).toMatchObject({ route: "review", status: "queued" });
      ids.push(queued.id);
    }
    await before.close();

    const a = await start(storage);
    const b = await start(storage);
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
    await receiver.until((d) => d.length === ids.length);
    for (const d of receiver.deliveries) {
      expect(JSON.parse(d.body)).toMatchObject({ verdict: "approve", decidedBy: "sla", humanOwned: false });
    }
  });
  /** The escalation an approve refused on timeout: to `lead`, saying why, with nothing decided. */
  async function refusedOnTimeout(s: TestServer, id: string, because: RegExp) {
    const detail = await (await s.call("GET", `/v1/cases/${id}`)).json();
    expect(detail).toMatchObject({ status: "queued", escalatedTo: "lead", decisions: [] });
    expect(detail.handoff).toMatch(/not approved on timeout/);
    const escalated = detail.events.filter((e: Event) => e.type === "escalated");
    expect(escalated).toEqual([
      expect.objectContaining({
        actor: "sla",
        data: expect.objectContaining({ to: "lead", onTimeout: "approve", approveRefused: true }),
      }),
    ]);
    expect(escalated[0].data.refusedBecause).toMatch(because);
    expect(detail.events.map((e: Event) => e.type)).not.toContain("decided");
  }

  /** A person (the admin: escalated cases go to the role or an admin) rejects; the only webhook is theirs. */
  async function onlyThePersonsWebhook(s: TestServer, id: string, receiver: Receiver) {
    expect((await s.call("POST", "/v1/queue/claim", {})).status).toBe(200);
    const rejected = await s.call("POST", `/v1/cases/${id}/decisions`, {
      verdict: "reject",
      reasonCode: "wrong",
    });
    expect(rejected.status).toBe(201);
    await receiver.until((d) => d.some((x) => JSON.parse(x.body).caseId === id));
    const sent = receiver.deliveries.map((d) => JSON.parse(d.body)).filter((b) => b.caseId === id);
    expect(sent).toEqual([
      expect.objectContaining({ verdict: "reject", decidedBy: expect.not.stringMatching(/^sla$/) }),
    ]);
    return sent[0];
  }

  it("never approves on timeout a case below its class's threshold: escalates it, no approve webhook", async () => {
    const receiver = await startReceiver();
    const s = await start();
    cleanups.push(s.storage.cleanup, receiver.close);
    const automation = (await s.newKey("automation")).key;
    const res = await s.call(
      "POST",
      "/v1/cases",
      tag({ confidence: 0.2, callbackUrl: receiver.url }),
      automation,
    );
    const { id, route } = await res.json();
    expect(route).toBe("review");
    now += 30 * 60_000;
    await s.timers.runOnce();
    await refusedOnTimeout(s, id, /confidence 0\.20 is below only's threshold 0\.99/);
    await onlyThePersonsWebhook(s, id, receiver);
  });

  it("never approves on timeout a case an escalation trigger sent to a person", async () => {
    const receiver = await startReceiver();
    const s = await start();
    cleanups.push(s.storage.cleanup, receiver.close);
    const automation = (await s.newKey("automation")).key;
    const flagged = tag({ input: { flagged: true }, callbackUrl: receiver.url });
    const { id, explanation } = await (await s.call("POST", "/v1/cases", flagged, automation)).json();
    expect(explanation).toMatchObject({ route: "review", triggers: ["flagged"] });
    now += 30 * 60_000;
    await s.timers.runOnce();
    await refusedOnTimeout(s, id, /trigger flagged/);
    await onlyThePersonsWebhook(s, id, receiver);
  });

  it("never approves on timeout a human_only case, even once the policy lets the machine do the action", async () => {
    // Queued as human_only (a person was asked to close it); the policy now has close as auto and the
    // confidence meets the threshold, yet the clock must not hand the machine's proposal back to run.
    const receiver = await startReceiver();
    const storage = await freshStorage(engine);
    cleanups.push(storage.cleanup, receiver.close);
    const before = await start(storage, QUEUED_POLICIES);
    const automation = (await before.newKey("automation")).key;
    const close = tag({
      action: "close",
      proposal: { close: "acct-1" },
      confidence: 1,
      callbackUrl: receiver.url,
    });
    const { id, route } = await (await before.call("POST", "/v1/cases", close, automation)).json();
    expect(route).toBe("human_only");
    await before.close();

    const after = await start(storage);
    now += 30 * 60_000;
    await after.timers.runOnce();
    await refusedOnTimeout(after, id, /routed human_only/);
    const sent = await onlyThePersonsWebhook(after, id, receiver);
    expect(sent).toMatchObject({ humanOwned: true, output: null });
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

/** A policy whose clock could approve what a person must decide never loads: not at start-up, not in CI. */
describe("approve on timeout, refused by policy validation", () => {
  const dirs: string[] = [];
  afterEach(() => {
    vi.restoreAllMocks();
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  /** A policy directory holding test.sla_approve with one action at `boundary`, the rest as the fixture. */
  function policyWith(boundary: "review" | "human_only"): string {
    const dir = mkdtempSync(join(tmpdir(), "loopgate-approve-"));
    dirs.push(dir);
    const fixture = readFileSync(join(TIMER_POLICIES, "approve.yaml"), "utf8");
    const text = fixture.replace("close: { boundary: auto }", `close: { boundary: ${boundary} }`);
    expect(text).not.toBe(fixture);
    writeFileSync(join(dir, "approve.yaml"), text);
    return dir;
  }
  /** The line of `onTimeout: approve` in the fixture (the issue points at it). */
  const onTimeoutLine = () =>
    readFileSync(join(TIMER_POLICIES, "approve.yaml"), "utf8")
      .split("\n")
      .findIndex((l) => l.includes("onTimeout: approve")) + 1;

  for (const boundary of ["review", "human_only"] as const) {
    it(`refuses onTimeout approve with a ${boundary} action at start-up, naming file:line`, async () => {
      const dir = policyWith(boundary);
      const storage = await freshStorage("sqlite");
      const err = await startTestServer("sqlite", { policyDir: dir }, storage).catch((e: unknown) => e);
      await storage.cleanup();
      expect(err).toBeInstanceOf(Error);
      const message = (err as Error).message;
      expect(message).toMatch(new RegExp(`approve\\.yaml:${onTimeoutLine()}:\\d+ sla\\.onTimeout`));
      expect(message).toContain(`action "close" has boundary ${boundary}`);
    });

    it(`refuses onTimeout approve with a ${boundary} action in loopgate policy validate`, async () => {
      const dir = policyWith(boundary);
      const err: string[] = [];
      vi.spyOn(console, "log").mockImplementation(() => undefined);
      vi.spyOn(console, "error").mockImplementation((...a) => void err.push(a.join(" ")));
      expect(await main(["policy", "validate", dir])).toBe(1);
      expect(err.join("\n")).toMatch(new RegExp(`approve\\.yaml:${onTimeoutLine()}:\\d+ sla\\.onTimeout`));
      expect(err.join("\n")).toContain(`action "close" has boundary ${boundary}`);
    });
  }

  it("loads the fixture itself: every action auto, every class with a threshold", async () => {
    vi.spyOn(console, "log").mockImplementation(() => undefined);
    vi.spyOn(console, "error").mockImplementation(() => undefined);
    expect(await main(["policy", "validate", TIMER_POLICIES])).toBe(0);
  });
});
