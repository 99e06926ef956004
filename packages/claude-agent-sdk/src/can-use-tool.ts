import type { CanUseTool, PermissionResult } from "@anthropic-ai/claude-agent-sdk";
import {
  DecisionNotVerified,
  DecisionTimeout,
  decideToolCall,
  type Loopgate,
  type ToolCallDetails,
  toolCallCase,
  toolResultText,
} from "@loopgate/client";

export interface LoopgateCanUseToolOptions {
  loopgate: Loopgate;
  /** The server's decision key, pinned (`GET /v1/decision-key` once, stored with your config). */
  publicKeyPem: string;
  /** The workflow whose policy decides these tools' calls. */
  workflow: string;
  /**
   * Gated tools, by the name the model calls (`mcp__bank__pay`, `Bash`), each to the workflow action
   * its call becomes.
   */
  actions: Record<string, string>;
  /**
   * A tool not in `actions`: "deny" (the default: a tool nobody mapped never runs unseen) or "allow"
   * (leave it to the SDK's other permission rules' outcome, allowed as called).
   */
  otherTools?: "deny" | "allow";
  /**
   * The rest of the case for a call: the source input (default: the arguments), the confidence
   * (default 0: an agent's tool call claims none, so the policy's thresholds send it to a person), a
   * rationale, a subject, context for escalation rules.
   */
  details?: (toolName: string, args: Record<string, unknown>) => ToolCallDetails | Promise<ToolCallDetails>;
  /** Each tool's JSON Schema, sent as the case's `toolInputSchema` so an edit that breaks it is refused. */
  toolInputSchemas?: Record<string, Record<string, unknown>>;
  /** How long a call waits for its decision (default 10 minutes); then it is denied, the case stays. */
  timeoutMs?: number;
}

/**
 * A `canUseTool` for the Claude Agent SDK that asks Loopgate before each gated tool call, checks the
 * decision's signature with the pinned key, and answers the SDK:
 * - approve → allow as called; edit → allow with the reviewer's arguments (`updatedInput`);
 * - respond → deny, with the person's answer as the message the model reads (the tool never runs);
 * - reject → deny with `{verdict:"reject", reasonCode, note, retry:false}`;
 * - request_changes → deny with `{verdict:"request_changes", feedback, retry:true}`; the model's next
 *   call of the same tool is submitted as a revision of that case;
 * - a decision whose signature fails → deny and interrupt the run; no decision in time → deny (the
 *   case stays pending, and the same tool call id asks the same case again).
 *
 * @example
 * ```ts
 * import { query } from "@anthropic-ai/claude-agent-sdk";
 * import { Loopgate } from "@loopgate/client";
 * import { loopgateCanUseTool } from "@loopgate/claude-agent-sdk";
 *
 * const canUseTool = loopgateCanUseTool({
 *   loopgate: new Loopgate({ url: "http://localhost:8080", apiKey: process.env.LOOPGATE_KEY! }),
 *   publicKeyPem: process.env.LOOPGATE_DECISION_KEY!,
 *   workflow: "invoice.approve",
 *   actions: { mcp__bank__pay: "pay" },
 * });
 * for await (const message of query({ prompt, options: { mcpServers, canUseTool } })) console.log(message);
 * ```
 */
export function loopgateCanUseTool(options: LoopgateCanUseToolOptions): CanUseTool {
  if (!options?.loopgate)
    throw new TypeError("loopgateCanUseTool: `loopgate` (a Loopgate client) is required");
  if (!options.publicKeyPem)
    throw new TypeError("loopgateCanUseTool: `publicKeyPem` (the pinned key) is required");
  if (!options.workflow) throw new TypeError("loopgateCanUseTool: `workflow` is required");
  // The case of each tool's last request_changes, so the model's next try is filed as its revision.
  const changesRequested = new Map<string, string>();

  return async (toolName, input, { signal, toolUseID }): Promise<PermissionResult> => {
    const action = options.actions[toolName];
    if (action === undefined) {
      return options.otherTools === "allow"
        ? { behavior: "allow", updatedInput: input, toolUseID }
        : { behavior: "deny", message: `${toolName} is not mapped to a Loopgate action`, toolUseID };
    }
    const schema = options.toolInputSchemas?.[toolName];
    try {
      const details = (await options.details?.(toolName, input)) ?? {};
      const outcome = await decideToolCall({
        loopgate: options.loopgate,
        publicKeyPem: options.publicKeyPem,
        case: toolCallCase(options.workflow, {
          action,
          args: input,
          // The SDK gives each call its own id and asks again with it after a restart: one case per call.
          idempotencyKey: `claude-agent-sdk:${toolUseID}`,
          toolInputSchema: schema,
          details,
        }),
        revisionOf: changesRequested.get(toolName),
        wait: { timeoutMs: options.timeoutMs, signal },
      });
      changesRequested.delete(toolName);
      if (outcome.kind === "run") {
        return { behavior: "allow", updatedInput: outcome.args as Record<string, unknown>, toolUseID };
      }
      if (outcome.kind === "request_changes") changesRequested.set(toolName, outcome.caseId);
      return { behavior: "deny", message: toolResultText(outcome), toolUseID };
    } catch (err) {
      if (err instanceof DecisionNotVerified) {
        return { behavior: "deny", message: err.message, interrupt: true, toolUseID };
      }
      if (err instanceof DecisionTimeout) {
        return {
          behavior: "deny",
          message: `No decision yet on Loopgate case ${err.caseId}; nothing was run. Ask again later.`,
          toolUseID,
        };
      }
      // Fail closed: Loopgate unreachable or refusing means the call does not run.
      return {
        behavior: "deny",
        message: `Loopgate could not decide this call: ${(err as Error).message}`,
        toolUseID,
      };
    }
  };
}
