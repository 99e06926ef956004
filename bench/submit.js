// `npm run bench`: submit throughput and p99 through the full API (auth, validation, policy, one
// transaction with the case and its events) against a bare Fastify route doing one SQLite insert,
// measured in the same run on the same machine. Prints the ratio; the target is >= 0.6.
import { fork, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";

const DURATION = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const TOKEN = "lg_bench_admin_token_for_this_run_only";
const root = fileURLToPath(new URL("..", import.meta.url));

const submission = JSON.stringify({
  workflow: "invoice.approve",
  action: "pay",
  input: { invoiceNumber: "INV-1", supplier: "Acme Industrial", amount: 640.5, currency: "EUR" },
  context: { po: { number: "PO-1", supplier: "Acme Industrial", amount: 640.5 }, segmentApproved: true },
  proposal: { pay: true, amount: 640.5, account: "2000-AP" },
  confidence: 0.95,
  rationale: "Amount and supplier match the purchase order.",
  subject: "supplier:Acme Industrial",
});

function startBaseline(dir) {
  const child = fork(join(root, "bench/baseline-server.js"), [dir], { stdio: "ignore" });
  return new Promise((resolve) =>
    child.on("message", (m) => resolve({ child, url: `http://127.0.0.1:${m.port}/insert` })),
  );
}

function startLoopgate(dir, port) {
  const child = spawn(
    process.execPath,
    [join(root, "packages/server/dist/cli/bin.js"), "serve", "--port", String(port)],
    {
      env: { ...process.env, LOOPGATE_DATA_DIR: dir, LOOPGATE_BOOTSTRAP_TOKEN: TOKEN, LOOPGATE_DEMO: "0" },
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (chunk) => {
      out += chunk;
      if (out.includes("Loopgate listening")) resolve({ child, url: `http://127.0.0.1:${port}/v1/cases` });
    });
    child.on("exit", (code) => reject(new Error(`loopgate exited with ${code}: ${out}`)));
  });
}

async function load(url, headers) {
  const opts = {
    url,
    method: "POST",
    body: submission,
    headers: { "content-type": "application/json", ...headers },
    connections: CONNECTIONS,
  };
  await autocannon({ ...opts, duration: 2 }); // warm-up: JIT, page cache, prepared statements
  const r = await autocannon({ ...opts, duration: DURATION });
  const bad = r.non2xx + r.errors + r.timeouts;
  if (bad > 0) throw new Error(`${bad} failed requests against ${url}`);
  return { rps: r.requests.average, p99: r.latency.p99, total: r.requests.total };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const results = { baseline: [], loopgate: [] };
for (let round = 1; round <= ROUNDS; round++) {
  const dir = mkdtempSync(join(tmpdir(), "loopgate-bench-"));
  try {
    const base = await startBaseline(dir);
    results.baseline.push(await load(base.url, {}));
    base.child.kill();
    const lg = await startLoopgate(dir, 18080 + round);
    results.loopgate.push(await load(lg.url, { authorization: `Bearer ${TOKEN}` }));
    lg.child.kill();
    const b = results.baseline.at(-1);
    const l = results.loopgate.at(-1);
    console.error(
      `round ${round}/${ROUNDS}: baseline ${b.rps.toFixed(0)} req/s, loopgate ${l.rps.toFixed(0)} req/s`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const b = {
  rps: median(results.baseline.map((r) => r.rps)),
  p99: median(results.baseline.map((r) => r.p99)),
};
const l = {
  rps: median(results.loopgate.map((r) => r.rps)),
  p99: median(results.loopgate.map((r) => r.p99)),
};
const ratio = l.rps / b.rps;
console.log(
  `\nsubmit benchmark (${CONNECTIONS} connections, ${DURATION}s x ${ROUNDS} rounds, SQLite WAL synchronous=FULL)`,
);
console.log(`  baseline  bare Fastify + 1 insert : ${b.rps.toFixed(0).padStart(6)} req/s   p99 ${b.p99} ms`);
console.log(`  loopgate  POST /v1/cases (full)  : ${l.rps.toFixed(0).padStart(6)} req/s   p99 ${l.p99} ms`);
console.log(
  `  throughput ratio ${ratio.toFixed(2)} (target >= 0.60)   p99 ratio ${(l.p99 / b.p99).toFixed(2)}`,
);
