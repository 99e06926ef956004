// Claim+decide at depth: 20 reviewers (their own keys) claim and approve through the API of a `loopgate
// serve` process with ~1,000 cases waiting (topped up as they are taken), and of another with 1,000,000
// (seeded straight into the database; the few thousand taken do not change that depth), in alternating
// rounds. The deep rate over the shallow one is the depth penalty. The deep server's RSS is read after
// its last round.
import { setTimeout as sleep } from "node:timers/promises";
import { config } from "../lib/config.js";
import { expectStatus } from "../lib/http.js";
import { ADMIN_TOKEN, ROOT, rssOf, startLoopgate } from "../lib/processes.js";
import { createReviewers, runReviewers } from "../lib/reviewers.js";
import { direct, scratchStore } from "../lib/scratch.js";
import { copyCases, queueDepth } from "../lib/seed-queue.js";
import { median } from "../lib/stats.js";

const WORKFLOW = "bench.queue";
const POLICIES = `${ROOT}/bench/policies`;
const ENGINE = { sqlite: "SQLite", postgres: "PostgreSQL" };
const MIN_RATE = { sqlite: 500, postgres: 300 };
const MB = 1024 * 1024;
const fmt = (n) => n.toLocaleString("en");

/**
 * The copies of one template case: numbered on from 0 across every seeding of the run, each created
 * 1 ms after the previous and all before the template itself (submitted last), so the template is
 * never at the head of the queue and stays there to be copied.
 */
function seeder(db, template, log) {
  let next = 0;
  const tag = `${process.pid}`;
  const startAt = template.createdAt - 2 * (config.depth + config.shallowDepth) - 60_000;
  let tables = [];
  return {
    tables: () => tables,
    async add(count, label) {
      const started = performance.now();
      let reported = 0;
      tables = await copyCases(db, {
        template: template.id,
        tag,
        from: next,
        count,
        startAt,
        onChunk: (done) => {
          if (label && (done - reported >= 100_000 || done === count)) {
            reported = done;
            const s = (performance.now() - started) / 1000;
            log(`  ${label}: ${fmt(done)} / ${fmt(count)} cases (${s.toFixed(0)} s)`);
          }
        },
      });
      next += count;
    },
  };
}

/**
 * Keeps the queue between `target` and `target + batch` while reviewers take cases: checks the depth
 * every 100 ms and copies more when it is below. Returns `stop()`, resolving to the depths it saw.
 */
function topUp(db, seed, target, batch = 500) {
  let running = true;
  const seen = { min: Infinity, max: 0, added: 0 };
  const loop = (async () => {
    while (running) {
      const depth = await queueDepth(db, WORKFLOW);
      seen.min = Math.min(seen.min, depth);
      seen.max = Math.max(seen.max, depth);
      if (depth < target) {
        await seed.add(target + batch - depth);
        seen.added += target + batch - depth;
      }
      await sleep(100);
    }
  })();
  return async () => {
    running = false;
    await loop;
    return seen;
  };
}

async function measure(q, label, log) {
  const depthStart = await queueDepth(q.db, WORKFLOW);
  log(`claim ${label}: ${config.reviewers} reviewers, ${fmt(depthStart)} waiting, ${config.seconds} s`);
  const result = await runReviewers(q.server.url, q.tokens, {
    seconds: config.seconds,
    warmupSeconds: config.warmupSeconds,
  });
  const depthEnd = await queueDepth(q.db, WORKFLOW);
  log(
    `claim ${label}: ${result.rate.toFixed(1)} cycles/s (p50 ${result.p50Ms?.toFixed(0)} ms, ` +
      `p99 ${result.p99Ms?.toFixed(0)} ms; claim p50 ${result.claimP50Ms?.toFixed(0)} ms, decision p50 ` +
      `${result.decideP50Ms?.toFixed(0)} ms), ${result.errors} errors, ${fmt(depthEnd)} waiting at the end`,
  );
  if (result.errors > 0) log(`claim ${label}: last error: ${result.lastError}`);
  return { ...result, depthStart, depthEnd };
}

/**
 * A `loopgate serve` process on fresh storage with the bench's policies, its reviewers' keys and the
 * template case: `{ store, server, db, tokens, seed, restart() }`.
 */
async function queueServer(engine, label, log) {
  const store = await scratchStore(engine, label);
  const q = {
    store,
    server: await startLoopgate({ ...store, policyDir: POLICIES }),
    db: await direct(store),
  };
  q.tokens = await createReviewers(q.server.url, config.reviewers, WORKFLOW);
  const submitted = await expectStatus(201, "POST", `${q.server.url}/v1/cases`, {
    token: ADMIN_TOKEN,
    body: {
      workflow: WORKFLOW,
      action: "pay",
      input: { amount: 1 },
      proposal: { pay: true },
      confidence: 0.5,
    },
  });
  const [row] = await q.db.all("SELECT created_at FROM cases WHERE id = ?", [submitted.id]);
  q.seed = seeder(q.db, { id: submitted.id, createdAt: Number(row.created_at) }, log);
  q.close = async () => {
    await q.server.stop();
    await q.db.close();
    await store.drop();
  };
  return q;
}

/** The median of one figure over the rounds (rounds without it left out). */
const medianOf = (runs, key) => median(runs.map((r) => r[key]).filter((v) => v !== null));

/**
 * The claim rows of `engine`: cycles/s with `config.depth` waiting against ~`config.shallowDepth`
 * waiting, each on its own server and storage, measured in alternating rounds (so a change in the
 * machine's load falls on both); and the deep server's RSS after its last round.
 */
export async function claimRows(engine, log) {
  const shallow = await queueServer(engine, "claim_shallow", log);
  let deep;
  try {
    deep = await queueServer(engine, "claim_deep", log);
    await shallow.seed.add(config.shallowDepth - 1);

    // The deep queue is seeded with its server stopped; PostgreSQL's statistics are then brought up
    // to date, as autovacuum would soon after a load this size.
    await deep.server.stop();
    log(
      `claim ${engine}: seeding ${fmt(config.depth)} waiting cases straight into the database (this takes a while)`,
    );
    await deep.seed.add(config.depth - 1, `seeding ${engine}`);
    if (engine === "postgres") await deep.db.run("VACUUM ANALYZE");
    deep.server = await startLoopgate({ ...deep.store, policyDir: POLICIES });
    await expectStatus(200, "GET", `${deep.server.url}/healthz`);
    const rssStart = rssOf(deep.server.pid);

    const shallowRuns = [];
    const deepRuns = [];
    for (let round = 1; round <= config.rounds; round++) {
      // ~1,000 waiting, kept there while the reviewers take cases.
      const stopTopUp = topUp(shallow.db, shallow.seed, config.shallowDepth);
      shallowRuns.push(await measure(shallow, `${engine} ~${fmt(config.shallowDepth)} waiting`, log));
      shallowRuns.at(-1).topUp = await stopTopUp();
      deepRuns.push(await measure(deep, `${engine} ${fmt(config.depth)} waiting`, log));
    }
    const rssEnd = rssOf(deep.server.pid);

    const deepRate = medianOf(deepRuns, "rate");
    const shallowRate = medianOf(shallowRuns, "rate");
    const penalty = deepRate / shallowRate;
    const run = (r) =>
      `${fmt(r.depthStart)} → ${fmt(r.depthEnd)} waiting${r.topUp ? ` (topped up by ${fmt(r.topUp.added)}, seen ${fmt(r.topUp.min)}–${fmt(r.topUp.max)})` : ""}, ` +
      `${r.rate.toFixed(1)} cycles/s, p50 ${r.p50Ms?.toFixed(0)} ms, p99 ${r.p99Ms?.toFixed(0)} ms per cycle ` +
      `(claim p50 ${r.claimP50Ms?.toFixed(0)} ms, decision p50 ${r.decideP50Ms?.toFixed(0)} ms), ` +
      `${r.errors} errors, ${r.empty} empty claims`;
    const errors = [...deepRuns, ...shallowRuns].reduce((n, r) => n + r.errors, 0);
    return [
      {
        id: `claim.${engine}`,
        measure: `Claim+decide, ${ENGINE[engine]}, ${fmt(config.depth)} waiting`,
        against: `~${fmt(config.shallowDepth)} waiting`,
        value: deepRate,
        unit: "cycles/s",
        better: "higher",
        detail: `p99 ${medianOf(deepRuns, "p99Ms")?.toFixed(0)} ms`,
        baseline: { value: shallowRate, detail: `p99 ${medianOf(shallowRuns, "p99Ms")?.toFixed(0)} ms` },
        ratio: penalty,
        targets: [
          { text: `>= ${MIN_RATE[engine]}/s`, met: deepRate >= MIN_RATE[engine] },
          { text: "ratio >= 0.8", met: penalty >= 0.8 },
        ],
        note:
          `${config.reviewers} reviewers through the API, ${config.seconds} s after ${config.warmupSeconds} s ` +
          `warm-up, median of ${config.rounds} alternating round(s). Deep: ${deepRuns.map(run).join("; ")}. ` +
          `Shallow: ${shallowRuns.map(run).join("; ")}. Seeded by copying the ` +
          `${deep.seed.tables().join(" and ")} rows of a submitted case.` +
          (errors > 0
            ? ` Last error: ${[...deepRuns, ...shallowRuns].find((r) => r.lastError)?.lastError}`
            : ""),
        errors,
      },
      {
        id: `rss.${engine}`,
        measure: `Server RSS, ${ENGINE[engine]}, ${fmt(config.depth)} waiting`,
        against: "same process at start",
        value: rssEnd / MB,
        unit: "MB",
        better: "lower",
        baseline: { value: rssStart / MB },
        ratio: rssEnd / rssStart,
        targets: [],
        note: "the deep queue's `loopgate serve` process (/proc VmRSS) after its last claim round; the database's own memory is not in it",
      },
    ];
  } finally {
    await deep?.close();
    await shallow.close();
  }
}
