// A Loopgate of an example's own: a server on a free port (or `port`) over a temporary SQLite file, with
// the example's policies, an admin key made up for the run, an automation key for the agent, and the
// decision key the agent pins. Needs `npm run build` first (it runs the built server).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * @param {{ policyDir: string, workflows: string[], agentName: string, port?: number }} o
 * @returns the server's `url`, `adminKey`, the agent's `agentKey`, the pinned `publicKeyPem`, `api`
 *   (a JSON call as the admin, or with another key), `claimNext()` (the next case, waiting for one) and
 *   `close()`.
 */
export async function startExampleLoopgate({ policyDir, workflows, agentName, port = 0 }) {
  const { startServer } = await import("../../packages/server/dist/server.js");
  const dataDir = mkdtempSync(join(tmpdir(), "loopgate-example-"));
  const adminKey = `lg_example_admin_${Math.random().toString(36).slice(2)}0000000000`;
  const server = await startServer({
    port,
    host: "127.0.0.1",
    dataDir,
    policyDir,
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
  const { key: agentKey } = await api("POST", "/v1/keys", { name: agentName, role: "automation", workflows });
  // Pinned once, as you would store it with the agent's configuration.
  const { publicKeyPem } = await api("GET", "/v1/decision-key", undefined, agentKey);
  let open = true;
  return {
    url: server.url,
    adminKey,
    agentKey,
    publicKeyPem,
    api,
    /** The next waiting case, claimed as the admin (the stand-in reviewer); undefined once closed. */
    async claimNext() {
      while (open) {
        const claimed = await api("POST", "/v1/queue/claim", {});
        if (claimed?.case) return claimed.case;
        await new Promise((r) => setTimeout(r, 100));
      }
      return undefined;
    },
    async close() {
      open = false;
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
