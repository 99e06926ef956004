import { type Submitted, ToolGate, type ToolGateOptions } from "@loopgate/client";
import type { ToolApprovalResponse, ToolSet } from "ai";
import { type ApprovalRequestPart, approvalResponses, submitApprovalRequests } from "./approvals.js";
import { type CallShaping, gateTools } from "./gated-tools.js";

export { DecisionNotVerified } from "@loopgate/client";
export type { ApprovalRequestPart } from "./approvals.js";
export type { CallShaping } from "./gated-tools.js";

export type LoopgateAiSdkOptions = ToolGateOptions & CallShaping;

/** Loopgate for one workflow, as the AI SDK's tools and approval flow use it. */
export interface LoopgateAiSdk {
  /** Every tool of the set with an `execute`, gated: see `gateTools` for what runs when. */
  tools<TOOLS extends ToolSet>(tools: TOOLS): TOOLS;
  /** `toolApproval` for `generateText`/`streamText`: every gated tool asks (`user-approval`). */
  toolApproval(tools: ToolSet): Record<string, "user-approval">;
  /** Submits the result's pending approval requests as cases, without waiting. */
  submitApprovalRequests(
    content: readonly ApprovalRequestPart[],
    tools: ToolSet,
  ): Promise<Array<{ approvalId: string; toolCallId: string } & Submitted>>;
  /** Waits for the decisions and returns the `tool-approval-response` parts for the next call. */
  approvalResponses(content: readonly ApprovalRequestPart[], tools: ToolSet): Promise<ToolApprovalResponse[]>;
}

/**
 * Puts a person's decision in Loopgate between the model and your tools. The gate is in your program,
 * not in the prompt: a gated tool's `execute` runs only after a decision signed by Loopgate for this
 * case, action and arguments, whatever the model or the messages say.
 *
 * Two ways to wait, both ending in the same check inside `execute`:
 * - in the tool loop: pass `lg.tools(tools)`; each call waits for its decision, then runs (approve,
 *   edit), answers (respond) or tells the model why not (reject: `{verdict: "reject", caseId,
 *   reasonCode, note, retry: false}`; request_changes: `{verdict: "request_changes", caseId, feedback,
 *   retry: true}`);
 * - across requests: add `toolApproval: lg.toolApproval(tools)`; the call returns with
 *   `tool-approval-request` parts, `lg.submitApprovalRequests` opens the cases, and when they are
 *   decided `lg.approvalResponses` gives the `tool-approval-response` parts for the next call.
 *
 * @example
 * ```ts
 * import { createLoopgate } from "@loopgate/ai-sdk";
 * import { generateText, stepCountIs } from "ai";
 *
 * const lg = createLoopgate({
 *   loopgate: { url: "http://localhost:8080", apiKey: process.env.LOOPGATE_KEY! },
 *   workflow: "assistant.tools",
 *   publicKeyPem: process.env.LOOPGATE_DECISION_KEY!, // pinned: GET /v1/decision-key
 * });
 * const { text } = await generateText({
 *   model,
 *   tools: lg.tools({ sendEmail, searchOrders }),
 *   prompt: "Tell customer c-42 their refund was sent",
 *   stopWhen: stepCountIs(5),
 * });
 * ```
 *
 * @example Pause the run and continue when a person has decided
 * ```ts
 * const tools = lg.tools({ sendEmail });
 * const first = await generateText({ model, tools, toolApproval: lg.toolApproval(tools), messages });
 * await lg.submitApprovalRequests(first.content, tools); // store first.response.messages too
 * // … later, perhaps in another process:
 * messages.push(...first.response.messages, {
 *   role: "tool",
 *   content: await lg.approvalResponses(first.content, tools),
 * });
 * const next = await generateText({ model, tools, toolApproval: lg.toolApproval(tools), messages });
 * ```
 */
export function createLoopgate(options: LoopgateAiSdkOptions): LoopgateAiSdk {
  const { actions, describe, idempotencyKey, ...gateOptions } = options;
  const shaping: CallShaping = { actions, describe, idempotencyKey };
  const gate = new ToolGate(gateOptions);
  return {
    tools: (tools) => gateTools(tools, gate, shaping),
    toolApproval: (tools) =>
      Object.fromEntries(
        Object.entries(tools)
          .filter(([, t]) => t.execute)
          .map(([name]) => [name, "user-approval" as const]),
      ),
    submitApprovalRequests: (content, tools) => submitApprovalRequests(content, tools, gate, shaping),
    approvalResponses: (content, tools) => approvalResponses(content, tools, gate, shaping),
  };
}
