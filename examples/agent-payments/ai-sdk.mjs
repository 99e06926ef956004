// The Vercel AI SDK adapter end to end: `node examples/agent-payments/ai-sdk.mjs` (after `npm run
// build`). A payments agent (a scripted stand-in model: no provider, no network) calls its pay_invoice
// tool for three invoices inside the AI SDK's tool loop; Loopgate gates every call. The small invoice
// pays at once (the policy approves it), the two others wait for the stand-in reviewer, who edits one
// and rejects the other. Then one more invoice through the AI SDK's approval flow: the run stops at the
// approval request, and continues with Loopgate's decision.
import { generateText, stepCountIs, tool } from "ai";
import { MockLanguageModelV3 } from "ai/test";
import { z } from "zod";
import { createLoopgate } from "../../packages/ai-sdk/dist/index.js";
import { INVOICES, reviewerDecides, startOwnLoopgate } from "./own-loopgate.mjs";

const loopgate = await startOwnLoopgate();
const reviewer = loopgate.review(reviewerDecides);

const bank = [];
const payInvoice = tool({
  description: "Pay a supplier invoice",
  inputSchema: z.object({ invoice: z.string(), to: z.string(), amount: z.number().positive() }),
  execute: async (payment) => {
    bank.push(payment);
    return { paid: true, reference: `PAY-${6000 + bank.length}` };
  },
});

const lg = createLoopgate({
  loopgate: { url: loopgate.url, apiKey: loopgate.agentKey },
  workflow: "agent.payments",
  publicKeyPem: loopgate.publicKeyPem, // pinned: in production, from your configuration
  describe: () => ({ confidence: 0.95, rationale: "matches the purchase order" }),
});
const tools = lg.tools({ pay_invoice: payInvoice });

for (const invoice of INVOICES) {
  console.log(`\n${invoice.invoice}: the agent proposes to pay ${invoice.amount} to ${invoice.to}`);
  const { text } = await generateText({
    model: payingModel(invoice),
    tools,
    prompt: `Pay invoice ${invoice.invoice}`,
    stopWhen: stepCountIs(3),
  });
  console.log(`  agent: ${text}`);
}

console.log("\nINV-1004 through the approval flow: the run stops at the request.");
const invoice = { invoice: "INV-1004", to: "Umbrella", amount: 2200 };
const model = payingModel(invoice);
const messages = [{ role: "user", content: "Pay invoice INV-1004" }];
const first = await generateText({ model, tools, toolApproval: lg.toolApproval(tools), messages });
const [opened] = await lg.submitApprovalRequests(first.content, tools);
console.log(`  stopped with ${first.content.at(-1).type}; case ${opened.id} is ${opened.status}`);
messages.push(...first.response.messages, {
  role: "tool",
  content: await lg.approvalResponses(first.content, tools),
});
const next = await generateText({
  model,
  tools,
  toolApproval: lg.toolApproval(tools),
  messages,
  stopWhen: stepCountIs(3),
});
console.log(`  agent: ${next.text}`);

console.log("\nWhat the bank really paid:", bank);
await loopgate.close();
await reviewer;

/** A stand-in model: it calls pay_invoice once, then reports the tool's result in words. */
function payingModel(payment) {
  const usage = { inputTokens: { total: 0 }, outputTokens: { total: 0 } };
  return new MockLanguageModelV3({
    doGenerate: async ({ prompt }) => {
      const last = prompt.at(-1);
      if (last.role !== "tool") {
        const input = JSON.stringify(payment);
        return {
          content: [
            { type: "tool-call", toolCallId: `call-${crypto.randomUUID()}`, toolName: "pay_invoice", input },
          ],
          finishReason: { unified: "tool-calls" },
          usage,
          warnings: [],
        };
      }
      const { output } = last.content.find((p) => p.type === "tool-result");
      const seen = output.type === "execution-denied" ? JSON.parse(output.reason) : output.value;
      const text = seen.paid
        ? `paid, reference ${seen.reference}`
        : `not paid (${seen.verdict}: ${seen.reasonCode ?? seen.feedback}, ${seen.note ?? ""}); ${seen.retry ? "I may revise it" : "I will not ask again"}`;
      return { content: [{ type: "text", text }], finishReason: { unified: "stop" }, usage, warnings: [] };
    },
  });
}
