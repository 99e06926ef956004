// The OpenAI Agents JS adapter end to end: `node examples/agent-payments/openai-agents.mjs` (after `npm
// run build`). A payments agent (a scripted stand-in model: no provider, no network) calls its gated
// pay_invoice tool, and every call stops the run with an interruption whose case goes to Loopgate. The
// small invoice is decided by the policy at once and the run continues here; for the two others the run
// state is written to a file and this process moves on, while a second process (this script with
// --resume) restores the state, waits for the stand-in reviewer's decision, and finishes the run.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Agent, Runner, RunState, Usage } from "@openai/agents";
import { z } from "zod";
import { createLoopgate } from "../../packages/openai-agents/dist/index.js";
import { INVOICES, reviewerDecides, startOwnLoopgate } from "./own-loopgate.mjs";

/** The first process: runs the agent on each invoice and hands paused runs to a second process. */
async function startRuns() {
  const loopgate = await startOwnLoopgate();
  const reviewer = loopgate.review(reviewerDecides);
  const env = {
    LOOPGATE_URL: loopgate.url,
    LOOPGATE_KEY: loopgate.agentKey,
    LOOPGATE_DECISION_KEY: loopgate.publicKeyPem,
  };
  const { lg, agent } = paymentsAgent(env);
  const dir = mkdtempSync(join(tmpdir(), "loopgate-run-state-"));
  const resumed = [];
  for (const invoice of INVOICES) {
    console.log(`\n${invoice.invoice}: the agent proposes to pay ${invoice.amount} to ${invoice.to}`);
    const result = await new Runner({ tracingDisabled: true }).run(agent, JSON.stringify(invoice));
    const [opened] = await lg.submit(result);
    if (opened.status === "decided") {
      console.log(`  case ${opened.id}: decided by the policy (${opened.route}); continuing here`);
      await lg.resolve(result.state);
      const done = await new Runner({ tracingDisabled: true }).run(agent, result.state);
      console.log(`  agent: ${done.finalOutput}`);
      continue;
    }
    const file = join(dir, `${invoice.invoice}.json`);
    writeFileSync(file, result.state.toString());
    console.log(`  case ${opened.id} waits for a person; run state saved to ${file}`);
    resumed.push(runNode(["--resume", file], env));
  }
  await Promise.all(resumed);
  rmSync(dir, { recursive: true, force: true });
  await loopgate.close();
  await reviewer;
}

/** The second process: restores a saved run, applies Loopgate's decision, and runs it to the end. */
async function finishRun(file) {
  const { lg, agent, bank } = paymentsAgent(process.env);
  const state = await RunState.fromString(agent, readFileSync(file, "utf8"));
  await lg.resolve(state); // waits for the decision, verifies it, approves or rejects the interruption
  const done = await new Runner({ tracingDisabled: true }).run(agent, state);
  console.log(`  [process ${process.pid}] agent: ${done.finalOutput}; the bank paid`, bank);
}

/** The same agent in every process: the gated tool, and a model that pays the invoice it is given. */
function paymentsAgent(env) {
  const bank = [];
  const lg = createLoopgate({
    loopgate: { url: env.LOOPGATE_URL, apiKey: env.LOOPGATE_KEY },
    workflow: "agent.payments",
    publicKeyPem: env.LOOPGATE_DECISION_KEY, // pinned: in production, from your configuration
    describe: () => ({ confidence: 0.95, rationale: "matches the purchase order" }),
  });
  const payInvoice = lg.tool({
    name: "pay_invoice",
    description: "Pay a supplier invoice",
    parameters: z.object({ invoice: z.string(), to: z.string(), amount: z.number().positive() }),
    execute: async (payment) => {
      bank.push(payment);
      return { paid: true, reference: `PAY-${payment.invoice.slice(4)}` };
    },
  });
  const agent = new Agent({
    name: "payments",
    instructions: "Pay the invoice.",
    model: payingModel,
    tools: [payInvoice],
  });
  return { lg, agent, bank };
}

/** A stand-in model: it calls pay_invoice with the invoice it was given, then reports the result. */
const payingModel = {
  async getResponse({ input }) {
    const last = input.at(-1);
    if (last.type !== "function_call_result") {
      const args = input.find((i) => i.role === "user").content;
      return {
        usage: new Usage(),
        output: [
          {
            type: "function_call",
            callId: `call-${crypto.randomUUID()}`,
            name: "pay_invoice",
            status: "completed",
            arguments: args,
          },
        ],
      };
    }
    const seen = JSON.parse(last.output.text);
    const text = seen.paid
      ? `paid, reference ${seen.reference}`
      : `not paid (${seen.verdict}: ${seen.reasonCode ?? seen.feedback}, ${seen.note ?? ""}); ${seen.retry ? "I may revise it" : "I will not ask again"}`;
    return {
      usage: new Usage(),
      output: [
        { type: "message", role: "assistant", status: "completed", content: [{ type: "output_text", text }] },
      ],
    };
  },
  getStreamedResponse() {
    throw new Error("not streamed in this example");
  },
};

function runNode(args, env) {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), ...args], {
    env: { ...process.env, ...env },
    stdio: "inherit",
  });
  return new Promise((resolve, reject) =>
    child.on("exit", (code) =>
      code === 0 ? resolve() : reject(new Error(`resumed run exited with ${code}`)),
    ),
  );
}

const resume = process.argv.indexOf("--resume");
if (resume > 0) await finishRun(process.argv[resume + 1]);
else await startRuns();
