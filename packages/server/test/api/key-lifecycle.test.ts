import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KEY_CACHE_MS } from "../../src/http/identity/auth.js";
import { ADMIN_TOKEN, ENGINES, payment, startTestServer, type TestServer } from "../helpers/server.js";

/**
 * Keys and people have a life cycle (issue 13, item 6): revoked keys stop at once in this process,
 * expired keys and rotated-out tokens at their time, disabled people and their keys at once; a scoped
 * admin manages only what lies within its workflows.
 */
describe.each(ENGINES)("key and user life cycle (%s)", (engine) => {
  let s: TestServer;
  let now = Date.parse("2026-11-02T08:00:00Z");
  let n = 0;

  beforeAll(async () => {
    s = await startTestServer(engine, { clock: () => now });
  });
  afterAll(async () => {
    await s.close();
    await s.storage.cleanup();
  });

  const createKey = async (body: Record<string, unknown>, token = ADMIN_TOKEN) => {
    const res = await s.call("POST", "/v1/keys", { name: `k${++n}`, ...body }, token);
    expect(res.status).toBe(201);
    return (await res.json()) as { id: string; key: string };
  };
  const createUser = async (body: Record<string, unknown>) => {
    const res = await s.call("POST", "/v1/users", {
      username: `person${++n}`,
      password: "correct horse battery",
      ...body,
    });
    expect(res.status).toBe(201);
    return (await res.json()) as { id: string; username: string };
  };
  const works = async (token: string) => (await s.call("GET", "/v1/workflows", undefined, token)).status;
  const signIn = async (username: string, password: string) =>
    fetch(`${s.url}/v1/session`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username, password }),
    });

  it("revokes a key at once, even while this process has it cached", async () => {
    const k = await createKey({ role: "automation", workflows: ["test.payments"] });
    expect(await works(k.key)).toBe(200);
    expect(await works(k.key)).toBe(200); // now cached
    const res = await s.call("POST", `/v1/keys/${k.id}/revoke`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id: k.id, status: "revoked", revokedAt: expect.any(String) });
    expect(await works(k.key)).toBe(401);
    expect((await s.call("POST", "/v1/cases", payment(), k.key)).status).toBe(401);
    // Revoking again is harmless; rotating a revoked key is refused.
    expect((await s.call("POST", `/v1/keys/${k.id}/revoke`)).status).toBe(200);
    expect((await s.call("POST", `/v1/keys/${k.id}/rotate`, {})).status).toBe(409);
  });

  it("lists keys with their status and never their tokens", async () => {
    const k = await createKey({ role: "reviewer", workflows: ["test.other"] });
    const res = await s.call("GET", "/v1/keys");
    expect(res.status).toBe(200);
    const body = await res.json();
    const listed = body.keys.find((x: { id: string }) => x.id === k.id);
    expect(listed).toMatchObject({ status: "active", role: "reviewer", workflows: ["test.other"] });
    expect(JSON.stringify(body)).not.toContain(k.key);
    expect(JSON.stringify(body)).not.toMatch(/tokenHash|signingSecret|whsec_/);
    expect(body.keys.find((x: { bootstrap: boolean }) => x.bootstrap)).toMatchObject({ status: "active" });
  });

  it("stops an expiring key at its expiresAt, cached or not", async () => {
    const k = await createKey({
      role: "automation",
      workflows: ["test.payments"],
      expiresAt: new Date(now + 60_000).toISOString(),
    });
    expect(await works(k.key)).toBe(200);
    now += 60_001;
    expect(await works(k.key)).toBe(401);
    const listed = (await (await s.call("GET", "/v1/keys")).json()).keys.find(
      (x: { id: string }) => x.id === k.id,
    );
    expect(listed.status).toBe("expired");
    // An expiry in the past, or not a date, is refused naming the field.
    const past = await s.call("POST", "/v1/keys", {
      name: "late",
      role: "automation",
      expiresAt: new Date(now - 1000).toISOString(),
    });
    expect(past.status).toBe(422);
    expect((await past.json()).field).toBe("/expiresAt");
    const bad = await s.call("POST", "/v1/keys", { name: "bad", role: "automation", expiresAt: "soon" });
    expect(bad.status).toBe(400);
  });

  it("rotates a key: the old token works through the overlap window, then not; id and cases stay", async () => {
    const k = await createKey({ role: "automation", workflows: ["test.payments"] });
    const submitted = await s.call("POST", "/v1/cases", payment({ idempotencyKey: "rot-1" }), k.key);
    expect(submitted.status).toBe(201);
    const caseId = (await submitted.json()).id;
    const res = await s.call("POST", `/v1/keys/${k.id}/rotate`, { overlapSeconds: 120 });
    expect(res.status).toBe(200);
    const rotated = await res.json();
    expect(rotated).toMatchObject({
      id: k.id,
      status: "active",
      previousTokenValidUntil: expect.any(String),
    });
    expect(rotated.key).not.toBe(k.key);
    expect(await works(k.key)).toBe(200);
    expect(await works(rotated.key)).toBe(200);
    // The same key id: its idempotency keys and cases are still its own under the new token.
    const again = await s.call("POST", "/v1/cases", payment({ idempotencyKey: "rot-1" }), rotated.key);
    expect(again.status).toBe(200);
    expect((await again.json()).id).toBe(caseId);
    now += 120_001;
    expect(await works(k.key)).toBe(401);
    expect(await works(rotated.key)).toBe(200);
    // Out-of-range overlaps are refused naming the field.
    const tooLong = await s.call("POST", `/v1/keys/${k.id}/rotate`, { overlapSeconds: 8 * 24 * 3600 });
    expect(tooLong.status).toBe(400);
  });

  it("lets a key rotate and revoke itself, but not another key", async () => {
    const mine = await createKey({ role: "automation", workflows: ["test.payments"] });
    const other = await createKey({ role: "automation", workflows: ["test.payments"] });
    expect((await s.call("POST", `/v1/keys/${other.id}/revoke`, undefined, mine.key)).status).toBe(404);
    expect((await s.call("GET", "/v1/keys", undefined, mine.key)).status).toBe(403);
    // No body at all: the default overlap (an hour), so the first token still works.
    const bare = await s.call("POST", `/v1/keys/${mine.id}/rotate`, undefined, mine.key);
    expect(bare.status).toBe(200);
    const second = (await bare.json()).key;
    expect(await works(mine.key)).toBe(200);
    const res = await s.call("POST", `/v1/keys/${mine.id}/rotate`, { overlapSeconds: 0 }, second);
    expect(res.status).toBe(200);
    const fresh = (await res.json()).key;
    expect(await works(second)).toBe(401);
    expect(await works(mine.key)).toBe(401);
    expect((await s.call("POST", `/v1/keys/${mine.id}/revoke`, undefined, fresh)).status).toBe(200);
    expect(await works(fresh)).toBe(401);
    expect(await works(other.key)).toBe(200);
  });

  it("refuses a scoped admin everything outside its workflows (the scoped-admin attack)", async () => {
    const scoped = await createKey({ role: "admin", workflows: ["test.payments"] });
    const inside = await createKey({ role: "automation", workflows: ["test.payments"] });
    const outside = await createKey({ role: "automation", workflows: ["test.other"] });
    const wide = await createKey({ role: "reviewer" });
    const rootAdmin = await createUser({ role: "admin" });
    const otherReviewer = await createUser({ role: "reviewer", workflows: ["test.other"] });
    const insideReviewer = await createUser({ role: "reviewer", workflows: ["test.payments"] });
    const bootstrapId = (await (await s.call("GET", "/v1/keys")).json()).keys.find(
      (x: { bootstrap: boolean }) => x.bootstrap,
    ).id;

    const listed = (await (await s.call("GET", "/v1/keys", undefined, scoped.key)).json()).keys.map(
      (x: { id: string }) => x.id,
    );
    expect(listed).toContain(inside.id);
    expect(listed).not.toContain(outside.id);
    expect(listed).not.toContain(wide.id);
    expect(listed).not.toContain(bootstrapId);

    for (const id of [outside.id, wide.id, bootstrapId]) {
      expect((await s.call("POST", `/v1/keys/${id}/revoke`, undefined, scoped.key)).status).toBe(404);
      expect((await s.call("POST", `/v1/keys/${id}/rotate`, {}, scoped.key)).status).toBe(404);
    }
    for (const u of [rootAdmin, otherReviewer]) {
      expect((await s.call("POST", `/v1/users/${u.id}/disable`, undefined, scoped.key)).status).toBe(404);
      const takeover = await s.call(
        "POST",
        `/v1/users/${u.username}/password`,
        { password: "attacker chosen pw" },
        scoped.key,
      );
      expect(takeover.status).toBe(404);
      expect((await signIn(u.username, "attacker chosen pw")).status).toBe(401);
      expect((await signIn(u.username, "correct horse battery")).status).toBe(200);
    }
    // Everything still works, and within its workflows the scoped admin may act.
    expect(await works(ADMIN_TOKEN)).toBe(200);
    expect(await works(outside.key)).toBe(200);
    expect((await s.call("POST", `/v1/keys/${inside.id}/revoke`, undefined, scoped.key)).status).toBe(200);
    expect(
      (await s.call("POST", `/v1/users/${insideReviewer.id}/disable`, undefined, scoped.key)).status,
    ).toBe(200);
  });

  it("disables a person: no sign-in, their sessions and their keys stop at once", async () => {
    const u = await createUser({ role: "reviewer", workflows: ["test.payments"] });
    const session = await signIn(u.username, "correct horse battery");
    const cookie = /loopgate_session=([^;]+)/.exec(session.headers.get("set-cookie") ?? "")?.[1];
    const theirs = await createKey({ role: "reviewer", workflows: ["test.payments"], user: u.username });
    expect(await works(theirs.key)).toBe(200);
    const res = await s.call("POST", `/v1/users/${u.username}/disable`);
    expect(res.status).toBe(200);
    expect((await res.json()).disabledAt).toEqual(expect.any(String));
    expect(await works(theirs.key)).toBe(401);
    const withCookie = await fetch(`${s.url}/v1/workflows`, {
      headers: { cookie: `loopgate_session=${cookie}` },
    });
    expect(withCookie.status).toBe(401);
    expect((await signIn(u.username, "correct horse battery")).status).toBe(401);
    // A reviewer may not disable anyone.
    const reviewer = await createKey({ role: "reviewer" });
    const other = await createUser({ role: "reviewer" });
    expect((await s.call("POST", `/v1/users/${other.id}/disable`, undefined, reviewer.key)).status).toBe(404);
  });

  it("changes passwords: an admin sets one, a person needs the current one; sessions end", async () => {
    const u = await createUser({ role: "reviewer" });
    const first = await signIn(u.username, "correct horse battery");
    const cookie = /loopgate_session=([^;]+)/.exec(first.headers.get("set-cookie") ?? "")?.[1] ?? "";
    const short = await s.call("POST", `/v1/users/${u.id}/password`, { password: "short" });
    expect(short.status).toBe(422);
    expect((await short.json()).field).toBe("/password");
    expect(
      (await s.call("POST", `/v1/users/${u.id}/password`, { password: "a new long password" })).status,
    ).toBe(200);
    expect((await signIn(u.username, "correct horse battery")).status).toBe(401);
    const again = await signIn(u.username, "a new long password");
    expect(again.status).toBe(200);
    const old = await fetch(`${s.url}/v1/workflows`, { headers: { cookie: `loopgate_session=${cookie}` } });
    expect(old.status).toBe(401);

    // The person themselves, through their session: the current password is required and checked.
    const { csrfToken } = (await again.json()) as { csrfToken: string };
    const ownCookie = /loopgate_session=([^;]+)/.exec(again.headers.get("set-cookie") ?? "")?.[1] ?? "";
    const own = (payload: unknown) =>
      fetch(`${s.url}/v1/users/${u.id}/password`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          cookie: `loopgate_session=${ownCookie}`,
          "x-csrf-token": csrfToken,
        },
        body: JSON.stringify(payload),
      });
    expect((await own({ password: "mine mine mine mine" })).status).toBe(422);
    expect((await own({ password: "mine mine mine mine", currentPassword: "wrong password!" })).status).toBe(
      403,
    );
    expect(
      (await own({ password: "mine mine mine mine", currentPassword: "a new long password" })).status,
    ).toBe(200);
    expect((await signIn(u.username, "mine mine mine mine")).status).toBe(200);
  });
});

describe.each(ENGINES)("LOOPGATE_BOOTSTRAP_TOKEN's key lives only as long as the variable (%s)", (engine) => {
  it("revokes the bootstrap key once the variable is unset or changed", async () => {
    const first = await startTestServer(engine, { bootstrapToken: "lg_boot_one_0123456789" });
    const storage = first.storage;
    try {
      expect(
        await first.call("GET", "/v1/workflows", undefined, "lg_boot_one_0123456789").then((r) => r.status),
      ).toBe(200);
      await first.close();
      const unset = await startTestServer(engine, { bootstrapToken: undefined }, storage);
      expect((await unset.call("GET", "/v1/workflows", undefined, "lg_boot_one_0123456789")).status).toBe(
        401,
      );
      await unset.close();
      const changed = await startTestServer(engine, { bootstrapToken: "lg_boot_two_0123456789" }, storage);
      expect((await changed.call("GET", "/v1/workflows", undefined, "lg_boot_one_0123456789")).status).toBe(
        401,
      );
      expect((await changed.call("GET", "/v1/workflows", undefined, "lg_boot_two_0123456789")).status).toBe(
        200,
      );
      await changed.close();
      // Setting the first value again does not bring a revoked key back.
      const back = await startTestServer(engine, { bootstrapToken: "lg_boot_one_0123456789" }, storage);
      expect((await back.call("GET", "/v1/workflows", undefined, "lg_boot_one_0123456789")).status).toBe(401);
      await back.close();
    } finally {
      await storage.cleanup();
    }
  });
});

describe("revocation across processes on one PostgreSQL (postgres)", () => {
  it("reaches another process within the key cache's bound", async () => {
    let laterNow = Date.now();
    const a = await startTestServer("postgres");
    const b = await startTestServer("postgres", { clock: () => laterNow }, a.storage);
    try {
      const k = await a.newKey("automation", ["test.payments"]);
      expect((await b.call("GET", "/v1/workflows", undefined, k.key)).status).toBe(200);
      expect((await a.call("POST", `/v1/keys/${k.id}/revoke`)).status).toBe(200);
      expect((await a.call("GET", "/v1/workflows", undefined, k.key)).status).toBe(401);
      // Process b may still trust its cached copy, but never past the bound.
      laterNow += KEY_CACHE_MS + 1;
      expect((await b.call("GET", "/v1/workflows", undefined, k.key)).status).toBe(401);
    } finally {
      await b.close();
      await a.close();
      await a.storage.cleanup();
    }
  });
});
