import { fileURLToPath } from "node:url";
import { inBlindSample } from "@loopgate/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { collectReport } from "../../src/report/collect.js";
import { renderReport } from "../../src/report/html.js";
import { ADMIN_TOKEN, ENGINES, startTestServer, type TestServer } from "../helpers/server.js";
import { claim, openStream, submit } from "../helpers/workspace.js";

/**
 * Skill erosion, measured (issue 15, item 5): `review.blindSampleRate` draws cases for a blind judgment
 * at submit, the server keeps their model side from reviewers until the holder has judged, and the
 * governance metrics and the report compare the judgments with the model and with the decisions.
 */
const POLICIES = fileURLToPath(new URL("../fixtures/erosion-policies", import.meta.url));
const SECRET = "SECRET-MODEL-PROPOSAL";
const T0 = Date.parse("2026-11-03T09:00:00Z");
const DAY = 86_400_000;

const payment = (workflow: string, n: number) => ({
  workflow,
  action: "pay",
  input: { invoice: `INV-${n}`, amount: 100 + n },
  proposal: { pay: 100 + n, memo: SECRET },
  confidence: 0.4217,
  rationale: `${SECRET} rationale`,
});
const rejectBody = { verdict: "reject", reasonCode: "amount_mismatch" };

function expectBlind(view: Record<string, unknown>) {
  expect(view).toMatchObject({ blind: true, proposal: null, confidence: null, rationale: null });
  expect(JSON.stringify(view)).not.toContain(SECRET);
  expect(JSON.stringify(view)).not.toContain("0.4217");
}

describe.each(ENGINES)("skill erosion (%s)", (engine) => {
  let s: TestServer;
  let automation: string;
  let now = T0;
  const clock = () => now;
  const tick = () => {
    now += 1000;
  };

  beforeAll(async () => {
    s = await startTestServer(engine, { policyDir: POLICIES, clock, leaseSeconds: 600 });
    automation = (await s.newKey("automation")).key;
  });
  afterAll(async () => {
    await s.close();
    await s.storage.cleanup();
  });

  const get = async (id: string, token: string) =>
    (await s.call("GET", `/v1/cases/${id}`, undefined, token)).json();
  const judge = (id: string, body: Record<string, unknown>, token: string) =>
    s.call("POST", `/v1/cases/${id}/blind-judgment`, body, token);
  const decide = (id: string, body: Record<string, unknown>, token: string) =>
    s.call("POST", `/v1/cases/${id}/decisions`, body, token);

  it("draws a share of cases at submit, and hides their model side from every view until the holder judges", async () => {
    const alice = await s.newKey("reviewer");
    const bob = await s.newKey("reviewer");
    const stream = await openStream(s, bob.key);
    const sampled: string[] = [];
    const open: string[] = [];
    for (let n = 0; n < 16; n++) {
      tick();
      const id = await submit(s, payment("er.sampled", n), automation);
      // The stream carries ids only: a reviewer learns of the case, never its proposal.
      const frame = await stream.next((e) => e.caseId === id);
      expect(JSON.stringify(frame)).not.toContain(SECRET);
      (inBlindSample(id, 0.5) ? sampled : open).push(id);
      // The draw is on the audit chain too, in the routed event.
      const routed = (await get(id, ADMIN_TOKEN)).events.find((e: { type: string }) => e.type === "routed");
      expect(routed.data.blindSampled === true).toBe(inBlindSample(id, 0.5));
    }
    // 16 fair draws: both kinds are there (all on one side has probability 2^-15).
    expect(sampled.length).toBeGreaterThan(0);
    expect(open.length).toBeGreaterThan(0);

    for (const id of [...sampled, ...open].sort()) {
      tick();
      const claimed = await claim(s, "er.sampled", alice.key);
      expect(claimed.id).toBe(id);
      if (open.includes(id)) {
        expect(claimed).toMatchObject({ blind: false, confidence: 0.4217 });
        expect((await judge(id, { verdict: "approve" }, alice.key)).status).toBe(409);
        expect((await decide(id, { verdict: "approve" }, alice.key)).status).toBe(201);
        continue;
      }
      // The attack: read the recommendation of a sampled case before judging, through every view.
      expectBlind(claimed);
      expectBlind(await get(id, alice.key));
      expectBlind(await get(id, bob.key));
      const early = await decide(id, { verdict: "approve" }, alice.key);
      expect(early.status).toBe(409);
      expect((await early.json()).detail).toMatch(/record your own judgment first/);
      const judged = await judge(id, rejectBody, alice.key);
      expect(judged.status).toBe(201);
      expect(JSON.stringify(await judged.json())).toContain(SECRET);
      expect(JSON.stringify(await get(id, bob.key))).toContain(SECRET);
      expect((await decide(id, { verdict: "approve" }, alice.key)).status).toBe(201);
    }
  });

  it("tells reviewers who follow the model after the reveal from those who keep their judgment", async () => {
    const since = now - (now % DAY);
    const followers = [await s.newKey("reviewer"), await s.newKey("reviewer")];
    const keepers = [await s.newKey("reviewer"), await s.newKey("reviewer")];
    // Each reviewer: 6 cases judged against the model (reject), 2 judged with it (approve). After the
    // reveal a follower approves everything; a keeper decides as they judged.
    for (const [i, r] of [...followers, ...keepers].entries()) {
      const follows = i < followers.length;
      for (let n = 0; n < 8; n++) {
        tick();
        const id = await submit(s, payment("er.measured", 100 * i + n), automation);
        expect((await claim(s, "er.measured", r.key)).id).toBe(id);
        const blind = n < 6 ? rejectBody : { verdict: "approve" };
        tick();
        expect((await judge(id, blind, r.key)).status).toBe(201);
        tick();
        expect((await decide(id, follows ? { verdict: "approve" } : blind, r.key)).status).toBe(201);
      }
    }
    // A judgment with no decision after it: given back after judging.
    tick();
    const released = await submit(s, payment("er.measured", 999), automation);
    await claim(s, "er.measured", followers[0]?.key);
    expect((await judge(released, rejectBody, followers[0]?.key as string)).status).toBe(201);
    expect((await s.call("POST", `/v1/cases/${released}/release`, undefined, followers[0]?.key)).status).toBe(
      204,
    );

    const window = `since=${new Date(since).toISOString()}&until=${new Date(since + DAY).toISOString()}`;
    const res = await s.call("GET", `/v1/metrics/governance?workflow=er.measured&groupBy=reviewer&${window}`);
    expect(res.status).toBe(200);
    const { erosion } = await res.json();
    expect(erosion).toMatchObject({
      judgments: 33,
      matchedModel: { count: 8, of: 33 },
      decided: 32,
      changedAfterReveal: { count: 12, of: 32, rate: 0.375 },
      direction: { towardsModel: 12, awayFromModel: 0, other: 0 },
      switchedToModel: { count: 12, of: 24, rate: 0.5 },
    });
    expect(erosion.workflows).toEqual([expect.objectContaining({ workflow: "er.measured", judgments: 33 })]);
    const byId = new Map(erosion.reviewers.map((r: { reviewer: string }) => [r.reviewer, r]));
    for (const f of followers) {
      expect(byId.get(f.id)).toMatchObject({
        switchedToModel: { count: 6, of: 6, rate: 1 },
        changedAfterReveal: { count: 6, of: 8 },
        direction: { towardsModel: 6, awayFromModel: 0, other: 0 },
        matchedModel: { count: 2 },
      });
    }
    for (const k of keepers) {
      const r = byId.get(k.id) as { switchedToModel: { interval: { low: number; high: number } } };
      expect(r).toMatchObject({
        judgments: 8,
        switchedToModel: { count: 0, of: 6, rate: 0 },
        changedAfterReveal: { count: 0, of: 8, rate: 0 },
        matchedModel: { count: 2, of: 8, rate: 0.25 },
      });
      // The counts are small, and the interval says so: 0 of 6 is compatible with up to ~39 %.
      expect(r.switchedToModel.interval.high).toBeGreaterThan(0.35);
      expect(r.switchedToModel.interval.high).toBeLessThan(0.45);
    }
    // The follower who gave a case back has one more judgment, not one more decision.
    expect(byId.get(followers[0]?.id)).toMatchObject({ judgments: 9, decided: 8, matchedModel: { of: 9 } });

    // Per reviewer only under groupBy=reviewer's rule: without it there are none, and a reviewer who
    // does not own the workflow may not ask for it.
    const plain = await (await s.call("GET", `/v1/metrics/governance?workflow=er.measured&${window}`)).json();
    expect(plain.erosion.reviewers).toBeUndefined();
    expect(plain.erosion.judgments).toBe(33);
    const asReviewer = await s.call(
      "GET",
      `/v1/metrics/governance?workflow=er.measured&groupBy=reviewer&${window}`,
      undefined,
      keepers[0]?.key,
    );
    expect(asReviewer.status).toBe(403);
    const ownView = await (
      await s.call("GET", `/v1/metrics/governance?workflow=er.measured&${window}`, undefined, keepers[0]?.key)
    ).json();
    expect(ownView.erosion.reviewers).toBeUndefined();
    expect(JSON.stringify(ownView.erosion)).not.toContain(followers[0]?.id);

    // The report shows the same figures, per reviewer.
    const workflow = s.policies.workflows.get("er.measured");
    if (!workflow) throw new Error("er.measured not loaded");
    const data = await collectReport(s.store, { workflow, since, until: since + DAY, now });
    const html = renderReport(data);
    expect(html).toContain('<section id="erosion">');
    const rowOf = (attr: string) => {
      const m = new RegExp(`<tr ${attr} data-value="([^"]*)"`).exec(html);
      if (!m) throw new Error(`no erosion row ${attr}`);
      return JSON.parse((m[1] as string).replaceAll("&quot;", '"'));
    };
    expect(rowOf('data-erosion-all=""')).toEqual(
      expect.objectContaining({ judgments: 33, switchedToModel: erosion.switchedToModel }),
    );
    expect(rowOf(`data-erosion-reviewer="${followers[1]?.id}"`).switchedToModel.rate).toBe(1);
    expect(rowOf(`data-erosion-reviewer="${keepers[1]?.id}"`).switchedToModel.rate).toBe(0);
  });
});
