import { Command, type Interrupt } from "@langchain/langgraph";
import {
  decideToolCall,
  type Loopgate,
  type ToolCallDetails,
  type ToolOutcome,
  toolCallCase,
  toolResultText,
} from "@loopgate/client";
import type { ActionRequest, Decision, HITLRequest, HITLResponse, ReviewConfig } from "langchain";

export interface LoopgateHitlOptions {
  loopgate: Loopgate;
  /** The server's decision key, pinned (`GET /v1/decision-key` once, stored with your config). */
  publicKeyPem: string;
  /** The workflow whose policy decides these tools' calls. */
  workflow: string;
  /** Each interrupted tool, by name, to the workflow action its calls become. */
  actions: Record<string, string>;
  /**
   * The rest of the case for a call: the source input (default: the arguments), the confidence
   * (default 0: a tool call claims none, so the policy's thresholds send it to a person), a rationale…
   */
  details?: (action: ActionRequest) => ToolCallDetails | Promise<ToolCallDetails>;
  /** Each tool's JSON Schema, sent as the case's `toolInputSchema` so an edit that breaks it is refused. */
  toolInputSchemas?: Record<string, Record<string, unknown>>;
  /** How long to wait for each decision (default 10 minutes); then `DecisionTimeout`, the case stays. */
  timeoutMs?: number;
}

/** A graph or agent that can be invoked and resumed (`createAgent(...)`, a compiled `StateGraph`). */
interface Resumable<State> {
  invoke(input: unknown, config: { configurable: { thread_id: string } }): Promise<State>;
}

/**
 * Loopgate as the person behind LangChain's `humanInTheLoopMiddleware`: each interrupted tool call
 * becomes a case, and the Loopgate decision, its signature checked with the pinned key, becomes the
 * middleware's decision:
 * - approve → `{type:"approve"}`; edit → `{type:"edit", editedAction:{name, args}}` with the
 *   reviewer's arguments;
 * - reject → `{type:"reject", message}` with `{verdict:"reject", reasonCode, note, retry:false}`;
 * - respond → `{type:"reject", message: <the person's answer>}`: the middleware's way to answer a call
 *   with a ToolMessage without running it (LangChain JS has no respond decision; the message's status
 *   is "error", as for every call the middleware does not run);
 * - request_changes → `{type:"reject", message}` with `{verdict:"request_changes", feedback,
 *   retry:true}`; the model's next call of that tool on the thread is filed as a revision.
 * A decision whose signature fails throws `DecisionNotVerified`, and the agent is not resumed.
 *
 * @example
 * ```ts
 * const agent = createAgent({ model, tools: [pay], checkpointer,
 *   middleware: [humanInTheLoopMiddleware({ interruptOn: { pay: true } })] });
 * const gate = new LoopgateHitl({ loopgate, publicKeyPem, workflow: "invoice.approve", actions: { pay: "pay" } });
 * const config = { configurable: { thread_id: invoice.id } };
 * const state = await gate.run(agent, { messages: [{ role: "user", content: "Pay invoice 42" }] }, config);
 * ```
 */
export class LoopgateHitl {
  // The case of each tool's last request_changes per thread, so the model's next try is its revision.
  private readonly changesRequested = new Map<string, string>();

  constructor(private readonly options: LoopgateHitlOptions) {
    if (!options?.loopgate) throw new TypeError("LoopgateHitl: `loopgate` (a Loopgate client) is required");
    if (!options.publicKeyPem)
      throw new TypeError("LoopgateHitl: `publicKeyPem` (the pinned key) is required");
    if (!options.workflow) throw new TypeError("LoopgateHitl: `workflow` is required");
  }

  /**
   * Invokes the agent, then answers each of its interrupts from Loopgate and resumes it with
   * `Command({resume})` until it finishes. Needs a checkpointer on the agent and a `thread_id`.
   */
  async run<State extends { __interrupt__?: Interrupt[] }>(
    agent: Resumable<State>,
    input: unknown,
    config: { configurable: { thread_id: string } },
  ): Promise<State> {
    let state = await agent.invoke(input, config);
    for (;;) {
      const pending = state.__interrupt__ ?? [];
      if (pending.length === 0) return state;
      const threadId = config.configurable.thread_id;
      const answers = await Promise.all(pending.map((i) => this.respond(i, threadId)));
      const resume =
        pending.length === 1
          ? answers[0]
          : Object.fromEntries(pending.map((i, n) => [i.id as string, answers[n]]));
      state = await agent.invoke(new Command({ resume }), config);
    }
  }

  /**
   * The `HITLResponse` for one of the middleware's interrupts, from Loopgate's decisions (submitting
   * the cases, or finding them again: asking twice for the same interrupt opens no second case).
   */
  async respond(pending: Interrupt, threadId: string): Promise<HITLResponse> {
    const request = pending.value as HITLRequest;
    if (!Array.isArray(request?.actionRequests)) {
      throw new TypeError(
        "LoopgateHitl: this interrupt is not humanInTheLoopMiddleware's (no actionRequests)",
      );
    }
    const decisions = await Promise.all(
      request.actionRequests.map((action, i) =>
        this.decide(action, request.reviewConfigs?.[i], `langchain:${threadId}:${pending.id}:${i}`, threadId),
      ),
    );
    return { decisions };
  }

  private async decide(
    action: ActionRequest,
    review: ReviewConfig | undefined,
    idempotencyKey: string,
    threadId: string,
  ): Promise<Decision> {
    const o = this.options;
    const mapped = o.actions[action.name];
    if (mapped === undefined) {
      return allowed(
        { type: "reject", message: `${action.name} is not mapped to a Loopgate action` },
        review,
      );
    }
    const details = (await o.details?.(action)) ?? {};
    const revisionKey = `${threadId}\u0000${action.name}`;
    const outcome: ToolOutcome = await decideToolCall({
      loopgate: o.loopgate,
      publicKeyPem: o.publicKeyPem,
      case: toolCallCase(o.workflow, {
        action: mapped,
        args: action.args,
        idempotencyKey,
        toolInputSchema: o.toolInputSchemas?.[action.name],
        details,
      }),
      revisionOf: this.changesRequested.get(revisionKey),
      wait: { timeoutMs: o.timeoutMs },
    });
    this.changesRequested.delete(revisionKey);
    if (outcome.kind === "run") {
      return allowed(
        outcome.decision.verdict === "approve"
          ? { type: "approve" }
          : {
              type: "edit",
              editedAction: { name: action.name, args: outcome.args as Record<string, unknown> },
            },
        review,
      );
    }
    if (outcome.kind === "request_changes") this.changesRequested.set(revisionKey, outcome.caseId);
    return allowed({ type: "reject", message: toolResultText(outcome) }, review);
  }
}

/** The middleware throws on a decision type the tool's config does not allow: say so before resuming. */
function allowed(decision: Decision, review: ReviewConfig | undefined): Decision {
  if (review && !review.allowedDecisions.includes(decision.type)) {
    throw new Error(
      `Loopgate decided "${decision.type}" for ${review.actionName}, which its interruptOn config does not allow; ` +
        `allow ${JSON.stringify(decision.type)} in allowedDecisions (Loopgate's reviewers decide, the config only relays)`,
    );
  }
  return decision;
}
