// Webhook isolation (issue 13, item 4): how long a fast receiver waits for its webhook while another
// automation's receiver is slow, against the same webhook with no slow receiver about. Before deliveries
// were isolated, a batch of ten waited for its slowest answer, so the fast webhook waited for the slow
// receiver (29.8 s against 54 ms in the run). One `loopgate serve` on SQLite; the slow receiver
// answers after SLOW_MS, bounded, and has QUEUED_SLOW webhooks due before the fast one.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expectStatus } from "../lib/http.js";
import { ADMIN_TOKEN, startLoopgate } from "../lib/processes.js";
import { scratchStore } from "../lib/scratch.js";
import { EXAMPLE_POLICIES } from "./submit.js";

const SLOW_MS = 3_000;
const QUEUED_SLOW = 12;

/** invoice.approve of the shipped examples, routed auto, so its webhook goes out at once. */
const submission = (callbackUrl) => ({
  workflow: "invoice.approve",
  action: "pay",
  input: { invoiceNumber: "INV-1", supplier: "Acme Industrial", amount: 640.5, currency: "EUR" },
  context: { po: { number: "PO-1", supplier: "Acme Industrial", amount: 640.5 }, segmentApproved: true },
  proposal: { pay: true, amount: 640.5, account: "2000-AP" },
  confidence: 0.95,
  callbackUrl,
});

/** The shipped invoice.approve without its release window, so a webhook leaves as soon as it is decided. */
function policyWithoutReleaseDelay() {
  const dir = mkdtempSync(join(tmpdir(), "loopgate-bench-webhook-policies-"));
  const text = readFileSync(join(EXAMPLE_POLICIES, "invoice.yaml"), "utf8");
  writeFileSync(join(dir, "invoice.yaml"), text.replace(/^release:.*$/m, ""));
  return dir;
}

/** A receiver on loopback answering after `delayMs`; `arrivals` resolves each request's arrival time. */
async function receiver(delayMs) {
  const waiters = [];
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      for (const w of waiters.splice(0)) w(performance.now());
      setTimeout(() => res.writeHead(204).end(), delayMs);
    });
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${server.address().port}/hook`,
    next: () => new Promise((r) => waiters.push(r)),
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(r);
      }),
  };
}

/** Milliseconds from sending a submit to its webhook arriving at `fast` (the worker may beat the 201). */
async function webhookDelay(url, fast) {
  const arrived = fast.next();
  const sent = performance.now();
  await expectStatus(201, "POST", `${url}/v1/cases`, { token: ADMIN_TOKEN, body: submission(fast.url) });
  return (await arrived) - sent;
}

export async function webhookIsolationRow(log) {
  log(`webhook isolation: SQLite, ${QUEUED_SLOW} webhooks to a receiver ${SLOW_MS / 1000} s slow`);
  const store = await scratchStore("sqlite", "webhooks");
  const slow = await receiver(SLOW_MS);
  const fast = await receiver(0);
  // The receivers listen on loopback, which webhooks reach only when the operator allows it.
  const before = process.env.LOOPGATE_CALLBACK_ALLOW;
  process.env.LOOPGATE_CALLBACK_ALLOW = "127.0.0.1";
  const policyDir = policyWithoutReleaseDelay();
  const server = await startLoopgate({ dataDir: store.dataDir, policyDir });
  if (before === undefined) delete process.env.LOOPGATE_CALLBACK_ALLOW;
  else process.env.LOOPGATE_CALLBACK_ALLOW = before;
  try {
    await webhookDelay(server.url, fast); // warm-up: the first request pays for connections and JIT
    const alone = await webhookDelay(server.url, fast);
    for (let i = 0; i < QUEUED_SLOW; i++) {
      await expectStatus(201, "POST", `${server.url}/v1/cases`, {
        token: ADMIN_TOKEN,
        body: submission(slow.url),
      });
    }
    const beside = await webhookDelay(server.url, fast);
    return {
      id: "webhooks.isolation.sqlite",
      measure: "Webhook delay beside a slow receiver, SQLite",
      against: "no slow receiver",
      unit: "ms",
      better: "lower",
      value: beside,
      baseline: { value: alone },
      ratio: alone > 0 ? beside / alone : null,
      targets: [
        {
          text: `< ${SLOW_MS / 3} ms (well under the slow receiver's ${SLOW_MS} ms)`,
          met: beside < SLOW_MS / 3,
        },
      ],
      note: `${QUEUED_SLOW} webhooks to a receiver answering after ${SLOW_MS} ms were due first`,
    };
  } finally {
    await server.stop();
    await slow.close();
    await fast.close();
    await store.drop();
    rmSync(policyDir, { recursive: true, force: true });
  }
}
