// The README's "Tightening a threshold" walkthrough, reproducible: builds a data directory holding a
// seeded 12,000-invoice history of invoice.approve through the real HTTP API, then prints the command
// that reads it. Run after `npm run build`:
//
//   node examples/threshold-walkthrough.mjs [DATA_DIR]
//   npx loopgate thresholds --workflow invoice.approve --max-error 0.01 \
//     --risk-class low --data-dir DATA_DIR --policy-dir examples/policies
//
// The model behind the history: confidence uniform on [0.80, 1.00) and wrong with probability
// 0.2 · (1 − confidence), so above a threshold t the true error rate is 0.1 · (1 − t): 1.0 % at the
// policy's 0.90, 0.7 % at 0.93. Reviewers approve the right proposals and correct the wrong ones; the
// automation reports the outcome of every invoice that paid itself.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { seededRandom } from "@loopgate/core";
import pino from "pino";
import { startServer } from "../packages/server/dist/server.js";

const CASES = 12_000;
const WORKERS = 8;
const TOKEN = "lg_walkthrough_admin_token_0123456789";
const dataDir = process.argv[2] ?? mkdtempSync(join(tmpdir(), "loopgate-walkthrough-"));

const random = seededRandom(2026);

// The history happened over the last few weeks: the clock starts 20 days ago and moves 6 s per review
// (past the policy's 5 s minimum review time), so every case sits inside the default 90-day window.
let offset = -20 * 86_400_000;
const server = await startServer({
  port: 0,
  host: "127.0.0.1",
  dataDir,
  policyDir: fileURLToPath(new URL("./policies", import.meta.url)),
  bootstrapToken: TOKEN,
  leaseSeconds: 600,
  bodyLimitBytes: 1024 * 1024,
  maxWaitSeconds: 10,
  logger: pino({ level: "silent" }),
  clock: () => Date.now() + offset,
  random: () => 0.999999, // no catch trials or overlap copies: this history is about the model
  oversightIntervalMs: 0,
});
const call = async (method, path, body, token = TOKEN) => {
  const res = await fetch(server.url + path, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body && { "content-type": "application/json" }) },
    body: body && JSON.stringify(body),
  });
  if (res.status >= 300 && res.status !== 204)
    throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return res.status === 204 ? null : res.json();
};
const key = async (name, role, authorityRoles) =>
  (await call("POST", "/v1/keys", { name, role, ...(authorityRoles && { authorityRoles }) })).key;

const automation = await key("invoice-agent", "automation");
const clerks = [];
for (let i = 0; i < WORKERS; i++) clerks.push(await key(`ap-clerk-${i + 1}`, "reviewer", ["ap_clerk"]));

let done = 0;
/** Whether each case's proposal was right, by case id: a clerk may claim a case another worker submitted. */
const truth = new Map();
async function work(clerk, n) {
  for (let i = 0; i < n; i++) {
    const confidence = Math.round((0.8 + 0.2 * random()) * 10_000) / 10_000;
    const right = random() >= 0.2 * (1 - confidence);
    const amount = 100 + Math.floor(random() * 900);
    const supplier = `supplier-${Math.floor(random() * 200)}`;
    const submitted = await call(
      "POST",
      "/v1/cases",
      {
        workflow: "invoice.approve",
        action: "pay",
        input: { invoiceNumber: `INV-${done + i}-${clerk.slice(-4)}`, amount, supplier },
        proposal: { pay: true, amount },
        confidence,
        context: { po: { supplier, amount } },
      },
      automation,
    );
    truth.set(submitted.id, right);
    if (submitted.route === "auto") {
      await call(
        "POST",
        `/v1/cases/${submitted.id}/outcome`,
        { result: right ? "correct" : "incorrect" },
        automation,
      );
    } else {
      const claimed = await call("POST", "/v1/queue/claim", { workflows: ["invoice.approve"] }, clerk);
      if (!claimed) throw new Error("nothing to claim");
      offset += 6_000;
      const c = claimed.case;
      const verdict = truth.get(c.id)
        ? { verdict: "approve" }
        : {
            verdict: "edit",
            output: { pay: true, amount: c.input.amount - 10 },
            reasonCode: "amount_mismatch",
          };
      await call("POST", `/v1/cases/${c.id}/decisions`, verdict, clerk);
    }
    if (++done % 1000 === 0) process.stderr.write(`  ${done} / ${CASES} invoices\n`);
  }
}
process.stderr.write(`building ${CASES} invoices of history in ${dataDir}\n`);
await Promise.all(clerks.map((clerk) => work(clerk, CASES / WORKERS)));
await server.close();
console.log(dataDir);
