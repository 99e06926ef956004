// LangChain's createAgent + humanInTheLoopMiddleware with Loopgate as the person:
// `node examples/agent-adapters/langchain.mjs` (after `npm run build`). The model is LangChain's
// scripted fakeModel (no provider, no network); the reviewer is a scripted stand-in (./sandbox.mjs).
import { AIMessage } from "@langchain/core/messages";
import { fakeModel } from "@langchain/core/testing";
import { MemorySaver } from "@langchain/langgraph";
import { Loopgate } from "@loopgate/client";
import { LoopgateHitl } from "@loopgate/langchain";
import { createAgent, humanInTheLoopMiddleware, tool } from "langchain";
import { z } from "zod";
import { startSandbox } from "./sandbox.mjs";

const sandbox = await startSandbox();
const pay = tool(async ({ amount, to }) => `paid ${amount} EUR to ${to}`, {
  name: "pay",
  description: "Pay a supplier",
  schema: z.object({ amount: z.number(), to: z.string() }),
});
const gate = new LoopgateHitl({
  loopgate: new Loopgate({ url: sandbox.url, apiKey: sandbox.agentKey }),
  publicKeyPem: sandbox.publicKeyPem,
  workflow: "supplier.payments",
  actions: { pay: "pay" },
});

for (const [invoice, decision] of [
  ["INV-1042", { verdict: "edit", output: { amount: 1150, to: "Acme GmbH" }, reasonCode: "wrong_amount" }],
  ["INV-1043", { verdict: "reject", reasonCode: "duplicate", note: "INV-1042 again" }],
]) {
  console.log(`\n${invoice}: the agent proposes to pay 1200 EUR to Acme GmbH`);
  const model = fakeModel()
    .respondWithTools([{ name: "pay", args: { amount: 1200, to: "Acme GmbH" } }])
    .respond((messages) => {
      const result = messages.at(-1);
      return new AIMessage(`${result.status === "error" ? "Not paid" : "Done"}: ${result.content}`);
    });
  const agent = createAgent({
    model,
    tools: [pay],
    checkpointer: new MemorySaver(),
    middleware: [humanInTheLoopMiddleware({ interruptOn: { pay: true } })],
  });
  const config = { configurable: { thread_id: invoice } };
  const [state] = await Promise.all([
    gate.run(agent, { messages: [{ role: "user", content: `Pay ${invoice}` }] }, config),
    sandbox.review(decision),
  ]);
  console.log(`  [agent] ${state.messages.at(-1).content}`);
}
await sandbox.close();
