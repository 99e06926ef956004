import { fileURLToPath } from "node:url";
import { seededRandom, standardNormal } from "@loopgate/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ownerKey } from "../helpers/owners.js";
import { reviewerKey } from "../helpers/review-rules.js";
import { ENGINES, startTestServer, type TestServer } from "../helpers/server.js";

/**
 * The rubber-stamp simulation through the real API (issue 5, "Done when"): 12 diligent reviewers and 3
 * rubber-stampers, each with their own reviewer key, work the queue of `oversight.sim` (every case goes to
 * a person; catch trials from a gold set are mixed in at `oversight.catchTrialRate` 0.2) under a clock the
 * test moves by each reviewer's dwell. Then the owner runs the oversight check.
 *
 * - The automation's proposal is wrong (pays 10 % too much) for 15 % of the cases.
 * - Diligent reviewers hold a case a lognormal time (median 60 s, σ 0.4 on the log scale: about 30–120 s),
 *   reject 95 % of the wrong proposals and approve 97 % of the right ones (so they approve about 83 %).
 * - Rubber-stampers hold a case 1–4 s and approve 99 % of everything, catch trials included.
 * A reviewer decides from what the API shows (the case's input and proposal), so catch trials are
 * treated like any case. Every random choice is seeded: the server's mixing (`random`), the cases, and
 * each reviewer's own stream.
 */
const POLICIES = fileURLToPath(new URL("../fixtures/policies-oversight", import.meta.url));
const WF = "oversight.sim";
const T0 = Date.parse("2026-10-05T08:00:00Z");
const SEC = 1000;
/** Each reviewer decides this many cases: the detector's default minimum. */
const ROUNDS = 30;

interface Reviewer {
  name: string;
  key: string;
  id: string;
  stamper: boolean;
  rand: () => number;
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

describe.each(ENGINES)("rubber-stamp simulation through the API (%s)", (engine) => {
  let s: TestServer;
  let now = T0;
  let automation: string;
  let owner: string;
  const reviewers: Reviewer[] = [];

  /** Claims the next case (the automation submits one when the queue is empty) and decides it. */
  async function work(r: Reviewer, submit: () => Promise<void>) {
    let claimed = await s.call("POST", "/v1/queue/claim", { workflows: [WF] }, r.key);
    if (claimed.status === 204) {
      await submit();
      claimed = await s.call("POST", "/v1/queue/claim", { workflows: [WF] }, r.key);
    }
    expect(claimed.status).toBe(200);
    const { case: c } = await claimed.json();
    const wrong = c.proposal.pay !== c.input.amount;
    const dwell = r.stamper
      ? Math.round((1 + 3 * r.rand()) * SEC)
      : Math.round(60 * SEC * Math.exp(0.4 * standardNormal(r.rand)));
    const approve = r.stamper ? r.rand() < 0.99 : wrong ? r.rand() < 0.05 : r.rand() < 0.97;
    now += dwell;
    const decision = approve
      ? { verdict: "approve" }
      : { verdict: "reject", reasonCode: wrong ? "wrong_amount" : "other", note: "not sure" };
    const res = await s.call("POST", `/v1/cases/${c.id}/decisions`, decision, r.key);
    expect(res.status).toBe(201);
  }

  beforeAll(async () => {
    s = await startTestServer(engine, {
      clock: () => now,
      policyDir: POLICIES,
      random: seededRandom(2026),
      oversightIntervalMs: 0,
      // Diligent dwell runs past the helpers' 60 s lease now and then.
      leaseSeconds: 900,
    });
    automation = (await s.newKey("automation", [WF])).key;
    owner = (await ownerKey(s, "owner@example.com")).key;
    const gold = await s.call("POST", `/v1/workflows/${WF}/gold`, { items: GOLD }, owner);
    expect(gold.status).toBe(201);
    for (let i = 0; i < 15; i++) {
      const stamper = i >= 12;
      const name = stamper ? `stamper-${i - 11}` : `diligent-${i + 1}`;
      reviewers.push({
        name,
        ...(await reviewerKey(s, name)),
        stamper,
        rand: seededRandom(100 + i),
      });
    }
    const cases = seededRandom(7);
    const submit = async () => {
      const amount = 100 + Math.floor(cases() * 9000);
      const body = { workflow: WF, ...invoice(amount, cases() < 0.15) };
      expect((await s.call("POST", "/v1/cases", body, automation)).status).toBe(201);
    };
    for (let round = 0; round < ROUNDS; round++) {
      for (const r of reviewers) {
        await work(r, submit);
        now += Math.round(cases() * 60 * SEC);
      }
    }
  }, 600_000);

  afterAll(async () => {
    await s?.close();
    await s?.storage.cleanup();
  });

  it("flags every rubber-stamper and at most one diligent reviewer", async () => {
    const res = await s.call("POST", "/v1/oversight/run", { workflow: WF }, owner);
    expect(res.status).toBe(200);
    const { alerts } = await res.json();
    // A fifth of the team stamping may also fail the team as a whole (team_rubber_stamp, reviewer null).
    const kinds = new Set(alerts.map((a: { kind: string }) => a.kind));
    expect([...kinds].every((k) => k === "rubber_stamp" || k === "team_rubber_stamp")).toBe(true);
    const flagged = new Set(
      alerts
        .filter((a: { kind: string }) => a.kind === "rubber_stamp")
        .map((a: { reviewerName: string }) => a.reviewerName),
    );
    for (const r of reviewers.filter((x) => x.stamper)) expect(flagged.has(r.name)).toBe(true);
    // Each diligent reviewer is flagged with probability ≤ alpha = 1 % (Bonferroni over the detector's
    // signals; docs/oversight.md), so the expected number among 12 is ≤ 0.12. Markov's inequality gives
    // P(two or more) ≤ 0.12 / 2 = 6 % whatever the dependence between reviewers (they share peers), and
    // about 0.6 % if they were independent; here the peers include the stampers, which makes a diligent
    // reviewer look slower and stricter than the pool, so the true rate is lower still. Seeded, so the
    // run is the same every time; ≤ 1 is the bound the documented rate supports for 12 reviewers.
    const diligentFlagged = reviewers.filter((r) => !r.stamper && flagged.has(r.name));
    expect(diligentFlagged.length).toBeLessThanOrEqual(1);
  });

  it("shows the catch-trial misses and the dwell behind each stamper's alert", async () => {
    const { alerts } = await (
      await s.call("GET", `/v1/oversight/alerts?workflow=${WF}`, undefined, owner)
    ).json();
    // Which reviewer meets a catch trial is not seeded: a trial and the case it came with share their
    // creation time, so the queue orders them by their random ids. A single stamper can meet only a
    // few trials, all of right proposals; pooled over the three, the misses always show.
    let trials = 0;
    let misses = 0;
    let peerRate = 0;
    for (const r of reviewers.filter((x) => x.stamper)) {
      const alert = alerts.find((a: { reviewer: string }) => a.reviewer === r.id);
      const e = alert.evidence;
      expect(e.decisions).toBeGreaterThanOrEqual(30);
      expect(e.medianHeldMs).toBeLessThan(5 * SEC);
      expect(e.peerMedianHeldMs).toBeGreaterThan(20 * SEC);
      trials += e.catchTrials;
      misses += e.catchTrialMisses;
      peerRate = Math.max(peerRate, e.peerCatchTrialMisses / e.peerCatchTrials);
    }
    // Stampers approve wrong gold proposals; diligent peers rarely do.
    expect(trials).toBeGreaterThan(0);
    expect(misses / trials).toBeGreaterThan(peerRate);
  });
});
