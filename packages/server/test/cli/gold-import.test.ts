import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { main } from "../../src/cli/main.js";
import { openStore } from "../../src/store/index.js";
import { ENGINES, freshStorage, type TestStorage } from "../helpers/server.js";
import { goldRefund, SHADOW_POLICIES } from "../helpers/shadows.js";

describe.each(ENGINES)("loopgate gold import (%s)", (engine) => {
  let storage: TestStorage;
  let dir: string;
  const storageFlags = () =>
    storage.databaseUrl
      ? ["--database-url", storage.databaseUrl, "--schema", storage.schema as string]
      : ["--data-dir", storage.dataDir];
  /** Runs the command; what it printed to stdout and stderr. */
  const run = async (...args: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    vi.spyOn(console, "log").mockImplementation((...a) => void out.push(a.join(" ")));
    vi.spyOn(console, "error").mockImplementation((...a) => void err.push(a.join(" ")));
    const code = await main(["gold", "import", ...args]);
    return { code, out: out.join("\n"), err: err.join("\n") };
  };
  const file = (name: string, lines: unknown[]) => {
    const path = join(dir, name);
    writeFileSync(path, `${lines.map((l) => (typeof l === "string" ? l : JSON.stringify(l))).join("\n")}\n`);
    return path;
  };
  const stored = async () => {
    const store = await openStore({
      dataDir: storage.dataDir,
      databaseUrl: storage.databaseUrl,
      schema: storage.schema,
    });
    try {
      await store.migrate();
      return await store.oversight.listGoldCases({ workflow: "shadow.catch" });
    } finally {
      await store.close();
    }
  };

  beforeAll(async () => {
    storage = await freshStorage(engine);
    dir = mkdtempSync(join(tmpdir(), "loopgate-gold-"));
  });
  afterEach(() => vi.restoreAllMocks());
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await storage.cleanup();
  });

  it("stores nothing from a file with a bad line 3, and says which line", async () => {
    const path = file("bad.jsonl", [goldRefund(), goldRefund(), goldRefund({ confidence: 3 }), goldRefund()]);
    const { code, err } = await run(
      "--workflow",
      "shadow.catch",
      path,
      "--policy-dir",
      SHADOW_POLICIES,
      ...storageFlags(),
    );
    expect(code).toBe(1);
    expect(err).toContain(`${path}: line 3: /confidence must be <= 1`);
    expect(await stored()).toEqual([]);
  });

  it("names the line of an item the workflow cannot take", async () => {
    const path = file("auto.jsonl", [
      goldRefund(),
      goldRefund({ action: "pay", input: { amount: 10 }, confidence: 0.99 }),
    ]);
    const { code, err } = await run(
      "--workflow",
      "shadow.catch",
      path,
      "--policy-dir",
      SHADOW_POLICIES,
      ...storageFlags(),
    );
    expect(code).toBe(1);
    expect(err).toMatch(/line 2: \/ routes to auto under the current policy/);
    expect(await stored()).toEqual([]);
  });

  it("adds every item of a good file and says how many", async () => {
    const path = file("good.jsonl", [
      goldRefund(),
      "",
      goldRefund({ expected: "approve", proposal: { refund: 2500 } }),
    ]);
    const { code, out } = await run(
      "--workflow",
      "shadow.catch",
      path,
      "--policy-dir",
      SHADOW_POLICIES,
      ...storageFlags(),
    );
    expect(code).toBe(0);
    expect(out).toBe("added 2 gold cases to shadow.catch");
    const items = await stored();
    expect(items.map((g) => g.expected).sort()).toEqual(["approve", "reject"]);
    expect(items[0]).toMatchObject({ workflow: "shadow.catch", action: "refund", createdBy: "cli" });
  });

  it("refuses an unknown workflow, a missing file argument and a missing file", async () => {
    const path = file("one.jsonl", [goldRefund()]);
    const unknown = await run(
      "--workflow",
      "no.such",
      path,
      "--policy-dir",
      SHADOW_POLICIES,
      ...storageFlags(),
    );
    expect(unknown.code).toBe(1);
    expect(unknown.err).toMatch(/no workflow no.such/);
    const noFile = await run("--workflow", "shadow.catch", "--policy-dir", SHADOW_POLICIES);
    expect(noFile.code).toBe(1);
    expect(noFile.err).toMatch(/--workflow W and one FILE.jsonl are required/);
    const missing = await run(
      "--workflow",
      "shadow.catch",
      join(dir, "nope.jsonl"),
      "--policy-dir",
      SHADOW_POLICIES,
    );
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/ENOENT/);
    expect(await stored()).toHaveLength(2);
  });
});
