import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ownerKey } from "../helpers/owners.js";
import { reviewerKey } from "../helpers/review-rules.js";
import {
  ENGINES,
  type Engine,
  FIXTURE_POLICIES,
  freshStorage,
  payment,
  startTestServer,
  type TestServer,
} from "../helpers/server.js";
import { SHADOW_POLICIES } from "../helpers/shadows.js";
import {
  expectedLoweredReport,
  type History,
  LOWER_THRESHOLD,
  removeDir,
  seedHistory,
  writeDraft,
} from "../helpers/simulation.js";

const T0 = Date.parse("2026-11-02T09:00:00Z");

async function shadowEvents(s: TestServer, caseId: string) {
  const detail = await s.store.cases.detail(caseId);
  return (detail?.events ?? []).filter((e) => e.type === "shadow_routed");
}

describe.each(ENGINES)("shadow mode (%s)", (engine: Engine) => {
  describe("a draft with a lower threshold", () => {
    let s: TestServer;
    let now = T0;
    let draft: string;
    let h: History;

    beforeAll(async () => {
      draft = writeDraft(FIXTURE_POLICIES, "payments.yaml", LOWER_THRESHOLD);
      s = await startTestServer(engine, { clock: () => now, shadowPolicyDir: draft });
      h = await seedHistory(s, T0, (t) => {
        now = t;
      });
    });
    afterAll(async () => {
      await s.close();
      await s.storage.cleanup();
      removeDir(draft);
    });

    it("records beside each case what the draft would have done, while the live route stands", async () => {
      const moved = await s.store.cases.get(h.open);
      expect(moved).toMatchObject({ route: "review", status: "queued" });
      const [event, ...more] = await shadowEvents(s, h.open);
      expect(more).toEqual([]);
      expect(event).toMatchObject({
        actor: "shadow_policy",
        data: {
          route: "auto",
          riskClass: "low",
          triggers: [],
          policyVersion: expect.any(String),
          expressionErrors: [],
        },
      });
      expect((await shadowEvents(s, h.flagged))[0]?.data).toMatchObject({
        route: "review",
        triggers: ["flagged"],
      });
      // The draft's version, not the live one: the reader can tell which draft was running.
      expect(event?.data.policyVersion).not.toBe(moved?.policyVersion);
    });

    it("GET /v1/shadow compares the draft with what the live policy did", async () => {
      const res = await s.call("GET", "/v1/shadow?workflow=test.payments");
      expect(res.status).toBe(200);
      const body = await res.json();
      expect(body).toMatchObject(expectedLoweredReport(h));
      expect(body.draftVersions).toHaveLength(1);
      expect(body.until).toBe(new Date(now).toISOString());
      expect(body.reviewLoad.live.perDay).toBeCloseTo(6 / 30);
      expect(body.reviewLoad.draft.perDay).toBeCloseTo(3 / 30);
      expect(body.expectedErrors.rateUpper95).toBeGreaterThan(0.5);
    });

    it("honours the window", async () => {
      const after = new Date(T0 + 4 * 60_000 + 1).toISOString();
      const res = await s.call("GET", `/v1/shadow?workflow=test.payments&since=${after}`);
      expect(res.status).toBe(200);
      const body = await res.json();
      // Submitted from minute 5 on: high, low, auto, autoIncorrect.
      expect(body).toMatchObject({ cases: 4, changed: 0 });
    });

    it("is for admins and the workflow's owner; bad queries name the field", async () => {
      const reviewer = await reviewerKey(s, "someone");
      const denied = await s.call("GET", "/v1/shadow?workflow=test.payments", undefined, reviewer.key);
      expect(denied.status).toBe(403);
      const owner = await ownerKey(s, "owner@example.com");
      expect((await s.call("GET", "/v1/shadow?workflow=test.payments", undefined, owner.key)).status).toBe(
        200,
      );

      const backwards = await s.call(
        "GET",
        "/v1/shadow?workflow=test.payments&since=2026-11-03&until=2026-11-02",
      );
      expect(backwards.status).toBe(400);
      expect(await backwards.json()).toMatchObject({ field: "/since" });
      const badTime = await s.call("GET", "/v1/shadow?workflow=test.payments&until=yesterday");
      expect(await badTime.json()).toMatchObject({ status: 400, field: "/until" });
      const unknown = await s.call("GET", "/v1/shadow?workflow=nope");
      expect(await unknown.json()).toMatchObject({ status: 422, field: "/workflow" });
      const missing = await s.call("GET", "/v1/shadow");
      expect(missing.status).toBe(400);
    });
  });

  describe("a draft that cannot route some cases", () => {
    let s: TestServer;
    let draft: string;
    let now = T0;

    beforeAll(async () => {
      // The draft drops the pay action and has a trigger that fails at run time on every case.
      draft = writeDraft(FIXTURE_POLICIES, "payments.yaml", [
        ["  pay: { boundary: auto }\n", ""],
        ['when: "has(input.flagged) && input.flagged == true"', "when: 'int(input.payee) > 0'"],
      ]);
      s = await startTestServer(engine, { clock: () => now, shadowPolicyDir: draft });
    });
    afterAll(async () => {
      await s.close();
      await s.storage.cleanup();
      removeDir(draft);
    });

    it("still takes every submit, and records why the draft could not route the case", async () => {
      const automation = (await s.newKey("automation")).key;
      const pay = await s.call("POST", "/v1/cases", payment(), automation);
      expect(pay.status).toBe(201);
      expect(await pay.json()).toMatchObject({ route: "auto", status: "decided" });
      const refund = await s.call("POST", "/v1/cases", payment({ action: "refund" }), automation);
      expect(refund.status).toBe(201);
      now = T0 + 60_000;

      const cases = await s.call("GET", "/v1/shadow?workflow=test.payments");
      const body = await cases.json();
      expect(body).toMatchObject({
        cases: 2,
        changed: 0,
        routes: [{ from: "review", to: "review", count: 1 }],
        unroutable: {
          live: 0,
          draft: 1,
          examples: [{ policy: "draft", error: expect.stringContaining('unknown action "pay"') }],
        },
      });
      const refundId = body.routes[0].examples[0];
      const [event] = await shadowEvents(s, refundId);
      expect(event?.data.triggers).toEqual(["flagged"]);
      expect(event?.data.expressionErrors).toEqual([
        expect.stringMatching(/^trigger flagged could not be evaluated \(.+\): treated as fired$/),
      ]);
      // The full reasons name the confidence, which blind-first review hides from reviewers.
      expect(event?.data).not.toHaveProperty("reasons");
    });
  });

  it("refuses to start with a broken draft, naming its file and line", async () => {
    const broken = writeDraft(FIXTURE_POLICIES, "payments.yaml", [
      ["autoMinConfidence: 0.9", "autoMinConfidence: 2"],
    ]);
    const storage = await freshStorage(engine);
    try {
      await expect(startTestServer(engine, { shadowPolicyDir: broken }, storage)).rejects.toThrow(
        /payments\.yaml:\d+:\d+ risk\.classes\.low\.autoMinConfidence/,
      );
    } finally {
      removeDir(broken);
      await storage.cleanup();
    }
  });

  it("records nothing without a draft", async () => {
    let now = T0;
    const s = await startTestServer(engine, { clock: () => now });
    try {
      const res = await s.call("POST", "/v1/cases", payment({ confidence: 0.5 }));
      expect(res.status).toBe(201);
      now = T0 + 60_000;
      expect(await shadowEvents(s, (await res.json()).id)).toEqual([]);
      const report = await (await s.call("GET", "/v1/shadow?workflow=test.payments")).json();
      expect(report).toMatchObject({ cases: 0, changed: 0, routes: [] });
    } finally {
      await s.close();
      await s.storage.cleanup();
    }
  });
});

describe.each(ENGINES)("shadow mode beside catch trials and overlap copies (%s)", (engine: Engine) => {
  it("records the draft's route on an overlap copy too, so the event never tells a copy apart", async () => {
    // The draft is the live policy itself: what matters here is only where the events land.
    const s = await startTestServer(engine, { policyDir: SHADOW_POLICIES, shadowPolicyDir: SHADOW_POLICIES });
    try {
      const automation = await s.newKey("automation");
      const res = await s.call(
        "POST",
        "/v1/cases",
        {
          workflow: "shadow.overlap",
          action: "pay",
          input: { amount: 4000, payee: "Bolt" },
          proposal: { pay: 4000, to: "Bolt" },
          confidence: 0.9,
        },
        automation.key,
      );
      expect(res.status).toBe(201);
      const real = (await res.json()).id as string;
      const detail = await s.store.cases.detail(real);
      expect(await shadowEvents(s, real)).toHaveLength(1);
      // The copy is whichever of the two claimed cases is not the real one.
      const claimed: string[] = [];
      for (const name of ["Ada", "Bob"]) {
        const reviewer = await reviewerKey(s, name);
        const claim = await s.call(
          "POST",
          "/v1/queue/claim",
          { workflows: ["shadow.overlap"] },
          reviewer.key,
        );
        expect(claim.status).toBe(200);
        claimed.push((await claim.json()).case.id);
      }
      const copyId = claimed.find((id) => id !== real) as string;
      expect((await s.store.cases.get(copyId))?.overlapOf).toBe(real);
      const [copyEvent, ...more] = await shadowEvents(s, copyId);
      expect(more).toEqual([]);
      expect(copyEvent?.data).toMatchObject({ route: "review", policyVersion: detail?.policyVersion });
    } finally {
      await s.close();
      await s.storage.cleanup();
    }
  });
});
