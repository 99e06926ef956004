import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ENGINES, type JsonResponse, startTestServer, type TestServer } from "../helpers/server.js";
import { claim, drain, invoice, submit, triage, WORKSPACE_POLICIES } from "../helpers/workspace.js";

const HOUR = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();

describe.each(ENGINES)("the workspace API (%s)", (engine) => {
  let s: TestServer;
  let automation: string;
  let now = Date.parse("2026-11-02T08:00:00Z");
  beforeAll(async () => {
    s = await startTestServer(engine, { policyDir: WORKSPACE_POLICIES, clock: () => now, leaseSeconds: 60 });
    automation = (await s.newKey("automation")).key;
  });
  afterAll(async () => {
    await s.close();
    await s.storage.cleanup();
  });
  // Each test starts a fresh hour with an empty queue (leases from earlier tests expired, the rest decided).
  beforeEach(async () => {
    now += HOUR;
    await drain(s);
  });

  const summary = async (token?: string) => {
    const res = await s.call("GET", "/v1/queue", undefined, token);
    expect(res.status).toBe(200);
    return res.json();
  };
  /** The summary's line for `workflow` (failing the test when there is none). */
  const line = (sum: { workflows: Array<{ workflow: string }> }, workflow: string) => {
    const found = sum.workflows.find((w) => w.workflow === workflow);
    if (!found) throw new Error(`no line for ${workflow}`);
    return found as Awaited<ReturnType<JsonResponse["json"]>>;
  };

  describe("GET /v1/queue", () => {
    it("counts waiting and in-review cases per workflow and risk class, with the SLA deadline", async () => {
      const t0 = now;
      const reviewer = await s.newKey("reviewer");
      const a = await submit(s, invoice(), automation); // high
      now += 60_000;
      await submit(s, invoice(), automation); // high
      now += 60_000;
      await submit(s, invoice({ input: { amount: 50, supplier: "Acme" }, confidence: 0.5 }), automation); // low
      now += 60_000;
      await submit(s, triage(), automation);
      expect((await claim(s, "ws.invoices", reviewer.key)).id).toBe(a);
      now += 30_000;

      const sum = await summary(reviewer.key);
      expect(sum.serverTime).toBe(iso(now));
      expect(sum.workflows.map((w: { workflow: string }) => w.workflow)).toEqual([
        "ws.hiring",
        "ws.invoices",
        "ws.ranking",
        "ws.triage",
      ]);
      expect(line(sum, "ws.invoices")).toEqual({
        workflow: "ws.invoices",
        pattern: "exception_routing",
        owner: "ap-lead@example.com",
        waiting: 2,
        inReview: 1,
        // In the policy's order: low, then high.
        riskClasses: [
          {
            riskClass: "low",
            waiting: 1,
            oldestCreatedAt: iso(t0 + 120_000),
            nextSlaDeadline: iso(t0 + 120_000 + 4 * HOUR),
          },
          {
            riskClass: "high",
            waiting: 1,
            oldestCreatedAt: iso(t0 + 60_000),
            nextSlaDeadline: iso(t0 + 60_000 + 4 * HOUR),
          },
        ],
        slaSeconds: 14_400,
      });
      expect(line(sum, "ws.triage")).toMatchObject({
        waiting: 1,
        inReview: 0,
        riskClasses: [{ riskClass: "standard", waiting: 1, nextSlaDeadline: null }],
        slaSeconds: null,
      });
      expect(line(sum, "ws.hiring")).toMatchObject({
        waiting: 0,
        inReview: 0,
        riskClasses: [],
        slaSeconds: 172_800,
      });
      expect(sum.me.holding).toEqual([a]);

      // Once the lease expires the claimed case waits again, and is the oldest of its class.
      now += 31_000;
      const later = await summary(reviewer.key);
      expect(line(later, "ws.invoices")).toMatchObject({ waiting: 3, inReview: 0 });
      expect(line(later, "ws.invoices").riskClasses[1]).toEqual({
        riskClass: "high",
        waiting: 2,
        oldestCreatedAt: iso(t0),
        nextSlaDeadline: iso(t0 + 4 * HOUR),
      });
      expect(later.me.holding).toEqual([]);
    });

    it("shows only the workflows in the caller's scope, to reviewers, admins and auditors", async () => {
      await submit(s, invoice(), automation);
      await submit(s, triage(), automation);
      const scoped = await s.newKey("reviewer", ["ws.triage"]);
      const sum = await summary(scoped.key);
      expect(sum.workflows.map((w: { workflow: string }) => w.workflow)).toEqual(["ws.triage"]);
      expect(sum.workflows[0].waiting).toBe(1);
      const auditor = await s.newKey("auditor");
      expect(line(await summary(auditor.key), "ws.invoices").waiting).toBe(1);
      expect(line(await summary(), "ws.invoices").waiting).toBe(1);
      expect((await s.call("GET", "/v1/queue", undefined, automation)).status).toBe(403);
      expect((await s.call("GET", "/v1/queue", undefined, null)).status).toBe(401);
    });

    it("gives the caller's own day: decided, approved, median time held, cases held", async () => {
      const reviewer = await s.newKey("reviewer");
      const me = async () => (await summary(reviewer.key)).me;
      /** One case through claim and decision, held for `heldMs`. */
      const review = async (verdict: Record<string, unknown>, heldMs: number) => {
        const id = await submit(s, invoice(), automation);
        expect((await claim(s, "ws.invoices", reviewer.key)).id).toBe(id);
        now += heldMs;
        const res = await s.call("POST", `/v1/cases/${id}/decisions`, verdict, reviewer.key);
        expect(res.status, await res.text()).toBe(201);
      };
      now = Date.parse("2026-11-10T23:59:00Z"); // yesterday, just before midnight UTC
      await review({ verdict: "approve" }, 10_000);
      now = Date.parse("2026-11-11T09:00:00Z");
      expect(await me()).toEqual({ decidedToday: 0, approvedToday: 0, medianHeldSeconds: null, holding: [] });

      await review({ verdict: "approve" }, 10_000);
      await review({ verdict: "approve" }, 20_000);
      await review({ verdict: "reject", reasonCode: "other", note: "test" }, 50_000);
      expect(await me()).toEqual({ decidedToday: 3, approvedToday: 2, medianHeldSeconds: 20, holding: [] });
      await review({ verdict: "approve" }, 30_000);
      expect(await me()).toMatchObject({ decidedToday: 4, approvedToday: 3, medianHeldSeconds: 25 });

      const held = await submit(s, invoice(), automation);
      await claim(s, "ws.invoices", reviewer.key);
      expect((await me()).holding).toEqual([held]);
      // Another reviewer's day is their own.
      const other = await s.newKey("reviewer");
      expect((await summary(other.key)).me).toEqual({
        decidedToday: 0,
        approvedToday: 0,
        medianHeldSeconds: null,
        holding: [],
      });
      // A new UTC day starts from zero (and the lease has long expired).
      now = Date.parse("2026-11-12T00:00:00Z");
      expect(await me()).toEqual({ decidedToday: 0, approvedToday: 0, medianHeldSeconds: null, holding: [] });
    });
  });

  describe("the case screen's history of the subject", () => {
    const detail = async (id: string, token?: string) =>
      (await s.call("GET", `/v1/cases/${id}`, undefined, token)).json();

    it("lists earlier cases of the same subject in any workflow, newest first, with their latest decision", async () => {
      const subject = `supplier:${Math.random()}`;
      const decidedEarlier = await submit(s, invoice({ subject }), automation);
      const c = await claim(s, "ws.invoices");
      expect(c.id).toBe(decidedEarlier);
      now += 5_000;
      await s.call("POST", `/v1/cases/${c.id}/decisions`, {
        verdict: "reject",
        reasonCode: "supplier_unknown",
        note: "not our supplier",
      });
      const decidedAt = now;
      now += 1_000;
      const waiting = await submit(s, invoice({ subject }), automation);
      now += 1_000;
      const otherWorkflow = await submit(s, triage({ subject }), automation);
      await submit(s, invoice({ subject: `${subject}-other` }), automation);
      now += 1_000;
      const current = await submit(s, invoice({ subject }), automation);
      now += 1_000;
      await submit(s, invoice({ subject }), automation); // later than the one on screen

      const view = await detail(current);
      expect(view.history.map((h: { id: string }) => h.id)).toEqual([otherWorkflow, waiting, decidedEarlier]);
      expect(view.history[2]).toEqual({
        id: decidedEarlier,
        workflow: "ws.invoices",
        action: "pay",
        createdAt: iso(decidedAt - 5_000),
        status: "decided",
        route: "review",
        verdict: "reject",
        reasonCode: "supplier_unknown",
        note: "not our supplier",
        decidedAt: iso(decidedAt),
      });
      expect(view.history[1]).toMatchObject({
        status: "queued",
        verdict: null,
        reasonCode: null,
        decidedAt: null,
      });

      // Only workflows the caller may see.
      const scoped = await s.newKey("reviewer", ["ws.invoices"]);
      const seen = await detail(current, scoped.key);
      expect(seen.history.map((h: { id: string }) => h.id)).toEqual([waiting, decidedEarlier]);
    });

    it("is empty for a case without a subject, and keeps to the 20 latest", async () => {
      expect((await detail(await submit(s, invoice(), automation))).history).toEqual([]);
      const subject = `customer:${Math.random()}`;
      for (let i = 0; i < 22; i++) {
        await submit(s, invoice({ subject }), automation);
        now += 1_000;
      }
      const current = await submit(s, invoice({ subject }), automation);
      const { history } = await detail(current);
      expect(history).toHaveLength(20);
      expect(Date.parse(history[0].createdAt)).toBeGreaterThan(Date.parse(history[19].createdAt));
    });
  });

  describe("GET /v1/workflows for the workspace", () => {
    it("gives review and SLA settings, and the fields each escalation trigger reads", async () => {
      const { workflows } = await (await s.call("GET", "/v1/workflows")).json();
      const byName = new Map(workflows.map((w: { workflow: string }) => [w.workflow, w]));
      expect(byName.get("ws.invoices")).toMatchObject({
        review: { approvals: 1, minReviewSeconds: 0, blindFirst: false },
        sla: { reviewWithinSeconds: 14_400, onTimeout: "escalate" },
        escalate: [
          { name: "supplier_mismatch", fields: ["context.po", "input.supplier", "context.po.supplier"] },
          { name: "rush", fields: ["metadata.rush"] },
        ],
        riskClasses: { low: { autoMinConfidence: 0.9 }, high: { autoMinConfidence: null } },
      });
      expect(byName.get("ws.hiring")).toMatchObject({
        review: { approvals: 1, minReviewSeconds: 0, blindFirst: true },
        sla: { reviewWithinSeconds: 172_800, onTimeout: "escalate" },
      });
      expect(byName.get("ws.triage")).toMatchObject({ sla: { reviewWithinSeconds: null }, escalate: [] });
    });
  });
});
