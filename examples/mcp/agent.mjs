// An agent's side of Loopgate's MCP server, end to end: `node examples/mcp/agent.mjs` (after `npm run
// build`). It starts a Loopgate of its own (temporary SQLite, the workflow in ./policies), connects the
// MCP SDK's client to /mcp over Streamable HTTP with an automation key, and calls the two tools. The
// e-mail and the question wait for a person: a scripted stand-in decides them through the API, as a
// reviewer in the workspace would. `--people` leaves them to you: sign in at the printed URL with the
// printed admin key ("API key" on the sign-in page) and decide in the queue.
//
// Against your own server instead: LOOPGATE_URL=http://localhost:8080 LOOPGATE_KEY=lg_… and a policy
// that declares the workflow below (copy ./policies/assistant.yaml into your policy directory).
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { startExampleLoopgate } from "../lib/example-loopgate.mjs";

const people = process.argv.includes("--people");
const own = !process.env.LOOPGATE_URL && (await startOwnServer());
const url = process.env.LOOPGATE_URL ?? own.url;
const key = process.env.LOOPGATE_KEY ?? own.agentKey;

const client = new Client({ name: "example-agent", version: "1.0.0" });
await client.connect(
  new StreamableHTTPClientTransport(new URL("/mcp", url), {
    requestInit: { headers: { authorization: `Bearer ${key}` } },
  }),
);
const { tools } = await client.listTools();
console.log(`MCP tools at ${url}/mcp: ${tools.map((t) => t.name).join(", ")}`);

/** Calls a tool, printing the progress Loopgate sends while a person decides. */
async function ask(name, args) {
  const res = await client.callTool({ name, arguments: args }, undefined, {
    onprogress: (p) => console.log(`  … ${p.message}`),
    resetTimeoutOnProgress: true, // the wait may outlast the client's 60 s request timeout
    timeout: 600_000,
  });
  if (res.isError) throw new Error(res.content.map((c) => c.text).join(" "));
  return res.structuredContent;
}

const workflow = "assistant.tools";
console.log("\n1. A confident look-up: the policy approves it at once.");
const lookup = await ask("request_approval", {
  workflow,
  action: "search_orders",
  input: { customer: "c-42" },
  proposal: { query: "orders of c-42, last 30 days" },
  confidence: 0.96,
});
console.log(`  ${lookup.verdict} by route ${lookup.route}; run:`, lookup.output);

console.log("\n2. An e-mail to a customer: a person reviews it first.");
if (own && !people) own.review({ verdict: "edit", reasonCode: "wrong_content", edit: true });
const email = await ask("request_approval", {
  workflow,
  action: "send_email",
  input: { thread: "Where is my refund?", customer: "c-42" },
  proposal: { to: "ada@example.com", body: "Your refund was sent." },
  confidence: 0.8,
  rationale: "The refund for order 1234 was issued yesterday.",
  subject: "customer:c-42",
  waitSeconds: people ? 600 : 50,
});
if (email.status === "pending")
  console.log(`  nobody decided yet: ask again with idempotencyKey ${email.idempotencyKey}`);
else if (email.verdict === "reject")
  console.log(`  rejected (${email.reasonCode}): not sent. ${email.note ?? ""}`);
else console.log(`  ${email.verdict}: send this, not the draft:`, email.output);

console.log("\n3. A question for a person.");
if (own && !people) own.review({ verdict: "approve", note: "Yes, up to 10% once." });
const answer = await ask("ask_human", {
  workflow,
  question: "May I offer customer c-42 a discount for the late refund?",
  details: { orderTotal: 120 },
  waitSeconds: people ? 600 : 50,
});
console.log(`  ${answer.status}:`, answer.answer);

await client.close();
await own?.close();

/** A Loopgate of the example's own (examples/lib), an automation key, and a stand-in reviewer. */
async function startOwnServer() {
  const loopgate = await startExampleLoopgate({
    policyDir: fileURLToPath(new URL("./policies", import.meta.url)),
    workflows: ["assistant.tools"],
    agentName: "example-agent",
    port: people ? 8080 : 0,
  });
  if (people) console.log(`Loopgate at ${loopgate.url}; sign in with the admin key ${loopgate.adminKey}`);
  return {
    ...loopgate,
    /** The stand-in for a person: claims the next case when it arrives, looks at it, decides. */
    async review({ verdict, reasonCode, note, edit }) {
      const c = await loopgate.claimNext();
      if (!c) return;
      const output = edit ? { ...c.proposal, body: "Your refund of 120 EUR was sent on Monday." } : undefined;
      console.log(`  [reviewer] ${verdict} on case ${c.id} (${c.action})`);
      await loopgate.api("POST", `/v1/cases/${c.id}/decisions`, { verdict, output, reasonCode, note });
    },
  };
}
