import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ENGINES, payment, startTestServer, type TestServer } from "../helpers/server.js";

/**
 * Idempotency keys belong to the key that submits (issue 13, item 6). Per workflow, an automation could
 * take a key another automation was going to use: the victim's submit was refused (or, earlier, answered
 * with the squatter's case), and a squatter retrying after the victim learned of the victim's case.
 */
describe.each(ENGINES)("idempotency keys are per submitting key (%s)", (engine) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer(engine);
  });
  afterAll(async () => {
    await s.close();
    await s.storage.cleanup();
  });

  it("a squatter taking the key first changes nothing for the victim", async () => {
    const victim = await s.newKey("automation", ["test.payments"]);
    const squatter = await s.newKey("automation", ["test.payments"]);
    const squat = await s.call("POST", "/v1/cases", payment({ idempotencyKey: "order-42" }), squatter.key);
    expect(squat.status).toBe(201);
    const squatId = (await squat.json()).id;

    const real = await s.call(
      "POST",
      "/v1/cases",
      payment({ idempotencyKey: "order-42", input: { amount: 9000, payee: "Payroll" } }),
      victim.key,
    );
    expect(real.status).toBe(201);
    const victimId = (await real.json()).id;
    expect(victimId).not.toBe(squatId);
    // The victim's retry finds its own case; the squatter's finds its own.
    const retry = await s.call(
      "POST",
      "/v1/cases",
      payment({ idempotencyKey: "order-42", input: { amount: 9000, payee: "Payroll" } }),
      victim.key,
    );
    expect(retry.status).toBe(200);
    expect((await retry.json()).id).toBe(victimId);
    const again = await s.call("POST", "/v1/cases", payment({ idempotencyKey: "order-42" }), squatter.key);
    expect(again.status).toBe(200);
    expect((await again.json()).id).toBe(squatId);
  });

  it("a squatter coming after the victim never learns nor receives the victim's case", async () => {
    const victim = await s.newKey("automation", ["test.payments"]);
    const squatter = await s.newKey("automation", ["test.payments"]);
    const real = await s.call("POST", "/v1/cases", payment({ idempotencyKey: "invoice-7" }), victim.key);
    expect(real.status).toBe(201);
    const victimId = (await real.json()).id;

    for (const body of [
      payment({ idempotencyKey: "invoice-7" }),
      payment({ idempotencyKey: "invoice-7", input: { amount: 1, payee: "Other" } }),
    ]) {
      const res = await s.call("POST", "/v1/cases", body, squatter.key);
      // 201 the first time, then 409 for its own key reused with another body: never the victim's case.
      expect([201, 409]).toContain(res.status);
      const text = await res.text();
      expect(text).not.toContain(victimId);
    }
    expect((await s.call("GET", `/v1/cases/${victimId}`, undefined, squatter.key)).status).toBe(404);
    expect((await s.call("GET", `/v1/cases/${victimId}/decision`, undefined, squatter.key)).status).toBe(404);
  });

  it("still refuses one key reusing its own idempotency key for a different submission", async () => {
    const k = await s.newKey("automation", ["test.payments"]);
    expect((await s.call("POST", "/v1/cases", payment({ idempotencyKey: "dup" }), k.key)).status).toBe(201);
    const changed = await s.call(
      "POST",
      "/v1/cases",
      payment({ idempotencyKey: "dup", input: { amount: 5, payee: "X" } }),
      k.key,
    );
    expect(changed.status).toBe(409);
  });
});
