import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exportBatches, newTally } from "../../src/export/dataset.js";
import { ownerKey } from "../helpers/owners.js";
import { ENGINES, startTestServer, type TestServer } from "../helpers/server.js";

const EXPORT_POLICIES = fileURLToPath(new URL("../fixtures/export-policies", import.meta.url));
const MINUTE = 60_000;

type Json = Record<string, unknown>;
interface Submitted {
  id: string;
  policyVersion: string;
  body: Json;
}

describe.each(ENGINES)("dataset exports (%s)", (engine) => {
  let s: TestServer;
  let now = Date.parse("2026-11-02T09:00:00Z");
  let automation: string;
  let alice: { key: string; id: string };
  let bob: { key: string; id: string };
  let owner: string;
  let auditor: string;
  /** When each named decision was recorded (ISO), for the rows' decidedAt. */
  const at: Record<string, string> = {};
  const cases: Record<string, Submitted> = {};

  async function submit(name: string, body: Json): Promise<Submitted> {
    const res = await s.call("POST", "/v1/cases", body, automation);
    expect(res.status).toBe(201);
    const { id } = await res.json();
    // The policy version the case met is on the case view, not the submit response.
    const view = await (await s.call("GET", `/v1/cases/${id}`)).json();
    cases[name] = { id, policyVersion: view.policyVersion, body };
    return cases[name];
  }

  /** Claims `c` as `who` (it must be next in its workflow) and records `decision`, one minute later. */
  async function decide(name: string, who: { key: string }, decision: Json, c = cases[name] as Submitted) {
    const claimed = await s.call("POST", "/v1/queue/claim", { workflows: [c.body.workflow] }, who.key);
    expect((await claimed.json()).case.id).toBe(c.id);
    const res = await s.call("POST", `/v1/cases/${c.id}/decisions`, decision, who.key);
    expect(res.status).toBe(201);
    at[name] = new Date(now).toISOString();
    now += MINUTE;
  }

  const fix = (n: number, extra: Json = {}) => ({
    workflow: "exp.fix",
    action: "pay",
    input: { invoice: n, amount: n * 100 },
    proposal: { pay: n * 100 },
    confidence: 0.4 + n / 100,
    ...extra,
  });

  async function rows(path: string, token?: string): Promise<Json[]> {
    const res = await s.call("GET", path, undefined, token);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/x-ndjson/);
    const text = await res.text();
    if (text === "") return [];
    expect(text.endsWith("\n")).toBe(true);
    return text
      .trimEnd()
      .split("\n")
      .map((line) => JSON.parse(line) as Json);
  }

  beforeAll(async () => {
    s = await startTestServer(engine, {
      policyDir: EXPORT_POLICIES,
      clock: () => now,
      // 0: every workflow with an overlap rate (exp.shadowed only) gets its copy.
      random: () => 0,
      timers: { pollMs: 3_600_000 },
    });
    automation = (await s.newKey("automation")).key;
    alice = await s.newKey("reviewer");
    bob = await s.newKey("reviewer");
    auditor = (await s.newKey("auditor")).key;
    // The owner is the user the policy names (here through a key of theirs), never a key's name.
    owner = (await ownerKey(s, "fix-owner@example.com")).key;

    await submit("c1", fix(1));
    await decide("c1", alice, {
      verdict: "edit",
      output: { pay: 90 },
      reasonCode: "wrong_amount",
      note: "one item returned",
    });
    await submit("c2", fix(2));
    await decide("c2", bob, { verdict: "reject", reasonCode: "wrong_payee" });
    await submit("c3", fix(3));
    await decide("c3", alice, {
      verdict: "override",
      output: { hold: true },
      reasonCode: "other",
      note: "on hold",
    });
    await submit("c4", fix(4));
    await decide("c4", alice, { verdict: "approve" });
    // c1 again, its input's keys in another order: the same correction, a duplicate.
    await submit("c5", fix(1, { input: { amount: 100, invoice: 1 } }));
    await decide("c5", bob, { verdict: "edit", output: { pay: 90 }, reasonCode: "other", note: "test" });
    // Edited, then revoked inside the release window and approved: nothing to export.
    await submit("c6", fix(6));
    await decide("c6", alice, { verdict: "edit", output: { pay: 1 }, reasonCode: "wrong_amount" });
    expect(
      (await s.call("POST", `/v1/cases/${cases.c6?.id}/revoke`, { reason: "misread" }, alice.key)).status,
    ).toBe(200);
    await decide("c6", bob, { verdict: "approve" });
    // Edited, revoked, rejected: only the reject is in force.
    await submit("c7", fix(7));
    await decide("c7", alice, { verdict: "edit", output: { pay: 2 }, reasonCode: "wrong_amount" });
    expect(
      (await s.call("POST", `/v1/cases/${cases.c7?.id}/revoke`, { reason: "misread" }, alice.key)).status,
    ).toBe(200);
    await decide("c7", bob, { verdict: "reject", reasonCode: "other", note: "test" });

    // A real case and its overlap copy, both edited.
    const real = await submit("c8", { ...fix(8), workflow: "exp.shadowed" });
    for (const who of [alice, bob]) {
      const claimed = await (
        await s.call("POST", "/v1/queue/claim", { workflows: ["exp.shadowed"] }, who.key)
      ).json();
      const output = { pay: who === alice ? 8 : 9 };
      const res = await s.call(
        "POST",
        `/v1/cases/${claimed.case.id}/decisions`,
        {
          verdict: "edit",
          output,
          reasonCode: "other",
          note: "test",
        },
        who.key,
      );
      expect(res.status).toBe(201);
      if (claimed.case.id === real.id) at.c8 = new Date(now).toISOString();
      now += MINUTE;
    }

    const candidates = (texts: string[]) => ({
      candidates: texts.map((text, i) => ({ id: "abc"[i] as string, output: { text } })),
    });
    const ranking = (n: number, texts: string[]) => ({
      workflow: "exp.rank",
      action: "choose_reply",
      input: { message: `Where is parcel ${n}?` },
      proposal: candidates(texts),
      confidence: 0.6,
    });
    await submit("r1", ranking(1, ["today", "wait", "tomorrow"]));
    await decide("r1", alice, { verdict: "rank", output: { ranking: ["b", "a", "c"] } });
    await submit("r2", ranking(2, ["yes", "sure"]));
    await decide("r2", alice, {
      verdict: "rank",
      output: { ranking: ["a", "b"], tie: true },
      reasonCode: "both_good",
    });
    await submit("r3", ranking(3, ["maybe", "perhaps"]));
    await decide("r3", bob, {
      verdict: "edit",
      output: { text: "Tomorrow by noon." },
      reasonCode: "both_bad",
    });

    const triage = {
      workflow: "exp.label",
      action: "set_category",
      proposal: { label: "billing" },
      confidence: 0.55,
    };
    await submit("l1", { ...triage, input: { message: "charged twice" } });
    await decide("l1", alice, { verdict: "label", output: { label: "account" } });
    await submit("l2", { ...triage, input: { message: "charged twice" } });
    await decide("l2", bob, { verdict: "label", output: { label: "account" } });
  });
  afterAll(async () => {
    await s.close();
    await s.storage.cleanup();
  });

  const correction = (name: string, d: Json) => {
    const c = cases[name] as Submitted;
    return {
      caseId: c.id,
      workflow: c.body.workflow,
      action: c.body.action,
      input: c.body.input,
      modelOutput: c.body.proposal,
      confidence: c.body.confidence,
      policyVersion: c.policyVersion,
      decidedAt: at[name],
      note: null,
      ...d,
    };
  };

  it("streams the corrections decided through the API, field for field, decision in force only", async () => {
    expect(await rows("/v1/exports/corrections?workflow=exp.fix", owner)).toEqual([
      correction("c1", {
        humanOutput: { pay: 90 },
        verdict: "edit",
        reason: "wrong_amount",
        note: "one item returned",
        reviewer: alice.id,
      }),
      correction("c2", { humanOutput: null, verdict: "reject", reason: "wrong_payee", reviewer: bob.id }),
      correction("c3", {
        humanOutput: { hold: true },
        verdict: "override",
        reason: "other",
        note: "on hold",
        reviewer: alice.id,
      }),
      // c4 approved, c5 a duplicate of c1, c6's edit revoked: only c7's reject remains of the rest.
      correction("c7", {
        humanOutput: null,
        verdict: "reject",
        reason: "other",
        note: "test",
        reviewer: bob.id,
      }),
    ]);
  });

  it("says in the manifest what the export holds", async () => {
    const res = await s.call("GET", "/v1/exports/corrections/manifest?workflow=exp.fix", undefined, owner);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      kind: "corrections",
      filters: { workflow: "exp.fix" },
      counts: { rows: 4, duplicatesDropped: 1, cases: 4 },
      policyVersions: [cases.c1?.policyVersion],
      generatedAt: new Date(now).toISOString(),
    });
  });

  it("filters by verdict, reviewer, reason and decision time; dedup applies within the filtered rows", async () => {
    const ids = async (query: string) =>
      (await rows(`/v1/exports/corrections?workflow=exp.fix&${query}`, auditor)).map((r) => r.caseId);
    const id = (name: string) => cases[name]?.id;
    expect(await ids("verdict=reject")).toEqual([id("c2"), id("c7")]);
    // Without alice's c1, bob's c5 is no longer a repeat.
    expect(await ids(`reviewer=${bob.id}`)).toEqual([id("c2"), id("c5"), id("c7")]);
    expect(await ids("reason=wrong_amount")).toEqual([id("c1")]);
    expect(await ids(`since=${at.c3}`)).toEqual([id("c3"), id("c5"), id("c7")]);
    expect(await ids(`since=${at.c2}&until=${at.c5}`)).toEqual([id("c2"), id("c3")]);
    const manifest = await (
      await s.call(
        "GET",
        `/v1/exports/corrections/manifest?workflow=exp.fix&reviewer=${bob.id}&verdict=reject`,
        undefined,
        auditor,
      )
    ).json();
    expect(manifest).toMatchObject({
      filters: { workflow: "exp.fix", reviewer: bob.id, verdict: "reject" },
      counts: { rows: 2, duplicatesDropped: 0, cases: 2 },
    });
  });

  it("leaves overlap copies out: only the real case's decision is exported", async () => {
    const out = await rows("/v1/exports/corrections?workflow=exp.shadowed", owner);
    expect(out.map((r) => r.caseId)).toEqual([cases.c8?.id]);
    expect(out[0]).toMatchObject({ decidedAt: at.c8 });
  });

  it("exports preference pairs from rankings and edits; a tie gives none", async () => {
    const input = (name: string) => cases[name]?.body.input;
    const pair = (name: string, chosen: string, rejected: string, reviewer: string) => ({
      prompt: input(name),
      chosen: { text: chosen },
      rejected: { text: rejected },
      source: "rank",
      caseId: cases[name]?.id,
      workflow: "exp.rank",
      reviewer,
      decidedAt: at[name],
    });
    expect(await rows("/v1/exports/preferences?workflow=exp.rank", auditor)).toEqual([
      pair("r1", "wait", "today", alice.id),
      pair("r1", "wait", "tomorrow", alice.id),
      pair("r1", "today", "tomorrow", alice.id),
      {
        prompt: input("r3"),
        chosen: { text: "Tomorrow by noon." },
        rejected: cases.r3?.body.proposal,
        source: "edit",
        caseId: cases.r3?.id,
        workflow: "exp.rank",
        reviewer: bob.id,
        decidedAt: at.r3,
      },
    ]);
    const manifest = await (
      await s.call("GET", "/v1/exports/preferences/manifest?workflow=exp.rank", undefined, auditor)
    ).json();
    expect(manifest.counts).toEqual({ rows: 4, duplicatesDropped: 0, cases: 2 });
    expect(await rows("/v1/exports/preferences?workflow=exp.rank&verdict=edit", auditor)).toHaveLength(1);
  });

  it("exports labels once per (input, label)", async () => {
    expect(await rows("/v1/exports/labels?workflow=exp.label", auditor)).toEqual([
      {
        caseId: cases.l1?.id,
        workflow: "exp.label",
        input: { message: "charged twice" },
        label: "account",
        reviewer: alice.id,
        decidedAt: at.l1,
        confidence: 0.55,
      },
    ]);
    const manifest = await (
      await s.call("GET", "/v1/exports/labels/manifest?workflow=exp.label", undefined, auditor)
    ).json();
    expect(manifest.counts).toEqual({ rows: 1, duplicatesDropped: 1, cases: 1 });
  });

  it("lets an admin export every workflow at once", async () => {
    const out = await rows("/v1/exports/corrections");
    expect(new Set(out.map((r) => r.workflow))).toEqual(new Set(["exp.fix", "exp.shadowed", "exp.rank"]));
    expect(out).toHaveLength(6);
  });

  it("refuses a bad filter with a 400 naming it", async () => {
    const refused = async (query: string, field: string) => {
      const res = await s.call("GET", `/v1/exports/corrections?${query}`, undefined, auditor);
      expect(res.status).toBe(400);
      expect(res.headers.get("content-type")).toMatch(/problem\+json/);
      expect((await res.json()).field).toBe(field);
    };
    await refused("workflow=exp.fix&verdict=approve", "/verdict");
    await refused("workflow=exp.fix&since=last-week", "/since");
    await refused("workflow=exp.fix&until=2026-13-45T00:00:00Z", "/until");
    await refused(`workflow=exp.fix&since=${at.c3}&until=${at.c2}`, "/since");
    await refused("workflow=exp.fix&colour=red", "/colour");
    await refused("since=2026-11-01", "/workflow");
    const kind = await s.call("GET", "/v1/exports/everything?workflow=exp.fix", undefined, auditor);
    expect(kind.status).toBe(400);
    expect((await kind.json()).field).toBe("/kind");
  });

  it("is for admins, auditors and the workflow's owner: a reviewer who is not the owner gets 403", async () => {
    const res = await s.call("GET", "/v1/exports/corrections?workflow=exp.fix", undefined, alice.key);
    expect(res.status).toBe(403);
    expect((await res.json()).detail).toMatch(/owner of workflow exp\.fix/);
    // The owner of exp.fix does not own exp.rank.
    expect((await s.call("GET", "/v1/exports/preferences?workflow=exp.rank", undefined, owner)).status).toBe(
      403,
    );
    expect(
      (await s.call("GET", "/v1/exports/corrections/manifest?workflow=exp.fix", undefined, alice.key)).status,
    ).toBe(403);
  });

  it("reads in keyset batches: small batches give the same rows, dedup holding across batch boundaries", async () => {
    const tally = newTally();
    const batches: unknown[][] = [];
    for await (const b of exportBatches(s.store, { kind: "corrections", workflows: ["exp.fix"] }, tally, 2)) {
      batches.push(b);
    }
    expect(batches.length).toBeGreaterThan(1);
    expect(batches.flat()).toEqual(await rows("/v1/exports/corrections?workflow=exp.fix", owner));
    expect(tally).toMatchObject({ rows: 4, duplicatesDropped: 1, cases: 4 });
  });
});
