import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ENGINES, type JsonResponse, payment, startTestServer, type TestServer } from "../helpers/server.js";

describe.each(ENGINES)("submitting cases (%s)", (engine) => {
  let s: TestServer;
  let automation: string;
  beforeAll(async () => {
    s = await startTestServer(engine);
    automation = (await s.newKey("automation")).key;
  });
  afterAll(async () => {
    await s.close();
    await s.storage.cleanup();
  });

  it("auto-routes a confident low-risk case and records the policy's decision", async () => {
    const res = await s.call("POST", "/v1/cases", payment(), automation);
    expect(res.status).toBe(201);
    const body = await res.json();
    expect(body).toMatchObject({ route: "auto", status: "decided", riskClass: "low" });
    expect(body.explanation).toMatchObject({ threshold: 0.9, confidence: 0.95, triggers: [] });
    expect(res.headers.get("location")).toBe(`/v1/cases/${body.id}`);

    const decision = await (await s.call("GET", `/v1/cases/${body.id}/decision`)).json();
    expect(decision).toMatchObject({
      verdict: "approve",
      decidedBy: "policy",
      output: { pay: 120, to: "Acme" },
    });
  });

  it("queues a case below the threshold, with the threshold in the explanation", async () => {
    const res = await s.call("POST", "/v1/cases", payment({ confidence: 0.5 }), automation);
    expect(res.status).toBe(201);
    const body = await res.json();
    expect(body).toMatchObject({ route: "review", status: "queued" });
    expect(body.explanation.reasons.join(" ")).toMatch(/0\.9/);
  });

  it("never auto-routes a human_only action, even at confidence 1", async () => {
    const res = await s.call(
      "POST",
      "/v1/cases",
      payment({ action: "close_account", confidence: 1 }),
      automation,
    );
    expect((await res.json()).route).toBe("human_only");
  });

  it("sends a case to review when an escalation trigger fires, naming the trigger", async () => {
    const res = await s.call(
      "POST",
      "/v1/cases",
      payment({ input: { amount: 10, payee: "Acme", flagged: true }, confidence: 0.99 }),
      automation,
    );
    const body = await res.json();
    expect(body.route).toBe("review");
    expect(body.explanation.triggers).toEqual(["flagged"]);
  });

  it("stores everything submitted and shows it with its events", async () => {
    const evidence = [{ kind: "doc", title: "invoice.pdf" }];
    const submission = payment({
      confidence: 0.4,
      rationale: "matches the PO",
      evidence,
      subject: "payee:Acme",
      metadata: { source: "test" },
    });
    const { id } = await (await s.call("POST", "/v1/cases", submission, automation)).json();
    const res = await s.call("GET", `/v1/cases/${id}`);
    expect(res.status).toBe(200);
    const c = await res.json();
    expect(c).toMatchObject({
      id,
      workflow: "test.payments",
      action: "pay",
      status: "queued",
      input: submission.input,
      proposal: submission.proposal,
      rationale: "matches the PO",
      evidence,
      subject: "payee:Acme",
      metadata: { source: "test" },
      decisions: [],
    });
    expect(c.events.map((e: { type: string }) => e.type)).toEqual(["submitted", "routed"]);
  });

  it("returns the same case for the same idempotency key, and refuses the key for a different body", async () => {
    const first = await s.call(
      "POST",
      "/v1/cases",
      payment({ idempotencyKey: "inv-1", confidence: 0.3 }),
      automation,
    );
    expect(first.status).toBe(201);
    const again = await s.call(
      "POST",
      "/v1/cases",
      payment({ idempotencyKey: "inv-1", confidence: 0.3 }),
      automation,
    );
    expect(again.status).toBe(200);
    expect((await again.json()).id).toBe((await first.json()).id);

    const different = await s.call(
      "POST",
      "/v1/cases",
      payment({ idempotencyKey: "inv-1", confidence: 0.31 }),
      automation,
    );
    expect(different.status).toBe(409);
    expect(different.headers.get("content-type")).toMatch(/application\/problem\+json/);
  });

  it("makes concurrent retries with one idempotency key into one case", async () => {
    const results = await Promise.all(
      Array.from({ length: 10 }, () =>
        s.call("POST", "/v1/cases", payment({ idempotencyKey: "burst-1", confidence: 0.2 }), automation),
      ),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((x) => x === 201)).toHaveLength(1);
    expect(statuses.filter((x) => x === 200)).toHaveLength(9);
    const ids = new Set(await Promise.all(results.map(async (r) => (await r.json()).id)));
    expect(ids.size).toBe(1);
  });

  describe("bad input gets a problem+json naming the field, never a 500", () => {
    const expectProblem = async (res: JsonResponse, status: number, field?: string) => {
      expect(res.status).toBe(status);
      expect(res.headers.get("content-type")).toMatch(/application\/problem\+json/);
      const p = await res.json();
      expect(p).toMatchObject({ status, title: expect.any(String), detail: expect.any(String) });
      if (field) expect(p.field).toBe(field);
      return p;
    };

    it("malformed JSON", async () => {
      const p = await expectProblem(await s.call("POST", "/v1/cases", '{"workflow": ', automation), 400);
      expect(p.detail).toMatch(/JSON/);
    });
    it("a confidence sent as a string", async () => {
      await expectProblem(
        await s.call("POST", "/v1/cases", payment({ confidence: "0.9" }), automation),
        400,
        "/confidence",
      );
    });
    it("a confidence above 1", async () => {
      await expectProblem(
        await s.call("POST", "/v1/cases", payment({ confidence: 1.5 }), automation),
        400,
        "/confidence",
      );
    });
    it("a missing required field", async () => {
      const { proposal: _omit, ...rest } = payment();
      await expectProblem(await s.call("POST", "/v1/cases", rest, automation), 400, "/proposal");
    });
    it("an unknown field (a typo)", async () => {
      await expectProblem(
        await s.call("POST", "/v1/cases", payment({ confidance: 0.9 }), automation),
        400,
        "/confidance",
      );
    });
    it("an unknown workflow", async () => {
      const p = await expectProblem(
        await s.call("POST", "/v1/cases", payment({ workflow: "nope.nothing" }), automation),
        422,
        "/workflow",
      );
      expect(p.detail).toMatch(/test\.payments/);
    });
    it("an unknown action", async () => {
      await expectProblem(
        await s.call("POST", "/v1/cases", payment({ action: "teleport" }), automation),
        422,
        "/action",
      );
    });
    it("a callbackUrl that is not http(s)", async () => {
      await expectProblem(
        await s.call("POST", "/v1/cases", payment({ callbackUrl: "ftp://x.example/hook" }), automation),
        400,
        "/callbackUrl",
      );
    });
    it("an oversized body gets 413 and is not stored", async () => {
      const big = payment({ idempotencyKey: "too-big", input: { amount: 1, blob: "x".repeat(70 * 1024) } });
      const p = await expectProblem(await s.call("POST", "/v1/cases", big, automation), 413);
      expect(p.detail).toMatch(/65536/);
      const retry = await s.call("POST", "/v1/cases", payment({ idempotencyKey: "too-big" }), automation);
      expect(retry.status).toBe(201);
    });
    it("an unknown case id", async () => {
      await expectProblem(await s.call("GET", "/v1/cases/case_missing"), 404);
    });
    it("a negative waitSeconds", async () => {
      await expectProblem(await s.call("GET", "/v1/cases/case_missing/decision?waitSeconds=-1"), 400);
    });
  });
});
