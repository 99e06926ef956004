import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { reviewerKey } from "../helpers/review-rules.js";
import { ENGINES, payment, startTestServer, type TestServer } from "../helpers/server.js";
import { claim, submit } from "../helpers/workspace.js";

/**
 * Issue 11, item 8: an automation key sees the cases it submitted and nothing else. Another key's case
 * is answered exactly like an unknown id on every route an automation can call, and an idempotency key
 * another key already used is that key's alone (issue 13): reusing it makes a case of one's own.
 */
describe.each(ENGINES)("an automation key sees only its own cases (%s)", (engine) => {
  let s: TestServer;
  let mine: { key: string; id: string };
  let theirs: { key: string; id: string };
  let reviewer: { key: string; id: string };
  let auditor: { key: string; id: string };

  /** A payment over 1000: class high, so it always waits for a person. */
  const queued = (o: Record<string, unknown> = {}) =>
    payment({ input: { amount: 4000, payee: "Bolt" }, proposal: { pay: 4000, to: "Bolt" }, ...o });
  /** A problem body with the case id taken out, to compare a refusal with an unknown id's. */
  const problemOf = async (res: Response, id: string) => {
    const body = (await res.json()) as Record<string, unknown>;
    return { status: res.status, body: JSON.parse(JSON.stringify(body).replaceAll(id, "<id>")) };
  };

  beforeAll(async () => {
    // Every reading of the clock moves it on a millisecond, so no two cases share a creation time.
    let now = Date.parse("2026-11-02T09:00:00Z");
    s = await startTestServer(engine, { clock: () => now++ });
    mine = await s.newKey("automation");
    theirs = await s.newKey("automation");
    reviewer = await reviewerKey(s, "Ada");
    auditor = await s.newKey("auditor");
  });
  afterAll(async () => {
    await s.close();
    await s.storage.cleanup();
  });

  it("answers another key's case on every case route exactly like an unknown id (404 no case <id>)", async () => {
    const waiting = await submit(
      s,
      queued({ idempotencyKey: "INV-1", callbackUrl: "http://127.0.0.1:9/hook", subject: "S-1" }),
      mine.key,
    );
    const auto = await submit(s, payment(), mine.key); // decided by the policy at once
    const unknown = "case_00000000-0000-4000-8000-000000000000";
    const scopedElsewhere = await s.newKey("automation", ["test.other"]);

    const attempts: Array<[string, (id: string) => string, unknown]> = [
      ["GET", (id) => `/v1/cases/${id}`, undefined],
      ["GET", (id) => `/v1/cases/${id}/decision?waitSeconds=0`, undefined],
      ["GET", (id) => `/v1/cases/${id}/decision?waitSeconds=5`, undefined],
      ["POST", (id) => `/v1/cases/${id}/outcome`, { result: "incorrect" }],
      ["POST", (id) => `/v1/cases/${id}/revoke`, { reason: "not yours" }],
      ["POST", (id) => `/v1/cases/${id}/revert`, { reason: "not yours" }],
      ["POST", (id) => `/v1/cases/${id}/assign`, { to: reviewer.id }],
    ];
    for (const [method, path, body] of attempts) {
      const none = await problemOf(await s.call(method, path(unknown), body, theirs.key), unknown);
      expect(none.status, `${method} ${path(unknown)}`).toBe(404);
      expect(none.body.detail).toBe("no case <id>");
      for (const id of [waiting, auto]) {
        for (const attacker of [theirs.key, scopedElsewhere.key]) {
          const res = await s.call(method, path(id), body, attacker);
          // Not a 403 either: that would confirm the id exists.
          expect(await problemOf(res, id), `${method} ${path(id)}`).toEqual(none);
        }
      }
    }
    // The refused outcome report was not stored, and nothing else changed on the cases.
    expect((await s.store.cases.detail(auto))?.events.map((e) => e.type)).toEqual([
      "submitted",
      "routed",
      "decided",
    ]);
    expect((await s.store.cases.get(waiting))?.assignedTo).toBeNull();

    // The submitting key still has every one of those routes, with its own plumbing.
    const own = await s.call("GET", `/v1/cases/${waiting}`, undefined, mine.key);
    expect(own.status).toBe(200);
    expect(await own.json()).toMatchObject({
      id: waiting,
      idempotencyKey: "INV-1",
      callbackUrl: "http://127.0.0.1:9/hook",
      events: [{ type: "submitted", actor: mine.id, data: { idempotencyKey: "INV-1" } }, { type: "routed" }],
    });
    expect((await s.call("GET", `/v1/cases/${waiting}/decision`, undefined, mine.key)).status).toBe(202);
    const decision = await s.call("GET", `/v1/cases/${auto}/decision`, undefined, mine.key);
    expect(await decision.json()).toMatchObject({ caseId: auto, verdict: "approve" });
    const outcome = await s.call("POST", `/v1/cases/${auto}/outcome`, { result: "correct" }, mine.key);
    expect(outcome.status).toBe(201);

    // People keep their workflow-wide access.
    for (const token of [reviewer.key, auditor.key, undefined]) {
      const res = await s.call("GET", `/v1/cases/${waiting}`, undefined, token);
      expect(res.status).toBe(200);
      expect((await res.json()).id).toBe(waiting);
    }
    // Leave the queue empty for the next test.
    expect((await claim(s, "test.payments", reviewer.key)).id).toBe(waiting);
    const done = await s.call("POST", `/v1/cases/${waiting}/decisions`, { verdict: "approve" }, reviewer.key);
    expect(done.status).toBe(201);
  });

  it("lists only the key's own cases in a subject's history; people still see every case of the subject", async () => {
    const subject = "S-hist";
    const a1 = await submit(s, queued({ subject }), mine.key);
    const b1 = await submit(s, queued({ subject }), theirs.key);
    const a2 = await submit(s, queued({ subject }), mine.key);
    const b2 = await submit(s, queued({ subject }), theirs.key);
    const historyOf = async (id: string, token?: string) => {
      const res = await s.call("GET", `/v1/cases/${id}`, undefined, token);
      expect(res.status).toBe(200);
      return ((await res.json()).history as Array<{ id: string }>).map((h) => h.id);
    };
    expect(await historyOf(a2, mine.key)).toEqual([a1]);
    expect(await historyOf(b2, theirs.key)).toEqual([b1]);
    // A reviewer, an auditor and an admin see the subject's whole history in their workflows.
    for (const token of [reviewer.key, auditor.key, undefined]) {
      expect(await historyOf(b2, token)).toEqual([a2, b1, a1]);
    }
    for (const id of [a1, b1, a2, b2]) {
      const c = await claim(s, "test.payments", reviewer.key);
      expect([a1, b1, a2, b2]).toContain(c.id);
      const res = await s.call("POST", `/v1/cases/${c.id}/decisions`, { verdict: "approve" }, reviewer.key);
      expect(res.status, id).toBe(201);
    }
  });

  it("gives another key using the same idempotency key a case of its own, naming nothing of the first", async () => {
    const first = await s.call("POST", "/v1/cases", queued({ idempotencyKey: "K-1" }), mine.key);
    expect(first.status).toBe(201);
    const id = (await first.json()).id as string;

    // Idempotency keys belong to the submitting key (issue 13, item 6): the other key's submit is its
    // own case, and its retry finds that case, never the first key's.
    const res = await s.call("POST", "/v1/cases", queued({ idempotencyKey: "K-1" }), theirs.key);
    expect(res.status).toBe(201);
    const text = await res.text();
    expect(text).not.toContain(id);
    const theirId = JSON.parse(text).id as string;
    const theirRetry = await s.call("POST", "/v1/cases", queued({ idempotencyKey: "K-1" }), theirs.key);
    expect(theirRetry.status).toBe(200);
    expect((await theirRetry.json()).id).toBe(theirId);
    expect((await s.store.cases.get(id))?.submittedBy).toBe(mine.id);
    expect((await s.store.cases.get(theirId))?.submittedBy).toBe(theirs.id);

    // The key that used it first still gets its retry (200, same case) and its own 409 for a new body.
    const retry = await s.call("POST", "/v1/cases", queued({ idempotencyKey: "K-1" }), mine.key);
    expect(retry.status).toBe(200);
    expect((await retry.json()).id).toBe(id);
    const changed = await s.call("POST", "/v1/cases", payment({ idempotencyKey: "K-1" }), mine.key);
    expect(changed.status).toBe(409);
    expect((await changed.json()).detail).toContain(id);
  });
});
