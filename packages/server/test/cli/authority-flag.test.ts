import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { main } from "../../src/cli/main.js";
import { hashToken } from "../../src/keys.js";
import { openStore } from "../../src/store/index.js";

describe("loopgate keys/users create --authority", () => {
  const dirs: string[] = [];
  afterEach(() => {
    vi.restoreAllMocks();
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it("stores the authority roles of a new key and a new user", async () => {
    const dir = mkdtempSync(join(tmpdir(), "loopgate-authority-"));
    dirs.push(dir);
    const out: string[] = [];
    vi.spyOn(console, "log").mockImplementation((...a) => void out.push(a.join(" ")));
    vi.spyOn(console, "error").mockImplementation(() => {});
    const keyArgs = [
      "keys",
      "create",
      "--name",
      "clerk",
      "--role",
      "reviewer",
      "--authority",
      "ap_clerk, ap_x",
    ];
    expect(await main([...keyArgs, "--data-dir", dir])).toBe(0);
    const userArgs = [
      "users",
      "create",
      "--username",
      "mia",
      "--password",
      "a-long-password",
      "--role",
      "reviewer",
    ];
    expect(await main([...userArgs, "--authority", "ap_manager", "--data-dir", dir])).toBe(0);
    expect(out[1]).toMatch(/authority ap_manager$/);
    const store = await openStore({ dataDir: dir });
    try {
      expect((await store.identity.findKeyByTokenHash(hashToken(out[0] ?? "")))?.authorityRoles).toEqual([
        "ap_clerk",
        "ap_x",
      ]);
      expect((await store.identity.findUserByUsername("mia"))?.authorityRoles).toEqual(["ap_manager"]);
    } finally {
      await store.close();
    }
  });
});
