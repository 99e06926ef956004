import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { keyOf, newUser } from "../helpers/owners.js";
import { pay } from "../helpers/review-rules.js";
import { ENGINES, startTestServer, type TestServer } from "../helpers/server.js";

/**
 * Workload and fatigue limits (issue 15, item 2; policy `review.limits`): at most N cases held at once,
 * a daily decision cap, and a break after continuous work, per person and workflow, enforced at claim.
 */
const POLICIES = fileURLToPath(new URL("../fixtures/workload-policies", import.meta.url));
const MIN = 60_000;

describe.each(ENGINES)("workload limits (%s)", (engine) => {
  let s: TestServer;
  let automation: string;
  let now = Date.parse("2026-11-04T09:00:00Z");
  beforeAll(async () => {
    s = await startTestServer(engine, { policyDir: POLICIES, clock: () => now });
    automation = (await s.newKey("automation")).key;
  });
  afterAll(async () => {
    await s.close();
    await s.storage.cleanup();
  });

  const submit = async (workflow: string, n: number) => {
    for (let i = 0; i < n; i++) {
      const res = await s.call("POST", "/v1/cases", pay(workflow, 100 + i, { confidence: 0.5 }), automation);
      expect(res.status).toBe(201);
    }
  };
  const claim = (workflows: string[], key: string) => s.call("POST", "/v1/queue/claim", { workflows }, key);
  const claimAndApprove = async (workflow: string, key: string) => {
    const res = await claim([workflow], key);
    expect(res.status).toBe(200);
    const { case: c } = await res.json();
    const decided = await s.call("POST", `/v1/cases/${c.id}/decisions`, { verdict: "approve" }, key);
    expect(decided.status).toBe(201);
  };
  /** A person with two keys: the limits count the person, whichever key claims. */
  const person = async (name: string) => {
    await newUser(s, name);
    return [(await keyOf(s, name)).key, (await keyOf(s, name)).key] as const;
  };

  it("holds a person to maxHeld across their keys, with a 409 naming the limit, until they decide one", async () => {
    await submit("wl.held", 5);
    const [first, second] = await person("hana");
    expect((await claim(["wl.held"], first)).status).toBe(200);
    const held = await claim(["wl.held"], second);
    expect(held.status).toBe(200);
    const heldCase = (await held.json()).case.id as string;

    const refused = await claim(["wl.held"], first);
    expect(refused.status).toBe(409);
    expect(refused.headers.get("content-type")).toContain("application/problem+json");
    const problem = await refused.json();
    expect(problem).toMatchObject({
      status: 409,
      limits: [{ workflow: "wl.held", limit: "maxHeld", value: 2, retryAt: null }],
    });
    expect(problem.detail).toContain("review.limits.maxHeld: 2");
    expect((await claim(["wl.held"], second)).status).toBe(409);

    // Someone else is not held back by Hana's load.
    const [other] = await person("omar");
    expect((await claim(["wl.held"], other)).status).toBe(200);

    const decided = await s.call("POST", `/v1/cases/${heldCase}/decisions`, { verdict: "approve" }, second);
    expect(decided.status).toBe(201);
    expect((await claim(["wl.held"], first)).status).toBe(200);
  });

  it("never lets one person's parallel claims together pass maxHeld", async () => {
    await submit("wl.held", 8);
    const [a, b] = await person("paz");
    const results = await Promise.all(Array.from({ length: 6 }, (_, i) => claim(["wl.held"], i % 2 ? a : b)));
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 200, 409, 409, 409, 409]);
  });

  it("caps decisions per UTC day with a 429 and Retry-After until midnight", async () => {
    await submit("wl.daily", 5);
    const [key] = await person("dana");
    for (let i = 0; i < 3; i++) await claimAndApprove("wl.daily", key);
    const capped = await claim(["wl.daily"], key);
    expect(capped.status).toBe(429);
    const midnight = Date.parse("2026-11-05T00:00:00Z");
    expect(capped.headers.get("retry-after")).toBe(String(Math.ceil((midnight - now) / 1000)));
    expect(await capped.json()).toMatchObject({
      limits: [
        {
          workflow: "wl.daily",
          limit: "dailyDecisions",
          value: 3,
          retryAt: new Date(midnight).toISOString(),
        },
      ],
    });
    // A limit in one workflow leaves the others open: asked for both, the claim takes from the other.
    await submit("wl.held", 1);
    const elsewhere = await claim(["wl.daily", "wl.held"], key);
    expect(elsewhere.status).toBe(200);
    expect((await elsewhere.json()).case.workflow).toBe("wl.held");

    const saved = now;
    now = midnight + MIN;
    await claimAndApprove("wl.daily", key);
    now = saved;
  });

  it("asks for a break after continuous work, with Retry-After until it is over", async () => {
    await submit("wl.break", 12);
    const [key] = await person("bea");
    // A decision every 4 minutes: after 20 minutes of it, the next claim waits for a 5-minute break.
    for (let i = 0; i < 6; i++) {
      await claimAndApprove("wl.break", key);
      now += 4 * MIN;
    }
    const lastDecision = now - 4 * MIN;
    const tired = await claim(["wl.break"], key);
    expect(tired.status).toBe(429);
    expect(tired.headers.get("retry-after")).toBe(String((lastDecision + 5 * MIN - now) / 1000));
    expect((await tired.json()).limits[0]).toMatchObject({ limit: "continuousWork", value: 1200 });
    now = lastDecision + 5 * MIN;
    expect((await claim(["wl.break"], key)).status).toBe(200);
  });
});
