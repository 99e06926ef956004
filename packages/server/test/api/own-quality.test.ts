import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { keyOf, newUser, signIn } from "../helpers/owners.js";
import { ENGINES, startTestServer, type TestServer } from "../helpers/server.js";

/**
 * `GET /v1/me/quality` (issue 15, item 3) through the real API: four reviewers decide payments of
 * `quality.pay`, each bringing a catch trial; the automation reports outcomes and an auditor judges the
 * drawn approvals. Each reviewer sees their own figures (every key of theirs counting as them) beside
 * the team's, and no query reaches a colleague's.
 */
const POLICIES = fileURLToPath(new URL("../fixtures/owner-inbox-policies", import.meta.url));
const WF = "quality.pay";
const DAY = 86_400_000;
const T0 = Date.parse("2026-11-02T09:00:00Z");

/** What each reviewer does: per case, whether they pass its catch trial and the real case's outcome. */
type Plan = { trialPassed: boolean; outcome: "correct" | "incorrect" }[];

describe.each(ENGINES)("a reviewer's own quality (%s)", (engine) => {
  let s: TestServer;
  let now = T0;
  let automation: string;
  let auditor: string;
  const people: Record<string, { id: string; keys: { key: string; id: string }[] }> = {};

  const submit = async () => {
    const res = await s.call(
      "POST",
      "/v1/cases",
      {
        workflow: WF,
        action: "pay",
        input: { amount: 120, payee: "Acme" },
        proposal: { pay: 120 },
        confidence: 0.5,
      },
      automation,
    );
    expect(res.status).toBe(201);
    return (await res.json()).id as string;
  };

  /** Claims the real case and its catch trial, decides both as planned; returns the real case's id. */
  async function work(token: string, step: Plan[number]): Promise<string> {
    const real = await submit();
    for (let i = 0; i < 2; i++) {
      now += 1000;
      const claim = await s.call("POST", "/v1/queue/claim", { workflows: [WF] }, token);
      expect(claim.status).toBe(200);
      const id = (await claim.json()).case.id as string;
      const trial = id !== real;
      now += 20_000;
      const reject = trial && step.trialPassed;
      const body = reject ? { verdict: "reject", reasonCode: "wrong_amount" } : { verdict: "approve" };
      expect((await s.call("POST", `/v1/cases/${id}/decisions`, body, token)).status).toBe(201);
    }
    expect(
      (await s.call("POST", `/v1/cases/${real}/outcome`, { result: step.outcome }, automation)).status,
    ).toBe(201);
    return real;
  }

  const outcomes = new Map<string, "correct" | "incorrect">();

  beforeAll(async () => {
    s = await startTestServer(engine, { clock: () => now, policyDir: POLICIES });
    automation = (await s.newKey("automation")).key;
    auditor = (await s.newKey("auditor")).key;
    const gold = await s.call("POST", `/v1/workflows/${WF}/gold`, {
      items: [
        {
          action: "pay",
          input: { amount: 2500, payee: "Acme" },
          proposal: { pay: 250 },
          confidence: 0.97,
          expected: "reject",
          expectedReason: "wrong_amount",
        },
      ],
    });
    expect(gold.status, await gold.clone().text()).toBe(201);
    // Ada works through two keys of hers; the others through one each.
    for (const [name, keys] of [
      ["ada", 2],
      ["bob", 1],
      ["cy", 1],
      ["dee", 1],
    ] as const) {
      const user = await newUser(s, name, { workflows: [WF] });
      const list = [];
      for (let i = 0; i < keys; i++) list.push(await keyOf(s, name, { workflows: [WF] }));
      people[name] = { id: user.id, keys: list };
    }
    const plans: [string, number, Plan][] = [
      [
        "ada",
        0,
        [
          { trialPassed: true, outcome: "correct" },
          { trialPassed: false, outcome: "incorrect" },
        ],
      ],
      ["ada", 1, [{ trialPassed: true, outcome: "correct" }]],
      [
        "bob",
        0,
        [
          { trialPassed: true, outcome: "correct" },
          { trialPassed: true, outcome: "correct" },
        ],
      ],
      ["cy", 0, [{ trialPassed: false, outcome: "incorrect" }]],
      ["dee", 0, [{ trialPassed: true, outcome: "correct" }]],
    ];
    for (const [name, k, plan] of plans) {
      const token = people[name]?.keys[k]?.key as string;
      for (const step of plan) outcomes.set(await work(token, step), step.outcome);
    }
    // Every approval drawn (auditRate 1) and judged as its outcome went, so the post-review errors stay
    // what the outcomes say.
    now += 1000;
    const draw = await s.call("POST", "/v1/audits/draw", { workflow: WF });
    expect(draw.status, await draw.clone().text()).toBe(201);
    const { audits } = (await draw.json()) as { audits: { id: string; caseId: string }[] };
    expect(audits.map((a) => a.caseId).sort()).toEqual([...outcomes.keys()].sort());
    for (const a of audits) {
      const res = await s.call(
        "POST",
        `/v1/audits/${a.id}/verdict`,
        { result: outcomes.get(a.caseId) },
        auditor,
      );
      expect(res.status).toBe(201);
    }
    now += 1000;
  }, 120_000);

  afterAll(async () => {
    await s?.close();
    await s?.storage.cleanup();
  });

  const quality = async (token: string, query = "") => {
    const res = await s.call("GET", `/v1/me/quality${query}`, undefined, token);
    expect(res.status, await res.clone().text()).toBe(200);
    return res.json();
  };

  /** The team: 7 decisions, 7 catch trials (5 passed), 7 approvals audited and reported (2 incorrect). */
  const team = {
    people: 4,
    decisions: 7,
    catchTrials: { trials: 7, passed: 5, passRate: 5 / 7 },
    audits: { audited: 7, correct: 5, incorrect: 2, correctRate: 5 / 7 },
    postReviewErrors: { reported: 7, incorrect: 2, rate: 2 / 7 },
    withheld: [],
  };

  it("gives Ada her own figures, both of her keys counted as her, beside the team's", async () => {
    const ada = people.ada as (typeof people)[string];
    const expected = {
      workflow: null,
      since: new Date(now - 30 * DAY).toISOString(),
      until: new Date(now).toISOString(),
      you: {
        person: ada.id,
        name: "ada",
        decisions: 3,
        catchTrials: { trials: 3, passed: 2, passRate: 2 / 3 },
        audits: { audited: 3, correct: 2, incorrect: 1, correctRate: 2 / 3 },
        postReviewErrors: { reported: 3, incorrect: 1, rate: 1 / 3 },
      },
      team,
    };
    for (const k of ada.keys) expect(await quality(k.key)).toEqual(expected);
    expect(await quality(ada.keys[1]?.key as string, `?workflow=${WF}`)).toEqual({
      ...expected,
      workflow: WF,
    });
    // Signed in with her password, the same person.
    const session = await signIn(s, "ada");
    const res = await session.call("GET", "/v1/me/quality");
    expect(await res.json()).toEqual(expected);
  });

  it("gives Cy his own figures, never Ada's, whatever he puts in the query", async () => {
    const cy = (people.cy as (typeof people)[string]).keys[0]?.key as string;
    const mine = await quality(cy);
    expect(mine.you).toMatchObject({
      person: people.cy?.id,
      decisions: 1,
      catchTrials: { trials: 1, passed: 0, passRate: 0 },
      postReviewErrors: { reported: 1, incorrect: 1, rate: 1 },
    });
    // Naming a colleague is refused, naming the field; so is any other way of asking for someone.
    for (const field of ["reviewer", "person", "groupBy", "user"]) {
      const res = await s.call("GET", `/v1/me/quality?${field}=${people.ada?.id}`, undefined, cy);
      expect(res.status).toBe(400);
      expect(JSON.stringify(await res.json())).toContain(`/${field}`);
    }
    // Parameter pollution and a key id of Ada's: still refused, and nothing of Ada's leaks in a 200.
    const polluted = await s.call(
      "GET",
      `/v1/me/quality?workflow=${WF}&workflow=${people.ada?.keys[0]?.id}`,
      undefined,
      cy,
    );
    expect(polluted.status).toBe(400);
    const text = JSON.stringify(mine);
    for (const id of [people.ada?.id, ...(people.ada?.keys.map((k) => k.id) ?? [])]) {
      expect(text).not.toContain(id as string);
    }
  });

  it("refuses automations, and workflows outside the caller's scope, naming the field", async () => {
    expect((await s.call("GET", "/v1/me/quality", undefined, automation)).status).toBe(403);
    await newUser(s, "eve", { workflows: ["inbox.a"] });
    const outsider = await keyOf(s, "eve", { workflows: ["inbox.a"] });
    const res = await s.call("GET", `/v1/me/quality?workflow=${WF}`, undefined, outsider.key);
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ field: "/workflow" });
    const unscoped = (await s.newKey("reviewer")).key;
    const unknown = await s.call("GET", "/v1/me/quality?workflow=no.such", undefined, unscoped);
    expect(unknown.status).toBe(422);
    expect(await unknown.json()).toMatchObject({ field: "/workflow" });
    // Without a workflow named, the figures cover only the caller's own workflows.
    const elsewhere = await quality(outsider.key);
    expect(elsewhere.you).toMatchObject({ person: outsider.userId, decisions: 0 });
    expect(elsewhere.team).toMatchObject({ people: 0, catchTrials: null, audits: null });
  });

  it("withholds a team figure that one colleague alone stands behind", async () => {
    // A week later only Ada and Bob work, and a month on the first week is out of the window: the
    // team's figures minus Ada's would be Bob's.
    now += 7 * DAY;
    const window = { start: now };
    await work(people.ada?.keys[0]?.key as string, { trialPassed: true, outcome: "correct" });
    await work(people.bob?.keys[0]?.key as string, { trialPassed: false, outcome: "incorrect" });
    now = window.start + 29 * DAY;
    const ada = await quality(people.ada?.keys[0]?.key as string);
    expect(ada.you).toMatchObject({ decisions: 1, catchTrials: { trials: 1, passed: 1 } });
    expect(ada.team).toEqual({
      people: 2,
      decisions: null,
      catchTrials: null,
      audits: null,
      postReviewErrors: null,
      withheld: ["decisions", "catchTrials", "audits", "postReviewErrors"],
    });
  });

  it("publishes the route in /openapi.json", async () => {
    const { paths } = await (await s.call("GET", "/openapi.json")).json();
    const params = paths["/v1/me/quality"].get.parameters.map((p: { name: string }) => p.name);
    expect(params).toEqual(["workflow"]);
  });
});
