import { type Submitted, ToolGate, type ToolGateOptions } from "@loopgate/client";
import type { FunctionTool, ToolInputParameters, ToolOptions, ToolOutputSchema } from "@openai/agents";
import { type CallShaping, gatedTool } from "./gated-tool.js";
import {
  type GatedTools,
  type InterruptedRun,
  resolveInterruptions,
  type SubmittedRun,
  submitInterruptions,
} from "./interruptions.js";

export { DecisionNotVerified } from "@loopgate/client";
export type { CallShaping } from "./gated-tool.js";
export type { InterruptedRun, SubmittedRun } from "./interruptions.js";

export type LoopgateAgentsOptions = ToolGateOptions & CallShaping;

/** Loopgate for one workflow, as OpenAI Agents' tools and interruptions use it. */
export interface LoopgateAgents {
  /** `tool()` of OpenAI Agents, gated by Loopgate: see `gatedTool` for what runs when. */
  tool<
    TParameters extends ToolInputParameters = undefined,
    Context = unknown,
    TOutputSchema extends ToolOutputSchema | undefined = undefined,
  >(options: ToolOptions<TParameters, Context, TOutputSchema>): FunctionTool<Context, TParameters, unknown>;
  /**
   * Opens the cases of a run's interruptions without waiting: pass the run's result (or its state), so
   * a call after a request for changes is filed as that case's revision. `result.interruptions` alone
   * still works, but cannot see the history: such a call then opens a new, unlinked case.
   */
  submit(run: SubmittedRun): Promise<Array<{ callId: string; toolName: string } & Submitted>>;
  /** Waits for the decisions and approves or rejects each interruption of the state accordingly. */
  resolve(state: InterruptedRun): Promise<void>;
}

/**
 * Puts a person's decision in Loopgate between the model and your tools, for OpenAI Agents JS. A gated
 * tool always stops the run with an interruption; `submit` opens its case, the run state is serialised
 * (`result.state.toString()`) and stored, and when the decision comes, in this process or another, the
 * state is restored (`RunState.fromString`), `resolve` approves or rejects each interruption from
 * Loopgate's decision, and the run continues. The gate is in your program: the tool's execute checks
 * Loopgate's signed decision itself, so approving in the state without Loopgate runs nothing.
 *
 * What the model sees: approve and edit run the tool (edit with the reviewer's arguments), respond gives
 * the person's answer as the tool's result, reject `{verdict: "reject", caseId, reasonCode, note, retry:
 * false}` and request_changes `{verdict: "request_changes", caseId, feedback, retry: true}`. The model's
 * next call of that tool is filed as a revision of `caseId` (`revisionOf`, the next `version`), so the
 * reviewer sees the versions side by side: `submit` and `resolve` find it in the run's history.
 *
 * @example
 * ```ts
 * import { createLoopgate } from "@loopgate/openai-agents";
 * import { Agent, Runner, RunState } from "@openai/agents";
 *
 * const lg = createLoopgate({
 *   loopgate: { url: "http://localhost:8080", apiKey: process.env.LOOPGATE_KEY! },
 *   workflow: "assistant.tools",
 *   publicKeyPem: process.env.LOOPGATE_DECISION_KEY!, // pinned: GET /v1/decision-key
 * });
 * const sendEmail = lg.tool({ name: "send_email", description: "…", parameters: Email, execute: send });
 * const agent = new Agent({ name: "support", instructions: "…", tools: [sendEmail] });
 *
 * const result = await new Runner().run(agent, "Tell c-42 their refund was sent");
 * await lg.submit(result); // opens the cases now
 * await store.save(result.state.toString());
 *
 * // Later, in any process, once Loopgate has decided:
 * const state = await RunState.fromString(agent, await store.load());
 * await lg.resolve(state);
 * const done = await new Runner().run(agent, state);
 * ```
 */
export function createLoopgate(options: LoopgateAgentsOptions): LoopgateAgents {
  const { actions, describe, idempotencyKey, ...gateOptions } = options;
  const shaping: CallShaping = { actions, describe, idempotencyKey };
  const gate = new ToolGate(gateOptions);
  const gated: GatedTools = new Map();
  return {
    tool(toolOptions) {
      const t = gatedTool(toolOptions, gate, shaping);
      gated.set(t.name, t.parameters);
      return t;
    },
    submit: (interruptions) => submitInterruptions(interruptions, gate, gated, shaping),
    resolve: (state) => resolveInterruptions(state, gate, gated, shaping),
  };
}
