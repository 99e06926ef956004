import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import pino from "pino";
import { type RunningServer, type ServerConfig, startServer } from "../../src/server.js";

export const PG_URL = process.env.LOOPGATE_TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
export const FIXTURE_POLICIES = fileURLToPath(new URL("../fixtures/policies", import.meta.url));
export const ENGINES = ["sqlite", "postgres"] as const;
export type Engine = (typeof ENGINES)[number];

export const ADMIN_TOKEN = "lg_test_admin_token_0123456789abcdef";

/** Where a test server keeps its data: a fresh SQLite directory, or a fresh PostgreSQL schema. */
export interface TestStorage {
  engine: Engine;
  dataDir: string;
  databaseUrl?: string;
  schema?: string;
  cleanup(): Promise<void>;
}

export async function freshStorage(engine: Engine): Promise<TestStorage> {
  const dataDir = mkdtempSync(join(tmpdir(), "loopgate-test-"));
  if (engine === "sqlite") {
    return { engine, dataDir, cleanup: async () => rmSync(dataDir, { recursive: true, force: true }) };
  }
  const schema = `t_${Math.random().toString(36).slice(2, 12)}`;
  return {
    engine,
    dataDir,
    databaseUrl: PG_URL,
    schema,
    async cleanup() {
      rmSync(dataDir, { recursive: true, force: true });
      const client = new pg.Client({ connectionString: PG_URL });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await client.end();
    },
  };
}

/**
 * Storage for a CLI command run through `main([...])`. The commands take `--database-url` without a
 * schema, as an operator would, so on PostgreSQL each run gets a database of its own (tables in its
 * public schema), dropped by `cleanup`.
 */
export async function freshCliStorage(engine: Engine): Promise<TestStorage> {
  if (engine === "sqlite") return freshStorage("sqlite");
  const name = `lg_cli_${Math.random().toString(36).slice(2, 12)}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const url = new URL(PG_URL);
  url.pathname = `/${name}`;
  const dataDir = mkdtempSync(join(tmpdir(), "loopgate-cli-"));
  return {
    engine,
    dataDir,
    databaseUrl: url.toString(),
    async cleanup() {
      rmSync(dataDir, { recursive: true, force: true });
      const client = new pg.Client({ connectionString: PG_URL });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await client.end();
    },
  };
}

/** Tests read many shapes of JSON; `any` here keeps each assertion readable (toMatchObject checks them). */
// biome-ignore lint/suspicious/noExplicitAny: test-only convenience, see above
export type JsonResponse = Omit<Response, "json"> & { json(): Promise<any> };

export interface TestServer extends RunningServer {
  storage: TestStorage;
  /** fetch against the server with the admin key unless another token is given. */
  call(method: string, path: string, body?: unknown, token?: string | null): Promise<JsonResponse>;
  newKey(role: string, workflows?: string[]): Promise<{ key: string; id: string; signingSecret: string }>;
}

/** A real server on an ephemeral port over real storage. Restart it on the same storage with `restartOn`. */
export async function startTestServer(
  engine: Engine,
  overrides: Partial<ServerConfig> = {},
  storage?: TestStorage,
): Promise<TestServer> {
  const st = storage ?? (await freshStorage(engine));
  const server = await startServer({
    port: 0,
    host: "127.0.0.1",
    dataDir: st.dataDir,
    databaseUrl: st.databaseUrl,
    schema: st.schema,
    policyDir: FIXTURE_POLICIES,
    bootstrapToken: ADMIN_TOKEN,
    leaseSeconds: 60,
    bodyLimitBytes: 64 * 1024,
    maxWaitSeconds: 10,
    logger: pino({ level: "silent" }),
    webhook: { pollMs: 50, baseBackoffMs: 20 },
    // Tests' webhook receivers listen on loopback, which a server refuses unless the operator allows it.
    callbackAllow: "127.0.0.1",
    // Never mix catch trials or overlap copies in (rate < 1), so queues hold exactly what a test submits.
    random: () => 0.999999,
    ...overrides,
  });
  // The notification worker's first round starts with the server. Had it still been reading when a test
  // submits its first cases, it could announce some of them on its own (a slow PostgreSQL in CI did), and
  // a test that counts messages per `runOnce` would see one message more. Let it finish first: a timer
  // set now fires after the worker's (same delay, set earlier), so its round is in flight by then.
  if (server.notifications) {
    await new Promise((r) => setTimeout(r, 0));
    await server.notifications.runOnce();
  }
  const call = (
    method: string,
    path: string,
    body?: unknown,
    token: string | null = ADMIN_TOKEN,
  ): Promise<JsonResponse> =>
    fetch(server.url + path, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    });
  return {
    ...server,
    storage: st,
    call,
    async newKey(role, workflows) {
      const res = await call("POST", "/v1/keys", { name: `${role}-${Math.random()}`, role, workflows });
      if (res.status !== 201) throw new Error(`key creation failed: ${res.status} ${await res.text()}`);
      return (await res.json()) as { key: string; id: string; signingSecret: string };
    },
  };
}

/** A valid submission for the fixture workflow `test.payments`; override what the test is about. */
export function payment(overrides: Record<string, unknown> = {}) {
  return {
    workflow: "test.payments",
    action: "pay",
    input: { amount: 120, payee: "Acme" },
    proposal: { pay: 120, to: "Acme" },
    confidence: 0.95,
    ...overrides,
  };
}

/**
 * Plays the reviewer of a case an SDK call is submitting: waits for the next case to queue, claims it
 * as the admin and records `decision` on it.
 */
export async function decideNext(s: TestServer, decision: Record<string, unknown>): Promise<JsonResponse> {
  for (let i = 0; i < 100; i++) {
    const res = await s.call("POST", "/v1/queue/claim", {});
    if (res.status === 200) {
      const { case: c } = await res.json();
      return s.call("POST", `/v1/cases/${c.id}/decisions`, decision);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error("nothing was queued to decide");
}
