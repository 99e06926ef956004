import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_TOKEN, ENGINES, payment, startTestServer, type TestServer } from "../helpers/server.js";

/**
 * Abuse limits (issue 13, item 7): sign-in lockout per username and per address, per-key rate limits,
 * a request (upload) timeout that leaves long-polls alone, /metrics behind a token, and security
 * headers on API answers. Small limits so each attack fits in a test.
 */
const PASSWORD = "correct horse battery";

describe.each(ENGINES)("sign-in lockout (%s)", (engine) => {
  let s: TestServer;
  let now = Date.parse("2026-11-02T08:00:00Z");
  let n = 0;
  beforeAll(async () => {
    s = await startTestServer(engine, {
      clock: () => now,
      limits: { signInMaxFailures: 3, signInAddressMaxFailures: 8, signInLockoutSeconds: 60 },
    });
  });
  afterAll(async () => {
    await s.close();
    await s.storage.cleanup();
  });

  const newUser = async () => {
    const username = `guessme${++n}`;
    expect(
      (await s.call("POST", "/v1/users", { username, password: PASSWORD, role: "reviewer" })).status,
    ).toBe(201);
    return username;
  };
  const signIn = (username: string, password: string) =>
    fetch(`${s.url}/v1/session`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username, password }),
    });

  it("locks a username after N wrong guesses, refuses the right password during the lock, then lets it in", async () => {
    const username = await newUser();
    for (let i = 0; i < 3; i++) expect((await signIn(username, `wrong guess ${i}`)).status).toBe(401);
    const locked = await signIn(username, PASSWORD);
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(Number(locked.headers.get("retry-after"))).toBeLessThanOrEqual(60);
    expect(locked.headers.get("content-type")).toMatch(/problem\+json/);
    // Other people are not locked out by this username's lock.
    const other = await newUser();
    expect((await signIn(other, PASSWORD)).status).toBe(200);
    now += 61_000;
    expect((await signIn(username, PASSWORD)).status).toBe(200);
  });

  it("locks unknown usernames the same way, so a lock tells nothing about who exists", async () => {
    for (let i = 0; i < 3; i++) expect((await signIn("nobody-here", `guess ${i}`)).status).toBe(401);
    expect((await signIn("nobody-here", "anything at all")).status).toBe(429);
    now += 61_000;
  });

  it("locks an address guessing across many usernames", async () => {
    const victims = await Promise.all([1, 2, 3, 4].map(() => newUser()));
    // Two wrong guesses per username: never a username lock, but 8 failures from this address.
    for (const v of victims) {
      for (let i = 0; i < 2; i++) expect((await signIn(v, `nope ${i}`)).status).toBe(401);
    }
    const fresh = await newUser();
    const res = await signIn(fresh, PASSWORD);
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).not.toBeNull();
    // API-key sign-ins from a locked address are refused too.
    const byKey = await fetch(`${s.url}/v1/session`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ apiKey: ADMIN_TOKEN }),
    });
    expect(byKey.status).toBe(429);
    now += 61_000;
    expect((await signIn(fresh, PASSWORD)).status).toBe(200);
  });
});

describe("per-key rate limit, timeouts, /metrics token and headers (sqlite)", () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer("sqlite", {
      limits: { rateLimitPerMinute: 5, requestTimeoutSeconds: 1, metricsToken: "metrics-secret-123" },
    });
  });
  afterAll(async () => {
    await s.close();
    await s.storage.cleanup();
  });

  it("answers 429 with Retry-After once a key passes its limit; other keys are unaffected", async () => {
    const busy = await s.newKey("automation", ["test.payments"]);
    const calm = await s.newKey("automation", ["test.payments"]);
    for (let i = 0; i < 5; i++)
      expect((await s.call("GET", "/v1/workflows", undefined, busy.key)).status).toBe(200);
    const over = await s.call("GET", "/v1/workflows", undefined, busy.key);
    expect(over.status).toBe(429);
    expect(Number(over.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(over.headers.get("content-type")).toMatch(/problem\+json/);
    expect((await s.call("POST", "/v1/cases", payment(), busy.key)).status).toBe(429);
    expect((await s.call("GET", "/v1/workflows", undefined, calm.key)).status).toBe(200);
  });

  it("drops a client that sends its body too slowly (408), but lets a long-poll wait past that time", async () => {
    const automation = await s.newKey("automation", ["test.payments"]);
    const submitted = await s.call("POST", "/v1/cases", payment({ confidence: 0.1 }), automation.key);
    expect(submitted.status).toBe(201);
    const { id } = await submitted.json();
    // Waits 2 s, twice the request timeout: the request itself was complete at once.
    const poll = await s.call("GET", `/v1/cases/${id}/decision?waitSeconds=2`, undefined, automation.key);
    expect(poll.status).toBe(202);

    const { port } = new URL(s.url);
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), "127.0.0.1");
      let data = "";
      socket.on("data", (chunk) => {
        data += chunk.toString();
      });
      socket.on("close", () => resolve(data));
      socket.on("error", reject);
      socket.write(
        `POST /v1/cases HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${ADMIN_TOKEN}\r\n` +
          "Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{",
      );
      // …and never the rest.
    });
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
  });

  it("serves /metrics only with its token", async () => {
    expect((await fetch(`${s.url}/metrics`)).status).toBe(401);
    const wrong = await fetch(`${s.url}/metrics`, { headers: { authorization: "Bearer metrics-secret-12" } });
    expect(wrong.status).toBe(401);
    const right = await fetch(`${s.url}/metrics`, {
      headers: { authorization: "Bearer metrics-secret-123" },
    });
    expect(right.status).toBe(200);
    expect(await right.text()).toContain("loopgate_");
  });

  it("marks API answers nosniff and no-store, errors included", async () => {
    const fresh = await s.newKey("reviewer");
    for (const res of [
      await s.call("GET", "/v1/workflows", undefined, fresh.key),
      await s.call("GET", "/v1/workflows", undefined, "lg_not_a_key"),
      await fetch(`${s.url}/metrics`),
    ]) {
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      expect(res.headers.get("cache-control")).toBe("no-store");
    }
  });
});

describe("no /metrics token configured (sqlite)", () => {
  it("serves /metrics openly, as before", async () => {
    const s = await startTestServer("sqlite");
    try {
      expect((await fetch(`${s.url}/metrics`)).status).toBe(200);
    } finally {
      await s.close();
      await s.storage.cleanup();
    }
  });
});
