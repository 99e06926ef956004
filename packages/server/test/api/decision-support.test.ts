import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { claimAndDecide, LEARNING_POLICIES, submitCase } from "../helpers/calibration.js";
import { ENGINES, startTestServer, type TestServer } from "../helpers/server.js";

const T0 = Date.parse("2026-11-02T09:00:00Z");
const MIN = 60_000;

const OPTIONS = [
  { id: "advance", action: "advance", summary: "Meets every must-have", riskFactors: [] },
  { id: "hold", action: "hold", summary: "Ask for a work sample", riskFactors: ["thin evidence"] },
  { id: "reject", action: "reject_candidate", summary: "Below the bar", riskFactors: ["keyword match only"] },
];

const candidate = (n: number) => ({
  workflow: "ds.hiring",
  action: "advance",
  input: { candidate: `C-${n}` },
  proposal: { options: OPTIONS },
  confidence: 0.7,
});

type Decide = (proposal: { options: Array<Record<string, unknown>> }) => Record<string, unknown>;

describe.each(ENGINES)("GET /v1/metrics/decision-support (%s)", (engine) => {
  let s: TestServer;
  let now = T0;
  let automation: string;
  let alice: { key: string };
  let bob: { key: string };
  let n = 0;

  /**
   * One case through the real API, decided by `decide`. The workflow copies every case for a second
   * reviewer (overlap); the copy is always rejected, so counting it would change every figure.
   */
  async function decided(decide: Decide): Promise<void> {
    const real = await submitCase(s, candidate(++n), automation);
    expect(real.route).toBe("review");
    for (const who of [alice, bob]) {
      await claimAndDecide(s, "ds.hiring", who.key, (c) =>
        c.id === real.id
          ? decide((c as unknown as { proposal: { options: Array<Record<string, unknown>> } }).proposal)
          : { verdict: "reject", reasonCode: "other", note: "test" },
      );
    }
    now += MIN;
  }

  const pick =
    (i: number, reasonCode: string): Decide =>
    (p) => ({
      verdict: "override",
      output: p.options[i],
      reasonCode,
    });

  beforeAll(async () => {
    s = await startTestServer(engine, { clock: () => now, policyDir: LEARNING_POLICIES });
    automation = (await s.newKey("automation")).key;
    alice = await s.newKey("reviewer");
    bob = await s.newKey("reviewer");
    // The model's first choice, accepted four times.
    for (let i = 0; i < 4; i++) await decided(() => ({ verdict: "approve" }));
    // Its second choice twice: once as the workspace sends it, once with the keys in another order.
    await decided(pick(1, "role_nuance"));
    await decided((p) => {
      const { riskFactors, summary, action, id } = p.options[1] as Record<string, unknown>;
      return { verdict: "override", output: { riskFactors, summary, action, id }, reasonCode: "role_nuance" };
    });
    // Its third choice once.
    await decided(pick(2, "potential_bias"));
    // None of them: the reviewer's own option twice, a reject, and an edited first option.
    for (let i = 0; i < 2; i++) {
      await decided(() => ({
        verdict: "override",
        output: { id: "interview", action: "interview", summary: "Phone screen first", riskFactors: [] },
        reasonCode: "missed_qualification",
      }));
    }
    await decided(() => ({ verdict: "reject", reasonCode: "potential_bias" }));
    await decided((p) => ({
      verdict: "edit",
      output: { ...p.options[0], summary: "Meets every must-have; check references" },
      reasonCode: "missed_qualification",
    }));
  }, 120_000);

  afterAll(async () => {
    await s?.close();
    await s?.storage.cleanup();
  });

  it("counts accepted options by rank and overrides with their reasons, without the overlap copies", async () => {
    const res = await s.call(
      "GET",
      `/v1/metrics/decision-support?workflow=ds.hiring&since=${new Date(T0).toISOString()}`,
      undefined,
      alice.key,
    );
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      workflow: "ds.hiring",
      since: new Date(T0).toISOString(),
      until: new Date(now).toISOString(),
      decisions: 11,
      acceptedByRank: [
        { rank: 1, count: 4, share: 4 / 11 },
        { rank: 2, count: 2, share: 2 / 11 },
        { rank: 3, count: 1, share: 1 / 11 },
      ],
      overrides: {
        count: 4,
        share: 4 / 11,
        topReasons: [
          { reasonCode: "missed_qualification", count: 3, share: 0.75 },
          { reasonCode: "potential_bias", count: 1, share: 0.25 },
        ],
      },
    });
  });

  it("only counts cases decided in the window", async () => {
    const until = new Date(T0 + 4 * MIN).toISOString();
    const body = await (
      await s.call("GET", `/v1/metrics/decision-support?workflow=ds.hiring&since=2026-11-01&until=${until}`)
    ).json();
    expect(body).toMatchObject({
      decisions: 4,
      acceptedByRank: [{ rank: 1, count: 4, share: 1 }],
      overrides: { count: 0, share: 0, topReasons: [] },
    });
    const empty = await (
      await s.call("GET", "/v1/metrics/decision-support?workflow=ds.hiring&since=2026-01-01&until=2026-02-01")
    ).json();
    expect(empty).toMatchObject({ decisions: 0, acceptedByRank: [], overrides: { count: 0, share: null } });
  });

  it("answers 400 naming the field for a workflow of another pattern or a bad time, 403 for an automation", async () => {
    const other = await s.call("GET", "/v1/metrics/decision-support?workflow=cal.claims");
    expect(other.status).toBe(400);
    expect((await other.json()).field).toBe("/workflow");
    const bad = await s.call("GET", "/v1/metrics/decision-support?workflow=ds.hiring&until=soon");
    expect(bad.status).toBe(400);
    expect((await bad.json()).field).toBe("/until");
    const missing = await s.call("GET", "/v1/metrics/decision-support");
    expect(missing.status).toBe(400);
    expect((await missing.json()).field).toBe("/workflow");
    const bot = (await s.newKey("automation")).key;
    expect(
      (await s.call("GET", "/v1/metrics/decision-support?workflow=ds.hiring", undefined, bot)).status,
    ).toBe(403);
  });
});
