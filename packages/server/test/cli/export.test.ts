import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { exportToDirectory } from "../../src/cli/export.js";
import { main } from "../../src/cli/main.js";
import { ENGINES, startTestServer, type TestServer } from "../helpers/server.js";

const EXPORT_POLICIES = fileURLToPath(new URL("../fixtures/export-policies", import.meta.url));
const DAY = 86_400_000;

describe.each(ENGINES)("loopgate export (%s)", (engine) => {
  let s: TestServer;
  // Two days ago, so `--since 1d` and `--since 30d` (relative to the real clock) fall either side.
  let now = Date.now() - 2 * DAY;
  const dirs: string[] = [];
  const tempDir = () => {
    const d = mkdtempSync(join(tmpdir(), "loopgate-export-"));
    dirs.push(d);
    return d;
  };

  beforeAll(async () => {
    s = await startTestServer(engine, {
      policyDir: EXPORT_POLICIES,
      clock: () => now,
      timers: { pollMs: 3_600_000 },
    });
    const automation = (await s.newKey("automation")).key;
    const reviewer = (await s.newKey("reviewer")).key;
    const fixes = [
      { input: { invoice: 1 }, output: { pay: 9 } },
      { input: { invoice: 2 }, output: { pay: 8 } },
      { input: { invoice: 1 }, output: { pay: 9 } },
    ];
    for (const f of fixes) {
      const body = {
        workflow: "exp.fix",
        action: "pay",
        input: f.input,
        proposal: { pay: 10 },
        confidence: 0.5,
      };
      expect((await s.call("POST", "/v1/cases", body, automation)).status).toBe(201);
      const claimed = await (
        await s.call("POST", "/v1/queue/claim", { workflows: ["exp.fix"] }, reviewer)
      ).json();
      const decision = { verdict: "edit", output: f.output, reasonCode: "wrong_amount" };
      expect(
        (await s.call("POST", `/v1/cases/${claimed.case.id}/decisions`, decision, reviewer)).status,
      ).toBe(201);
      now += 60_000;
    }
  });
  afterAll(async () => {
    await s.close();
    await s.storage.cleanup();
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });
  afterAll(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it("writes the same rows as the API stream, then a manifest with the counts", async () => {
    const out = tempDir();
    const result = await exportToDirectory(s.store, { kind: "corrections", workflows: ["exp.fix"] }, out, {
      now,
    });
    expect(result.file).toBe(join(out, "corrections.jsonl"));
    const streamed = await (await s.call("GET", "/v1/exports/corrections?workflow=exp.fix")).text();
    expect(streamed.split("\n")).toHaveLength(3); // two rows and the final newline
    expect(readFileSync(result.file, "utf8")).toBe(streamed);
    const manifest = JSON.parse(readFileSync(join(out, "manifest.json"), "utf8"));
    const api = await (await s.call("GET", "/v1/exports/corrections/manifest?workflow=exp.fix")).json();
    expect(manifest).toEqual({ ...api, generatedAt: new Date(now).toISOString() });
    expect(manifest.counts).toEqual({ rows: 2, duplicatesDropped: 1, cases: 2 });
  });

  it.runIf(engine === "sqlite")("runs as `loopgate export` on the data directory", async () => {
    const log: string[] = [];
    vi.spyOn(console, "log").mockImplementation((...a) => void log.push(a.join(" ")));
    const run = async (...flags: string[]) => {
      const out = tempDir();
      const args = [
        "export",
        "--kind",
        "corrections",
        "--data-dir",
        s.storage.dataDir,
        "--out",
        out,
        ...flags,
      ];
      expect(await main(args)).toBe(0);
      return {
        rows: readFileSync(join(out, "corrections.jsonl"), "utf8"),
        manifest: JSON.parse(readFileSync(join(out, "manifest.json"), "utf8")),
      };
    };
    const all = await run("--workflow", "exp.fix", "--since", "30d");
    expect(all.rows).toBe(await (await s.call("GET", "/v1/exports/corrections?workflow=exp.fix")).text());
    expect(all.manifest).toMatchObject({ kind: "corrections", filters: { workflow: "exp.fix" } });
    expect(log.at(-1)).toBe("2 corrections rows from 2 cases, 1 duplicates dropped");
    // Everything was decided two days ago.
    const recent = await run("--since", "1d");
    expect(recent.rows).toBe("");
    expect(recent.manifest.counts).toEqual({ rows: 0, duplicatesDropped: 0, cases: 0 });
    expect((await run("--verdict", "reject")).manifest.counts.rows).toBe(0);
  });

  it.runIf(engine === "sqlite")("exits 1 naming the flag at fault", async () => {
    const err: string[] = [];
    vi.spyOn(console, "error").mockImplementation((...a) => void err.push(a.join(" ")));
    const refused = async (pattern: RegExp, ...flags: string[]) => {
      expect(await main(["export", "--data-dir", s.storage.dataDir, ...flags])).toBe(1);
      expect(err.at(-1)).toMatch(pattern);
    };
    await refused(/--kind must be one of corrections, preferences, labels/, "--kind", "everything");
    await refused(
      /--verdict must be one of rank, edit for preferences/,
      "--kind",
      "preferences",
      "--verdict",
      "reject",
    );
    await refused(/--since must be/, "--kind", "labels", "--since", "last week");
    await refused(/--until must be/, "--kind", "labels", "--until", "soon");
    await refused(/no Loopgate database/, "--kind", "labels", "--data-dir", tempDir());
  });
});
