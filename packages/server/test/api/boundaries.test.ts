import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startReceiver } from "../helpers/receiver.js";
import { reviewerKey } from "../helpers/review-rules.js";
import { ADMIN_TOKEN, ENGINES, startTestServer, type TestServer } from "../helpers/server.js";

// Issue 11, items 1 (four-eyes holds for every verdict that lets something run), 2 (authority and
// four-eyes judged on the output the verdict releases, and an edit into a stricter class needs that
// class) and 12 (friction per risk class), each performed as the attack.

const POLICIES = fileURLToPath(new URL("../fixtures/boundary-policies", import.meta.url));

const invoice = (amount: number, o: Record<string, unknown> = {}) => ({
  workflow: "bd.ap",
  action: "pay",
  input: { amount, supplier: "Acme" },
  proposal: { amount, account: "2000-AP" },
  confidence: 0.9,
  ...o,
});
const pairs = (action = "send") => ({
  workflow: "bd.pairs",
  action,
  input: { to: "c@example.com" },
  proposal: { text: "hello" },
  confidence: 0.9,
});

describe.each(ENGINES)("boundaries that hold (%s)", (engine) => {
  let s: TestServer;
  let now = Date.parse("2026-12-01T09:00:00Z");
  let automation: string;
  let clerk: { key: string; id: string };
  let manager: { key: string; id: string };
  let manager2: { key: string; id: string };
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  beforeAll(async () => {
    s = await startTestServer(engine, { policyDir: POLICIES, clock: () => now });
    receiver = await startReceiver();
    automation = (await s.newKey("automation")).key;
    clerk = await reviewerKey(s, "clerk", ["ap_clerk"]);
    manager = await reviewerKey(s, "manager", ["ap_manager"]);
    manager2 = await reviewerKey(s, "manager2", ["ap_manager"]);
  });
  afterAll(async () => {
    await s.close();
    await receiver.close();
    await s.storage.cleanup();
  });

  async function submit(body: Record<string, unknown>, token = automation): Promise<string> {
    const res = await s.call("POST", "/v1/cases", body, token);
    expect(res.status).toBe(201);
    return (await res.json()).id;
  }
  async function claim(workflow: string, token?: string) {
    const res = await s.call("POST", "/v1/queue/claim", { workflows: [workflow] }, token);
    expect(res.status).toBe(200);
    return (await res.json()).case;
  }
  const decide = (id: string, body: Record<string, unknown>, token?: string) =>
    s.call("POST", `/v1/cases/${id}/decisions`, body, token);
  const get = async (id: string) => (await s.call("GET", `/v1/cases/${id}`)).json();

  describe("item 1: every verdict that lets something run needs every person", () => {
    it("refuses the submitter's override, and one reviewer's override does not decide alone", async () => {
      // The admin key submits, then tries to push its own case through with an override.
      const own = await submit(pairs(), ADMIN_TOKEN);
      expect((await claim("bd.pairs")).id).toBe(own);
      const self = await decide(own, { verdict: "override", output: { text: "x" }, reasonCode: "wrong" });
      expect(self.status, await self.clone().text()).toBe(403);
      expect((await self.json()).detail).toMatch(/four-eyes .*you submitted case/);
      expect((await get(own)).status).toBe("claimed");

      const id = await submit(pairs());
      expect((await claim("bd.pairs", manager.key)).id).toBe(id);
      const first = await decide(
        id,
        { verdict: "override", output: { text: "hi" }, reasonCode: "wrong" },
        manager.key,
      );
      expect(first.status).toBe(201);
      expect(await first.json()).toMatchObject({ approvals: { count: 1, needed: 2 } });
      expect((await get(id)).status).toBe("queued");
      // The second person must agree on the same output: a plain approve of the proposal is a new count.
      expect((await claim("bd.pairs", manager2.key)).id).toBe(id);
      const second = await decide(
        id,
        { verdict: "override", output: { text: "hi" }, reasonCode: "wrong" },
        manager2.key,
      );
      expect(second.status).toBe(201);
      expect(await get(id)).toMatchObject({ status: "decided" });
    });

    it("counts two people agreeing on the same output, not an approve after someone else's edit", async () => {
      const id = await submit(pairs());
      await claim("bd.pairs", manager.key);
      await decide(id, { verdict: "edit", output: { text: "edited" }, reasonCode: "wrong" }, manager.key);
      await claim("bd.pairs", manager2.key);
      const approve = await decide(id, { verdict: "approve" }, manager2.key);
      expect(approve.status).toBe(201);
      expect(await approve.json()).toMatchObject({ approvals: { count: 1, needed: 2 } });
      expect((await get(id)).status).toBe("queued");
    });

    it("holds label, rank and done to two people too; only a reject ends a case alone", async () => {
      const label = await submit({
        workflow: "bd.labels",
        action: "set_category",
        input: { message: "charged twice" },
        proposal: { label: "billing", candidates: [{ label: "billing", probability: 0.5 }] },
        confidence: 0.5,
      });
      await claim("bd.labels", manager.key);
      const labelled = await decide(label, { verdict: "label", output: { label: "billing" } }, manager.key);
      expect(await labelled.json()).toMatchObject({ approvals: { count: 1, needed: 2 } });
      expect((await get(label)).status).toBe("queued");

      const rank = await submit({
        workflow: "bd.ranks",
        action: "pick",
        input: { q: "parcel?" },
        proposal: { candidates: [{ id: "a" }, { id: "b" }] },
        confidence: 0.5,
      });
      await claim("bd.ranks", manager.key);
      const ranked = await decide(rank, { verdict: "rank", output: { ranking: ["a", "b"] } }, manager.key);
      expect(await ranked.json()).toMatchObject({ approvals: { count: 1, needed: 2 } });
      expect((await get(rank)).status).toBe("queued");

      const done = await submit(pairs("close"));
      await claim("bd.pairs", manager.key);
      const recorded = await decide(done, { verdict: "done", output: { closed: true } }, manager.key);
      expect(await recorded.json()).toMatchObject({ approvals: { count: 1, needed: 2 } });
      expect((await get(done)).status).toBe("queued");

      const reject = await submit(pairs());
      await claim("bd.pairs", manager.key);
      expect((await decide(reject, { verdict: "reject", reasonCode: "wrong" }, manager.key)).status).toBe(
        201,
      );
      expect((await get(reject)).status).toBe("decided");
      // Drain what is left for the next tests.
      for (const id of [label, rank, done]) {
        await s.call("POST", "/v1/queue/claim", {}, manager2.key);
        await decide(id, { verdict: "reject", reasonCode: "other", note: "cleanup" }, manager2.key);
      }
    });
  });

  describe("item 2: judged on what will run", () => {
    it("refuses a clerk's edit of a 420 invoice into 60,000 (authority on the output); a 400 edit passes", async () => {
      const id = await submit(invoice(420, { callbackUrl: receiver.url }));
      await claim("bd.ap", clerk.key);
      const raised = await decide(
        id,
        { verdict: "edit", output: { amount: 60_000, account: "2000-AP" }, reasonCode: "amount_mismatch" },
        clerk.key,
      );
      expect(raised.status).toBe(403);
      const problem = await raised.json();
      expect(problem.detail).toMatch(
        /authority limit \(review.authority\) on the case as this output would run it/,
      );
      expect(problem.detail).toMatch(/class high/);
      expect((await get(id)).decisions).toEqual([]);
      const lowered = await decide(
        id,
        { verdict: "edit", output: { amount: 400, account: "2000-AP" }, reasonCode: "amount_mismatch" },
        clerk.key,
      );
      expect(lowered.status).toBe(201);
      expect((await get(id)).status).toBe("decided");
    });

    it("gives a manager's edit into class high that class's second person, review time and release delay", async () => {
      const id = await submit(invoice(420, { callbackUrl: receiver.url }));
      await claim("bd.ap", manager.key);
      const body = {
        verdict: "edit",
        output: { amount: 60_000, account: "2000-AP" },
        reasonCode: "amount_mismatch",
      };
      const early = await decide(id, body, manager.key);
      expect(early.status).toBe(422);
      expect((await early.json()).minReviewSeconds).toBe(30);
      now += 31_000;
      const first = await decide(id, body, manager.key);
      expect(first.status).toBe(201);
      expect(await first.json()).toMatchObject({ approvals: { count: 1, needed: 2 } });
      expect((await get(id)).status).toBe("queued");

      await claim("bd.ap", manager2.key);
      now += 31_000;
      const second = await decide(id, body, manager2.key);
      expect(second.status).toBe(201);
      const decided = await get(id);
      expect(decided.status).toBe("decided");
      // Held for class high's release delay: nothing delivered yet.
      expect(Date.parse(decided.releaseAt) - now).toBe(600_000);
    });
  });

  describe("the workspace is told before the reviewer submits", () => {
    it("previews what a verdict needs and whether it would be taken, writing nothing", async () => {
      const id = await submit(invoice(420));
      await claim("bd.ap", clerk.key);
      const preview = (body: Record<string, unknown>, token = clerk.key) =>
        s.call("POST", `/v1/cases/${id}/decisions/preview`, body, token);
      const raise = {
        verdict: "edit",
        output: { amount: 60_000, account: "2000-AP" },
        reasonCode: "amount_mismatch",
      };
      const refused = await preview(raise);
      expect(refused.status).toBe(200);
      const body = await refused.json();
      expect(body).toMatchObject({
        accepted: false,
        riskClass: "low",
        executedClass: "high",
        approvals: { needed: 2 },
        minReviewSeconds: 30,
        releaseDelaySeconds: 600,
      });
      expect(body.refusal).toMatchObject({ status: 403 });
      expect(body.notices.join(" ")).toMatch(/moves the case from class low to class high/);
      expect(body.notices.join(" ")).toMatch(/2 people must agree/);
      const fine = await (await preview({ verdict: "approve" })).json();
      expect(fine).toMatchObject({
        accepted: true,
        refusal: null,
        executedClass: "low",
        approvals: { decides: true },
      });
      // Nothing was written: the case is still held, undecided, by the clerk.
      expect(await get(id)).toMatchObject({ status: "claimed", decisions: [] });
      // Only someone who may review the case can ask.
      expect((await preview({ verdict: "approve" }, automation)).status).toBe(403);
      expect((await decide(id, { verdict: "approve" }, clerk.key)).status).toBe(201);
    });
  });

  describe("item 12: friction where the risk is", () => {
    it("makes a class high case blind-first, with its review time, two people and delay; class low has none", async () => {
      const high = await submit(invoice(20_000));
      const c = await claim("bd.ap", manager.key);
      expect(c.id).toBe(high);
      expect(c.blind).toBe(true);
      const blindRefused = await decide(high, { verdict: "approve" }, manager.key);
      expect(blindRefused.status).toBe(409);
      expect((await blindRefused.json()).detail).toMatch(/record your own judgment first/);
      const judged = await s.call(
        "POST",
        `/v1/cases/${high}/blind-judgment`,
        { verdict: "approve" },
        manager.key,
      );
      expect(judged.status).toBe(422);
      now += 31_000;
      expect(
        (await s.call("POST", `/v1/cases/${high}/blind-judgment`, { verdict: "approve" }, manager.key))
          .status,
      ).toBe(201);
      expect(await (await decide(high, { verdict: "approve" }, manager.key)).json()).toMatchObject({
        approvals: { count: 1, needed: 2 },
      });

      // The manager who approved it never gets the high case back, so the next case they claim is the new one.
      const low = await submit(invoice(300));
      const lowCase = await claim("bd.ap", manager.key);
      expect(lowCase.id).toBe(low);
      expect(lowCase.blind).toBe(false);
      const ok = await decide(low, { verdict: "approve" }, manager.key);
      expect(ok.status).toBe(201);
      const decided = await get(low);
      expect(decided).toMatchObject({ status: "decided", releaseAt: null });
      await s.call("POST", "/v1/queue/claim", {}, manager2.key);
      await decide(high, { verdict: "reject", reasonCode: "other", note: "cleanup" }, manager2.key);
    });
  });
});
