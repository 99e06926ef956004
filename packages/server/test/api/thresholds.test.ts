import { type CalibrationItem, recommendThreshold, thresholdTable } from "@loopgate/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  claimAndDecide,
  draw,
  generateHistory,
  LEARNING_POLICIES,
  seeded,
  submitCase,
  trueErrorAbove,
} from "../helpers/calibration.js";
import { ownerKey } from "../helpers/owners.js";
import { ENGINES, startTestServer, type TestServer } from "../helpers/server.js";

const T0 = Date.parse("2026-09-01T09:00:00Z");
const MIN = 60_000;
const LOW_CASES = 600;
const HIGH_CASES = 20;
const MAX_ERROR = 0.1;

describe.each(ENGINES)("GET /v1/thresholds (%s)", (engine) => {
  let s: TestServer;
  const clock = { now: T0 };
  let automation: string;
  const reviewers: string[] = [];
  let bob: { key: string };
  /** The generated truth of every low-class case, the history the store must reproduce. */
  const low: CalibrationItem[] = [];
  let reviewedLow = 0;
  const window = () =>
    `since=${new Date(T0 - MIN).toISOString()}&until=${new Date(clock.now + MIN).toISOString()}`;
  const get = (query: string, token?: string) => s.call("GET", `/v1/thresholds?${query}`, undefined, token);

  beforeAll(async () => {
    s = await startTestServer(engine, { clock: () => clock.now, policyDir: LEARNING_POLICIES });
    automation = (await s.newKey("automation")).key;
    bob = await s.newKey("reviewer");
    for (let i = 0; i < 4; i++) reviewers.push((await s.newKey("reviewer")).key);
    const history = await generateHistory(s, {
      automation,
      reviewers,
      seed: 20261126,
      low: LOW_CASES,
      high: HIGH_CASES,
      clock,
    });
    low.push(...history.low);
    reviewedLow = history.reviewedLow;
  }, 300_000);

  afterAll(async () => {
    await s?.close();
    await s?.storage.cleanup();
  });

  it("rebuilds the generated history per risk class: every reviewed case, and auto-routed ones with an outcome", async () => {
    const res = await get(`workflow=cal.claims&maxError=${MAX_ERROR}&${window()}`);
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({ workflow: "cal.claims", maxError: MAX_ERROR, level: 0.95 });
    expect(body.selectionBias).toMatch(/the policy sent to people/);
    expect(body.classes.map((c: { riskClass: string }) => c.riskClass)).toEqual(["low", "high"]);
    const [lowClass, highClass] = body.classes;
    expect(lowClass).toMatchObject({ currentThreshold: 0.97, items: LOW_CASES, reviewed: reviewedLow });
    expect(reviewedLow).toBeGreaterThan(0);
    expect(reviewedLow).toBeLessThan(LOW_CASES);
    // The same table the truth gives: so approve counted as right, edit and reject as wrong, and the
    // auto-routed cases by their reported outcome.
    expect(lowClass.table).toEqual(thresholdTable(low));
    expect(lowClass.reliability.items).toBe(LOW_CASES);
    expect(lowClass.reliability.bins.reduce((n: number, b: { count: number }) => n + b.count, 0)).toBe(
      LOW_CASES,
    );
    expect(highClass).toMatchObject({ currentThreshold: null, items: HIGH_CASES, reviewed: HIGH_CASES });
    expect(highClass.recommendation.threshold).toBeNull();
    expect(highClass.recommendation.reason).toMatch(/too few reviewed cases/);
    expect(highClass.change).toEqual({ current: null, recommended: null });
  });

  it("recommends a threshold whose true error rate on fresh data stays within maxError", async () => {
    const body = await (
      await get(`workflow=cal.claims&riskClass=low&maxError=${MAX_ERROR}&${window()}`)
    ).json();
    expect(body.classes).toHaveLength(1);
    const { recommendation } = body.classes[0];
    expect(recommendation.threshold).toBe(recommendThreshold(low, MAX_ERROR).threshold);
    expect(recommendation.method).toMatch(/Clopper-Pearson/);
    const t = recommendation.threshold as number;
    expect(t).toBeGreaterThan(0.5);
    expect(t).toBeLessThan(1);
    // Analytically: with P(right | c) = c and c uniform, the error rate above t is (1 − t) / 2.
    expect(trueErrorAbove(t)).toBeLessThanOrEqual(MAX_ERROR);
    // And on a fresh batch from the same generator.
    const fresh = seeded(7);
    let above = 0;
    let wrong = 0;
    for (let i = 0; i < 200_000; i++) {
      const d = draw(fresh);
      if (d.confidence < t) continue;
      above++;
      if (!d.correct) wrong++;
    }
    expect(above).toBeGreaterThan(10_000);
    expect(wrong / above).toBeLessThanOrEqual(MAX_ERROR);
  });

  it("says what moving from the current to the recommended threshold would do", async () => {
    const body = await (await get(`workflow=cal.claims&maxError=${MAX_ERROR}&${window()}`)).json();
    const lowClass = body.classes[0];
    const at = (threshold: number) => thresholdTable(low, { thresholds: [threshold] })[0];
    expect(lowClass.change.current).toEqual(at(0.97));
    expect(lowClass.change.recommended).toEqual(at(lowClass.recommendation.threshold));
    // The recommendation is below 0.97 here: more would route alone, at a higher (tolerated) error.
    expect(lowClass.change.recommended.autoRate).toBeGreaterThan(lowClass.change.current.autoRate);
    expect(lowClass.change.recommended.errorUpperBound).toBeLessThanOrEqual(MAX_ERROR);
  });

  it("a stricter level or a smaller maxError recommends a threshold at least as high", async () => {
    const base = await (await get(`workflow=cal.claims&riskClass=low&maxError=0.1&${window()}`)).json();
    const strict = await (
      await get(`workflow=cal.claims&riskClass=low&maxError=0.05&level=0.99&${window()}`)
    ).json();
    const b = base.classes[0].recommendation.threshold as number;
    const st = strict.classes[0].recommendation.threshold;
    expect(strict.level).toBe(0.99);
    expect(st === null || st >= b).toBe(true);
    expect(strict.classes[0].recommendation.threshold).toBe(
      recommendThreshold(low, 0.05, { level: 0.99 }).threshold,
    );
  });

  it("leaves out cases decided outside the window", async () => {
    const before = new Date(T0 - MIN).toISOString();
    const body = await (
      await get(`workflow=cal.claims&maxError=0.1&since=2026-01-01&until=${before}`)
    ).json();
    expect(body.classes.map((c: { items: number }) => c.items)).toEqual([0, 0]);
  });

  it("answers 400 naming the field for bad parameters", async () => {
    const cases: Array<[string, string, number?]> = [
      ["workflow=cal.claims", "/maxError"],
      ["workflow=cal.claims&maxError=0", "/maxError"],
      ["workflow=cal.claims&maxError=1", "/maxError"],
      ["workflow=cal.claims&maxError=lots", "/maxError"],
      ["workflow=cal.claims&maxError=0.01&level=1.5", "/level"],
      ["workflow=cal.claims&maxError=0.01&riskClass=medium", "/riskClass"],
      ["workflow=cal.claims&maxError=0.01&since=yesterday", "/since"],
      // An unknown workflow is a domain validation error, 422 like every route's.
      ["workflow=nope&maxError=0.01", "/workflow", 422],
      ["maxError=0.01", "/workflow"],
    ];
    for (const [query, field, status = 400] of cases) {
      const res = await get(query);
      expect(res.status, query).toBe(status);
      expect(res.headers.get("content-type")).toMatch(/application\/problem\+json/);
      expect((await res.json()).field, query).toBe(field);
    }
  });

  it("is for admins, auditors and the workflow's owner", async () => {
    const q = "workflow=cal.claims&maxError=0.1";
    expect((await get(q, bob.key)).status).toBe(403);
    expect((await get(q, automation)).status).toBe(403);
    const auditor = await s.newKey("auditor");
    expect((await get(q, auditor.key)).status).toBe(200);
    const owner = (await ownerKey(s, "claims-owner@example.com")).key;
    expect((await get(q, owner)).status).toBe(200);
  });
});

describe.each(ENGINES)("which cases calibrate a threshold (%s)", (engine) => {
  let s: TestServer;
  let now = T0;
  let automation: string;
  let alice: { key: string };
  let bob: { key: string };
  const ids: Record<string, string> = {};

  const submit = (confidence: number) =>
    submitCase(
      s,
      { workflow: "cal.small", action: "pay", input: { amount: 10 }, proposal: { pay: 10 }, confidence },
      automation,
    );

  /** A reviewed case and its overlap copy: alice and bob each take one; the copy gets the opposite verdict. */
  async function reviewed(confidence: number, copyVerdict: Record<string, unknown>): Promise<string> {
    const real = await submit(confidence);
    expect(real.route).toBe("review");
    for (const who of [alice, bob]) {
      await claimAndDecide(s, "cal.small", who.key, (c) =>
        c.id === real.id ? { verdict: "approve" } : copyVerdict,
      );
    }
    return real.id;
  }

  beforeAll(async () => {
    s = await startTestServer(engine, { clock: () => now, policyDir: LEARNING_POLICIES });
    automation = (await s.newKey("automation")).key;
    alice = await s.newKey("reviewer");
    bob = await s.newKey("reviewer");
  });

  afterAll(async () => {
    await s?.close();
    await s?.storage.cleanup();
  });

  it("counts people's decisions and judged auto-routes, never shadow copies or unjudged auto-routes", async () => {
    const a = await reviewed(0.62, { verdict: "reject", reasonCode: "other", note: "test" });
    ids.b = await reviewed(0.74, { verdict: "reject", reasonCode: "other", note: "test" });
    now += MIN;
    // A later outcome overrules the reviewer's approval of a.
    expect((await s.call("POST", `/v1/cases/${a}/outcome`, { result: "incorrect" }, automation)).status).toBe(
      201,
    );
    const unjudged = await submit(0.95);
    expect(unjudged.route).toBe("auto");
    ids.unjudged = unjudged.id;
    const judged = await submit(0.93);
    expect(judged.route).toBe("auto");
    expect(
      (await s.call("POST", `/v1/cases/${judged.id}/outcome`, { result: "correct" }, automation)).status,
    ).toBe(201);
    now += MIN;

    const res = await s.call("GET", "/v1/thresholds?workflow=cal.small&maxError=0.2");
    expect(res.status).toBe(200);
    const [only] = (await res.json()).classes;
    expect(only).toMatchObject({ riskClass: "only", currentThreshold: 0.9, items: 3, reviewed: 2 });
    const bins = only.reliability.bins.filter((b: { count: number }) => b.count > 0);
    expect(
      bins.map((b: { lower: number; count: number; accuracy: number }) => [b.lower, b.count, b.accuracy]),
    ).toEqual([
      [0.6, 1, 0],
      [0.7, 1, 1],
      [0.9, 1, 1],
    ]);
    expect(only.change.current).toMatchObject({ threshold: 0.9, autoCount: 1, errors: 0 });
  });
  it("lets an audit verdict judge a case: incorrect overrules an approval, correct counts an auto-route", async () => {
    // The draw is placed directly (a real draw is random); the verdicts go through the API.
    const draw = (caseId: string) => ({ id: `aud_${caseId}`, caseId, probability: 1, weight: 1 });
    await s.store.oversight.insertAuditDraw({
      id: "draw_thresholds",
      workflow: "cal.small",
      seed: "fixed",
      rate: 1,
      meanWeight: 1,
      fastBelowMs: null,
      since: T0,
      until: now,
      population: 2,
      drawnBy: "test",
      drawnAt: now,
      audits: [draw(ids.b as string), draw(ids.unjudged as string)],
    });
    const auditor = (await s.newKey("auditor")).key;
    for (const [id, result] of [
      [ids.b, "incorrect"],
      [ids.unjudged, "correct"],
    ]) {
      const res = await s.call("POST", `/v1/audits/aud_${id}/verdict`, { result }, auditor);
      expect(res.status, await res.clone().text()).toBe(201);
    }
    const [only] = (await (await s.call("GET", "/v1/thresholds?workflow=cal.small&maxError=0.2")).json())
      .classes;
    expect(only).toMatchObject({ items: 4, reviewed: 2 });
    const bins = only.reliability.bins.filter((b: { count: number }) => b.count > 0);
    expect(
      bins.map((b: { lower: number; count: number; accuracy: number }) => [b.lower, b.count, b.accuracy]),
    ).toEqual([
      [0.6, 1, 0],
      [0.7, 1, 0],
      [0.9, 2, 1],
    ]);
  });
});
