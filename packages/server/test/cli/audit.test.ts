import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { rawSql } from "../helpers/raw-sql.js";
import { ENGINES, freshCliStorage, payment, startTestServer, type TestStorage } from "../helpers/server.js";

const run = (args: string[]) => runCli(["audit", ...args]);

const tamper = rawSql;

describe.each(ENGINES)("loopgate audit (%s)", (engine) => {
  let storage: TestStorage;
  let where: string[];
  let out: string;
  let decided: string;

  beforeAll(async () => {
    storage = await freshCliStorage(engine);
    out = mkdtempSync(join(tmpdir(), "loopgate-audit-"));
    const s = await startTestServer(engine, {}, storage);
    try {
      const automation = (await s.newKey("automation")).key;
      for (let i = 0; i < 3; i++) {
        const res = await s.call(
          "POST",
          "/v1/cases",
          payment({ confidence: 0.5, input: { amount: 10 + i } }),
          automation,
        );
        expect(res.status).toBe(201);
      }
      const auto = await s.call("POST", "/v1/cases", payment({ confidence: 0.99 }), automation);
      expect(auto.status).toBe(201);
      const claim = await s.call("POST", "/v1/queue/claim", {});
      decided = (await claim.json()).case.id;
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
    rmSync(out, { recursive: true, force: true });
    await storage?.cleanup();
  });

  it("verifies a clean history, writes a checkpoint and exports the public key", async () => {
    const clean = await run(["verify", ...where]);
    expect(clean.err).toBe("");
    expect(clean.code).toBe(0);
    expect(clean.out).toMatch(/^audit log verified: 4 chains, \d+ rows, 0 checkpoints, key [0-9a-f]{16}/);
    const cp = await run(["checkpoint", ...where]);
    expect(cp.code).toBe(0);
    expect(cp.out).toMatch(/^checkpoint 1: 4 chain heads signed by key [0-9a-f]{16}$/);
    const key = await run(["public-key", ...where]);
    expect(key.out).toContain("-----BEGIN PUBLIC KEY-----");
    writeFileSync(join(out, "auditor.pem"), key.out);
    const pinned = await run(["verify", "--public-key", join(out, "auditor.pem"), ...where]);
    expect(pinned.code).toBe(0);
    expect(pinned.out).toContain("1 checkpoints");
  });

  it("exports a bundle that verifies offline, and finds tampering with the bundle's files", async () => {
    const dir = join(out, "bundle");
    const exported = await run(["export", "--since", "30d", "--out", dir, ...where]);
    expect(exported.err).toBe("");
    expect(exported.code).toBe(0);
    // The export signs the heads first: checkpoint 2 covers everything in the bundle.
    expect(exported.out).toMatch(/4 chains, \d+ rows, 2 checkpoints/);
    const key = ["--public-key", join(out, "auditor.pem")];
    // No database flags: the bundle alone.
    expect((await run(["verify", "--bundle", dir, ...key])).code).toBe(0);

    const chainsFile = join(dir, "chains.ndjson");
    const original = readFileSync(chainsFile, "utf8");
    writeFileSync(chainsFile, original.replace('"verdict":"reject"', '"verdict":"approve"'));
    const edited = await run(["verify", "--bundle", dir, ...key]);
    expect(edited.code).toBe(1);
    expect(edited.out).toMatch(new RegExp(`^altered: ${decided}: decision \\S+ \\(position 4\\): `));

    const lines = original.trimEnd().split("\n");
    writeFileSync(chainsFile, `${lines.filter((l) => !l.includes(`"id":"${decided}"`)).join("\n")}\n`);
    const dropped = await run(["verify", "--bundle", dir, ...key]);
    expect(dropped.code).toBe(1);
    expect(dropped.out).toContain(`deleted: ${decided}: case ${decided} is missing: checkpoint 2 signed it`);

    writeFileSync(chainsFile, original);
    const checkpointsFile = join(dir, "checkpoints.ndjson");
    const cp = readFileSync(checkpointsFile, "utf8");
    writeFileSync(
      checkpointsFile,
      cp.replace(/"created_at":(\d+)/, (_, n) => `"created_at":${Number(n) + 1}`),
    );
    const resigned = await run(["verify", "--bundle", dir, ...key]);
    expect(resigned.code).toBe(1);
    expect(resigned.out).toContain("checkpoint 1's signature does not verify");
    writeFileSync(checkpointsFile, cp);
    expect((await run(["verify", "--bundle", dir, ...key])).code).toBe(0);
  });

  it("names the decision an UPDATE changed behind the API's back", async () => {
    await tamper(storage, "update decisions set verdict = 'approve' where case_id = ?", [decided]);
    const res = await run(["verify", ...where]);
    expect(res.code).toBe(1);
    expect(res.out).toMatch(
      new RegExp(`^altered: ${decided}: decision \\S+ \\(position 4\\): .*content was changed`),
    );
    expect(res.err).toContain("audit log NOT verified: 1 problem(s)");
  });

  it("refuses bad flags and a directory that is no bundle with a usage error", async () => {
    expect(await run(["export", "--out", out, ...where])).toMatchObject({
      code: 1,
      err: expect.stringContaining("--since is required"),
    });
    expect(await run(["verify", "--bundle", join(out, "nothing")])).toMatchObject({
      code: 1,
      err: expect.stringContaining("not an audit bundle"),
    });
    expect(await run(["frobnicate"])).toMatchObject({
      code: 1,
      err: expect.stringContaining("expected verify"),
    });
  });
});
