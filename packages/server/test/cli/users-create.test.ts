import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { main } from "../../src/cli/main.js";
import { runUsersCreate } from "../../src/cli/users-create.js";
import { verifyPassword } from "../../src/passwords.js";
import { openStore, type Store } from "../../src/store/index.js";

function captureConsole() {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(console, "log").mockImplementation((...a) => void out.push(a.join(" ")));
  vi.spyOn(console, "error").mockImplementation((...a) => void err.push(a.join(" ")));
  return { out: () => out.join("\n"), err: () => err.join("\n") };
}

// The CLI opens storage like `serve` does; SQLite here (the CLI has no flag for a PostgreSQL schema, and
// the rules it applies are the ones POST /v1/users is tested with on both engines).
describe("loopgate users create", () => {
  let dataDir: string;
  let store: Store;
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "loopgate-users-"));
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });
  afterAll(async () => {
    await store?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  const readBack = async (username: string) => {
    store ??= await openStore({ dataDir });
    return store.identity.findUserByUsername(username);
  };

  it("creates a user from flags and exits 0", async () => {
    const io = captureConsole();
    const code = await main([
      "users",
      "create",
      "--username",
      "ada",
      "--password",
      "analytical engine",
      "--role",
      "reviewer",
      "--name",
      "Ada Lovelace",
      "--workflows",
      "invoice.approve, support.reply",
      "--data-dir",
      dataDir,
    ]);
    expect(io.err()).toBe("");
    expect(code).toBe(0);
    expect(io.out()).toMatch(/created reviewer "ada" \(Ada Lovelace, usr_/);
    const user = await readBack("ada");
    expect(user).toMatchObject({
      name: "Ada Lovelace",
      role: "reviewer",
      workflows: ["invoice.approve", "support.reply"],
    });
    expect(user?.passwordHash).toMatch(/^scrypt\$16384\$8\$1\$/);
    expect(await verifyPassword(user?.passwordHash, "analytical engine")).toBe(true);
  });

  it("reads the password from stdin without its trailing newline", async () => {
    captureConsole();
    const stdin = Readable.from([Buffer.from("difference engine\n")]);
    const args = ["--username", "charles", "--password-stdin", "--role", "admin", "--data-dir", dataDir];
    expect(await runUsersCreate(args, stdin)).toBe(0);
    const user = await readBack("charles");
    expect(user).toMatchObject({ role: "admin", name: "charles", workflows: null });
    expect(await verifyPassword(user?.passwordHash, "difference engine")).toBe(true);
  });

  it("exits 1 with a clear message for a short password, and creates nothing", async () => {
    const io = captureConsole();
    const code = await main(
      ["users", "create", "--username", "shorty", "--password", "123456789", "--role", "reviewer"].concat([
        "--data-dir",
        dataDir,
      ]),
    );
    expect(code).toBe(1);
    expect(io.err()).toMatch(/password must be at least 10 characters/);
    expect(await readBack("shorty")).toBeUndefined();
  });

  it("exits 1 when the username is taken, in any case", async () => {
    const io = captureConsole();
    const args = [
      "users",
      "create",
      "--password",
      "long enough!",
      "--role",
      "auditor",
      "--data-dir",
      dataDir,
    ];
    expect(await main([...args, "--username", "ADA"])).toBe(1);
    expect(io.err()).toMatch(/username "ADA" is taken/);
  });

  it("exits 1 on a bad role, a missing or doubled password, or an unknown flag", async () => {
    const io = captureConsole();
    const base = ["users", "create", "--username", "x1", "--data-dir", dataDir];
    expect(await main([...base, "--password", "long enough!", "--role", "automation"])).toBe(1);
    expect(io.err()).toMatch(/--role must be one of reviewer, admin, auditor/);
    expect(await main([...base, "--role", "reviewer"])).toBe(1);
    expect(
      await main([...base, "--role", "reviewer", "--password", "long enough!", "--password-stdin"]),
    ).toBe(1);
    expect(io.err()).toMatch(/exactly one of --password-stdin or --password/);
    expect(await main([...base, "--role", "reviewer", "--password", "long enough!", "--pasword", "x"])).toBe(
      1,
    );
    expect(await main(["users", "create", "--role", "reviewer"])).toBe(1);
    expect(io.err()).toMatch(/--username and --role are required/);
    expect(await readBack("x1")).toBeUndefined();
  });

  it("is listed in the usage", async () => {
    const io = captureConsole();
    expect(await main(["help"])).toBe(0);
    expect(io.out()).toMatch(/loopgate users create --username U \(--password-stdin \| --password P\)/);
  });
});
