import { afterAll, describe, expect, it } from "vitest";
import { ENGINES, freshStorage, startTestServer } from "../helpers/server.js";

describe.each(ENGINES)("the first admin key (%s)", (engine) => {
  const cleanups: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  it("is created and shown once on a first start without a bootstrap token, and works", async () => {
    const storage = await freshStorage(engine);
    cleanups.push(storage.cleanup);
    const first = await startTestServer(engine, { bootstrapToken: undefined }, storage);
    const token = first.firstAdminToken;
    expect(token).toMatch(/^lg_/);
    expect((await first.call("POST", "/v1/keys", { name: "ci", role: "automation" }, token)).status).toBe(
      201,
    );
    await first.close();

    const second = await startTestServer(engine, { bootstrapToken: undefined }, storage);
    cleanups.push(() => second.close());
    expect(second.firstAdminToken).toBeUndefined();
    expect((await second.call("GET", "/v1/workflows", undefined, token)).status).toBe(200);
  });

  it("makes LOOPGATE_BOOTSTRAP_TOKEN an admin key, across restarts", async () => {
    const storage = await freshStorage(engine);
    cleanups.push(storage.cleanup);
    const bootstrapToken = "lg_bootstrap_for_this_test_only";
    for (let i = 0; i < 2; i++) {
      const s = await startTestServer(engine, { bootstrapToken }, storage);
      expect(s.firstAdminToken).toBeUndefined();
      expect(
        (await s.call("POST", "/v1/keys", { name: `k${i}`, role: "reviewer" }, bootstrapToken)).status,
      ).toBe(201);
      await s.close();
    }
  });
});
