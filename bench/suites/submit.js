// Submit throughput: `POST /v1/cases` on a `loopgate serve` process (auth, validation, policy, the case
// and its events committed with fsync) against the bare group-committed insert of the same engine
// (bench/baseline-server.js), in alternating rounds on fresh storage; medians of the rounds.
import { config } from "../lib/config.js";
import { loadPost } from "../lib/http.js";
import { ADMIN_TOKEN, ROOT, startBaseline, startLoopgate } from "../lib/processes.js";
import { scratchSchema, scratchStore } from "../lib/scratch.js";
import { median } from "../lib/stats.js";

/** The submission every submit load sends: invoice.approve of the shipped examples, routed auto. */
const SUBMISSION = {
  workflow: "invoice.approve",
  action: "pay",
  input: { invoiceNumber: "INV-1", supplier: "Acme Industrial", amount: 640.5, currency: "EUR" },
  context: { po: { number: "PO-1", supplier: "Acme Industrial", amount: 640.5 }, segmentApproved: true },
  proposal: { pay: true, amount: 640.5, account: "2000-AP" },
  confidence: 0.95,
  rationale: "Amount and supplier match the purchase order.",
  subject: "supplier:Acme Industrial",
};
export const EXAMPLE_POLICIES = `${ROOT}/examples/policies`;

const TARGET = { sqlite: 0.5, postgres: 0.4 };
const ENGINE = { sqlite: "SQLite", postgres: "PostgreSQL" };

/** Submit load against the server at `url` (Loopgate's `/v1/cases`), as the bootstrap admin. */
export function loadSubmit(url, failures) {
  return loadPost(`${url}/v1/cases`, SUBMISSION, {
    headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    seconds: config.seconds,
    warmupSeconds: config.warmupSeconds,
    connections: config.connections,
    failures,
  });
}

async function baselineRound(engine) {
  const load = (url) =>
    loadPost(url, SUBMISSION, {
      seconds: config.seconds,
      warmupSeconds: config.warmupSeconds,
      connections: config.connections,
    });
  if (engine === "sqlite") {
    const store = await scratchStore("sqlite", "baseline");
    const server = await startBaseline("sqlite", store.dataDir);
    try {
      return await load(server.url);
    } finally {
      await server.stop();
      await store.drop();
    }
  }
  const scratch = scratchSchema("baseline");
  const server = await startBaseline("postgres", config.pgUrl, scratch.schema);
  try {
    return await load(server.url);
  } finally {
    await server.stop();
    await scratch.drop();
  }
}

async function loopgateRound(engine) {
  const store = await scratchStore(engine, "submit");
  const server = await startLoopgate({ ...store, policyDir: EXAMPLE_POLICIES });
  try {
    return await loadSubmit(server.url);
  } finally {
    await server.stop();
    await store.drop();
  }
}

/** The submit row of `engine`. */
export async function submitRow(engine, log) {
  const base = [];
  const lg = [];
  for (let round = 1; round <= config.rounds; round++) {
    base.push(await baselineRound(engine));
    lg.push(await loopgateRound(engine));
    log(
      `submit ${engine} round ${round}/${config.rounds}: bare insert ${base.at(-1).rps.toFixed(0)} req/s, ` +
        `loopgate ${lg.at(-1).rps.toFixed(0)} req/s`,
    );
  }
  const value = median(lg.map((r) => r.rps));
  const baseline = median(base.map((r) => r.rps));
  const ratio = value / baseline;
  return {
    id: `submit.${engine}`,
    measure: `Submit, ${ENGINE[engine]}`,
    against: "bare group-committed insert",
    value,
    unit: "req/s",
    better: "higher",
    detail: `p99 ${median(lg.map((r) => r.p99))} ms`,
    baseline: { value: baseline, detail: `p99 ${median(base.map((r) => r.p99))} ms` },
    ratio,
    targets: [{ text: `ratio >= ${TARGET[engine]}`, met: ratio >= TARGET[engine] }],
    note:
      `${config.connections} connections, ${config.seconds} s after ${config.warmupSeconds} s warm-up, ` +
      `median of ${config.rounds} alternating round(s) on fresh storage`,
  };
}
