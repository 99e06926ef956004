import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

/** The MCP server behind the gateway: a URL (Streamable HTTP) or a command to spawn (stdio). */
export type UpstreamTarget = { url: URL } | { command: string; args: string[] };

/**
 * Connects the gateway's client to the upstream. A spawned upstream inherits the gateway's
 * environment (its own tokens live there) except the Loopgate key, which is the gateway's alone: a
 * server that could read it could submit cases in the gateway's name. Its stderr stays the
 * gateway's stderr, where the host collects servers' logs.
 */
export async function connectUpstream(target: UpstreamTarget): Promise<Client> {
  const client = new Client({ name: "loopgate-gateway", version: "0.1.0" });
  if ("url" in target) {
    await client.connect(new StreamableHTTPClientTransport(target.url));
    return client;
  }
  const { LOOPGATE_KEY: _key, ...env } = process.env;
  await client.connect(
    new StdioClientTransport({
      command: target.command,
      args: target.args,
      env: env as Record<string, string>,
      stderr: "inherit",
    }),
  );
  return client;
}
