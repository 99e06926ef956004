import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startReceiver } from "../../server/test/helpers/receiver.js";
import { decideNext, payment, startTestServer, type TestServer } from "../../server/test/helpers/server.js";
import {
  type DecidedWebhook,
  type Decision,
  HumanOwned,
  Loopgate,
  Rejected,
  verifyWebhook,
} from "../src/index.js";

/** What a person did by hand for a human_only close_account: their record, not the machine's proposal. */
const PROPOSAL = { close: "acct-3" };
const DONE = { closed: "acct-3", ticket: "OPS-9" };
const closeAccount = (overrides: Record<string, unknown> = {}) =>
  payment({ action: "close_account", input: { amount: 5 }, proposal: PROPOSAL, confidence: 1, ...overrides });

/** gate() on a human_only action: the person does it, so the automation's function never runs. */
describe("@loopgate/client on human_only actions", () => {
  let s: TestServer;
  let loopgate: Loopgate;
  let automation: { key: string; signingSecret: string };
  beforeAll(async () => {
    s = await startTestServer("sqlite");
    automation = await s.newKey("automation");
    loopgate = new Loopgate({ url: s.url, apiKey: automation.key });
  });
  afterAll(async () => {
    await s.close();
    await s.storage.cleanup();
  });

  const person = (decision: Record<string, unknown>) => decideNext(s, decision);

  it("gate() throws HumanOwned with the person's record and never runs the function", async () => {
    let ran = false;
    const gated = loopgate.gate(closeAccount(), () => {
      ran = true;
    });
    const done = await person({ verdict: "done", output: DONE, note: "closed in the CRM" });
    expect(done.status).toBe(201);
    const err = await gated.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HumanOwned);
    expect((err as HumanOwned).decision).toMatchObject({
      route: "human_only",
      humanOwned: true,
      verdict: "done",
      output: DONE,
      note: "closed in the CRM",
    });
    expect(ran).toBe(false);
  });

  it("gate() throws Rejected when the person declines, and never runs the function", async () => {
    let ran = false;
    const gated = loopgate.gate(closeAccount(), () => {
      ran = true;
    });
    await person({ verdict: "reject", reasonCode: "wrong_payee", note: "not this account" });
    const err = await gated.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Rejected);
    expect((err as Rejected).decision).toMatchObject({ humanOwned: true, verdict: "reject", output: null });
    expect(ran).toBe(false);
  });

  it("waitForDecision() and a verified webhook say humanOwned, with the person's output", async () => {
    const receiver = await startReceiver();
    try {
      const { id, route } = await loopgate.submit(closeAccount({ callbackUrl: receiver.url }));
      expect(route).toBe("human_only");
      await person({ verdict: "done", output: DONE });
      const decision = await loopgate.waitForDecision(id, { timeoutMs: 10_000 });
      expect(decision).toMatchObject({ humanOwned: true, verdict: "done", output: DONE });

      await receiver.until((d) => d.length === 1);
      const [delivery] = receiver.deliveries;
      const body = delivery?.body ?? "";
      const headers = delivery?.headers ?? {};
      expect(await verifyWebhook({ secret: automation.signingSecret, headers, body })).toBe(true);
      const event = JSON.parse(body) as DecidedWebhook<typeof DONE>;
      expect(event).toMatchObject({ type: "case.decided", caseId: id, humanOwned: true, verdict: "done" });
      expect(event.output).toEqual(DONE);
    } finally {
      await receiver.close();
    }
  });

  it("gate() never runs the function on a human_only case, even if a server hands back an approve", async () => {
    // A server from before `done`, or a decision recorded before the policy made the action human_only:
    // every sign of a person's action (the submit's route, the decision's route or flag) keeps run() out.
    const answers: Array<{ status: number; body: unknown }> = [
      { status: 201, body: { id: "case_1", route: "human_only", status: "queued", riskClass: "low" } },
      {
        status: 200,
        body: {
          caseId: "case_1",
          status: "decided",
          route: "human_only",
          verdict: "approve",
          output: PROPOSAL,
          reasonCode: null,
          note: null,
          decidedBy: "key_old",
          decidedAt: "2026-11-04T09:00:00.000Z",
        } satisfies Omit<Decision, "humanOwned">,
      },
    ];
    const stub = (async () => {
      const next = answers.shift();
      if (!next) throw new Error("unexpected request");
      return new Response(JSON.stringify(next.body), { status: next.status });
    }) as typeof fetch;
    const old = new Loopgate({ url: "http://loopgate.invalid", apiKey: "lg_x", fetch: stub });
    let ran = false;
    const err = await old
      .gate(closeAccount(), () => {
        ran = true;
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HumanOwned);
    expect(ran).toBe(false);
  });
});
