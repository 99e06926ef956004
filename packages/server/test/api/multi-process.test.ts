import { type ChildProcess, execFileSync, fork } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ServerConfig } from "../../src/server.js";
import { startReceiver } from "../helpers/receiver.js";
import {
  ADMIN_TOKEN,
  FIXTURE_POLICIES,
  freshStorage,
  type JsonResponse,
  payment,
  type TestStorage,
} from "../helpers/server.js";
import { openStream } from "../helpers/workspace.js";

/**
 * Three server processes on ONE PostgreSQL schema, as three `loopgate serve` behind a load balancer:
 * a change committed through one reaches the long-polls and streams of the others (LISTEN/NOTIFY,
 * src/change-feed/postgres.ts), claims never hand a case out twice, and webhooks go out once.
 *
 * The processes run the built server (helpers/server-process.mjs), so this file builds it first
 * (incremental: about a second when dist is up to date).
 */

const ROOT = fileURLToPath(new URL("../../../../", import.meta.url));
const CHILD = fileURLToPath(new URL("../helpers/server-process.mjs", import.meta.url));
/** A long-poll re-reads the store this seldom here, so only a NOTIFY can wake one within a test. */
const RECHECK_MS = 30_000;

interface ServerProcess {
  name: string;
  url: string;
  child: ChildProcess;
  call(method: string, path: string, body?: unknown, token?: string): Promise<JsonResponse>;
}

async function spawnServer(name: string, storage: TestStorage): Promise<ServerProcess> {
  const config: Omit<ServerConfig, "logger" | "clock" | "random"> = {
    port: 0,
    host: "127.0.0.1",
    dataDir: storage.dataDir,
    databaseUrl: storage.databaseUrl,
    schema: storage.schema,
    policyDir: FIXTURE_POLICIES,
    bootstrapToken: ADMIN_TOKEN,
    leaseSeconds: 60,
    bodyLimitBytes: 64 * 1024,
    maxWaitSeconds: 60,
    longPollRecheckMs: RECHECK_MS,
    webhook: { pollMs: 50, baseBackoffMs: 20 },
    // The test's receiver listens on loopback, which only the operator's allow-list opens.
    callbackAllow: "127.0.0.1",
  };
  const child = fork(CHILD, [JSON.stringify(config)], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const url = await new Promise<string>((resolve, reject) => {
    child.once("message", (m) => resolve((m as { url: string }).url));
    child.once("exit", (code) => reject(new Error(`server ${name} exited with ${code} before listening`)));
  });
  const call = (method: string, path: string, body?: unknown, token = ADMIN_TOKEN) =>
    fetch(url + path, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  return { name, url, child, call };
}

async function stopServer(p: ServerProcess): Promise<void> {
  if (p.child.exitCode !== null) return;
  const exited = new Promise((resolve) => p.child.once("exit", resolve));
  p.child.kill("SIGTERM");
  await exited;
}

describe("several server processes on one PostgreSQL schema", () => {
  let storage: TestStorage;
  let servers: ServerProcess[] = [];
  let a: ServerProcess;
  let b: ServerProcess;
  let c: ServerProcess;
  let automation: { key: string; id: string };

  const newKey = async (role: string) => {
    const res = await a.call("POST", "/v1/keys", { name: `${role}-${Math.random()}`, role });
    expect(res.status).toBe(201);
    return (await res.json()) as { key: string; id: string };
  };
  const submit = async (via: ServerProcess, body: Record<string, unknown>) => {
    const res = await via.call("POST", "/v1/cases", payment({ confidence: 0.1, ...body }), automation.key);
    expect(res.status).toBe(201);
    return (await res.json()).id as string;
  };

  beforeAll(async () => {
    const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
    try {
      execFileSync(process.execPath, [tsc, "-b", "packages/server"], { cwd: ROOT, encoding: "utf8" });
    } catch (err) {
      const output = (err as { stdout?: string }).stdout ?? String(err);
      throw new Error(`the server processes run the build, and packages/server does not build:\n${output}`);
    }
    storage = await freshStorage("postgres");
    // The first migrates the schema and makes the admin key; the others start on it together.
    a = await spawnServer("A", storage);
    servers = [a];
    [b, c] = await Promise.all([spawnServer("B", storage), spawnServer("C", storage)]);
    servers.push(b, c);
    automation = await newKey("automation");
  }, 120_000);

  afterAll(async () => {
    await Promise.all(servers.map(stopServer));
    await storage?.cleanup();
  });

  it("a stream on one process hears the submit, claim and decision made through the others", async () => {
    const reviewer = await newKey("reviewer");
    const stream = await openStream(b, reviewer.key);
    try {
      expect(stream.res.status).toBe(200);
      const id = await submit(c, {});
      expect(await stream.next((e) => e.caseId === id)).toEqual({
        type: "submitted",
        caseId: id,
        workflow: "test.payments",
      });
      const claimed = await a.call("POST", "/v1/queue/claim", {}, reviewer.key);
      expect((await claimed.json()).case.id).toBe(id);
      expect(await stream.next((e) => e.caseId === id)).toMatchObject({ type: "claimed" });
      const decided = await a.call("POST", `/v1/cases/${id}/decisions`, { verdict: "approve" }, reviewer.key);
      expect(decided.status).toBe(201);
      expect(await stream.next((e) => e.caseId === id)).toEqual({
        type: "decided",
        caseId: id,
        workflow: "test.payments",
      });
    } finally {
      stream.close();
    }
  });

  it("a long-poll waiting on one process returns the decision made on another", async () => {
    const reviewer = await newKey("reviewer");
    const id = await submit(a, {});
    const abort = new AbortController();
    const poll = fetch(`${b.url}/v1/cases/${id}/decision?waitSeconds=50`, {
      headers: { authorization: `Bearer ${automation.key}` },
      signal: abort.signal,
    });
    // Still waiting (not answered from its first read) before the decision is made.
    expect(await Promise.race([poll.then(() => "answered"), sleep(500).then(() => "waiting")])).toBe(
      "waiting",
    );
    const claimed = await a.call("POST", "/v1/queue/claim", {}, reviewer.key);
    expect((await claimed.json()).case.id).toBe(id);
    const decided = await a.call("POST", `/v1/cases/${id}/decisions`, { verdict: "approve" }, reviewer.key);
    expect(decided.status).toBe(201);
    // B re-reads the store on its own only after RECHECK_MS (30 s): an answer within 10 s can only come
    // from the NOTIFY that A sent. (A deadline, not a timing measurement: the wake-up takes milliseconds.)
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), 10_000);
    });
    const answer = await Promise.race([poll, deadline]);
    clearTimeout(timer);
    if (!answer) abort.abort();
    expect(answer, "B's long-poll was not woken by A's decision").toBeDefined();
    const res = answer as Response;
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ caseId: id, status: "decided", verdict: "approve" });
  });

  it("reviewers claiming through all three processes at once never share a case", async () => {
    const CASES = 45;
    const ids = new Set<string>();
    for (let i = 0; i < CASES; i += 15) {
      const batch = await Promise.all(
        Array.from({ length: 15 }, (_, j) => submit(servers[(i + j) % 3] as ServerProcess, {})),
      );
      for (const id of batch) ids.add(id);
    }
    const reviewers = await Promise.all(Array.from({ length: 24 }, () => newKey("reviewer")));
    const takenBy = new Map<string, string[]>();
    const claimsVia = new Set<string>();
    // 24 claims in flight at once, eight per process, until the queue is empty.
    await workQueue(servers, reviewers, (taken, reviewer, via) => {
      claimsVia.add(via.name);
      takenBy.set(taken, [...(takenBy.get(taken) ?? []), reviewer.id]);
    });
    expect([...takenBy.values()].filter((holders) => holders.length > 1)).toEqual([]);
    expect(new Set(takenBy.keys())).toEqual(ids);
    expect(claimsVia).toEqual(new Set(["A", "B", "C"]));
    expect(new Set([...takenBy.values()].map((h) => h[0])).size).toBeGreaterThan(1);
  });

  it("sends each webhook of decisions made across processes once per delivery id", async () => {
    const receiver = await startReceiver();
    try {
      const CASES = 24;
      const ids = await Promise.all(
        Array.from({ length: CASES }, (_, i) =>
          submit(servers[i % 3] as ServerProcess, { callbackUrl: receiver.url }),
        ),
      );
      const reviewers = await Promise.all(Array.from({ length: 6 }, () => newKey("reviewer")));
      await workQueue(servers, reviewers);
      await receiver.until((d) => d.length >= CASES);
      // Three outbox workers poll every 50 ms: a second delivery of any row would come within this.
      await sleep(1000);
      const deliveryIds = receiver.deliveries.map((d) => d.headers["webhook-id"]);
      expect(deliveryIds.every((id) => typeof id === "string" && id.length > 0)).toBe(true);
      expect(new Set(deliveryIds).size).toBe(deliveryIds.length);
      const cases = receiver.deliveries.map((d) => JSON.parse(d.body).caseId as string);
      expect(cases.sort()).toEqual([...ids].sort());
    } finally {
      await receiver.close();
    }
  });
});

/**
 * Each reviewer claims through the processes in turn and approves what it took, all at once, until the
 * queue is empty; `onTaken` hears of every case taken, by whom and through which process.
 */
async function workQueue(
  servers: ServerProcess[],
  reviewers: Array<{ id: string; key: string }>,
  onTaken: (caseId: string, reviewer: { id: string; key: string }, via: ServerProcess) => void = () => {},
): Promise<void> {
  await Promise.all(
    reviewers.map(async (r, n) => {
      for (let round = 0; ; round++) {
        const via = servers[(n + round) % servers.length] as ServerProcess;
        const res = await via.call("POST", "/v1/queue/claim", {}, r.key);
        if (res.status === 204) return;
        expect(res.status).toBe(200);
        const { case: taken } = await res.json();
        onTaken(taken.id, r, via);
        const d = await via.call("POST", `/v1/cases/${taken.id}/decisions`, { verdict: "approve" }, r.key);
        expect(d.status).toBe(201);
      }
    }),
  );
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
