import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startReceiver } from "../helpers/receiver.js";
import { reviewerKey } from "../helpers/review-rules.js";
import { ENGINES, startTestServer, type TestServer } from "../helpers/server.js";
import { shapeOf } from "../helpers/shadows.js";
import { openStream } from "../helpers/workspace.js";

/**
 * Issue 11, item 9: catch trials and overlap copies carry no idempotency key and no callback, so no
 * view a person gets (claim, case, blind judgment, assign, the live stream) may show a case's automation
 * plumbing: a real case, its overlap copy and a catch trial must have the same fields, one by one.
 */

/** Blind-first, so the blind-judgment answer is a path too; every case brings a trial and a copy. */
const POLICY = `workflow: look.alike
owner: owner@example.com
pattern: review_and_approve
reasons: [wrong_amount, other]
risk:
  classes:
    high: { autoMinConfidence: null }
actions:
  pay: { boundary: review }
review: { blindFirst: true }
sla: { reviewWithin: 4h, onTimeout: reject }
oversight: { catchTrialRate: 1, overlapRate: 1 }
`;

/** What only the submitting automation may see, and the internal markers nobody sees. */
const PLUMBING = ["idempotencyKey", "callbackUrl", "submittedBy", "requestHash", "goldId", "overlapOf"];
const IDEMPOTENCY_KEY = "INV-PLUMBING-1";

/** The content a real case and its gold twin share, so the cases differ only in what the server adds. */
const content = {
  action: "pay",
  input: { amount: 4000, payee: "Bolt" },
  proposal: { pay: 4000, to: "Bolt" },
  confidence: 0.6,
  rationale: "matches the purchase order",
  evidence: [{ kind: "po", ref: "PO-1" }],
  metadata: { batch: "b-7" },
  context: { po: { supplier: "Bolt" } },
  // Shared, so each case's subject history is shown: a shadow must not list its real case there.
  subject: "supplier:Bolt",
};

type View = Record<string, unknown> & { id: string; events?: Array<Record<string, unknown>> };

describe.each(ENGINES)("reviewer views never show a case's automation plumbing (%s)", (engine) => {
  let s: TestServer;
  let dir: string;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let automation: { key: string; id: string };
  let ada: { key: string; id: string };
  let bob: { key: string; id: string };
  let auditor: { key: string; id: string };
  let cookie: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "loopgate-plumbing-"));
    writeFileSync(join(dir, "look-alike.yaml"), POLICY);
    receiver = await startReceiver();
    s = await startTestServer(engine, { policyDir: dir });
    automation = await s.newKey("automation");
    ada = await reviewerKey(s, "Ada");
    bob = await reviewerKey(s, "Bob");
    auditor = await s.newKey("auditor");
    const gold = await s.call("POST", "/v1/workflows/look.alike/gold", {
      items: [{ ...content, expected: "approve" }],
    });
    expect(gold.status).toBe(201);
    // A reviewer signed in to the workspace with a password: the browser's session-cookie path.
    const user = { username: "cy", password: "correct horse battery", role: "reviewer" };
    expect((await s.call("POST", "/v1/users", user)).status).toBe(201);
    const signIn = await fetch(`${s.url}/v1/session`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: user.username, password: user.password }),
    });
    expect(signIn.status).toBe(200);
    cookie = /loopgate_session=([^;]+)/.exec(signIn.headers.get("set-cookie") ?? "")?.[1] ?? "";
  });
  afterAll(async () => {
    await s.close();
    await s.storage.cleanup();
    await receiver.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const get = async (id: string, token?: string): Promise<View> => {
    const res = await s.call("GET", `/v1/cases/${id}`, undefined, token);
    expect(res.status).toBe(200);
    return res.json();
  };
  const getWithSession = async (id: string): Promise<View> => {
    const res = await fetch(`${s.url}/v1/cases/${id}`, { headers: { cookie: `loopgate_session=${cookie}` } });
    expect(res.status).toBe(200);
    return (await res.json()) as View;
  };

  /** The same fields in all three, none of them plumbing, and nothing of the real case's plumbing anywhere. */
  const expectAlike = (path: string, views: View[]) => {
    const [real, ...shadows] = views as [View, ...View[]];
    for (const view of views) {
      for (const field of PLUMBING) expect(view, `${path}: ${field}`).not.toHaveProperty(field);
      const text = JSON.stringify(view);
      expect(text, path).not.toContain(IDEMPOTENCY_KEY);
      expect(text, path).not.toContain(receiver.url);
      expect(text, path).not.toContain(automation.id);
      for (const e of view.events ?? []) {
        expect(e.type, path).not.toMatch(/^webhook_/);
        expect(e.data, path).not.toHaveProperty("idempotencyKey");
        expect(e.data, path).not.toHaveProperty("url");
      }
    }
    for (const shadow of shadows) {
      expect(Object.keys(shadow).sort(), path).toEqual(Object.keys(real).sort());
      expect(shapeOf(shadow), path).toEqual(shapeOf(real));
      expect(
        shadow.events?.map((e) => e.type),
        path,
      ).toEqual(real.events?.map((e) => e.type));
      // Each case's events are numbered on their own: the log's global order would show which came last.
      expect(
        shadow.events?.map((e) => e.seq),
        path,
      ).toEqual(real.events?.map((e) => e.seq));
      expect(shadow.history, `${path}: history`).toEqual(real.history);
    }
  };

  it("shows a real case, its overlap copy and a catch trial with the same fields on every path", async () => {
    const stream = await openStream(s, ada.key);
    let ids: { real: string; copy: string; trial: string };
    try {
      const res = await s.call(
        "POST",
        "/v1/cases",
        {
          workflow: "look.alike",
          ...content,
          idempotencyKey: IDEMPOTENCY_KEY,
          callbackUrl: receiver.url,
        },
        automation.key,
      );
      expect(res.status).toBe(201);
      const real = (await res.json()).id as string;
      // The live stream: three `submitted` events of the same keys, nothing else.
      const events = [await stream.next(), await stream.next(), await stream.next()];
      for (const e of events) {
        expect(Object.keys(e).sort()).toEqual(["caseId", "type", "workflow"]);
        expect(e).toMatchObject({ type: "submitted", workflow: "look.alike" });
      }
      const others = events.map((e) => e.caseId).filter((id) => id !== real);
      expect(others).toHaveLength(2);
      const isCopy = async (id: string) => (await s.store.cases.get(id))?.overlapOf === real;
      const copy = (await isCopy(others[0] as string)) ? others[0] : others[1];
      const trial = others.find((id) => id !== copy) as string;
      expect((await s.store.cases.get(trial))?.goldId).not.toBeNull();
      ids = { real, copy: copy as string, trial };
    } finally {
      stream.close();
    }
    const all = [ids.real, ids.copy, ids.trial];

    // The owner's path: assign (an admin here). Ada takes the real case and the trial, Bob the copy.
    const holders: Record<string, { key: string; id: string }> = {
      [ids.real]: ada,
      [ids.trial]: ada,
      [ids.copy]: bob,
    };
    const assigned: View[] = [];
    for (const id of all) {
      const res = await s.call("POST", `/v1/cases/${id}/assign`, { to: holders[id]?.id });
      expect(res.status).toBe(200);
      assigned.push(await res.json());
    }
    expectAlike("assign", assigned);

    // Claim: blind-first, so the model's side is hidden, and the fields still match.
    const claimed = new Map<string, View>();
    for (const who of [ada, ada, bob]) {
      const res = await s.call("POST", "/v1/queue/claim", { workflows: ["look.alike"] }, who.key);
      expect(res.status).toBe(200);
      const view = (await res.json()).case as View;
      claimed.set(view.id, view);
    }
    expectAlike(
      "claim",
      all.map((id) => claimed.get(id) as View),
    );
    // Every path a person reads a case by, before the blind judgment and after it.
    const reads = async (when: string) => {
      expectAlike(`${when} GET as holder`, await Promise.all(all.map((id) => get(id, holders[id]?.key))));
      expectAlike(`${when} GET as admin`, await Promise.all(all.map((id) => get(id))));
      expectAlike(`${when} GET as auditor`, await Promise.all(all.map((id) => get(id, auditor.key))));
      expectAlike(`${when} GET in a workspace session`, await Promise.all(all.map(getWithSession)));
    };
    await reads("blind");
    const judged: View[] = [];
    for (const id of all) {
      const res = await s.call(
        "POST",
        `/v1/cases/${id}/blind-judgment`,
        { verdict: "approve" },
        holders[id]?.key,
      );
      expect(res.status).toBe(201);
      judged.push(await res.json());
    }
    expectAlike("blind judgment", judged);
    await reads("judged");

    // The copy is the real case field by field, but for its id, its holder and who claimed it.
    const [realView, copyView] = [await get(ids.real), await get(ids.copy)];
    for (const field of Object.keys(realView)) {
      if (["id", "lease", "assignedTo", "events"].includes(field)) continue;
      expect(copyView[field], field).toEqual(realView[field]);
    }

    // Decided: the real case's webhook is delivered, and that delivery stays the automation's business.
    for (const id of all) {
      const res = await s.call("POST", `/v1/cases/${id}/decisions`, { verdict: "approve" }, holders[id]?.key);
      expect(res.status).toBe(201);
    }
    await receiver.until((d) => d.length >= 1);
    await vi.waitFor(
      async () => {
        const types = (await s.store.cases.detail(ids.real))?.events.map((e) => e.type);
        expect(types).toContain("webhook_delivered");
      },
      { timeout: 10_000, interval: 50 },
    );
    await reads("decided");
    expect(receiver.deliveries.map((d) => JSON.parse(d.body).caseId)).toEqual([ids.real]);

    // The automation still sees its own plumbing on its own case.
    const own = await get(ids.real, automation.key);
    expect(own).toMatchObject({ idempotencyKey: IDEMPOTENCY_KEY, callbackUrl: receiver.url });
    expect(own.events?.[0]).toMatchObject({
      type: "submitted",
      actor: automation.id,
      data: { idempotencyKey: IDEMPOTENCY_KEY },
    });
    expect(own.events?.map((e) => e.type)).toContain("webhook_delivered");
  });
});
