import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { claimIn, pay, REVIEW_POLICIES, reviewerKey } from "../helpers/review-rules.js";
import { ENGINES, startTestServer, type TestServer } from "../helpers/server.js";
import { submit } from "../helpers/workspace.js";

const WF = "rr.authority";

describe.each(ENGINES)("authority limits (%s)", (engine) => {
  let s: TestServer;
  let automation: { key: string; id: string };
  let clerk: { key: string; id: string };
  let manager: { key: string; id: string };
  let director: { key: string; id: string };
  let nobody: { key: string; id: string };
  let now = Date.parse("2026-11-03T09:00:00Z");
  beforeAll(async () => {
    s = await startTestServer(engine, { policyDir: REVIEW_POLICIES, clock: () => now });
    automation = await s.newKey("automation");
    clerk = await reviewerKey(s, "clerk", ["ap_clerk"]);
    manager = await reviewerKey(s, "manager", ["ap_manager"]);
    director = await reviewerKey(s, "director", ["finance_director"]);
    nobody = await reviewerKey(s, "nobody");
  });
  afterAll(async () => {
    await s.close();
    await s.storage.cleanup();
  });
  beforeEach(async () => {
    // Empty the queue as the director, who may decide anything.
    now += 3_600_000;
    for (;;) {
      const res = await claimIn(s, WF, director.key);
      if (res.status === 204) break;
      const { case: c } = await res.json();
      await s.call(
        "POST",
        `/v1/cases/${c.id}/decisions`,
        { verdict: "reject", reasonCode: "other", note: "test" },
        director.key,
      );
    }
  });

  const decide = (id: string, body: Record<string, unknown>, token?: string) =>
    s.call("POST", `/v1/cases/${id}/decisions`, body, token);

  it("routes each case to someone whose cap covers it", async () => {
    const big = await submit(s, pay(WF, 20_000), automation.key);
    now += 1;
    const small = await submit(s, pay(WF, 500), automation.key);

    // The clerk skips the older, bigger case and gets the one under the cap; the manager gets the big one.
    expect((await (await claimIn(s, WF, clerk.key)).json()).case.id).toBe(small);
    expect((await (await claimIn(s, WF, manager.key)).json()).case.id).toBe(big);
    // Someone without authority roles gets nothing from this workflow.
    expect((await claimIn(s, WF, nobody.key)).status).toBe(204);

    // Deciding outside one's authority is refused, naming the rules that would do.
    const refused = await decide(big, { verdict: "approve" }, clerk.key);
    expect(refused.status).toBe(403);
    expect((await refused.json()).detail).toBe(
      "authority limit (review.authority): deciding this case needs ap_manager (input.amount <= 50000) or finance_director; your roles: ap_clerk",
    );
    expect((await decide(small, { verdict: "approve" }, clerk.key)).status).toBe(201);
    expect((await decide(big, { verdict: "approve" }, manager.key)).status).toBe(201);
  });

  it("keeps claims exclusive while skipping cases beyond a cap", async () => {
    const small = [];
    for (let i = 0; i < 6; i++) {
      await submit(s, pay(WF, 20_000 + i), automation.key);
      small.push(await submit(s, pay(WF, 100 + i), automation.key));
    }
    const clerks = await Promise.all([1, 2, 3].map((i) => reviewerKey(s, `clerk-${i}`, ["ap_clerk"])));
    const answers = await Promise.all([...clerks, ...clerks, ...clerks].map((k) => claimIn(s, WF, k.key)));
    const got = [];
    for (const res of answers) if (res.status === 200) got.push((await res.json()).case.id as string);
    // Six cases fit a clerk; nine claims: each small case exactly once, never a big one.
    expect(got.sort()).toEqual([...small].sort());
  });

  it("holds admins to the money limits too", async () => {
    const id = await submit(s, pay(WF, 100_000), automation.key);
    // The bootstrap admin key has no authority roles: it cannot take or decide the case.
    expect((await claimIn(s, WF)).status).toBe(204);
    const refused = await decide(id, { verdict: "approve" });
    expect(refused.status).toBe(403);
    expect((await refused.json()).detail).toMatch(/needs finance_director; you have no authority roles$/);
    const boss = await reviewerKey(s, "boss", ["finance_director"], "admin");
    expect((await (await claimIn(s, WF, boss.key)).json()).case.id).toBe(id);
    expect((await decide(id, { verdict: "approve" }, boss.key)).status).toBe(201);
  });

  it("keeps the automation inside its workflow's boundary", async () => {
    const review = await s.call("POST", "/v1/cases", pay(WF, 10, { confidence: 1 }), automation.key);
    expect(await review.json()).toMatchObject({ route: "review", status: "queued" });
    const humanOnly = await s.call(
      "POST",
      "/v1/cases",
      pay(WF, 10, { action: "close_account", confidence: 1 }),
      automation.key,
    );
    const human = await humanOnly.json();
    expect(human).toMatchObject({ route: "human_only", status: "queued" });
    // Only an action with boundary auto, under the threshold's class, goes alone.
    const auto = await s.call("POST", "/v1/cases", pay(WF, 10, { action: "pay_small" }), automation.key);
    expect(await auto.json()).toMatchObject({ route: "auto", status: "decided" });
    // The automation key can neither claim nor decide.
    expect((await claimIn(s, WF, automation.key)).status).toBe(403);
    expect((await decide(human.id, { verdict: "approve" }, automation.key)).status).toBe(403);
  });
});
