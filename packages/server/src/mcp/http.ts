import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import type { FastifyPluginAsync } from "fastify";
import { requireRole } from "../http/identity/auth.js";
import { HttpProblem } from "../http/problem.js";
import { injectedApi } from "./api.js";
import { loopgateMcpServer, type McpToolOptions } from "./tools.js";

/**
 * MCP over Streamable HTTP at `/mcp`, registered among the /v1 routes so the same authenticator and
 * per-key rate limit run first. Stateless: each POST gets its own McpServer and transport, so any
 * process behind a load balancer answers any request, and a tool call's waiting lives in its response
 * stream (progress notifications, then the result). GET (a server-initiated stream) and DELETE (ending
 * a session) have nothing to do without sessions: 405, as the specification allows.
 */
export const mcpRoutes = (opts: McpToolOptions = {}): FastifyPluginAsync => {
  return async (app) => {
    app.post("/mcp", { schema: { hide: true } }, async (request, reply) => {
      const authorization = request.headers.authorization;
      // A bearer key only: the workspace's session cookie would let a page make an agent's requests.
      if (!authorization || request.principal?.kind !== "key") {
        throw new HttpProblem(401, "Unauthorized", "Send an automation key as `Authorization: Bearer <key>`");
      }
      requireRole(request, "automation");
      const server = loopgateMcpServer(injectedApi(app, authorization), opts);
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
      reply.hijack();
      reply.raw.on("close", () => {
        void transport.close();
        void server.close();
      });
      await server.connect(transport);
      await transport.handleRequest(request.raw, reply.raw, request.body);
    });
    const notAllowed = async () => {
      throw new HttpProblem(405, "Method Not Allowed", "This MCP endpoint is stateless: POST only");
    };
    app.get("/mcp", { schema: { hide: true } }, notAllowed);
    app.delete("/mcp", { schema: { hide: true } }, notAllowed);
  };
};
