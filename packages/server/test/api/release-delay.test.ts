import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startReceiver } from "../helpers/receiver.js";
import { ENGINES, startTestServer, type TestServer } from "../helpers/server.js";
import { timerOverrides } from "../helpers/timers.js";

describe.each(ENGINES)("release delay and revoke (%s)", (engine) => {
  let s: TestServer;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let automation: string;
  let alice: { key: string; id: string };
  let bob: { key: string; id: string };
  let now = Date.parse("2026-11-02T09:00:00Z");
  beforeAll(async () => {
    receiver = await startReceiver();
    s = await startTestServer(
      engine,
      timerOverrides(() => now),
    );
    automation = (await s.newKey("automation")).key;
    alice = await s.newKey("reviewer");
    bob = await s.newKey("reviewer");
  });
  afterAll(async () => {
    await s.close();
    await receiver.close();
    await s.storage.cleanup();
  });

  const submit = async (workflow: string, action: string) => {
    const body = { workflow, action, input: { n: 1 }, proposal: { refund: 10 }, confidence: 0.5 };
    const res = await s.call("POST", "/v1/cases", { ...body, callbackUrl: receiver.url }, automation);
    expect(res.status).toBe(201);
    return (await res.json()).id as string;
  };
  const claimAndApprove = async (id: string, workflow: string, who = alice) => {
    const claimed = await (
      await s.call("POST", "/v1/queue/claim", { workflows: [workflow] }, who.key)
    ).json();
    expect(claimed.case.id).toBe(id);
    const res = await s.call("POST", `/v1/cases/${id}/decisions`, { verdict: "approve" }, who.key);
    expect(res.status).toBe(201);
  };
  const bodies = () => receiver.deliveries.map((d) => JSON.parse(d.body));

  it("holds an approval, lets its decider revoke it in the window, and never sends its webhook", async () => {
    const id = await submit("test.held", "refund");
    await claimAndApprove(id, "test.held");
    const decidedAt = now;

    const poll = await s.call("GET", `/v1/cases/${id}/decision`);
    expect(poll.status).toBe(202);
    expect(await poll.json()).toMatchObject({
      status: "releasing",
      releaseAt: new Date(decidedAt + 600_000).toISOString(),
    });

    now += 300_000;
    const notYours = await s.call("POST", `/v1/cases/${id}/revoke`, { reason: "mine now" }, bob.key);
    expect(notYours.status).toBe(403);
    const noReason = await s.call("POST", `/v1/cases/${id}/revoke`, {}, alice.key);
    expect(noReason.status).toBe(422);
    expect(await noReason.json()).toMatchObject({ field: "/reason" });
    const blank = await s.call("POST", `/v1/cases/${id}/revoke`, { reason: "  " }, alice.key);
    expect(blank.status).toBe(422);

    const revoked = await s.call("POST", `/v1/cases/${id}/revoke`, { reason: "wrong customer" }, alice.key);
    expect(revoked.status).toBe(200);
    expect(await revoked.json()).toMatchObject({ id, status: "queued", decidedAt: null, releaseAt: null });

    const detail = await (await s.call("GET", `/v1/cases/${id}`)).json();
    expect(detail.decisions[0]).toMatchObject({ verdict: "approve", revokedAt: new Date(now).toISOString() });
    const revokedEvent = detail.events.find((e: { type: string }) => e.type === "revoked");
    expect(revokedEvent).toMatchObject({ actor: alice.id, data: { reason: "wrong customer" } });
    expect((await s.call("GET", `/v1/cases/${id}/decision`)).status).toBe(202);

    // Back in the queue: the next reviewer gets it; rejecting is not held.
    const again = await (
      await s.call("POST", "/v1/queue/claim", { workflows: ["test.held"] }, bob.key)
    ).json();
    expect(again.case.id).toBe(id);
    const reject = { verdict: "reject", reasonCode: "wrong" };
    expect((await s.call("POST", `/v1/cases/${id}/decisions`, reject, bob.key)).status).toBe(201);

    // Past the old window, nothing of the revoked approval goes out; the reject (not held) does.
    now += 900_000;
    expect(await s.timers.runOnce()).toBe(0);
    await receiver.until((d) => d.length >= 1);
    expect(bodies()).toEqual([expect.objectContaining({ caseId: id, verdict: "reject" })]);
  });

  it("refuses a revoke once released, then delivers the webhook and records decision_released", async () => {
    const before = receiver.deliveries.length;
    const id = await submit("test.held", "refund");
    await claimAndApprove(id, "test.held");
    const releaseAt = now + 600_000;
    now += 600_001;

    const late = await s.call("POST", `/v1/cases/${id}/revoke`, { reason: "too late" }, alice.key);
    expect(late.status).toBe(409);
    expect((await late.json()).detail).toBe(
      `case ${id} was released at ${new Date(releaseAt).toISOString()}; use revert`,
    );

    const poll = await s.call("GET", `/v1/cases/${id}/decision`);
    expect(poll.status).toBe(200);
    expect(await poll.json()).toMatchObject({ status: "decided", verdict: "approve" });

    await receiver.until((d) => d.length === before + 1);
    expect(bodies().at(-1)).toMatchObject({ type: "case.decided", caseId: id, verdict: "approve" });

    expect(await s.timers.runOnce()).toBe(1);
    expect(await s.timers.runOnce()).toBe(0);
    const detail = await (await s.call("GET", `/v1/cases/${id}`)).json();
    const released = detail.events.filter((e: { type: string }) => e.type === "decision_released");
    expect(released).toHaveLength(1);
    expect(detail.releasedAt).toBe(new Date(now).toISOString());
  });

  it("wakes a long-poll when the window ends", async () => {
    const id = await submit("test.held", "refund");
    await claimAndApprove(id, "test.held");
    const waiting = s.call("GET", `/v1/cases/${id}/decision?waitSeconds=10`);
    now += 600_000;
    await s.timers.runOnce();
    const res = await waiting;
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: "decided", verdict: "approve" });
  });

  it("holds an auto approval too: a reviewer may not revoke it, an admin may", async () => {
    const submission = {
      workflow: "test.held",
      action: "notify",
      input: {},
      proposal: { n: 2 },
      confidence: 0.995,
    };
    const submitted = await s.call(
      "POST",
      "/v1/cases",
      { ...submission, callbackUrl: receiver.url },
      automation,
    );
    const { id, status } = await submitted.json();
    expect(status).toBe("decided");
    const poll = await (await s.call("GET", `/v1/cases/${id}/decision`)).json();
    expect(poll).toMatchObject({ status: "releasing", releaseAt: new Date(now + 600_000).toISOString() });
    expect((await s.call("POST", `/v1/cases/${id}/revoke`, { reason: "no" }, alice.key)).status).toBe(403);
    const res = await s.call("POST", `/v1/cases/${id}/revoke`, { reason: "campaign paused" });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id, status: "queued" });
    const claimed = await (
      await s.call("POST", "/v1/queue/claim", { workflows: ["test.held"] }, bob.key)
    ).json();
    expect(claimed.case.id).toBe(id);
    const reject = { verdict: "reject", reasonCode: "other", note: "test" };
    expect((await s.call("POST", `/v1/cases/${id}/decisions`, reject, bob.key)).status).toBe(201);
  });

  it("releases at once on a workflow without a delay: revoke is refused", async () => {
    const id = await submit("test.final", "reply");
    await claimAndApprove(id, "test.final");
    const res = await s.call("POST", `/v1/cases/${id}/revoke`, { reason: "oops" }, alice.key);
    expect(res.status).toBe(409);
    expect((await res.json()).detail).toContain("use revert");
  });
});
