import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { rawSql } from "../helpers/raw-sql.js";
import { ENGINES, freshCliStorage, payment, startTestServer, type TestStorage } from "../helpers/server.js";

/**
 * `loopgate audit verify` against a live database (issue 13, item 9), for the two changes
 * test/cli/audit.test.ts does not make through the CLI: a row deleted from a chain and a row inserted
 * into one, by someone with SQL access. The store-level table is test/store/audit-chain.test.ts.
 */

const verify = (where: string[]) => runCli(["audit", "verify", ...where]);

const sql = rawSql;

describe.each(ENGINES)("loopgate audit verify names deleted and inserted rows (%s)", (engine) => {
  let storage: TestStorage;
  let where: string[];
  let decided: string;
  let queued: string;

  beforeAll(async () => {
    storage = await freshCliStorage(engine);
    const s = await startTestServer(engine, {}, storage);
    try {
      const automation = (await s.newKey("automation")).key;
      const ids: string[] = [];
      for (const amount of [10, 11]) {
        const res = await s.call(
          "POST",
          "/v1/cases",
          payment({ confidence: 0.5, input: { amount } }),
          automation,
        );
        ids.push((await res.json()).id);
      }
      decided = (await (await s.call("POST", "/v1/queue/claim", {})).json()).case.id;
      queued = ids.find((id) => id !== decided) as string;
      const decision = await s.call("POST", `/v1/cases/${decided}/decisions`, {
        verdict: "reject",
        reasonCode: "wrong_amount",
      });
      expect(decision.status).toBe(201);
    } finally {
      await s.close();
    }
    where = storage.databaseUrl ? ["--database-url", storage.databaseUrl] : ["--data-dir", storage.dataDir];
  }, 120_000);
  afterAll(async () => {
    await storage?.cleanup();
  });

  it("passes the untouched history, then names a deleted claim and an inserted decision", async () => {
    expect((await verify(where)).code).toBe(0);

    // Hiding who claimed the case: its `claimed` event deleted from the middle of the chain.
    await sql(storage, "delete from events where case_id = ? and type = 'claimed'", [decided]);
    // Making a waiting case look decided: an event slipped in without a place in the chain.
    await sql(
      storage,
      "insert into events (type, case_id, actor, data, at) values ('decided', ?, 'mallory', '{}', ?)",
      [queued, Date.now()],
    );

    const res = await verify(where);
    expect(res.code).toBe(1);
    expect(res.out).toMatch(new RegExp(`^deleted: ${decided}: .*position \\d+ is missing`, "m"));
    expect(res.out).toMatch(new RegExp(`^inserted: ${queued}: event seq \\d+`, "m"));
    expect(res.err).toContain("audit log NOT verified: 2 problem(s)");
  });
});
