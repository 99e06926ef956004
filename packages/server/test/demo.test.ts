import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDemoStream } from "../src/demo/stream.js";
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
      initial: 24,
      intervalMs: 60_000,
    });
    demo.stop();
    expect(demo.routes.refused ?? 0).toBe(0);
    expect(demo.routes.auto).toBeGreaterThan(0);
    expect(demo.routes.review).toBeGreaterThan(0);

    const claimed = new Set<string>();
    for (;;) {
      const res = await s.call("POST", "/v1/queue/claim", {});
      if (res.status === 204) break;
      claimed.add((await res.json()).case.workflow);
    }
    expect(claimed).toEqual(new Set(["invoice.approve", "support.reply", "outreach.send", "hiring.screen"]));
  });
});
