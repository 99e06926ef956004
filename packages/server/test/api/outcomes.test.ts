import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { reviewerKey } from "../helpers/review-rules.js";
import { ADMIN_TOKEN, ENGINES, payment, startTestServer, type TestServer } from "../helpers/server.js";
import { claim, submit } from "../helpers/workspace.js";

const T0 = Date.parse("2026-11-02T09:00:00Z");
const MIN = 60_000;
const iso = (ms: number) => new Date(ms).toISOString();

describe.each(ENGINES)("outcomes and the post-review error rate (%s)", (engine) => {
  let s: TestServer;
  let now = T0;
  let automation: string;
  let alice: { key: string; id: string };
  let bob: { key: string; id: string };
  const c: Record<string, string> = {};

  const report = (id: string, body: unknown, token = automation) =>
    s.call("POST", `/v1/cases/${id}/outcome`, body, token);

  /** Submits a case that waits for review, has `who` claim it and decide it. */
  async function reviewed(who: { key: string }, decision: Record<string, unknown>): Promise<string> {
    const id = await submit(s, payment({ input: { amount: 5000, payee: "Acme" } }), automation);
    now += MIN;
    expect((await claim(s, "test.payments", who.key)).id).toBe(id);
    now += 10_000;
    const res = await s.call("POST", `/v1/cases/${id}/decisions`, decision, who.key);
    expect(res.status, JSON.stringify(await res.clone().json())).toBe(201);
    return id;
  }

  beforeAll(async () => {
    s = await startTestServer(engine, { clock: () => now });
    automation = (await s.newKey("automation")).key;
    alice = await reviewerKey(s, "alice");
    bob = await reviewerKey(s, "bob");
    for (const name of ["a1", "a2", "a3"]) {
      c[name] = await submit(s, payment({ input: { amount: 120, payee: "Acme" } }), automation);
      now += MIN;
    }
    c.h1 = await reviewed(alice, { verdict: "approve" });
    c.h2 = await reviewed(alice, {
      verdict: "edit",
      reasonCode: "wrong_amount",
      output: { pay: 4000, to: "Acme" },
    });
    c.h3 = await reviewed(bob, { verdict: "approve" });
    c.r1 = await reviewed(bob, { verdict: "reject", reasonCode: "wrong_payee" });
    c.q = await submit(s, payment({ input: { amount: 5000, payee: "Acme" } }), automation);
    now = T0 + 60 * MIN;
  });

  afterAll(async () => {
    await s?.close();
    await s?.storage.cleanup();
  });

  it("stores an outcome (201) and records an outcome_reported event", async () => {
    const res = await report(c.a1 as string, { result: "incorrect", details: { refunded: true } });
    expect(res.status).toBe(201);
    const body = await res.json();
    expect(body).toEqual({
      id: expect.stringMatching(/^out_/),
      caseId: c.a1,
      result: "incorrect",
      details: { refunded: true },
      reportedAt: iso(now),
    });
    const view = await (await s.call("GET", `/v1/cases/${c.a1}`)).json();
    expect(JSON.stringify(view)).toContain("outcome_reported");
  });

  it("lets the admin report too, and keeps every report (the latest reportedAt counts)", async () => {
    expect((await report(c.a2 as string, { result: "correct" }, ADMIN_TOKEN)).status).toBe(201);
    // h1: correct, then incorrect later: incorrect counts.
    expect((await report(c.h1 as string, { result: "correct" })).status).toBe(201);
    now += MIN;
    expect((await report(c.h1 as string, { result: "incorrect" })).status).toBe(201);
    expect((await report(c.h2 as string, { result: "correct" })).status).toBe(201);
    // h3: the incorrect report is sent last but dated earlier: correct counts.
    expect((await report(c.h3 as string, { result: "correct", reportedAt: iso(T0 + 90 * MIN) })).status).toBe(
      201,
    );
    expect(
      (await report(c.h3 as string, { result: "incorrect", reportedAt: iso(T0 + 80 * MIN) })).status,
    ).toBe(201);
    // A rejected case's outcome is stored but counts in neither figure.
    expect((await report(c.r1 as string, { result: "incorrect" })).status).toBe(201);
  });

  it("gives the rates and the counts behind them, split auto / human", async () => {
    const q = `workflow=test.payments&since=${iso(T0 - MIN)}&until=${iso(T0 + 24 * 60 * MIN)}`;
    const body = await (await s.call("GET", `/v1/metrics/governance?${q}`)).json();
    // auto: a1 incorrect, a2 correct, a3 no outcome. human: h1 incorrect, h2 and h3 correct.
    expect(body.postReviewErrorRate).toEqual({ auto: 0.5, human: 1 / 3 });
    expect(body.postReviewErrorCounts).toEqual({
      auto: { incorrect: 1, reported: 2 },
      human: { incorrect: 1, reported: 3 },
    });
    const byReviewer = await (await s.call("GET", `/v1/metrics/governance?${q}&groupBy=reviewer`)).json();
    const byName = new Map(byReviewer.groups.map((g: { name: string }) => [g.name, g]));
    expect(byName.get("alice")).toMatchObject({
      postReviewErrorRate: { auto: null, human: 0.5 },
      postReviewErrorCounts: { auto: { incorrect: 0, reported: 0 }, human: { incorrect: 1, reported: 2 } },
    });
    expect(byName.get("bob")).toMatchObject({
      postReviewErrorRate: { auto: null, human: 0 },
      postReviewErrorCounts: { human: { incorrect: 0, reported: 1 } },
    });
    const byRisk = await (await s.call("GET", `/v1/metrics/governance?${q}&groupBy=riskClass`)).json();
    const rates = Object.fromEntries(
      byRisk.groups.map((g: { key: string; postReviewErrorRate: unknown }) => [g.key, g.postReviewErrorRate]),
    );
    expect(Object.values(rates)).toContainEqual({ auto: 0.5, human: null });
    expect(Object.values(rates)).toContainEqual({ auto: null, human: 1 / 3 });
  });

  it("is null outside the window", async () => {
    const q = `since=${iso(T0 + 2 * 24 * 60 * MIN)}&until=${iso(T0 + 3 * 24 * 60 * MIN)}`;
    const body = await (await s.call("GET", `/v1/metrics/governance?${q}`)).json();
    expect(body.postReviewErrorRate).toEqual({ auto: null, human: null });
  });

  it("answers another automation key as for an unknown case (404), and refuses a reviewer (403)", async () => {
    // An automation sees only the cases it submitted: another key's case is a 404, scoped or not.
    const other = (await s.newKey("automation")).key;
    expect((await report(c.a3 as string, { result: "correct" }, other)).status).toBe(404);
    const elsewhere = (await s.newKey("automation", ["test.other"])).key;
    expect((await report(c.a3 as string, { result: "correct" }, elsewhere)).status).toBe(404);
    expect((await report(c.a3 as string, { result: "correct" }, alice.key)).status).toBe(403);
  });

  it("refuses an undecided case (409) and an unknown one (404)", async () => {
    expect((await report(c.q as string, { result: "correct" })).status).toBe(409);
    expect((await report("case_nope", { result: "correct" })).status).toBe(404);
  });

  it("names the bad field (400)", async () => {
    const bad = await report(c.a3 as string, { result: "maybe" });
    expect(bad.status).toBe(400);
    expect((await bad.json()).field).toBe("/result");
    const missing = await report(c.a3 as string, {});
    expect((await missing.json()).field).toBe("/result");
    const when = await report(c.a3 as string, { result: "correct", reportedAt: "yesterday" });
    expect(when.status).toBe(400);
    expect((await when.json()).field).toBe("/reportedAt");
    const details = await report(c.a3 as string, { result: "correct", details: "text" });
    expect((await details.json()).field).toBe("/details");
  });
});
