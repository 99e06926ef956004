import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";

export const MCP_POLICIES = fileURLToPath(new URL("./policies", import.meta.url));

/** The MCP SDK's own client over Streamable HTTP at `/mcp`, with `key` as its bearer token. */
export async function httpClient(serverUrl: string, key: string): Promise<Client> {
  const client = new Client({ name: "loopgate-test", version: "1.0.0" });
  const transport = new StreamableHTTPClientTransport(new URL("/mcp", serverUrl), {
    requestInit: { headers: { authorization: `Bearer ${key}` } },
  });
  await client.connect(transport);
  return client;
}

/** A tool call's result, typed as the tools answer (the SDK's union also covers the legacy shape). */
export async function call(
  client: Client,
  name: string,
  args: Record<string, unknown>,
  options?: Parameters<Client["callTool"]>[2],
): Promise<CallToolResult & { structuredContent?: Record<string, unknown> }> {
  return (await client.callTool({ name, arguments: args }, undefined, options)) as CallToolResult;
}

/** A submission for the test workflow `mcp.agent`; override what the test is about. */
export function email(overrides: Record<string, unknown> = {}) {
  return {
    workflow: "mcp.agent",
    action: "send_email",
    input: { thread: "Where is my refund?", customer: "c-42" },
    proposal: { to: "ada@example.com", body: "Your refund was sent today." },
    confidence: 0.97,
    ...overrides,
  };
}
