// What one `npm run bench` run does: flags (`npm run bench -- --quick --save-baseline`) and the
// BENCH_* environment variables, read once here so every suite sees the same settings.
import { parseArgs } from "node:util";

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: {
    quick: { type: "boolean" },
    "save-baseline": { type: "boolean" },
    only: { type: "string" },
  },
  strict: true,
});

const env = process.env;
const on = (name) => env[name] === "1" || env[name] === "true";

/** A whole number from the environment, or `fallback`; anything else stops the run before it starts. */
function count(name, fallback) {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw.replaceAll("_", ""));
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a whole number, got "${raw}"`);
  return n;
}

function list(name, raw, allowed) {
  if (raw === undefined || raw === "") return allowed;
  const items = raw.split(",").map((s) => s.trim());
  const unknown = items.filter((s) => !allowed.includes(s));
  if (unknown.length > 0)
    throw new Error(`${name}: unknown ${unknown.join(", ")} (known: ${allowed.join(", ")})`);
  return items;
}

const quick = values.quick === true || on("BENCH_QUICK");
const depth = count("BENCH_DEPTH", quick ? 100_000 : 1_000_000);

const SUITES = ["submit", "claim", "wakeup", "governance", "export", "webhooks"];

export const config = {
  quick,
  saveBaseline: values["save-baseline"] === true || on("BENCH_SAVE_BASELINE"),
  suites: list("--only/BENCH_ONLY", values.only ?? env.BENCH_ONLY, SUITES),
  engines: list("BENCH_ENGINES", env.BENCH_ENGINES, ["sqlite", "postgres"]),
  pgUrl: env.BENCH_PG || env.LOOPGATE_TEST_DATABASE_URL || "postgres://postgres@127.0.0.1:5432/test",
  /** Measured seconds of each load (after a warm-up of `warmupSeconds`). */
  seconds: count("BENCH_SECONDS", quick ? 5 : 10),
  warmupSeconds: count("BENCH_WARMUP_SECONDS", 2),
  /** Submit: alternating baseline/Loopgate rounds; the median is reported. */
  rounds: count("BENCH_ROUNDS", quick ? 1 : 2),
  connections: count("BENCH_CONNECTIONS", 16),
  reviewers: count("BENCH_REVIEWERS", 20),
  /** Claim: the deep queue, and the shallow one it is compared with (kept topped up). */
  depth,
  shallowDepth: count("BENCH_SHALLOW_DEPTH", 1_000),
  /** Governance: events in the history the 90-day report reads. */
  events: count("BENCH_EVENTS", depth),
  reps: count("BENCH_REPS", 5),
  wakeupSamples: count("BENCH_WAKEUP_SAMPLES", quick ? 50 : 200),
  exportRows: count("BENCH_EXPORT_ROWS", quick ? 50_000 : 200_000),
};
