import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ownerKey } from "../helpers/owners.js";
import { claimIn, pay, REVIEW_POLICIES, reviewerKey } from "../helpers/review-rules.js";
import { ENGINES, startTestServer, type TestServer } from "../helpers/server.js";
import { submit } from "../helpers/workspace.js";

const WF = "rr.slow";

describe.each(ENGINES)("ownership and reassignment (%s)", (engine) => {
  let s: TestServer;
  let automation: string;
  let alice: { key: string; id: string };
  let bob: { key: string; id: string };
  let owner: { key: string; id: string };
  let now = Date.parse("2026-11-03T09:00:00Z");
  beforeAll(async () => {
    s = await startTestServer(engine, { policyDir: REVIEW_POLICIES, clock: () => now });
    automation = (await s.newKey("automation")).key;
    alice = await reviewerKey(s, "alice");
    bob = await reviewerKey(s, "bob");
    // The workflow's owner is owner@example.com: the user with that username, here through their key.
    owner = await ownerKey(s, "owner@example.com");
  });
  afterAll(async () => {
    await s.close();
    await s.storage.cleanup();
  });

  const assign = (id: string, body: Record<string, unknown>, token?: string) =>
    s.call("POST", `/v1/cases/${id}/assign`, body, token);
  const get = async (id: string) => (await s.call("GET", `/v1/cases/${id}`)).json();

  it("lets the owner hand a claimed case to a named reviewer, who alone may claim it", async () => {
    const id = await submit(s, pay(WF, 100), automation);
    expect((await (await claimIn(s, WF, alice.key)).json()).case.id).toBe(id);

    const refused = await assign(id, { to: bob.id }, alice.key);
    expect(refused.status).toBe(403);
    expect((await refused.json()).detail).toMatch(/only the owner of workflow rr.slow \(owner@example.com\)/);

    const res = await assign(id, { to: bob.id, note: "bob knows this payee" }, owner.key);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id, status: "queued", lease: null, assignedTo: bob.id });
    const assigned = (await get(id)).events.find((e: { type: string }) => e.type === "assigned");
    expect(assigned).toMatchObject({
      actor: owner.id,
      data: { to: bob.id, from: alice.id, note: "bob knows this payee" },
    });

    // Alice lost the lease and cannot take it back; Bob can.
    expect(
      (await s.call("POST", `/v1/cases/${id}/decisions`, { verdict: "approve" }, alice.key)).status,
    ).toBe(409);
    expect((await claimIn(s, WF, alice.key)).status).toBe(204);
    expect((await (await claimIn(s, WF, bob.key)).json()).case.id).toBe(id);
    now += 30_000;
    expect((await s.call("POST", `/v1/cases/${id}/decisions`, { verdict: "approve" }, bob.key)).status).toBe(
      201,
    );

    const decided = await get(id);
    expect(decided).toMatchObject({
      status: "decided",
      assignedTo: null,
      accountable: { id: bob.id, name: "bob" },
    });
  });

  it("ends an assignment when the assignee releases the case", async () => {
    const id = await submit(s, pay(WF, 100), automation);
    expect((await assign(id, { to: bob.id })).status).toBe(200);
    expect((await claimIn(s, WF, alice.key)).status).toBe(204);
    await claimIn(s, WF, bob.key);
    expect((await s.call("POST", `/v1/cases/${id}/release`, undefined, bob.key)).status).toBe(204);
    expect((await (await claimIn(s, WF, alice.key)).json()).case.id).toBe(id);
    now += 30_000;
    const reject = { verdict: "reject", reasonCode: "other", note: "test" };
    expect((await s.call("POST", `/v1/cases/${id}/decisions`, reject, alice.key)).status).toBe(201);
  });

  it("refuses unknown assignees, non-reviewers and decided cases", async () => {
    const id = await submit(s, pay(WF, 100), automation);
    const unknown = await assign(id, { to: "key_nope" });
    expect(unknown.status).toBe(422);
    expect(await unknown.json()).toMatchObject({ field: "/to" });
    const auto = await s.newKey("automation");
    expect((await assign(id, { to: auto.id })).status).toBe(422);
    expect((await (await claimIn(s, WF, alice.key)).json()).case.id).toBe(id);
    now += 30_000;
    await s.call(
      "POST",
      `/v1/cases/${id}/decisions`,
      { verdict: "reject", reasonCode: "other", note: "test" },
      alice.key,
    );
    expect((await assign(id, { to: bob.id })).status).toBe(409);
  });

  it("refuses to assign a case to someone whose authority does not cover it", async () => {
    const res = await s.call("POST", "/v1/cases", pay("rr.authority", 20_000), automation);
    const { id } = await res.json();
    const clerk = await reviewerKey(s, "clerk", ["ap_clerk"]);
    const refused = await assign(id, { to: clerk.id });
    expect(refused.status).toBe(422);
    expect(await refused.json()).toMatchObject({
      field: "/to",
      detail: expect.stringMatching(/needs ap_manager/),
    });
    const manager = await reviewerKey(s, "manager", ["ap_manager"]);
    expect((await assign(id, { to: manager.id })).status).toBe(200);
  });

  it("names the workflow owner as accountable for a case the policy decided alone", async () => {
    const res = await s.call(
      "POST",
      "/v1/cases",
      pay("rr.authority", 10, { action: "pay_small" }),
      automation,
    );
    const { id } = await res.json();
    expect((await get(id)).accountable).toEqual({ id: "owner@example.com", name: "owner@example.com" });
  });
});
