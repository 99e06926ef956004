import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { main } from "../../src/cli/main.js";
import type { NewAlert } from "../../src/store/index.js";
import { reviewerKey } from "../helpers/review-rules.js";
import {
  ENGINES,
  type Engine,
  FIXTURE_POLICIES,
  freshCliStorage,
  payment,
  startTestServer,
  type TestServer,
} from "../helpers/server.js";
import { claim, submit } from "../helpers/workspace.js";
import { attributes, unescapeHtml } from "../report/markup.js";

const DAY = 86_400_000;
const T0 = Date.parse("2026-11-02T09:00:00Z");
const iso = (ms: number) => new Date(ms).toISOString();
/** A reviewer name an attacker could choose: the report must show it as text. */
const EVIL_NAME = '<script>alert("bob")</script>';

/** Runs `loopgate …` and captures what it prints. */
async function run(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  let written = "";
  vi.spyOn(console, "log").mockImplementation((...a) => void out.push(a.join(" ")));
  vi.spyOn(console, "error").mockImplementation((...a) => void err.push(a.join(" ")));
  vi.spyOn(process.stdout, "write").mockImplementation((chunk) => {
    written += String(chunk);
    return true;
  });
  try {
    const code = await main(args);
    return { code, out, err: err.join("\n"), stdout: written };
  } finally {
    vi.restoreAllMocks();
  }
}

/** The headline figures a report carries, read back from their data-value attributes. */
function headline(html: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const m of html.matchAll(/data-figure="([^"]+)" data-value="([^"]*)"/g)) {
    out[m[1] as string] = JSON.parse(unescapeHtml(m[2] as string));
  }
  return out;
}

describe.each(ENGINES)("loopgate report (%s)", (engine: Engine) => {
  let s: TestServer;
  let now = T0;
  let dbFlags: string[];
  let dir: string;
  let bob: { key: string; id: string };
  let alice: { key: string; id: string };

  beforeAll(async () => {
    const storage = await freshCliStorage(engine);
    s = await startTestServer(engine, { clock: () => now }, storage);
    dbFlags = storage.databaseUrl ? ["--database-url", storage.databaseUrl] : ["--data-dir", storage.dataDir];
    dir = mkdtempSync(join(tmpdir(), "loopgate-report-out-"));
    const automation = (await s.newKey("automation")).key;
    alice = await reviewerKey(s, "Alice Careful");
    bob = await reviewerKey(s, EVIL_NAME);

    // Day 1 (2026-11-02): an auto payment (later reported incorrect), a high one Alice corrects.
    const auto = await submit(s, payment(), automation);
    now = T0 + 10_000;
    const high = await submit(s, payment({ input: { amount: 5000, payee: "Acme" } }), automation);
    now = T0 + 60_000;
    expect((await claim(s, "test.payments", alice.key)).id).toBe(high);
    now = T0 + 90_000;
    const edit = { verdict: "edit", reasonCode: "wrong_amount", output: { pay: 4000, to: "Acme" } };
    expect((await s.call("POST", `/v1/cases/${high}/decisions`, edit, alice.key)).status).toBe(201);
    expect(
      (await s.call("POST", `/v1/cases/${auto}/outcome`, { result: "incorrect" }, automation)).status,
    ).toBe(201);

    // Day 2 (2026-11-03): a refund Bob rejects.
    now = T0 + DAY;
    const refund = await submit(s, payment({ action: "refund" }), automation);
    now = T0 + DAY + 30_000;
    expect((await claim(s, "test.payments", bob.key)).id).toBe(refund);
    const reject = { verdict: "reject", reasonCode: "wrong_payee" };
    expect((await s.call("POST", `/v1/cases/${refund}/decisions`, reject, bob.key)).status).toBe(201);

    // Day 4 (2026-11-05; nothing on the 4th): a flagged payment Bob approves after 10 minutes.
    now = T0 + 3 * DAY;
    const flagged = await submit(
      s,
      payment({ input: { amount: 120, payee: "Acme", flagged: true } }),
      automation,
    );
    now = T0 + 3 * DAY + 600_000;
    expect((await claim(s, "test.payments", bob.key)).id).toBe(flagged);
    expect(
      (await s.call("POST", `/v1/cases/${flagged}/decisions`, { verdict: "approve" }, bob.key)).status,
    ).toBe(201);
    now = T0 + 4 * DAY;
  });

  afterAll(async () => {
    await s.close();
    await s.storage.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  const window = { since: "2026-11-01", until: "2026-11-08" };
  const reportArgs = (out: string | null, extra: string[] = []) => [
    "report",
    "--workflow",
    "test.payments",
    "--policy-dir",
    FIXTURE_POLICIES,
    ...dbFlags,
    ...(out === null ? [] : ["--out", out]),
    ...extra,
  ];

  it("writes the figures GET /v1/metrics/governance gives for the same window", async () => {
    const file = join(dir, "report.html");
    const r = await run(reportArgs(file, ["--since", window.since, "--until", window.until]));
    expect(r.code).toBe(0);
    expect(r.out[0]).toBe(file);
    expect(r.out[1]).toMatch(
      /^test\.payments, 2026-11-01 00:00 UTC – 2026-11-08 00:00 UTC: 4 cases, 3 decisions, escalation 75%, override 66\.7%/,
    );
    const html = readFileSync(file, "utf8");

    const api = await s.call(
      "GET",
      `/v1/metrics/governance?workflow=test.payments&since=${window.since}&until=${window.until}`,
    );
    expect(api.status).toBe(200);
    const m = await api.json();
    expect(m.cases).toBe(4);
    expect(headline(html)).toEqual({
      cases: m.cases,
      decisions: m.decisions,
      escalationRate: m.escalationRate,
      overrideRate: m.overrideRate,
      resolutionP50: m.resolutionSeconds.p50,
      resolutionP90: m.resolutionSeconds.p90,
      resolutionP99: m.resolutionSeconds.p99,
      postReviewErrorAuto: m.postReviewErrorRate.auto,
      postReviewErrorHuman: m.postReviewErrorRate.human,
    });
    expect(m.postReviewErrorRate.auto).toBe(1);
    expect(html).toContain("1 incorrect of 1");
    expect(html).toContain("<dd>owner@example.com</dd>");
    expect(html).toMatch(/Policy version<\/dt><dd><code>[0-9a-f]{12}<\/code>/);
    expect(m.consistency).toBeNull();
    expect(html).toContain("Reviewer agreement: no case in this window was reviewed independently");

    // Every reason code and trigger the API lists is a bar.
    for (const p of m.exceptionPatterns) expect(html).toContain(`>${p.name}</text>`);
  });

  it("draws one trend point per active day and lists every reviewer, names escaped", async () => {
    const file = join(dir, "trend.html");
    expect((await run(reportArgs(file, ["--since", window.since, "--until", window.until]))).code).toBe(0);
    const html = readFileSync(file, "utf8");

    const rates = /data-series="Escalation rate">(.*?)<\/g>/.exec(html)?.[1] ?? "";
    const days = [...rates.matchAll(/<title>Escalation rate, (\d{4}-\d{2}-\d{2}):/g)].map((x) => x[1]);
    expect(days).toEqual(["2026-11-02", "2026-11-03", "2026-11-05"]);
    const p90 = /data-series="p90 resolution">(.*?)<\/g>/.exec(html)?.[1] ?? "";
    expect(p90.match(/<circle /g)).toHaveLength(3);
    expect(attributes(html, "tr", "data-day")).toEqual(["2026-11-02", "2026-11-03", "2026-11-05"]);

    const api = await (
      await s.call(
        "GET",
        `/v1/metrics/governance?workflow=test.payments&since=${window.since}&until=${window.until}&groupBy=reviewer`,
      )
    ).json();
    const keys = api.groups.map((g: { key: string }) => g.key);
    expect(keys.sort()).toEqual([alice.id, bob.id].sort());
    expect(attributes(html, "tr", "data-reviewer").sort()).toEqual(keys);
    expect(html).toContain("Alice Careful");
    expect(html).toContain("&lt;script&gt;alert(&quot;bob&quot;)&lt;/script&gt;");
    expect(html).not.toMatch(/<script/i);
    const bobRow = new RegExp(`data-reviewer="${bob.id}">(.*?)</tr>`).exec(html)?.[1] ?? "";
    expect(bobRow).toContain(
      'aria-label="Override rate of &lt;script&gt;alert(&quot;bob&quot;)&lt;/script&gt;: 50%"',
    );
  });

  it("reads --since 7d back from now, names the file after the workflow and today, and shows the alert state", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(T0 + 4 * DAY);
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      const r = await run(reportArgs(null, ["--since", "7d"]));
      expect(r.code).toBe(0);
      expect(r.out[0]).toBe(join(dir, "loopgate-report-test.payments-2026-11-06.html"));
      const html = readFileSync(r.out[0] as string, "utf8");
      expect(html).toContain("2026-10-30 09:00 UTC – 2026-11-06 09:00 UTC");
      const m = await (
        await s.call(
          "GET",
          `/v1/metrics/governance?workflow=test.payments&since=${iso(T0 - 3 * DAY)}&until=${iso(T0 + 4 * DAY)}`,
        )
      ).json();
      expect(headline(html).cases).toBe(m.cases);
      expect(html).toMatch(/data-alerts="(none|\d+)"/);
    } finally {
      process.chdir(cwd);
      vi.useRealTimers();
    }
  });

  it("lists the workflow's oversight alerts of the window, evidence in words", async () => {
    const alert = (o: Partial<NewAlert>): NewAlert => ({
      id: `alr_${Math.random().toString(36).slice(2)}`,
      kind: "rubber_stamp",
      workflow: "test.payments",
      reviewer: bob.id,
      evidence: { decisions: 40, approvalRate: 0.975, peerDecisions: 60, peerApprovalRate: 0.7 },
      createdAt: T0 + 2 * DAY,
      actor: "system",
      ...o,
    });
    const inWindow = alert({});
    await s.store.oversight.insertAlerts([
      inWindow,
      alert({ kind: "approval_high_errors_rising", reviewer: null, createdAt: T0 - 10 * DAY }),
      alert({ workflow: "test.other", createdAt: T0 + DAY }),
    ]);
    const file = join(dir, "alerts.html");
    const r = await run(reportArgs(file, ["--since", window.since, "--until", window.until]));
    expect(r.code).toBe(0);
    expect(r.out[1]).toMatch(/, 1 alert$/);
    const html = readFileSync(file, "utf8");
    expect(attributes(html, "li", "data-alert")).toEqual([inWindow.id]);
    expect(html).toContain(
      "<strong>Rubber stamp</strong> for &lt;script&gt;alert(&quot;bob&quot;)&lt;/script&gt;, raised 2026-11-04 09:00 UTC",
    );
    expect(html).toContain("<li>Approved 97.5% of 40 decisions (peers: 70% of 60).</li>");
  });

  it("writes the HTML to stdout with --out -, the summary to stderr", async () => {
    const r = await run(reportArgs("-", ["--since", window.since, "--until", window.until]));
    expect(r.code).toBe(0);
    expect(r.stdout.startsWith("<!doctype html>")).toBe(true);
    expect(headline(r.stdout).cases).toBe(4);
    expect(r.out).toEqual([]);
    expect(r.err).toMatch(/^test\.payments, .*: 4 cases/);
  });
});

describe("loopgate report: bad input", () => {
  let dataDir: string;
  beforeAll(async () => {
    // A real (empty) database, so the flag checks are what fails.
    const s = await startTestServer("sqlite");
    dataDir = s.storage.dataDir;
    await s.close();
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
  afterEach(() => vi.restoreAllMocks());

  const base = ["report", "--policy-dir", FIXTURE_POLICIES];
  const cases: Array<[string, string[], RegExp]> = [
    ["a missing --workflow", ["--data-dir", "x"], /--workflow is required/],
    [
      "an unknown workflow",
      ["--workflow", "nope"],
      /unknown workflow "nope" .*known workflows: test\.other, test\.payments/,
    ],
    [
      "a --since in no accepted form",
      ["--workflow", "test.payments", "--since", "7 days"],
      /--since must be 7d, 24h, 30m, or an ISO date/,
    ],
    ["--since 0d", ["--workflow", "test.payments", "--since", "0d"], /--since must be 7d, 24h, 30m/],
    ["a bad --until", ["--workflow", "test.payments", "--until", "tomorrow"], /--until must be an ISO date/],
    [
      "--since not before --until",
      ["--workflow", "test.payments", "--since", "2026-11-05", "--until", "2026-11-01"],
      /--since must be before --until/,
    ],
    ["an unknown flag", ["--workflow", "test.payments", "--colour", "red"], /Unknown option '--colour'/],
  ];

  it.each(cases)("exits 1 on %s, saying what is accepted", async (_name, args, message) => {
    const r = await run([...base, ...args, "--data-dir", dataDir, "--out", join(dataDir, "never.html")]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(message);
    expect(existsSync(join(dataDir, "never.html"))).toBe(false);
  });

  it("exits 1 when the data directory holds no Loopgate database, creating none", async () => {
    const empty = mkdtempSync(join(tmpdir(), "loopgate-report-empty-"));
    try {
      const r = await run([...base, "--workflow", "test.payments", "--data-dir", empty]);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/no Loopgate database in .*loopgate-report-empty-/);
      expect(existsSync(join(empty, "loopgate.db"))).toBe(false);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
