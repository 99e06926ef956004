import { outputHashOf, verifyDecision } from "@loopgate/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startReceiver } from "../helpers/receiver.js";
import { ENGINES, payment, startTestServer, type TestServer } from "../helpers/server.js";

/**
 * The verdicts agents need (issue 14, item 4), through the real API: respond (the person's answer stands
 * in for the tool's result) and request_changes (feedback, then a revision: a new case linked to it).
 * Each decision is signed, and the automation's check (verifyDecision) passes on what it receives.
 */
describe.each(ENGINES)("respond and request_changes (%s)", (engine) => {
  let s: TestServer;
  let automation: string;
  let publicKeyPem: string;
  beforeAll(async () => {
    s = await startTestServer(engine);
    automation = (await s.newKey("automation")).key;
    ({ publicKeyPem } = await (await s.call("GET", "/v1/decision-key", undefined, automation)).json());
  });
  afterAll(async () => {
    await s.close();
    await s.storage.cleanup();
  });

  /** Submits a case that waits for a person and claims it as the admin; returns its id. */
  async function claimed(overrides: Record<string, unknown> = {}): Promise<string> {
    const res = await s.call("POST", "/v1/cases", payment({ confidence: 0.2, ...overrides }), automation);
    expect(res.status).toBe(201);
    const { id } = await res.json();
    const claim = await s.call("POST", "/v1/queue/claim", {});
    expect(claim.status).toBe(200);
    expect((await claim.json()).case.id).toBe(id);
    return id;
  }

  const decide = (id: string, body: Record<string, unknown>) =>
    s.call("POST", `/v1/cases/${id}/decisions`, body);

  async function longPoll(id: string) {
    const res = await s.call("GET", `/v1/cases/${id}/decision?waitSeconds=5`, undefined, automation);
    expect(res.status).toBe(200);
    return res.json();
  }

  const verifies = (d: Record<string, unknown>, output: unknown) =>
    verifyDecision(d as never, { publicKeyPem, caseId: d.caseId as string, action: "pay", output });

  it("respond: the answer is the decision's output, signed over the answer, and the tool's proposal is not", async () => {
    const id = await claimed();
    const answer = { status: "paid already", reference: "TX-991" };
    const res = await decide(id, { verdict: "respond", output: answer, note: "paid by phone" });
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ verdict: "respond", output: answer, note: "paid by phone" });
    const d = await longPoll(id);
    expect(d).toMatchObject({ verdict: "respond", output: answer, outputHash: outputHashOf(answer) });
    expect(verifies(d, answer)).toBe(true);
    // Replayed as if the proposal were approved to run: the signature does not cover it.
    expect(verifies(d, payment().proposal)).toBe(false);
    expect(
      verifyDecision(
        { ...d, verdict: "approve" },
        { publicKeyPem, caseId: id, action: "pay", output: answer },
      ),
    ).toBe(false);
  });

  it("respond takes any JSON answer but needs one", async () => {
    const id = await claimed();
    for (const body of [{ verdict: "respond" }, { verdict: "respond", output: null }]) {
      const refused = await decide(id, body);
      expect(refused.status).toBe(422);
      expect(await refused.json()).toMatchObject({ field: "/output" });
    }
    const res = await decide(id, { verdict: "respond", output: "Acme was paid on 2 Dec." });
    expect(res.status).toBe(201);
    expect(await longPoll(id)).toMatchObject({ verdict: "respond", output: "Acme was paid on 2 Dec." });
  });

  it("respond reaches the webhook with the answer, signed", async () => {
    const receiver = await startReceiver();
    try {
      const id = await claimed({ callbackUrl: receiver.url });
      expect((await decide(id, { verdict: "respond", output: { answer: 42 } })).status).toBe(201);
      await receiver.until((d) => d.length >= 1);
      const body = JSON.parse(receiver.deliveries[0]?.body ?? "{}");
      expect(body).toMatchObject({
        type: "case.decided",
        caseId: id,
        verdict: "respond",
        output: { answer: 42 },
      });
      expect(verifies(body, { answer: 42 })).toBe(true);
    } finally {
      await receiver.close();
    }
  });

  it("request_changes needs non-blank feedback in note and carries no output", async () => {
    const id = await claimed();
    for (const [body, field] of [
      [{ verdict: "request_changes" }, "/note"],
      [{ verdict: "request_changes", note: "   \n" }, "/note"],
      [{ verdict: "request_changes", note: "pay 100", output: { pay: 100 } }, "/output"],
    ] as const) {
      const refused = await decide(id, body);
      expect(refused.status).toBe(422);
      expect(await refused.json()).toMatchObject({ field });
    }
    // Nothing was recorded: the case is still the reviewer's to decide.
    expect((await decide(id, { verdict: "approve" })).status).toBe(201);
  });

  it("request_changes → revision → approve: a linked new case, reviewed, whose decision verifies", async () => {
    const id = await claimed({ subject: "vendor-acme" });
    const feedback = "The invoice says 100, not 120: pay 100.";
    expect((await decide(id, { verdict: "request_changes", note: feedback })).status).toBe(201);
    const changes = await longPoll(id);
    expect(changes).toMatchObject({ verdict: "request_changes", output: null, note: feedback });
    expect(verifies(changes, null)).toBe(true);

    // A confident revision still goes to a person: a reviewer asked for it.
    const revision = { proposal: { pay: 100, to: "Acme" }, confidence: 0.99, rationale: "per feedback" };
    const res = await s.call("POST", `/v1/cases/${id}/revisions`, revision, automation);
    expect(res.status).toBe(201);
    const next = await res.json();
    expect(next).toMatchObject({ revisionOf: id, version: 2, route: "review", status: "queued" });
    expect(next.explanation.reasons.join(" ")).toContain(`revision 2 of case ${id}`);
    expect(res.headers.get("location")).toBe(`/v1/cases/${next.id}`);

    // A double submit answers the same revision; another revision of the same request is refused.
    const again = await s.call("POST", `/v1/cases/${id}/revisions`, revision, automation);
    expect(again.status).toBe(200);
    expect((await again.json()).id).toBe(next.id);
    const different = await s.call(
      "POST",
      `/v1/cases/${id}/revisions`,
      { ...revision, proposal: { pay: 99, to: "Acme" } },
      automation,
    );
    expect(different.status).toBe(409);

    // The revision keeps the first case's workflow, action, input and subject.
    const stored = await s.store.cases.get(next.id);
    expect(stored).toMatchObject({
      workflow: "test.payments",
      action: "pay",
      input: payment().input,
      subject: "vendor-acme",
      revisionOf: id,
      version: 2,
    });

    // The case screen shows both versions, with the feedback between them.
    const screen = await (await s.call("GET", `/v1/cases/${next.id}`)).json();
    expect(screen).toMatchObject({ revisionOf: id, version: 2 });
    expect(screen.versions).toMatchObject([
      {
        id,
        version: 1,
        proposal: payment().proposal,
        decision: { verdict: "request_changes", note: feedback, output: null },
      },
      { id: next.id, version: 2, proposal: revision.proposal, decision: null },
    ]);
    const first = await (await s.call("GET", `/v1/cases/${id}`, undefined, automation)).json();
    expect(first.versions.map((v: { id: string }) => v.id)).toEqual([id, next.id]);

    const claim = await s.call("POST", "/v1/queue/claim", {});
    expect((await claim.json()).case).toMatchObject({ id: next.id, revisionOf: id, version: 2 });
    expect((await decide(next.id, { verdict: "approve" })).status).toBe(201);
    const approved = await longPoll(next.id);
    expect(approved).toMatchObject({ verdict: "approve", output: revision.proposal });
    expect(verifies(approved, revision.proposal)).toBe(true);

    // Approved: the revision is not open to revision itself.
    const late = await s.call("POST", `/v1/cases/${next.id}/revisions`, revision, automation);
    expect(late.status).toBe(409);
  });

  it("a revision sent with an idempotencyKey answers only that key again; another key or none is a 409", async () => {
    const id = await claimed({ subject: "keyed-revision" });
    expect((await decide(id, { verdict: "request_changes", note: "pay 100" })).status).toBe(201);
    const revision = { proposal: { pay: 100, to: "Acme" }, confidence: 0.7, idempotencyKey: "call-1" };
    const revise = (body: Record<string, unknown>) =>
      s.call("POST", `/v1/cases/${id}/revisions`, body, automation);
    const first = await revise(revision);
    expect(first.status).toBe(201);
    const { id: revisionId } = await first.json();
    const again = await revise(revision);
    expect(again.status).toBe(200);
    expect((await again.json()).id).toBe(revisionId);
    for (const other of [
      { ...revision, idempotencyKey: "call-2" },
      { proposal: revision.proposal, confidence: 0.7 },
    ]) {
      const refused = await revise(other);
      expect(refused.status).toBe(409);
      expect((await refused.json()).detail).toContain(`already has a revision (case ${revisionId})`);
    }
    const blank = await revise({ ...revision, idempotencyKey: "" });
    expect(blank.status).toBe(400);
    expect(await blank.json()).toMatchObject({ field: "/idempotencyKey" });
    // Decided, so the queue is as the next test expects it.
    expect((await (await s.call("POST", "/v1/queue/claim", {})).json()).case.id).toBe(revisionId);
    expect((await decide(revisionId, { verdict: "approve" })).status).toBe(201);
  });

  it("only the key that submitted the case may revise it, and only while changes are requested", async () => {
    const id = await claimed();
    // Undecided: nothing to revise.
    const early = await s.call(
      "POST",
      `/v1/cases/${id}/revisions`,
      { proposal: {}, confidence: 0.5 },
      automation,
    );
    expect(early.status).toBe(409);
    expect((await decide(id, { verdict: "request_changes", note: "wrong payee" })).status).toBe(201);

    const revision = { proposal: { pay: 120, to: "Acme Ltd" }, confidence: 0.6 };
    // Another automation key of the same workflow: the 404 every case route gives it (no confirmation
    // that the id exists); a principal that is not an automation (the admin): 403.
    const other = (await s.newKey("automation", ["test.payments"])).key;
    const byOther = await s.call("POST", `/v1/cases/${id}/revisions`, revision, other);
    expect(byOther.status).toBe(404);
    const byAdmin = await s.call("POST", `/v1/cases/${id}/revisions`, revision);
    expect(byAdmin.status).toBe(403);
    const reviewer = (await s.newKey("reviewer")).key;
    expect((await s.call("POST", `/v1/cases/${id}/revisions`, revision, reviewer)).status).toBe(403);

    // A rejected or approved case is not asking for changes.
    const rejected = await claimed();
    expect((await decide(rejected, { verdict: "reject", reasonCode: "wrong_payee" })).status).toBe(201);
    const onReject = await s.call("POST", `/v1/cases/${rejected}/revisions`, revision, automation);
    expect(onReject.status).toBe(409);
    expect((await onReject.json()).detail).toContain("request_changes");

    // The body is checked as a submission's is.
    const bad = await s.call(
      "POST",
      `/v1/cases/${id}/revisions`,
      { proposal: {}, confidence: 2 },
      automation,
    );
    expect(bad.status).toBe(400);
    expect((await s.call("POST", `/v1/cases/${id}/revisions`, revision, automation)).status).toBe(201);
  });
});
