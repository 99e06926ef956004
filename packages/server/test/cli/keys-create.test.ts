import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { main } from "../../src/cli/main.js";
import { hashToken } from "../../src/keys.js";
import { openStore } from "../../src/store/index.js";

describe("loopgate keys create", () => {
  const dirs: string[] = [];
  afterEach(() => {
    vi.restoreAllMocks();
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it("prints a new key once and stores only its hash", async () => {
    const dir = mkdtempSync(join(tmpdir(), "loopgate-keys-"));
    dirs.push(dir);
    const out: string[] = [];
    vi.spyOn(console, "log").mockImplementation((...a) => void out.push(a.join(" ")));
    vi.spyOn(console, "error").mockImplementation(() => {});
    const code = await main([
      "keys",
      "create",
      "--name",
      "invoice-bot",
      "--role",
      "automation",
      "--workflows",
      "invoice.approve",
      "--data-dir",
      dir,
    ]);
    expect(code).toBe(0);
    const token = out[0] ?? "";
    expect(token).toMatch(/^lg_/);
    const store = await openStore({ dataDir: dir });
    try {
      const key = await store.identity.findKeyByTokenHash(hashToken(token));
      expect(key).toMatchObject({ name: "invoice-bot", role: "automation", workflows: ["invoice.approve"] });
    } finally {
      await store.close();
    }
  });

  it("exits 1 with a clear message for a missing or unknown role", async () => {
    const err: string[] = [];
    vi.spyOn(console, "error").mockImplementation((...a) => void err.push(a.join(" ")));
    expect(await main(["keys", "create", "--name", "x", "--role", "root"])).toBe(1);
    expect(err.join("\n")).toMatch(/--role \(admin\|automation\|reviewer\|auditor\)/);
  });
});
