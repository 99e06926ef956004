import { fileURLToPath } from "node:url";
import { drawAuditSample } from "@loopgate/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ownerKey } from "../helpers/owners.js";
import { pay, reviewerKey } from "../helpers/review-rules.js";
import { ENGINES, startTestServer, type TestServer } from "../helpers/server.js";
import { claim, submit } from "../helpers/workspace.js";

/** test.audited has oversight.auditRate 0.5, test.unaudited 0; both are test.payments otherwise. */
const AUDIT_POLICIES = fileURLToPath(new URL("../fixtures/audit-policies", import.meta.url));
const WF = "test.audited";
const T0 = Date.parse("2026-11-02T09:00:00Z");
const MIN = 60_000;
const iso = (ms: number) => new Date(ms).toISOString();

describe.each(ENGINES)("audit sampling (%s)", (engine) => {
  let s: TestServer;
  let now = T0;
  let automation: string;
  let auditor: string;
  let reviewer: { key: string; id: string };
  let owner: { key: string; id: string };
  const auto: string[] = [];
  const human: { id: string; heldMs: number }[] = [];
  const rejected: string[] = [];
  // biome-ignore lint/suspicious/noExplicitAny: the draw response as JSON
  let draw: any;

  async function reviewed(heldMs: number, decision: Record<string, unknown>): Promise<string> {
    const id = await submit(s, pay(WF, 5000), automation);
    now += MIN;
    expect((await claim(s, WF, reviewer.key)).id).toBe(id);
    now += heldMs;
    const res = await s.call("POST", `/v1/cases/${id}/decisions`, decision, reviewer.key);
    expect(res.status).toBe(201);
    return id;
  }

  beforeAll(async () => {
    s = await startTestServer(engine, { clock: () => now, policyDir: AUDIT_POLICIES });
    automation = (await s.newKey("automation")).key;
    auditor = (await s.newKey("auditor")).key;
    reviewer = await reviewerKey(s, "rita");
    owner = await ownerKey(s, "owner@example.com");
    for (let i = 0; i < 6; i++) {
      auto.push(await submit(s, pay(WF, 120), automation));
      now += MIN;
    }
    for (const heldMs of [5_000, 6_000, 7_000, 40_000, 45_000, 50_000]) {
      human.push({ id: await reviewed(heldMs, { verdict: "approve" }), heldMs });
    }
    rejected.push(await reviewed(5_000, { verdict: "reject", reasonCode: "wrong_payee" }));
    rejected.push(await reviewed(50_000, { verdict: "reject", reasonCode: "other", note: "test" }));
    now = T0 + 120 * MIN;
  });

  afterAll(async () => {
    await s?.close();
    await s?.storage.cleanup();
  });

  it("lets only an admin or the workflow owner draw (403 otherwise)", async () => {
    for (const token of [reviewer.key, auditor, automation]) {
      expect((await s.call("POST", "/v1/audits/draw", { workflow: WF }, token)).status).toBe(403);
    }
  });

  it("draws from the approved cases only, as the owner, with stored parameters", async () => {
    const res = await s.call("POST", "/v1/audits/draw", { workflow: WF }, owner.key);
    expect(res.status).toBe(201);
    draw = await res.json();
    expect(draw).toMatchObject({ rate: 0.5, population: 12, fastBelowMs: 23_500 });
    expect(draw.drawn).toBe(draw.audits.length);
    const approved = new Set([...auto, ...human.map((h) => h.id)]);
    for (const a of draw.audits) {
      expect(approved.has(a.caseId)).toBe(true);
      expect(a).toMatchObject({ status: "open", verdict: null, drawId: draw.drawId });
      expect(a.weight).toBeCloseTo(1 / a.probability);
    }
    // The three fast human approvals have π = 1 (weight 3 over a mean weight of 1.5 at rate 0.5).
    const drawn = new Set(draw.audits.map((a: { caseId: string }) => a.caseId));
    for (const h of human.slice(0, 3)) expect(drawn.has(h.id)).toBe(true);
    for (const r of rejected) expect(drawn.has(r)).toBe(false);
    const fast = draw.audits.find((a: { caseId: string }) => a.caseId === human[0]?.id);
    expect(fast.case).toMatchObject({ workflow: WF, action: "pay", verdict: "approve", heldSeconds: 5 });
    const view = await (await s.call("GET", `/v1/cases/${human[0]?.id}`)).json();
    expect(JSON.stringify(view)).toContain("audit_drawn");
  });

  it("is reproducible: the core draw with the stored seed and parameters picks the same cases", () => {
    const items = [
      ...auto.map((caseId) => ({ caseId, heldMs: null, route: "auto" as const })),
      ...human.map((h) => ({ caseId: h.id, heldMs: h.heldMs, route: "review" as const })),
    ];
    const again = drawAuditSample(items, {
      rate: draw.rate,
      seed: draw.seed,
      meanWeight: draw.meanWeight,
      fastBelowMs: draw.fastBelowMs,
    });
    const ids = (xs: { caseId: string }[]) => xs.map((x) => x.caseId).sort();
    expect(ids(again)).toEqual(ids(draw.audits));
  });

  it("does not draw a case twice", async () => {
    const res = await s.call("POST", "/v1/audits/draw", { workflow: WF });
    expect(res.status).toBe(201);
    const second = await res.json();
    expect(second.population).toBe(12 - draw.drawn);
    const first = new Set(draw.audits.map((a: { caseId: string }) => a.caseId));
    for (const a of second.audits) expect(first.has(a.caseId)).toBe(false);
  });

  it("draws nothing at rate 0", async () => {
    await submit(s, pay("test.unaudited", 120), automation);
    const res = await s.call("POST", "/v1/audits/draw", { workflow: "test.unaudited" });
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ rate: 0, population: 1, drawn: 0, audits: [] });
  });

  it("lists audits for auditors and admins only", async () => {
    expect((await s.call("GET", "/v1/audits", undefined, reviewer.key)).status).toBe(403);
    expect((await s.call("GET", "/v1/audits", undefined, automation)).status).toBe(403);
    const res = await s.call("GET", `/v1/audits?workflow=${WF}&status=open`, undefined, auditor);
    expect(res.status).toBe(200);
    const { audits } = await res.json();
    expect(audits.length).toBeGreaterThanOrEqual(draw.drawn);
    expect(audits.every((a: { status: string }) => a.status === "open")).toBe(true);
  });

  it("takes one verdict per audit, and it counts in the post-review error rate", async () => {
    const q = `workflow=${WF}&since=${iso(T0 - MIN)}&until=${iso(T0 + 24 * 60 * MIN)}`;
    const before = await (await s.call("GET", `/v1/metrics/governance?${q}`)).json();
    expect(before.postReviewErrorRate).toEqual({ auto: null, human: null });
    const target = draw.audits.find((a: { caseId: string }) => a.caseId === human[0]?.id);
    const path = `/v1/audits/${target.id}/verdict`;
    expect((await s.call("POST", path, { result: "incorrect" }, reviewer.key)).status).toBe(403);
    now += MIN;
    const res = await s.call("POST", path, { result: "incorrect", note: "paid twice" }, auditor);
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ status: "done", verdict: "incorrect", note: "paid twice" });
    expect((await s.call("POST", path, { result: "correct" }, auditor)).status).toBe(409);
    expect((await s.call("POST", "/v1/audits/aud_nope/verdict", { result: "correct" }, auditor)).status).toBe(
      404,
    );
    const after = await (await s.call("GET", `/v1/metrics/governance?${q}`)).json();
    expect(after.postReviewErrorRate).toEqual({ auto: null, human: 1 });
    expect(after.postReviewErrorCounts.human).toEqual({ incorrect: 1, reported: 1 });
    const done = await (
      await s.call("GET", `/v1/audits?workflow=${WF}&status=done`, undefined, auditor)
    ).json();
    expect(done.audits.map((a: { id: string }) => a.id)).toEqual([target.id]);
    const view = await (await s.call("GET", `/v1/cases/${human[0]?.id}`)).json();
    expect(JSON.stringify(view)).toContain("audit_verdict");
  });

  it("lets a later outcome take precedence over an earlier audit verdict", async () => {
    now += MIN;
    const res = await s.call("POST", `/v1/cases/${human[0]?.id}/outcome`, { result: "correct" }, automation);
    expect(res.status).toBe(201);
    const q = `workflow=${WF}&since=${iso(T0 - MIN)}&until=${iso(T0 + 24 * 60 * MIN)}`;
    const body = await (await s.call("GET", `/v1/metrics/governance?${q}`)).json();
    expect(body.postReviewErrorRate).toEqual({ auto: null, human: 0 });
  });
});
