import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HumanOwned, Loopgate, Rejected, verifyWebhook } from "@loopgate/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startReceiver } from "../helpers/receiver.js";
import {
  ENGINES,
  FIXTURE_POLICIES,
  freshStorage,
  payment,
  startTestServer,
  type TestServer,
} from "../helpers/server.js";

/**
 * Issue 11, item 4: a human_only action is the person's to do. The machine prepares; a person does it
 * and records what they did (`done`, their own output) or declines (`reject`). No path hands the
 * machine's proposal back to run: not the verdicts, not the long-poll, not the webhook, not gate().
 */
describe.each(ENGINES)("human_only actions end to end (%s)", (engine) => {
  let s: TestServer;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let automation: { key: string; signingSecret: string };
  beforeAll(async () => {
    receiver = await startReceiver();
    s = await startTestServer(engine);
    automation = await s.newKey("automation");
  });
  afterAll(async () => {
    await s.close();
    await s.storage.cleanup();
    await receiver.close();
  });

  const PROPOSAL = { close: "acct-9", refundBalance: true };
  /** What the person did, by hand, in the CRM: not what the machine proposed. */
  const DONE = { closed: "acct-9", refundBalance: false, ticket: "OPS-7" };
  const closeAccount = (overrides: Record<string, unknown> = {}) =>
    payment({
      action: "close_account",
      input: { amount: 10, payee: "Acme" },
      proposal: PROPOSAL,
      confidence: 1,
      callbackUrl: receiver.url,
      ...overrides,
    });

  async function submitted(body = closeAccount()): Promise<string> {
    const res = await s.call("POST", "/v1/cases", body, automation.key);
    const c = await res.json();
    expect(c).toMatchObject({ route: "human_only", status: "queued" });
    return c.id;
  }
  /** Takes the next case as the admin reviewer; the test submits one at a time. */
  async function claim(id: string) {
    const res = await s.call("POST", "/v1/queue/claim", {});
    expect(res.status).toBe(200);
    expect((await res.json()).case.id).toBe(id);
  }
  const decide = (id: string, body: Record<string, unknown>) =>
    s.call("POST", `/v1/cases/${id}/decisions`, body);
  async function webhookFor(id: string, secret = automation.signingSecret) {
    await receiver.until((d) => d.some((x) => JSON.parse(x.body).caseId === id));
    const delivery = receiver.deliveries.find((x) => JSON.parse(x.body).caseId === id);
    const headers = delivery?.headers ?? {};
    expect(await verifyWebhook({ secret, headers, body: delivery?.body ?? "" })).toBe(true);
    return JSON.parse(delivery?.body ?? "{}");
  }

  it("refuses approve, edit and override: nothing hands the machine's proposal back to run", async () => {
    const id = await submitted();
    await claim(id);
    for (const body of [
      { verdict: "approve" },
      { verdict: "edit", output: PROPOSAL, reasonCode: "other", note: "as proposed" },
      { verdict: "override", output: DONE, reasonCode: "other", note: "mine" },
    ]) {
      const res = await decide(id, body);
      expect(res.status).toBe(422);
      const problem = await res.json();
      expect(problem.field).toBe("/verdict");
      expect(problem.detail).toContain("human_only");
    }
    const detail = await (await s.call("GET", `/v1/cases/${id}`)).json();
    expect(detail).toMatchObject({ status: "claimed", decisions: [] });
    const pending = await s.call("GET", `/v1/cases/${id}/decision`, undefined, automation.key);
    expect(pending.status).toBe(202);
    expect(await pending.json()).toMatchObject({ status: "claimed", route: "human_only", humanOwned: true });
    expect((await decide(id, { verdict: "reject", reasonCode: "other", note: "cleanup" })).status).toBe(201);
  });

  it("done records the person's own output; long-poll and webhook say humanOwned with it, never the proposal", async () => {
    const id = await submitted();
    await claim(id);
    const missing = await decide(id, { verdict: "done", note: "closed it" });
    expect(missing.status).toBe(422);
    expect((await missing.json()).field).toBe("/output");

    const done = await decide(id, { verdict: "done", output: DONE, note: "closed by hand in the CRM" });
    expect(done.status).toBe(201);

    const answer = await s.call("GET", `/v1/cases/${id}/decision?waitSeconds=5`, undefined, automation.key);
    expect(answer.status).toBe(200);
    const result = await answer.json();
    expect(result).toMatchObject({
      status: "decided",
      route: "human_only",
      humanOwned: true,
      verdict: "done",
      output: DONE,
      note: "closed by hand in the CRM",
    });
    expect(result.output).not.toEqual(PROPOSAL);

    const hook = await webhookFor(id);
    expect(hook).toMatchObject({
      type: "case.decided",
      route: "human_only",
      humanOwned: true,
      verdict: "done",
      output: DONE,
      note: "closed by hand in the CRM",
    });
    expect(JSON.stringify(hook)).not.toContain('"close":"acct-9"');
  });

  it("a reject says humanOwned with no output", async () => {
    const id = await submitted();
    await claim(id);
    const rejected = await decide(id, { verdict: "reject", reasonCode: "wrong_payee", note: "not ours" });
    expect(rejected.status).toBe(201);
    const result = await (await s.call("GET", `/v1/cases/${id}/decision`, undefined, automation.key)).json();
    expect(result).toMatchObject({ humanOwned: true, verdict: "reject", output: null });
    expect(await webhookFor(id)).toMatchObject({ humanOwned: true, verdict: "reject", output: null });
  });

  it("gate() never runs the automation's function: HumanOwned with the person's record, Rejected on reject", async () => {
    const loopgate = new Loopgate({ url: s.url, apiKey: automation.key });
    const ran: unknown[] = [];
    const run = (output: unknown) => void ran.push(output);

    const gated = loopgate.gate(closeAccount({ callbackUrl: undefined }), run, { timeoutMs: 20_000 });
    const id = await claimSubmitted();
    expect((await decide(id, { verdict: "done", output: DONE, note: "done by hand" })).status).toBe(201);
    const err = await gated.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HumanOwned);
    expect((err as HumanOwned).decision).toMatchObject({ humanOwned: true, verdict: "done", output: DONE });

    const declined = loopgate.gate(closeAccount({ callbackUrl: undefined }), run, { timeoutMs: 20_000 });
    const second = await claimSubmitted();
    expect((await decide(second, { verdict: "reject", reasonCode: "other", note: "keep it" })).status).toBe(
      201,
    );
    const rejected = await declined.catch((e: unknown) => e);
    expect(rejected).toBeInstanceOf(Rejected);
    expect((rejected as Rejected).decision).toMatchObject({ humanOwned: true, output: null });
    expect(ran).toEqual([]);
  });

  it("still hands a reviewed action's approved proposal back (humanOwned false)", async () => {
    const res = await s.call(
      "POST",
      "/v1/cases",
      payment({ action: "refund", proposal: { refund: 10 }, callbackUrl: receiver.url }),
      automation.key,
    );
    const { id, route } = await res.json();
    expect(route).toBe("review");
    await claim(id);
    expect((await decide(id, { verdict: "approve" })).status).toBe(201);
    const result = await (await s.call("GET", `/v1/cases/${id}/decision`, undefined, automation.key)).json();
    expect(result).toMatchObject({ humanOwned: false, verdict: "approve", output: { refund: 10 } });
    expect(await webhookFor(id)).toMatchObject({
      humanOwned: false,
      verdict: "approve",
      output: { refund: 10 },
    });
  });

  it("keeps a case routed human_only the person's when the policy loosens while it waits: approve refused", async () => {
    // Queued as human_only; the server comes back on a policy where close_account is only reviewed. The
    // case was still handed to a person to do, so an approve may be refused (the verdict check) or, if
    // recorded, still reaches the automation as humanOwned with no output: never the proposal to run.
    const storage = await freshStorage(engine);
    const dir = mkdtempSync(join(tmpdir(), "loopgate-relaxed-"));
    const first = await startTestServer(engine, {}, storage);
    let firstOpen = true;
    let second: TestServer | undefined;
    try {
      const key = await first.newKey("automation");
      const res = await first.call("POST", "/v1/cases", closeAccount(), key.key);
      const { id, route } = await res.json();
      expect(route).toBe("human_only");
      await first.close();
      firstOpen = false;
      for (const f of readdirSync(FIXTURE_POLICIES)) {
        const text = readFileSync(join(FIXTURE_POLICIES, f), "utf8");
        writeFileSync(
          join(dir, f),
          text.replace("close_account: { boundary: human_only }", "close_account: { boundary: review }"),
        );
      }
      second = await startTestServer(engine, { policyDir: dir }, storage);
      expect((await second.call("POST", "/v1/queue/claim", {})).status).toBe(200);
      const approved = await second.call("POST", `/v1/cases/${id}/decisions`, { verdict: "approve" });
      // The case was routed human_only: it stays the person's, whatever the policy says today.
      expect(approved.status).toBe(422);
      expect((await approved.json()).field).toBe("/verdict");
      const answer = await (await second.call("GET", `/v1/cases/${id}/decision`, undefined, key.key)).json();
      expect(answer).toMatchObject({ route: "human_only", humanOwned: true });
      expect(JSON.stringify(answer)).not.toContain("acct-9");
    } finally {
      await second?.close();
      if (firstOpen) await first.close();
      await storage.cleanup();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  /** Claims the case gate() submitted (the test plays the person) and returns its id. */
  async function claimSubmitted(): Promise<string> {
    for (let i = 0; i < 100; i++) {
      const res = await s.call("POST", "/v1/queue/claim", {});
      if (res.status === 200) return (await res.json()).case.id;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error("gate() submitted nothing");
  }
});
