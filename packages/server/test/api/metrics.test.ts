import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ownerKey } from "../helpers/owners.js";
import { reviewerKey } from "../helpers/review-rules.js";
import { ENGINES, payment, startTestServer, type TestServer } from "../helpers/server.js";
import { claim, submit } from "../helpers/workspace.js";

const T0 = Date.parse("2026-11-02T09:00:00Z");
const T1 = T0 + 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();

/** Prometheus text as `name{a="1",b="2"}` → value, labels sorted so the test does not rely on their order. */
function parseProm(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const m = /^([a-z_]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) continue;
    const labels = (m[2] ?? "")
      .split(",")
      .filter((l) => l !== "")
      .sort()
      .join(",");
    out.set(labels ? `${m[1]}{${labels}}` : (m[1] as string), Number(m[3]));
  }
  return out;
}

describe.each(ENGINES)("governance metrics (%s)", (engine) => {
  let s: TestServer;
  let now = T0;
  let automation: string;
  let alice: { key: string; id: string };
  let bob: { key: string; id: string };
  const at = (ms: number) => {
    now = ms;
  };

  beforeAll(async () => {
    s = await startTestServer(engine, { clock: () => now });
    automation = (await s.newKey("automation")).key;
    alice = await reviewerKey(s, "alice");
    bob = await reviewerKey(s, "bob");

    // Day 1 (2026-11-02): an auto case, a high-risk one for review, a flagged one for review.
    at(T0);
    await submit(s, payment({ input: { amount: 120, payee: "Acme" } }), automation);
    at(T0 + 10_000);
    const high = await submit(s, payment({ input: { amount: 5000, payee: "Acme" } }), automation);
    at(T0 + 20_000);
    const flagged = await submit(
      s,
      payment({ input: { amount: 120, payee: "Acme", flagged: true } }),
      automation,
    );
    at(T0 + 60_000);
    expect((await claim(s, "test.payments", alice.key)).id).toBe(high);
    at(T0 + 90_000);
    const edit = await s.call(
      "POST",
      `/v1/cases/${high}/decisions`,
      { verdict: "edit", reasonCode: "wrong_amount", output: { pay: 4000, to: "Acme" } },
      alice.key,
    );
    expect(edit.status).toBe(201);
    at(T0 + 100_000);
    expect((await claim(s, "test.payments", bob.key)).id).toBe(flagged);
    at(T0 + 150_000);
    expect(
      (await s.call("POST", `/v1/cases/${flagged}/decisions`, { verdict: "approve" }, bob.key)).status,
    ).toBe(201);

    // Day 2 (2026-11-03): a refund (review), a close_account (human_only, left waiting), an auto payment.
    at(T1);
    const refund = await submit(
      s,
      payment({ action: "refund", input: { amount: 50, payee: "Acme" } }),
      automation,
    );
    at(T1 + 10_000);
    await submit(s, payment({ action: "close_account", input: { amount: 50, payee: "Acme" } }), automation);
    at(T1 + 20_000);
    await submit(s, payment({ input: { amount: 200, payee: "Acme" } }), automation);
    at(T1 + 60_000);
    expect((await claim(s, "test.payments", bob.key)).id).toBe(refund);
    at(T1 + 70_000);
    const reject = await s.call(
      "POST",
      `/v1/cases/${refund}/decisions`,
      { verdict: "reject", reasonCode: "wrong_payee" },
      bob.key,
    );
    expect(reject.status).toBe(201);
    at(T1 + 100_000);
  });

  afterAll(async () => {
    await s.close();
    await s.storage.cleanup();
  });

  it("gives the window's figures, over the last 7 days by default", async () => {
    const res = await s.call("GET", "/v1/metrics/governance?workflow=test.payments");
    expect(res.status).toBe(200);
    // Resolution: auto 0, 0; edit 90 − 10 = 80; approve 150 − 20 = 130; reject 70 → sorted 0 0 70 80 130.
    expect(await res.json()).toEqual({
      workflow: "test.payments",
      since: iso(now - 7 * 86_400_000),
      until: iso(now),
      cases: 6,
      decisions: 3,
      escalationRate: 4 / 6,
      overrideRate: 2 / 3,
      resolutionSeconds: { p50: 70, p90: 130, p99: 130 },
      exceptionPatterns: [
        { kind: "reasonCode", name: "wrong_amount", count: 1, share: 1 / 3 },
        { kind: "reasonCode", name: "wrong_payee", count: 1, share: 1 / 3 },
        { kind: "trigger", name: "flagged", count: 1, share: 1 / 6 },
      ],
      consistency: null,
      postReviewErrorRate: { auto: null, human: null },
      postReviewErrorCounts: { auto: { incorrect: 0, reported: 0 }, human: { incorrect: 0, reported: 0 } },
      // No blind judgment in this workflow (api/erosion.test.ts has them).
      erosion: {
        judgments: 0,
        matchedModel: { count: 0, of: 0, rate: null, interval: null },
        decided: 0,
        changedAfterReveal: { count: 0, of: 0, rate: null, interval: null },
        direction: { towardsModel: 0, awayFromModel: 0, other: 0 },
        switchedToModel: { count: 0, of: 0, rate: null, interval: null },
        workflows: [],
      },
    });
  });

  it("honours since and until", async () => {
    const day2 = await (await s.call("GET", `/v1/metrics/governance?since=${iso(T1)}`)).json();
    expect(day2).toMatchObject({
      workflow: null,
      since: iso(T1),
      cases: 3,
      decisions: 1,
      escalationRate: 2 / 3,
      overrideRate: 1,
      resolutionSeconds: { p50: 0, p90: 70, p99: 70 },
    });
    const day1 = await (
      await s.call("GET", `/v1/metrics/governance?since=2026-11-02&until=2026-11-03T00:00:00Z`)
    ).json();
    expect(day1).toMatchObject({ cases: 3, decisions: 2, escalationRate: 2 / 3, overrideRate: 0.5 });
    expect(day1.resolutionSeconds).toEqual({ p50: 80, p90: 130, p99: 130 });
  });

  it("groups by reviewer, with their names", async () => {
    const body = await (
      await s.call("GET", "/v1/metrics/governance?workflow=test.payments&groupBy=reviewer")
    ).json();
    expect(body.cases).toBe(6);
    expect(body.groups).toHaveLength(2);
    const byName = new Map(body.groups.map((g: { name: string }) => [g.name, g]));
    expect(byName.get("alice")).toEqual({
      key: alice.id,
      name: "alice",
      cases: 1,
      decisions: 1,
      escalationRate: null,
      overrideRate: 1,
      resolutionSeconds: { p50: 80, p90: 80, p99: 80 },
      exceptionPatterns: [{ kind: "reasonCode", name: "wrong_amount", count: 1, share: 1 }],
      consistency: null,
      postReviewErrorRate: { auto: null, human: null },
      postReviewErrorCounts: { auto: { incorrect: 0, reported: 0 }, human: { incorrect: 0, reported: 0 } },
    });
    expect(byName.get("bob")).toMatchObject({
      key: bob.id,
      decisions: 2,
      overrideRate: 0.5,
      resolutionSeconds: { p50: 70, p90: 130, p99: 130 },
      exceptionPatterns: [{ kind: "reasonCode", name: "wrong_payee", count: 1, share: 0.5 }],
    });
  });

  it("groups by risk class and by UTC day", async () => {
    const byClass = await (await s.call("GET", "/v1/metrics/governance?groupBy=riskClass")).json();
    expect(byClass.groups.map((g: { key: string }) => g.key)).toEqual(["high", "low"]);
    expect(byClass.groups[0]).toMatchObject({
      cases: 1,
      escalationRate: 1,
      decisions: 1,
      overrideRate: 1,
      resolutionSeconds: { p50: 80, p90: 80, p99: 80 },
    });
    expect(byClass.groups[1]).toMatchObject({
      cases: 5,
      escalationRate: 0.6,
      decisions: 2,
      overrideRate: 0.5,
      resolutionSeconds: { p50: 0, p90: 130, p99: 130 },
      exceptionPatterns: [
        { kind: "reasonCode", name: "wrong_payee", count: 1, share: 0.5 },
        { kind: "trigger", name: "flagged", count: 1, share: 0.2 },
      ],
    });
    expect(byClass.groups[0]).not.toHaveProperty("name");

    const byDay = await (await s.call("GET", "/v1/metrics/governance?groupBy=day")).json();
    expect(byDay.groups.map((g: { key: string }) => g.key)).toEqual(["2026-11-02", "2026-11-03"]);
    expect(byDay.groups[0]).toMatchObject({
      cases: 3,
      escalationRate: 2 / 3,
      decisions: 2,
      overrideRate: 0.5,
    });
    expect(byDay.groups[1]).toMatchObject({
      cases: 3,
      escalationRate: 2 / 3,
      decisions: 1,
      overrideRate: 1,
      resolutionSeconds: { p50: 0, p90: 70, p99: 70 },
    });
  });

  it("enforces roles and workflow scope", async () => {
    const other = await s.newKey("reviewer", ["test.other"]);
    const scoped = await s.call("GET", "/v1/metrics/governance?workflow=test.payments", undefined, other.key);
    expect(scoped.status).toBe(403);
    expect(await scoped.json()).toMatchObject({ status: 403, field: "/workflow" });
    // Without a workflow, a scoped caller sees its own workflows only.
    const own = await (await s.call("GET", "/v1/metrics/governance", undefined, other.key)).json();
    expect(own).toMatchObject({
      workflow: null,
      cases: 0,
      decisions: 0,
      escalationRate: null,
      overrideRate: null,
    });
    const auditor = await s.newKey("auditor");
    expect((await s.call("GET", "/v1/metrics/governance", undefined, auditor.key)).status).toBe(200);
    expect((await s.call("GET", "/v1/metrics/governance", undefined, automation)).status).toBe(403);
    expect((await s.call("GET", "/v1/metrics/governance", undefined, null)).status).toBe(401);
  });

  it("shows colleagues' per-reviewer figures only to the owner, admins and auditors", async () => {
    // Issue 15, item 3: a reviewer reads their own quality elsewhere, never every colleague's figures.
    const colleague = await s.newKey("reviewer", ["test.payments"]);
    const byReviewer = "/v1/metrics/governance?workflow=test.payments&groupBy=reviewer";
    for (const q of [byReviewer, "/v1/metrics/governance?groupBy=reviewer"]) {
      const refused = await s.call("GET", q, undefined, colleague.key);
      expect(refused.status, q).toBe(403);
      expect(await refused.json(), q).toMatchObject({ field: "/groupBy" });
    }
    // The same reviewer still reads the team's figures, just not split by person.
    const team = await s.call(
      "GET",
      "/v1/metrics/governance?workflow=test.payments&groupBy=day",
      undefined,
      colleague.key,
    );
    expect(team.status).toBe(200);

    const owner = await ownerKey(s, "owner@example.com");
    const owned = await s.call("GET", byReviewer, undefined, owner.key);
    expect(owned.status).toBe(200);
    expect((await owned.json()).groups.length).toBeGreaterThan(0);
    // Owning one workflow opens no other's colleagues.
    const notOwned = await s.call(
      "GET",
      "/v1/metrics/governance?workflow=test.other&groupBy=reviewer",
      undefined,
      owner.key,
    );
    expect(notOwned.status).toBe(403);
    const auditor = await s.newKey("auditor");
    expect((await s.call("GET", byReviewer, undefined, auditor.key)).status).toBe(200);
  });

  it("refuses a bad since, until or groupBy with a problem naming the field", async () => {
    for (const [query, field] of [
      ["since=yesterday", "/since"],
      ["since=2026-13-45T00:00:00Z", "/since"],
      [`since=${iso(T1)}&until=${iso(T0)}`, "/since"],
      ["until=2026-11-02T25:00", "/until"],
    ] as const) {
      const res = await s.call("GET", `/v1/metrics/governance?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.headers.get("content-type")).toContain("application/problem+json");
      expect(await res.json(), query).toMatchObject({ status: 400, field });
    }
    const group = await s.call("GET", "/v1/metrics/governance?groupBy=hour");
    expect(group.status).toBe(400);
    const unknown = await s.call("GET", "/v1/metrics/governance?workflow=nope");
    expect(unknown.status).toBe(422);
    expect(await unknown.json()).toMatchObject({ field: "/workflow" });
  });

  it("serves Prometheus text at /metrics without auth, hidden from OpenAPI", async () => {
    const res = await s.call("GET", "/metrics", undefined, null);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/plain");
    const m = parseProm(await res.text());
    const wf = 'workflow="test.payments"';
    expect(m.get(`loopgate_cases_submitted_total{route="auto",${wf}}`)).toBe(2);
    expect(m.get(`loopgate_cases_submitted_total{route="review",${wf}}`)).toBe(3);
    expect(m.get(`loopgate_cases_submitted_total{route="human_only",${wf}}`)).toBe(1);
    expect(m.get(`loopgate_decisions_total{verdict="approve",${wf}}`)).toBe(3);
    expect(m.get(`loopgate_decisions_total{verdict="edit",${wf}}`)).toBe(1);
    expect(m.get(`loopgate_decisions_total{verdict="reject",${wf}}`)).toBe(1);
    expect(m.get(`loopgate_queue_waiting{${wf}}`)).toBe(1);
    expect(m.get(`loopgate_queue_waiting{workflow="test.other"}`)).toBe(0);
    // Held 30 s (alice), 50 s and 10 s (bob).
    expect(m.get(`loopgate_decision_held_seconds_count{${wf}}`)).toBe(3);
    expect(m.get(`loopgate_decision_held_seconds_sum{${wf}}`)).toBe(90);
    expect(m.get(`loopgate_decision_held_seconds_bucket{le="10",${wf}}`)).toBe(1);
    expect(m.get(`loopgate_decision_held_seconds_bucket{le="30",${wf}}`)).toBe(2);
    expect(m.get(`loopgate_decision_held_seconds_bucket{le="60",${wf}}`)).toBe(3);

    // Later scrapes count only what is new, once, even when two run at once; an event of the last
    // 5 s waits for a later scrape (a PostgreSQL transaction may still commit an earlier one).
    await submit(s, payment({ input: { amount: 300, payee: "Acme" } }), automation);
    const fresh = parseProm(await (await s.call("GET", "/metrics", undefined, null)).text());
    expect(fresh.get(`loopgate_cases_submitted_total{route="auto",${wf}}`)).toBe(2);
    at(now + 10_000);
    const [a, b] = await Promise.all([
      s.call("GET", "/metrics", undefined, null).then(async (r) => parseProm(await r.text())),
      s.call("GET", "/metrics", undefined, null).then(async (r) => parseProm(await r.text())),
    ]);
    for (const later of [a, b]) {
      expect(later.get(`loopgate_cases_submitted_total{route="auto",${wf}}`)).toBe(3);
      expect(later.get(`loopgate_decisions_total{verdict="approve",${wf}}`)).toBe(4);
      expect(later.get(`loopgate_decision_held_seconds_count{${wf}}`)).toBe(3);
    }

    const openapi = await (await s.call("GET", "/openapi.json")).json();
    expect(Object.keys(openapi.paths)).not.toContain("/metrics");
    expect(Object.keys(openapi.paths)).toContain("/v1/metrics/governance");
  });
});
