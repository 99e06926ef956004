import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { main } from "../../src/cli/main.js";
import { purgeExpired } from "../../src/retention/purge.js";
import { purgeExplains, purgeRecordsOf } from "../../src/store/audit/purge-records.js";
import { ENGINES, freshCliStorage, startTestServer, type TestServer } from "../helpers/server.js";

/** test.kept (retention 200 days) and test.short (30 days, with the operator's recorded reason). */
const RETENTION_POLICIES = fileURLToPath(new URL("../fixtures/retention-policies", import.meta.url));
const DAY = 86_400_000;

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const log = vi.spyOn(console, "log").mockImplementation((...a) => void out.push(a.join(" ")));
  const error = vi.spyOn(console, "error").mockImplementation((...a) => void err.push(a.join(" ")));
  try {
    const code = await main(["purge", ...args]);
    return { code, out: out.join("\n"), err: err.join("\n") };
  } finally {
    log.mockRestore();
    error.mockRestore();
  }
}

describe.each(ENGINES)("retention purge (%s)", (engine) => {
  let s: TestServer;
  let automation: string;
  // The CLI purges at the real time; the server submitted the cases at the test's.
  const realNow = Date.now();
  let now = realNow;
  const cases: Record<string, string> = {};
  let flags: string[];

  beforeAll(async () => {
    const storage = await freshCliStorage(engine);
    s = await startTestServer(
      engine,
      {
        clock: () => now,
        policyDir: RETENTION_POLICIES,
        retentionIntervalMs: 0,
        timers: { pollMs: 3_600_000 },
      },
      storage,
    );
    automation = (await s.newKey("automation")).key;
    const submit = async (name: string, workflow: string, daysAgo: number, confidence = 0.95) => {
      now = realNow - daysAgo * DAY;
      const body = { workflow, action: "pay", input: { n: name }, proposal: { ok: true }, confidence };
      const res = await s.call("POST", "/v1/cases", body, automation);
      expect(res.status).toBe(201);
      cases[name] = (await res.json()).id;
    };
    await submit("old", "test.kept", 400);
    await submit("oldButOpen", "test.kept", 400, 0.2);
    await submit("young", "test.kept", 100);
    await submit("shortOld", "test.short", 40);
    await submit("shortYoung", "test.short", 10);
    now = realNow;
    flags = [
      "--policy-dir",
      RETENTION_POLICIES,
      ...(storage.databaseUrl ? ["--database-url", storage.databaseUrl] : ["--data-dir", storage.dataDir]),
    ];
  });
  afterAll(async () => {
    await s.close();
    await s.storage.cleanup();
  });

  const status = async (name: string) => (await s.call("GET", `/v1/cases/${cases[name]}`)).status;

  it("lists what is expired with --dry-run and deletes nothing", async () => {
    const { code, out } = await run(["--dry-run", "--json", ...flags]);
    expect(code).toBe(0);
    const report = JSON.parse(out);
    expect(report.dryRun).toBe(true);
    const byWorkflow = Object.fromEntries(
      report.workflows.map((w: { workflow: string; cases: string[] }) => [w.workflow, w.cases]),
    );
    expect(byWorkflow).toEqual({ "test.kept": [cases.old], "test.short": [cases.shortOld] });
    for (const name of Object.keys(cases)) expect(await status(name)).toBe(200);
  });

  it("deletes finished cases past their workflow's retention, keeps open and younger ones, and records it", async () => {
    // What notifications left of the old case (an email link, a Slack reply) goes with it.
    const notified = async (name: string) => {
      const id = cases[name] as string;
      await s.store.notify.createToken({
        hash: `hash-${name}`,
        caseId: id,
        userId: "usr_someone",
        address: "someone@example.com",
        now,
        expiresAt: now + DAY,
      });
      await s.store.notify.addReply({
        id: `msg-${name}`,
        workflow: "test.kept",
        caseId: id,
        target: "https://hooks.slack.com/actions/T1/1/x",
        body: "{}",
        now,
      });
    };
    await notified("old");
    await notified("young");
    const { code, out } = await run(flags);
    expect(code).toBe(0);
    expect(out).toContain("test.kept: purged 1 case created before");
    expect(out).toContain("(retention 200 days)");
    expect(out).toContain("test.short: purged 1 case");
    expect(await status("old")).toBe(404);
    expect(await status("shortOld")).toBe(404);
    // Open work is never purged, however old; younger cases stay.
    for (const name of ["oldButOpen", "young", "shortYoung"]) expect(await status(name)).toBe(200);
    expect(await s.store.notify.findToken("hash-old")).toBeUndefined();
    expect(await s.store.notify.findToken("hash-young")).toMatchObject({ caseId: cases.young });
    const replies = await s.store.notify.claimDue({ now: now + 1, limit: 10, leaseMs: 1 });
    expect(replies.map((m) => m.caseId)).toEqual([cases.young]);

    // The purge is a chained event of the audit log's system chain, naming each case and its chain head.
    const purges: Array<Record<string, unknown>> = [];
    for await (const chain of s.store.audit.chains()) {
      if (chain.id !== "system") continue;
      for (const r of chain.rows) if (r.type === "cases_purged") purges.push(JSON.parse(String(r.data)));
    }
    expect(purges).toHaveLength(2);
    const kept = purges.find((p) => p.workflow === "test.kept");
    expect(kept).toMatchObject({ retentionDays: 200, cases: [{ id: cases.old }] });
    const [purged] = (kept?.cases ?? []) as Array<{ chainLength: number; chainHead: string }>;
    expect(purged?.chainLength).toBeGreaterThan(0);
    expect(purged?.chainHead).toMatch(/^[0-9a-f]{64}$/);
    expect(purges.find((p) => p.workflow === "test.short")).toMatchObject({
      retentionDays: 30,
      belowMinimumBecause: expect.stringContaining("DPA 2026-14"),
    });
    // Cases no checkpoint had signed leave no gap: the log still verifies.
    expect((await s.store.audit.verify()).problems).toEqual([]);

    // Nothing left to do: a second run purges nothing.
    expect((await run(flags)).out).toContain("test.kept: purged 0 cases");
  });

  it("refuses an unknown workflow by name", async () => {
    const unknown = await run(["--workflow", "nope", ...flags]);
    expect(unknown.code).not.toBe(0);
    expect(unknown.err).toContain('unknown workflow "nope"');
  });

  // `audit verify` must tell this purge from a deletion: a chained `cases_purged` event lists the case
  // with a length at least the signed one (and, at equal length, the same head).
  it("keeps audit verify passing when a checkpoint had signed the purged case", async () => {
    now = realNow - 400 * DAY;
    const res = await s.call(
      "POST",
      "/v1/cases",
      { workflow: "test.kept", action: "pay", input: {}, proposal: {}, confidence: 0.95 },
      automation,
    );
    expect(res.status).toBe(201);
    const { id } = await res.json();
    now = realNow;
    await s.store.audit.checkpoint({ now: Date.now(), minAgeMs: 0 });
    const [kept] = await purgeExpired(
      s.store,
      [s.policies.workflows.get("test.kept")].flatMap((w) => w ?? []),
      {
        now: realNow,
        actor: "test",
      },
    );
    expect(kept?.cases.map((c) => c.id)).toContain(id);
    expect((await s.store.audit.verify()).problems).toEqual([]);
  });

  it("tells that purge from a deletion only as the purge recorded each chain (purge-records.ts)", async () => {
    expect((await s.store.audit.verify()).problems).toEqual([]);
    const systemRows: Array<Record<string, unknown>> = [];
    for await (const chain of s.store.audit.chains())
      if (chain.id === "system") systemRows.push(...chain.rows);
    const records = purgeRecordsOf(systemRows);
    const { heads } = await s.store.audit.checkpoints();
    // The purged cases a checkpoint had signed: gone, and accounted for.
    const signedPurged = [...records.keys()].filter((id) => heads.some((h) => h.chain_id === id));
    expect(signedPurged.length).toBeGreaterThan(0);
    for (const id of signedPurged) {
      const signed = heads.filter((h) => h.chain_id === id);
      const record = records.get(id);
      if (!record) throw new Error(`no purge record for ${id}`);
      expect(purgeExplains(record, signed)).toBe(true);
      // A record that saw a shorter chain, or another head, explains nothing: that is a deletion.
      expect(purgeExplains({ ...record, chainLength: record.chainLength - 1 }, signed)).toBe(false);
      expect(purgeExplains({ ...record, chainHead: "0".repeat(64) }, signed)).toBe(false);
    }
    expect(purgeExplains(undefined, [{ length: 1, head: "x" }])).toBe(false);
  });
});
