import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ENGINES, payment, startTestServer, type TestServer } from "../helpers/server.js";

/**
 * `GET /v1/workflows/:name/corrections` (issue 14, item 4): a workflow's recent corrections by people,
 * for an agent to read before it asks, and the scoping attack: a key of one workflow never reads
 * another's. Also the `sft` export, made of respond decisions.
 */
describe.each(ENGINES)("recent corrections and the sft export (%s)", (engine) => {
  let s: TestServer;
  let automation: string;
  const ids: Record<string, string> = {};
  let clock = Date.parse("2026-12-01T09:00:00Z");

  beforeAll(async () => {
    // A clock that moves a second per read, so the decisions' order is the order they are recorded in.
    s = await startTestServer(engine, { clock: () => (clock += 1000) });
    automation = (await s.newKey("automation", ["test.payments"])).key;
    const decide = async (name: string, decision: Record<string, unknown>, o: Record<string, unknown>) => {
      const res = await s.call("POST", "/v1/cases", payment({ confidence: 0.2, ...o }), automation);
      const { id } = await res.json();
      expect((await s.call("POST", "/v1/queue/claim", {})).status).toBe(200);
      expect((await s.call("POST", `/v1/cases/${id}/decisions`, decision)).status).toBe(201);
      ids[name] = id;
    };
    await decide("approve", { verdict: "approve" }, {});
    await decide(
      "edit",
      { verdict: "edit", output: { pay: 100, to: "Acme" }, reasonCode: "wrong_amount" },
      {},
    );
    await decide("reject", { verdict: "reject", reasonCode: "wrong_payee", note: "not our supplier" }, {});
    await decide("respond", { verdict: "respond", output: { paid: true, ref: "TX-1" } }, {});
    await decide("changes", { verdict: "request_changes", note: "split it in two payments" }, {});
    await decide(
      "refund",
      { verdict: "edit", output: { pay: 5, to: "Acme" }, reasonCode: "wrong_amount" },
      { action: "refund" },
    );
    // Another workflow's correction, by another key: never part of test.payments' list.
    const other = (await s.newKey("automation", ["test.other"])).key;
    const res = await s.call(
      "POST",
      "/v1/cases",
      { workflow: "test.other", action: "send", input: {}, proposal: { text: "hi" }, confidence: 0.1 },
      other,
    );
    ids.other = (await res.json()).id;
    expect((await s.call("POST", "/v1/queue/claim", {})).status).toBe(200);
    expect(
      (
        await s.call("POST", `/v1/cases/${ids.other}/decisions`, {
          verdict: "edit",
          output: { text: "hello" },
          reasonCode: "wrong",
        })
      ).status,
    ).toBe(201);
  });
  afterAll(async () => {
    await s.close();
    await s.storage.cleanup();
  });

  const corrections = (query: string, token: string | undefined = automation) =>
    s.call("GET", `/v1/workflows/test.payments/corrections${query}`, undefined, token);

  it("lists an action's corrections newest first: edits, rejects, responds and requested changes", async () => {
    const res = await corrections("?action=pay");
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({ workflow: "test.payments", action: "pay" });
    expect(body.corrections).toEqual([
      {
        caseId: ids.changes,
        action: "pay",
        verdict: "request_changes",
        before: payment().proposal,
        after: null,
        reasonCode: null,
        note: "split it in two payments",
        decidedAt: expect.any(String),
      },
      expect.objectContaining({
        caseId: ids.respond,
        verdict: "respond",
        after: { paid: true, ref: "TX-1" },
      }),
      expect.objectContaining({
        caseId: ids.reject,
        verdict: "reject",
        after: null,
        reasonCode: "wrong_payee",
        note: "not our supplier",
      }),
      expect.objectContaining({
        caseId: ids.edit,
        verdict: "edit",
        before: payment().proposal,
        after: { pay: 100, to: "Acme" },
        reasonCode: "wrong_amount",
      }),
    ]);
    // No plumbing and no input: only what corrects.
    const text = JSON.stringify(body);
    for (const hidden of ["submittedBy", "decidedBy", "idempotencyKey", '"input"', '"payee"']) {
      expect(text).not.toContain(hidden);
    }
  });

  it("is bounded by limit, and covers every action without one", async () => {
    const one = await (await corrections("?action=pay&limit=1")).json();
    expect(one.corrections.map((c: { caseId: string }) => c.caseId)).toEqual([ids.changes]);
    const all = await (await corrections("")).json();
    expect(all.action).toBeNull();
    expect(all.corrections.map((c: { caseId: string }) => c.caseId)).toEqual([
      ids.refund,
      ids.changes,
      ids.respond,
      ids.reject,
      ids.edit,
    ]);
    expect((await corrections("?limit=101")).status).toBe(400);
    expect((await corrections("?limit=0")).status).toBe(400);
  });

  it("never shows another workflow's corrections: a key of workflow A reading B is refused", async () => {
    const otherKey = (await s.newKey("automation", ["test.other"])).key;
    const refused = await corrections("?action=pay", otherKey);
    expect(refused.status).toBe(403);
    const otherReviewer = (await s.newKey("reviewer", ["test.other"])).key;
    expect((await corrections("", otherReviewer)).status).toBe(403);
    // Its own workflow's list holds only its own workflow's correction.
    const own = await s.call("GET", "/v1/workflows/test.other/corrections", undefined, otherKey);
    expect(own.status).toBe(200);
    expect((await own.json()).corrections.map((c: { caseId: string }) => c.caseId)).toEqual([ids.other]);
    // And test.payments' key cannot read test.other's.
    const across = await s.call("GET", "/v1/workflows/test.other/corrections", undefined, automation);
    expect(across.status).toBe(403);
  });

  it("reviewers and admins of the workflow may read it; auditors and strangers may not", async () => {
    const reviewer = (await s.newKey("reviewer", ["test.payments"])).key;
    expect((await corrections("?action=pay", reviewer)).status).toBe(200);
    expect((await corrections("?action=pay", undefined)).status).toBe(200);
    const auditor = (await s.newKey("auditor")).key;
    expect((await corrections("", auditor)).status).toBe(403);
    expect((await s.call("GET", "/v1/workflows/test.payments/corrections", undefined, null)).status).toBe(
      401,
    );
    const unknown = await s.call("GET", "/v1/workflows/no.such/corrections");
    expect(unknown.status).toBe(422);
  });

  it("exports a respond as an SFT example: the input and tool call, completed by the person's answer", async () => {
    const res = await s.call("GET", "/v1/exports/sft?workflow=test.payments");
    expect(res.status).toBe(200);
    const rows = (await res.text())
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(rows).toEqual([
      {
        prompt: payment().input,
        toolCall: { action: "pay", arguments: payment().proposal },
        completion: { paid: true, ref: "TX-1" },
        caseId: ids.respond,
        workflow: "test.payments",
        reviewer: expect.any(String),
        decidedAt: expect.any(String),
        policyVersion: expect.any(String),
      },
    ]);
    // The corrections export carries the respond and the request for changes too.
    const corr = await s.call(
      "GET",
      "/v1/exports/corrections?workflow=test.payments&verdict=request_changes",
    );
    const [row] = (await corr.text())
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(row).toMatchObject({ caseId: ids.changes, humanOutput: null, note: "split it in two payments" });
  });
});
