import { Loopgate, type LoopgateOptions } from "./client.js";
import { verifyDecision } from "./decision-signature.js";
import type { CaseInput, Decision, Submitted } from "./types.js";

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

/** One tool call as a case: what the adapter knows of it. */
export interface ToolCall {
  /** The workflow action, usually the tool's name. */
  action: string;
  /** The arguments the model gave: the case's proposal, and what runs on approve. */
  args: unknown;
  /** The tool's JSON Schema for its arguments: Loopgate refuses an edit that breaks it. */
  toolInputSchema?: Record<string, unknown>;
  /**
   * Makes a second submission of the same call (the adapter asking again after a restart, or once to
   * pause and once to run) find the same case and its decision instead of opening another.
   */
  idempotencyKey: string;
  /** The rest of the case; `input` defaults to the arguments, `confidence` to 0 (the policy decides). */
  details?: ToolCallDetails;
}

/** What the model knows about a call beyond its arguments, for the reviewer and the policy. */
export interface ToolCallDetails {
  input?: Record<string, unknown>;
  confidence?: number;
  rationale?: string;
  subject?: string;
  context?: Record<string, unknown>;
  evidence?: unknown[];
  riskClass?: string;
}

/**
 * What the model is told when the tool did not run. `retry` says whether asking again makes sense: false
 * for a rejection (so the agent stops re-asking), true when the reviewer asked for changes.
 */
export interface NotRunResult {
  status: "rejected" | "changes_requested" | "not_run";
  caseId: string;
  verdict: string;
  reasonCode: string | null;
  note: string | null;
  retry: boolean;
}

/**
 * The one decision model under every adapter:
 * - `run`: approve (the proposal as it was) or edit (the reviewer's arguments): run the tool with `args`;
 * - `answer`: respond: the person's answer is the tool's result, the tool never runs;
 * - `not_run`: reject, request_changes, or anything else (a human-only action, an override): the tool
 *   never runs and `result` goes back to the model.
 */
export type ToolCallOutcome =
  | { kind: "run"; args: unknown; decision: Decision; caseId: string }
  | { kind: "answer"; answer: unknown; decision: Decision; caseId: string }
  | { kind: "not_run"; result: NotRunResult; decision: Decision; caseId: string };

/** A decision that is not Loopgate's for this case, action and arguments: nothing runs. */
export class DecisionNotVerified extends Error {
  constructor(
    readonly caseId: string,
    readonly decision: unknown,
  ) {
    super(
      `the decision for case ${caseId} is not signed by Loopgate for this case, action and output: the tool does not run`,
    );
    this.name = "DecisionNotVerified";
  }
}

/**
 * Turns a tool call into a Loopgate case and the decision into what an adapter does with the call,
 * after checking the decision's signature. The adapters for agent frameworks are thin layers over it.
 *
 * @example
 * ```ts
 * const gate = new ToolGate({ loopgate: { url, apiKey }, workflow: "assistant.tools", publicKeyPem });
 * const outcome = await gate.decide({ action: "send_email", args, idempotencyKey: `call:${callId}` });
 * if (outcome.kind === "run") await sendEmail(outcome.args);
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

  /** Submits the call as a case (the same case again for the same idempotency key and arguments). */
  submit(call: ToolCall): Promise<Submitted> {
    return this.client.submit(this.caseOf(call));
  }

  /**
   * Submits the call (or finds its case), waits for the decision, verifies it and says what to do.
   * Throws `DecisionNotVerified` for a decision that fails the check, and `DecisionTimeout` when no
   * one decided in time: in both cases nothing may run.
   */
  async decide(call: ToolCall, opts: { signal?: AbortSignal } = {}): Promise<ToolCallOutcome> {
    const submitted = await this.submit(call);
    const caseId = submitted.id;
    const decision = await this.client.waitForDecision(caseId, {
      timeoutMs: this.options.timeoutMs,
      signal: opts.signal,
    });
    const verdict: string = decision.verdict;
    // An approval runs the arguments the model proposed, so those are what the signature must cover.
    const output = verdict === "approve" ? call.args : decision.output;
    const publicKeyPem = await this.publicKey();
    const genuine =
      decision.workflow === this.options.workflow &&
      verifyDecision(decision, { publicKeyPem, caseId, action: call.action, output });
    if (!genuine) throw new DecisionNotVerified(caseId, decision);

    const humanOwned =
      submitted.route === "human_only" ||
      decision.route === "human_only" ||
      decision.humanOwned === true ||
      verdict === "done";
    if (!humanOwned && (verdict === "approve" || verdict === "edit")) {
      return { kind: "run", args: output, decision, caseId };
    }
    if (!humanOwned && verdict === "respond") return { kind: "answer", answer: output, decision, caseId };
    const status =
      verdict === "reject" ? "rejected" : verdict === "request_changes" ? "changes_requested" : "not_run";
    const result: NotRunResult = {
      status,
      caseId,
      verdict,
      reasonCode: decision.reasonCode ?? null,
      note: decision.note ?? null,
      retry: status === "changes_requested",
    };
    return { kind: "not_run", result, decision, caseId };
  }

  private caseOf(call: ToolCall): CaseInput {
    const d = call.details ?? {};
    const input = d.input ?? (isRecord(call.args) ? call.args : { arguments: call.args });
    return {
      workflow: this.options.workflow,
      action: call.action,
      input,
      proposal: call.args,
      confidence: d.confidence ?? 0,
      idempotencyKey: call.idempotencyKey,
      ...(d.rationale === undefined ? {} : { rationale: d.rationale }),
      ...(d.subject === undefined ? {} : { subject: d.subject }),
      ...(d.context === undefined ? {} : { context: d.context }),
      ...(d.evidence === undefined ? {} : { evidence: d.evidence }),
      ...(d.riskClass === undefined ? {} : { riskClass: d.riskClass }),
      ...(call.toolInputSchema === undefined ? {} : { toolInputSchema: call.toolInputSchema }),
    };
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

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
