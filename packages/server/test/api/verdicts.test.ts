import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ENGINES, startTestServer, type TestServer } from "../helpers/server.js";
import { claim, drain, invoice, ranking, submit, triage, WORKSPACE_POLICIES } from "../helpers/workspace.js";

describe.each(ENGINES)("label and rank verdicts (%s)", (engine) => {
  let s: TestServer;
  let automation: string;
  let reviewer: string;
  beforeAll(async () => {
    s = await startTestServer(engine, { policyDir: WORKSPACE_POLICIES });
    automation = (await s.newKey("automation")).key;
    reviewer = (await s.newKey("reviewer")).key;
  });
  afterAll(async () => {
    await s.close();
    await s.storage.cleanup();
  });
  beforeEach(() => drain(s));

  /** Queues a case of `body`'s workflow and claims it as the reviewer. */
  async function held(body: Record<string, unknown>): Promise<string> {
    const id = await submit(s, body, automation);
    expect((await claim(s, body.workflow as string, reviewer)).id).toBe(id);
    return id;
  }
  const decide = (id: string, body: Record<string, unknown>) =>
    s.call("POST", `/v1/cases/${id}/decisions`, body, reviewer);
  async function refused(id: string, body: Record<string, unknown>, field: string) {
    const res = await decide(id, body);
    expect(res.status).toBe(422);
    const problem = await res.json();
    expect(problem.field).toBe(field);
    return problem.detail as string;
  }

  it("labels an active-learning case without a reason code; the automation gets the label", async () => {
    const id = await held(triage());
    const res = await decide(id, { verdict: "label", output: { label: "account" } });
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({
      verdict: "label",
      output: { label: "account" },
      reasonCode: null,
    });
    const decision = await (await s.call("GET", `/v1/cases/${id}/decision`, undefined, automation)).json();
    expect(decision).toMatchObject({ status: "decided", verdict: "label", output: { label: "account" } });
  });

  it("checks a label's output, and a reason code when one is given", async () => {
    const id = await held(triage());
    await refused(id, { verdict: "label" }, "/output");
    await refused(id, { verdict: "label", output: "account" }, "/output");
    await refused(id, { verdict: "label", output: { label: "" } }, "/output/label");
    await refused(id, { verdict: "label", output: { label: "a", why: "b" } }, "/output/why");
    await refused(id, { verdict: "label", output: { label: "a" }, reasonCode: "bored" }, "/reasonCode");
    const ok = await decide(id, {
      verdict: "label",
      output: { label: "billing" },
      reasonCode: "wrong_category",
    });
    expect(ok.status).toBe(201);
  });

  it("ranks a preference-ranking case: every candidate once, best first", async () => {
    const id = await held(ranking());
    expect(await refused(id, { verdict: "rank" }, "/output")).toMatch(/ranking/);
    await refused(id, { verdict: "rank", output: { ranking: ["a"] } }, "/output/ranking");
    await refused(id, { verdict: "rank", output: { ranking: ["a", "a"] } }, "/output/ranking");
    expect(
      await refused(id, { verdict: "rank", output: { ranking: ["a", "z"] } }, "/output/ranking"),
    ).toMatch(/"z" is not a candidate/);
    await refused(id, { verdict: "rank", output: { ranking: ["b", "a"], tie: "no" } }, "/output/tie");
    const res = await decide(id, { verdict: "rank", output: { ranking: ["b", "a"], tie: false } });
    expect(res.status).toBe(201);
    expect((await res.json()).output).toEqual({ ranking: ["b", "a"], tie: false });
  });

  it("asks a reason code for a tie, and for nothing else in a ranking", async () => {
    const tie = await held(ranking());
    expect(
      await refused(tie, { verdict: "rank", output: { ranking: ["a", "b"], tie: true } }, "/reasonCode"),
    ).toMatch(/tie/);
    const ok = await decide(tie, {
      verdict: "rank",
      output: { ranking: ["a", "b"], tie: true },
      reasonCode: "both_good",
    });
    expect(ok.status).toBe(201);
    expect(await ok.json()).toMatchObject({
      output: { ranking: ["a", "b"], tie: true },
      reasonCode: "both_good",
    });
    // `tie` may be left out: no tie.
    const plain = await held(ranking());
    const res = await decide(plain, { verdict: "rank", output: { ranking: ["a", "b"] } });
    expect((await res.json()).output).toEqual({ ranking: ["a", "b"], tie: false });
  });

  it("refuses label and rank on workflows of other patterns", async () => {
    const inv = await held(invoice());
    expect(await refused(inv, { verdict: "label", output: { label: "x" } }, "/verdict")).toMatch(
      /active_learning/,
    );
    expect(await refused(inv, { verdict: "rank", output: { ranking: ["a", "b"] } }, "/verdict")).toMatch(
      /preference_ranking/,
    );
    const tri = await held(triage());
    await refused(tri, { verdict: "rank", output: { ranking: ["a", "b"] } }, "/verdict");
    const rnk = await held(ranking());
    await refused(rnk, { verdict: "label", output: { label: "x" } }, "/verdict");
    // The classic verdicts still apply everywhere.
    expect((await decide(inv, { verdict: "approve" })).status).toBe(201);
    expect(
      (await decide(tri, { verdict: "edit", output: { label: "x" }, reasonCode: "other", note: "test" }))
        .status,
    ).toBe(201);
    expect((await decide(rnk, { verdict: "reject", reasonCode: "both_bad" })).status).toBe(201);
  });
});
