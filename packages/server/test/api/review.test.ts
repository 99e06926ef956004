import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ENGINES, payment, startTestServer, type TestServer } from "../helpers/server.js";

describe.each(ENGINES)("reviewing cases (%s)", (engine) => {
  let s: TestServer;
  let automation: string;
  let alice: { key: string; id: string };
  let bob: { key: string; id: string };
  let now = Date.parse("2026-11-01T09:00:00Z");
  beforeAll(async () => {
    s = await startTestServer(engine, { clock: () => now, leaseSeconds: 60 });
    automation = (await s.newKey("automation")).key;
    alice = await s.newKey("reviewer");
    bob = await s.newKey("reviewer");
  });
  afterAll(async () => {
    await s.close();
    await s.storage.cleanup();
  });
  // Each test starts with an empty queue: let earlier leases expire, then drain what is left.
  beforeEach(async () => {
    now += 120_000;
    for (;;) {
      const res = await s.call("POST", "/v1/queue/claim", {});
      if (res.status === 204) break;
      const { case: c } = await res.json();
      await s.call("POST", `/v1/cases/${c.id}/decisions`, {
        verdict: "reject",
        reasonCode: "other",
        note: "test",
      });
    }
  });

  const queue = async (overrides = {}) =>
    (await (await s.call("POST", "/v1/cases", payment({ confidence: 0.5, ...overrides }), automation)).json())
      .id as string;

  it("answers 204 when nothing waits", async () => {
    expect((await s.call("POST", "/v1/queue/claim", {}, alice.key)).status).toBe(204);
  });

  it("hands out the oldest case with a lease, and not to a second reviewer", async () => {
    const first = await queue();
    now += 1000;
    const second = await queue();
    const a = await s.call("POST", "/v1/queue/claim", undefined, alice.key);
    expect(a.status).toBe(200);
    const claimed = await a.json();
    expect(claimed.case.id).toBe(first);
    expect(Date.parse(claimed.lease.expiresAt)).toBe(now + 60_000);
    const b = await (await s.call("POST", "/v1/queue/claim", {}, bob.key)).json();
    expect(b.case.id).toBe(second);
    expect((await s.call("POST", "/v1/queue/claim", {}, bob.key)).status).toBe(204);
  });

  it("answers a claim repeated with its token with the same case and lease, never a second case", async () => {
    const first = await queue();
    now += 1000;
    const second = await queue();
    const claim = async (key: string, claimToken: string) => {
      const res = await s.call("POST", "/v1/queue/claim", { claimToken }, key);
      return res.status === 204 ? undefined : await res.json();
    };
    // The response to the first claim was lost: the retry gets it again, and the second case still waits.
    const lost = await claim(alice.key, "tok-alice-1");
    const again = await claim(alice.key, "tok-alice-1");
    expect(again.case.id).toBe(first);
    expect(again.lease).toEqual(lost.lease);
    // Another reviewer sending Alice's token takes the next case, never her lease.
    expect((await claim(bob.key, "tok-alice-1")).case.id).toBe(second);
    const events = (await (await s.call("GET", `/v1/cases/${first}`)).json()).events.map(
      (e: { type: string }) => e.type,
    );
    expect(events.filter((t: string) => t === "claimed")).toHaveLength(1);
    // Once the lease ends with a decision, the token finds nothing: the next claim takes a new case.
    await s.call("POST", `/v1/cases/${first}/decisions`, { verdict: "approve" }, alice.key);
    expect(await claim(alice.key, "tok-alice-1")).toBeUndefined();
  });

  it("refuses a claim token that is empty or too long", async () => {
    for (const claimToken of ["", "x".repeat(201), 42]) {
      const res = await s.call("POST", "/v1/queue/claim", { claimToken }, alice.key);
      expect(res.status).toBe(400);
      expect(JSON.stringify(await res.json())).toContain("claimToken");
    }
  });

  it("filters the queue by workflow", async () => {
    await queue();
    const other = (
      await (
        await s.call(
          "POST",
          "/v1/cases",
          { workflow: "test.other", action: "send", input: {}, proposal: "hello", confidence: 0.1 },
          automation,
        )
      ).json()
    ).id;
    const res = await (
      await s.call("POST", "/v1/queue/claim", { workflows: ["test.other"] }, alice.key)
    ).json();
    expect(res.case.id).toBe(other);
  });

  it("returns a case whose lease expired to the queue", async () => {
    const id = await queue();
    expect((await (await s.call("POST", "/v1/queue/claim", {}, alice.key)).json()).case.id).toBe(id);
    now += 61_000;
    const taken = await (await s.call("POST", "/v1/queue/claim", {}, bob.key)).json();
    expect(taken.case.id).toBe(id);
    const late = await s.call("POST", `/v1/cases/${id}/decisions`, { verdict: "approve" }, alice.key);
    expect(late.status).toBe(409);
    const events = (await (await s.call("GET", `/v1/cases/${id}`)).json()).events.map(
      (e: { type: string }) => e.type,
    );
    expect(events).toEqual(["submitted", "routed", "claimed", "lease_expired", "claimed"]);
  });

  it("records an approval with how long the reviewer held the case, and the long-poll sees it", async () => {
    const id = await queue();
    expect((await s.call("GET", `/v1/cases/${id}/decision`, undefined, automation)).status).toBe(202);
    await s.call("POST", "/v1/queue/claim", {}, alice.key);
    now += 42_000;
    const res = await s.call(
      "POST",
      `/v1/cases/${id}/decisions`,
      { verdict: "approve", note: "looks right" },
      alice.key,
    );
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ verdict: "approve", decidedBy: alice.id, heldSeconds: 42 });
    const d = await (await s.call("GET", `/v1/cases/${id}/decision`, undefined, automation)).json();
    expect(d).toMatchObject({
      status: "decided",
      verdict: "approve",
      output: { pay: 120, to: "Acme" },
      note: "looks right",
    });
    const again = await s.call("POST", `/v1/cases/${id}/decisions`, { verdict: "approve" }, alice.key);
    expect(again.status).toBe(409);
  });

  it("wakes a waiting long-poll when the decision lands", async () => {
    const id = await queue();
    const waiting = s.call("GET", `/v1/cases/${id}/decision?waitSeconds=9`, undefined, automation);
    await s.call("POST", "/v1/queue/claim", {}, alice.key);
    await s.call(
      "POST",
      `/v1/cases/${id}/decisions`,
      { verdict: "edit", output: { pay: 100, to: "Acme" }, reasonCode: "wrong_amount" },
      alice.key,
    );
    const res = await waiting;
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      verdict: "edit",
      output: { pay: 100, to: "Acme" },
      reasonCode: "wrong_amount",
    });
  });

  it("requires a reason code from the workflow's list for anything but approve", async () => {
    const id = await queue();
    await s.call("POST", "/v1/queue/claim", {}, alice.key);
    const none = await s.call("POST", `/v1/cases/${id}/decisions`, { verdict: "reject" }, alice.key);
    expect(none.status).toBe(422);
    const p = await none.json();
    expect(p.field).toBe("/reasonCode");
    expect(p.detail).toMatch(/wrong_amount, wrong_payee, other/);
    const unknown = await s.call(
      "POST",
      `/v1/cases/${id}/decisions`,
      { verdict: "reject", reasonCode: "bored" },
      alice.key,
    );
    expect(unknown.status).toBe(422);
    const noOutput = await s.call(
      "POST",
      `/v1/cases/${id}/decisions`,
      { verdict: "edit", reasonCode: "other", note: "test" },
      alice.key,
    );
    expect((await noOutput.json()).field).toBe("/output");
    const badVerdict = await s.call("POST", `/v1/cases/${id}/decisions`, { verdict: "maybe" }, alice.key);
    expect(badVerdict.status).toBe(400);
    expect((await badVerdict.json()).field).toBe("/verdict");
    const ok = await s.call(
      "POST",
      `/v1/cases/${id}/decisions`,
      { verdict: "reject", reasonCode: "wrong_payee" },
      alice.key,
    );
    expect(ok.status).toBe(201);
    const c = await (await s.call("GET", `/v1/cases/${id}`)).json();
    expect(c.status).toBe("decided");
    expect(c.decisions).toHaveLength(1);
    expect(c.decisions[0]).toMatchObject({ verdict: "reject", reasonCode: "wrong_payee", output: null });
  });

  it("refuses a decision from a reviewer who does not hold the case", async () => {
    const id = await queue();
    await s.call("POST", "/v1/queue/claim", {}, alice.key);
    const res = await s.call("POST", `/v1/cases/${id}/decisions`, { verdict: "approve" }, bob.key);
    expect(res.status).toBe(409);
    const unclaimed = await queue();
    expect(
      (await s.call("POST", `/v1/cases/${unclaimed}/decisions`, { verdict: "approve" }, bob.key)).status,
    ).toBe(409);
  });

  it("lets a reviewer give a case back", async () => {
    const id = await queue();
    await s.call("POST", "/v1/queue/claim", {}, alice.key);
    expect((await s.call("POST", `/v1/cases/${id}/release`, undefined, bob.key)).status).toBe(409);
    expect((await s.call("POST", `/v1/cases/${id}/release`, undefined, alice.key)).status).toBe(204);
    expect((await (await s.call("POST", "/v1/queue/claim", {}, bob.key)).json()).case.id).toBe(id);
  });
});
