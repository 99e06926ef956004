import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { main } from "../../src/cli/main.js";
import { hashToken } from "../../src/keys.js";
import { openStore, type Store } from "../../src/store/index.js";
import { ENGINES, FIXTURE_POLICIES, freshCliStorage, type TestStorage } from "../helpers/server.js";

function captureConsole() {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(console, "log").mockImplementation((...a) => void out.push(a.join(" ")));
  vi.spyOn(console, "error").mockImplementation((...a) => void err.push(a.join(" ")));
  return { out: () => out.join("\n"), err: () => err.join("\n") };
}

/**
 * Issue 11, items 5–7 on the command line: `keys create` and `users create` refuse what the API refuses
 * (an empty workflow list, unknown workflows, a key wider than the user it belongs to), and
 * `policy validate` warns about owners without an account. The fixture policies define test.payments
 * (owner owner@example.com) and test.other (owner other-owner@example.com).
 */
describe.each(ENGINES)("keys, users and owners on the command line (%s)", (engine) => {
  let storage: TestStorage;
  let store: Store;
  let db: string[];
  beforeAll(async () => {
    storage = await freshCliStorage(engine);
    db = storage.databaseUrl ? ["--database-url", storage.databaseUrl] : ["--data-dir", storage.dataDir];
  });
  afterEach(() => vi.restoreAllMocks());
  afterAll(async () => {
    await store?.close();
    await storage.cleanup();
  });
  const reader = async () => {
    store ??= await openStore({ dataDir: storage.dataDir, databaseUrl: storage.databaseUrl });
    return store;
  };
  const policies = ["--policy-dir", FIXTURE_POLICIES];
  const user = (username: string, ...more: string[]) =>
    main([
      "users",
      "create",
      "--username",
      username,
      "--password",
      "long enough!",
      ...more,
      ...db,
      ...policies,
    ]);
  const key = (...more: string[]) => main(["keys", "create", "--name", "k", ...more, ...db, ...policies]);

  it("refuses an empty --workflows rather than granting every workflow, for keys and users", async () => {
    const io = captureConsole();
    expect(await key("--role", "admin", "--workflows", " , ")).toBe(1);
    expect(await user("empty", "--role", "admin", "--workflows", "")).toBe(1);
    expect(io.err()).toMatch(/keys create: --workflows: workflows must name at least one workflow/);
    expect(io.err()).toMatch(/users create: --workflows: workflows must name at least one workflow/);
    expect(await (await reader()).identity.findUserByUsername("empty")).toBeUndefined();
  });

  it("refuses a workflow the policies do not define, naming the item", async () => {
    const io = captureConsole();
    expect(await key("--role", "reviewer", "--workflows", "test.payments,test.paymnts")).toBe(1);
    expect(await user("typo", "--role", "reviewer", "--workflows", "nope")).toBe(1);
    expect(io.err()).toMatch(
      /--workflows \(item 2\): workflow "test\.paymnts" is not defined by any loaded policy/,
    );
    expect(io.err()).toMatch(/--workflows \(item 1\): workflow "nope" is not defined/);
  });

  it("makes a key that belongs to a user, never wider than that user", async () => {
    captureConsole();
    expect(await user("rita", "--role", "reviewer", "--workflows", "test.payments")).toBe(0);
    const io = captureConsole();
    expect(await key("--role", "admin", "--workflows", "test.payments", "--user", "rita")).toBe(1);
    expect(await key("--role", "reviewer", "--user", "rita")).toBe(1);
    expect(await key("--role", "reviewer", "--user", "nobody")).toBe(1);
    expect(io.err()).toMatch(/--role: scope: user rita, whose key it would be, is reviewer/);
    expect(io.err()).toMatch(
      /--workflows: scope: user rita, whose key it would be, is scoped to test\.payments/,
    );
    expect(io.err()).toMatch(/--user: no active user "nobody"/);

    const ok = captureConsole();
    expect(await key("--role", "reviewer", "--workflows", "test.payments", "--user", "RITA")).toBe(0);
    const rita = await (await reader()).identity.findUserByUsername("rita");
    const created = await (await reader()).identity.findKeyByTokenHash(hashToken(ok.out()));
    expect(created).toMatchObject({ role: "reviewer", workflows: ["test.payments"], userId: rita?.id });
  });

  it("warns in policy validate about an owner without an account, and exits 0", async () => {
    const io = captureConsole();
    expect(await main(["policy", "validate", FIXTURE_POLICIES, ...db])).toBe(0);
    expect(io.err()).toMatch(
      /warning: workflow test\.payments: owner "owner@example\.com" matches no active user/,
    );
    expect(io.err()).toMatch(/warning: workflow test\.other: owner "other-owner@example\.com" matches no/);

    captureConsole();
    expect(await user("Owner@Example.com", "--role", "reviewer")).toBe(0);
    const after = captureConsole();
    expect(await main(["policy", "validate", FIXTURE_POLICIES, ...db])).toBe(0);
    expect(after.err()).not.toMatch(/test\.payments: owner/);
    expect(after.err()).toMatch(/test\.other: owner "other-owner@example\.com" matches no/);
  });
});
