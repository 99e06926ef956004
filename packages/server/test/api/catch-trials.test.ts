import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startReceiver } from "../helpers/receiver.js";
import { reviewerKey } from "../helpers/review-rules.js";
import { ENGINES, startTestServer, type TestServer } from "../helpers/server.js";
import { claim, decide, goldRefund, SHADOW_POLICIES, shapeOf } from "../helpers/shadows.js";

const T0 = Date.parse("2026-11-02T09:00:00Z");
const HOUR = 3_600_000;

describe.each(ENGINES)("catch trials (%s)", (engine) => {
  let s: TestServer;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let automation: { key: string; id: string };
  let ada: { key: string; id: string };
  let bob: { key: string; id: string };
  let now = T0;
  let goldId: string;

  /** A refund of shadow.catch that waits for a person (class high). */
  const submit = async (o: Record<string, unknown> = {}) => {
    const res = await s.call(
      "POST",
      "/v1/cases",
      {
        workflow: "shadow.catch",
        action: "refund",
        input: { amount: 4000, payee: "Bolt" },
        proposal: { refund: 4000, to: "Bolt" },
        confidence: 0.9,
        ...o,
      },
      automation.key,
    );
    expect(res.status).toBeLessThan(300);
    return (await res.json()) as { id: string; route: string };
  };
  /** Claims both cases a submit queued; returns [real, trial] by telling them apart in the store. */
  const claimPair = async (token: string, realId: string) => {
    const first = await claim(s, token, "shadow.catch");
    const second = await claim(s, token, "shadow.catch");
    expect([first, second]).toContain(realId);
    const trial = (first === realId ? second : first) as string;
    expect((await s.store.cases.get(trial))?.goldId).toBe(goldId);
    return trial;
  };
  /** Decides a real case and its trial, so the next test starts with an empty queue. */
  const settle = async (token: string, ids: string[]) => {
    for (const id of ids) {
      await decide(s, token, id, (await s.store.cases.get(id))?.goldId ? "reject" : "approve");
    }
  };
  /** Webhooks written but not delivered yet (the outbox worker may hold a lease on some). */
  const pendingWebhooks = async () =>
    (await s.store.outbox.claim({ now: now + 1000 * HOUR, limit: 100, leaseMs: 1 })).map((m) => m.caseId);

  beforeAll(async () => {
    receiver = await startReceiver();
    s = await startTestServer(engine, { policyDir: SHADOW_POLICIES, clock: () => now });
    automation = await s.newKey("automation");
    ada = await reviewerKey(s, "Ada");
    bob = await reviewerKey(s, "Bob");
    const res = await s.call("POST", "/v1/workflows/shadow.catch/gold", {
      items: [goldRefund({ subject: "S-77" })],
    });
    expect(res.status).toBe(201);
    goldId = (await res.json()).ids[0];
  });
  afterAll(async () => {
    await s.close();
    await s.storage.cleanup();
    await receiver.close();
  });

  it("mixes no catch trial into a case the policy decides alone, nor into an idempotent retry", async () => {
    const auto = await submit({
      action: "pay",
      input: { amount: 100 },
      proposal: { pay: 100 },
      confidence: 0.95,
    });
    expect(auto.route).toBe("auto");
    expect(await claim(s, ada.key, "shadow.catch")).toBeNull();

    const first = await submit({ idempotencyKey: "R-1" });
    const retry = await submit({ idempotencyKey: "R-1" });
    expect(retry.id).toBe(first.id);
    const trial = await claimPair(ada.key, first.id);
    expect(await claim(s, ada.key, "shadow.catch")).toBeNull();
    await settle(ada.key, [first.id, trial]);
  });

  it("builds the trial like a submitted case: queued, routed now, same submitter, SLA timers, no callback", async () => {
    now += HOUR;
    const real = await submit({ subject: "S-77" });
    const trialId = await claimPair(bob.key, real.id);
    const trial = await s.store.cases.detail(trialId);
    expect(trial).toMatchObject({
      workflow: "shadow.catch",
      action: "refund",
      route: "review",
      riskClass: "high",
      input: { amount: 2500, payee: "Acme" },
      subject: "S-77",
      submittedBy: automation.id,
      callbackUrl: null,
      idempotencyKey: null,
      createdAt: now,
      slaDueAt: now + 4 * HOUR,
      goldId,
      overlapOf: null,
    });
    expect(trial?.events.map((e) => [e.type, e.actor])).toEqual([
      ["submitted", automation.id],
      ["routed", "policy"],
      ["claimed", bob.id],
    ]);
    await settle(bob.key, [real.id, trialId]);
  });

  it("shows reviewers a catch trial exactly like a real case, and hides it from the automation", async () => {
    now += HOUR;
    const real = await submit({ subject: "S-77" });
    const first = await s.call("POST", "/v1/queue/claim", { workflows: ["shadow.catch"] }, ada.key);
    const second = await s.call("POST", "/v1/queue/claim", { workflows: ["shadow.catch"] }, ada.key);
    const claimed = [(await first.json()).case, (await second.json()).case];
    expect(claimed.map((c) => c.id)).toContain(real.id);
    expect(shapeOf(claimed[0])).toEqual(shapeOf(claimed[1]));

    const get = async (id: string, token?: string) => s.call("GET", `/v1/cases/${id}`, undefined, token);
    const trialId = (await s.store.cases.get(claimed[0].id))?.goldId ? claimed[0].id : claimed[1].id;
    const realView = await (await get(real.id, ada.key)).json();
    const trialView = await (await get(trialId, ada.key)).json();
    expect(shapeOf(trialView)).toEqual(shapeOf(realView));
    expect(JSON.stringify(trialView)).not.toMatch(/goldId|overlapOf|gold_/);
    // The subject's history never lists a catch trial: it never happened to the subject. (Both views
    // list the earlier real case of the subject, so their shapes compare history entries too.)
    expect(realView.history.map((h: { id: string }) => h.id)).not.toContain(trialId);
    expect(realView.history).toHaveLength(1);

    expect((await get(trialId, automation.key)).status).toBe(404);
    const decision = await s.call("GET", `/v1/cases/${trialId}/decision`, undefined, automation.key);
    expect(decision.status).toBe(404);
    const outcome = await s.call(
      "POST",
      `/v1/cases/${trialId}/outcome`,
      { result: "correct" },
      automation.key,
    );
    expect(outcome.status).toBe(404);
    expect((await get(real.id, automation.key)).status).toBe(200);
    await settle(
      ada.key,
      claimed.map((c) => c.id),
    );
  });

  it("scores decisions on catch trials per reviewer, and sends none of them to the automation", async () => {
    now += HOUR;
    const since = new Date(now).toISOString();
    // Each submit queues a real case and a trial: Ada decides the first trial, Bob the next, Ada the last.
    const real: Array<{ id: string; token: string }> = [];
    const trials: string[] = [];
    const decideNextPair = async (token: string, trialVerdict: "approve" | "reject") => {
      await submit({ callbackUrl: receiver.url });
      const a = (await claim(s, token, "shadow.catch")) as string;
      const b = (await claim(s, token, "shadow.catch")) as string;
      for (const id of [a, b]) {
        if ((await s.store.cases.get(id))?.goldId) {
          trials.push(id);
          await decide(s, token, id, trialVerdict);
        } else {
          real.push({ id, token });
        }
      }
      return [a, b];
    };
    await decideNextPair(ada.key, "approve"); // a miss: the gold proposal is wrong
    await decideNextPair(bob.key, "reject"); // caught
    await decideNextPair(ada.key, "reject"); // caught
    expect(trials).toHaveLength(3);
    expect(real).toHaveLength(3);
    const realIds = real.map((r) => r.id);
    // The real cases are decided after the trials, so once their webhooks arrived any trial's would have.
    for (const r of real) await decide(s, r.token, r.id, "approve");
    await receiver.until((d) => d.length >= 3);
    const delivered = receiver.deliveries.map((d) => JSON.parse(d.body).caseId);
    expect(delivered.sort()).toEqual([...realIds].sort());
    for (const id of trials) {
      const events = (await s.store.cases.detail(id))?.events.map((e) => e.type) ?? [];
      expect(events).not.toContain("webhook_delivered");
      expect(events).not.toContain("webhook_failed");
    }
    // A real case's row may still wait to be marked delivered; no trial's may exist at all.
    const pending = await pendingWebhooks();
    for (const id of trials) expect(pending).not.toContain(id);

    now += HOUR;
    const res = await s.call(
      "GET",
      `/v1/oversight/catch-trials?workflow=shadow.catch&since=${since}&until=${new Date(now).toISOString()}&items=true`,
    );
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.reviewers).toEqual([
      { reviewer: ada.id, name: "Ada", trials: 2, missed: 1 },
      { reviewer: bob.id, name: "Bob", trials: 1, missed: 0 },
    ]);
    expect(body.items).toHaveLength(3);
    expect(body.items.find((i: { passed: boolean }) => !i.passed)).toMatchObject({
      reviewer: ada.id,
      goldId,
      verdict: "approve",
      expected: "reject",
    });
    // Only owners, admins and auditors see the scores.
    expect(
      (await s.call("GET", "/v1/oversight/catch-trials?workflow=shadow.catch", undefined, bob.key)).status,
    ).toBe(403);
    const noWorkflow = await s.call("GET", "/v1/oversight/catch-trials", undefined, bob.key);
    expect(noWorkflow.status).toBe(400);
    expect((await noWorkflow.json()).field).toBe("/workflow");
  });

  it("times a catch trial out like any case, without a webhook, and leaves SLA decisions unscored", async () => {
    const since = now;
    const real = await submit({ callbackUrl: receiver.url });
    const trialId = await claimPair(bob.key, real.id);
    now += 5 * HOUR;
    // Earlier tests' timers are due too, and the server's own worker may take some of them first.
    await vi.waitFor(
      async () => {
        await s.timers.runOnce();
        expect((await s.store.cases.get(trialId))?.status).toBe("decided");
      },
      { timeout: 10_000, interval: 100 },
    );
    await receiver.until((d) => d.some((x) => JSON.parse(x.body).caseId === real.id));
    expect(receiver.deliveries.map((d) => JSON.parse(d.body)).filter((b) => b.caseId === real.id)).toEqual([
      expect.objectContaining({ verdict: "reject", reasonCode: "sla_timeout" }),
    ]);
    const trial = await s.store.cases.detail(trialId);
    expect(trial?.decisions).toEqual([
      expect.objectContaining({ decidedBy: "sla", verdict: "reject", reasonCode: "sla_timeout" }),
    ]);
    expect(await pendingWebhooks()).not.toContain(trialId);
    expect(receiver.deliveries.map((d) => JSON.parse(d.body).caseId)).not.toContain(trialId);
    const scores = await s.store.oversight.catchTrialResults({
      workflows: ["shadow.catch"],
      since,
      until: now + 1,
    });
    expect(scores).toEqual([]);
  });
});
