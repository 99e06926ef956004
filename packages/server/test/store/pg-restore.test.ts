import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { freshCliStorage, PG_URL, payment, startTestServer, type TestStorage } from "../helpers/server.js";

/**
 * Backup and restore on PostgreSQL (issue 13, item 8), exactly as the README tells an operator to do it:
 * `pg_dump --format=custom` of the server's database, `pg_restore` into an empty database, a server on
 * the restored one. What they would check afterwards: every case there as it was (the decided one with
 * its decision), the audit log verifying as one unbroken chain, and the server carrying on (a waiting
 * case claimed and decided, its events following the restored ones).
 */
describe("a pg_dump of the database restores into a working server (postgres)", () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  const pgTool = (tool: "pg_dump" | "pg_restore", args: string[]) =>
    execFileSync(tool, args, { stdio: ["ignore", "pipe", "pipe"], timeout: 60_000 }).toString();

  it("holds every case and decision, verifies its audit chain, and goes on deciding", async () => {
    const storage: TestStorage = await freshCliStorage("postgres");
    cleanups.push(() => storage.cleanup());
    const s = await startTestServer("postgres", {}, storage);
    const ids: string[] = [];
    let decided: string;
    try {
      const automation = (await s.newKey("automation")).key;
      for (const amount of [10, 11, 12]) {
        const res = await s.call(
          "POST",
          "/v1/cases",
          payment({ confidence: 0.5, input: { amount } }),
          automation,
        );
        expect(res.status).toBe(201);
        ids.push((await res.json()).id);
      }
      decided = (await (await s.call("POST", "/v1/queue/claim", {})).json()).case.id;
      const decision = await s.call("POST", `/v1/cases/${decided}/decisions`, {
        verdict: "reject",
        reasonCode: "wrong_amount",
      });
      expect(decision.status).toBe(201);
    } finally {
      await s.close();
    }

    const dir = mkdtempSync(join(tmpdir(), "loopgate-pgdump-"));
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    const dump = join(dir, "loopgate.dump");
    pgTool("pg_dump", ["--format=custom", `--file=${dump}`, storage.databaseUrl as string]);

    const name = `lg_restored_${Math.random().toString(36).slice(2, 10)}`;
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE "${name}"`);
    await admin.end();
    cleanups.push(async () => {
      const c = new pg.Client({ connectionString: PG_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await c.end();
    });
    const restoredUrl = new URL(PG_URL);
    restoredUrl.pathname = `/${name}`;
    pgTool("pg_restore", [`--dbname=${restoredUrl}`, dump]);

    const verified = await runCli(["audit", "verify", "--database-url", restoredUrl.toString()]);
    expect(verified.err).toBe("");
    expect(verified.code).toBe(0);

    const r = await startTestServer("postgres", {}, { ...storage, databaseUrl: restoredUrl.toString() });
    try {
      for (const id of ids) {
        const res = await r.call("GET", `/v1/cases/${id}`);
        expect(res.status).toBe(200);
        expect((await res.json()).status).toBe(id === decided ? "decided" : "queued");
      }
      const answer = await (await r.call("GET", `/v1/cases/${decided}/decision`)).json();
      expect(answer).toMatchObject({ verdict: "reject", reasonCode: "wrong_amount" });

      // The restored sequences and chains carry on: a waiting case is claimed and decided.
      const next = (await (await r.call("POST", "/v1/queue/claim", {})).json()).case.id;
      expect(ids).toContain(next);
      expect((await r.call("POST", `/v1/cases/${next}/decisions`, { verdict: "approve" })).status).toBe(201);
    } finally {
      await r.close();
    }
    const after = await runCli(["audit", "verify", "--database-url", restoredUrl.toString()]);
    expect(after.code).toBe(0);
  });
});
