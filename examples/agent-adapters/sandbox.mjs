// A Loopgate of the examples' own (temporary SQLite, ./policies), an automation key for the agent, the
// pinned decision key, and a scripted stand-in for the reviewer, who decides through the API as a person
// would in the workspace. Run the examples after `npm run build`.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export async function startSandbox() {
  const { startServer } = await import("../../packages/server/dist/server.js");
  const dataDir = mkdtempSync(join(tmpdir(), "loopgate-agent-example-"));
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
  const api = async (method, path, body, key = adminKey) => {
    const res = await fetch(server.url + path, {
      method,
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: body && JSON.stringify(body),
    });
    return res.status === 204 ? undefined : res.json();
  };
  const { key: agentKey } = await api("POST", "/v1/keys", {
    name: "example-agent",
    role: "automation",
    workflows: ["supplier.payments"],
  });
  // Pinned once, as you would store it with the agent's configuration.
  const { publicKeyPem } = await api("GET", "/v1/decision-key", undefined, agentKey);
  return {
    url: server.url,
    agentKey,
    publicKeyPem,
    /** The stand-in for a person: claims the next case when it arrives and records `decision`. */
    async review(decision) {
      for (;;) {
        const claimed = await api("POST", "/v1/queue/claim", {});
        if (claimed?.case) {
          const c = claimed.case;
          console.log(`  [reviewer] ${decision.verdict} on case ${c.id}: ${JSON.stringify(c.proposal)}`);
          await api("POST", `/v1/cases/${c.id}/decisions`, decision);
          return;
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async close() {
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
