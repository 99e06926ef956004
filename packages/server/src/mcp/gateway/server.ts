import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import type { RequestHandlerExtra } from "@modelcontextprotocol/sdk/shared/protocol.js";
import {
  CallToolRequestSchema,
  type CallToolResult,
  type CreateTaskResult,
  ElicitResultSchema,
  ErrorCode,
  ListToolsRequestSchema,
  McpError,
  type ServerNotification,
  type ServerRequest,
  type Tool,
  ToolListChangedNotificationSchema,
} from "@modelcontextprotocol/sdk/types.js";
import type { LoopgateApi } from "../api.js";
import { progressSender } from "../tools.js";
import { CaseKeys } from "./case-keys.js";
import { type GateContext, gateCall } from "./gate.js";
import { type GatewayMapping, routeOf, type ToolRoute } from "./mapping.js";
import { resultOf } from "./results.js";
import { GatewayTaskStore, startTask, TASKS } from "./tasks.js";

export interface GatewayOptions {
  /** The MCP server gated, already connected (over stdio or Streamable HTTP). */
  upstream: Client;
  /** Loopgate's API with the gateway's automation key. */
  api: LoopgateApi;
  mapping: GatewayMapping;
  /** The key decisions are signed with, pinned at start. */
  publicKeyPem: string;
  /** Loopgate's base URL, for the link to a case in the workspace. */
  loopgateUrl: string;
  /** How long one call waits for a person before answering pending, in seconds (default 50). */
  waitSeconds?: number;
  heartbeatSeconds?: number;
}

type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;

/** Under the 60 s request timeout of most MCP clients, as for the Loopgate MCP server's own tools. */
const DEFAULT_WAIT_SECONDS = 50;
const HEARTBEAT_SECONDS = 10;
/** How long an elicitation may stay open on the host before the gateway stops listening for it. */
const ELICITATION_TIMEOUT_MS = 3_600_000;

const NOTE = `Calls to these tools go through Loopgate first: a call runs only once the workflow's policy or a
person approves it, with the arguments the person approved. A result marked as an error with
status "pending" has not run yet: call the tool again with exactly the same arguments to keep waiting.
retry: false (a rejection) means do not call it again for the same thing.`;

/**
 * The gating proxy: an MCP server that lists the upstream's tools unchanged (annotations and schemas
 * included) and turns every tools/call into a Loopgate case; the upstream is called only with the
 * arguments of a decision that verifies. Tools the mapping marks passThrough go straight through.
 */
export function gatewayServer(opts: GatewayOptions): Server {
  const { upstream } = opts;
  const upstreamInfo = upstream.getServerVersion();
  const listChanged = upstream.getServerCapabilities()?.tools?.listChanged === true;
  const taskStore = new GatewayTaskStore();
  const server = new Server(
    { name: "loopgate-gateway", version: "0.1.0" },
    {
      capabilities: { tools: listChanged ? { listChanged: true } : {}, tasks: TASKS },
      taskStore,
      instructions: [upstream.getInstructions(), NOTE].filter(Boolean).join("\n\n"),
    },
  );
  const ctx: GateContext = {
    api: opts.api,
    keys: new CaseKeys(),
    publicKeyPem: opts.publicKeyPem,
    upstreamName: upstreamInfo?.name ?? "upstream",
    waitSeconds: opts.waitSeconds ?? DEFAULT_WAIT_SECONDS,
    heartbeatSeconds: opts.heartbeatSeconds ?? HEARTBEAT_SECONDS,
  };
  const base = opts.loopgateUrl.replace(/\/+$/, "");
  const caseLink = (id: string) => `${base}/cases/${encodeURIComponent(id)}`;
  const tools = new Map<string, Tool>();
  const elicited = new Set<string>();
  /** The upstream's own progress, passed on (on the call's rising count) to a host that asked for it. */
  const upstreamOptions = (progress: (message: string) => Promise<void>, signal: AbortSignal) => ({
    signal,
    resetTimeoutOnProgress: true,
    onprogress: (p: { message?: string }) => void progress(p.message ?? "the tool is working"),
  });

  /** The upstream's tool by name, listing it again (every page) when it is not known yet. */
  async function toolNamed(name: string, signal: AbortSignal): Promise<Tool | undefined> {
    const known = tools.get(name);
    if (known) return known;
    let cursor: string | undefined;
    do {
      const page = await upstream.listTools(cursor === undefined ? {} : { cursor }, { signal });
      for (const t of page.tools) tools.set(t.name, t);
      cursor = page.nextCursor;
    } while (cursor !== undefined);
    return tools.get(name);
  }

  /**
   * URL-mode elicitation, to a host that declared it: the person at the host is offered the case in
   * the workspace (once per case). Not awaited: whether they open it or not, the call keeps waiting
   * for the decision, which may come from any reviewer.
   */
  function elicit(caseId: string, tool: string, extra: Extra) {
    if (!server.getClientCapabilities()?.elicitation?.url || elicited.has(caseId)) return;
    elicited.add(caseId);
    const params = {
      mode: "url" as const,
      elicitationId: caseId,
      url: caseLink(caseId),
      message: `A call to ${tool} waits for approval in Loopgate (case ${caseId}). Open it to decide, if it is yours to decide.`,
    };
    extra
      .sendRequest({ method: "elicitation/create", params }, ElicitResultSchema, {
        timeout: ELICITATION_TIMEOUT_MS,
      })
      .catch(() => {
        // Declined, cancelled or timed out on the host: the case waits for its reviewers all the same.
      });
  }

  server.setRequestHandler(ListToolsRequestSchema, async (request, extra) => {
    const page = await upstream.listTools(request.params, { signal: extra.signal });
    if (request.params?.cursor === undefined) tools.clear();
    for (const t of page.tools) tools.set(t.name, t);
    return { ...page, tools: page.tools.map((t) => withTaskSupport(t, routeOf(opts.mapping, t))) };
  });

  /**
   * A gated call: the case, the wait (progress, elicitation), then the upstream with the approved
   * arguments or the answer that says why not. `signal` ends the wait (the call or its task cancelled).
   */
  async function gated(
    tool: Tool,
    route: Extract<ToolRoute, { passThrough: false }>,
    args: Record<string, unknown>,
    extra: Extra,
    signal: AbortSignal,
    waitSeconds?: number,
  ): Promise<CallToolResult> {
    const progress = progressSender(extra);
    const outcome = await gateCall(ctx, {
      tool,
      route,
      args,
      signal,
      ...(waitSeconds !== undefined && { waitSeconds }),
      onQueued: async (caseId, routed) => {
        await progress(`Case ${caseId} is waiting for a person (route ${routed}): ${caseLink(caseId)}`);
        elicit(caseId, tool.name, extra);
      },
      onWaiting: (caseId, waited) => progress(`Case ${caseId}: still waiting for a person after ${waited} s`),
    });
    if (outcome.kind !== "pending" && outcome.kind !== "refused" && elicited.delete(outcome.caseId)) {
      await extra
        .sendNotification({
          method: "notifications/elicitation/complete",
          params: { elicitationId: outcome.caseId },
        })
        .catch(() => {});
    }
    if (outcome.kind !== "run") return resultOf(outcome, caseLink);
    // A task cancelled while its decision came in: the host no longer wants the call made.
    signal.throwIfAborted();
    const result = (await upstream.callTool(
      { name: tool.name, arguments: outcome.args },
      undefined,
      upstreamOptions(progress, signal),
    )) as CallToolResult;
    if (outcome.verdict === "approve") return result;
    // The model must know it was not its own arguments that ran.
    const said = `Loopgate: a person changed the arguments before the call (case ${outcome.caseId}); it ran with ${JSON.stringify(outcome.args)}`;
    return { ...result, content: [...(result.content ?? []), { type: "text", text: said }] };
  }

  server.setRequestHandler(
    CallToolRequestSchema,
    async (request, extra): Promise<CallToolResult | CreateTaskResult> => {
      const { name } = request.params;
      const args = request.params.arguments ?? {};
      const tool = await toolNamed(name, extra.signal);
      if (!tool) throw new McpError(ErrorCode.InvalidParams, `Unknown tool: ${name}`);
      const route = routeOf(opts.mapping, tool);
      if (route?.passThrough) {
        // Straight through, and plainly: the gateway does not run the upstream's tasks.
        const { task: _task, ...params } = request.params;
        return (await upstream.callTool(
          params,
          undefined,
          upstreamOptions(progressSender(extra), extra.signal),
        )) as CallToolResult;
      }
      if (route === undefined) {
        return resultOf(
          { kind: "refused", text: `the mapping names no workflow for tool ${name}` },
          caseLink,
        );
      }
      if (request.params.task && extra.taskStore) {
        return startTask(taskStore, extra, (signal, waitSeconds) =>
          gated(tool, route, args, extra, signal, waitSeconds),
        );
      }
      return gated(tool, route, args, extra, extra.signal);
    },
  );

  if (listChanged) {
    upstream.setNotificationHandler(ToolListChangedNotificationSchema, async () => {
      tools.clear();
      await server.sendToolListChanged().catch(() => {});
    });
  }
  return server;
}

/**
 * The upstream's tool as listed, except that a gated tool may also be called as a task (the gateway
 * runs the task; the upstream is called plainly). A tool that requires tasks of its own keeps saying so.
 */
function withTaskSupport(tool: Tool, route: ToolRoute | undefined): Tool {
  if (route?.passThrough !== false || tool.execution?.taskSupport === "required") return tool;
  return { ...tool, execution: { ...tool.execution, taskSupport: "optional" } };
}
