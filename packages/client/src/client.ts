import {
  ChangesRequested,
  DecisionTimeout,
  HumanOwned,
  LoopgateApiError,
  Overridden,
  type Problem,
  Rejected,
  Responded,
} from "./errors.js";
import type { CaseInput, Decision, Revised, RevisionInput, Submitted } from "./types.js";

export interface LoopgateOptions {
  /** Base URL of the Loopgate server, e.g. "http://localhost:8080". */
  url: string;
  /** An API key with the automation role. */
  apiKey: string;
  /** Defaults to the global fetch (Node >= 20, browsers, Deno, Bun). */
  fetch?: typeof fetch;
}

export interface WaitOptions {
  /** Give up after this long (default 10 minutes) with a DecisionTimeout; the case stays pending. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** Longest single long-poll; the SDK chains them until its own timeout. */
const MAX_POLL_SECONDS = 30;

/**
 * The Loopgate client: ask before acting.
 *
 * @example
 * ```ts
 * import { Loopgate } from "@loopgate/client";
 * const loopgate = new Loopgate({ url: "http://localhost:8080", apiKey: process.env.LOOPGATE_KEY! });
 * await loopgate.gate(
 *   { workflow: "invoice.approve", action: "pay", input: invoice, proposal: payment, confidence: 0.93 },
 *   async (payment) => bank.pay(payment), // runs only when approved (or with the reviewer's edits)
 * );
 * ```
 */
export class Loopgate {
  private readonly base: string;
  private readonly fetchImpl: typeof fetch;

  constructor(private readonly options: LoopgateOptions) {
    if (!options?.url) throw new TypeError("Loopgate: `url` is required, e.g. http://localhost:8080");
    if (!options.apiKey) throw new TypeError("Loopgate: `apiKey` is required (an automation key)");
    this.base = options.url.replace(/\/+$/, "");
    this.fetchImpl = options.fetch ?? globalThis.fetch;
  }

  /**
   * Submits a case. Resolves once the server has stored it durably, with the route the policy chose.
   *
   * @example
   * ```ts
   * const { id, route } = await loopgate.submit({ workflow: "support.reply", action: "send_reply",
   *   input: { message }, proposal: { text: draft }, confidence: 0.88, idempotencyKey: ticket.id });
   * ```
   */
  async submit(input: CaseInput): Promise<Submitted> {
    const res = await this.request("POST", "/v1/cases", input);
    return (await res.json()) as Submitted;
  }

  /**
   * Revises a case a reviewer asked changes on (verdict `request_changes`, their feedback in the
   * decision's `note`): a new case, linked to it, in the same workflow and action, which a person
   * reviews. Only the key that submitted the case may revise it, once per request for changes; sending
   * the same revision again returns the same case.
   *
   * @example
   * ```ts
   * const decision = await loopgate.waitForDecision(id);
   * if (decision.verdict === "request_changes") {
   *   const next = await loopgate.revise(id, { proposal: redraft(decision.note), confidence: 0.8 });
   *   const again = await loopgate.waitForDecision(next.id);
   * }
   * ```
   */
  async revise<Proposal = unknown>(caseId: string, revision: RevisionInput<Proposal>): Promise<Revised> {
    const res = await this.request("POST", `/v1/cases/${encodeURIComponent(caseId)}/revisions`, revision);
    return (await res.json()) as Revised;
  }

  /**
   * Waits for the decision on a case (long-polls the server). Resolves at once for auto-routed cases.
   * Throws DecisionTimeout when none arrives within `timeoutMs`. A decision with `humanOwned: true` (a
   * human_only action) is a person's record of what they did, never something for you to run.
   *
   * @example
   * ```ts
   * const decision = await loopgate.waitForDecision(id, { timeoutMs: 60_000 });
   * if (!decision.humanOwned && decision.verdict !== "reject") await send(decision.output);
   * ```
   */
  async waitForDecision<Output = unknown>(caseId: string, opts: WaitOptions = {}): Promise<Decision<Output>> {
    const deadline = Date.now() + (opts.timeoutMs ?? 10 * 60_000);
    for (;;) {
      opts.signal?.throwIfAborted();
      const left = Math.max(0, Math.floor((deadline - Date.now()) / 1000));
      const wait = Math.min(MAX_POLL_SECONDS, left);
      const res = await this.request(
        "GET",
        `/v1/cases/${encodeURIComponent(caseId)}/decision?waitSeconds=${wait}`,
        undefined,
        opts.signal,
      );
      const body = (await res.json()) as Decision<Output>;
      if (res.status === 200 && body.status === "decided") return body;
      if (Date.now() >= deadline || wait === 0) throw new DecisionTimeout(caseId);
    }
  }

  /**
   * Submits a case and runs `run` only if a person (or the policy) approves it, with the approved
   * output: the proposal as is, the reviewer's edited version, or, on active-learning and
   * preference-ranking workflows, the reviewer's label (`LabelOutput`) or ranking (`RankOutput`). A
   * rejection throws `Rejected`; an override throws `Overridden` (its output is the human's own
   * decision, for you to act on instead); a respond throws `Responded` (the person's answer, in place of
   * what `run` would return); a request for changes throws `ChangesRequested` (revise with `revise`).
   *
   * `Output` is what `run` receives; it defaults to the proposal's type. On a workflow whose reviewers
   * label or rank, type it as the union, e.g. `gate<Triage, void, Triage | LabelOutput>(...)`.
   *
   * An action whose policy boundary is `human_only` is a person's to do, never the machine's: `run` is
   * never called for it, whatever the decision says. When the person records that they did it (verdict
   * `done`), `gate()` throws `HumanOwned` with their record in `err.decision.output` (your proposal is
   * never handed back); when they decline, it throws `Rejected` (with `decision.humanOwned` true).
   *
   * @example
   * ```ts
   * try {
   *   await loopgate.gate(caseInput, (reply) => mailer.send(reply));
   * } catch (err) {
   *   if (err instanceof Rejected) log.info("a person stopped it", err.decision.reasonCode);
   *   else throw err;
   * }
   * ```
   *
   * @example A human_only action: the automation prepares, a person acts, the automation records it.
   * ```ts
   * try {
   *   await loopgate.gate({ ...caseInput, action: "close_account" }, () => {
   *     throw new Error("never called: a person closes accounts");
   *   });
   * } catch (err) {
   *   if (err instanceof HumanOwned) await ledger.record(err.decision.output, err.decision.note);
   *   else if (err instanceof Rejected) log.info("the person declined", err.decision.reasonCode);
   *   else throw err;
   * }
   * ```
   */
  async gate<Proposal, Result, Output = Proposal>(
    input: CaseInput<Proposal>,
    run: (output: Output, decision: Decision<Output>) => Result | Promise<Result>,
    opts: WaitOptions = {},
  ): Promise<Result> {
    const submitted = await this.submit(input);
    const decision = await this.waitForDecision<Output>(submitted.id, opts);
    // Every sign of a person's action counts (the submit's route, the decision's route, its flag, a done
    // verdict), so a server or decision that forgets one still never gets the proposal run.
    const humanOwned =
      submitted.route === "human_only" ||
      decision.route === "human_only" ||
      decision.humanOwned === true ||
      decision.verdict === "done";
    if (humanOwned) {
      if (decision.verdict === "reject") throw new Rejected(decision);
      throw new HumanOwned(decision);
    }
    switch (decision.verdict) {
      case "approve":
      case "edit":
      case "label":
      case "rank":
        return run(decision.output, decision);
      case "reject":
        throw new Rejected(decision);
      case "respond":
        throw new Responded(decision);
      case "request_changes":
        throw new ChangesRequested(decision);
      default:
        throw new Overridden(decision);
    }
  }

  private async request(
    method: string,
    path: string,
    body?: unknown,
    signal?: AbortSignal,
  ): Promise<Response> {
    const res = await this.fetchImpl(this.base + path, {
      method,
      headers: {
        authorization: `Bearer ${this.options.apiKey}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
    });
    if (res.ok) return res;
    let problem: Problem;
    try {
      problem = (await res.json()) as Problem;
    } catch {
      problem = { type: "about:blank", title: res.statusText || "Error", status: res.status, detail: "" };
    }
    throw new LoopgateApiError(res.status, problem);
  }
}
