import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { verifyWebhook } from "@loopgate/client";
import Database from "better-sqlite3";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runOversight } from "../../src/oversight/run.js";
import { type NewAlert, openStore, type Store } from "../../src/store/index.js";
import { ownerKey } from "../helpers/owners.js";
import { startReceiver } from "../helpers/receiver.js";
import { pay, reviewerKey } from "../helpers/review-rules.js";
import { ENGINES, startTestServer, type TestServer } from "../helpers/server.js";
import { claim, submit } from "../helpers/workspace.js";

/**
 * Oversight alerts through the real API: a rubber-stamper among three diligent reviewers of
 * `oversight.watched`, and approvals that stay at 100 % on `oversight.trend` while the reported errors
 * rise from 1/20 to 8/20 between two 30-day windows.
 */
const FIXTURES = fileURLToPath(new URL("../fixtures/policies-oversight", import.meta.url));
const WATCHED = "oversight.watched";
const TREND = "oversight.trend";
const DAY = 86_400_000;
const SEC = 1000;
const T0 = Date.parse("2026-09-01T09:00:00Z");
const RUN_AT = T0 + 60 * DAY;
/** An acknowledgement says what was done (issue 15, item 6). */
const DISMISS = { action: "dismissed" };

/** The fixture policies with `oversight.watched`'s alertUrl pointed at `url`. */
function policiesWithAlertUrl(url: string): string {
  const dir = mkdtempSync(join(tmpdir(), "loopgate-alert-policies-"));
  for (const f of readdirSync(FIXTURES)) {
    writeFileSync(
      join(dir, f),
      readFileSync(join(FIXTURES, f), "utf8").replace("http://127.0.0.1:9/alerts", url),
    );
  }
  return dir;
}

describe.each(ENGINES)("oversight alerts (%s)", (engine) => {
  let s: TestServer;
  let now = T0;
  let policyDir: string;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let automation: string;
  let owner: { key: string; id: string };
  let auditor: string;
  let stamper: { key: string; id: string };
  const diligent: { key: string; id: string }[] = [];
  // biome-ignore lint/suspicious/noExplicitAny: the first run's alerts as JSON
  let raised: any[];

  async function decide(workflow: string, who: { key: string }, heldMs: number, approve: boolean) {
    const id = await submit(s, pay(workflow, 100), automation);
    expect((await claim(s, workflow, who.key)).id).toBe(id);
    now += heldMs;
    const body = approve ? { verdict: "approve" } : { verdict: "reject", reasonCode: "other", note: "test" };
    expect((await s.call("POST", `/v1/cases/${id}/decisions`, body, who.key)).status).toBe(201);
    now += 30 * SEC;
    return id;
  }

  /** The `oversight_alert` rows of the event log, read straight from the database. */
  async function alertEvents(): Promise<{ case_id: string | null; data: string }[]> {
    const query = "SELECT case_id, data FROM events WHERE type = 'oversight_alert' ORDER BY seq";
    if (engine === "sqlite") {
      const db = new Database(join(s.storage.dataDir, "loopgate.db"), { readonly: true });
      try {
        return db.prepare(query).all() as { case_id: string | null; data: string }[];
      } finally {
        db.close();
      }
    }
    const client = new pg.Client({ connectionString: s.storage.databaseUrl });
    await client.connect();
    try {
      await client.query(`SET search_path TO "${s.storage.schema}"`);
      return (await client.query(query)).rows;
    } finally {
      await client.end();
    }
  }

  async function outcome(id: string, result: "correct" | "incorrect") {
    expect((await s.call("POST", `/v1/cases/${id}/outcome`, { result }, automation)).status).toBe(201);
  }

  beforeAll(async () => {
    receiver = await startReceiver();
    policyDir = policiesWithAlertUrl(receiver.url);
    s = await startTestServer(engine, { clock: () => now, policyDir, oversightIntervalMs: 0 });
    automation = (await s.newKey("automation")).key;
    auditor = (await s.newKey("auditor")).key;
    owner = await ownerKey(s, "owner@example.com");
    stamper = await reviewerKey(s, "stan");
    for (const name of ["dana", "dev", "dora"]) diligent.push(await reviewerKey(s, name));

    // oversight.trend: one careful reviewer approves everything in both windows; outcomes worsen.
    const tess = await reviewerKey(s, "tess");
    for (const [start, wrong] of [
      [T0 + DAY, 1],
      [T0 + 31 * DAY, 8],
    ] as const) {
      now = start;
      for (let i = 0; i < 20; i++)
        await outcome(await decide(TREND, tess, 45 * SEC, true), i < wrong ? "incorrect" : "correct");
    }

    // oversight.watched: 30 decisions each (the detector's minimum), round robin. Diligent: 40–54 s in a
    // cycle of 15 (both halves of their history alike), every fourth rejected. The stamper: 2 s, approve.
    now = T0 + 50 * DAY;
    for (let i = 0; i < 30; i++) {
      for (const d of diligent) await decide(WATCHED, d, (40 + ((i * 7) % 15)) * SEC, i % 4 !== 3);
      await decide(WATCHED, stamper, 2 * SEC, true);
    }
    now = RUN_AT;
  }, 180_000);

  afterAll(async () => {
    await s?.close();
    await s?.storage.cleanup();
    await receiver?.close();
    rmSync(policyDir, { recursive: true, force: true });
  });

  it("shows alerts only to admins, auditors and owners", async () => {
    expect((await s.call("GET", "/v1/oversight/alerts", undefined, stamper.key)).status).toBe(403);
    expect(
      (await s.call("GET", `/v1/oversight/alerts?workflow=${WATCHED}`, undefined, automation)).status,
    ).toBe(403);
    for (const token of [auditor, owner.key, undefined]) {
      const res = await s.call("GET", "/v1/oversight/alerts", undefined, token);
      expect(res.status).toBe(200);
      expect((await res.json()).alerts).toEqual([]);
    }
  });

  it("lets only an admin or the owner run the check", async () => {
    for (const token of [stamper.key, auditor, automation]) {
      expect((await s.call("POST", "/v1/oversight/run", { workflow: WATCHED }, token)).status).toBe(403);
    }
    const unknown = await s.call("POST", "/v1/oversight/run", { workflow: "no.such" }, owner.key);
    expect(unknown.status).toBe(422);
    expect(await unknown.json()).toMatchObject({ field: "/workflow" });
  });

  it("raises one alert for the rubber-stamper and one for approvals high while errors rise", async () => {
    const res = await s.call("POST", "/v1/oversight/run", {}, owner.key);
    expect(res.status).toBe(200);
    raised = (await res.json()).alerts;
    expect(raised.map((a) => [a.kind, a.workflow, a.reviewer]).sort()).toEqual([
      ["approval_high_errors_rising", TREND, null],
      ["rubber_stamp", WATCHED, stamper.id],
    ]);
    const stamp = raised.find((a) => a.kind === "rubber_stamp");
    expect(stamp).toMatchObject({
      id: expect.stringMatching(/^alr_/),
      reviewerName: "stan",
      createdAt: new Date(RUN_AT).toISOString(),
      acknowledgedAt: null,
      evidence: { decisions: 30, approvalRate: 1, medianHeldMs: 2000, peerDecisions: 90 },
    });
    expect(stamp.evidence.peerApprovalRate).toBeCloseTo(69 / 90, 12);
    expect(stamp.evidence.minPValue).toBeLessThanOrEqual(stamp.evidence.threshold);
    expect(stamp.evidence.signals.map((x: { kind: string }) => x.kind)).toContain("dwell_vs_peers");
    const trend = raised.find((a) => a.kind === "approval_high_errors_rising");
    expect(trend.evidence).toMatchObject({
      previous: { approvalRate: 1, reported: 20, incorrect: 1 },
      recent: { approvalRate: 1, reported: 20, incorrect: 8 },
      approvalThreshold: 0.9,
      alpha: 0.01,
    });
    // One-sided Fisher, hypergeometric P(X ≥ 8) with N = 40, K = 9, n = 20, summed from binomial
    // coefficients outside this code: just under alpha.
    expect(trend.evidence.pValue).toBeCloseTo(0.009828009828009828, 12);
  });

  it("records one oversight_alert event per alert, on no case", async () => {
    const events = await alertEvents();
    expect(events.map((e) => [e.case_id, JSON.parse(e.data).alertId]).sort()).toEqual(
      raised.map((a) => [null, a.id]).sort(),
    );
  });

  it("publishes the routes and their schemas in /openapi.json", async () => {
    const { paths } = await (await s.call("GET", "/openapi.json")).json();
    expect(Object.keys(paths)).toEqual(
      expect.arrayContaining([
        "/v1/oversight/alerts",
        "/v1/oversight/alerts/{id}/ack",
        "/v1/oversight/run",
        "/v1/oversight/alerts/secret",
      ]),
    );
    const listed = paths["/v1/oversight/alerts"].get.responses["200"].content["application/json"].schema;
    expect(Object.keys(listed.properties.alerts.items.properties)).toEqual(
      expect.arrayContaining(["id", "kind", "reviewer", "reviewerName", "workflow", "evidence", "createdAt"]),
    );
  });

  it("does not raise the same alert again while it is open", async () => {
    const res = await s.call("POST", "/v1/oversight/run", {});
    expect(await res.json()).toEqual({ alerts: [] });
  });

  it("delivers the alert to the owner's alertUrl, signed with the workflow's secret its owner can read", async () => {
    await receiver.until((d) => d.length >= 1);
    const [delivery] = receiver.deliveries;
    const body = JSON.parse(delivery?.body ?? "{}");
    expect(body).toMatchObject({
      type: "oversight.alert",
      alertId: raised.find((a) => a.kind === "rubber_stamp").id,
      kind: "rubber_stamp",
      workflow: WATCHED,
      owner: "owner@example.com",
      reviewer: stamper.id,
      reviewerName: "stan",
    });
    // Each workflow has its own alert secret: its owner reads it, and another workflow's does not verify.
    const secretOf = async (workflow: string, token?: string) =>
      s.call("GET", `/v1/oversight/alerts/secret?workflow=${workflow}`, undefined, token);
    const { secret, header } = await (await secretOf(WATCHED, owner.key)).json();
    expect(header).toBe("webhook-signature");
    const headers = delivery?.headers ?? {};
    const raw = delivery?.body ?? "";
    expect(await verifyWebhook({ secret, headers, body: raw, nowMs: RUN_AT })).toBe(true);
    const other = await (await secretOf(TREND)).json();
    expect(other.secret).not.toBe(secret);
    expect(await verifyWebhook({ secret: other.secret, headers, body: raw, nowMs: RUN_AT })).toBe(false);
    // oversight.trend has no alertUrl: nothing else is sent.
    expect(receiver.deliveries).toHaveLength(1);
  });

  it("filters by workflow, since and kind, and refuses a bad since naming the field", async () => {
    const list = async (query: string, token?: string) => {
      const res = await s.call("GET", `/v1/oversight/alerts${query}`, undefined, token);
      expect(res.status).toBe(200);
      return (await res.json()).alerts as { kind: string; workflow: string }[];
    };
    expect((await list(`?workflow=${WATCHED}`, owner.key)).map((a) => a.kind)).toEqual(["rubber_stamp"]);
    expect(await list(`?workflow=${WATCHED}`, auditor)).toHaveLength(1);
    expect((await list("?kind=approval_high_errors_rising")).map((a) => a.workflow)).toEqual([TREND]);
    expect(await list(`?since=${new Date(RUN_AT + 1).toISOString()}`)).toEqual([]);
    expect(await list(`?since=${new Date(RUN_AT).toISOString()}`)).toHaveLength(2);
    const bad = await s.call("GET", "/v1/oversight/alerts?since=yesterday");
    expect(bad.status).toBe(400);
    expect(JSON.stringify(await bad.json())).toContain("since");
    expect((await s.call("GET", "/v1/oversight/alerts?kind=nonsense")).status).toBe(400);
  });

  it("is acknowledged once, by the owner or an admin; then the pattern may raise a new alert", async () => {
    const stamp = raised.find((a) => a.kind === "rubber_stamp");
    expect((await s.call("POST", `/v1/oversight/alerts/${stamp.id}/ack`, DISMISS, auditor)).status).toBe(403);
    expect((await s.call("POST", `/v1/oversight/alerts/${stamp.id}/ack`, DISMISS, stamper.key)).status).toBe(
      404,
    );
    expect((await s.call("POST", "/v1/oversight/alerts/alr_nope/ack", DISMISS, owner.key)).status).toBe(404);
    now += 60 * SEC;
    const res = await s.call("POST", `/v1/oversight/alerts/${stamp.id}/ack`, DISMISS, owner.key);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      id: stamp.id,
      acknowledgedAt: new Date(now).toISOString(),
      acknowledgedBy: owner.id,
    });
    expect((await s.call("POST", `/v1/oversight/alerts/${stamp.id}/ack`, DISMISS, owner.key)).status).toBe(
      409,
    );
    const again = await (await s.call("POST", "/v1/oversight/run", { workflow: WATCHED }, owner.key)).json();
    expect(again.alerts.map((a: { reviewer: string }) => a.reviewer)).toEqual([stamper.id]);
  });

  describe("two processes at once", () => {
    const stores: Store[] = [];
    beforeAll(async () => {
      for (let i = 0; i < 2; i++) stores.push(await openStore(s.storage));
    });
    afterAll(async () => {
      for (const st of stores) await st.close();
    });

    const alert = (id: string, reviewer: string | null): NewAlert => ({
      id,
      kind: "rubber_stamp",
      workflow: TREND,
      reviewer,
      evidence: { race: true },
      createdAt: now,
      actor: "test",
    });

    it.each([
      ["a reviewer", "usr_race"],
      ["a workflow (no reviewer)", null],
    ])("store one open alert for %s when both insert it together", async (_, reviewer) => {
      const [a, b] = stores as [Store, Store];
      const tag = reviewer ?? "wf";
      const stored = await Promise.all([
        a.oversight.insertAlerts([alert(`alr_${tag}_a`, reviewer)]),
        b.oversight.insertAlerts([alert(`alr_${tag}_b`, reviewer)]),
      ]);
      expect(stored.flat()).toHaveLength(1);
      const open = (await s.store.oversight.listAlerts({ workflows: [TREND], kind: "rubber_stamp" })).filter(
        (x) => x.reviewer === reviewer && x.acknowledgedAt === null,
      );
      expect(open).toHaveLength(1);
    });

    it("raise each finding once when both run the whole check together", async () => {
      const open = await s.store.oversight.listAlerts({ workflows: [WATCHED] });
      for (const x of open.filter((x) => x.acknowledgedAt === null)) {
        expect(
          (
            await s.store.oversight.acknowledgeAlert({
              id: x.id,
              by: "test",
              now,
              action: "dismissed",
              note: null,
            })
          ).acknowledged,
        ).toBe(true);
      }
      const [a, b] = stores as [Store, Store];
      const runs = await Promise.all(
        [a, b].map((st) => runOversight(st, s.policies, RUN_AT, { workflows: [WATCHED] })),
      );
      expect(runs.flat().map((x) => x.reviewer)).toEqual([stamper.id]);
    });
  });

  it("is run by the worker every oversightIntervalMs, without a request", async () => {
    for (const x of await s.store.oversight.listAlerts({})) {
      if (x.acknowledgedAt === null)
        await s.store.oversight.acknowledgeAlert({
          id: x.id,
          by: "test",
          now,
          action: "dismissed",
          note: null,
        });
    }
    // A second process on the same database, with the worker on.
    const second = await startTestServer(
      engine,
      { clock: () => now, policyDir, oversightIntervalMs: 50 },
      s.storage,
    );
    try {
      const open = async () =>
        (await s.store.oversight.listAlerts({})).filter((x) => x.acknowledgedAt === null);
      for (let i = 0; i < 200 && (await open()).length < 2; i++) await new Promise((r) => setTimeout(r, 100));
      expect((await open()).map((x) => [x.kind, x.reviewer]).sort()).toEqual([
        ["approval_high_errors_rising", null],
        ["rubber_stamp", stamper.id],
      ]);
    } finally {
      await second.close();
    }
  });
});
