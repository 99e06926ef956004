import { outputHashOf, type SignedDecision, verifyDecision } from "@loopgate/client";
import type { Tool } from "@modelcontextprotocol/sdk/types.js";
import type { LoopgateApi } from "../api.js";
import { ApiRefusal, awaitDecision, type DecisionResult } from "../wait.js";
import type { CaseKeys } from "./case-keys.js";
import type { ToolRoute } from "./mapping.js";

/** What Loopgate's answer to one gated call lets the gateway do. */
export type GateOutcome =
  /** approve or edit, signed for exactly `args`: call the upstream with them. */
  | { kind: "run"; caseId: string; verdict: string; args: Record<string, unknown> }
  /** The person's answer stands in for the tool's result; the upstream is not called. */
  | { kind: "respond"; caseId: string; answer: unknown }
  | { kind: "reject"; caseId: string; reasonCode: string | null; note: string | null }
  | { kind: "request_changes"; caseId: string; note: string | null }
  /** A human_only case: a person did it themselves. */
  | { kind: "done"; caseId: string; note: string | null }
  | { kind: "pending"; caseId: string; route: string; releaseAt?: string }
  /** Loopgate refused the submission (scope, unknown action, bad arguments): no case. */
  | { kind: "refused"; text: string }
  /** A decision that is not Loopgate's for this case, action and arguments: nothing runs. */
  | { kind: "unverified"; caseId: string; why: string };

export interface GateContext {
  api: LoopgateApi;
  keys: CaseKeys;
  /** Pinned at start (or given); a key fetched with each decision would prove nothing. */
  publicKeyPem: string;
  /** The upstream server's name, shown to the reviewer with the tool. */
  upstreamName: string;
  waitSeconds: number;
  heartbeatSeconds: number;
}

export interface GateCall {
  tool: Tool;
  route: Extract<ToolRoute, { passThrough: false }>;
  args: Record<string, unknown>;
  signal: AbortSignal;
  /** How long to wait for a person, when not the gateway's default (a task waits longer). */
  waitSeconds?: number;
  /** A person must decide (route review or human_only): the place to say so, once per call. */
  onQueued(caseId: string, route: string): Promise<void>;
  onWaiting(caseId: string, waitedSeconds: number): Promise<void>;
}

/**
 * One tools/call as a Loopgate case: submitted with the call's arguments as the proposal and the
 * tool's input schema, waited for, and checked. Only a decision whose signature verifies with the
 * pinned key, for this case, this action and exactly the arguments to run, lets anything run.
 */
export async function gateCall(ctx: GateContext, call: GateCall): Promise<GateOutcome> {
  const { tool, route, args } = call;
  const claimed = ctx.keys.claim(tool.name, args);
  let used = true;
  try {
    const submitted = await ctx.api(
      "POST",
      "/v1/cases",
      {
        workflow: route.workflow,
        action: route.action,
        input: {
          tool: tool.name,
          server: ctx.upstreamName,
          ...(tool.title && { title: tool.title }),
          ...(tool.description && { description: tool.description }),
        },
        proposal: args,
        confidence: route.confidence,
        riskClass: route.riskClass,
        toolInputSchema: tool.inputSchema,
        idempotencyKey: claimed.key,
      },
      call.signal,
    );
    if (submitted.status !== 200 && submitted.status !== 201) throw new ApiRefusal(submitted);
    const { id: caseId, route: routed } = submitted.body as { id: string; route: string };
    if (routed !== "auto") await call.onQueued(caseId, routed);
    const d = await awaitDecision(ctx.api, caseId, {
      waitSeconds: call.waitSeconds ?? ctx.waitSeconds,
      heartbeatSeconds: ctx.heartbeatSeconds,
      signal: call.signal,
      onWaiting: (waited) => call.onWaiting(caseId, waited),
    });
    // Cancelled while the decision came in: leave the case for the same call asked again.
    call.signal.throwIfAborted();
    if (d.status !== "decided") {
      used = false;
      return {
        kind: "pending",
        caseId,
        route: d.route ?? routed,
        ...(d.releaseAt && { releaseAt: d.releaseAt }),
      };
    }
    const why = unverified(ctx, route, caseId, args, d);
    if (why !== undefined) return { kind: "unverified", caseId, why };
    if (!ctx.keys.use(caseId)) {
      return {
        kind: "unverified",
        caseId,
        why: "this case's decision was already acted on; one decision runs once",
      };
    }
    return outcomeOf(caseId, d);
  } catch (err) {
    if (call.signal.aborted) {
      // Cancelled: the case stays as it is for the same call asked again.
      used = false;
      throw err;
    }
    if (err instanceof ApiRefusal) return { kind: "refused", text: err.message };
    return { kind: "refused", text: `Loopgate could not be reached: ${String(err)}` };
  } finally {
    claimed.settle(used);
  }
}

/** Why a decided answer must not be acted on, or undefined when it may. */
function unverified(
  ctx: GateContext,
  route: GateCall["route"],
  caseId: string,
  args: Record<string, unknown>,
  d: DecisionResult,
): string | undefined {
  const output = d.output ?? null;
  const signed = d as DecisionResult & SignedDecision;
  if (!verifyDecision(signed, { publicKeyPem: ctx.publicKeyPem, caseId, action: route.action, output })) {
    return "the decision's signature does not verify with the pinned Loopgate key for this case, action and output";
  }
  if (d.workflow !== route.workflow)
    return `the decision is for workflow ${d.workflow}, not ${route.workflow}`;
  // A plain approval runs the proposal itself; another output under "approve" is not what was asked.
  if (d.verdict === "approve" && outputHashOf(output) !== outputHashOf(args)) {
    return "the approval is for other arguments than this call's";
  }
  return undefined;
}

function outcomeOf(caseId: string, d: DecisionResult): GateOutcome {
  const note = d.note ?? null;
  switch (d.verdict) {
    case "approve":
    case "edit": {
      const out = d.output;
      if (out === null || typeof out !== "object" || Array.isArray(out)) {
        return { kind: "unverified", caseId, why: "the approved output is not an object of tool arguments" };
      }
      return { kind: "run", caseId, verdict: d.verdict, args: out as Record<string, unknown> };
    }
    case "respond":
      return { kind: "respond", caseId, answer: d.output ?? null };
    case "reject":
      return { kind: "reject", caseId, reasonCode: d.reasonCode ?? null, note };
    // The person's own decision in place of the call (as the SDK's gate() and adapters read it): the call
    // does not run, and is not asked again.
    case "override":
      return { kind: "reject", caseId, reasonCode: d.reasonCode ?? "override", note };
    case "request_changes":
      return { kind: "request_changes", caseId, note };
    case "done":
      return { kind: "done", caseId, note };
    default:
      return { kind: "unverified", caseId, why: `verdict ${d.verdict} does not decide a tool call` };
  }
}

/** `GET /v1/decision-key`, read once at start and pinned for the gateway's life. */
export async function fetchDecisionKey(api: LoopgateApi): Promise<string> {
  const res = await api("GET", "/v1/decision-key");
  if (res.status !== 200) throw new ApiRefusal(res);
  const { publicKeyPem } = res.body as { publicKeyPem?: unknown };
  if (typeof publicKeyPem !== "string") throw new Error("GET /v1/decision-key answered without publicKeyPem");
  return publicKeyPem;
}
