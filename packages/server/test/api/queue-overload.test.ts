import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pay } from "../helpers/review-rules.js";
import { ENGINES, startTestServer, type TestServer } from "../helpers/server.js";

/**
 * The queue-depth forecast (issue 15, item 2): when the waiting work cannot be done within the SLA at
 * the team's recent pace, a `queue_overload` alert is raised before the first deadline passes.
 */
const POLICIES = fileURLToPath(new URL("../fixtures/workload-policies", import.meta.url));
const MIN = 60_000;

describe.each(ENGINES)("queue overload forecast (%s)", (engine) => {
  let s: TestServer;
  let automation: string;
  let now = Date.parse("2026-11-04T08:00:00Z");
  beforeAll(async () => {
    s = await startTestServer(engine, { policyDir: POLICIES, clock: () => now });
    automation = (await s.newKey("automation")).key;
  });
  afterAll(async () => {
    await s.close();
    await s.storage.cleanup();
  });

  const submit = async (n: number) => {
    for (let i = 0; i < n; i++) {
      const res = await s.call(
        "POST",
        "/v1/cases",
        pay("wl.forecast", 100 + i, { confidence: 0.5 }),
        automation,
      );
      expect(res.status).toBe(201);
    }
  };
  const run = async () => {
    const res = await s.call("POST", "/v1/oversight/run", { workflow: "wl.forecast" });
    expect(res.status).toBe(200);
    return ((await res.json()).alerts as Array<{ kind: string; evidence: Record<string, unknown> }>).filter(
      (a) => a.kind === "queue_overload",
    );
  };

  it("stays quiet while the team keeps up, then warns of a queue it cannot clear in time, before any case is late", async () => {
    // A pace of 2 decisions an hour over the last 4 hours.
    const reviewer = await s.newKey("reviewer", ["wl.forecast"]);
    for (let i = 0; i < 8; i++) {
      await submit(1);
      const claimed = await (
        await s.call("POST", "/v1/queue/claim", { workflows: ["wl.forecast"] }, reviewer.key)
      ).json();
      const decided = await s.call(
        "POST",
        `/v1/cases/${claimed.case.id}/decisions`,
        { verdict: "approve" },
        reviewer.key,
      );
      expect(decided.status).toBe(201);
      now += 30 * MIN;
    }
    // Four waiting: two hours of work at that pace, inside the 4-hour SLA.
    await submit(4);
    expect(await run()).toEqual([]);

    // Twenty more arrive: twelve hours of work in all; the oldest waiting case has 4 hours left.
    await submit(20);
    const [alert] = await run();
    expect(alert?.evidence).toMatchObject({
      waiting: 24,
      pacePerHour: 2,
      decidedInPaceWindow: 8,
      paceWindow: "4h",
      sla: "4h",
      clearsIn: "12h",
    });
    const firstMissDeadline = Date.parse(alert?.evidence.firstMissDeadline as string);
    expect(firstMissDeadline).toBeGreaterThan(now);
    expect(alert?.evidence.atRisk).toBeGreaterThan(10);

    // One open alert per workflow: a second run raises nothing new.
    now += 5 * MIN;
    expect(await run()).toEqual([]);
    const listed = await (await s.call("GET", "/v1/oversight/alerts?workflow=wl.forecast")).json();
    expect(listed.alerts.filter((a: { kind: string }) => a.kind === "queue_overload")).toHaveLength(1);
  });
});
