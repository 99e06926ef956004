import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import * as z from "zod";

/** A call the upstream test server received. */
export interface UpstreamCall {
  tool: string;
  args: Record<string, unknown>;
}

/**
 * The MCP server behind the gateway in the tests: four tools (unannotated, destructive, read-only
 * twice), each recording the call it receives into `calls`, so a test counts what reached it and with
 * what.
 */
export function countingUpstream(calls: UpstreamCall[] = []): { server: McpServer; calls: UpstreamCall[] } {
  const server = new McpServer({ name: "counting-upstream", version: "1.0.0" });
  const record = (tool: string) => async (args: Record<string, unknown>) => {
    calls.push({ tool, args });
    return { content: [{ type: "text" as const, text: `${tool} ran with ${JSON.stringify(args)}` }] };
  };
  server.registerTool(
    "send_email",
    {
      description: "Sends an e-mail",
      inputSchema: { to: z.string().email(), body: z.string().min(1) },
    },
    record("send_email"),
  );
  server.registerTool(
    "delete_file",
    {
      description: "Deletes a file",
      inputSchema: { path: z.string() },
      annotations: { destructiveHint: true, readOnlyHint: false },
    },
    record("delete_file"),
  );
  server.registerTool(
    "lookup_order",
    {
      description: "Reads an order",
      inputSchema: { id: z.string() },
      annotations: { readOnlyHint: true },
    },
    record("lookup_order"),
  );
  server.registerTool(
    "search_docs",
    {
      description: "Searches the documentation",
      inputSchema: { query: z.string() },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    record("search_docs"),
  );
  return { server, calls };
}
