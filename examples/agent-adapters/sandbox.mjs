// A Loopgate of the examples' own (temporary SQLite, ./policies), an automation key for the agent, the
// pinned decision key, and a scripted stand-in for the reviewer, who decides through the API as a person
// would in the workspace. Run the examples after `npm run build`.
import { fileURLToPath } from "node:url";
import { startExampleLoopgate } from "../lib/example-loopgate.mjs";

export async function startSandbox() {
  const loopgate = await startExampleLoopgate({
    policyDir: fileURLToPath(new URL("./policies", import.meta.url)),
    workflows: ["supplier.payments"],
    agentName: "example-agent",
  });
  return {
    ...loopgate,
    /** The stand-in for a person: claims the next case when it arrives and records `decision`. */
    async review(decision) {
      const c = await loopgate.claimNext();
      if (!c) return;
      console.log(`  [reviewer] ${decision.verdict} on case ${c.id}: ${JSON.stringify(c.proposal)}`);
      await loopgate.api("POST", `/v1/cases/${c.id}/decisions`, decision);
    },
  };
}
