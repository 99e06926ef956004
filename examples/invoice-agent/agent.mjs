// An invoice agent gated by Loopgate: `node examples/invoice-agent/agent.mjs --fetch-decision-key`
// against the server `npm start` runs (LOOPGATE_URL, default http://localhost:8080; LOOPGATE_KEY, an
// automation key for invoice.approve). It reads ./invoices, checks each against the AP records
// (./records.json: purchase orders, bank accounts on file), and a stand-in model (the AI SDK's
// MockLanguageModelV3 with the fixed rules of `assess` below: no provider, no network) proposes to pay,
// hold or block with a confidence. Every proposal is a tool call of the Vercel AI SDK gated by
// @loopgate/ai-sdk: the "bank" (a ledger file) runs only on Loopgate's signed approve or edit, with the
// decided arguments. Cases that wait for a person wait until someone decides at the case link; with
// --no-wait (or when --timeout runs out) the agent leaves them and resumes them on its next run (the
// same case, by its idempotency key, never a second one).
//
//   --fetch-decision-key  fetch the decision key from the server once and pin it in the state directory
//                         (else set LOOPGATE_DECISION_KEY to the PEM of GET /v1/decision-key)
//   --no-wait             check each case once; leave the undecided ones for the next run
//   --timeout SECONDS     the longest wait for people (default 900)
//   --state DIR           the agent's memory and the bank's ledger (default .loopgate/invoice-agent)
//   --invoices DIR        the invoices to process (default ./invoices beside this file)
//
// Needs `npm run build` first (npm start does it).
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { generateText, stepCountIs, tool } from "ai";
import { MockLanguageModelV3 } from "ai/test";
import { z } from "zod";
import { createLoopgate, DecisionNotVerified } from "../../packages/ai-sdk/dist/index.js";
import { assess, factsOf, money } from "./assess.mjs";

const here = (path) => fileURLToPath(new URL(path, import.meta.url));
const { values: flags } = parseArgs({
  options: {
    "fetch-decision-key": { type: "boolean", default: false },
    "no-wait": { type: "boolean", default: false },
    timeout: { type: "string", default: "900" },
    state: { type: "string", default: here("../../.loopgate/invoice-agent") },
    invoices: { type: "string", default: here("./invoices") },
  },
});
const url = (process.env.LOOPGATE_URL ?? "http://localhost:8080").replace(/\/+$/, "");
const apiKey = process.env.LOOPGATE_KEY;
if (!apiKey) {
  console.error(
    "invoice-agent: set LOOPGATE_KEY to an automation key for invoice.approve:\n" +
      "  export LOOPGATE_KEY=$(npx loopgate keys create --name invoice-agent --role automation --workflows invoice.approve)",
  );
  process.exit(2);
}
const timeoutMs = flags["no-wait"] ? 0 : Number(flags.timeout) * 1000;
if (!Number.isFinite(timeoutMs) || timeoutMs < 0) {
  console.error("invoice-agent: --timeout takes a number of seconds");
  process.exit(2);
}

const records = JSON.parse(readFileSync(here("./records.json"), "utf8"));
const invoices = readdirSync(flags.invoices)
  .filter((f) => f.endsWith(".json"))
  .map((f) => ({ ...JSON.parse(readFileSync(join(flags.invoices, f), "utf8")), file: f }))
  .sort((a, b) => a.issueDate.localeCompare(b.issueDate) || a.invoiceNumber.localeCompare(b.invoiceNumber));

// --- The agent's memory and the bank's ledger -----------------------------------------------------
mkdirSync(flags.state, { recursive: true });
const statePath = join(flags.state, "agent-state.json");
const ledgerPath = join(flags.state, "bank-ledger.jsonl");
const state = existsSync(statePath) ? JSON.parse(readFileSync(statePath, "utf8")) : { invoices: {} };
const save = () => {
  writeFileSync(`${statePath}.tmp`, JSON.stringify(state, null, 2));
  renameSync(`${statePath}.tmp`, statePath);
};
const ledger = () =>
  existsSync(ledgerPath)
    ? readFileSync(ledgerPath, "utf8")
        .split("\n")
        .filter(Boolean)
        .map((line) => JSON.parse(line))
    : [];

// --- The decision key: pinned, or fetched once on request and pinned from then on ------------------
let publicKeyPem = process.env.LOOPGATE_DECISION_KEY ?? state.decisionKey;
if (!publicKeyPem) {
  if (!flags["fetch-decision-key"]) {
    console.error(
      "invoice-agent: no decision key to verify Loopgate's decisions with. Set LOOPGATE_DECISION_KEY to the PEM\n" +
        "of GET /v1/decision-key, or pass --fetch-decision-key to fetch it once and pin it in the state directory.",
    );
    process.exit(2);
  }
  const res = await fetch(`${url}/v1/decision-key`, { headers: { authorization: `Bearer ${apiKey}` } });
  if (!res.ok) throw new Error(`GET /v1/decision-key answered ${res.status}: ${await res.text()}`);
  publicKeyPem = (await res.json()).publicKeyPem;
  state.decisionKey = publicKeyPem;
  save();
  console.log(`Pinned ${url}'s decision key in ${statePath} (fetched once, at your request).`);
}

// --- The bank: what the gated tools really do -------------------------------------------------------
const bankTools = {
  pay_invoice: tool({
    description: "Pay a supplier invoice by bank transfer",
    inputSchema: z.object({
      invoiceNumber: z.string(),
      supplier: z.string(),
      amount: z.number().positive(),
      currency: z.string().length(3),
      iban: z.string(),
      dueDate: z.string(),
    }),
    execute: async (payment) => {
      // The bank refuses a second transfer for the same invoice, whoever asks.
      const earlier = ledger().find((e) => e.op === "pay" && e.invoiceNumber === payment.invoiceNumber);
      if (earlier) return { paid: false, alreadyPaid: true, reference: earlier.reference };
      const reference = `PAY-${payment.invoiceNumber}`;
      appendFileSync(ledgerPath, `${JSON.stringify({ op: "pay", ...payment, reference, at: new Date() })}\n`);
      return { paid: true, reference };
    },
  }),
  hold_invoice: tool({
    description: "Put an invoice on hold in the AP system so nobody pays it",
    inputSchema: z.object({ invoiceNumber: z.string(), supplier: z.string(), reason: z.string() }),
    execute: async (hold) => {
      appendFileSync(ledgerPath, `${JSON.stringify({ op: "hold", ...hold, at: new Date() })}\n`);
      return { held: true };
    },
  }),
  block_supplier: tool({
    description: "Block every payment to a supplier until a person clears it",
    inputSchema: z.object({ supplier: z.string(), reason: z.string() }),
    execute: async (block) => {
      appendFileSync(ledgerPath, `${JSON.stringify({ op: "block", ...block, at: new Date() })}\n`);
      return { blocked: true };
    },
  }),
};
// The workflow's actions (examples/policies/invoice.yaml) by tool name.
const ACTIONS = { pay_invoice: "pay", hold_invoice: "hold", block_supplier: "block_supplier" };

const usage = { inputTokens: { total: 0 }, outputTokens: { total: 0 } };
const model = new MockLanguageModelV3({
  doGenerate: async ({ prompt }) => {
    const last = prompt.at(-1);
    if (last.role === "user") {
      const { invoice, facts } = JSON.parse(last.content.find((p) => p.type === "text").text);
      const a = assess(invoice, facts);
      const decision = { decision: a.tool, confidence: a.confidence, rationale: a.rationale };
      return {
        content: [
          { type: "text", text: JSON.stringify(decision) },
          {
            type: "tool-call",
            toolCallId: `call-${crypto.randomUUID()}`,
            toolName: a.tool,
            input: JSON.stringify(a.args),
          },
        ],
        finishReason: { unified: "tool-calls" },
        usage,
        warnings: [],
      };
    }
    // After the tool: say what happened, as the agent saw it.
    const { output } = last.content.find((p) => p.type === "tool-result");
    const seen =
      output.type === "execution-denied"
        ? JSON.parse(output.reason)
        : output.type.startsWith("error")
          ? { error: output.value } // the tool threw: e.g. decided arguments that break its schema
          : output.value;
    return {
      content: [{ type: "text", text: JSON.stringify(seen) }],
      finishReason: { unified: "stop" },
      usage,
      warnings: [],
    };
  },
});

// --- One gate per invoice: the invoice is the case's input, and its idempotency key ----------------
// `entry` is the agent's memory of the invoice: the facts and the model's proposal as first submitted,
// so a resumed run describes the case exactly as before and finds it by its idempotency key.
function gateFor(invoice, entry) {
  const { facts } = entry;
  const lg = createLoopgate({
    loopgate: { url, apiKey },
    workflow: "invoice.approve",
    publicKeyPem,
    timeoutMs,
    actions: ACTIONS,
    // One case per invoice across runs: a re-run finds the same case and its decision.
    idempotencyKey: () => `invoice-agent:${invoice.supplier}:${invoice.invoiceNumber}`,
    describe: () => ({
      input: {
        invoiceNumber: invoice.invoiceNumber,
        supplier: invoice.supplier,
        amount: invoice.amount,
        currency: invoice.currency,
        dueDate: invoice.dueDate,
        iban: invoice.iban,
        ...(invoice.poReference && { poReference: invoice.poReference }),
      },
      context: {
        ...(facts.po && { po: facts.po }),
        ...(facts.duplicates.length > 0 && { duplicates: facts.duplicates }),
        ibanOnFile: facts.ibanOnFile,
      },
      confidence: entry.proposal.confidence,
      rationale: entry.proposal.rationale,
      subject: `supplier:${invoice.supplier}`,
      evidence: [{ kind: "document", title: `Invoice ${invoice.invoiceNumber} (${invoice.file})` }],
    }),
  });
  return { lg, tools: lg.tools(bankTools) };
}

const link = (caseId) => `${url}/cases/${caseId}`;
const label = (invoice) => `${invoice.invoiceNumber.padEnd(12)} ${invoice.supplier.padEnd(20)}`;

// --- Phase 1: propose, and open a case for every invoice not yet settled ---------------------------
console.log(`Invoice agent: ${invoices.length} invoices, Loopgate at ${url}\n`);
const pending = [];
for (const invoice of invoices) {
  const entry = state.invoices[invoice.invoiceNumber];
  if (entry?.outcome) {
    console.log(`${label(invoice)} settled on an earlier run: ${entry.outcome.line}`);
    continue;
  }
  if (entry) {
    pending.push({ invoice, entry, ...gateFor(invoice, entry) });
    console.log(
      `${label(invoice)} resumes ${entry.proposal.tool} from an earlier run: ${link(entry.caseId)}`,
    );
    continue;
  }
  const fresh = {
    facts: factsOf(invoice, { records, invoices, paid: ledger().filter((e) => e.op === "pay") }),
  };
  const { lg, tools } = gateFor(invoice, fresh);
  const messages = [{ role: "user", content: JSON.stringify({ invoice, facts: fresh.facts }) }];
  const first = await generateText({ model, tools, toolApproval: lg.toolApproval(tools), messages });
  const said = JSON.parse(first.text);
  fresh.proposal = { tool: said.decision, confidence: said.confidence, rationale: said.rationale };
  const [opened] = await lg.submitApprovalRequests(first.content, tools);
  Object.assign(fresh, {
    caseId: opened.id,
    route: opened.route,
    content: first.content.filter((p) => p.type === "tool-approval-request"),
    messages: [...messages, ...first.response.messages],
  });
  state.invoices[invoice.invoiceNumber] = fresh;
  save();
  pending.push({ invoice, entry: fresh, lg, tools });
  const proposed = `${said.decision} ${money(invoice.amount, invoice.currency)} (confidence ${said.confidence})`;
  const where =
    opened.route === "auto"
      ? "approved by the policy (released once the workflow's undo window, if any, has passed)"
      : opened.route === "human_only"
        ? `a person's to do; waits at ${link(opened.id)}`
        : `waits for a person at ${link(opened.id)}`;
  console.log(`${label(invoice)} proposes ${proposed}: ${where}`);
}

// --- Phase 2: wait for the decisions together, and act only on them --------------------------------
if (pending.length > 0) {
  console.log(
    flags["no-wait"]
      ? "\nChecking each case once (--no-wait)…\n"
      : `\nWaiting for the decisions (up to ${timeoutMs / 1000} s; decide in the workspace at ${url})…\n`,
  );
}
const outcomes = await Promise.all(pending.map((p) => settle(p)));

async function settle({ invoice, entry, lg, tools }) {
  let responses;
  try {
    responses = await lg.approvalResponses(entry.content, tools);
  } catch (err) {
    if (err instanceof DecisionNotVerified) {
      // Not signed by the pinned key for this case, action and arguments: the bank is never called.
      console.log(`${label(invoice)} refused: ${err.message}; nothing paid`);
      return "refused";
    }
    if (err?.name !== "DecisionTimeout") throw err;
    const why =
      entry.route === "auto"
        ? "approved by the policy, still inside the workflow's undo window"
        : "still waits for a person";
    console.log(`${label(invoice)} ${why}; run the agent again to resume it`);
    return "waiting";
  }
  const next = await generateText({
    model,
    tools,
    toolApproval: lg.toolApproval(tools),
    messages: [...entry.messages, { role: "tool", content: responses }],
    stopWhen: stepCountIs(3),
  });
  // What the tool answered (or why it did not run), as the model saw it.
  const seen = JSON.parse(next.text);
  let kind;
  let line;
  if (seen.paid) {
    const p = ledger().find((e) => e.op === "pay" && e.reference === seen.reference);
    const edited =
      p.amount !== invoice.amount ? ` (a person changed it from ${money(invoice.amount, p.currency)})` : "";
    kind = "paid";
    line = `paid ${money(p.amount, p.currency)} to ${p.iban}${edited}, reference ${p.reference}`;
  } else if (seen.alreadyPaid) {
    kind = "paid";
    line = `already paid (reference ${seen.reference}); not paid again`;
  } else if (seen.held) {
    kind = "held";
    line = "on hold in the AP system, approved by a person";
  } else if (seen.blocked) {
    kind = "blocked";
    line = "supplier blocked, approved by a person";
  } else if (seen.error) {
    kind = "failed";
    line = `the tool failed, nothing paid: ${JSON.stringify(seen.error)}`;
  } else if (responses[0].approved) {
    kind = "answered";
    line = `a person answered instead: ${JSON.stringify(seen)}`;
  } else {
    // What the SDK hands the model when nothing ran: a reject (`human_owned` when a person does the
    // action themselves) or a request for changes with the reviewer's feedback.
    const personsToDo = seen.reasonCode === "human_owned";
    const said = seen.note ?? seen.feedback;
    if (personsToDo) kind = "left to a person";
    else kind = seen.verdict === "request_changes" ? "changes requested" : "rejected";
    const why = (personsToDo ? ["done"] : [seen.verdict, seen.reasonCode])
      .concat(said ? [`"${said}"`] : [])
      .filter(Boolean)
      .join(", ");
    line = `${personsToDo ? "not run (a person's to do)" : kind}: ${why}; retry: ${seen.retry}`;
  }
  entry.outcome = { kind, line };
  save();
  console.log(`${label(invoice)} ${line}`);
  return kind;
}

// --- Summary ---------------------------------------------------------------------------------------
const settledBefore = invoices.length - pending.length;
const counts = {};
for (const k of outcomes) counts[k] = (counts[k] ?? 0) + 1;
const payments = ledger().filter((e) => e.op === "pay");
const total = payments.reduce((sum, e) => sum + e.amount, 0);
console.log(
  `\nSummary: ${Object.entries(counts)
    .map(([k, n]) => `${n} ${k}`)
    .join(", ")}${settledBefore ? `${outcomes.length ? ", " : ""}${settledBefore} settled earlier` : ""}. ` +
    `The bank's ledger (${ledgerPath}) holds ${payments.length} payments, ${money(total, "EUR")} in all.`,
);
if (counts.waiting)
  console.log("Cases still wait for people; run the agent again to resume them (no new cases).");
