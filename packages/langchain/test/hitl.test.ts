import { AIMessage, type BaseMessage, ToolMessage } from "@langchain/core/messages";
import { fakeModel } from "@langchain/core/testing";
import { MemorySaver } from "@langchain/langgraph";
import { type Decision, DecisionNotVerified, Loopgate } from "@loopgate/client";
import { createAgent, humanInTheLoopMiddleware, tool } from "langchain";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import {
  decideNext,
  ENGINES,
  type JsonResponse,
  payment,
  startTestServer,
  type TestServer,
} from "../../server/test/helpers/server.js";
import { LoopgateHitl } from "../src/index.js";

/**
 * LangChain's real agent loop (`createAgent` + `humanInTheLoopMiddleware`, a checkpointer, the
 * scripted `fakeModel` from @langchain/core/testing) with Loopgate as the person: a real server, a
 * reviewer deciding through its API.
 */
describe.each(ENGINES)("@loopgate/langchain LoopgateHitl (%s)", (engine) => {
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

  const lastToolMessage = (messages: BaseMessage[]) =>
    [...messages].reverse().find((m): m is ToolMessage => ToolMessage.isInstance(m));

  /** The stand-in model: calls pay, then asks again when the result invites it (`retry: true`). */
  function scriptedModel(second: { amount: number; to: string } = { amount: 120, to: "Acme" }) {
    const afterResult = (messages: BaseMessage[]) => {
      const result = lastToolMessage(messages);
      // Only a request for changes invites another try; a reject says retry:false, and a respond is
      // the answer itself.
      const refusedRetryable = result?.status === "error" && String(result.content).includes('"retry":true');
      return refusedRetryable
        ? new AIMessage({
            content: "",
            tool_calls: [{ name: "pay", args: second, id: `call_${Math.random()}` }],
          })
        : new AIMessage("done");
    };
    return fakeModel()
      .respondWithTools([{ name: "pay", args: { amount: 120, to: "Acme" } }])
      .respond(afterResult)
      .respond(afterResult);
  }

  /** One agent run through Loopgate while a reviewer records `decisions` in turn. */
  async function run(opts: {
    decisions: Record<string, unknown>[];
    fetch?: typeof fetch;
    second?: { amount: number; to: string };
  }) {
    const paid: unknown[] = [];
    const pay = tool(
      async (args: { amount: number; to: string }) => {
        paid.push(args);
        return `paid ${args.amount} to ${args.to}`;
      },
      {
        name: "pay",
        description: "Pay a supplier",
        schema: z.object({ amount: z.number(), to: z.string() }),
      },
    );
    const submitted: string[] = [];
    const recording: typeof fetch = async (input, init) => {
      if (init?.method === "POST") submitted.push(new URL(String(input)).pathname);
      return (opts.fetch ?? fetch)(input, init);
    };
    const model = scriptedModel(opts.second);
    const agent = createAgent({
      model,
      tools: [pay],
      checkpointer: new MemorySaver(),
      middleware: [humanInTheLoopMiddleware({ interruptOn: { pay: true } })],
    });
    const gate = new LoopgateHitl({
      loopgate: new Loopgate({ url: s.url, apiKey: automation, fetch: recording }),
      publicKeyPem,
      workflow: "test.payments",
      actions: { pay: "pay" },
      timeoutMs: 8000,
    });
    const config = { configurable: { thread_id: `thread-${Math.random()}` } };
    const running = gate.run(agent, { messages: [{ role: "user", content: "Pay Acme's invoice" }] }, config);
    const decided: JsonResponse[] = [];
    let error: unknown;
    let state: Awaited<typeof running> | undefined;
    try {
      for (const d of opts.decisions) {
        const res = await decideNext(s, d);
        decided.push(res);
        if (res.status !== 201) break;
      }
      state = await running;
    } catch (err) {
      error = err;
    }
    await running.catch(() => undefined);
    return { paid, state, error, decided, submitted, modelCalls: model.callCount };
  }

  it("an approved call runs once, with the arguments the model proposed", async () => {
    const r = await run({ decisions: [{ verdict: "approve" }] });
    expect(r.decided[0]?.status).toBe(201);
    expect(r.error).toBeUndefined();
    expect(r.paid).toEqual([{ amount: 120, to: "Acme" }]);
    expect(lastToolMessage(r.state?.messages ?? [])?.content).toBe("paid 120 to Acme");
  });

  it("an edited call runs with the reviewer's arguments", async () => {
    const r = await run({
      decisions: [{ verdict: "edit", output: { amount: 80, to: "Acme" }, reasonCode: "wrong_amount" }],
    });
    expect(r.decided[0]?.status).toBe(201);
    expect(r.paid).toEqual([{ amount: 80, to: "Acme" }]);
  });

  it("a rejected call never runs; the model reads retry: false and does not ask again", async () => {
    const r = await run({
      decisions: [{ verdict: "reject", reasonCode: "wrong_payee", note: "not our supplier" }],
    });
    expect(r.decided[0]?.status).toBe(201);
    expect(r.paid).toEqual([]);
    const result = lastToolMessage(r.state?.messages ?? []);
    expect(result?.status).toBe("error");
    expect(JSON.parse(String(result?.content))).toMatchObject({
      verdict: "reject",
      reasonCode: "wrong_payee",
      note: "not our supplier",
      retry: false,
    });
    expect(r.modelCalls).toBe(2);
    expect(r.submitted).toEqual(["/v1/cases"]);
  });

  it("a decision whose output was altered on the way is refused, and the agent is not resumed", async () => {
    const tampering: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      if (!String(input).includes("/decision")) return res;
      const body = (await res.json()) as { output?: Record<string, unknown> };
      if (body.output) body.output = { ...body.output, amount: 9000 };
      return new Response(JSON.stringify(body), { status: res.status, headers: res.headers });
    };
    const r = await run({
      decisions: [{ verdict: "edit", output: { amount: 80, to: "Acme" }, reasonCode: "wrong_amount" }],
      fetch: tampering,
    });
    expect(r.error).toBeInstanceOf(DecisionNotVerified);
    expect(r.paid).toEqual([]);
  });

  it("a genuine approval of another case, replayed for this call, is refused", async () => {
    // A real, signed approval of a different case (another payment)...
    const loopgate = new Loopgate({ url: s.url, apiKey: automation });
    const { id } = await loopgate.submit(
      payment({ confidence: 0.2, input: { amount: 5 }, proposal: { amount: 5, to: "Acme" } }),
    );
    expect((await decideNext(s, { verdict: "approve" })).status).toBe(201);
    const genuine: Decision = await loopgate.waitForDecision(id, { timeoutMs: 5000 });
    // ...handed back by a proxy as the decision on the agent's call.
    const replaying: typeof fetch = async (input, init) => {
      if (!String(input).includes("/decision")) return fetch(input, init);
      return new Response(JSON.stringify(genuine), {
        status: 200,
        headers: { "content-type": "application/json" },
      });
    };
    const r = await run({ decisions: [], fetch: replaying });
    expect(r.error).toBeInstanceOf(DecisionNotVerified);
    expect(r.paid).toEqual([]);
    // The agent's own case is still queued: decide it, so the next test's reviewer finds its own.
    expect((await decideNext(s, { verdict: "reject", reasonCode: "wrong_payee" })).status).toBe(201);
  });

  // The contract's new verdicts: these pass once the server records respond and request_changes.
  it("respond: the person's answer is the tool's result, and the tool never runs", async () => {
    const r = await run({
      decisions: [{ verdict: "respond", output: "Acme was paid by phone this morning." }],
    });
    expect(r.decided[0]?.status).toBe(201);
    expect(r.paid).toEqual([]);
    expect(lastToolMessage(r.state?.messages ?? [])?.content).toBe("Acme was paid by phone this morning.");
  });

  it("request_changes: nothing runs, the model reads the feedback, and its next call is a revision", async () => {
    const r = await run({
      decisions: [{ verdict: "request_changes", note: "pay the net amount, 100" }, { verdict: "approve" }],
      second: { amount: 100, to: "Acme" },
    });
    expect(r.decided.map((d) => d.status)).toEqual([201, 201]);
    const feedback = r.state?.messages.find((m) => ToolMessage.isInstance(m) && m.status === "error");
    expect(JSON.parse(String(feedback?.content))).toMatchObject({
      verdict: "request_changes",
      feedback: "pay the net amount, 100",
      retry: true,
    });
    expect(r.submitted[0]).toBe("/v1/cases");
    expect(r.submitted[1]).toMatch(/^\/v1\/cases\/[^/]+\/revisions$/);
    expect(r.paid).toEqual([{ amount: 100, to: "Acme" }]);
  });
});
