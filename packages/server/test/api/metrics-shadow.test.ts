import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CaseRecord, NewCase, NewEvent } from "../../src/store/index.js";
import { reviewerKey } from "../helpers/review-rules.js";
import { ENGINES, payment, startTestServer, type TestServer } from "../helpers/server.js";
import { claim, submit } from "../helpers/workspace.js";

/**
 * Shadow cases (catch trials and overlap copies, migration 008) are work a reviewer does for oversight:
 * none of it may count in the governance figures nor in the Prometheus counters. The real cases are
 * submitted through the API; the shadows are written through the store, as the mixing-in does, then
 * decided and reported on like real ones.
 */

const T0 = Date.parse("2026-11-02T09:00:00Z");
const QUERIES = ["", "&groupBy=reviewer", "&groupBy=riskClass", "&groupBy=day"];

/** The report without `consistency`: overlap copies are exactly what that figure is computed from. */
function withoutConsistency(body: Record<string, unknown>): unknown {
  const { consistency: _c, groups, ...rest } = body;
  return {
    ...rest,
    ...(Array.isArray(groups) && { groups: groups.map((g) => withoutConsistency(g)) }),
  };
}

/** The Prometheus sample lines (no comments), sorted. */
const samples = (text: string) =>
  text
    .split("\n")
    .filter((l) => l !== "" && !l.startsWith("#") && l.startsWith("loopgate_"))
    .sort();

/** A copy of a real case, as a shadow: its own id and time, the given triggers fired. */
function shadowCase(
  real: CaseRecord,
  id: string,
  o: Partial<NewCase> & { triggers: string[] },
  at: number,
): NewCase {
  const route = o.route ?? real.route;
  const explanation = { ...real.explanation, route, triggers: o.triggers };
  return {
    id,
    workflow: real.workflow,
    action: real.action,
    status: "queued",
    route,
    riskClass: real.riskClass,
    confidence: real.confidence,
    input: real.input,
    proposal: real.proposal,
    rationale: null,
    evidence: null,
    subject: null,
    metadata: null,
    context: null,
    explanation,
    idempotencyKey: null,
    requestHash: id,
    callbackUrl: null,
    submittedBy: real.submittedBy,
    policyVersion: real.policyVersion,
    createdAt: at,
    goldId: null,
    overlapOf: null,
    ...o,
  };
}

const submitted = (c: NewCase): NewEvent[] => [
  {
    type: "submitted",
    caseId: c.id,
    actor: c.submittedBy,
    data: { workflow: c.workflow, action: c.action, idempotencyKey: null },
    at: c.createdAt,
  },
  {
    type: "routed",
    caseId: c.id,
    actor: "policy",
    data: { route: c.route, riskClass: c.riskClass, triggers: c.explanation.triggers },
    at: c.createdAt,
  },
];

describe.each(ENGINES)("governance metrics leave shadow cases out (%s)", (engine) => {
  let s: TestServer;
  let now = T0;
  let automation: string;
  let autoCase: string;
  let high: CaseRecord;
  const report = async (query: string) => {
    const window = "since=2026-11-01T00:00:00Z&until=2026-11-03T00:00:00Z";
    const res = await s.call("GET", `/v1/metrics/governance?workflow=test.payments&${window}${query}`);
    expect(res.status).toBe(200);
    return withoutConsistency(await res.json());
  };
  const prometheus = async () => {
    // Counters only take events older than a few seconds: move past them before scraping.
    now += 10_000;
    return samples(await (await s.call("GET", "/metrics", undefined, null)).text());
  };

  beforeAll(async () => {
    s = await startTestServer(engine, { clock: () => now });
    automation = (await s.newKey("automation")).key;
    const alice = await reviewerKey(s, "alice");
    autoCase = await submit(s, payment(), automation);
    now = T0 + 10_000;
    const highId = await submit(s, payment({ input: { amount: 5000, payee: "Acme" } }), automation);
    high = (await s.store.cases.get(highId)) as CaseRecord;
    now = T0 + 60_000;
    expect((await claim(s, "test.payments", alice.key)).id).toBe(highId);
    now = T0 + 90_000;
    const edit = { verdict: "edit", reasonCode: "wrong_amount", output: { pay: 4000, to: "Acme" } };
    expect((await s.call("POST", `/v1/cases/${highId}/decisions`, edit, alice.key)).status).toBe(201);
    now = T0 + 100_000;
    const outcome = await s.call("POST", `/v1/cases/${autoCase}/outcome`, { result: "correct" }, automation);
    expect(outcome.status).toBe(201);
    now = T0 + 120_000;
  });

  afterAll(async () => {
    await s.close();
    await s.storage.cleanup();
  });

  it("gives the same figures and counters after catch trials and overlap copies are decided", async () => {
    const before = await Promise.all(QUERIES.map(report));
    expect(before[0]).toMatchObject({
      cases: 2,
      decisions: 1,
      postReviewErrorCounts: { auto: { reported: 1 } },
    });
    const counters = await prometheus();

    // A catch trial a new reviewer rejects, with a reason code and a trigger no real case fired.
    const bob = await reviewerKey(s, "bob");
    const gold = await s.call("POST", "/v1/workflows/test.payments/gold", {
      items: [
        {
          action: "pay",
          input: { amount: 5000, payee: "Acme" },
          proposal: { pay: 5000, to: "Acme" },
          confidence: 0.5,
          expected: "reject",
        },
      ],
    });
    expect(gold.status).toBe(201);
    const goldId = (await gold.json()).ids[0] as string;
    const trial = shadowCase(high, "case_shadow_trial", { goldId, triggers: ["shadow_only"] }, now);
    await s.store.cases.insert(trial, { events: submitted(trial) });
    now += 30_000;
    expect((await claim(s, "test.payments", bob.key)).id).toBe(trial.id);
    now += 30_000;
    const reject = { verdict: "reject", reasonCode: "wrong_payee" };
    expect((await s.call("POST", `/v1/cases/${trial.id}/decisions`, reject, bob.key)).status).toBe(201);
    // An overlap copy of the auto case, approved by the policy, with an incorrect outcome.
    const copy = shadowCase(
      high,
      "case_shadow_copy",
      { overlapOf: autoCase, route: "auto", status: "decided", triggers: [] },
      now,
    );
    await s.store.cases.insert(copy, {
      events: [
        ...submitted(copy),
        { type: "decided", caseId: copy.id, actor: "policy", data: { verdict: "approve" }, at: now },
      ],
      decision: {
        id: "dec_shadow_copy",
        decidedBy: "policy",
        verdict: "approve",
        output: copy.proposal,
        reasonCode: null,
        note: null,
        claimedAt: null,
        decidedAt: now,
        heldMs: null,
      },
    });
    await s.store.oversight.insertOutcome({
      id: "out_shadow_copy",
      caseId: copy.id,
      result: "incorrect",
      details: null,
      reportedBy: "automation",
      reportedAt: now,
      now,
    });
    now += 1_000;
    expect((await s.store.cases.get(trial.id))?.status).toBe("decided");
    expect((await s.store.cases.get(copy.id))?.status).toBe("decided");

    expect(await Promise.all(QUERIES.map(report))).toEqual(before);
    expect(await prometheus()).toEqual(counters);
  });
});
