import { randomUUID } from "node:crypto";
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DestinationPolicy } from "../../src/webhooks/destinations.js";
import { guardedAgent, type ResolveAll } from "../../src/webhooks/guarded-agent.js";
import { alertSecretOwner, signingSecrets } from "../../src/webhooks/signing-secrets.js";
import { OutboxWorker } from "../../src/workers/outbox.js";
import {
  ENGINES,
  FIXTURE_POLICIES,
  freshStorage,
  payment,
  startTestServer,
  type TestServer,
  type TestStorage,
} from "../helpers/server.js";
import { REFUSED_HOSTS } from "../helpers/ssrf-hosts.js";

/**
 * Issue 13, item 3, the attacks ssrf.test.ts leaves out: every spelling as a policy's
 * `oversight.alertUrl`, spellings beyond the shared table, host names an attacker's DNS points at
 * metadata and loopback (a resolver stands in for that DNS) for case webhooks and for alerts, and a
 * receiver the operator allowed redirecting to loopback. Each is refused without a connection.
 */

/** Spellings WHATWG URL parsing also reads as internal addresses, beyond helpers/ssrf-hosts.ts. */
const MORE_SPELLINGS = [
  "[::127.0.0.1]", // IPv4-compatible IPv6 (::/96, deprecated): [::7f00:1]
  "[::169.254.169.254]",
  "[::ffff:0:7f00:1]", // SIIT (rfc6145)
  "[::ffff:a9fe:a9fe]", // mapped metadata, in hex
  "017700000001", // one octal number
  "0x7f.1",
  "127.000.000.001",
  "%31%32%37.0.0.1", // percent-encoded host
  "127.0.0.1.", // trailing dot
  "169.254.169.254.",
  "[fec0::1]", // site-local (deprecated)
];

/** A server on loopback that counts connections, not only requests; `answer` writes each response. */
async function listener(answer: (res: import("node:http").ServerResponse) => void = (r) => r.end()) {
  let connections = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => answer(res));
  });
  server.on("connection", () => {
    connections++;
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    port: (server.address() as AddressInfo).port,
    connections: () => connections,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** The attacker's DNS: each name answers what the attack needs; anything else does not resolve. */
const attackerDns =
  (answers: Record<string, string[]>): ResolveAll =>
  (host, cb) => {
    const addresses = answers[host];
    if (!addresses) return cb(Object.assign(new Error(`${host} not found`), { code: "ENOTFOUND" }), []);
    cb(
      null,
      addresses.map((address) => ({ address, family: address.includes(":") ? 6 : 4 })),
    );
  };

const OVERSIGHT_FIXTURES = fileURLToPath(new URL("../fixtures/policies-oversight", import.meta.url));

/** The oversight fixtures with watched.yaml's alertUrl replaced. */
function policiesWithAlertUrl(url: string): string {
  const dir = mkdtempSync(join(tmpdir(), "loopgate-alert-ssrf-"));
  for (const f of readdirSync(OVERSIGHT_FIXTURES)) {
    const text = readFileSync(join(OVERSIGHT_FIXTURES, f), "utf8");
    writeFileSync(join(dir, f), text.replace("http://127.0.0.1:9/alerts", url));
  }
  return dir;
}

describe.each(ENGINES)("SSRF through oversight.alertUrl, at start (%s)", (engine) => {
  let storage: TestStorage;
  const dirs: string[] = [];
  beforeAll(async () => {
    storage = await freshStorage(engine);
  });
  afterAll(async () => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
    await storage.cleanup();
  });

  const start = (url: string, callbackAllow = "") => {
    const policyDir = policiesWithAlertUrl(url);
    dirs.push(policyDir);
    return startTestServer(engine, { policyDir, callbackAllow }, storage);
  };

  it.each([...REFUSED_HOSTS, ...MORE_SPELLINGS])(
    "refuses to start with alertUrl http://%s:8080/alerts, naming the workflow and field",
    async (host) => {
      await expect(start(`http://${host}:8080/alerts`)).rejects.toThrow(
        /^workflow oversight\.watched: oversight\.alertUrl .* refused unless LOOPGATE_CALLBACK_ALLOW allows it$/,
      );
    },
  );

  it("refuses an alertUrl carrying credentials", async () => {
    await expect(start("https://owner:secret@alerts.example.com/x")).rejects.toThrow(
      /must not carry credentials/,
    );
  });

  it("starts when the allow-list names the address and port", async () => {
    const s = await start("http://127.1:9/alerts", "127.0.0.1:9");
    await s.close();
  });
});

describe.each(ENGINES)("SSRF through names and redirects, at connect time (%s)", (engine) => {
  let s: TestServer;
  let automation: string;
  let target: Awaited<ReturnType<typeof listener>>;
  let redirector: Awaited<ReturnType<typeof listener>>;
  let outbox: OutboxWorker;
  let policyDir: string;

  beforeAll(async () => {
    target = await listener();
    // The one receiver the operator allowed; it answers every delivery with a redirect to loopback.
    redirector = await listener((res) =>
      res.writeHead(307, { location: `http://127.0.0.1:${target.port}/v1/keys` }).end(),
    );
    const allow = `127.0.0.1:${redirector.port}`;
    policyDir = policiesWithAlertUrl(`http://127.0.0.1:${redirector.port}/alerts`);
    copyFileSync(join(FIXTURE_POLICIES, "payments.yaml"), join(policyDir, "payments.yaml"));
    s = await startTestServer(engine, {
      callbackAllow: allow,
      policyDir,
      // The server's own outbox delivers nothing (no slot): the worker below, whose DNS is the
      // attacker's, takes every message.
      webhook: { concurrency: 0, pollMs: 3_600_000 },
    });
    automation = (await s.newKey("automation")).key;
    const policy = DestinationPolicy.fromText(allow);
    const dns = attackerDns({
      "metadata.google.internal": ["169.254.169.254"],
      "rebind.attacker.test": ["127.0.0.1"],
      "mixed.attacker.test": ["93.184.215.14", "127.0.0.1"],
      "v6.attacker.test": ["fd00:ec2::254"],
      "compat.attacker.test": ["::7f00:1"],
    });
    outbox = new OutboxWorker({
      store: s.store,
      signingSecrets: (who, at) => signingSecrets(s.store, who, at),
      destinations: policy,
      dispatcher: guardedAgent(policy, { resolve: dns }),
      clock: Date.now,
      pollMs: 3_600_000,
    });
  });
  afterAll(async () => {
    await outbox?.stop();
    await s?.close();
    await s?.storage.cleanup();
    await target.close();
    await redirector.close();
    rmSync(policyDir, { recursive: true, force: true });
  });

  const webhookFailures = async (id: string) => {
    const detail = await (await s.call("GET", `/v1/cases/${id}`, undefined, automation)).json();
    return detail.events
      .filter((e: { type: string }) => e.type.startsWith("webhook_"))
      .map((e: { type: string; data: Record<string, unknown> }) => ({ type: e.type, ...e.data }));
  };

  it.each(MORE_SPELLINGS)(
    "refuses callbackUrl http://%s:<port>/hook at submit, 400 naming /callbackUrl",
    async (host) => {
      const url = `http://${host}:${target.port}/hook`;
      const res = await s.call("POST", "/v1/cases", payment({ callbackUrl: url }), automation);
      expect(res.status).toBe(400);
      expect((await res.json()).field).toBe("/callbackUrl");
    },
  );

  it.each([
    "metadata.google.internal",
    "rebind.attacker.test",
    "mixed.attacker.test",
    "v6.attacker.test",
    "compat.attacker.test",
  ])(
    "accepts http://%s at submit, then refuses it at connect: 'refused by policy', no retry, no connection",
    async (host) => {
      const before = target.connections();
      const res = await s.call(
        "POST",
        "/v1/cases",
        payment({ callbackUrl: `http://${host}:${target.port}/computeMetadata/v1/` }),
        automation,
      );
      expect(res.status).toBe(201);
      const { id, route } = await res.json();
      expect(route).toBe("auto");
      expect(await outbox.runOnce()).toBe(1);
      expect(await webhookFailures(id)).toEqual([
        expect.objectContaining({
          type: "webhook_failed",
          error: "refused by policy",
          status: null,
          nextAttemptAt: null,
        }),
      ]);
      expect(target.connections()).toBe(before);
    },
  );

  it("does not follow an allowed receiver's redirect to loopback: 'failed: HTTP 307', the target never reached", async () => {
    const res = await s.call(
      "POST",
      "/v1/cases",
      payment({ callbackUrl: `http://127.0.0.1:${redirector.port}/hook` }),
      automation,
    );
    const { id } = await res.json();
    expect(await outbox.runOnce()).toBe(1);
    expect(redirector.connections()).toBeGreaterThan(0);
    const [failure] = await webhookFailures(id);
    expect(failure).toMatchObject({ type: "webhook_failed", error: "failed: HTTP 307" });
    expect(target.connections()).toBe(0);
  });

  it.each(["http://metadata.google.internal/computeMetadata/v1/", "http://rebind.attacker.test:PORT/alerts"])(
    "refuses an oversight alert to %s at connect time, recording 'refused by policy'",
    async (template) => {
      const url = template.replace("PORT", String(target.port));
      const before = target.connections();
      const outboxId = `whk_${randomUUID()}`;
      await s.store.oversight.insertAlerts([
        {
          id: `alr_${randomUUID()}`,
          // One open alert per reviewer and kind: a reviewer of its own, so each alert is stored.
          kind: "rubber_stamp",
          workflow: "oversight.watched",
          reviewer: `usr_${randomUUID()}`,
          evidence: { attack: url },
          createdAt: Date.now(),
          actor: "system",
          outbox: {
            id: outboxId,
            caseId: null,
            keyId: alertSecretOwner("oversight.watched"),
            url,
            body: "{}",
            createdAt: Date.now(),
          },
        },
      ]);
      expect(await outbox.runOnce()).toBe(1);
      const failures: Record<string, unknown>[] = [];
      for await (const chain of s.store.audit.chains()) {
        for (const row of chain.rows) {
          const data = typeof row.data === "string" ? JSON.parse(row.data) : row.data;
          if (row.type === "webhook_failed" && data?.outboxId === outboxId) failures.push(data);
        }
      }
      expect(failures).toEqual([
        expect.objectContaining({ error: "refused by policy", status: null, nextAttemptAt: null }),
      ]);
      expect(target.connections()).toBe(before);
    },
  );
});
