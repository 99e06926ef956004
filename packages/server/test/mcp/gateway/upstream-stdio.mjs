// The counting upstream as a process, for the tests of `loopgate mcp-gateway` over stdio: every call it
// receives is appended to the file UPSTREAM_LOG as one JSON line, and so is what it can see of the
// gateway's environment at start (the Loopgate key must not reach it).
import { appendFileSync } from "node:fs";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import * as z from "zod";

const log = (entry) => appendFileSync(process.env.UPSTREAM_LOG, `${JSON.stringify(entry)}\n`);
log({ started: true, sawLoopgateKey: process.env.LOOPGATE_KEY !== undefined });

const server = new McpServer({ name: "counting-upstream-stdio", version: "1.0.0" });
server.registerTool(
  "send_email",
  { description: "Sends an e-mail", inputSchema: { to: z.string(), body: z.string() } },
  async (args) => {
    log({ tool: "send_email", args });
    return { content: [{ type: "text", text: `sent to ${args.to}` }] };
  },
);
server.registerTool(
  "search_docs",
  {
    description: "Searches the documentation",
    inputSchema: { query: z.string() },
    annotations: { readOnlyHint: true },
  },
  async (args) => {
    log({ tool: "search_docs", args });
    return { content: [{ type: "text", text: "nothing found" }] };
  },
);
await server.connect(new StdioServerTransport());
