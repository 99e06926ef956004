import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pay } from "../helpers/review-rules.js";
import { ENGINES, startTestServer, type TestServer } from "../helpers/server.js";

/**
 * Scheduled audits (issue 15, item 4): `oversight.auditEvery` draws each period's sample once, however
 * many processes run the worker, and an auditor sees what the reviewer saw and did.
 */
const POLICIES = fileURLToPath(new URL("../fixtures/workload-policies", import.meta.url));
const DAY = 86_400_000;

describe.each(ENGINES)("scheduled audits (%s)", (engine) => {
  let a: TestServer;
  let b: TestServer;
  let automation: string;
  let now = Date.parse("2026-11-04T09:00:00Z");
  beforeAll(async () => {
    a = await startTestServer(engine, { policyDir: POLICIES, clock: () => now });
    // A second process on the same database, with its own schedule worker.
    b = await startTestServer(engine, { policyDir: POLICIES, clock: () => now }, a.storage);
    automation = (await a.newKey("automation")).key;
  });
  afterAll(async () => {
    await b.close();
    await a.close();
    await a.storage.cleanup();
  });

  const decide = async (amount: number, body: Record<string, unknown>, blind: Record<string, unknown>) => {
    const reviewer = await a.newKey("reviewer", ["wl.audited"]);
    const submitted = await a.call(
      "POST",
      "/v1/cases",
      pay("wl.audited", amount, { confidence: 0.5 }),
      automation,
    );
    expect(submitted.status).toBe(201);
    const claimed = await a.call("POST", "/v1/queue/claim", { workflows: ["wl.audited"] }, reviewer.key);
    const id = (await claimed.json()).case.id as string;
    const judged = await a.call("POST", `/v1/cases/${id}/blind-judgment`, blind, reviewer.key);
    expect(judged.status).toBe(201);
    now += 40_000;
    const decided = await a.call("POST", `/v1/cases/${id}/decisions`, body, reviewer.key);
    expect(decided.status).toBe(201);
    return { id, reviewer: reviewer.id };
  };

  it("draws the day that ended once across two processes, and shows the auditor what the reviewer did", async () => {
    const plain = await decide(100, { verdict: "approve" }, { verdict: "approve" });
    const edited = await decide(
      250,
      { verdict: "edit", output: { pay: 200, to: "Acme" }, reasonCode: "wrong_amount", note: "PO says 200" },
      { verdict: "reject", reasonCode: "wrong_amount", note: "looks off" },
    );
    // While the day lasts, the period that ended last is the day before, which approved nothing.
    expect(await a.auditSchedule.runOnce()).toMatchObject([
      { since: Date.parse("2026-11-03T00:00:00Z"), drawn: 0 },
    ]);

    now = Date.parse("2026-11-05T00:05:00Z");
    const [first, second] = await Promise.all([a.auditSchedule.runOnce(), b.auditSchedule.runOnce()]);
    const made = [...first, ...second];
    expect(made).toHaveLength(1);
    expect(made[0]).toMatchObject({
      workflow: "wl.audited",
      since: Date.parse("2026-11-04T00:00:00Z"),
      until: Date.parse("2026-11-05T00:00:00Z"),
      drawn: 2,
    });
    // Later rounds the same day find the draw made.
    now += 3_600_000;
    expect([...(await a.auditSchedule.runOnce()), ...(await b.auditSchedule.runOnce())]).toEqual([]);

    const { audits } = await (await a.call("GET", "/v1/audits?workflow=wl.audited")).json();
    expect(audits).toHaveLength(2);
    const byCase = new Map(audits.map((x: { caseId: string }) => [x.caseId, x]));
    expect(byCase.get(edited.id)).toMatchObject({
      status: "open",
      case: {
        verdict: "edit",
        decidedBy: edited.reviewer,
        heldSeconds: 40,
        reasonCode: "wrong_amount",
        decisionNote: "PO says 200",
        changes: [{ path: "pay", before: 250, after: 200 }],
        blindJudgment: { verdict: "reject", reasonCode: "wrong_amount", note: "looks off" },
      },
    });
    expect(byCase.get(plain.id)).toMatchObject({
      case: { verdict: "approve", changes: [], blindJudgment: { verdict: "approve" }, decisionNote: null },
    });

    // The next day's draw is its own, and draws what that day approved (nothing here).
    now += DAY;
    const next = await a.auditSchedule.runOnce();
    expect(next).toMatchObject([{ since: Date.parse("2026-11-05T00:00:00Z"), drawn: 0 }]);
  });
});
