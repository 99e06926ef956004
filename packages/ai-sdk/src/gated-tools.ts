import { type ToolCall, type ToolCallDetails, type ToolGate, toolResult } from "@loopgate/client";
import { asSchema, type ModelMessage, type Tool, type ToolExecutionOptions, type ToolSet } from "ai";

/** How the adapter names and describes one tool call as a case. */
export interface CallShaping {
  /** The workflow action of each tool by name; a tool not listed is the action of its own name. */
  actions?: Record<string, string>;
  /** What the reviewer and the policy should know beyond the arguments (confidence, rationale, ...). */
  describe?: (call: { toolName: string; toolCallId: string; input: unknown }) => ToolCallDetails | undefined;
  /**
   * The idempotency key of a call, by default `ai-sdk:<tool>:<toolCallId>`. Add your conversation id
   * when your provider's tool call ids can repeat across conversations.
   */
  idempotencyKey?: (call: { toolName: string; toolCallId: string }) => string;
}

/** A tool call of the AI SDK as the gate sees it. */
export interface AiSdkToolCall {
  toolName: string;
  toolCallId: string;
  input: unknown;
}

/** Builds the gate's view of a call: the same case body every time for the same call. */
export async function toolCallOf(
  call: AiSdkToolCall,
  tool: Tool | undefined,
  shaping: CallShaping,
): Promise<ToolCall> {
  const { toolName, toolCallId, input } = call;
  return {
    action: shaping.actions?.[toolName] ?? toolName,
    args: input,
    idempotencyKey: shaping.idempotencyKey?.({ toolName, toolCallId }) ?? `ai-sdk:${toolName}:${toolCallId}`,
    toolInputSchema: tool ? await jsonSchemaOf(tool) : undefined,
    details: shaping.describe?.(call),
  };
}

/**
 * Wraps the `execute` of every tool in the set: the call becomes a Loopgate case, and the original
 * `execute` runs only on a verified approve (the model's arguments) or edit (the reviewer's, checked
 * against the tool's schema first). Otherwise the tool's result is `toolResult` of the outcome: the
 * person's answer (respond), `{verdict: "reject", caseId, reasonCode, note, retry: false}` or
 * `{verdict: "request_changes", caseId, feedback, retry: true}`. A decision that fails
 * its signature check throws `DecisionNotVerified`, which the AI SDK reports to the model as a tool error.
 * Tools without `execute` (answered by your client) are left as they are.
 */
export function gateTools<TOOLS extends ToolSet>(tools: TOOLS, gate: ToolGate, shaping: CallShaping): TOOLS {
  const gated: ToolSet = {};
  for (const [toolName, tool] of Object.entries(tools)) {
    const execute = tool.execute;
    if (!execute) {
      gated[toolName] = tool;
      continue;
    }
    /** The tool's result for a decided call, or its stream when the tool streams (an async generator). */
    const decided = async (input: unknown, options: ToolExecutionOptions<unknown>) => {
      const call = await toolCallOf({ toolName, toolCallId: options.toolCallId, input }, tool, shaping);
      const revisionOf = changesAskedOf(options.messages, toolName);
      const outcome = await gate.decide(call, {
        signal: options.abortSignal,
        ...(revisionOf !== undefined && { revisionOf }),
      });
      if (outcome.kind !== "run") return { value: toolResult(outcome) };
      return { run: execute(await validArgs(tool, toolName, outcome.args), options) };
    };
    // The AI SDK tells a streaming tool from its execute's return value before awaiting it, so a tool
    // written as an async generator stays one, and any other stays a plain async function.
    const streams = Object.prototype.toString.call(execute) === "[object AsyncGeneratorFunction]";
    gated[toolName] = {
      ...tool,
      execute: streams
        ? async function* (input: unknown, options: ToolExecutionOptions<unknown>) {
            const d = await decided(input, options);
            if ("value" in d) yield d.value;
            else yield* d.run as AsyncIterable<unknown>;
          }
        : async (input: unknown, options: ToolExecutionOptions<unknown>) => {
            const d = await decided(input, options);
            return "value" in d ? d.value : d.run;
          },
    } as Tool;
  }
  return gated as TOOLS;
}

/**
 * The case a call revises: when this tool's latest result in the conversation is a reviewer's request
 * for changes, the model's next call of it is that case's revision (linked, so the reviewer sees the
 * versions side by side). Read from the conversation's own messages, so two conversations sharing one
 * gate never link each other's cases; the server accepts a revision only of this key's own case.
 */
function changesAskedOf(messages: ModelMessage[] | undefined, toolName: string): string | undefined {
  for (const message of [...(messages ?? [])].reverse()) {
    if (message.role !== "tool") continue;
    for (const part of [...message.content].reverse()) {
      if (part.type !== "tool-result" || part.toolName !== toolName) continue;
      const value = part.output.type === "json" ? part.output.value : undefined;
      const result = value as { verdict?: unknown; caseId?: unknown } | null | undefined;
      return result?.verdict === "request_changes" && typeof result.caseId === "string"
        ? result.caseId
        : undefined;
    }
  }
  return undefined;
}

/**
 * The arguments to run, checked against the tool's own schema: Loopgate checks an edit against the
 * schema it was sent, and this second check holds even against a server too old to do so.
 */
async function validArgs(tool: Tool, toolName: string, args: unknown): Promise<unknown> {
  const schema = asSchema(tool.inputSchema);
  if (!schema.validate) return args;
  const checked = await schema.validate(args);
  if (!checked.success) {
    throw new Error(`Loopgate: the decided arguments for ${toolName} do not fit its input schema; not run`);
  }
  return checked.value;
}

const schemas = new WeakMap<Tool, Promise<Record<string, unknown>>>();

/**
 * The tool's JSON Schema for Loopgate, without `$schema`: the server checks it in its own dialect, and
 * zod's 2020-12 marker would otherwise name a meta-schema it may not load.
 */
function jsonSchemaOf(tool: Tool): Promise<Record<string, unknown>> {
  let schema = schemas.get(tool);
  if (!schema) {
    schema = Promise.resolve(asSchema(tool.inputSchema).jsonSchema).then((s) => {
      const { $schema: _dialect, ...rest } = s as Record<string, unknown>;
      return rest;
    });
    schemas.set(tool, schema);
  }
  return schema;
}
