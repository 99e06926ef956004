import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ENGINES, freshStorage, payment, startTestServer, type TestServer } from "../helpers/server.js";
import { REFUSED_HOSTS } from "../helpers/ssrf-hosts.js";
import { eventually } from "../workers/receiver.js";

/**
 * SSRF through `callbackUrl` (issue 13, item 3), performed against a running server: every spelling of
 * an internal address is refused at submit with a 400 naming the field; a host name that resolves to
 * loopback is accepted, then refused at connect time; the receiver on loopback sees no connection at all
 * unless the operator's allow-list names it.
 */

/** A receiver on loopback that counts connections, not only requests. */
async function connectionCounter() {
  let connections = 0;
  let requests = 0;
  const server = createServer((req, res) => {
    requests++;
    req.resume();
    req.on("end", () => res.writeHead(204).end());
  });
  server.on("connection", () => {
    connections++;
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    counts: () => ({ connections, requests }),
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

const OVERSIGHT_FIXTURES = fileURLToPath(new URL("../fixtures/policies-oversight", import.meta.url));

describe.each(ENGINES)("callbackUrl SSRF (%s)", (engine) => {
  let s: TestServer;
  let receiver: Awaited<ReturnType<typeof connectionCounter>>;
  let automation: { key: string };
  beforeAll(async () => {
    receiver = await connectionCounter();
    // No allow-list: the operator named nothing, so nothing internal is reachable.
    s = await startTestServer(engine, { callbackAllow: "" });
    automation = await s.newKey("automation");
  });
  afterAll(async () => {
    await s.close();
    await s.storage.cleanup();
    await receiver.close();
  });

  const submit = (callbackUrl: string) =>
    s.call("POST", "/v1/cases", payment({ callbackUrl }), automation.key);

  it.each(REFUSED_HOSTS)(
    "refuses http://%s:<receiver>/hook at submit, 400 naming /callbackUrl",
    async (host) => {
      const res = await submit(`http://${host}:${receiver.port}/hook`);
      expect(res.status).toBe(400);
      expect(res.headers.get("content-type")).toContain("application/problem+json");
      const problem = await res.json();
      expect(problem.field).toBe("/callbackUrl");
      expect(problem.detail).toContain("LOOPGATE_CALLBACK_ALLOW");
    },
  );

  it.each([
    ["credentials", "http://admin:secret@hooks.example.com/hook"],
    ["a user name alone", "https://token@hooks.example.com/hook"],
  ])("refuses a URL carrying %s", async (_what, url) => {
    const res = await submit(url);
    expect(res.status).toBe(400);
    expect((await res.json()).field).toBe("/callbackUrl");
  });

  it("refuses the server's own admin routes", async () => {
    const res = await submit(`${s.url}/v1/keys`);
    expect(res.status).toBe(400);
    expect((await res.json()).field).toBe("/callbackUrl");
  });

  it("accepts a name resolving to loopback, then refuses it at connect time: 'refused by policy', no retry", async () => {
    const res = await submit(`http://localhost:${receiver.port}/hook`);
    expect(res.status).toBe(201);
    const { id, route } = await res.json();
    expect(route).toBe("auto");
    const events = await eventually(async () => {
      const detail = await (await s.call("GET", `/v1/cases/${id}`, undefined, automation.key)).json();
      const failed = detail.events.filter((e: { type: string }) => e.type === "webhook_failed");
      return failed.length > 0 && failed;
    });
    // What the automation learns is the policy's answer, not which ports answer on the server's host.
    expect(events).toHaveLength(1);
    expect(events[0].data).toMatchObject({ error: "refused by policy", status: null, nextAttemptAt: null });
  });

  it("opened no connection to the receiver for any of the above", () => {
    expect(receiver.counts()).toEqual({ connections: 0, requests: 0 });
  });
});

describe.each(ENGINES)("callback allow-list (%s)", (engine) => {
  it("lets through the address and port the operator names, and nothing beside it", async () => {
    const receiver = await connectionCounter();
    const other = await connectionCounter();
    const s = await startTestServer(engine, { callbackAllow: `127.0.0.1:${receiver.port}` });
    try {
      const automation = await s.newKey("automation");
      const submit = (url: string) =>
        s.call("POST", "/v1/cases", payment({ callbackUrl: url }), automation.key);
      expect((await submit(`http://127.1:${receiver.port}/hook`)).status).toBe(201);
      expect((await submit(`http://localhost:${other.port}/hook`)).status).toBe(201);
      expect((await submit(`http://127.0.0.1:${other.port}/hook`)).status).toBe(400);
      await eventually(async () => receiver.counts().requests === 1);
      expect(other.counts()).toEqual({ connections: 0, requests: 0 });
    } finally {
      await s.close();
      await s.storage.cleanup();
      await receiver.close();
      await other.close();
    }
  });

  it("refuses to start with a policy whose oversight.alertUrl is refused, naming the workflow and field", async () => {
    const dir = mkdtempSync(join(tmpdir(), "loopgate-ssrf-policies-"));
    for (const f of readdirSync(OVERSIGHT_FIXTURES)) {
      const text = readFileSync(join(OVERSIGHT_FIXTURES, f), "utf8");
      writeFileSync(
        join(dir, f),
        text.replace("http://127.0.0.1:9/alerts", "http://169.254.169.254/latest/meta-data/"),
      );
    }
    const storage = await freshStorage(engine);
    await expect(
      startTestServer(engine, { policyDir: dir, callbackAllow: "127.0.0.1" }, storage),
    ).rejects.toThrow(
      /workflow oversight\.watched: oversight\.alertUrl http:\/\/169\.254\.169\.254\/latest\/meta-data\/ 169\.254\.169\.254 is a link-local address/,
    );
    await storage.cleanup();
  });

  it("refuses a bad allow-list entry at start, naming the setting", async () => {
    const storage = await freshStorage(engine);
    await expect(startTestServer(engine, { callbackAllow: "127.0.0.1,intranet" }, storage)).rejects.toThrow(
      'LOOPGATE_CALLBACK_ALLOW: "intranet"',
    );
    await storage.cleanup();
  });
});
