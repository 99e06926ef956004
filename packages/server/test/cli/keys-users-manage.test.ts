import { Readable } from "node:stream";
import { afterEach, describe, expect, it, vi } from "vitest";
import { main } from "../../src/cli/main.js";
import { runUsersPassword } from "../../src/cli/users-manage.js";
import { hashToken, tokenValidUntil } from "../../src/keys.js";
import { verifyPassword } from "../../src/passwords.js";
import { openStore } from "../../src/store/index.js";
import { ENGINES, freshCliStorage, type TestStorage } from "../helpers/server.js";

/** `loopgate keys list|revoke|rotate` and `loopgate users disable|password`, on both engines. */
describe.each(ENGINES)("loopgate keys and users life cycle (%s)", (engine) => {
  let storage: TestStorage | undefined;
  afterEach(async () => {
    vi.restoreAllMocks();
    await storage?.cleanup();
    storage = undefined;
  });

  const run = async (args: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    vi.spyOn(console, "log").mockImplementation((...a) => void out.push(a.join(" ")));
    vi.spyOn(console, "error").mockImplementation((...a) => void err.push(a.join(" ")));
    const code = await main([...args, ...where()]);
    vi.restoreAllMocks();
    return { code, out, err };
  };
  const where = () =>
    storage?.databaseUrl ? ["--database-url", storage.databaseUrl] : ["--data-dir", storage?.dataDir ?? ""];
  const withStore = async <T>(f: (store: Awaited<ReturnType<typeof openStore>>) => Promise<T>) => {
    const store = await openStore({ dataDir: storage?.dataDir ?? "", databaseUrl: storage?.databaseUrl });
    try {
      return await f(store);
    } finally {
      await store.close();
    }
  };

  it("lists, rotates and revokes keys", async () => {
    storage = await freshCliStorage(engine);
    const created = await run([
      "keys",
      "create",
      "--name",
      "bot",
      "--role",
      "automation",
      "--expires",
      "30d",
    ]);
    expect(created.code).toBe(0);
    const token = created.out[0] as string;
    const id = /\((key_[^,)]+)/.exec(created.err.join(" "))?.[1] as string;

    const listed = await run(["keys", "list"]);
    expect(listed.code).toBe(0);
    expect(listed.out.join("\n")).toMatch(new RegExp(`${id}\\tactive\\tautomation\\tbot`));
    expect(listed.out.join("\n")).not.toContain(token);

    const rotated = await run(["keys", "rotate", id, "--overlap-seconds", "60"]);
    expect(rotated.code).toBe(0);
    const fresh = rotated.out[0] as string;
    expect(fresh).toMatch(/^lg_/);
    await withStore(async (store) => {
      const key = await store.identity.getKey(id);
      const now = Date.now();
      expect(key && tokenValidUntil(key, hashToken(token), now)).toBeLessThanOrEqual(now + 60_000);
      expect(key && tokenValidUntil(key, hashToken(fresh), now)).toBeGreaterThan(now + 29 * 86_400_000);
    });

    expect((await run(["keys", "revoke", id])).code).toBe(0);
    await withStore(async (store) => {
      const key = await store.identity.getKey(id);
      expect(key?.revokedAt).toEqual(expect.any(Number));
      expect(key && tokenValidUntil(key, hashToken(fresh), Date.now())).toBeUndefined();
    });
    expect((await run(["keys", "list"])).out.join("\n")).toMatch(new RegExp(`${id}\\trevoked`));
    expect((await run(["keys", "rotate", id])).code).toBe(1);
    expect((await run(["keys", "revoke", "key_nope"])).code).toBe(1);
    const badExpiry = await run([
      "keys",
      "create",
      "--name",
      "x",
      "--role",
      "automation",
      "--expires",
      "yesterday",
    ]);
    expect(badExpiry.code).toBe(1);
    expect(badExpiry.err.join(" ")).toContain("--expires");
  });

  it("disables users and sets passwords (from stdin)", async () => {
    storage = await freshCliStorage(engine);
    const made = await run([
      "users",
      "create",
      "--username",
      "ada",
      "--password",
      "first password!",
      "--role",
      "reviewer",
    ]);
    expect(made.code).toBe(0);

    vi.spyOn(console, "log").mockImplementation(() => {});
    const code = await runUsersPassword(
      ["--username", "ada", "--password-stdin", ...where()],
      Readable.from(["second password!\n"]),
    );
    vi.restoreAllMocks();
    expect(code).toBe(0);
    await withStore(async (store) => {
      const user = await store.identity.findUserByUsername("ada");
      expect(await verifyPassword(user?.passwordHash, "second password!")).toBe(true);
      expect(await verifyPassword(user?.passwordHash, "first password!")).toBe(false);
    });
    const short = await run(["users", "password", "--username", "ada", "--password", "short"]);
    expect(short.code).toBe(1);
    expect(short.err.join(" ")).toContain("at least");

    expect((await run(["users", "disable", "--username", "ada"])).code).toBe(0);
    await withStore(async (store) => {
      expect((await store.identity.findUserByUsername("ada"))?.disabledAt).toEqual(expect.any(Number));
    });
    expect((await run(["users", "disable", "--username", "nobody"])).code).toBe(1);
  });
});
