import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { reviewerKey } from "../helpers/review-rules.js";
import { ENGINES, startTestServer, type TestServer } from "../helpers/server.js";

const POLICIES = fileURLToPath(new URL("../fixtures/learning-queue-policies", import.meta.url));
const T0 = Date.parse("2026-11-02T09:00:00Z");
const DAY = 86_400_000;

// The same four cases as core's strategy tests (learning/active-learning.test.ts): each strategy puts a
// different one first. `sure` is submitted first, so oldest-first would hand it out first.
const CASES = {
  sure: [0.98, 0.01, 0.01],
  tie: [0.5, 0.5, 0],
  spread: [0.45, 0.275, 0.275],
  weak: [0.44, 0.4, 0.16],
} as const;
type Name = keyof typeof CASES;

describe.each(ENGINES)("active-learning queues (%s)", (engine) => {
  let s: TestServer;
  let automation: { key: string; id: string };
  let agent: { key: string; id: string };
  let now = T0;
  const names = new Map<string, string>();

  const submit = async (workflow: string, name: Name | "plain") => {
    now += 1000;
    const [top, second, rest] = name === "plain" ? [0.7, 0.2, 0.1] : CASES[name];
    const res = await s.call(
      "POST",
      "/v1/cases",
      {
        workflow,
        action: "set_category",
        input: { message: `ticket ${name}` },
        proposal: {
          category: "billing",
          candidates: [
            { label: "billing", probability: top },
            { label: "account", probability: second },
            { label: "other", probability: rest },
          ],
        },
        confidence: top,
      },
      automation.key,
    );
    expect(res.status).toBe(201);
    const id = (await res.json()).id as string;
    names.set(id, name);
    return id;
  };
  /** Claims the next case (of `workflow`, or of any) and labels it; its name, or null on 204. */
  const labelNext = async (workflow?: string): Promise<string | null> => {
    now += 1000;
    const res = await s.call("POST", "/v1/queue/claim", workflow ? { workflows: [workflow] } : {}, agent.key);
    if (res.status === 204) return null;
    expect(res.status).toBe(200);
    const id = (await res.json()).case.id as string;
    const decided = await s.call(
      "POST",
      `/v1/cases/${id}/decisions`,
      names.get(id) === "plain" ? { verdict: "approve" } : { verdict: "label", output: { label: "billing" } },
      agent.key,
    );
    expect(decided.status, await decided.clone().text()).toBe(201);
    return names.get(id) ?? id;
  };
  const submitAll = async (workflow: string) => {
    for (const name of Object.keys(CASES) as Name[]) await submit(workflow, name);
  };

  beforeAll(async () => {
    s = await startTestServer(engine, { policyDir: POLICIES, clock: () => now });
    automation = await s.newKey("automation");
    agent = await reviewerKey(s, "Agent");
  });
  afterAll(async () => {
    await s.close();
    await s.storage.cleanup();
  });

  it("least_confidence hands out the weakest best guess first", async () => {
    await submitAll("al.least-confidence");
    const order = [];
    for (let i = 0; i < 4; i++) order.push(await labelNext("al.least-confidence"));
    expect(order).toEqual(["weak", "spread", "tie", "sure"]);
  });

  it("entropy hands out the most spread-out case first", async () => {
    await submitAll("al.entropy");
    const order = [];
    for (let i = 0; i < 4; i++) order.push(await labelNext("al.entropy"));
    expect(order).toEqual(["spread", "weak", "tie", "sure"]);
  });

  it("margin hands out the closest call first, and stops at the daily budget until the next UTC day", async () => {
    await submitAll("al.margin");
    const order = [];
    for (let i = 0; i < 3; i++) order.push(await labelNext("al.margin"));
    expect(order).toEqual(["tie", "weak", "spread"]);
    // dailyBudget 3: spent for today, so the last case waits (also when claiming across workflows).
    expect(await labelNext("al.margin")).toBeNull();
    expect(await labelNext()).toBeNull();
    expect(
      await s.store.learning.countHumanDecisions({ workflow: "al.margin", since: T0 - 9 * 3_600_000 }),
    ).toBe(3);
    now = Date.parse("2026-11-03T00:00:01Z");
    expect(await labelNext("al.margin")).toBe("sure");
  });

  it("across workflows the oldest case still sets whose turn it is; inside an active-learning turn, uncertainty wins", async () => {
    now += DAY;
    await submit("plain.review", "plain");
    await submitAll("al.entropy");
    const order = [];
    for (let i = 0; i < 5; i++) order.push(await labelNext());
    // The plain case is the oldest: its workflow goes first, though every entropy case is more uncertain.
    expect(order).toEqual(["plain", "spread", "weak", "tie", "sure"]);
    expect(await labelNext()).toBeNull();
  });

  it("the priority is stored with the case (the strategy's uncertainty), 0 outside active learning", async () => {
    const plain = await submit("plain.review", "plain");
    const margin = await submit("al.margin", "weak");
    const entropy = await submit("al.entropy", "tie");
    expect((await s.store.cases.get(plain))?.priority).toBe(0);
    // margin: 1 − (0.44 − 0.40); entropy of (0.5, 0.5, 0) over ln 3.
    expect((await s.store.cases.get(margin))?.priority).toBeCloseTo(0.96, 12);
    expect((await s.store.cases.get(entropy))?.priority).toBeCloseTo(Math.log(2) / Math.log(3), 12);
  });
});
