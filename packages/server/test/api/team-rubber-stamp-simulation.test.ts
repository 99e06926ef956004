import { fileURLToPath } from "node:url";
import { seededRandom, standardNormal } from "@loopgate/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ownerKey } from "../helpers/owners.js";
import { reviewerKey } from "../helpers/review-rules.js";
import { ENGINES, startTestServer, type TestServer } from "../helpers/server.js";

/**
 * The absolute checks through the real API (issue 15, item 1, "Done when"): three workflows worked side by
 * side under a clock the test moves by each reviewer's dwell, catch trials mixed in from a gold set at
 * `oversight.catchTrialRate` 0.2, then the owner runs the oversight check.
 *
 * - `team.diligent`: three diligent reviewers (dwell lognormal, median 60 s; reject 95 % of the wrong
 *   proposals, approve 97 % of the right ones).
 * - `team.stampers`: three rubber-stampers and no diligent peer (1–4 s, approve 99 % of everything), so
 *   nobody stands out against the others.
 * - `team.lone`: one rubber-stamper alone, on a workflow with a 5 s minimum review time: they wait it
 *   out and approve 0.5–3 s later, under the 10 s floor. Every approval is then drawn for audit, and
 *   the auditor judges the wrong ones incorrect.
 * The automation's proposal is wrong (pays 10 % too much) for 15 % of the cases. Every random choice is
 * seeded, and each engine runs its own seed: two seeded runs of each team.
 */
const POLICIES = fileURLToPath(new URL("../fixtures/policies-oversight-team", import.meta.url));
const T0 = Date.parse("2026-11-02T08:00:00Z");
const SEC = 1000;
/** Each reviewer decides this many cases: the detector's default minimum. */
const ROUNDS = 30;

type Behaviour = "diligent" | "stamper" | "lone";

interface Reviewer {
  name: string;
  key: string;
  id: string;
  workflow: string;
  behaviour: Behaviour;
  rand: () => number;
}

interface Alert {
  id: string;
  kind: string;
  workflow: string;
  reviewer: string | null;
  reviewerName: string | null;
  // biome-ignore lint/suspicious/noExplicitAny: the evidence as JSON
  evidence: any;
}

/** An invoice and the automation's proposal to pay it; a wrong proposal pays 10 % more. */
function invoice(amount: number, wrong: boolean) {
  return {
    action: "pay",
    input: { amount, payee: "Acme" },
    proposal: { pay: wrong ? Math.round(amount * 1.1) : amount, to: "Acme" },
    confidence: 0.9,
  };
}

/** Known answers: seven wrong proposals (a reviewer should not approve) and three right ones. */
const GOLD = Array.from({ length: 10 }, (_, i) => ({
  ...invoice(1000 + 37 * i, i < 7),
  expected: i < 7 ? "reject" : "approve",
}));

const TEAMS: Array<[string, Behaviour, number]> = [
  ["team.diligent", "diligent", 3],
  ["team.stampers", "stamper", 3],
  ["team.lone", "lone", 1],
];

describe.each(ENGINES)("team rubber-stamp simulation through the API (%s)", (engine) => {
  const seed = engine === "sqlite" ? 1 : 2;
  let s: TestServer;
  let now = T0;
  let owner: string;
  const reviewers: Reviewer[] = [];
  /** Real cases whose proposal is wrong, so the auditor can judge them. */
  const wrongCases = new Set<string>();
  let raised: Alert[];
  let judged = { audits: 0, incorrect: 0 };
  /** The lone stamper's catch trials of a wrong proposal, and how many of them they approved. */
  let wrongTrials = { decided: 0, approved: 0 };

  beforeAll(async () => {
    s = await startTestServer(engine, {
      clock: () => now,
      policyDir: POLICIES,
      random: seededRandom(3000 + seed),
      oversightIntervalMs: 0,
      // Diligent dwell runs past the helpers' 60 s lease now and then.
      leaseSeconds: 900,
    });
    const automation = (await s.newKey("automation")).key;
    owner = (await ownerKey(s, "owner@example.com")).key;
    for (const [workflow, behaviour, size] of TEAMS) {
      expect((await s.call("POST", `/v1/workflows/${workflow}/gold`, { items: GOLD }, owner)).status).toBe(
        201,
      );
      for (let i = 0; i < size; i++) {
        const name = `${behaviour}-${i + 1}`;
        reviewers.push({
          name,
          ...(await reviewerKey(s, name)),
          workflow,
          behaviour,
          rand: seededRandom(seed * 100 + reviewers.length),
        });
      }
    }
    const cases = seededRandom(seed * 7);
    const submit = async (workflow: string) => {
      const wrong = cases() < 0.15;
      const body = { workflow, ...invoice(100 + Math.floor(cases() * 9000), wrong) };
      const res = await s.call("POST", "/v1/cases", body, automation);
      expect(res.status).toBe(201);
      if (wrong) wrongCases.add((await res.json()).id);
    };

    /** Claims the next case of the reviewer's workflow (submitting one when none waits) and decides it. */
    const work = async (r: Reviewer) => {
      let claimed = await s.call("POST", "/v1/queue/claim", { workflows: [r.workflow] }, r.key);
      if (claimed.status === 204) {
        await submit(r.workflow);
        claimed = await s.call("POST", "/v1/queue/claim", { workflows: [r.workflow] }, r.key);
      }
      expect(claimed.status).toBe(200);
      const { case: c } = await claimed.json();
      const wrong = c.proposal.pay !== c.input.amount;
      const dwell = {
        diligent: () => Math.round(60 * SEC * Math.exp(0.4 * standardNormal(r.rand))),
        stamper: () => Math.round((1 + 3 * r.rand()) * SEC),
        lone: () => Math.round((5.5 + 2.5 * r.rand()) * SEC),
      }[r.behaviour]();
      const approve = r.behaviour !== "diligent" ? r.rand() < 0.99 : r.rand() < (wrong ? 0.05 : 0.97);
      now += dwell;
      const decision = approve
        ? { verdict: "approve" }
        : { verdict: "reject", reasonCode: wrong ? "wrong_amount" : "other", note: "not sure" };
      expect((await s.call("POST", `/v1/cases/${c.id}/decisions`, decision, r.key)).status).toBe(201);
    };

    for (let round = 0; round < ROUNDS; round++) {
      for (const r of reviewers) {
        await work(r);
        now += Math.round(cases() * 30 * SEC);
      }
    }

    // The lone workflow's approvals are audited; the auditor knows which proposals were wrong.
    expect((await s.call("POST", "/v1/audits/draw", { workflow: "team.lone" }, owner)).status).toBe(201);
    const auditor = (await s.newKey("auditor")).key;
    const open = await s.call("GET", "/v1/audits?workflow=team.lone&status=open", undefined, auditor);
    for (const a of (await open.json()).audits as Array<{ id: string; caseId: string }>) {
      const result = wrongCases.has(a.caseId) ? "incorrect" : "correct";
      const res = await s.call("POST", `/v1/audits/${a.id}/verdict`, { result }, auditor);
      expect(res.status).toBe(201);
      judged = { audits: judged.audits + 1, incorrect: judged.incorrect + (result === "incorrect" ? 1 : 0) };
    }
    const trials = await s.call(
      "GET",
      `/v1/oversight/catch-trials?workflow=team.lone&since=${new Date(T0).toISOString()}&items=true`,
      undefined,
      owner,
    );
    expect(trials.status).toBe(200);
    for (const t of (await trials.json()).items as Array<{ expected: string; verdict: string }>) {
      if (t.expected !== "reject") continue;
      wrongTrials = {
        decided: wrongTrials.decided + 1,
        approved: wrongTrials.approved + (t.verdict === "approve" ? 1 : 0),
      };
    }
    now += 60 * SEC;

    const run = await s.call("POST", "/v1/oversight/run", {}, owner);
    expect(run.status).toBe(200);
    raised = (await run.json()).alerts;
  }, 600_000);

  afterAll(async () => {
    await s?.close();
    await s?.storage.cleanup();
  });

  const alertsOf = (workflow: string, kind: string) =>
    raised.filter((a) => a.workflow === workflow && a.kind === kind);

  it("flags a stamping team of 3 with no diligent peer, as a team and each member", () => {
    const [team, ...more] = alertsOf("team.stampers", "team_rubber_stamp");
    expect(more).toEqual([]);
    expect(team?.reviewer).toBeNull();
    expect(team?.evidence).toMatchObject({
      reviewers: 3,
      decisions: 90,
      maxMissRate: 0.1,
      dwellFloorMs: 5 * SEC,
    });
    expect(team?.evidence.belowFloorShare).toBeGreaterThan(0.9);
    expect(team?.evidence.minPValue).toBeLessThanOrEqual(team?.evidence.threshold);
    const dwell = team?.evidence.signals.find((x: { kind: string }) => x.kind === "dwell_below_floor");
    expect(dwell).toMatchObject({ basis: "absolute", cases: 90, tolerance: 0.5, significant: true });
    expect(dwell.failures).toBe(team?.evidence.decisionsBelowFloor);

    const members = alertsOf("team.stampers", "rubber_stamp");
    expect(members.map((a) => a.reviewerName).sort()).toEqual(["stamper-1", "stamper-2", "stamper-3"]);
    for (const a of members) {
      expect(a.evidence.basis).toContain("absolute");
      expect(a.evidence.peerDecisions).toBe(60);
    }
  });

  it("flags a lone stamper who waits out the minimum review time, with the audits counted", () => {
    const [alone, ...more] = alertsOf("team.lone", "rubber_stamp");
    expect(more).toEqual([]);
    expect(alone).toMatchObject({ reviewerName: "lone-1" });
    expect(alone?.evidence).toMatchObject({
      decisions: 30,
      peerDecisions: 0,
      basis: ["absolute"],
      dwellFloorMs: 10 * SEC,
      belowFloorShare: 1,
    });
    // The known-wrong checks are the catch trials of a wrong proposal plus the audited approvals.
    expect(judged.audits).toBeGreaterThan(0);
    expect(alone?.evidence.knownWrongChecked).toBe(wrongTrials.decided + judged.audits);
    expect(alone?.evidence.knownWrongApproved).toBe(wrongTrials.approved + judged.incorrect);
    expect(alertsOf("team.lone", "team_rubber_stamp")).toHaveLength(1);
  });

  it("raises no alert for the diligent team", () => {
    // A diligent reviewer is flagged with probability ≤ alpha = 1 % and the workflow with ≤ 1 % (both
    // families Bonferroni-corrected; docs/oversight.md), so by the union bound some alert here has
    // probability ≤ 4 %. Seeded: the same outcome every run; the pure-core simulation
    // (team-rubber-stamp.test.ts in core) measures the rate itself over thousands of runs.
    expect(raised.filter((a) => a.workflow === "team.diligent")).toEqual([]);
  });

  it("raises each alert once while it is open", async () => {
    const again = await s.call("POST", "/v1/oversight/run", {}, owner);
    expect(again.status).toBe(200);
    expect((await again.json()).alerts).toEqual([]);
    const listed = await s.call("GET", "/v1/oversight/alerts?kind=team_rubber_stamp", undefined, owner);
    expect(((await listed.json()).alerts as Alert[]).map((a) => a.workflow).sort()).toEqual([
      "team.lone",
      "team.stampers",
    ]);
  });
});
