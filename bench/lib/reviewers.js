// Reviewers working a queue through the API, as the workspace does: each one claims the next case
// (POST /v1/queue/claim) and approves it (POST /v1/cases/:id/decisions), in a loop, all at once.
import { setTimeout as sleep } from "node:timers/promises";
import { call, expectStatus } from "./http.js";
import { ADMIN_TOKEN } from "./processes.js";
import { percentile } from "./stats.js";

/** `n` reviewer keys for `workflow`, created by the bootstrap admin: their tokens. */
export async function createReviewers(url, n, workflow) {
  const tokens = [];
  for (let i = 0; i < n; i++) {
    const key = await expectStatus(201, "POST", `${url}/v1/keys`, {
      token: ADMIN_TOKEN,
      body: { name: `bench-reviewer-${i}`, role: "reviewer", workflows: [workflow] },
    });
    tokens.push(key.key);
  }
  return tokens;
}

/**
 * Every token's claim+decide loop runs for `warmupSeconds` (not counted), then `seconds` measured:
 * cycles completed in that window per second, cycle latency p50/p99 (claim sent → decision answered)
 * and the p50 of its claim and of its decision, claims that found the queue empty, and failed calls
 * with the last failure's answer.
 */
export async function runReviewers(url, tokens, { seconds, warmupSeconds }) {
  let measuring = false;
  let stop = false;
  const s = { cycles: 0, empty: 0, errors: 0, lastError: null, latencies: [], claims: [], decides: [] };
  const failed = (what, res) => {
    if (measuring) s.errors += 1;
    s.lastError = `${what}: ${res.status ?? ""} ${typeof res.body === "string" ? res.body : JSON.stringify(res.body ?? res.message)}`;
  };
  const loop = async (token) => {
    while (!stop) {
      const started = performance.now();
      try {
        const claim = await call("POST", `${url}/v1/queue/claim`, { token, body: {} });
        if (claim.status === 204) {
          if (measuring) s.empty += 1;
          await sleep(5);
          continue;
        }
        if (claim.status !== 200) {
          failed("claim", claim);
          await sleep(5);
          continue;
        }
        const claimed = performance.now();
        const decision = await call("POST", `${url}/v1/cases/${claim.body.case.id}/decisions`, {
          token,
          body: { verdict: "approve" },
        });
        if (decision.status !== 201) {
          failed("decide", decision);
          continue;
        }
        if (measuring) {
          s.cycles += 1;
          const done = performance.now();
          s.latencies.push(done - started);
          s.claims.push(claimed - started);
          s.decides.push(done - claimed);
        }
      } catch (err) {
        failed("request", err);
        await sleep(5);
      }
    }
  };
  const loops = tokens.map(loop);
  await sleep(warmupSeconds * 1000);
  measuring = true;
  const t0 = performance.now();
  await sleep(seconds * 1000);
  measuring = false;
  const elapsed = (performance.now() - t0) / 1000;
  stop = true;
  // Calls still in flight finish within a few seconds, or are cut off when the server stops: a claim
  // that takes minutes at depth must not hold the whole run.
  await Promise.race([Promise.all(loops), sleep(5_000)]);
  const sorted = s.latencies.sort((a, b) => a - b);
  const p50 = (xs) =>
    percentile(
      xs.sort((a, b) => a - b),
      50,
    );
  return {
    rate: s.cycles / elapsed,
    cycles: s.cycles,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    claimP50Ms: p50(s.claims),
    decideP50Ms: p50(s.decides),
    empty: s.empty,
    errors: s.errors,
    lastError: s.lastError,
  };
}
