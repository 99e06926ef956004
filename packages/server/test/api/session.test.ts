import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isPasswordHash } from "../../src/passwords.js";
import { ENGINES, type JsonResponse, payment, startTestServer, type TestServer } from "../helpers/server.js";

const TWELVE_HOURS = 12 * 60 * 60 * 1000;

describe.each(ENGINES)("workspace sessions and users (%s)", (engine) => {
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

  /** A request as a browser makes it: the session cookie, and the CSRF header when given. */
  const browser = (
    method: string,
    path: string,
    opts: { cookie?: string; csrf?: string; body?: unknown; headers?: Record<string, string> } = {},
  ): Promise<JsonResponse> =>
    fetch(s.url + path, {
      method,
      headers: {
        ...(opts.cookie ? { cookie: `loopgate_session=${opts.cookie}` } : {}),
        ...(opts.csrf ? { "x-csrf-token": opts.csrf } : {}),
        ...(opts.body === undefined ? {} : { "content-type": "application/json" }),
        ...opts.headers,
      },
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
    });

  const sessionCookie = (res: Response): string | undefined =>
    res.headers.getSetCookie().find((c) => c.startsWith("loopgate_session="));

  const newUser = async (fields: Record<string, unknown> = {}) => {
    const body = { username: `user${++n}`, password: "correct horse battery", role: "reviewer", ...fields };
    const res = await s.call("POST", "/v1/users", body);
    expect(res.status).toBe(201);
    return { ...(await res.json()), password: body.password as string };
  };

  const signIn = async (credentials: Record<string, unknown>, headers?: Record<string, string>) => {
    const res = await browser("POST", "/v1/session", { body: credentials, headers });
    expect(res.status).toBe(200);
    const header = sessionCookie(res) ?? "";
    const cookie = /^loopgate_session=([^;]+)/.exec(header)?.[1] ?? "";
    const body = await res.json();
    return { cookie, header, csrf: body.csrfToken as string, user: body.user };
  };

  it("signs a person in with a password: the user, a CSRF token and a strict session cookie", async () => {
    const u = await newUser({ name: "Ada Lovelace", workflows: ["test.payments"] });
    expect(u).toMatchObject({ id: expect.stringMatching(/^usr_/), username: u.username, role: "reviewer" });
    const session = await signIn({ username: u.username, password: u.password });
    expect(session.user).toEqual({
      id: u.id,
      name: "Ada Lovelace",
      role: "reviewer",
      workflows: ["test.payments"],
      owns: [],
    });
    expect(session.csrf).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    expect(Buffer.from(session.cookie, "base64url")).toHaveLength(32);
    const flags = session.header.split(";").map((f) => f.trim().toLowerCase());
    expect(flags).toEqual(expect.arrayContaining(["httponly", "samesite=strict", "path=/", "max-age=43200"]));
    expect(flags).not.toContain("secure");

    const me = await browser("GET", "/v1/session", { cookie: session.cookie });
    expect(me.status).toBe(200);
    expect(me.headers.get("cache-control")).toBe("no-store");
    expect(await me.json()).toEqual({ user: session.user, csrfToken: session.csrf });
    // The cookie works on every /v1 route, with the user's own scope.
    const workflows = await (await browser("GET", "/v1/workflows", { cookie: session.cookie })).json();
    expect(workflows.workflows.map((w: { workflow: string }) => w.workflow)).toEqual(["test.payments"]);
  });

  it("accepts the username in any case", async () => {
    const u = await newUser({ username: `MixedCase${++n}` });
    const session = await signIn({ username: u.username.toLowerCase(), password: u.password });
    expect(session.user.id).toBe(u.id);
  });

  it("marks the cookie Secure when the request came over https (via a proxy)", async () => {
    const u = await newUser();
    const session = await signIn(
      { username: u.username, password: u.password },
      { "x-forwarded-proto": "https" },
    );
    expect(session.header.toLowerCase()).toMatch(/;\s*secure/);
  });

  it("signs in with a reviewer key, which then acts as that key", async () => {
    const key = await s.newKey("reviewer", ["test.other"]);
    const session = await signIn({ apiKey: key.key });
    expect(session.user).toMatchObject({ id: key.id, role: "reviewer", workflows: ["test.other"] });
    const res = await browser("GET", "/v1/workflows", { cookie: session.cookie });
    expect((await res.json()).workflows).toHaveLength(1);
  });

  it("answers 401 with the same message for a wrong password and an unknown user", async () => {
    const u = await newUser();
    const details: string[] = [];
    for (const body of [
      { username: u.username, password: "wrong password!!" },
      { username: "no-such-user", password: u.password },
    ]) {
      const res = await browser("POST", "/v1/session", { body });
      expect(res.status).toBe(401);
      expect(res.headers.get("content-type")).toMatch(/problem\+json/);
      expect(sessionCookie(res)).toBeUndefined();
      details.push((await res.json()).detail);
    }
    expect(details).toEqual(["Wrong username or password", "Wrong username or password"]);
  });

  it("refuses automation keys (403), unknown keys (401) and incomplete bodies (400)", async () => {
    const automation = await s.newKey("automation");
    const refused = await browser("POST", "/v1/session", { body: { apiKey: automation.key } });
    expect(refused.status).toBe(403);
    expect((await refused.json()).detail).toMatch(/automation/i);
    expect(sessionCookie(refused)).toBeUndefined();
    expect((await browser("POST", "/v1/session", { body: { apiKey: "lg_nope" } })).status).toBe(401);
    const missing = await browser("POST", "/v1/session", { body: { username: "x" } });
    expect(missing.status).toBe(400);
    expect((await missing.json()).field).toBe("/password");
    const extra = await browser("POST", "/v1/session", { body: { username: "x", password: "y", otp: 1 } });
    expect((await extra.json()).field).toBe("/otp");
  });

  it("lets a signed-in reviewer claim and decide; the decision records the user's id", async () => {
    const automation = (await s.newKey("automation")).key;
    const { id: caseId } = await (
      await s.call("POST", "/v1/cases", payment({ confidence: 0.2 }), automation)
    ).json();
    const u = await newUser({ name: "Grace Hopper" });
    const session = await signIn({ username: u.username, password: u.password });

    const claim = await browser("POST", "/v1/queue/claim", {
      cookie: session.cookie,
      csrf: session.csrf,
      body: { workflows: ["test.payments"] },
    });
    expect(claim.status).toBe(200);
    const claimed = await claim.json();
    expect(claimed.case.id).toBe(caseId);
    expect(claimed.case.lease.holder).toBe(u.id);

    const decide = await browser("POST", `/v1/cases/${caseId}/decisions`, {
      cookie: session.cookie,
      csrf: session.csrf,
      body: { verdict: "approve" },
    });
    expect(decide.status).toBe(201);
    expect((await decide.json()).decidedBy).toBe(u.id);
    const result = await (await s.call("GET", `/v1/cases/${caseId}/decision`)).json();
    expect(result).toMatchObject({ status: "decided", verdict: "approve", decidedBy: u.id });
  });

  it("refuses a cookie-authenticated change without the right CSRF token (403)", async () => {
    const u = await newUser();
    const session = await signIn({ username: u.username, password: u.password });
    const other = await signIn({ username: u.username, password: u.password });
    for (const csrf of [undefined, "wrong", other.csrf, `${session.csrf}x`]) {
      const res = await browser("POST", "/v1/queue/claim", { cookie: session.cookie, csrf, body: {} });
      expect(res.status).toBe(403);
      expect((await res.json()).detail).toMatch(/missing or wrong CSRF token/);
    }
    // Reads need no token; a bearer key never needs one.
    expect((await browser("GET", "/v1/workflows", { cookie: session.cookie })).status).toBe(200);
    expect((await s.call("POST", "/v1/queue/claim", { workflows: ["test.other"] })).status).toBe(204);
  });

  it("prefers a bearer header to the cookie, so a bad key is a 401 even with a live session", async () => {
    const u = await newUser();
    const session = await signIn({ username: u.username, password: u.password });
    const res = await browser("GET", "/v1/workflows", {
      cookie: session.cookie,
      headers: { authorization: "Bearer lg_not_a_key" },
    });
    expect(res.status).toBe(401);
  });

  it("signs out: the cookie is cleared and no longer works anywhere", async () => {
    const u = await newUser();
    const session = await signIn({ username: u.username, password: u.password });
    // Ending a live session needs its CSRF token too.
    expect((await browser("DELETE", "/v1/session", { cookie: session.cookie })).status).toBe(403);

    const out = await browser("DELETE", "/v1/session", { cookie: session.cookie, csrf: session.csrf });
    expect(out.status).toBe(204);
    const cleared = sessionCookie(out) ?? "";
    expect(cleared).toMatch(/^loopgate_session=;/);
    expect(cleared.toLowerCase()).toMatch(/max-age=0|expires=thu, 01 jan 1970/);

    expect((await browser("GET", "/v1/session", { cookie: session.cookie })).status).toBe(401);
    expect((await browser("GET", "/v1/workflows", { cookie: session.cookie })).status).toBe(401);
    // Signing out twice (or with no cookie at all) is fine.
    expect((await browser("DELETE", "/v1/session", { cookie: session.cookie })).status).toBe(204);
    expect((await browser("DELETE", "/v1/session")).status).toBe(204);
  });

  it("ends a session 12 hours after sign-in", async () => {
    const u = await newUser();
    const session = await signIn({ username: u.username, password: u.password });
    now += TWELVE_HOURS - 1;
    expect((await browser("GET", "/v1/workflows", { cookie: session.cookie })).status).toBe(200);
    now += 1;
    const expired = await browser("GET", "/v1/workflows", { cookie: session.cookie });
    expect(expired.status).toBe(401);
    expect((await expired.json()).detail).toMatch(/sign in again/);
    expect((await browser("GET", "/v1/session", { cookie: session.cookie })).status).toBe(401);
  });

  it("answers 401 to GET /v1/session without a cookie or with an unknown one", async () => {
    expect((await browser("GET", "/v1/session")).status).toBe(401);
    expect((await browser("GET", "/v1/session", { cookie: "made-up" })).status).toBe(401);
    expect((await browser("GET", "/v1/workflows", { cookie: "made-up" })).status).toBe(401);
  });

  it("stores passwords only as scrypt hashes and sessions only as a sha256 of the cookie", async () => {
    const u = await newUser();
    const stored = await s.store.identity.findUserByUsername(u.username);
    expect(stored?.passwordHash).toMatch(/^scrypt\$16384\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(isPasswordHash(stored?.passwordHash ?? "")).toBe(true);
    expect(JSON.stringify(stored)).not.toContain(u.password);

    const session = await signIn({ username: u.username, password: u.password });
    const idHash = createHash("sha256").update(session.cookie).digest("hex");
    expect(await s.store.identity.findSession(idHash, now)).toMatchObject({ userId: u.id, keyId: null });
    expect(await s.store.identity.findSession(session.cookie, now)).toBeUndefined();
  });

  it("creates users only for admins, with unique usernames and passwords of 10 characters or more", async () => {
    const reviewerKey = (await s.newKey("reviewer")).key;
    const body = { username: `new${++n}`, password: "long enough pw", role: "reviewer" };
    const denied = await s.call("POST", "/v1/users", body, reviewerKey);
    expect(denied.status).toBe(403);

    const reviewer = await newUser();
    const session = await signIn({ username: reviewer.username, password: reviewer.password });
    const viaCookie = await browser("POST", "/v1/users", {
      cookie: session.cookie,
      csrf: session.csrf,
      body,
    });
    expect(viaCookie.status).toBe(403);

    const created = await s.call("POST", "/v1/users", body);
    expect(created.status).toBe(201);
    expect(await created.json()).toEqual({
      id: expect.stringMatching(/^usr_[0-9a-f-]{36}$/),
      username: body.username,
      name: body.username,
      role: "reviewer",
      workflows: null,
      authorityRoles: [],
    });
    for (const username of [body.username, body.username.toUpperCase()]) {
      const dup = await s.call("POST", "/v1/users", { ...body, username });
      expect(dup.status).toBe(409);
      expect((await dup.json()).detail).toMatch(/taken/);
    }

    const short = await s.call("POST", "/v1/users", {
      ...body,
      username: `short${n}`,
      password: "123456789",
    });
    expect(short.status).toBe(422);
    expect((await short.json()).field).toBe("/password");
    const badRole = await s.call("POST", "/v1/users", { ...body, username: `role${n}`, role: "automation" });
    expect(badRole.status).toBe(400);
    expect((await badRole.json()).field).toBe("/role");
    const badName = await s.call("POST", "/v1/users", { ...body, username: "has space" });
    expect(badName.status).toBe(400);
    expect((await badName.json()).field).toBe("/username");
  });

  it("documents sessions and users in the OpenAPI document, sign-in without auth", async () => {
    const doc = await (await s.call("GET", "/openapi.json", undefined, null)).json();
    expect(doc.paths["/v1/session"].post.security).toEqual([]);
    expect(Object.keys(doc.paths["/v1/session"])).toEqual(expect.arrayContaining(["get", "post", "delete"]));
    expect(doc.paths["/v1/users"].post).toBeDefined();
    expect(doc.components.securitySchemes.session).toMatchObject({ in: "cookie", name: "loopgate_session" });
  });

  it("lets an admin user (signed in with a password) create users through the cookie", async () => {
    const admin = await newUser({ role: "admin" });
    const session = await signIn({ username: admin.username, password: admin.password });
    const res = await browser("POST", "/v1/users", {
      cookie: session.cookie,
      csrf: session.csrf,
      body: { username: `made-by-admin${++n}`, password: "another long one", role: "auditor" },
    });
    expect(res.status).toBe(201);
    expect((await res.json()).role).toBe("auditor");
  });
});
