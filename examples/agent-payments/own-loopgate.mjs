// A Loopgate for the adapter examples: its own server on a free port over a temporary SQLite file, with
// ./policies, an automation key for the agent, the pinned decision key, and a stand-in for the person
// in the workspace, who decides each case as `decide(case)` says. Needs `npm run build` first.
import { fileURLToPath } from "node:url";
import { startExampleLoopgate } from "../lib/example-loopgate.mjs";

export async function startOwnLoopgate() {
  const loopgate = await startExampleLoopgate({
    policyDir: fileURLToPath(new URL("./policies", import.meta.url)),
    workflows: ["agent.payments"],
    agentName: "payments-agent",
  });
  return {
    ...loopgate,
    /** The stand-in reviewer: claims each case as it arrives and records `decide(case)` on it. */
    async review(decide) {
      for (let c = await loopgate.claimNext(); c; c = await loopgate.claimNext()) {
        const decision = decide(c);
        console.log(`  [reviewer] ${decision.verdict} on ${c.input.invoice} (case ${c.id})`);
        await loopgate.api("POST", `/v1/cases/${c.id}/decisions`, decision);
      }
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
