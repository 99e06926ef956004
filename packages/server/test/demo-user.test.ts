import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_USER, ensureDemoUser } from "../src/demo/user.js";
import { startTestServer, type TestServer } from "./helpers/server.js";

describe("the demo reviewer of npm start", () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer("sqlite");
  });
  afterAll(async () => {
    await s.close();
    await s.storage.cleanup();
  });

  it("is created once, as a reviewer, and can sign in at once", async () => {
    await ensureDemoUser(s.store, Date.now());
    const first = await s.store.identity.findUserByUsername("demo");
    await Promise.all([ensureDemoUser(s.store, Date.now()), ensureDemoUser(s.store, Date.now())]);
    expect((await s.store.identity.findUserByUsername("demo"))?.id).toBe(first?.id);
    expect(first).toMatchObject({ role: "reviewer", name: "Demo Reviewer" });

    const res = await s.call("POST", "/v1/session", DEMO_USER, null);
    expect(res.status).toBe(200);
    expect((await res.json()).user).toMatchObject({ id: first?.id, role: "reviewer" });
  });
});
