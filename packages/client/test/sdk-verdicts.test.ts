import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../../server/test/helpers/server.js";
import { ranking, triage, WORKSPACE_POLICIES } from "../../server/test/helpers/workspace.js";
import { type LabelOutput, Loopgate, type RankOutput } from "../src/index.js";

/** gate() on the learning-loop patterns: the reviewer's label or ranking is what the action runs with. */
describe("@loopgate/client with label and rank verdicts", () => {
  let s: TestServer;
  let loopgate: Loopgate;
  beforeAll(async () => {
    s = await startTestServer("sqlite", { policyDir: WORKSPACE_POLICIES });
    loopgate = new Loopgate({ url: s.url, apiKey: (await s.newKey("automation")).key });
  });
  afterAll(async () => {
    await s.close();
    await s.storage.cleanup();
  });

  /** Plays the reviewer on `workflow`: takes its next case and decides it. */
  async function review(workflow: string, decision: Record<string, unknown>) {
    for (let i = 0; i < 100; i++) {
      const res = await s.call("POST", "/v1/queue/claim", { workflows: [workflow] });
      if (res.status === 200) {
        const { case: c } = await res.json();
        return s.call("POST", `/v1/cases/${c.id}/decisions`, decision);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error("nothing to review");
  }

  it("runs the action with the reviewer's label", async () => {
    const ran: LabelOutput[] = [];
    const gated = loopgate.gate<unknown, string, LabelOutput>(triage(), (output) => {
      ran.push(output);
      return output.label;
    });
    expect((await review("ws.triage", { verdict: "label", output: { label: "account" } })).status).toBe(201);
    expect(await gated).toBe("account");
    expect(ran).toEqual([{ label: "account" }]);
  });

  it("runs the action with the reviewer's ranking", async () => {
    const gated = loopgate.gate<unknown, string | undefined, RankOutput>(ranking(), (output, decision) => {
      expect(decision.verdict).toBe("rank");
      return output.ranking[0];
    });
    const res = await review("ws.ranking", { verdict: "rank", output: { ranking: ["b", "a"], tie: false } });
    expect(res.status).toBe(201);
    expect(await gated).toBe("b");
  });
});
