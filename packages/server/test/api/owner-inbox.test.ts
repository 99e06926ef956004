import { join } from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { collectReport } from "../../src/report/collect.js";
import { renderReport } from "../../src/report/html.js";
import type { NewAlert } from "../../src/store/index.js";
import { keyOf, newUser, signIn } from "../helpers/owners.js";
import { ENGINES, startTestServer, type TestServer } from "../helpers/server.js";

/**
 * The owner's inbox (issue 15, item 6) through the real API: Alice, a reviewer who owns `inbox.a`, reads
 * its alerts, acknowledges them with what she did, and pauses a flagged reviewer from the alert; Bruno
 * owns `inbox.b`. The alerts themselves are stored as the oversight run stores them (alerts.test.ts
 * raises them from real decisions); what is tested here is who may act on them and what acting does.
 */
const POLICIES = fileURLToPath(new URL("../fixtures/owner-inbox-policies", import.meta.url));
const A = "inbox.a";
const B = "inbox.b";
const T0 = Date.parse("2026-11-02T09:00:00Z");

type Caller = { key: string; id: string; userId: string };

describe.each(ENGINES)("the owner's inbox (%s)", (engine) => {
  let s: TestServer;
  let now = T0;
  let automation: string;
  let auditor: string;
  let alice: Caller;
  let bruno: Caller;
  let rita: Caller;
  /** Stan, the flagged reviewer, through two keys of his. */
  let stan: Caller;
  let stan2: Caller;
  const alerts: Record<string, string> = {};

  const alertOf = (id: string, workflow: string, reviewer: string | null): NewAlert => ({
    id,
    kind: reviewer === null ? "approval_high_errors_rising" : "rubber_stamp",
    workflow,
    reviewer,
    evidence: { decisions: 30, approvalRate: 1 },
    createdAt: now,
    actor: "system",
  });

  const submit = async (workflow: string) => {
    const res = await s.call(
      "POST",
      "/v1/cases",
      { workflow, action: "pay", input: { amount: 10 }, proposal: { pay: 10 }, confidence: 0.5 },
      automation,
    );
    expect(res.status).toBe(201);
    return (await res.json()).id as string;
  };
  const claim = (token: string, workflows?: string[]) =>
    s.call("POST", "/v1/queue/claim", workflows ? { workflows } : {}, token);
  const decide = async (id: string, token: string) =>
    expect((await s.call("POST", `/v1/cases/${id}/decisions`, { verdict: "approve" }, token)).status).toBe(
      201,
    );
  const ack = (id: string, body: unknown, token?: string) =>
    s.call("POST", `/v1/oversight/alerts/${id}/ack`, body, token);

  /** Events of no case of these types, read straight from the database. */
  async function systemEvents(...types: string[]): Promise<{ type: string; actor: string; data: string }[]> {
    const query = `SELECT type, actor, data FROM events WHERE case_id IS NULL AND type IN (${types.map((t) => `'${t}'`).join(", ")}) ORDER BY seq`;
    if (engine === "sqlite") {
      const db = new Database(join(s.storage.dataDir, "loopgate.db"), { readonly: true });
      try {
        return db.prepare(query).all() as { type: string; actor: string; data: string }[];
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

  beforeAll(async () => {
    s = await startTestServer(engine, { clock: () => now, policyDir: POLICIES, oversightIntervalMs: 0 });
    automation = (await s.newKey("automation")).key;
    auditor = (await s.newKey("auditor")).key;
    const person = async (name: string) => {
      await newUser(s, name, { workflows: [A, B] });
      return keyOf(s, name, { workflows: [A, B] });
    };
    alice = await person("alice");
    bruno = await person("bruno");
    rita = await person("rita");
    stan = await person("stan");
    stan2 = await keyOf(s, "stan", { workflows: [A, B] });
    // The detector names whoever decided: here one of Stan's keys, which stands for Stan.
    const stored = await s.store.oversight.insertAlerts([
      alertOf("alr_stan_a", A, stan.id),
      alertOf("alr_stan_b", B, stan.id),
      alertOf("alr_team_a", A, null),
    ]);
    expect(stored).toHaveLength(3);
    for (const a of stored) alerts[a.id] = a.workflow;
  });

  afterAll(async () => {
    await s?.close();
    await s?.storage.cleanup();
  });

  it("shows an owner who is a reviewer their workflows' alerts, and the dashboard's figures", async () => {
    const session = await signIn(s, "alice");
    const me = await (await session.call("GET", "/v1/session")).json();
    expect(me.user).toMatchObject({ role: "reviewer", owns: [A] });
    const res = await session.call("GET", "/v1/oversight/alerts");
    expect(res.status).toBe(200);
    expect((await res.json()).alerts.map((a: { id: string }) => a.id).sort()).toEqual([
      "alr_stan_a",
      "alr_team_a",
    ]);
    const governance = await session.call("GET", `/v1/metrics/governance?workflow=${A}&groupBy=reviewer`);
    expect(governance.status).toBe(200);
    expect(await (await session.call("GET", `/v1/workflows/${A}/pauses`)).json()).toEqual({ items: [] });
    // Another workflow's alerts are not hers.
    expect((await session.call("GET", `/v1/oversight/alerts?workflow=${B}`)).status).toBe(403);
    expect((await session.call("GET", `/v1/workflows/${B}/pauses`)).status).toBe(403);
  });

  it("refuses an acknowledgement that does not say what was done, naming the field", async () => {
    const cases: [unknown, string][] = [
      [undefined, "/"],
      [{}, "/action"],
      [{ action: "fired" }, "/action"],
      [{ action: "coached", note: "x".repeat(2001) }, "/note"],
      [{ action: "coached", reviewer: rita.id }, "/reviewer"],
    ];
    for (const [body, field] of cases) {
      const res = await ack("alr_stan_a", body, alice.key);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.headers.get("content-type")).toContain("application/problem+json");
      expect(JSON.stringify(await res.json())).toContain(`"${field}`);
    }
    // A workflow-level alert has nobody to pause.
    const team = await ack("alr_team_a", { action: "paused_reviewer" }, alice.key);
    expect(team.status).toBe(422);
    expect(await team.json()).toMatchObject({ field: "/action" });
    const open = await s.store.oversight.listAlerts({ ids: ["alr_stan_a", "alr_team_a"] });
    expect(open.map((a) => a.acknowledgedAt)).toEqual([null, null]);
  });

  it("lets no reviewer who is not the owner acknowledge or pause, not even the flagged one", async () => {
    for (const who of [rita, stan, stan2]) {
      const res = await ack("alr_stan_a", { action: "paused_reviewer", note: "me" }, who.key);
      expect(res.status).toBe(404);
    }
    expect((await ack("alr_stan_a", { action: "dismissed" }, auditor)).status).toBe(403);
    expect((await ack("alr_stan_a", { action: "dismissed" }, automation)).status).toBe(404);
    expect(await s.store.pauses.inForceFor(stan.userId, [A, B])).toEqual([]);
  });

  it("lets the owner of inbox.a neither pause in nor resume from inbox.b", async () => {
    const res = await ack("alr_stan_b", { action: "paused_reviewer", note: "not mine" }, alice.key);
    expect(res.status).toBe(404);
    const resume = await s.call("POST", `/v1/workflows/${B}/pauses/${stan.userId}/resume`, {}, alice.key);
    expect(resume.status).toBe(403);
    expect(await s.store.pauses.inForceFor(stan.userId, [B])).toEqual([]);
  });

  it("pauses the flagged reviewer from the alert: every key of his is refused a claim in inbox.a", async () => {
    // What Stan already holds in inbox.a goes back to the queue with the pause; what he holds in inbox.b
    // stays his: a pause that only stopped new claims would leave him deciding what he holds.
    const a0 = await submit(A);
    const bHeld = await submit(B);
    now += 1000; // a0 first in the queue, a1 after it
    const a1 = await submit(A);
    now += 60_000;
    // Claimed now, so the leases (60 s in tests) are alive when the pause comes.
    expect((await (await claim(stan2.key, [A])).json()).case.id).toBe(a0);
    expect((await (await claim(stan.key, [B])).json()).case.id).toBe(bHeld);
    const res = await ack(
      "alr_stan_a",
      { action: "paused_reviewer", note: "  coaching on Monday " },
      alice.key,
    );
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({
      id: "alr_stan_a",
      acknowledgedAt: new Date(now).toISOString(),
      acknowledgedBy: alice.id,
      ackAction: "paused_reviewer",
      ackNote: "coaching on Monday",
      pause: {
        workflow: A,
        reviewer: stan.userId,
        reviewerName: "stan",
        alertId: "alr_stan_a",
        note: "coaching on Monday",
        pausedBy: alice.id,
        inForce: true,
      },
    });
    const released = await (await s.call("GET", `/v1/cases/${a0}`)).json();
    expect(released.status).toBe("queued");
    expect(released.events.at(-1)).toMatchObject({
      type: "released",
      actor: alice.id,
      data: { holder: stan2.id, pauseId: body.pause.id },
    });
    const late = await s.call("POST", `/v1/cases/${a0}/decisions`, { verdict: "approve" }, stan2.key);
    expect(late.status).toBe(409);
    await decide(bHeld, stan.key);
    // Asked for inbox.a: refused, saying why, through either key and the password session.
    for (const token of [stan.key, stan2.key]) {
      const refused = await claim(token, [A]);
      expect(refused.status).toBe(403);
      expect(await refused.json()).toMatchObject({
        title: "Reviewer paused",
        pauses: [{ workflow: A, alertId: "alr_stan_a", note: "coaching on Monday" }],
      });
      expect((await claim(token)).status).toBe(204);
    }
    const session = await signIn(s, "stan");
    expect((await session.call("POST", "/v1/queue/claim", { workflows: [A] })).status).toBe(403);
    // inbox.b is not paused: a claim of either workflow takes b's case and never a's.
    const b1 = await submit(B);
    const taken = await claim(stan2.key);
    expect(taken.status).toBe(200);
    expect((await taken.json()).case.id).toBe(b1);
    await decide(b1, stan2.key);
    // Rita still takes a's cases, the released one first.
    for (const id of [a0, a1]) {
      const ritas = await claim(rita.key, [A]);
      expect((await ritas.json()).case.id).toBe(id);
      await decide(id, rita.key);
    }
  });

  it("refuses a decision from a paused person holding a lease the pause did not see", async () => {
    // A claim that read the queue ("not paused") just before the pause and committed just after it: the
    // store's claim without `unlessPaused` (the route's asks, in its reads of the queue) leaves Stan
    // holding the case.
    const raced = await submit(A);
    const held = await s.store.review.claimNext({
      reviewer: stan2.id,
      workflows: [A],
      caseId: raced,
      leaseMs: 60_000,
      now,
    });
    expect(held?.case.id).toBe(raced);
    const refused = await s.call("POST", `/v1/cases/${raced}/decisions`, { verdict: "approve" }, stan2.key);
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ title: "Reviewer paused" });
    expect((await (await s.call("GET", `/v1/cases/${raced}`)).json()).status).toBe("claimed");
    // He can still give it back, and a colleague decides it.
    expect((await s.call("POST", `/v1/cases/${raced}/release`, {}, stan2.key)).status).toBe(204);
    expect((await (await claim(rita.key, [A])).json()).case.id).toBe(raced);
    await decide(raced, rita.key);
  });

  it("records the acknowledgement and the pause on the audit trail", async () => {
    const events = await systemEvents("oversight_alert_acknowledged", "reviewer_paused");
    expect(events.map((e) => [e.type, e.actor, JSON.parse(e.data)])).toEqual([
      [
        "reviewer_paused",
        alice.id,
        expect.objectContaining({ workflow: A, reviewer: stan.userId, alertId: "alr_stan_a" }),
      ],
      [
        "oversight_alert_acknowledged",
        alice.id,
        expect.objectContaining({
          alertId: "alr_stan_a",
          action: "paused_reviewer",
          note: "coaching on Monday",
        }),
      ],
    ]);
  });

  it("refuses a second pause of the same person in the workflow", async () => {
    const [again] = await s.store.oversight.insertAlerts([alertOf("alr_stan_a2", A, stan2.id)]);
    expect(again?.id).toBe("alr_stan_a2");
    const res = await ack("alr_stan_a2", { action: "paused_reviewer" }, alice.key);
    expect(res.status).toBe(409);
    expect((await s.store.oversight.listAlerts({ ids: ["alr_stan_a2"] }))[0]?.acknowledgedAt).toBeNull();
    expect(
      (await ack("alr_stan_a2", { action: "coached", note: "talked it through" }, alice.key)).status,
    ).toBe(200);
  });

  it("is resumed by the owner only (not the paused reviewer nor a colleague); then claims work again", async () => {
    const path = `/v1/workflows/${A}/pauses/${stan2.id}/resume`;
    for (const who of [stan, rita, bruno]) expect((await s.call("POST", path, {}, who.key)).status).toBe(403);
    expect((await s.call("POST", path, {}, automation)).status).toBe(403);
    expect((await s.call("POST", path, { note: 1 }, alice.key)).status).toBe(400);
    now += 60_000;
    // A key of Stan's names Stan.
    const res = await s.call("POST", path, { note: "coached" }, alice.key);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      reviewer: stan.userId,
      resumedBy: alice.id,
      resumedAt: new Date(now).toISOString(),
      resumeNote: "coached",
      inForce: false,
    });
    expect((await s.call("POST", path, {}, alice.key)).status).toBe(409);
    const a2 = await submit(A);
    const taken = await claim(stan.key, [A]);
    expect(taken.status).toBe(200);
    expect((await taken.json()).case.id).toBe(a2);
    const events = await systemEvents("reviewer_resumed");
    expect(events.map((e) => [e.actor, JSON.parse(e.data).reviewer])).toEqual([[alice.id, stan.userId]]);
  });

  it("makes one pause of two acknowledgements that pause the same person at once", async () => {
    // One alert per key of Stan's (the detector names whoever decided): both open together.
    const stored = await s.store.oversight.insertAlerts([
      alertOf("alr_race_1", A, stan.id),
      alertOf("alr_race_2", A, stan2.id),
    ]);
    expect(stored).toHaveLength(2);
    const answers = await Promise.all(
      ["alr_race_1", "alr_race_2"].map((id) =>
        ack(id, { action: "paused_reviewer", note: "race" }, alice.key),
      ),
    );
    expect(answers.map((r) => r.status).sort()).toEqual([200, 409]);
    expect(await s.store.pauses.inForceFor(stan.userId, [A])).toHaveLength(1);
    // The refused acknowledgement left its alert open.
    const after = await s.store.oversight.listAlerts({ ids: ["alr_race_1", "alr_race_2"] });
    expect(after.filter((a) => a.acknowledgedAt === null)).toHaveLength(1);
    const resume = await s.call("POST", `/v1/workflows/${A}/pauses/${stan.userId}/resume`, {}, alice.key);
    expect(resume.status).toBe(200);
  });

  it("lets an admin resume a pause an owner made, and an auditor read it", async () => {
    expect((await ack("alr_stan_b", { action: "paused_reviewer" }, bruno.key)).status).toBe(200);
    expect((await claim(stan.key, [B])).status).toBe(403);
    const list = await s.call("GET", `/v1/workflows/${B}/pauses`, undefined, auditor);
    expect((await list.json()).items).toMatchObject([
      { reviewer: stan.userId, pausedBy: bruno.id, inForce: true },
    ]);
    expect((await s.call("POST", `/v1/workflows/${B}/pauses/${stan.userId}/resume`, null)).status).toBe(200);
    const b2 = await submit(B);
    const taken = await claim(stan.key, [B]);
    expect(taken.status).toBe(200);
    expect((await taken.json()).case.id).toBe(b2);
  });

  it("shows what was done in the governance report", async () => {
    const wf = s.policies.workflows.get(A);
    if (!wf) throw new Error("inbox.a not loaded");
    const data = await collectReport(s.store, { workflow: wf, since: T0 - 1, until: now + 1, now });
    const stanAlert = data.alerts.find((a) => a.id === "alr_stan_a");
    expect(stanAlert).toMatchObject({
      ackAction: "paused_reviewer",
      ackNote: "coaching on Monday",
      acknowledgedByName: "alice",
    });
    expect(data.pauses).toMatchObject([
      { reviewerName: "stan", pausedByName: "alice", resumeNote: "coached" },
      { reviewerName: "stan", pausedByName: "alice", note: "race", resumedByName: "alice" },
    ]);
    const html = renderReport(data);
    expect(html).toContain('data-ack-action="paused_reviewer"');
    expect(html).toContain("paused the reviewer</span> — “coaching on Monday”");
    expect(html).toContain('<section id="pauses"><h2>Paused reviewers</h2>');
  });
});
