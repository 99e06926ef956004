// Wake-up latency: how long after a reviewer decides does an automation's long-poll
// (`GET /v1/cases/:id/decision?waitSeconds=N`) answer? Same process (SQLite or PostgreSQL: decide and
// wait on one server) and cross-process (PostgreSQL: two `loopgate serve` on one database, decide on
// A, wait on B, woken by LISTEN/NOTIFY). Each sample runs from just before the decide request is sent
// to the long-poll's answer, so it includes the decision's own commit.
//
//   node bench/wakeup.js                  all three, 200 samples each (BENCH_WAKEUP_SAMPLES)
//   import { measureWakeup } from "./wakeup.js"; await measureWakeup({ engine, crossProcess, samples })
//
// Needs the built server (`npx tsc -b packages/server`) and, for PostgreSQL, BENCH_PG or
// LOOPGATE_TEST_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test): each run gets a
// database of its own, dropped afterwards (`loopgate serve` keeps its tables in the public schema).
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath, pathToFileURL } from "node:url";
import pg from "pg";
import { call as httpCall } from "./lib/http.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const BIN = join(ROOT, "packages/server/dist/cli/bin.js");
const TOKEN = "lg_bench_wakeup_admin_token_for_this_run_only";
const PG_URL =
  process.env.BENCH_PG || process.env.LOOPGATE_TEST_DATABASE_URL || "postgres://postgres@127.0.0.1:5432/test";
const WARMUP_SAMPLES = 10;
/** How long after sending the long-poll a sample waits before deciding, so the poll is surely waiting. */
const SETTLE_MS = 30;

// Every case waits for one reviewer, with no rule that would refuse a quick decision (minimum review
// time, four-eyes, authority) or hold it back (release delay).
const POLICY = `workflow: bench.wakeup
owner: bench-owner
pattern: review_and_approve
reasons: [other]
risk:
  classes:
    normal: { autoMinConfidence: null }
actions:
  pay: { boundary: review }
`;

const children = new Set();
process.on("exit", () => {
  for (const child of children) child.kill("SIGKILL");
});

/** `loopgate serve` on a free port; resolves with its URL once it says it is listening. */
function startServer(env) {
  // BENCH_SERVER_NODE_ARGS: flags for the servers' node, as in bench/lib/processes.js (e.g. --cpu-prof).
  const nodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? "").split(" ").filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, BIN, "serve", "--port", "0"], {
    cwd: ROOT,
    env: { ...process.env, LOOPGATE_BOOTSTRAP_TOKEN: TOKEN, LOOPGATE_DEMO: "0", LOG_LEVEL: "warn", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.add(child);
  let out = "";
  const keep = (chunk) => {
    out = (out + chunk).slice(-4000);
  };
  child.stdout.on("data", keep);
  child.stderr.on("data", keep);
  const exited = new Promise((resolve) => child.once("exit", resolve));
  return new Promise((resolve, reject) => {
    const onData = () => {
      const m = /Loopgate listening on (http:\/\/\S+)/.exec(out);
      if (!m) return;
      child.stdout.off("data", onData);
      resolve({
        url: m[1],
        async stop() {
          child.kill("SIGTERM");
          await exited;
          children.delete(child);
        },
      });
    };
    child.stdout.on("data", onData);
    exited.then((code) => reject(new Error(`loopgate serve exited (${code}) before listening:\n${out}`)));
  });
}

// Over the suite's keep-alive node:http client (lib/http.js), as every other row: fetch() costs the
// bench about a millisecond more per call on these machines, which is the client's time, not the server's.
function call(url, method, path, token, body) {
  return httpCall(method, url + path, { token, body });
}

async function expectStatus(what, status, pending) {
  const res = await pending;
  if (res.status !== status)
    throw new Error(`${what}: expected ${status}, got ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** Where the servers of one run keep their data, and how to remove it afterwards. */
async function freshStorage(engine, dir) {
  if (engine === "sqlite") return { env: { LOOPGATE_DATA_DIR: join(dir, "data") }, drop: async () => {} };
  const name = `lg_wakeup_${Math.random().toString(36).slice(2, 10)}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  await admin.query(`create database "${name}"`);
  await admin.end();
  const url = new URL(PG_URL);
  url.pathname = `/${name}`;
  return {
    env: { LOOPGATE_DATABASE_URL: url.toString() },
    async drop() {
      const c = new pg.Client({ connectionString: PG_URL });
      await c.connect();
      await c.query(`drop database if exists "${name}" with (force)`);
      await c.end();
    },
  };
}

function summary(latencies) {
  const sorted = [...latencies].sort((a, b) => a - b);
  // Nearest rank: the smallest sample with at least p of them at or below it.
  const pct = (p) => sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
  const avg = sorted.reduce((s, x) => s + x, 0) / sorted.length;
  return { avgMs: avg, p50Ms: pct(0.5), p99Ms: pct(0.99), maxMs: sorted.at(-1) };
}

/**
 * Decision → long-poll wake-up latency in milliseconds over `samples` decisions (after a warm-up):
 * `{ avgMs, p50Ms, p99Ms, maxMs }` from just before the decide request to the long-poll's answer, and
 * the same figures for its two parts: `decide` (the decide request's own round trip and commit) and
 * `afterDecide` (from the decide response to the long-poll's answer, 0 when it came first).
 * `crossProcess`: the long-poll waits on a second server process sharing the PostgreSQL database.
 *
 * @example
 * const { avgMs, p99Ms } = await measureWakeup({ engine: "postgres", crossProcess: true, samples: 200 });
 */
export async function measureWakeup({ engine, crossProcess = false, samples = 200 }) {
  if (engine !== "sqlite" && engine !== "postgres")
    throw new Error(`engine must be sqlite or postgres, got ${engine}`);
  if (crossProcess && engine === "sqlite") {
    throw new Error("cross-process wake-ups need PostgreSQL: one process owns a SQLite file");
  }
  if (!existsSync(BIN)) throw new Error(`no built server at ${BIN}: run npx tsc -b packages/server first`);
  const dir = mkdtempSync(join(tmpdir(), "loopgate-wakeup-"));
  const policyDir = join(dir, "policies");
  mkdirSync(policyDir);
  writeFileSync(join(policyDir, "wakeup.yaml"), POLICY);
  const storage = await freshStorage(engine, dir);
  const servers = [];
  try {
    const env = { ...storage.env, LOOPGATE_POLICY_DIR: policyDir };
    // The first migrates; a second on the same database starts after it.
    const deciding = await startServer(env);
    servers.push(deciding);
    const waiting = crossProcess ? await startServer(env) : deciding;
    if (crossProcess) servers.push(waiting);
    const key = async (role) =>
      (
        await expectStatus(
          "create key",
          201,
          call(deciding.url, "POST", "/v1/keys", TOKEN, { name: role, role }),
        )
      ).key;
    const automation = await key("automation");
    const reviewer = await key("reviewer");

    const total = [];
    const decide = [];
    const afterDecide = [];
    for (let i = 0; i < WARMUP_SAMPLES + samples; i++) {
      const submission = {
        workflow: "bench.wakeup",
        action: "pay",
        input: { n: i },
        proposal: { pay: true },
        confidence: 0.5,
      };
      const { id } = await expectStatus(
        "submit",
        201,
        call(deciding.url, "POST", "/v1/cases", automation, submission),
      );
      const claimed = await expectStatus(
        "claim",
        200,
        call(deciding.url, "POST", "/v1/queue/claim", reviewer, {}),
      );
      if (claimed.case.id !== id) throw new Error(`claimed ${claimed.case.id}, expected ${id}`);
      // Stamped as each answer arrives: the long-poll may answer before the decide response is back.
      const poll = call(waiting.url, "GET", `/v1/cases/${id}/decision?waitSeconds=30`, automation).then(
        (res) => ({ res, at: performance.now() }),
      );
      await new Promise((r) => setTimeout(r, SETTLE_MS));
      const start = performance.now();
      await expectStatus(
        "decide",
        201,
        call(deciding.url, "POST", `/v1/cases/${id}/decisions`, reviewer, { verdict: "approve" }),
      );
      const decided = performance.now();
      const answer = await poll;
      if (answer.res.status !== 200)
        throw new Error(`long-poll answered ${answer.res.status}, not 200 with the decision`);
      if (i < WARMUP_SAMPLES) continue;
      total.push(answer.at - start);
      decide.push(decided - start);
      afterDecide.push(Math.max(0, answer.at - decided));
    }
    return { ...summary(total), decide: summary(decide), afterDecide: summary(afterDecide) };
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
    await storage.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const samples = Number(process.env.BENCH_WAKEUP_SAMPLES ?? 200);
  const runs = [
    { engine: "sqlite", crossProcess: false },
    { engine: "postgres", crossProcess: false },
    { engine: "postgres", crossProcess: true },
  ];
  console.log(`decision → long-poll wake-up, ms over ${samples} samples each`);
  console.log("  engine    where          measured                     avg     p50     p99     max");
  const f = (x) => x.toFixed(1).padStart(7);
  for (const run of runs) {
    const r = await measureWakeup({ ...run, samples });
    const where = run.crossProcess ? "cross-process" : "same process";
    const line = (what, s) =>
      console.log(
        `  ${run.engine.padEnd(8)}  ${where.padEnd(13)}  ${what.padEnd(26)}${f(s.avgMs)} ${f(s.p50Ms)} ${f(s.p99Ms)} ${f(s.maxMs)}`,
      );
    line("before decide → answer", r);
    line("  decide request alone", r.decide);
    line("  decide response → answer", r.afterDecide);
  }
}
