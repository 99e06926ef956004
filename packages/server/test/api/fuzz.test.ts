import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type FuzzRequest,
  type Operation,
  operationsOf,
  requestFor,
  type Tokens,
} from "../helpers/fuzz-requests.js";
import { ADMIN_TOKEN, ENGINES, payment, startTestServer, type TestServer } from "../helpers/server.js";

/**
 * Every endpoint the server lists in its OpenAPI document (and the hidden ones) gets malformed bodies,
 * queries and path parameters on both engines. Two promises are checked: no answer is a 5xx, and no
 * case the server accepted (201) is missing when read back. Seeded, so a failure replays: FUZZ_SEED and
 * FUZZ_RUNS change the seed and the number of requests per endpoint.
 */
const SEED = Number(process.env.FUZZ_SEED ?? 20261203);
const RUNS = Number(process.env.FUZZ_RUNS ?? 20);
/**
 * Each engine's sweep of every endpoint stops after this long even if runs remain (fast-check's
 * interruptAfterTimeLimit), so a loaded machine makes the sweep shorter, never the suite slow.
 */
const BUDGET_MS = Number(process.env.FUZZ_BUDGET_MS ?? 20_000);

const excerpt = (body: FuzzRequest["body"]) =>
  body === undefined ? "" : (typeof body === "string" ? body : `<${body.length} bytes>`).slice(0, 200);

/** What a failure is reported as: enough to replay it by hand. */
const describeRequest = (req: FuzzRequest) =>
  `${req.method} ${req.url.slice(0, 200)} [${req.headers["content-type"] ?? ""}] ${excerpt(req.body)}`;

/** A stand-in for the built workspace, so the static routes serve files instead of "not built". */
function fakeWebBuild(): string {
  const dir = mkdtempSync(join(tmpdir(), "loopgate-fuzz-web-"));
  mkdirSync(join(dir, "assets"));
  writeFileSync(join(dir, "index.html"), "<!doctype html><title>Loopgate</title>");
  writeFileSync(join(dir, "assets", "app-1234.js"), "console.log(1)");
  return dir;
}

describe.each(ENGINES)("fuzzing every endpoint (%s)", (engine) => {
  let s: TestServer;
  let tokens: Tokens;
  let operations: Operation[];
  const webDir = fakeWebBuild();
  const knownIds: string[] = [];
  const accepted = new Set<string>();
  const failures: string[] = [];

  /** Sends one request and records what breaks a promise; a request the client refuses to send is skipped. */
  async function send(req: FuzzRequest): Promise<void> {
    let res: Response;
    try {
      res = await fetch(s.url + req.url, {
        method: req.method,
        headers: req.headers,
        body: req.body,
        redirect: "manual",
        signal: AbortSignal.timeout(10_000),
      });
    } catch (err) {
      // undici refuses some headers and URLs before sending (a TypeError saying which); "fetch failed"
      // (a reset or closed connection) and a timeout are the server's fault.
      if (err instanceof TypeError && err.message !== "fetch failed") return;
      failures.push(
        `${describeRequest(req)} → ${String(err)} ${String((err as { cause?: unknown }).cause ?? "")}`,
      );
      return;
    }
    // The live stream never ends; its status is all there is to check.
    let text = "";
    if (res.headers.get("content-type")?.startsWith("text/event-stream")) await res.body?.cancel();
    else text = await res.text();
    if (res.status >= 500) {
      failures.push(`${describeRequest(req)} → ${res.status} ${text.slice(0, 300)}`);
    }
    if (req.method === "POST" && req.url === "/v1/cases" && res.status === 201) {
      const { id } = JSON.parse(text) as { id: string };
      accepted.add(id);
      knownIds.push(id);
    }
  }

  beforeAll(async () => {
    // Long-polls end after a second, so a fuzzed waitSeconds cannot hold the run.
    s = await startTestServer(engine, { maxWaitSeconds: 1, webDir });
    tokens = {
      admin: ADMIN_TOKEN,
      automation: (await s.newKey("automation")).key,
      reviewer: (await s.newKey("reviewer")).key,
    };
    for (const confidence of [0.99, 0.5]) {
      const res = await s.call("POST", "/v1/cases", payment({ confidence }), tokens.automation);
      knownIds.push((await res.json()).id);
    }
    operations = operationsOf(await (await s.call("GET", "/openapi.json")).json());
  });
  afterAll(async () => {
    await s.close();
    await s.storage.cleanup();
    rmSync(webDir, { recursive: true, force: true });
  });

  it("finds the routes to fuzz in the OpenAPI document", () => {
    expect(operations.length).toBeGreaterThan(30);
    expect(operations.map((o) => `${o.method} ${o.path}`)).toEqual(
      expect.arrayContaining(["POST /v1/cases", "GET /v1/cases/{id}", "POST /v1/cases/{id}/decisions"]),
    );
  });

  it("answers malformed bodies, queries and path parameters on every endpoint without a 5xx", {
    timeout: BUDGET_MS + 30_000,
  }, async () => {
    failures.length = 0;
    // At least 3 s each: a long-poll's first request (Claude Code's PreToolUse hook with a valid body)
    // waits the server's maxWaitSeconds, and an operation interrupted before one run fails the property.
    const perOperation = Math.max(3_000, Math.floor(BUDGET_MS / operations.length));
    for (const op of operations) {
      await fc.assert(
        fc.asyncProperty(
          requestFor(op, tokens, () => knownIds),
          send,
        ),
        { seed: SEED, numRuns: RUNS, endOnFailure: true, interruptAfterTimeLimit: perOperation },
      );
    }
    expect(failures).toEqual([]);
  });

  it("never loses a case it accepted: every 201 from POST /v1/cases reads back", {
    timeout: BUDGET_MS + 30_000,
  }, async () => {
    failures.length = 0;
    const submission = fc.record({
      confidence: fc.oneof(fc.double({ min: 0, max: 1, noNaN: true }), fc.constantFrom(0, 1)),
      input: fc.dictionary(fc.string({ unit: "binary", maxLength: 10 }), fc.jsonValue({ maxDepth: 5 })),
      proposal: fc.jsonValue({ maxDepth: 5 }),
      subject: fc.option(
        fc.oneof(fc.string({ unit: "binary", minLength: 1, maxLength: 40 }), fc.constant("a\u0000")),
        {
          nil: undefined,
        },
      ),
      idempotencyKey: fc.option(fc.oneof(fc.string({ minLength: 1, maxLength: 8 }), fc.constant("\u0000")), {
        nil: undefined,
      }),
      action: fc.constantFrom("pay", "close_account", "unknown"),
    });
    // Several at once, so good and bad submissions share the engines' group commits.
    await fc.assert(
      fc.asyncProperty(fc.array(submission, { minLength: 1, maxLength: 8 }), async (batch) => {
        await Promise.all(
          batch.map((fields) =>
            send({
              method: "POST",
              url: "/v1/cases",
              headers: { authorization: `Bearer ${tokens.automation}`, "content-type": "application/json" },
              body: JSON.stringify(payment(fields)),
            }),
          ),
        );
      }),
      { seed: SEED, numRuns: RUNS, endOnFailure: true, interruptAfterTimeLimit: BUDGET_MS / 2 },
    );
    expect(failures).toEqual([]);
    expect(accepted.size).toBeGreaterThan(0);
    const lost: string[] = [];
    for (const id of accepted) {
      const res = await s.call("GET", `/v1/cases/${id}`);
      if (res.status !== 200 || (await res.json()).id !== id) lost.push(`${id}: ${res.status}`);
    }
    expect(lost).toEqual([]);
  });
});
