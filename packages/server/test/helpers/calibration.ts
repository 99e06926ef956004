import { fileURLToPath } from "node:url";
import { seededRandom } from "@loopgate/core";
import { expect } from "vitest";
import type { TestServer } from "./server.js";

/** The seeded generator of every generated history (core `seededRandom`, mulberry32). */
export const seeded = seededRandom;

/** Fixtures of the learning-loop suites (thresholds, decision support). */
export const LEARNING_POLICIES = fileURLToPath(new URL("../fixtures/learning-policies", import.meta.url));

/**
 * The known calibration: confidence uniform on [0.5, 1), and the proposal right with probability equal
 * to its confidence. Above a threshold t the true error rate is then E[1 − c | c ≥ t] = (1 − t) / 2.
 */
export function draw(r: () => number): { confidence: number; correct: boolean } {
  const confidence = Math.round((0.5 + 0.5 * r()) * 10_000) / 10_000;
  return { confidence, correct: r() < confidence };
}

export const trueErrorAbove = (t: number) => (1 - t) / 2;

/** Submits as `token` and returns the new case's id and route. */
export async function submitCase(
  s: TestServer,
  body: Record<string, unknown>,
  token: string,
): Promise<{ id: string; route: string }> {
  const res = await s.call("POST", "/v1/cases", body, token);
  expect(res.status, await res.clone().text()).toBe(201);
  const c = await res.json();
  return { id: c.id, route: c.route };
}

/**
 * Claims the next case of `workflow` as `token` and records `decide(case)` on it; returns the case id,
 * or null when the queue had nothing for this reviewer.
 */
export async function claimAndDecide(
  s: TestServer,
  workflow: string,
  token: string,
  decide: (c: { id: string }) => Record<string, unknown>,
): Promise<string | null> {
  const claimed = await s.call("POST", "/v1/queue/claim", { workflows: [workflow] }, token);
  if (claimed.status === 204) return null;
  expect(claimed.status).toBe(200);
  const c = (await claimed.json()).case;
  const res = await s.call("POST", `/v1/cases/${c.id}/decisions`, decide(c), token);
  expect(res.status, await res.clone().text()).toBe(201);
  return c.id as string;
}

/**
 * A generated history of `cal.claims` through the real API, from `draw`: the automation submits every
 * case (`low` of amount 100, class low; `high` of amount 5000, class high) and reports the outcome of
 * those that auto-route; reviewers approve iff the truth says the proposal is right, and otherwise edit
 * or reject it. Several reviewers work the queue at once to keep the suites quick. The clock is the
 * server's: `clock.now` moves on one minute per ten submissions.
 */
export async function generateHistory(
  s: TestServer,
  o: {
    automation: string;
    reviewers: string[];
    seed: number;
    low: number;
    high: number;
    clock: { now: number };
  },
): Promise<{ low: { confidence: number; correct: boolean }[]; reviewedLow: number }> {
  const r = seeded(o.seed);
  const drawn = Array.from({ length: o.low + o.high }, (_, i) => ({
    ...draw(r),
    amount: i < o.low ? 100 : 5000,
    editInstead: r() < 0.5,
  }));
  const truthOf = new Map<string, (typeof drawn)[number]>();
  for (let i = 0; i < drawn.length; i += 10) {
    await Promise.all(
      drawn.slice(i, i + 10).map(async (d) => {
        const body = {
          workflow: "cal.claims",
          action: "pay",
          input: { amount: d.amount, payee: "Acme" },
          proposal: { pay: d.amount, to: "Acme" },
          confidence: d.confidence,
        };
        const c = await submitCase(s, body, o.automation);
        if (c.route === "review") {
          truthOf.set(c.id, d);
          return;
        }
        const outcome = { result: d.correct ? "correct" : "incorrect" };
        expect((await s.call("POST", `/v1/cases/${c.id}/outcome`, outcome, o.automation)).status).toBe(201);
      }),
    );
    o.clock.now += 60_000;
  }
  const low = drawn
    .filter((d) => d.amount <= 1000)
    .map((d) => ({ confidence: d.confidence, correct: d.correct }));
  const reviewedLow = [...truthOf.values()].filter((d) => d.amount <= 1000).length;
  const verdictFor = (c: { id: string }) => {
    const d = truthOf.get(c.id);
    if (!d) throw new Error(`claimed an unknown case ${c.id}`);
    truthOf.delete(c.id);
    if (d.correct) return { verdict: "approve" };
    if (d.editInstead) {
      return { verdict: "edit", reasonCode: "wrong_amount", output: { pay: d.amount - 1, to: "Acme" } };
    }
    return { verdict: "reject", reasonCode: "wrong_payee" };
  };
  await Promise.all(
    o.reviewers.map(async (token) => {
      while (truthOf.size > 0) {
        if (!(await claimAndDecide(s, "cal.claims", token, verdictFor))) return;
      }
    }),
  );
  expect(truthOf.size).toBe(0);
  o.clock.now += 60_000;
  return { low, reviewedLow };
}
