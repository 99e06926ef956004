import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ENGINES, payment, startTestServer, type TestServer } from "../helpers/server.js";

const CASES = 200;
const REVIEWERS = 6;

describe.each(ENGINES)("concurrent reviewers never share a case (%s)", (engine) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer(engine);
  });
  afterAll(async () => {
    await s.close();
    await s.storage.cleanup();
  });

  it(`${REVIEWERS} reviewers racing over ${CASES} cases each get distinct cases and together get all`, async () => {
    const automation = (await s.newKey("automation")).key;
    const submitted = new Set<string>();
    for (let i = 0; i < CASES; i += 20) {
      const batch = await Promise.all(
        Array.from({ length: 20 }, (_, j) =>
          s.call("POST", "/v1/cases", payment({ confidence: 0.1, input: { amount: i + j } }), automation),
        ),
      );
      for (const r of batch) submitted.add((await r.json()).id);
    }
    const reviewers = await Promise.all(Array.from({ length: REVIEWERS }, () => s.newKey("reviewer")));
    const takenBy = new Map<string, string[]>();
    await Promise.all(
      reviewers.map(async (r) => {
        for (;;) {
          const res = await s.call("POST", "/v1/queue/claim", {}, r.key);
          if (res.status === 204) return;
          expect(res.status).toBe(200);
          const { case: c } = await res.json();
          takenBy.set(c.id, [...(takenBy.get(c.id) ?? []), r.id]);
          const d = await s.call("POST", `/v1/cases/${c.id}/decisions`, { verdict: "approve" }, r.key);
          expect(d.status).toBe(201);
        }
      }),
    );
    expect([...takenBy.values()].filter((holders) => holders.length > 1)).toEqual([]);
    expect(new Set(takenBy.keys())).toEqual(submitted);
    // More than one reviewer did real work: the race was real.
    const perReviewer = new Set([...takenBy.values()].map((h) => h[0]));
    expect(perReviewer.size).toBeGreaterThan(1);
  });
});
