import type { FastifyPluginAsync, FastifyRequest } from "fastify";
import { Type } from "typebox";
import { type ApiResponse, injectedApi, problemText } from "../../mcp/api.js";
import type { DecisionResult } from "../../mcp/wait.js";
import { requireRole } from "../identity/auth.js";
import { HttpProblem } from "../problem.js";
import { problemResponses } from "../schemas.js";

/**
 * Claude Code's `PreToolUse` input as its http hooks POST it (the Agent SDK's `PreToolUseHookInput`):
 * the fields a case needs are required, the rest Claude Code adds over time is let through unread.
 */
const PreToolUseInput = Type.Object(
  {
    hook_event_name: Type.Literal("PreToolUse"),
    // Both ids make the case's idempotency key (at most 200 characters): Claude Code's are far shorter.
    session_id: Type.String({ minLength: 1, maxLength: 80 }),
    tool_name: Type.String({ minLength: 1, maxLength: 200 }),
    tool_input: Type.Unknown(),
    tool_use_id: Type.String({ minLength: 1, maxLength: 80 }),
    cwd: Type.Optional(Type.String({ maxLength: 4096 })),
    permission_mode: Type.Optional(Type.String({ maxLength: 100 })),
    agent_id: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: true, required: ["hook_event_name", "session_id", "tool_name", "tool_use_id"] },
);

const HookQuery = Type.Object(
  {
    workflow: Type.String({ minLength: 1, maxLength: 200 }),
    /** The workflow action the tool's calls become (default: the tool's name). */
    action: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    confidence: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
    /** How long to wait for a person before answering "ask"; keep it under the hook's `timeout`. */
    waitSeconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 600 })),
  },
  { additionalProperties: false },
);

const HookAnswer = Type.Object({
  hookSpecificOutput: Type.Object({
    hookEventName: Type.Literal("PreToolUse"),
    permissionDecision: Type.Union([Type.Literal("allow"), Type.Literal("deny"), Type.Literal("ask")]),
    permissionDecisionReason: Type.String(),
    updatedInput: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  }),
});

type Input = {
  session_id: string;
  tool_name: string;
  tool_input?: unknown;
  tool_use_id: string;
  cwd?: string;
  permission_mode?: string;
  agent_id?: string;
};
type Query = { workflow: string; action?: string; confidence?: number; waitSeconds?: number };
type Answer = {
  hookSpecificOutput: {
    hookEventName: "PreToolUse";
    permissionDecision: "allow" | "deny" | "ask";
    permissionDecisionReason: string;
    updatedInput?: Record<string, unknown>;
  };
};

const DEFAULT_WAIT_SECONDS = 20;

/**
 * Claude Code's HTTP `PreToolUse` hook (issue 14, item 2): each tool call becomes a case of
 * `?workflow=`, submitted and awaited through this server's own API with the hook's key (so key
 * scope, policy routing and idempotency are the API's), and the answer is Claude Code's permission
 * decision: allow (edit: allow with the reviewer's `updatedInput`), deny with the reason the model
 * reads, or, when no one has decided within `waitSeconds`, "ask" with the case's link. The call's
 * `tool_use_id` is the case's idempotency key, so the same call asked again finds the same case.
 */
export const claudeCodeHookRoutes = (): FastifyPluginAsync => {
  return async (app) => {
    app.post(
      "/v1/hooks/claude-code/pre-tool-use",
      {
        schema: {
          summary: "Claude Code PreToolUse http hook: a tool call becomes a case; answers allow, deny or ask",
          tags: ["agents"],
          querystring: HookQuery,
          body: PreToolUseInput,
          response: { 200: HookAnswer, ...problemResponses },
        },
      },
      async (request): Promise<Answer> => {
        const authorization = request.headers.authorization;
        // A bearer key only: a workspace session cookie must not let a page ask on an agent's behalf.
        if (!authorization || request.principal?.kind !== "key") {
          throw new HttpProblem(
            401,
            "Unauthorized",
            "Send an automation key as `Authorization: Bearer <key>`",
          );
        }
        requireRole(request, "automation");
        const query = request.query as Query;
        const input = request.body as Input;
        const api = injectedApi(app, authorization);
        const submitted = await api("POST", "/v1/cases", caseOf(query, input));
        if (submitted.status === 401 || submitted.status === 403) throw refusal(submitted);
        if (submitted.status !== 200 && submitted.status !== 201) {
          // The call cannot become a case (an action the workflow lacks, the same tool_use_id asked
          // before with other arguments): it must not run, and the model is told why.
          return answer("deny", `Loopgate refused this call: ${problemText(submitted)}`);
        }
        const caseId = (submitted.body as { id: string }).id;
        const wait = Math.min(query.waitSeconds ?? DEFAULT_WAIT_SECONDS, 600);
        const res = await api("GET", `/v1/cases/${encodeURIComponent(caseId)}/decision?waitSeconds=${wait}`);
        if (res.status === 202) {
          return answer(
            "ask",
            `Waiting for a person on Loopgate: ${caseLink(request, caseId)} (decide it there, or here)`,
          );
        }
        if (res.status !== 200) throw refusal(res);
        return answerFor(res.body as DecisionResult);
      },
    );
  };
};

function caseOf(query: Query, input: Input) {
  const args = isObject(input.tool_input) ? input.tool_input : { value: input.tool_input ?? null };
  return {
    workflow: query.workflow,
    action: query.action ?? input.tool_name,
    input: args,
    proposal: input.tool_input ?? null,
    // A tool call claims no confidence of its own: unless told, the policy's thresholds send it to a person.
    confidence: query.confidence ?? 0,
    idempotencyKey: `claude-code:${input.session_id}:${input.tool_use_id}`,
    context: {
      claudeCode: {
        toolName: input.tool_name,
        sessionId: input.session_id,
        ...(input.cwd !== undefined && { cwd: input.cwd }),
        ...(input.permission_mode !== undefined && { permissionMode: input.permission_mode }),
        ...(input.agent_id !== undefined && { agentId: input.agent_id }),
      },
    },
  };
}

/** The decision as Claude Code's permission decision; allow always names the input that runs. */
function answerFor(d: DecisionResult): Answer {
  // Widened: the contract's new verdicts (respond, request_changes) reach this before the types.
  const verdict: string = d.verdict ?? "";
  if (d.humanOwned || d.route === "human_only") {
    return answer("deny", stopReason(d, "human_owned"));
  }
  if (verdict === "approve" || verdict === "edit") {
    // The decided output (the proposal as submitted, or the reviewer's edit) is always sent as the input
    // to run, so what runs is what was decided, whatever the request that asked carried.
    if (!isObject(d.output))
      return answer("deny", "Loopgate's decided input is not an object; nothing was run");
    return answer("allow", `Approved on Loopgate (case ${d.caseId}, ${verdict})`, d.output);
  }
  if (verdict === "respond") {
    return answer("deny", typeof d.output === "string" ? d.output : JSON.stringify(d.output));
  }
  if (verdict === "request_changes") {
    return answer("deny", JSON.stringify({ verdict, caseId: d.caseId, feedback: d.note ?? "", retry: true }));
  }
  return answer("deny", stopReason(d, verdict === "reject" ? null : verdict));
}

function stopReason(d: DecisionResult, fallback: string | null): string {
  return JSON.stringify({
    verdict: "reject",
    caseId: d.caseId,
    reasonCode: d.reasonCode ?? fallback,
    note: d.note ?? null,
    retry: false,
  });
}

function answer(
  permissionDecision: "allow" | "deny" | "ask",
  permissionDecisionReason: string,
  updatedInput?: Record<string, unknown>,
): Answer {
  return {
    hookSpecificOutput: {
      hookEventName: "PreToolUse",
      permissionDecision,
      permissionDecisionReason,
      ...(updatedInput && { updatedInput }),
    },
  };
}

/** The API's own refusal, passed on with its status and words. */
function refusal(res: ApiResponse): HttpProblem {
  const b = res.body as { title?: string; detail?: string };
  return new HttpProblem(res.status, b?.title ?? "Error", b?.detail ?? problemText(res));
}

function caseLink(request: FastifyRequest, caseId: string): string {
  return `${request.protocol}://${request.host}/cases/${encodeURIComponent(caseId)}`;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
