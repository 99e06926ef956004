import { type Submitted, type ToolGate, toolResultText } from "@loopgate/client";
import type { RunToolApprovalItem } from "@openai/agents";
import { type CallShaping, toolCallOf } from "./gated-tool.js";

/** The gated tools' JSON Schemas by name: what the adapter sends with each of their cases. */
export type GatedTools = Map<string, unknown>;

/** What `resolve` uses of a `RunState`, whatever its context and agent types. */
export interface InterruptedRun {
  getInterruptions(): RunToolApprovalItem[];
  approve(item: RunToolApprovalItem): void;
  reject(item: RunToolApprovalItem, options?: { message?: string }): void;
}

/** The gated function calls among the interruptions, as the gate sees them. */
function gatedCalls(items: readonly RunToolApprovalItem[], gated: GatedTools, shaping: CallShaping) {
  return items.flatMap((item) => {
    const raw = item.rawItem;
    if (raw.type !== "function_call" || !item.name || !gated.has(item.name)) return [];
    const call = {
      toolName: item.name,
      callId: raw.callId,
      arguments: raw.arguments,
      parameters: gated.get(item.name),
    };
    return [{ item, call: toolCallOf(call, shaping) }];
  });
}

/** Opens a case for each interruption of a gated tool, without waiting for the decisions. */
export async function submitInterruptions(
  items: readonly RunToolApprovalItem[],
  gate: ToolGate,
  gated: GatedTools,
  shaping: CallShaping,
): Promise<Array<{ callId: string; toolName: string } & Submitted>> {
  const out = [];
  for (const { item, call } of gatedCalls(items, gated, shaping)) {
    const submitted = await gate.submit(call);
    out.push({
      callId: (item.rawItem as { callId: string }).callId,
      toolName: item.name ?? "",
      ...submitted,
    });
  }
  return out;
}

/**
 * Waits for Loopgate's decision on each interruption of a gated tool and records it in the run state:
 * approve, edit and respond approve the call (the gated execute verifies the decision again, then runs
 * the decided arguments or returns the answer); reject and request_changes reject it with the
 * outcome's `toolResultText` for the model. Throws `DecisionNotVerified` for a decision that fails its
 * signature check, leaving the call pending. Run the state again afterwards to continue.
 */
export async function resolveInterruptions(
  state: InterruptedRun,
  gate: ToolGate,
  gated: GatedTools,
  shaping: CallShaping,
): Promise<void> {
  for (const { item, call } of gatedCalls(state.getInterruptions(), gated, shaping)) {
    const outcome = await gate.decide(call);
    if (outcome.kind === "reject" || outcome.kind === "request_changes") {
      state.reject(item, { message: toolResultText(outcome) });
    } else {
      state.approve(item);
    }
  }
}
