import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { collectReport } from "../../src/report/collect.js";
import { renderReport } from "../../src/report/html.js";
import { SuspensionCache } from "../../src/suspensions/cache.js";
import { DestinationPolicy } from "../../src/webhooks/destinations.js";
import { signingSecrets } from "../../src/webhooks/signing-secrets.js";
import { OutboxWorker } from "../../src/workers/outbox.js";
import { ownerKey } from "../helpers/owners.js";
import { startReceiver } from "../helpers/receiver.js";
import { ENGINES, startTestServer, type TestServer } from "../helpers/server.js";

/** test.stop (suspension → review, release held 10 min, SLA 30 min approve), test.stop_reject, test.elsewhere. */
const SUSPEND_POLICIES = fileURLToPath(new URL("../fixtures/suspend-policies", import.meta.url));
const MINUTE = 60_000;

describe.each(ENGINES)("the stop button: suspend and resume (%s)", (engine) => {
  let s: TestServer;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let outbox: OutboxWorker;
  let automation: string;
  let reviewer: { key: string; id: string };
  let owner: { key: string; id: string };
  let now = Date.parse("2026-11-05T09:00:00Z");
  const since = now;

  beforeAll(async () => {
    receiver = await startReceiver();
    s = await startTestServer(engine, {
      clock: () => now,
      policyDir: SUSPEND_POLICIES,
      // Timers and webhooks move when the test says (runOnce), on the test's clock.
      timers: { pollMs: 3_600_000 },
      webhook: { pollMs: 3_600_000, baseBackoffMs: 20 },
    });
    automation = (await s.newKey("automation", ["test.stop", "test.stop_reject"])).key;
    reviewer = await s.newKey("reviewer");
    owner = await ownerKey(s, "stop-owner");
    outbox = new OutboxWorker({
      store: s.store,
      signingSecrets: (who, at) => signingSecrets(s.store, who, at),
      destinations: DestinationPolicy.fromText("127.0.0.1"),
      clock: () => now,
      pollMs: 3_600_000,
    });
  });
  afterAll(async () => {
    await outbox.stop();
    await s.close();
    await receiver.close();
    await s.storage.cleanup();
  });

  const submit = (workflow: string, action: string, confidence: number, extra: object = {}) =>
    s.call(
      "POST",
      "/v1/cases",
      { workflow, action, input: { n: 1 }, proposal: { ok: true }, confidence, ...extra },
      automation,
    );
  const suspend = (body: object, token?: string, workflow = "test.stop") =>
    s.call("POST", `/v1/workflows/${workflow}/suspend`, body, token);
  const resume = (body: object, token?: string, workflow = "test.stop") =>
    s.call("POST", `/v1/workflows/${workflow}/resume`, body, token);
  const caseOf = async (id: string) => (await s.call("GET", `/v1/cases/${id}`)).json();

  it("refuses the stop button to a reviewer, another workflow's admin, an automation and an auditor", async () => {
    const otherAdmin = (await s.newKey("admin", ["test.elsewhere"])).key;
    const auditor = (await s.newKey("auditor", ["test.stop"])).key;
    for (const token of [reviewer.key, otherAdmin, automation, auditor]) {
      const stop = await suspend({ reason: "let me out" }, token);
      expect(stop.status).toBe(403);
      expect(stop.headers.get("content-type")).toMatch(/application\/problem\+json/);
      expect((await resume({}, token)).status).toBe(403);
    }
    // Another workflow's admin cannot even read the history.
    expect((await s.call("GET", "/v1/workflows/test.stop/suspensions", undefined, otherAdmin)).status).toBe(
      403,
    );
    const history = await s.call("GET", "/v1/workflows/test.stop/suspensions", undefined, auditor);
    expect(history.status).toBe(200);
    expect((await history.json()).items).toEqual([]);
    // Nothing was suspended by any of them: an auto case still goes through alone.
    const res = await submit("test.stop", "pay", 0.95);
    expect(await res.json()).toMatchObject({ route: "auto", status: "decided" });
  });

  it("names the field of a bad request: blank reason, unknown action, nothing to resume", async () => {
    const blank = await suspend({ reason: "   " });
    expect(blank.status).toBe(422);
    expect(await blank.json()).toMatchObject({ field: "/reason" });
    const missing = await suspend({});
    expect(missing.status).toBe(400);
    expect(JSON.stringify(await missing.json())).toContain("/reason");
    const action = await suspend({ reason: "x", action: "launch" });
    expect(action.status).toBe(422);
    expect(await action.json()).toMatchObject({ field: "/action" });
    const none = await resume({});
    expect(none.status).toBe(409);
    expect((await none.json()).detail).toMatch(/not suspended/);
  });

  it("routes auto cases to review while suspended (onSubmit: review); people keep deciding; no clock approves", async () => {
    const stopped = await suspend({ reason: "model drift on invoices" });
    expect(stopped.status).toBe(201);
    expect(await stopped.json()).toMatchObject({ workflow: "test.stop", action: null, inForce: true });
    expect((await suspend({ reason: "again" })).status).toBe(409);

    const first = await (await submit("test.stop", "pay", 0.95)).json();
    expect(first).toMatchObject({ route: "review", status: "queued" });
    expect(first.explanation.route).toBe("review");
    expect(first.explanation.reasons.at(-1)).toMatch(
      /workflow test.stop is suspended since .*model drift on invoices/,
    );

    // A reviewer still decides a case of the suspended workflow; the other one waits for its SLA.
    const other = await (await submit("test.stop", "tag", 0.95)).json();
    const claimed = await (
      await s.call("POST", "/v1/queue/claim", { workflows: ["test.stop"] }, reviewer.key)
    ).json();
    expect([first.id, other.id]).toContain(claimed.case.id);
    const decided = await s.call(
      "POST",
      `/v1/cases/${claimed.case.id}/decisions`,
      { verdict: "reject", reasonCode: "wrong" },
      reviewer.key,
    );
    expect(decided.status).toBe(201);
    const second = claimed.case.id === first.id ? other : first;

    // The second case's SLA (30 min, onTimeout approve) passes while suspended: the clock does not approve.
    now += 31 * MINUTE;
    await s.timers.runOnce();
    expect(await caseOf(second.id)).toMatchObject({ status: "queued" });
    expect((await caseOf(second.id)).decisions).toEqual([]);

    const resumed = await resume({ note: "retrained" });
    expect(resumed.status).toBe(200);
    expect(await resumed.json()).toMatchObject({ inForce: false, resumeNote: "retrained" });
    now += 2_000;
    await s.timers.runOnce();
    const after = await caseOf(second.id);
    expect(after).toMatchObject({ status: "decided" });
    expect(after.decisions[0]).toMatchObject({ decidedBy: "sla", verdict: "approve" });

    // Resumed: the machine acts alone again.
    expect(await (await submit("test.stop", "pay", 0.95)).json()).toMatchObject({ route: "auto" });
  });

  it("refuses every submission with a 503 naming the suspension (onSubmit: reject)", async () => {
    expect((await suspend({ reason: "incident 42" }, undefined, "test.stop_reject")).status).toBe(201);
    for (const confidence of [0.95, 0.2]) {
      const res = await submit("test.stop_reject", "pay", confidence);
      expect(res.status).toBe(503);
      expect(res.headers.get("content-type")).toMatch(/application\/problem\+json/);
      const problem = await res.json();
      expect(problem).toMatchObject({
        status: 503,
        title: "Workflow suspended",
        suspension: { workflow: "test.stop_reject", action: null, reason: "incident 42" },
      });
      expect(problem.detail).toMatch(/workflow test.stop_reject is suspended since .*incident 42/);
    }
    expect((await resume({}, undefined, "test.stop_reject")).status).toBe(200);
    expect((await submit("test.stop_reject", "pay", 0.95)).status).toBe(201);
  });

  it("suspends one action and leaves the others alone", async () => {
    const stopped = await suspend({ reason: "tags look wrong", action: "tag" });
    expect(stopped.status).toBe(201);
    expect(await stopped.json()).toMatchObject({ action: "tag" });
    expect(await (await submit("test.stop", "tag", 0.95)).json()).toMatchObject({ route: "review" });
    expect(await (await submit("test.stop", "pay", 0.95)).json()).toMatchObject({ route: "auto" });
    // Reject policy, one action: the other action is accepted.
    expect((await suspend({ reason: "r", action: "tag" }, undefined, "test.stop_reject")).status).toBe(201);
    expect((await submit("test.stop_reject", "tag", 0.95)).status).toBe(503);
    expect((await submit("test.stop_reject", "pay", 0.95)).status).toBe(201);
    // Resuming the whole workflow does not end an action's suspension: it names what it ends.
    expect((await resume({})).status).toBe(409);
    expect((await resume({ action: "tag" })).status).toBe(200);
    expect((await resume({ action: "tag" }, undefined, "test.stop_reject")).status).toBe(200);
    expect(await (await submit("test.stop", "tag", 0.95)).json()).toMatchObject({ route: "auto" });
  });

  it("keeps a held decision held past its time while suspended, and releases it after resume", async () => {
    now += MINUTE;
    const res = await submit("test.stop", "pay", 0.95, { callbackUrl: receiver.url });
    const c = await res.json();
    expect(c).toMatchObject({ route: "auto", status: "decided" });
    const releaseAt = now + 10 * MINUTE;

    // The owner presses the stop button.
    expect((await suspend({ reason: "payments paused by finance" }, owner.key)).status).toBe(201);
    now = releaseAt + 5 * MINUTE;
    expect(await s.timers.runOnce()).toBe(0);
    expect(await outbox.runOnce()).toBe(0);
    expect(receiver.deliveries).toHaveLength(0);
    const held = await s.call("GET", `/v1/cases/${c.id}/decision`);
    expect(held.status).toBe(202);
    expect(await held.json()).toMatchObject({ status: "releasing" });
    expect((await caseOf(c.id)).events.map((e: { type: string }) => e.type)).not.toContain(
      "decision_released",
    );

    expect((await resume({ note: "finance says go" }, owner.key)).status).toBe(200);
    // Held jobs are looked at again within HOLD_RECHECK_MS (1 s) of the resume.
    now += 2_000;
    // Earlier tests' held auto approvals are released in the same round.
    expect(await s.timers.runOnce()).toBeGreaterThanOrEqual(1);
    expect((await caseOf(c.id)).events.map((e: { type: string }) => e.type)).toContain("decision_released");
    expect((await s.call("GET", `/v1/cases/${c.id}/decision`)).status).toBe(200);
    await outbox.runOnce();
    await receiver.until((d) => d.length === 1);
    expect(JSON.parse(receiver.deliveries[0]?.body ?? "{}")).toMatchObject({ caseId: c.id });
  });

  it("records who suspended and resumed, when and why, in the history and the governance report", async () => {
    const history = await (await s.call("GET", "/v1/workflows/test.stop/suspensions")).json();
    expect(history.items.map((i: { reason: string }) => i.reason)).toEqual([
      "payments paused by finance",
      "tags look wrong",
      "model drift on invoices",
    ]);
    expect(history.items[0]).toMatchObject({
      suspendedBy: owner.id.startsWith("usr_") ? owner.id : expect.any(String),
      resumeNote: "finance says go",
      inForce: false,
    });
    const workflow = s.policies.workflows.get("test.stop");
    if (!workflow) throw new Error("test.stop not loaded");
    const data = await collectReport(s.store, { workflow, since, until: now + 1, now });
    expect(data.suspensions?.map((x) => x.reason)).toEqual([
      "model drift on invoices",
      "tags look wrong",
      "payments paused by finance",
    ]);
    expect(data.suspensions?.[2]).toMatchObject({ resumeNote: "finance says go", action: null });
    const html = renderReport(data);
    expect(html).toContain("Suspensions (stop button)");
    expect(html).toContain('data-suspensions="3"');
    expect(html).toContain("payments paused by finance");
    // Suspend and resume are in the tamper-evident audit log (its system chain), and it still verifies.
    await s.store.audit.checkpoint({ now: Date.now(), minAgeMs: 0 });
    expect((await s.store.audit.verify()).problems).toEqual([]);
    const systemTypes: unknown[] = [];
    for await (const chain of s.store.audit.chains()) {
      if (chain.id === "system") systemTypes.push(...chain.rows.map((r) => r.type));
    }
    expect(systemTypes.filter((t) => t === "workflow_suspended").length).toBeGreaterThanOrEqual(3);
    expect(systemTypes).toContain("workflow_resumed");
    // A window before any suspension says so.
    const before = await collectReport(s.store, { workflow, since: since - 60 * MINUTE, until: since, now });
    expect(before.suspensions).toEqual([]);
  });

  it("sees another process's suspension within a second, its own at once (the submit path's cache)", async () => {
    let t = 0;
    const cache = new SuspensionCache(s.store, { maxAgeMs: 1000, now: () => t });
    expect(await cache.covering("test.stop", "pay")).toBeUndefined();
    // Written by "another process": straight into the database, this cache not told.
    await s.store.suspensions.suspend({
      id: "sus_other_process",
      workflow: "test.stop",
      action: "pay",
      reason: "from the other server",
      by: "key_other",
      now,
    });
    t = 999;
    expect(await cache.covering("test.stop", "pay")).toBeUndefined();
    t = 1000;
    expect(await cache.covering("test.stop", "pay")).toMatchObject({ id: "sus_other_process" });
    expect(await cache.covering("test.stop", "tag")).toBeUndefined();
    // The process that resumes tells its cache: the change shows at once.
    await s.store.suspensions.resume({
      workflow: "test.stop",
      action: "pay",
      note: null,
      by: "key_other",
      now,
    });
    expect(await cache.covering("test.stop", "pay")).toMatchObject({ id: "sus_other_process" });
    cache.invalidate();
    expect(await cache.covering("test.stop", "pay")).toBeUndefined();
  });
});
