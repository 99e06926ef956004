import { Command, type Interrupt } from "@langchain/langgraph";
import { type CaseInput, decideToolCall, type Loopgate, type ToolOutcome } from "@loopgate/client";

/** What a node passes to `interrupt()` to ask Loopgate: the case, marked as Loopgate's. */
export interface LoopgateCaseRequest {
  loopgateCase: Omit<CaseInput, "idempotencyKey">;
}

/** What `interrupt()` returns to the node once Loopgate decided (plain JSON, so it checkpoints). */
export type LoopgateResume =
  | { verdict: "approve" | "edit"; caseId: string; run: true; output: unknown }
  | { verdict: "respond"; caseId: string; run: false; answer: unknown }
  | {
      verdict: "reject";
      caseId: string;
      run: false;
      reasonCode: string | null;
      note: string | null;
      retry: false;
    }
  | { verdict: "request_changes"; caseId: string; run: false; feedback: string; retry: true };

/**
 * The value to `interrupt()` with inside a node to ask Loopgate. The node gets a `LoopgateResume`
 * back, whose signature was checked before the graph resumed; run only when `run` is true, with `output`.
 *
 * @example
 * ```ts
 * const payNode = async (state: typeof State.State) => {
 *   const d = interrupt<LoopgateCaseRequest, LoopgateResume>(loopgateCase({ workflow: "invoice.approve",
 *     action: "pay", input: state.invoice, proposal: state.payment, confidence: state.confidence }));
 *   if (d.run) return { receipt: await bank.pay(d.output) };
 *   return { outcome: d };
 * };
 * ```
 */
export function loopgateCase(c: Omit<CaseInput, "idempotencyKey">): LoopgateCaseRequest {
  return { loopgateCase: c };
}

/** A compiled graph with a checkpointer: its pending interrupts can be read and resumed anywhere. */
interface CheckpointedGraph<State> {
  invoke(input: unknown, config: { configurable: { thread_id: string } }): Promise<State>;
  getState(config: {
    configurable: { thread_id: string };
  }): Promise<{ tasks: readonly { interrupts?: Interrupt[] }[] }>;
}

export interface LoopgateInterruptsOptions {
  loopgate: Loopgate;
  /** The server's decision key, pinned (`GET /v1/decision-key`). */
  publicKeyPem: string;
  /** How long `resume` waits for each decision (default 10 minutes); then `DecisionTimeout`. */
  timeoutMs?: number;
}

/**
 * Turns a LangGraph graph's `interrupt(loopgateCase(...))` into Loopgate cases, and resumes the thread
 * with `Command({resume})` once they are decided. Both steps read the pending interrupts from the
 * graph's checkpointer, so the process that resumes need not be the one that ran: `submit` where the
 * graph stopped, `resume` in a worker (or a webhook handler) that compiled the same graph over the same
 * checkpointer. The interrupt's id makes the case's idempotency key: asking twice opens one case.
 *
 * @example
 * ```ts
 * const gate = new LoopgateInterrupts({ loopgate, publicKeyPem });
 * await graph.invoke({ invoice }, config);       // stops at the interrupt
 * await gate.submit(graph, config);              // the case is open; this process may exit
 * // later, anywhere with the same checkpointer:
 * const state = await gate.resume(graph, config);
 * ```
 */
export class LoopgateInterrupts {
  constructor(private readonly options: LoopgateInterruptsOptions) {
    if (!options?.loopgate)
      throw new TypeError("LoopgateInterrupts: `loopgate` (a Loopgate client) is required");
    if (!options.publicKeyPem)
      throw new TypeError("LoopgateInterrupts: `publicKeyPem` (the pinned key) is required");
  }

  /** Opens (or finds again) the case of each Loopgate interrupt pending on the thread. */
  async submit<State>(
    graph: CheckpointedGraph<State>,
    config: { configurable: { thread_id: string } },
  ): Promise<{ interruptId: string; caseId: string }[]> {
    const pending = await pendingCases(graph, config);
    return Promise.all(
      pending.map(async (p) => ({
        interruptId: p.id,
        caseId: (await this.options.loopgate.submit(p.case)).id,
      })),
    );
  }

  /**
   * Waits for the decision of each Loopgate interrupt pending on the thread, checks each signature
   * (a forged or altered decision throws `DecisionNotVerified` and the graph is not resumed), then
   * resumes the thread with them. Returns the graph's new state (it may stop at further interrupts).
   */
  async resume<State>(
    graph: CheckpointedGraph<State>,
    config: { configurable: { thread_id: string } },
  ): Promise<State> {
    const pending = await pendingCases(graph, config);
    if (pending.length === 0)
      throw new Error(`no Loopgate interrupt is pending on thread ${config.configurable.thread_id}`);
    const answers = await Promise.all(
      pending.map(async (p) =>
        resumeOf(
          await decideToolCall({
            loopgate: this.options.loopgate,
            publicKeyPem: this.options.publicKeyPem,
            case: p.case,
            wait: { timeoutMs: this.options.timeoutMs },
          }),
        ),
      ),
    );
    const resume =
      pending.length === 1 ? answers[0] : Object.fromEntries(pending.map((p, i) => [p.id, answers[i]]));
    return graph.invoke(new Command({ resume }), config);
  }
}

async function pendingCases<State>(
  graph: CheckpointedGraph<State>,
  config: { configurable: { thread_id: string } },
) {
  const snapshot = await graph.getState(config);
  const out: { id: string; case: CaseInput }[] = [];
  for (const task of snapshot.tasks) {
    for (const i of task.interrupts ?? []) {
      const asked = (i.value as Partial<LoopgateCaseRequest> | undefined)?.loopgateCase;
      if (!asked || typeof i.id !== "string") continue;
      out.push({
        id: i.id,
        case: { ...asked, idempotencyKey: `langgraph:${config.configurable.thread_id}:${i.id}` },
      });
    }
  }
  return out;
}

function resumeOf(o: ToolOutcome): LoopgateResume {
  switch (o.kind) {
    case "run":
      return {
        verdict: o.decision.verdict === "approve" ? "approve" : "edit",
        caseId: o.caseId,
        run: true,
        output: o.args,
      };
    case "respond":
      return { verdict: "respond", caseId: o.caseId, run: false, answer: o.answer };
    case "reject":
      return {
        verdict: "reject",
        caseId: o.caseId,
        run: false,
        reasonCode: o.reasonCode,
        note: o.note,
        retry: false,
      };
    case "request_changes":
      return { verdict: "request_changes", caseId: o.caseId, run: false, feedback: o.feedback, retry: true };
  }
}
