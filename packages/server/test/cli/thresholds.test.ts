import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { main } from "../../src/cli/main.js";
import { generateHistory, LEARNING_POLICIES } from "../helpers/calibration.js";
import { ENGINES, freshCliStorage, startTestServer, type TestStorage } from "../helpers/server.js";

const T0 = Date.parse("2026-10-01T09:00:00Z");

/** Runs the CLI and returns its exit code and what it printed. */
async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const log = vi.spyOn(console, "log").mockImplementation((...a) => void out.push(a.join(" ")));
  const error = vi.spyOn(console, "error").mockImplementation((...a) => void err.push(a.join(" ")));
  try {
    const code = await main(["thresholds", ...args]);
    return { code, out: out.join("\n"), err: err.join("\n") };
  } finally {
    log.mockRestore();
    error.mockRestore();
  }
}

describe.each(ENGINES)("loopgate thresholds (%s)", (engine) => {
  let storage: TestStorage;
  let where: string[];
  // biome-ignore lint/suspicious/noExplicitAny: the API's JSON, compared as a whole
  let api: any;
  const since = new Date(T0 - 60_000).toISOString();
  let until: string;

  beforeAll(async () => {
    storage = await freshCliStorage(engine);
    const clock = { now: T0 };
    const s = await startTestServer(
      engine,
      { clock: () => clock.now, policyDir: LEARNING_POLICIES },
      storage,
    );
    try {
      const automation = (await s.newKey("automation")).key;
      const reviewers = [(await s.newKey("reviewer")).key, (await s.newKey("reviewer")).key];
      await generateHistory(s, { automation, reviewers, seed: 42, low: 300, high: 5, clock });
      until = new Date(clock.now).toISOString();
      const res = await s.call(
        "GET",
        `/v1/thresholds?workflow=cal.claims&maxError=0.15&since=${since}&until=${until}`,
      );
      expect(res.status).toBe(200);
      api = await res.json();
    } finally {
      await s.close();
    }
    where = [
      "--policy-dir",
      LEARNING_POLICIES,
      ...(storage.databaseUrl ? ["--database-url", storage.databaseUrl] : ["--data-dir", storage.dataDir]),
    ];
  }, 300_000);

  afterAll(async () => {
    await storage?.cleanup();
  });

  const flags = (...more: string[]) => [
    "--workflow",
    "cal.claims",
    "--max-error",
    "0.15",
    "--since",
    since,
    "--until",
    until,
    ...where,
    ...more,
  ];

  it("--json prints the same report as GET /v1/thresholds", async () => {
    const { code, out } = await run(flags("--json"));
    expect(code).toBe(0);
    expect(JSON.parse(out)).toEqual(api);
  });

  it("prints the table around the recommendation, the reliability bins and one line per risk class", async () => {
    const { code, out } = await run(flags());
    expect(code).toBe(0);
    const low = api.classes[0];
    const t = low.recommendation.threshold as number;
    expect(t).not.toBeNull();
    const verb =
      t < 0.97 ? "could be lowered from 0.97" : t > 0.97 ? "raise autoMinConfidence from 0.97" : "keep";
    const lines = out.split("\n");
    const advice = lines.find((l) => l.startsWith("riskClass low:"));
    expect(advice).toContain(verb);
    expect(advice).toContain(`to ${t.toFixed(2)}`);
    expect(advice).toContain("auto-routed errors ≤ 15 % (95 % Clopper-Pearson upper bound");
    expect(advice).toContain(`${low.reviewed} reviewed`);
    expect(lines.find((l) => l.startsWith("riskClass high:"))).toMatch(
      /no threshold can be recommended: too few/,
    );
    // The recommended and the current row are in the table, marked, with the API's figures.
    const row = lines.find((l) => l.includes("← recommended")) ?? "";
    expect(row.trim().startsWith(t.toFixed(2))).toBe(true);
    expect(row).toContain(`${(low.recommendation.row.autoRate * 100).toFixed(1)} %`);
    expect(row).toContain(`${(low.recommendation.row.errorUpperBound * 100).toFixed(1)} %`);
    expect(lines.some((l) => l.includes("← current") && l.trim().startsWith("0.97"))).toBe(true);
    // One reliability line per non-empty bin.
    const bins = low.reliability.bins.filter((b: { count: number }) => b.count > 0);
    for (const b of bins) {
      expect(lines.some((l) => l.trim().startsWith(`${b.lower.toFixed(2)}–${b.upper.toFixed(2)}`))).toBe(
        true,
      );
    }
    expect(out).toContain("the policy sent to people");
  });

  it("exits 1 with a clear message for bad flags", async () => {
    const cases: Array<[string[], RegExp]> = [
      [["--workflow", "cal.claims", ...where], /--max-error is required/],
      [
        ["--workflow", "cal.claims", "--max-error", "1", ...where],
        /--max-error must be a number between 0 and 1/,
      ],
      [flags("--level", "95"), /--level must be a number between 0 and 1/],
      [
        flags("--risk-class", "medium"),
        /--risk-class must be one of cal.claims's risk classes \(low, high\)/,
      ],
      [["--workflow", "nope", "--max-error", "0.1", ...where], /unknown workflow "nope"/],
      [["--max-error", "0.1", ...where], /--workflow is required/],
      [
        [...flags().slice(0, 4), "--since", "last week", ...where],
        /--since must be 7d, 24h, 30m, or an ISO date/,
      ],
    ];
    for (const [args, message] of cases) {
      const { code, err } = await run(args);
      expect(code, args.join(" ")).toBe(1);
      expect(err).toMatch(message);
    }
    const { code, err } = await run([
      "--workflow",
      "cal.claims",
      "--max-error",
      "0.1",
      "--data-dir",
      join(storage.dataDir, "nope"),
      "--policy-dir",
      LEARNING_POLICIES,
    ]);
    expect(code).toBe(1);
    expect(err).toMatch(/no Loopgate database/);
  });
});
