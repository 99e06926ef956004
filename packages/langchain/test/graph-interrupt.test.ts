import { Annotation, END, interrupt, MemorySaver, START, StateGraph } from "@langchain/langgraph";
import { DecisionNotVerified, Loopgate } from "@loopgate/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decideNext, ENGINES, startTestServer, type TestServer } from "../../server/test/helpers/server.js";
import {
  type LoopgateCaseRequest,
  LoopgateInterrupts,
  type LoopgateResume,
  loopgateCase,
} from "../src/index.js";

type Payment = { amount: number; to: string };

const State = Annotation.Root({
  payment: Annotation<Payment>,
  outcome: Annotation<LoopgateResume | undefined>,
  receipt: Annotation<string | undefined>,
});

/** A plain LangGraph graph whose pay node asks Loopgate with interrupt() and pays only when told to run. */
function payGraph(checkpointer: MemorySaver, paid: Payment[]) {
  return new StateGraph(State)
    .addNode("pay", async (state) => {
      const d = interrupt<LoopgateCaseRequest, LoopgateResume>(
        loopgateCase({
          workflow: "test.payments",
          action: "pay",
          input: state.payment,
          proposal: state.payment,
          confidence: 0.2,
        }),
      );
      if (!d.run) return { outcome: d };
      paid.push(d.output as Payment);
      return { outcome: d, receipt: `paid ${(d.output as Payment).amount}` };
    })
    .addEdge(START, "pay")
    .addEdge("pay", END)
    .compile({ checkpointer });
}

/**
 * LangGraph's interrupt()/Command({resume}) with Loopgate: the graph stops and its case is opened in
 * one "process" (a graph instance and client), and another instance over the same checkpointer, with
 * its own client, waits for the decision and resumes the thread.
 */
describe.each(ENGINES)("@loopgate/langchain LoopgateInterrupts (%s)", (engine) => {
  let s: TestServer;
  let automation: string;
  let publicKeyPem: string;
  beforeAll(async () => {
    s = await startTestServer(engine);
    automation = (await s.newKey("automation", ["test.payments"])).key;
    ({ publicKeyPem } = await (await s.call("GET", "/v1/decision-key", undefined, automation)).json());
  });
  afterAll(async () => {
    await s.close();
    await s.storage.cleanup();
  });

  /** Stops the graph at its interrupt and opens the case (the first process), then decides it. */
  async function stopAndDecide(decision: Record<string, unknown> | undefined) {
    const checkpointer = new MemorySaver();
    const paidBefore: Payment[] = [];
    const config = { configurable: { thread_id: `thread-${Math.random()}` } };
    const first = payGraph(checkpointer, paidBefore);
    await first.invoke({ payment: { amount: 120, to: "Acme" } }, config);
    expect((await first.getState(config)).tasks[0]?.interrupts).toHaveLength(1);
    const opened = await new LoopgateInterrupts({
      loopgate: new Loopgate({ url: s.url, apiKey: automation }),
      publicKeyPem,
    }).submit(first, config);
    expect(opened).toHaveLength(1);
    const decided = decision ? await decideNext(s, decision) : undefined;
    return { checkpointer, config, opened, decided, paidBefore };
  }

  /** The other process: its own graph instance and client over the same checkpointer. */
  async function resumeElsewhere(
    stopped: Awaited<ReturnType<typeof stopAndDecide>>,
    fetchImpl: typeof fetch = fetch,
  ) {
    const paid: Payment[] = [];
    const gate = new LoopgateInterrupts({
      loopgate: new Loopgate({ url: s.url, apiKey: automation, fetch: fetchImpl }),
      publicKeyPem,
      timeoutMs: 5000,
    });
    try {
      const state = await gate.resume(payGraph(stopped.checkpointer, paid), stopped.config);
      return { paid, state, error: undefined };
    } catch (error) {
      return { paid, state: undefined, error };
    }
  }

  it("approve: another process resumes the thread and the node runs the proposal, once", async () => {
    const stopped = await stopAndDecide({ verdict: "approve" });
    expect(stopped.decided?.status).toBe(201);
    const r = await resumeElsewhere(stopped);
    expect(r.error).toBeUndefined();
    expect(r.paid).toEqual([{ amount: 120, to: "Acme" }]);
    expect(stopped.paidBefore).toEqual([]);
    expect(r.state?.outcome).toMatchObject({
      verdict: "approve",
      caseId: stopped.opened[0]?.caseId,
      run: true,
    });
  });

  it("edit: the node runs the reviewer's arguments", async () => {
    const stopped = await stopAndDecide({
      verdict: "edit",
      output: { amount: 80, to: "Acme" },
      reasonCode: "wrong_amount",
    });
    const r = await resumeElsewhere(stopped);
    expect(r.paid).toEqual([{ amount: 80, to: "Acme" }]);
  });

  it("reject: the node is resumed with the reason and retry: false, and pays nothing", async () => {
    const stopped = await stopAndDecide({ verdict: "reject", reasonCode: "wrong_payee", note: "unknown" });
    const r = await resumeElsewhere(stopped);
    expect(r.paid).toEqual([]);
    expect(r.state?.outcome).toMatchObject({
      verdict: "reject",
      reasonCode: "wrong_payee",
      run: false,
      retry: false,
    });
  });

  it("submitting the same interrupt again finds the same case", async () => {
    const stopped = await stopAndDecide(undefined);
    const graph = payGraph(stopped.checkpointer, []);
    const again = await new LoopgateInterrupts({
      loopgate: new Loopgate({ url: s.url, apiKey: automation }),
      publicKeyPem,
    }).submit(graph, stopped.config);
    expect(again).toEqual(stopped.opened);
    expect((await decideNext(s, { verdict: "approve" })).status).toBe(201);
    expect((await s.call("POST", "/v1/queue/claim", {})).status).not.toBe(200);
  });

  it("a decision altered on the way is refused: the thread is not resumed and nothing runs", async () => {
    const stopped = await stopAndDecide({
      verdict: "edit",
      output: { amount: 80, to: "Acme" },
      reasonCode: "wrong_amount",
    });
    const tampering: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      if (!String(input).includes("/decision")) return res;
      const body = (await res.json()) as { output?: Record<string, unknown> };
      if (body.output) body.output = { ...body.output, amount: 9000 };
      return new Response(JSON.stringify(body), { status: res.status, headers: res.headers });
    };
    const r = await resumeElsewhere(stopped, tampering);
    expect(r.error).toBeInstanceOf(DecisionNotVerified);
    expect(r.paid).toEqual([]);
    // Still stopped at the interrupt: a genuine decision can resume it later.
    const ok = await resumeElsewhere(stopped);
    expect(ok.paid).toEqual([{ amount: 80, to: "Acme" }]);
  });

  // The contract's new verdict: passes once the server records respond.
  it("respond: the node gets the person's answer and runs nothing", async () => {
    const stopped = await stopAndDecide({ verdict: "respond", output: { paidAlready: true } });
    expect(stopped.decided?.status).toBe(201);
    const r = await resumeElsewhere(stopped);
    expect(r.paid).toEqual([]);
    expect(r.state?.outcome).toMatchObject({ verdict: "respond", run: false, answer: { paidAlready: true } });
  });
});
