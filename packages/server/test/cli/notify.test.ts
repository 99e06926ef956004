import { afterEach, describe, expect, it, vi } from "vitest";
import { main } from "../../src/cli/main.js";
import { ENGINES, freshCliStorage, type TestStorage } from "../helpers/server.js";

/** `loopgate notify map|unmap|list`: who a Slack user or an email address is (issue 14, item 5). */
describe.each(ENGINES)("loopgate notify (%s)", (engine) => {
  let storage: TestStorage | undefined;
  afterEach(async () => {
    vi.restoreAllMocks();
    await storage?.cleanup();
    storage = undefined;
  });

  const where = () =>
    storage?.databaseUrl ? ["--database-url", storage.databaseUrl] : ["--data-dir", storage?.dataDir ?? ""];
  const run = async (args: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    vi.spyOn(console, "log").mockImplementation((...a) => void out.push(a.join(" ")));
    vi.spyOn(console, "error").mockImplementation((...a) => void err.push(a.join(" ")));
    const code = await main([...args, ...where()]);
    vi.restoreAllMocks();
    return { code, out, err };
  };

  it("maps, lists and unmaps Slack users and email addresses", async () => {
    storage = await freshCliStorage(engine);
    const pw = ["--password", "a long enough password", "--role", "reviewer"];
    expect((await run(["users", "create", "--username", "alice", ...pw])).code).toBe(0);
    expect((await run(["notify", "map", "--slack", "U123", "--user", "alice"])).code).toBe(0);
    expect((await run(["notify", "map", "--email", "Alice@Example.com", "--user", "alice"])).code).toBe(0);
    const listed = await run(["notify", "list", "--json"]);
    const identities = JSON.parse(listed.out.join(""));
    expect(
      identities.map((i: { channel: string; externalId: string }) => `${i.channel} ${i.externalId}`),
    ).toEqual(["email alice@example.com", "slack U123"]);
    expect((await run(["notify", "unmap", "--email", "alice@example.com"])).code).toBe(0);
    const again = await run(["notify", "unmap", "--email", "alice@example.com"]);
    expect(again.code).not.toBe(0);
    expect(again.err.join("")).toContain("no email identity");
    const unknown = await run(["notify", "map", "--slack", "U9", "--user", "nobody"]);
    expect(unknown.code).not.toBe(0);
    expect(unknown.err.join("")).toContain('no active user "nobody"');
    const both = await run(["notify", "map", "--slack", "U9", "--email", "a@b.c", "--user", "alice"]);
    expect(both.code).not.toBe(0);
    expect(both.err.join("")).toContain("usage: loopgate notify map");
  });
});
