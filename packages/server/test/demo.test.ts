import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDemoStream } from "../src/demo/stream.js";
import { DEMO_AUTHORITY } from "../src/demo/user.js";
import { EXAMPLE_POLICY_DIR } from "../src/policy-files.js";
import { startTestServer, type TestServer } from "./helpers/server.js";

describe("the demo stream of npm start", () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer("sqlite", { policyDir: EXAMPLE_POLICY_DIR });
  });
  afterAll(async () => {
    await s.close();
    await s.storage.cleanup();
  });

  it("fills the queue through the real API with a mix of auto-routed and reviewed cases", async () => {
    const demo = await startDemoStream({
      app: s.app,
      store: s.store,
      workflows: new Set(s.policies.workflows.keys()),
      logger: pino({ level: "silent" }),
      // Eight of each of the six example workflows: enough that each has cases a person must review.
      initial: 48,
      intervalMs: 60_000,
    });
    demo.stop();
    expect(demo.routes.refused ?? 0).toBe(0);
    expect(demo.routes.auto).toBeGreaterThan(0);
    expect(demo.routes.review).toBeGreaterThan(0);

    const claimed = new Set<string>();
    const proposals = new Map<string, unknown>();
    // Authority limits hold for admins too: a key with the roles that cover every example workflow.
    const created = await s.call("POST", "/v1/keys", {
      name: "all-authority",
      role: "admin",
      authorityRoles: DEMO_AUTHORITY,
    });
    const { key } = await created.json();
    for (;;) {
      const res = await s.call("POST", "/v1/queue/claim", {}, key);
      if (res.status === 204) break;
      const { case: c } = await res.json();
      claimed.add(c.workflow);
      proposals.set(c.workflow, c.proposal);
    }
    expect(claimed).toEqual(
      new Set([
        "invoice.approve",
        "support.reply",
        "outreach.send",
        "hiring.screen",
        "ticket.triage",
        "reply.ranking",
      ]),
    );

    // Each pattern's proposal has the shape the workspace renders (docs/workspace-api.md).
    expect(proposals.get("ticket.triage")).toMatchObject({
      label: expect.any(String),
      candidates: expect.arrayContaining([{ label: expect.any(String), probability: expect.any(Number) }]),
    });
    const ranking = proposals.get("reply.ranking") as { candidates: unknown[] };
    expect(ranking.candidates).toHaveLength(2);
    expect(ranking.candidates[0]).toEqual({ id: "a", output: { text: expect.any(String) } });
    const hiring = proposals.get("hiring.screen") as { options: unknown[] };
    expect(hiring.options[0]).toEqual({
      id: expect.any(String),
      action: "advance",
      summary: expect.any(String),
      riskFactors: [],
    });
  });
});
