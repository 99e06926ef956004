import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../../src/cli/main.js";
import { decideNext, startTestServer, type TestServer } from "../../helpers/server.js";
import { call, MCP_POLICIES } from "../client.js";
import { loopgateFor } from "./harness.js";

/**
 * `loopgate mcp-gateway` as a host spawns it: the built CLI on stdio, spawning the counting upstream
 * (a process here, so its calls are counted in a log file) and reaching a real Loopgate over HTTP.
 * This file builds the server first (incremental: about a second when dist is up to date).
 */
const ROOT = fileURLToPath(new URL("../../../../../", import.meta.url));
const BIN = fileURLToPath(new URL("../../../dist/cli/bin.js", import.meta.url));
const UPSTREAM = fileURLToPath(new URL("./upstream-stdio.mjs", import.meta.url));
const MAPPING = "workflow: mcp.gateway\ntools:\n  search_docs: { passThrough: true }\n";

describe("loopgate mcp-gateway (stdio)", () => {
  let s: TestServer;
  let loopgate: { url: string; close(): Promise<void> };
  let host: Client;
  let dir: string;
  let log: string;
  const upstreamLog = () =>
    readFileSync(log, "utf8")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  const upstreamCalls = () => upstreamLog().filter((e) => e.tool !== undefined);

  beforeAll(async () => {
    const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
    execFileSync(process.execPath, [tsc, "-b", "packages/server"], { cwd: ROOT, encoding: "utf8" });
    s = await startTestServer("sqlite", { policyDir: MCP_POLICIES });
    loopgate = await loopgateFor(s.url);
    dir = mkdtempSync(join(tmpdir(), "loopgate-gateway-cli-"));
    log = join(dir, "upstream.jsonl");
    writeFileSync(log, "");
    writeFileSync(join(dir, "mapping.yaml"), MAPPING);
    const key = (await s.newKey("automation", ["mcp.gateway"])).key;
    host = new Client({ name: "loopgate-gateway-cli-test", version: "1.0.0" });
    await host.connect(
      new StdioClientTransport({
        command: process.execPath,
        args: [
          BIN,
          "mcp-gateway",
          "--upstream",
          `${process.execPath} ${UPSTREAM}`,
          "--map",
          join(dir, "mapping.yaml"),
          "--url",
          loopgate.url,
        ],
        env: { PATH: process.env.PATH ?? "", LOOPGATE_KEY: key, UPSTREAM_LOG: log },
        stderr: "ignore",
      }),
    );
  }, 120_000);
  afterAll(async () => {
    await host?.close();
    await loopgate?.close();
    await s?.close();
    await s?.storage.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("lists the upstream's tools and passes the pass-through tool straight on", async () => {
    const { tools } = await host.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(["search_docs", "send_email"]);
    expect(tools.find((t) => t.name === "search_docs")?.annotations).toEqual({ readOnlyHint: true });
    const res = await call(host, "search_docs", { query: "refunds" });
    expect(res.isError).toBeFalsy();
    expect(upstreamCalls()).toEqual([{ tool: "search_docs", args: { query: "refunds" } }]);
  });

  it("runs a gated call only after approval, with the edited arguments; a rejected one never", async () => {
    const edited = { to: "grace@example.com", body: "Hello Grace" };
    const pending = call(host, "send_email", { to: "ada@example.com", body: "Hello" });
    expect(
      (await decideNext(s, { verdict: "edit", output: edited, reasonCode: "wrong_recipient" })).status,
    ).toBe(201);
    expect((await pending).isError).toBeFalsy();
    const rejected = call(host, "send_email", { to: "eve@example.com", body: "Hi" });
    await decideNext(s, { verdict: "reject", reasonCode: "too_risky", note: "Unknown address" });
    expect((await rejected).structuredContent).toMatchObject({ verdict: "reject", retry: false });
    expect(upstreamCalls().filter((c) => c.tool === "send_email")).toEqual([
      { tool: "send_email", args: edited },
    ]);
  });

  it("keeps the Loopgate key from the upstream's environment", () => {
    expect(upstreamLog()[0]).toEqual({ started: true, sawLoopgateKey: false });
  });

  it("refuses to start without a key, an upstream, a workflow, or with a bad mapping file", async () => {
    const saved = process.env.LOOPGATE_KEY;
    delete process.env.LOOPGATE_KEY;
    const bad = join(dir, "bad.yaml");
    writeFileSync(bad, "workflow: mcp.gateway\ntools:\n  send_email: { pasThrough: true }\n");
    try {
      expect(await main(["mcp-gateway", "--upstream", "node x.js", "--workflow", "w"])).toBe(1);
      expect(await main(["mcp-gateway", "--key", "k", "--workflow", "w"])).toBe(1);
      expect(await main(["mcp-gateway", "--key", "k", "--upstream", "node x.js"])).toBe(1);
      expect(await main(["mcp-gateway", "--key", "k", "--upstream", "node x.js", "--map", bad])).toBe(1);
      expect(
        await main(["mcp-gateway", "--key", "k", "--upstream", "node x.js", "--map", join(dir, "none.yaml")]),
      ).toBe(1);
      expect(await main(["mcp-gateway", "--key", "k", "--workflow", "w", "--upstream", "x", "--", "y"])).toBe(
        1,
      );
      // Nothing listens there: no decision key to pin, so it does not start.
      const nowhere = ["--url", "http://127.0.0.1:9", "--key", "k", "--workflow", "w"];
      expect(await main(["mcp-gateway", ...nowhere, "--upstream", "node x.js"])).toBe(1);
    } finally {
      if (saved !== undefined) process.env.LOOPGATE_KEY = saved;
    }
  });
});
