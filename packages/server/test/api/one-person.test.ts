import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { keyOf, newUser, signIn } from "../helpers/owners.js";
import { ENGINES, startTestServer, type TestServer } from "../helpers/server.js";

/**
 * Issue 11, item 7: one person with a user account and keys is one person. Keys may belong to a user;
 * four-eyes, "never the submitter" and overlap independence count people. own.pay needs two approvals
 * above 5000; own.overlap copies every case once for a second, independent reviewer.
 */
const OWNER_POLICIES = fileURLToPath(new URL("../fixtures/owner-policies", import.meta.url));
const FOUR_EYES = "own.pay";
const OVERLAP = "own.overlap";

type Session = Awaited<ReturnType<typeof signIn>>;

describe.each(ENGINES)("one person, several principals (%s)", (engine) => {
  let s: TestServer;
  let now = Date.parse("2026-11-03T09:00:00Z");
  let automation: string;
  /** Alice's user account, signed in, and a key that belongs to her. */
  let alice: Session;
  let aliceKey: { key: string; id: string; userId: string };
  /** Another person: a key of no one. */
  let bob: { key: string; id: string };
  beforeAll(async () => {
    s = await startTestServer(engine, { policyDir: OWNER_POLICIES, clock: () => now });
    automation = (await s.newKey("automation")).key;
    await newUser(s, "alice");
    alice = await signIn(s, "alice");
    aliceKey = await keyOf(s, "alice");
    bob = await s.newKey("reviewer");
  });
  afterAll(async () => {
    await s.close();
    await s.storage.cleanup();
  });

  async function submit(workflow: string, amount: number, token = automation): Promise<string> {
    now += 1000; // each case a second of its own: the queue's order is the submit order
    const body = {
      workflow,
      action: "pay",
      input: { amount, payee: "Acme" },
      proposal: { pay: amount, to: "Acme" },
      confidence: 0.99,
    };
    const res = await s.call("POST", "/v1/cases", body, token);
    expect(res.status).toBe(201);
    return (await res.json()).id;
  }
  /** Claims in `workflow` as a key (token) or a signed-in session: the case id, or null on 204. */
  async function claim(who: string | Session, workflow: string): Promise<string | null> {
    const body = { workflows: [workflow] };
    const res =
      typeof who === "string"
        ? await s.call("POST", "/v1/queue/claim", body, who)
        : await who.call("POST", "/v1/queue/claim", body);
    if (res.status === 204) return null;
    expect(res.status).toBe(200);
    return (await res.json()).case.id;
  }
  const approve = (who: string | Session, id: string) =>
    typeof who === "string"
      ? s.call("POST", `/v1/cases/${id}/decisions`, { verdict: "approve" }, who)
      : who.call("POST", `/v1/cases/${id}/decisions`, { verdict: "approve" });

  it("makes a key created by a signed-in user theirs, and a key created by that key theirs too", async () => {
    const admin = await newUser(s, "ada", { role: "admin" });
    const ada = await signIn(s, "ada");
    const res = await ada.call("POST", "/v1/keys", { name: "ada-ops", role: "admin" });
    expect(res.status).toBe(201);
    const adaOps = await res.json();
    expect(adaOps.userId).toBe(admin.id);
    const child = await s.call("POST", "/v1/keys", { name: "ada-review", role: "reviewer" }, adaOps.key);
    expect(await child.json()).toMatchObject({ userId: admin.id });
    // A key made by a key of no one belongs to no one.
    expect(await (await s.call("POST", "/v1/keys", { name: "x", role: "reviewer" })).json()).toMatchObject({
      userId: null,
    });
  });

  it("refuses the second approval of four-eyes from the same person under their other principal", async () => {
    const id = await submit(FOUR_EYES, 8000);
    expect(await claim(aliceKey.key, FOUR_EYES)).toBe(id);
    const first = await approve(aliceKey.key, id);
    expect(first.status).toBe(201);
    expect(await first.json()).toMatchObject({ approvals: { count: 1, needed: 2 } });

    // Signed in as herself, Alice is not handed the case again, and approving it is refused by name.
    expect(await claim(alice, FOUR_EYES)).toBeNull();
    const again = await approve(alice, id);
    expect(again.status).toBe(403);
    expect(again.headers.get("content-type")).toMatch(/application\/problem\+json/);
    expect((await again.json()).detail).toMatch(
      /four-eyes \(review\.approvals: 2\): you already approved case .*; the next approval must come from another person/,
    );

    // Another person completes it.
    expect(await claim(bob.key, FOUR_EYES)).toBe(id);
    const second = await approve(bob.key, id);
    expect(second.status).toBe(201);
    expect((await second.json()).approvals).toBeUndefined();
    expect((await s.store.cases.get(id))?.status).toBe("decided");
  });

  it("refuses the submitter's person approving, whichever of their principals submitted", async () => {
    await newUser(s, "sam", { role: "admin" });
    const sam = await signIn(s, "sam");
    // Sam signs in and makes himself an automation key: it submits as Sam.
    const bot = await (await sam.call("POST", "/v1/keys", { name: "sam-bot", role: "automation" })).json();
    const id = await submit(FOUR_EYES, 9000, bot.key);
    expect(await claim(sam, FOUR_EYES)).toBe(id);
    const own = await approve(sam, id);
    expect(own.status).toBe(403);
    expect((await own.json()).detail).toMatch(/four-eyes \(review\.approvals: 2\): you submitted case/);
    expect((await sam.call("POST", `/v1/cases/${id}/release`)).status).toBe(204);
    // Other people may approve what Sam's bot submitted.
    const carol = await s.newKey("reviewer");
    for (const other of [bob.key, carol.key]) {
      expect(await claim(other, FOUR_EYES)).toBe(id);
      expect((await approve(other, id)).status).toBe(201);
    }
    expect((await s.store.cases.get(id))?.status).toBe("decided");
  });

  it("gives the two halves of an overlap pair to two people, not to one person's two principals", async () => {
    const real = await submit(OVERLAP, 100);
    const first = await claim(aliceKey.key, OVERLAP);
    expect(first).not.toBeNull();
    // Alice's user is Alice: the other half waits for someone else, also after she decides hers.
    expect(await claim(alice, OVERLAP)).toBeNull();
    expect((await approve(aliceKey.key, first as string)).status).toBe(201);
    expect(await claim(alice, OVERLAP)).toBeNull();

    const second = await claim(bob.key, OVERLAP);
    expect(second).not.toBeNull();
    expect(second).not.toBe(first);
    const group = [first, second].map(async (id) => {
      const c = await s.store.cases.get(id as string);
      return c?.overlapOf ?? c?.id;
    });
    expect(await Promise.all(group)).toEqual([real, real]);
  });

  it("lets the decider revoke as the same person through another principal; others may not", async () => {
    const id = await submit(FOUR_EYES, 2000);
    expect(await claim(aliceKey.key, FOUR_EYES)).toBe(id);
    expect((await approve(aliceKey.key, id)).status).toBe(201);
    const notYours = await s.call("POST", `/v1/cases/${id}/revoke`, { reason: "mine" }, bob.key);
    expect(notYours.status).toBe(403);
    expect((await notYours.json()).detail).toMatch(
      /only the decider, an admin or the owner of workflow own\.pay/,
    );
    const res = await alice.call("POST", `/v1/cases/${id}/revoke`, { reason: "wrong payee" });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id, status: "queued" });
  });
});
