import { type ToolCall, type ToolCallDetails, type ToolGate, toolResult } from "@loopgate/client";
import {
  type FunctionCallItem,
  type FunctionTool,
  type RunContext,
  type ToolInputParameters,
  type ToolOptions,
  type ToolOutputSchema,
  tool,
} from "@openai/agents";
import { recordedRevisionOf } from "./revisions.js";

/** How the adapter names and describes one tool call as a case. */
export interface CallShaping {
  /** The workflow action of each tool by name; a tool not listed is the action of its own name. */
  actions?: Record<string, string>;
  /** What the reviewer and the policy should know beyond the arguments (confidence, rationale, ...). */
  describe?: (call: { toolName: string; callId: string; input: unknown }) => ToolCallDetails | undefined;
  /**
   * The idempotency key of a call, by default `openai-agents:<tool>:<callId>`. Add your conversation
   * id when your model's call ids can repeat across conversations.
   */
  idempotencyKey?: (call: { toolName: string; callId: string }) => string;
}

/** A function call of a run, as the model made it: the name, its call id and the JSON arguments. */
export interface AgentsToolCall {
  toolName: string;
  callId: string;
  arguments: string;
  /** The tool's JSON Schema for its arguments, when known. */
  parameters?: unknown;
}

/**
 * The gate's view of a call, built from the model's JSON arguments so the interruption (before the run
 * pauses) and the tool's execute (after it resumes) submit the same case and find the same decision.
 */
export function toolCallOf(call: AgentsToolCall, shaping: CallShaping): ToolCall {
  const { toolName, callId } = call;
  const input: unknown = JSON.parse(call.arguments);
  return {
    action: shaping.actions?.[toolName] ?? toolName,
    args: input,
    idempotencyKey: shaping.idempotencyKey?.({ toolName, callId }) ?? `openai-agents:${toolName}:${callId}`,
    toolInputSchema: schemaFor(call.parameters),
    details: shaping.describe?.({ toolName, callId, input }),
  };
}

/** The JSON Schema without `$schema`: the server checks it in its own dialect. */
function schemaFor(parameters: unknown): Record<string, unknown> | undefined {
  if (typeof parameters !== "object" || parameters === null || Array.isArray(parameters)) return undefined;
  const { $schema: _dialect, ...rest } = parameters as Record<string, unknown>;
  return rest;
}

/**
 * `tool()` of OpenAI Agents, gated: the tool always needs approval (the run stops with an interruption
 * for it), and its execute runs only after a decision Loopgate signed for this case, action and
 * arguments: approve runs the model's arguments, edit the reviewer's (parsed with the tool's own
 * parameters first), respond returns the person's answer instead, and anything else returns
 * `toolResult` of the outcome (`{verdict, caseId, ..., retry}`). Approving the interruption in the run
 * state is not enough: the execute asks Loopgate itself, so an approval from anywhere else runs nothing.
 * A call `submit` or `resolve` filed as a revision is decided as that same revision here.
 */
export function gatedTool<
  TParameters extends ToolInputParameters = undefined,
  Context = unknown,
  TOutputSchema extends ToolOutputSchema | undefined = undefined,
>(
  options: ToolOptions<TParameters, Context, TOutputSchema>,
  gate: ToolGate,
  shaping: CallShaping,
): FunctionTool<Context, TParameters, unknown> {
  // The tool as written, without approval: the gated one runs it (through its own parsing) once decided.
  const inner = tool({ ...options, needsApproval: false } as ToolOptions<
    TParameters,
    Context,
    TOutputSchema
  >);
  let parameters: unknown;
  const gated = tool({
    ...options,
    needsApproval: true,
    execute: async (_parsed: unknown, runContext?: RunContext<Context>, details?: ToolCallDetailsLike) => {
      const raw = details?.toolCall;
      if (!raw || !runContext) {
        throw new Error(`Loopgate: ${inner.name} was called outside a run; a gated tool runs only in a run`);
      }
      const call = { toolName: inner.name, callId: raw.callId, arguments: raw.arguments, parameters };
      // A revision is decided as the revision `resolve` decided (linked in the run state, see
      // revisions.ts): filed plainly, this call would open a second case.
      const revisionOf = recordedRevisionOf(runContext as RunContext<unknown>, raw.callId);
      const outcome = await gate.decide(toolCallOf(call, shaping), {
        signal: details?.signal,
        ...(revisionOf !== undefined && { revisionOf }),
      });
      if (outcome.kind !== "run") return toolResult(outcome);
      return inner.invoke(runContext, JSON.stringify(outcome.args), {
        toolCall: raw,
        signal: details?.signal,
      });
    },
  } as unknown as ToolOptions<TParameters, Context, TOutputSchema>);
  parameters = gated.parameters;
  return gated as FunctionTool<Context, TParameters, unknown>;
}

/** The part of the SDK's ToolCallDetails the gate reads. */
interface ToolCallDetailsLike {
  toolCall?: FunctionCallItem;
  signal?: AbortSignal;
}
