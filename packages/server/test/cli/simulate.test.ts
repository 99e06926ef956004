import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { main } from "../../src/cli/main.js";
import {
  ENGINES,
  type Engine,
  FIXTURE_POLICIES,
  freshCliStorage,
  payment,
  startTestServer,
  type TestStorage,
} from "../helpers/server.js";
import { SHADOW_POLICIES } from "../helpers/shadows.js";
import {
  expectedLoweredReport,
  type History,
  LOWER_THRESHOLD,
  removeDir,
  seedHistory,
  writeDraft,
} from "../helpers/simulation.js";

const DAY = 86_400_000;

/** Runs `loopgate …` and captures what it prints. */
async function run(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(console, "log").mockImplementation((...a) => void out.push(a.join(" ")));
  vi.spyOn(console, "error").mockImplementation((...a) => void err.push(a.join(" ")));
  try {
    const code = await main(args);
    return { code, out: out.join("\n"), err: err.join("\n") };
  } finally {
    vi.restoreAllMocks();
  }
}

describe.each(ENGINES)("loopgate simulate (%s)", (engine: Engine) => {
  let storage: TestStorage;
  let db: string[];
  let h: History;
  let lowered: string;
  const drafts: string[] = [];

  beforeAll(async () => {
    storage = await freshCliStorage(engine);
    db = storage.databaseUrl ? ["--database-url", storage.databaseUrl] : ["--data-dir", storage.dataDir];
    // The command replays the last --since of real time, so the history is two days old.
    let now = Date.now() - 2 * DAY;
    const s = await startTestServer(engine, { clock: () => now }, storage);
    h = await seedHistory(s, now, (t) => {
      now = t;
    });
    await s.close();
    // Overlap copies (a shadow case for every reviewed one) of another workflow, on the same storage.
    const shadows = await startTestServer(engine, { policyDir: SHADOW_POLICIES, clock: () => now }, storage);
    const automation = (await shadows.newKey("automation")).key;
    for (const amount of [10, 20]) {
      const body = payment({ workflow: "shadow.overlap", confidence: 0.5, input: { amount } });
      expect((await shadows.call("POST", "/v1/cases", body, automation)).status).toBe(201);
    }
    await shadows.close();
    lowered = writeDraft(FIXTURE_POLICIES, "payments.yaml", LOWER_THRESHOLD);
    drafts.push(lowered);
  });
  afterAll(async () => {
    await storage.cleanup();
    for (const d of drafts) removeDir(d);
  });

  const live = ["--policy-dir", FIXTURE_POLICIES];

  it("reports no change for a draft identical to the live policy", async () => {
    const r = await run(["simulate", "--policy", FIXTURE_POLICIES, ...live, ...db, "--json"]);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    const body = JSON.parse(r.out);
    expect(body.draftPolicy.version).toBe(body.livePolicy.version);
    const payments = body.workflows.find((w: { workflow: string }) => w.workflow === "test.payments");
    expect(payments).toMatchObject({ cases: 8, changed: 0, expectedErrors: { newlyAuto: 0 } });
    expect(payments.reviewLoad.draft).toEqual(payments.reviewLoad.live);

    const text = await run(["simulate", "--policy", FIXTURE_POLICIES, ...live, ...db]);
    expect(text.code).toBe(0);
    expect(text.out).toContain("test.payments: 8 cases, 0 changes under the draft");
    expect(text.out).toContain("expected errors passing automatically: none");
    expect(text.out).toContain("test.payments: the draft is the live policy");
  });

  it("moves the cases under a lowered threshold to auto and counts the known-wrong one", async () => {
    const r = await run([
      "simulate",
      "--policy",
      lowered,
      ...live,
      ...db,
      "--workflow",
      "test.payments",
      "--json",
    ]);
    expect(r.code).toBe(0);
    const body = JSON.parse(r.out);
    expect(body.workflows).toHaveLength(1);
    expect(body.workflows[0]).toMatchObject(expectedLoweredReport(h));
    expect(body.workflows[0].reviewLoad.live.perDay).toBeCloseTo(6 / 30);

    const text = await run(["simulate", "--policy", lowered, ...live, ...db, "--since", "30d"]);
    expect(text.code).toBe(0);
    expect(text.out).toMatch(/test\.payments: 8 cases, 3 changes under the draft/);
    expect(text.out).toMatch(
      new RegExp(`review → auto +3 +e\\.g\\. ${h.rejected}, ${h.approved}, ${h.open}`),
    );
    expect(text.out).toMatch(/unchanged +5/);
    expect(text.out).toContain("of 3 cases newly auto, 1 known wrong, 1 known right (error rate 50%");
    expect(text.out).toContain("1 with no evidence either way");
    expect(text.out).toContain(`known wrong, e.g. ${h.rejected}`);
  });

  it("reads only the window and leaves shadow cases out", async () => {
    const recent = await run(["simulate", "--policy", lowered, ...live, ...db, "--since", "1d", "--json"]);
    expect(JSON.parse(recent.out).workflows[0]).toMatchObject({ cases: 0, changed: 0 });

    const overlap = [
      "--policy",
      SHADOW_POLICIES,
      "--policy-dir",
      SHADOW_POLICIES,
      "--workflow",
      "shadow.overlap",
    ];
    const r = await run(["simulate", ...overlap, ...db, "--json"]);
    expect(r.code).toBe(0);
    // Two real cases, each with an overlap copy in the queue: only the two count.
    expect(JSON.parse(r.out).workflows[0]).toMatchObject({ cases: 2, reviewLoad: { live: { cases: 2 } } });
  });

  it("exits 1 naming the file and line of a broken draft, and on bad flags", async () => {
    const broken = writeDraft(FIXTURE_POLICIES, "payments.yaml", [
      ["low: { autoMinConfidence: 0.9 }", "low: { autoMinConfidence: 1.5 }"],
    ]);
    drafts.push(broken);
    const r = await run(["simulate", "--policy", broken, ...live, ...db]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/payments\.yaml:\d+/);
    expect(r.err).toContain("autoMinConfidence");
    expect(r.err).toMatch(/1 problem in the draft policy/);

    expect((await run(["simulate", ...live, ...db])).err).toContain(
      "--policy DIR (the draft policy) is required",
    );
    expect((await run(["simulate", "--policy", lowered, ...live, ...db, "--since", "soon"])).err).toContain(
      "--since must be",
    );
    const unknown = await run(["simulate", "--policy", lowered, ...live, ...db, "--workflow", "nope"]);
    expect(unknown.code).toBe(1);
    expect(unknown.err).toContain('workflow "nope" is not in the draft policy');
    const empty = join(storage.dataDir, "nowhere");
    const noDb = await run(["simulate", "--policy", lowered, ...live, "--data-dir", empty]);
    expect(noDb.code).toBe(1);
    expect(noDb.err).toContain("no Loopgate database");
  });
});
