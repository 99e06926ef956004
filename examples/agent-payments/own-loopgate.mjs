// A Loopgate for the adapter examples: its own server on a free port over a temporary SQLite file, with
// ./policies, an automation key for the agent, the pinned decision key, and a stand-in for the person
// in the workspace, who decides each case as `decide(case)` says. Needs `npm run build` first.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export async function startOwnLoopgate() {
  const { startServer } = await import("../../packages/server/dist/server.js");
  const dataDir = mkdtempSync(join(tmpdir(), "loopgate-adapter-example-"));
  const adminKey = `lg_example_admin_${Math.random().toString(36).slice(2)}0000000000`;
  const server = await startServer({
    port: 0,
    host: "127.0.0.1",
    dataDir,
    policyDir: fileURLToPath(new URL("./policies", import.meta.url)),
    bootstrapToken: adminKey,
    leaseSeconds: 600,
    bodyLimitBytes: 1024 * 1024,
    maxWaitSeconds: 60,
    logger: (await import("pino")).default({ level: "error" }),
  });
  const api = async (method, path, body) => {
    const res = await fetch(server.url + path, {
      method,
      headers: { authorization: `Bearer ${adminKey}`, "content-type": "application/json" },
      body: body && JSON.stringify(body),
    });
    return res.status === 204 ? undefined : res.json();
  };
  const { key: agentKey } = await api("POST", "/v1/keys", {
    name: "payments-agent",
    role: "automation",
    workflows: ["agent.payments"],
  });
  const { publicKeyPem } = await api("GET", "/v1/decision-key");
  let reviewing = true;
  return {
    url: server.url,
    agentKey,
    publicKeyPem,
    /** The stand-in reviewer: claims each case as it arrives and records `decide(case)` on it. */
    async review(decide) {
      while (reviewing) {
        const claimed = await api("POST", "/v1/queue/claim", {});
        if (claimed?.case) {
          const c = claimed.case;
          const decision = decide(c);
          console.log(`  [reviewer] ${decision.verdict} on ${c.input.invoice} (case ${c.id})`);
          await api("POST", `/v1/cases/${c.id}/decisions`, decision);
        } else await new Promise((r) => setTimeout(r, 100));
      }
    },
    async close() {
      reviewing = false;
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Three invoices the agent is asked to pay, and what the person in the loop will make of each. */
export const INVOICES = [
  { invoice: "INV-1001", to: "Acme Tools", amount: 420 }, // small and sure: pays without a person
  { invoice: "INV-1002", to: "Globex", amount: 4800 }, // a person takes the credit note off: edit
  { invoice: "INV-1003", to: "Initech", amount: 1250 }, // already paid last week: reject
];

/** The stand-in reviewer's judgement of each invoice. */
export function reviewerDecides(c) {
  if (c.input.invoice === "INV-1002") {
    return {
      verdict: "edit",
      output: { ...c.proposal, amount: 4300 },
      reasonCode: "wrong_amount",
      note: "credit note CN-77",
    };
  }
  if (c.input.invoice === "INV-1003") {
    return { verdict: "reject", reasonCode: "duplicate", note: "paid on 24 November (PAY-5521)" };
  }
  return { verdict: "approve" };
}
