import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectUpstream } from "../../../src/mcp/gateway/upstream.js";
import { countingUpstream, type UpstreamCall } from "./upstream.js";

/**
 * `--upstream https://…`: the gateway's client reaches an upstream over Streamable HTTP (a stateless
 * server here, a new McpServer per request, all recording into one list).
 */
describe("gateway upstream over Streamable HTTP", () => {
  let http: Server;
  let upstream: Client;
  const calls: UpstreamCall[] = [];

  beforeAll(async () => {
    http = createServer(async (req, res) => {
      const { server } = countingUpstream(calls);
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
      res.on("close", () => {
        void transport.close();
      });
      await server.connect(transport);
      await transport.handleRequest(req, res);
    });
    await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
    const { port } = http.address() as AddressInfo;
    upstream = await connectUpstream({ url: new URL(`http://127.0.0.1:${port}/mcp`) });
  });
  afterAll(async () => {
    await upstream?.close();
    await new Promise((resolve) => http?.close(resolve));
  });

  it("lists the tools and calls one", async () => {
    expect(upstream.getServerVersion()?.name).toBe("counting-upstream");
    const { tools } = await upstream.listTools();
    expect(tools.map((t) => t.name)).toContain("send_email");
    const res = await upstream.callTool({ name: "lookup_order", arguments: { id: "o-7" } });
    expect(res.isError).toBeFalsy();
    expect(calls).toEqual([{ tool: "lookup_order", args: { id: "o-7" } }]);
  });
});
