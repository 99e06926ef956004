import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { main } from "../../src/cli/main.js";
import { createKey } from "../../src/keys.js";
import { openStore } from "../../src/store/index.js";
import { signingSecrets } from "../../src/webhooks/signing-secrets.js";

describe("loopgate webhooks rotate-secret", () => {
  const dirs: string[] = [];
  afterEach(() => {
    vi.restoreAllMocks();
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it("gives a key a new signing secret and keeps the old one valid for the overlap", async () => {
    const dir = mkdtempSync(join(tmpdir(), "loopgate-rotate-"));
    dirs.push(dir);
    let store = await openStore({ dataDir: dir });
    await store.migrate();
    const { record } = await createKey(store, { name: "bot", role: "automation", now: Date.now() });
    await store.close();

    const out: string[] = [];
    vi.spyOn(console, "log").mockImplementation((...a) => void out.push(a.join(" ")));
    const args = [
      "webhooks",
      "rotate-secret",
      "--key",
      record.id,
      "--overlap-seconds",
      "600",
      "--data-dir",
      dir,
    ];
    expect(await main(args)).toBe(0);
    const secret = /(whsec_\S+)/.exec(out.join("\n"))?.[1];
    expect(secret).toBeDefined();

    store = await openStore({ dataDir: dir });
    try {
      expect(await signingSecrets(store, record.id, Date.now())).toEqual([secret, record.signingSecret]);
      expect(await signingSecrets(store, record.id, Date.now() + 601_000)).toEqual([secret]);
    } finally {
      await store.close();
    }
  });

  it("exits 1 naming what is wrong: no target, both targets, an unknown key", async () => {
    const dir = mkdtempSync(join(tmpdir(), "loopgate-rotate-"));
    dirs.push(dir);
    const err: string[] = [];
    vi.spyOn(console, "error").mockImplementation((...a) => void err.push(a.join(" ")));
    expect(await main(["webhooks", "rotate-secret", "--data-dir", dir])).toBe(1);
    expect(
      await main(["webhooks", "rotate-secret", "--key", "k", "--workflow", "w", "--data-dir", dir]),
    ).toBe(1);
    expect(err.join("\n")).toContain("exactly one of --key KEY_ID or --workflow W");
    expect(await main(["webhooks", "rotate-secret", "--key", "key_nobody", "--data-dir", dir])).toBe(1);
    expect(err.join("\n")).toContain("no key key_nobody");
  });
});
