import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startReceiver } from "../helpers/receiver.js";
import { ENGINES, startTestServer, type TestServer } from "../helpers/server.js";
import { timerOverrides } from "../helpers/timers.js";

describe.each(ENGINES)("revert (%s)", (engine) => {
  let s: TestServer;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let automation: string;
  let alice: { key: string; id: string };
  let bob: { key: string; id: string };
  let now = Date.parse("2026-11-03T09:00:00Z");
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

  const decided = async (workflow: string, action: string, verdict: Record<string, unknown>) => {
    const submission = { workflow, action, input: { n: 1 }, proposal: { refund: 10 }, confidence: 0.5 };
    const res = await s.call("POST", "/v1/cases", { ...submission, callbackUrl: receiver.url }, automation);
    const id = (await res.json()).id as string;
    const claimed = await (
      await s.call("POST", "/v1/queue/claim", { workflows: [workflow] }, alice.key)
    ).json();
    expect(claimed.case.id).toBe(id);
    expect((await s.call("POST", `/v1/cases/${id}/decisions`, verdict, alice.key)).status).toBe(201);
    return id;
  };
  const bodies = () => receiver.deliveries.map((d) => JSON.parse(d.body));

  it("reverts a released decision on a reversible workflow with a compensating webhook", async () => {
    const id = await decided("test.held", "refund", { verdict: "approve" });

    const early = await s.call("POST", `/v1/cases/${id}/revert`, { reason: "early" }, alice.key);
    expect(early.status).toBe(409);
    expect((await early.json()).detail).toContain("use revoke");

    now += 600_000;
    await receiver.until((d) => d.some((x) => JSON.parse(x.body).caseId === id));

    const noReason = await s.call("POST", `/v1/cases/${id}/revert`, { reason: "" }, alice.key);
    expect(noReason.status).toBe(422);
    expect(await noReason.json()).toMatchObject({ field: "/reason" });
    expect((await s.call("POST", `/v1/cases/${id}/revert`, { reason: "x" }, bob.key)).status).toBe(403);

    const res = await s.call("POST", `/v1/cases/${id}/revert`, { reason: "customer disputed" }, alice.key);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      id,
      status: "decided",
      revertedAt: new Date(now).toISOString(),
    });

    await receiver.until((d) => d.filter((x) => JSON.parse(x.body).caseId === id).length === 2);
    const forCase = bodies().filter((b) => b.caseId === id);
    expect(forCase.map((b) => b.type)).toEqual(["case.decided", "case.reverted"]);
    expect(forCase[1]).toMatchObject({
      workflow: "test.held",
      verdict: "approve",
      output: { refund: 10 },
      reason: "customer disputed",
      revertedBy: alice.id,
    });

    const detail = await (await s.call("GET", `/v1/cases/${id}`)).json();
    expect(detail.events.filter((e: { type: string }) => e.type === "reverted")).toEqual([
      expect.objectContaining({ actor: alice.id, data: { reason: "customer disputed" } }),
    ]);
    const twice = await s.call("POST", `/v1/cases/${id}/revert`, { reason: "again" });
    expect(twice.status).toBe(409);
    expect((await twice.json()).detail).toContain("already reverted");
  });

  it("lets an admin revert, and refuses to revert a reject", async () => {
    const approved = await decided("test.held", "refund", { verdict: "approve" });
    const rejected = await decided("test.held", "refund", { verdict: "reject", reasonCode: "wrong" });
    now += 600_000;
    expect((await s.call("POST", `/v1/cases/${approved}/revert`, { reason: "ops" })).status).toBe(200);
    const res = await s.call("POST", `/v1/cases/${rejected}/revert`, { reason: "ops" });
    expect(res.status).toBe(409);
    expect((await res.json()).detail).toContain("nothing to revert");
  });

  it("shows the release, revert and escalation settings in GET /v1/workflows", async () => {
    const { workflows } = await (await s.call("GET", "/v1/workflows")).json();
    const byName = new Map(workflows.map((w: { workflow: string }) => [w.workflow, w]));
    expect(byName.get("test.held")).toMatchObject({ release: { delaySeconds: 600 }, reversible: true });
    expect(byName.get("test.final")).toMatchObject({ release: { delaySeconds: 0 }, reversible: false });
    expect(byName.get("test.sla_escalate")).toMatchObject({
      sla: { reviewWithinSeconds: 14_400, onTimeout: "escalate", escalateTo: "lead" },
    });
  });

  it("refuses to revert on a workflow that is not reversible", async () => {
    const id = await decided("test.final", "reply", { verdict: "approve" });
    const res = await s.call("POST", `/v1/cases/${id}/revert`, { reason: "undo" }, alice.key);
    expect(res.status).toBe(409);
    expect((await res.json()).detail).toBe(
      "workflow test.final is not reversible: its policy must declare reversible: true to allow revert",
    );
    const detail = await (await s.call("GET", `/v1/cases/${id}`)).json();
    expect(detail.revertedAt).toBeNull();
  });
});
