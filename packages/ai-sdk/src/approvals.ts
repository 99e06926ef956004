import { type Submitted, type ToolGate, toolResultText } from "@loopgate/client";
import type { ToolApprovalResponse, ToolSet } from "ai";
import { type CallShaping, toolCallOf } from "./gated-tools.js";

/** The fields of a `tool-approval-request` content part the adapter reads. */
export interface ApprovalRequestPart {
  type: string;
  approvalId?: string;
  isAutomatic?: boolean;
  toolCall?: { toolName: string; toolCallId: string; input: unknown };
}

/** The manual approval requests among a result's content parts, for the tools in `tools`. */
function requestsFor(content: readonly ApprovalRequestPart[], tools: ToolSet) {
  return content.flatMap((part) =>
    part.type === "tool-approval-request" &&
    !part.isAutomatic &&
    part.approvalId &&
    part.toolCall &&
    Object.hasOwn(tools, part.toolCall.toolName)
      ? [{ approvalId: part.approvalId, toolCall: part.toolCall }]
      : [],
  );
}

/**
 * Submits each pending approval request as a case and returns at once: the run can end here (the
 * approval flow of the AI SDK returns the requests instead of waiting) and be continued later.
 */
export async function submitApprovalRequests(
  content: readonly ApprovalRequestPart[],
  tools: ToolSet,
  gate: ToolGate,
  shaping: CallShaping,
): Promise<Array<{ approvalId: string; toolCallId: string } & Submitted>> {
  const out = [];
  for (const { approvalId, toolCall } of requestsFor(content, tools)) {
    const submitted = await gate.submit(await toolCallOf(toolCall, tools[toolCall.toolName], shaping));
    out.push({ approvalId, toolCallId: toolCall.toolCallId, ...submitted });
  }
  return out;
}

/**
 * Waits for Loopgate's decision on each pending approval request and turns it into the
 * `tool-approval-response` to add to the messages before the next `generateText`/`streamText` call.
 * approve, edit and respond approve the call: the gated `execute` then verifies the decision again and
 * runs the tool with the decided arguments or hands back the person's answer. reject and
 * request_changes deny it with `toolResultText` of the outcome in `reason`, which the model reads in the
 * `execution-denied` result. A decision that fails its signature check throws `DecisionNotVerified`.
 */
export async function approvalResponses(
  content: readonly ApprovalRequestPart[],
  tools: ToolSet,
  gate: ToolGate,
  shaping: CallShaping,
): Promise<ToolApprovalResponse[]> {
  const responses: ToolApprovalResponse[] = [];
  for (const { approvalId, toolCall } of requestsFor(content, tools)) {
    const outcome = await gate.decide(await toolCallOf(toolCall, tools[toolCall.toolName], shaping));
    responses.push(
      outcome.kind === "reject" || outcome.kind === "request_changes"
        ? {
            type: "tool-approval-response",
            approvalId,
            approved: false,
            reason: toolResultText(outcome),
          }
        : {
            type: "tool-approval-response",
            approvalId,
            approved: true,
            reason: `Loopgate case ${outcome.caseId}: ${outcome.decision.verdict}`,
          },
    );
  }
  return responses;
}
