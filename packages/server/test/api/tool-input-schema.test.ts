import { fileURLToPath } from "node:url";
import { verifyDecision } from "@loopgate/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ENGINES, startTestServer, type TestServer } from "../helpers/server.js";

const POLICIES = fileURLToPath(new URL("../fixtures/tool-schema-policies", import.meta.url));

/** The tool's arguments: what an MCP server's tools/list would publish as its inputSchema. */
const TOOL_SCHEMA = {
  type: "object",
  properties: {
    pay: { type: "number", minimum: 0, maximum: 10_000 },
    to: { type: "string", minLength: 1 },
  },
  required: ["pay", "to"],
  additionalProperties: false,
};

const payCase = (o: Record<string, unknown> = {}) => ({
  workflow: "ts.plain",
  action: "pay",
  input: { amount: 120, payee: "Acme" },
  proposal: { pay: 120, to: "Acme" },
  confidence: 0.5,
  toolInputSchema: TOOL_SCHEMA,
  ...o,
});

/**
 * The tool's input schema (issue 14, item 3): sent with the case, compiled with Ajv, and enforced on
 * the proposal at submit and on every output a person releases to run, on every path that records one
 * (decisions, each four-eyes approval, blind judgments, the preview). An edit that breaks the tool's
 * schema is never recorded, so it never runs.
 */
describe.each(ENGINES)("toolInputSchema (%s)", (engine) => {
  let s: TestServer;
  let automation: string;
  let publicKeyPem: string;
  beforeAll(async () => {
    // Room for a schema just over the schema limit, so the limit (not the body limit) refuses it.
    s = await startTestServer(engine, { policyDir: POLICIES, bodyLimitBytes: 256 * 1024 });
    automation = (await s.newKey("automation")).key;
    ({ publicKeyPem } = await (await s.call("GET", "/v1/decision-key", undefined, automation)).json());
  });
  afterAll(async () => {
    await s.close();
    await s.storage.cleanup();
  });

  const submit = (body: Record<string, unknown>) => s.call("POST", "/v1/cases", body, automation);
  async function claimedCase(body: Record<string, unknown> = payCase(), token?: string): Promise<string> {
    const res = await submit(body);
    expect(res.status).toBe(201);
    const { id } = await res.json();
    const claim = await s.call("POST", "/v1/queue/claim", { workflows: [body.workflow] }, token);
    expect(claim.status).toBe(200);
    expect((await claim.json()).case.id).toBe(id);
    return id;
  }
  const decide = (id: string, body: Record<string, unknown>, token?: string) =>
    s.call("POST", `/v1/cases/${id}/decisions`, body, token);

  it("refuses a schema that does not compile, names /toolInputSchema, and stores nothing", async () => {
    for (const schema of [
      { type: 12 },
      { type: "object", properties: { pay: { type: "money" } } },
      // Nothing is ever fetched: a remote reference cannot be resolved, so the schema is refused.
      { $ref: "https://schemas.example.com/payment.json" },
    ]) {
      const res = await submit(payCase({ toolInputSchema: schema, subject: "bad-schema" }));
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ field: "/toolInputSchema" });
    }
    const notAnObject = await submit(payCase({ toolInputSchema: [TOOL_SCHEMA] }));
    expect(notAnObject.status).toBe(400);
    const history = await s.store.cases.subjectHistory({
      subject: "bad-schema",
      excludeCaseId: "",
      before: Date.now() + 60_000,
      limit: 10,
    });
    expect(history).toEqual([]);
  });

  it("refuses a schema over the size limit", async () => {
    const huge = { ...TOOL_SCHEMA, description: "x".repeat(70_000) };
    const res = await submit(payCase({ toolInputSchema: huge }));
    expect(res.status).toBe(400);
    const problem = await res.json();
    expect(problem.field).toBe("/toolInputSchema");
    expect(problem.detail).toContain("65536");
  });

  it("matches the automation's patterns in linear time: a catastrophic pattern cannot hold the server", async () => {
    // With JavaScript's backtracking RegExp, `^(a+)+$` against 5,000 a's and a "!" would run for
    // longer than the universe has existed, and every other request would wait behind it.
    const evil = {
      type: "object",
      properties: { pay: { type: "number" }, to: { type: "string", pattern: "^(a+)+$" } },
      patternProperties: { "^(x+x+)+y$": { type: "string" } },
    };
    const slow = `${"a".repeat(5_000)}!`;
    const refused = await submit(payCase({ toolInputSchema: evil, proposal: { pay: 1, to: slow } }));
    expect(refused.status).toBe(422);
    expect(await refused.json()).toMatchObject({ field: "/proposal/to" });
    // A key matched against a catastrophic patternProperties pattern: no match, nothing to check.
    const id = await claimedCase(
      payCase({ toolInputSchema: evil, proposal: { pay: 1, to: "aaa", [`${"x".repeat(5_000)}`]: 2 } }),
    );
    // A reviewer's edit is matched by the same engine.
    const edit = await decide(id, {
      verdict: "edit",
      output: { pay: 1, to: slow },
      reasonCode: "wrong_amount",
    });
    expect(edit.status).toBe(422);
    expect(await edit.json()).toMatchObject({ field: "/output/to" });
    expect((await decide(id, { verdict: "approve" })).status).toBe(201);
    // Lookaround and backreferences have no linear-time match: refused at submit, not run slowly.
    for (const pattern of ["^(?=a)a$", "^(a)\\1$"]) {
      const schema = { type: "object", properties: { to: { type: "string", pattern } } };
      const res = await submit(payCase({ toolInputSchema: schema }));
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ field: "/toolInputSchema" });
    }
  });

  it("refuses a proposal that breaks the schema at submit, naming the field", async () => {
    for (const [proposal, field] of [
      [{ pay: -5, to: "Acme" }, "/proposal/pay"],
      [{ pay: 120 }, "/proposal/to"],
      [{ pay: 120, to: "Acme", memo: "rush" }, "/proposal/memo"],
      ["pay Acme 120", "/proposal"],
    ] as const) {
      const res = await submit(payCase({ proposal }));
      expect(res.status).toBe(422);
      expect(await res.json()).toMatchObject({ field });
    }
  });

  it("an edit that breaks the schema is never recorded; a valid edit is, and verifies", async () => {
    const id = await claimedCase();
    for (const [output, field] of [
      [{ pay: "all of it", to: "Acme" }, "/output/pay"],
      [{ pay: 1e9, to: "Acme" }, "/output/pay"],
      [{ pay: 100, to: "Acme", iban: "XX00 EVIL" }, "/output/iban"],
      [{ pay: 100 }, "/output/to"],
    ] as const) {
      const res = await decide(id, { verdict: "edit", output, reasonCode: "wrong_amount" });
      expect(res.status).toBe(422);
      const problem = await res.json();
      expect(problem.field).toBe(field);
      expect(problem.detail).toContain("toolInputSchema");
      // The preview refuses it the same way, before the reviewer submits.
      const preview = await s.call("POST", `/v1/cases/${id}/decisions/preview`, {
        verdict: "edit",
        output,
        reasonCode: "wrong_amount",
      });
      expect(await preview.json()).toMatchObject({ accepted: false, refusal: { field } });
      const override = await decide(id, { verdict: "override", output, reasonCode: "wrong_amount" });
      expect(override.status).toBe(422);
    }
    // Nothing was recorded: the automation still waits.
    const pending = await s.call("GET", `/v1/cases/${id}/decision`, undefined, automation);
    expect(pending.status).toBe(202);
    expect((await s.store.cases.detail(id))?.decisions).toEqual([]);

    const edited = { pay: 100, to: "Acme" };
    expect((await decide(id, { verdict: "edit", output: edited, reasonCode: "wrong_amount" })).status).toBe(
      201,
    );
    const d = await (await s.call("GET", `/v1/cases/${id}/decision`, undefined, automation)).json();
    expect(d).toMatchObject({ verdict: "edit", output: edited });
    expect(verifyDecision(d, { publicKeyPem, caseId: id, action: "pay", output: edited })).toBe(true);
  });

  it("a respond's answer is not the tool's arguments, so the schema does not apply to it", async () => {
    const id = await claimedCase(payCase({ subject: "respond" }));
    const res = await decide(id, { verdict: "respond", output: "Acme was paid by cheque on Monday" });
    expect(res.status).toBe(201);
  });

  it("a blind judgment carrying an edit that breaks the schema is refused", async () => {
    const id = await claimedCase(payCase({ workflow: "ts.blind" }));
    const bad = await s.call("POST", `/v1/cases/${id}/blind-judgment`, {
      verdict: "edit",
      output: { pay: 100, to: "" },
      reasonCode: "wrong_amount",
    });
    expect(bad.status).toBe(422);
    expect(await bad.json()).toMatchObject({ field: "/output/to" });
    const good = await s.call("POST", `/v1/cases/${id}/blind-judgment`, {
      verdict: "edit",
      output: { pay: 100, to: "Acme" },
      reasonCode: "wrong_amount",
    });
    expect(good.status).toBe(201);
  });

  it("the second approval of a four-eyes case is held to the schema too", async () => {
    const second = (await s.newKey("reviewer")).key;
    const id = await claimedCase(payCase({ workflow: "ts.four-eyes" }));
    const edited = { pay: 100, to: "Acme" };
    const first = await decide(id, { verdict: "edit", output: edited, reasonCode: "wrong_amount" });
    expect(first.status).toBe(201);
    expect(await first.json()).toMatchObject({ approvals: { count: 1, needed: 2 } });
    const claim = await s.call("POST", "/v1/queue/claim", { workflows: ["ts.four-eyes"] }, second);
    expect((await claim.json()).case.id).toBe(id);
    const broken = await decide(
      id,
      { verdict: "edit", output: { pay: 100, to: "Acme", extra: 1 }, reasonCode: "wrong_amount" },
      second,
    );
    expect(broken.status).toBe(422);
    expect(await broken.json()).toMatchObject({ field: "/output/extra" });
    const agreed = await decide(id, { verdict: "edit", output: edited, reasonCode: "wrong_amount" }, second);
    expect(agreed.status).toBe(201);
    expect((await s.store.cases.get(id))?.status).toBe("decided");
  });

  it("four-eyes: an answer (respond) and an approval to run never add up, even with the same JSON", async () => {
    const second = (await s.newKey("reviewer")).key;
    const proposal = { pay: 120, to: "Acme" };
    const id = await claimedCase(payCase({ workflow: "ts.four-eyes", subject: "four-eyes-respond" }));
    // The first person answers with exactly the proposal's JSON; the second approves the proposal.
    const first = await decide(id, { verdict: "respond", output: proposal });
    expect(await first.json()).toMatchObject({ approvals: { count: 1, needed: 2 } });
    const claim = await s.call("POST", "/v1/queue/claim", { workflows: ["ts.four-eyes"] }, second);
    expect((await claim.json()).case.id).toBe(id);
    const approve = await decide(id, { verdict: "approve" }, second);
    expect(approve.status).toBe(201);
    expect(await approve.json()).toMatchObject({ approvals: { count: 1, needed: 2 } });
    expect((await s.store.cases.get(id))?.status).toBe("queued");
  });

  it("a revision inherits the schema: a revised proposal that breaks it is refused", async () => {
    const id = await claimedCase(payCase({ subject: "revise" }));
    expect((await decide(id, { verdict: "request_changes", note: "pay 100" })).status).toBe(201);
    const bad = await s.call(
      "POST",
      `/v1/cases/${id}/revisions`,
      { proposal: { pay: "100", to: "Acme" }, confidence: 0.5 },
      automation,
    );
    expect(bad.status).toBe(422);
    expect(await bad.json()).toMatchObject({ field: "/proposal/pay" });
    const good = await s.call(
      "POST",
      `/v1/cases/${id}/revisions`,
      { proposal: { pay: 100, to: "Acme" }, confidence: 0.5 },
      automation,
    );
    expect(good.status).toBe(201);
    const revision = await s.store.cases.get((await good.json()).id);
    expect(revision?.toolInputSchema).toEqual(TOOL_SCHEMA);
  });

  it("the schema is stored on the case and shown with it", async () => {
    const res = await submit(payCase({ subject: "shown" }));
    const { id } = await res.json();
    const view = await (await s.call("GET", `/v1/cases/${id}`)).json();
    expect(view.toolInputSchema).toEqual(TOOL_SCHEMA);
  });
});
