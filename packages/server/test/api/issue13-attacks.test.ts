import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Operation, operationsOf } from "../helpers/fuzz-requests.js";
import { ADMIN_TOKEN, ENGINES, payment, startTestServer, type TestServer } from "../helpers/server.js";

/**
 * Issue 13's attacks that input-hardening.test.ts, abuse-limits.test.ts and suspend.test.ts leave out,
 * on both engines: NUL in every path and query parameter of every route the OpenAPI document lists
 * and in the text fields beyond the issue's list; deep JSON in the body of every route; a person's
 * current password guessed through a key or session of theirs; /metrics spelt otherwise; the stop
 * button against an agent's tool call.
 */

const NUL = "\u0000";
const deep = (levels: number) => `${"[".repeat(levels)}${"]".repeat(levels)}`;

/** `op.path` with each path parameter replaced: `name` by `value`, the others by `fill`. */
function pathOf(op: Operation, fill: string, name?: string, value?: string): string {
  return op.path.replace(/\{([^}]+)\}/g, (_, p: string) =>
    encodeURIComponent(p === name ? (value as string) : fill),
  );
}

describe.each(ENGINES)("NUL and deep JSON on every route (%s)", (engine) => {
  let s: TestServer;
  let automation: string;
  let queued: string;
  let operations: Operation[];

  beforeAll(async () => {
    s = await startTestServer(engine);
    automation = (await s.newKey("automation")).key;
    const res = await s.call("POST", "/v1/cases", payment({ confidence: 0.5 }), automation);
    queued = (await res.json()).id;
    operations = operationsOf(await (await s.call("GET", "/openapi.json")).json());
  });
  afterAll(async () => {
    await s.close();
    await s.storage.cleanup();
  });

  it("refuses NUL in every path parameter of every route, naming it (400, never 5xx)", async () => {
    const withParams = operations.filter((op) => op.pathParams.length > 0 && op.path !== "/{path}");
    expect(withParams.length).toBeGreaterThan(20);
    for (const op of withParams) {
      for (const name of op.pathParams) {
        const path = pathOf(op, queued, name, `x${NUL}`);
        const res = await s.call(op.method, path, op.body ? {} : undefined);
        const text = await res.text();
        expect(res.status, `${op.method} ${op.path} (${name}): ${text}`).toBe(400);
        expect(JSON.parse(text).detail).toBe(`/${name} params must not contain the NUL character (\\u0000)`);
      }
    }
  });

  it("refuses NUL in every query parameter of every route, naming it (400, never 5xx)", async () => {
    const withQuery = operations.filter((op) => Object.keys(op.query).length > 0);
    expect(withQuery.length).toBeGreaterThan(10);
    for (const op of withQuery) {
      for (const name of Object.keys(op.query)) {
        const res = await s.call(op.method, `${pathOf(op, queued)}?${name}=a%00`, op.body ? {} : undefined);
        const text = await res.text();
        expect(res.status, `${op.method} ${op.path}?${name}: ${text}`).toBe(400);
        expect(JSON.parse(text).detail).toBe(
          `/${name} querystring must not contain the NUL character (\\u0000)`,
        );
      }
    }
  });

  it("refuses 3,200 levels of nesting in the body of every route that takes JSON (400 naming the field)", async () => {
    const withBody = operations.filter((op) => op.body !== undefined && op.path !== "/mcp");
    expect(withBody.length).toBeGreaterThan(20);
    const requests = withBody.map((op) => {
      const field = Object.keys(op.body?.properties ?? {})[0] ?? "x";
      return { method: op.method, path: pathOf(op, queued), field };
    });
    // The MCP endpoint parses JSON-RPC the same way; its deep part is a tool's arguments.
    requests.push({ method: "POST", path: "/mcp", field: "params" });
    for (const { method, path, field } of requests) {
      const body =
        path === "/mcp"
          ? `{"params":{"name":"request_approval","arguments":{"input":${deep(3200)}}},"jsonrpc":"2.0","id":1,"method":"tools/call"}`
          : `{${JSON.stringify(field)}:${deep(3200)}}`;
      const res = await s.call(method, path, body, path === "/mcp" ? automation : ADMIN_TOKEN);
      const text = await res.text();
      expect(res.status, `${method} ${path}: ${text}`).toBe(400);
      const problem = JSON.parse(text);
      expect(problem.field).toBe(`/${field}`);
      expect(problem.detail).toMatch(/deeper than 64 levels/);
    }
  });

  it("refuses NUL in the text fields the issue's list leaves out, naming each (400, never 5xx)", async () => {
    const refused = async (
      method: string,
      path: string,
      body: unknown,
      field: string,
      token?: string | null,
    ) => {
      const res = await s.call(method, path, body, token);
      const text = await res.text();
      expect(res.status, `${path} ${field}: ${text}`).toBe(400);
      expect(JSON.parse(text).field).toBe(field);
    };
    await refused(
      "POST",
      "/v1/cases",
      payment({ callbackUrl: `https://hooks.example.com/a${NUL}` }),
      "/callbackUrl",
      automation,
    );
    await refused("POST", "/v1/queue/claim", { claimToken: `t${NUL}` }, "/claimToken");
    await refused("POST", "/v1/workflows/test.payments/suspend", { reason: `r${NUL}` }, "/reason");
    await refused("POST", "/v1/keys", { name: "k", role: "reviewer", user: `u${NUL}` }, "/user");
    await refused("POST", "/v1/session", { apiKey: `lg_${NUL}` }, "/apiKey", null);
    const claimed = await s.call("POST", "/v1/queue/claim", {});
    const held = (await claimed.json()).case.id;
    await refused(
      "POST",
      `/v1/cases/${held}/decisions`,
      { verdict: "reject", reasonCode: "wrong_amount", note: `n${NUL}` },
      "/note",
    );
    // Claude Code's hook: its ids become the case's idempotency key, its tool name the action.
    const hook = (body: Record<string, unknown>) =>
      s.call(
        "POST",
        "/v1/hooks/claude-code/pre-tool-use?workflow=test.payments&waitSeconds=0",
        { hook_event_name: "PreToolUse", session_id: "s", tool_use_id: "t", tool_name: "pay", ...body },
        automation,
      );
    for (const field of ["session_id", "tool_use_id", "tool_name"]) {
      const res = await hook({ [field]: `a${NUL}` });
      expect(res.status, field).toBe(400);
      expect((await res.json()).field).toBe(`/${field}`);
    }
    // MCP's request_approval reaches the same route: the tool answers the 400, the endpoint stays up.
    const mcp = await fetch(`${s.url}/mcp`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${automation}`,
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
      },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "tools/call",
        params: { name: "request_approval", arguments: { ...payment(), subject: `a${NUL}` } },
      }),
    });
    expect(mcp.status).toBe(200);
    expect(await mcp.text()).toContain("/subject must not contain the NUL character");
  });
});

describe.each(ENGINES)(
  "a person's current password is no oracle; /metrics spelt otherwise (%s)",
  (engine) => {
    let s: TestServer;
    beforeAll(async () => {
      s = await startTestServer(engine, {
        limits: { signInMaxFailures: 3, metricsToken: "metrics-secret-456" },
      });
    });
    afterAll(async () => {
      await s.close();
      await s.storage.cleanup();
    });

    it("counts wrong currentPassword guesses from a key of the person toward the sign-in lock", async () => {
      const password = "correct horse battery";
      const user = await (
        await s.call("POST", "/v1/users", { username: "victim", password, role: "reviewer" })
      ).json();
      // A leaked key that belongs to the person acts as them, and may change their password with the old one.
      const leaked = await (
        await s.call("POST", "/v1/keys", { name: "leaked", role: "reviewer", user: user.username })
      ).json();
      const change = (currentPassword: string) =>
        s.call(
          "POST",
          `/v1/users/${user.id}/password`,
          { password: "attacker chosen pw", currentPassword },
          leaked.key,
        );
      for (const guess of ["123456", "password", "letmein"]) {
        const res = await change(guess);
        expect(res.status).toBe(403);
        expect((await res.json()).field).toBe("/currentPassword");
      }
      // Locked: the right password is refused too, here and at sign-in, until the lock ends.
      const locked = await change(password);
      expect(locked.status).toBe(429);
      expect(Number(locked.headers.get("retry-after"))).toBeGreaterThan(0);
      const signIn = await s.call("POST", "/v1/session", { username: "victim", password }, null);
      expect(signIn.status).toBe(429);
    });

    it("lets the person change it with the right password when not locked, which clears the count", async () => {
      const password = "first password 1";
      const user = await (
        await s.call("POST", "/v1/users", { username: "careful", password, role: "reviewer" })
      ).json();
      const own = await (
        await s.call("POST", "/v1/keys", { name: "own", role: "reviewer", user: user.username })
      ).json();
      const change = (currentPassword: string, next: string) =>
        s.call("POST", `/v1/users/${user.id}/password`, { password: next, currentPassword }, own.key);
      expect((await change("typo", "x")).status).toBe(403);
      expect((await change("typo again", "x")).status).toBe(403);
      expect((await change(password, "second password 2")).status).toBe(200);
      expect((await change("typo", "x")).status).toBe(403);
      expect((await change("second password 2", "third password 3")).status).toBe(200);
    });

    it.each([
      ["GET", "/metrics?format=text"],
      ["HEAD", "/metrics"],
      ["GET", "/./metrics"],
    ])("answers %s %s without the metrics token with 401", async (method, path) => {
      const res = await fetch(`${s.url}${path}`, { method });
      expect(res.status).toBe(401);
      if (method === "GET") expect(await res.text()).not.toContain("loopgate_");
    });
  },
);

describe.each(ENGINES)("the stop button against an agent's tool call (%s)", (engine) => {
  let s: TestServer;
  let automation: string;
  beforeAll(async () => {
    s = await startTestServer(engine);
    automation = (await s.newKey("automation")).key;
  });
  afterAll(async () => {
    await s.close();
    await s.storage.cleanup();
  });

  const toolCall = async (id: string) => {
    const res = await s.call(
      "POST",
      "/v1/hooks/claude-code/pre-tool-use?workflow=test.payments&action=pay&confidence=0.99&waitSeconds=0",
      {
        hook_event_name: "PreToolUse",
        session_id: "session-1",
        tool_use_id: id,
        tool_name: "pay",
        tool_input: { amount: 20, payee: "Acme" },
      },
      automation,
    );
    expect(res.status).toBe(200);
    return (await res.json()).hookSpecificOutput.permissionDecision;
  };

  it("asks a person instead of allowing alone while the workflow is suspended; allows again after resume", async () => {
    expect(await toolCall("before")).toBe("allow");
    const stop = await s.call("POST", "/v1/workflows/test.payments/suspend", { reason: "agent misbehaves" });
    expect(stop.status).toBe(201);
    // The agent's own key cannot lift it.
    expect((await s.call("POST", "/v1/workflows/test.payments/resume", {}, automation)).status).toBe(403);
    expect(await toolCall("during")).toBe("ask");
    expect((await s.call("POST", "/v1/workflows/test.payments/resume", {})).status).toBe(200);
    expect(await toolCall("after")).toBe("allow");
  });
});
