import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { decideNext, startTestServer, type TestServer } from "../helpers/server.js";
import { call, email, MCP_POLICIES } from "./client.js";

/**
 * `loopgate mcp` as an MCP client spawns it: the built CLI on stdio, bridged to a running server over
 * its HTTP API. The bridge holds no storage, so one engine is enough here (http.test.ts runs both).
 * This file builds the server first (incremental: about a second when dist is up to date).
 */
const ROOT = fileURLToPath(new URL("../../../../", import.meta.url));
const BIN = fileURLToPath(new URL("../../dist/cli/bin.js", import.meta.url));

async function stdioClient(url: string, key: string): Promise<Client> {
  const client = new Client({ name: "loopgate-stdio-test", version: "1.0.0" });
  // The key travels in the environment, as the README's client configuration puts it.
  const env = { PATH: process.env.PATH ?? "", LOOPGATE_KEY: key };
  await client.connect(
    new StdioClientTransport({
      command: process.execPath,
      args: [BIN, "mcp", "--url", url],
      env,
      stderr: "ignore",
    }),
  );
  return client;
}

describe("loopgate mcp (stdio)", () => {
  let s: TestServer;
  let agent: Client;

  beforeAll(async () => {
    const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
    execFileSync(process.execPath, [tsc, "-b", "packages/server"], { cwd: ROOT, encoding: "utf8" });
    s = await startTestServer("sqlite", { policyDir: MCP_POLICIES });
    agent = await stdioClient(s.url, (await s.newKey("automation", ["mcp.agent"])).key);
  }, 120_000);
  afterAll(async () => {
    await agent?.close();
    await s?.close();
    await s?.storage.cleanup();
  });

  it("lists the tools and answers an auto-approved request at once", async () => {
    const { tools } = await agent.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual([
      "ask_human",
      "recent_corrections",
      "request_approval",
      "revise_request",
    ]);
    const res = await call(agent, "request_approval", email({ action: "lookup", proposal: { q: 1 } }));
    expect(res.structuredContent).toMatchObject({ route: "auto", verdict: "approve", output: { q: 1 } });
  });

  it("waits for the reviewer and hands over the edited output", async () => {
    const edited = { to: "grace@example.com", body: "Hello Grace" };
    const pending = call(agent, "request_approval", email({ subject: "stdio-edit" }));
    expect(
      (await decideNext(s, { verdict: "edit", output: edited, reasonCode: "wrong_recipient" })).status,
    ).toBe(201);
    expect((await pending).structuredContent).toMatchObject({
      status: "decided",
      verdict: "edit",
      output: edited,
    });
  });

  it("hands over a reject with its reason, and a respond with the person's answer, over stdio too", async () => {
    const rejecting = call(agent, "request_approval", email({ subject: "stdio-reject" }));
    const rejected = { verdict: "reject", reasonCode: "wrong_recipient", note: "not this customer" };
    expect((await decideNext(s, rejected)).status).toBe(201);
    expect((await rejecting).structuredContent).toMatchObject({
      status: "decided",
      verdict: "reject",
      output: null,
      reasonCode: "wrong_recipient",
      note: "not this customer",
    });

    const answer = { delivered: "2026-12-01", carrier: "DHL" };
    const responding = call(agent, "request_approval", email({ subject: "stdio-respond" }));
    expect((await decideNext(s, { verdict: "respond", output: answer })).status).toBe(201);
    const res = await responding;
    expect(res.structuredContent).toMatchObject({ status: "decided", verdict: "respond", output: answer });
    expect(JSON.stringify(res.content)).toContain("do not run the tool");
  });

  it("answers ask_human with the person's answer", async () => {
    const asking = call(agent, "ask_human", { workflow: "mcp.agent", question: "Ship today?" });
    await decideNext(s, { verdict: "approve", note: "Yes" });
    expect((await asking).structuredContent).toMatchObject({ status: "answered", answer: "Yes" });
  });

  it("turns a bad key or a workflow outside its scope into error results, with no case", async () => {
    const outsider = await stdioClient(s.url, (await s.newKey("automation", ["mcp.other"])).key);
    const forged = await stdioClient(s.url, "lg_forged_key_0000");
    try {
      const scoped = await call(outsider, "request_approval", email({ subject: "stdio-scope" }));
      expect(scoped.isError).toBe(true);
      expect(JSON.stringify(scoped.content)).toContain("403");
      const bad = await call(forged, "request_approval", email({ subject: "stdio-scope" }));
      expect(bad.isError).toBe(true);
      expect(JSON.stringify(bad.content)).toContain("401");
    } finally {
      await outsider.close();
      await forged.close();
    }
    const history = await s.store.cases.subjectHistory({
      subject: "stdio-scope",
      excludeCaseId: "",
      before: Date.now() + 60_000,
      limit: 10,
    });
    expect(history).toEqual([]);
  });

  it("refuses to start without a key or with a URL that is not http(s)", async () => {
    const saved = process.env.LOOPGATE_KEY;
    delete process.env.LOOPGATE_KEY;
    try {
      expect(await main(["mcp", "--url", "http://127.0.0.1:9"])).toBe(1);
      expect(await main(["mcp", "--url", "ftp://example.com", "--key", "k"])).toBe(1);
      expect(await main(["mcp", "--key", "k", "--wait-seconds", "soon"])).toBe(1);
    } finally {
      if (saved !== undefined) process.env.LOOPGATE_KEY = saved;
    }
  });
});
