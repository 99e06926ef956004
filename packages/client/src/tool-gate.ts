import { Loopgate, type LoopgateOptions } from "./client.js";
import {
  decideToolCall,
  revisionInputOf,
  type ToolCall,
  type ToolOutcome,
  toolCallCase,
} from "./tool-decision.js";
import type { Submitted } from "./types.js";

/** How a framework adapter reaches Loopgate and checks what it answers. */
export interface ToolGateOptions {
  /** The server and an automation key (`fetch` too, e.g. to go through a proxy). */
  loopgate: LoopgateOptions;
  /** The workflow every gated tool call is a case of, e.g. "assistant.tools". */
  workflow: string;
  /**
   * The decision key to pin (`GET /v1/decision-key` or `loopgate audit public-key`, kept in your
   * configuration). Every decision is verified with it before anything runs.
   */
  publicKeyPem?: string;
  /**
   * Opt in to fetching the key once from the server instead of pinning it. Weaker: whoever can answer
   * in the server's place can then hand over their own key with their own decisions.
   */
  fetchDecisionKey?: boolean;
  /** Longest wait for a person's decision (default 10 minutes); then the call fails, nothing runs. */
  timeoutMs?: number;
}

/**
 * `decideToolCall` for adapters that hold one configuration for many calls (the AI SDK's tools, OpenAI
 * Agents' tools and interruptions): it keeps the client, the workflow and the key (pinned, or fetched
 * once on explicit opt-in), and builds each call's case the same way every time, so the pause and the
 * resumed execute find the same case by its idempotency key.
 *
 * @example
 * ```ts
 * const gate = new ToolGate({ loopgate: { url, apiKey }, workflow: "assistant.tools", publicKeyPem });
 * const outcome = await gate.decide({ action: "send_email", args, idempotencyKey: `call:${callId}` });
 * if (outcome.kind === "run") await sendEmail(outcome.args);
 * else return toolResult(outcome);
 * ```
 */
export class ToolGate {
  private readonly client: Loopgate;
  private key: Promise<string> | undefined;

  constructor(private readonly options: ToolGateOptions) {
    if (!options?.workflow) throw new TypeError("Loopgate tool gate: `workflow` is required");
    if (!options.publicKeyPem && options.fetchDecisionKey !== true) {
      throw new TypeError(
        "Loopgate tool gate: pass `publicKeyPem` (pin GET /v1/decision-key), or opt in with `fetchDecisionKey: true`",
      );
    }
    this.client = new Loopgate(options.loopgate);
    if (options.publicKeyPem) this.key = Promise.resolve(options.publicKeyPem);
  }

  /**
   * Submits the call as a case (the same case again for the same idempotency key and arguments), or,
   * with `revisionOf`, as that case's revision (the same revision again: the server derives its
   * idempotency from the case it revises), without waiting for the decision.
   */
  submit(call: ToolCall, opts: { revisionOf?: string } = {}): Promise<Submitted> {
    const body = toolCallCase(this.options.workflow, call);
    return opts.revisionOf === undefined
      ? this.client.submit(body)
      : this.client.revise(opts.revisionOf, revisionInputOf(body));
  }

  /**
   * Submits the call (or finds its case), waits for the decision, verifies it and says what to do. With
   * `revisionOf` (a case of this key whose reviewer asked for changes), the call is filed as its revision.
   * Throws `DecisionNotVerified` for a decision that fails the check, and `DecisionTimeout` when no
   * one decided in time: in both cases nothing may run.
   */
  async decide(
    call: ToolCall,
    opts: { signal?: AbortSignal; revisionOf?: string } = {},
  ): Promise<ToolOutcome> {
    return decideToolCall({
      loopgate: this.client,
      publicKeyPem: await this.publicKey(),
      case: toolCallCase(this.options.workflow, call),
      wait: { timeoutMs: this.options.timeoutMs, signal: opts.signal },
      ...(opts.revisionOf !== undefined && { revisionOf: opts.revisionOf }),
    });
  }

  /** The pinned key, or the server's, fetched once (again after a failed fetch) when opted in. */
  private publicKey(): Promise<string> {
    if (!this.key) {
      this.key = this.fetchKey().catch((err: unknown) => {
        this.key = undefined;
        throw err;
      });
    }
    return this.key;
  }

  private async fetchKey(): Promise<string> {
    const { url, apiKey, fetch: fetchImpl = globalThis.fetch } = this.options.loopgate;
    const res = await fetchImpl(`${url.replace(/\/+$/, "")}/v1/decision-key`, {
      headers: { authorization: `Bearer ${apiKey}` },
    });
    const body = (await res.json()) as { publicKeyPem?: unknown };
    if (!res.ok || typeof body.publicKeyPem !== "string") {
      throw new Error(`Loopgate: GET /v1/decision-key answered ${res.status} without a key`);
    }
    return body.publicKeyPem;
  }
}
