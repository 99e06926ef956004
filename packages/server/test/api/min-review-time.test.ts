import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { claimIn, pay, REVIEW_POLICIES, reviewerKey } from "../helpers/review-rules.js";
import { ENGINES, startTestServer, type TestServer } from "../helpers/server.js";
import { submit } from "../helpers/workspace.js";

describe.each(ENGINES)("minimum review time (%s)", (engine) => {
  let s: TestServer;
  let automation: string;
  let alice: { key: string; id: string };
  let now = Date.parse("2026-11-03T09:00:00Z");
  beforeAll(async () => {
    s = await startTestServer(engine, { policyDir: REVIEW_POLICIES, clock: () => now });
    automation = (await s.newKey("automation")).key;
    alice = await reviewerKey(s, "alice");
  });
  afterAll(async () => {
    await s.close();
    await s.storage.cleanup();
  });

  it("refuses a decision inside review.minReviewSeconds, says how long is left, then accepts it", async () => {
    const id = await submit(s, pay("rr.slow", 100), automation);
    const claimedAt = now;
    const claimed = await claimIn(s, "rr.slow", alice.key);
    expect(claimed.status).toBe(200);
    const { case: view } = await claimed.json();
    expect(view.id).toBe(id);
    expect(view.minDecisionAt).toBe(new Date(claimedAt + 30_000).toISOString());
    const screen = await (await s.call("GET", `/v1/cases/${id}`, undefined, alice.key)).json();
    expect(screen.minDecisionAt).toBe(new Date(claimedAt + 30_000).toISOString());

    now += 4_000;
    const early = await s.call("POST", `/v1/cases/${id}/decisions`, { verdict: "approve" }, alice.key);
    expect(early.status).toBe(422);
    expect(early.headers.get("retry-after")).toBe("26");
    expect(early.headers.get("content-type")).toContain("application/problem+json");
    expect(await early.json()).toMatchObject({
      status: 422,
      field: "/verdict",
      detail: "decided 4 s after claiming; this workflow asks for at least 30 s: wait 26 more seconds",
      retryAfterSeconds: 26,
    });
    const still = await (await s.call("GET", `/v1/cases/${id}`)).json();
    expect(still.status).toBe("claimed");

    now += 26_000;
    const ok = await s.call("POST", `/v1/cases/${id}/decisions`, { verdict: "approve" }, alice.key);
    expect(ok.status).toBe(201);
    expect((await ok.json()).heldSeconds).toBe(30);
  });

  it("holds admins to the same minimum", async () => {
    const id = await submit(s, pay("rr.slow", 100), automation);
    await claimIn(s, "rr.slow");
    now += 29_500;
    const early = await s.call("POST", `/v1/cases/${id}/decisions`, {
      verdict: "reject",
      reasonCode: "other",
      note: "test",
    });
    expect(early.status).toBe(422);
    expect((await early.json()).retryAfterSeconds).toBe(1);
    now += 500;
    expect(
      (
        await s.call("POST", `/v1/cases/${id}/decisions`, {
          verdict: "reject",
          reasonCode: "other",
          note: "test",
        })
      ).status,
    ).toBe(201);
  });
});
