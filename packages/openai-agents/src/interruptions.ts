import { type Submitted, type ToolCall, type ToolGate, toolResultText } from "@loopgate/client";
import type { AgentInputItem, RunToolApprovalItem } from "@openai/agents";
import { type CallShaping, toolCallOf } from "./gated-tool.js";
import { type ChangesAsked, changesAskedByTool, recordRevision } from "./revisions.js";

/** The gated tools' JSON Schemas by name: what the adapter sends with each of their cases. */
export type GatedTools = Map<string, unknown>;

/** What `submit` and `resolve` use of a `RunState`, whatever its context and agent types. */
export interface InterruptedRun {
  getInterruptions(): RunToolApprovalItem[];
  approve(item: RunToolApprovalItem): void;
  reject(item: RunToolApprovalItem, options?: { message?: string }): void;
  /** The run so far: where a call after a request for changes finds the case it revises. */
  readonly history: AgentInputItem[];
}

/** What `submit` takes: a run's result (`{state}`), its state, or (older form) its interruptions. */
export type SubmittedRun = { state: InterruptedRun } | InterruptedRun | readonly RunToolApprovalItem[];

interface GatedCall {
  item: RunToolApprovalItem;
  call: ToolCall;
  /** The request for changes this call answers, when it is a revision. */
  revises?: ChangesAsked;
}

/**
 * The gated function calls among the interruptions, as the gate sees them, each with the case it
 * revises: a tool's first pending call after its latest result asked for changes (a second call of it
 * in the same turn is a case of its own, else both would claim the one revision).
 */
function gatedCalls(
  items: readonly RunToolApprovalItem[],
  history: readonly AgentInputItem[],
  gated: GatedTools,
  shaping: CallShaping,
): GatedCall[] {
  const asked = changesAskedByTool(history);
  return items.flatMap((item) => {
    const raw = item.rawItem;
    if (raw.type !== "function_call" || !item.name || !gated.has(item.name)) return [];
    const call = {
      toolName: item.name,
      callId: raw.callId,
      arguments: raw.arguments,
      parameters: gated.get(item.name),
    };
    const revises = asked.get(item.name);
    asked.delete(item.name);
    return [{ item, call: toolCallOf(call, shaping), ...(revises && { revises }) }];
  });
}

/**
 * Opens a case for each interruption of a gated tool, or its revision after a request for changes
 * (recording the link in the state for the execute, see revisions.ts), without waiting for the
 * decisions. Given only the interruptions (the older form), it cannot see the run's history, so a call
 * after a request for changes opens a new case instead of a revision.
 */
export async function submitInterruptions(
  run: SubmittedRun,
  gate: ToolGate,
  gated: GatedTools,
  shaping: CallShaping,
): Promise<Array<{ callId: string; toolName: string } & Submitted>> {
  const state = isInterruptions(run) ? undefined : "state" in run ? run.state : run;
  const items = state ? state.getInterruptions() : (run as readonly RunToolApprovalItem[]);
  const out = [];
  for (const { item, call, revises } of gatedCalls(items, state?.history ?? [], gated, shaping)) {
    if (state && revises) recordRevision(state, item, revises);
    const submitted = await gate.submit(call, revises ? { revisionOf: revises.caseId } : {});
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
 * outcome's `toolResultText` for the model. A call after a request for changes is decided as that
 * case's revision, the link recorded in the state for the execute (see revisions.ts). Throws
 * `DecisionNotVerified` for a decision that fails its signature check, leaving the call pending. Run
 * the state again afterwards to continue.
 */
export async function resolveInterruptions(
  state: InterruptedRun,
  gate: ToolGate,
  gated: GatedTools,
  shaping: CallShaping,
): Promise<void> {
  for (const { item, call, revises } of gatedCalls(state.getInterruptions(), state.history, gated, shaping)) {
    if (revises) recordRevision(state, item, revises);
    const outcome = await gate.decide(call, revises ? { revisionOf: revises.caseId } : {});
    if (outcome.kind === "reject" || outcome.kind === "request_changes") {
      state.reject(item, { message: toolResultText(outcome) });
    } else {
      state.approve(item);
    }
  }
}

function isInterruptions(run: SubmittedRun): run is readonly RunToolApprovalItem[] {
  return Array.isArray(run);
}
