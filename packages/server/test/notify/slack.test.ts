import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  click,
  mapIdentity,
  NOTIFY_POLICIES,
  PUBLIC_URL,
  SLACK_SECRET,
  slackPost,
} from "../helpers/notify.js";
import { newUser, signIn } from "../helpers/owners.js";
import { startReceiver } from "../helpers/receiver.js";
import { ENGINES, startTestServer, type TestServer } from "../helpers/server.js";
import { submit } from "../helpers/workspace.js";

/**
 * Slack notifications end to end (issue 14, item 5): a real server sends Block Kit messages to a local
 * stand-in for Slack's incoming webhook, and answers signed interactions; the refusals are the attacks.
 */
describe.each(ENGINES)("Slack notifications (%s)", (engine) => {
  let s: TestServer;
  let hook: Awaited<ReturnType<typeof startReceiver>>;
  let replies: Awaited<ReturnType<typeof startReceiver>>;
  let automation: { key: string };
  let dave: { key: string };
  const users: Record<string, string> = {};
  let now = Date.parse("2026-12-03T09:00:00Z");

  const pay = (workflow: string, amount = 120) => ({
    workflow,
    action: "pay",
    input: { amount, payee: "Acme" },
    proposal: { pay: amount, to: "Acme" },
    confidence: 0.72,
  });
  const run = async () => s.notifications?.runOnce();
  const detail = async (id: string) => (await s.call("GET", `/v1/cases/${id}`)).json();
  const lastReply = () => JSON.parse(replies.deliveries.at(-1)?.body ?? "{}");
  /** Clicks as `slackUser`, lets the worker send the answer, and returns it. */
  const clickAs = async (slackUser: string, caseId: string, reason?: string) => {
    now += 1000;
    const before = replies.deliveries.length;
    const res = await slackPost(s, click(slackUser, caseId, replies.url, reason), { at: now });
    expect(res.status).toBe(200);
    await run();
    // The click kicked a round of its own, which may be the one that sends the answer.
    await replies.until((d) => d.length >= before + 1);
    expect(replies.deliveries.length).toBe(before + 1);
    return lastReply();
  };

  beforeAll(async () => {
    hook = await startReceiver();
    replies = await startReceiver();
    process.env.LOOPGATE_TEST_SLACK_HOOK = hook.url;
    s = await startTestServer(engine, {
      policyDir: NOTIFY_POLICIES,
      clock: () => now,
      notify: { publicUrl: PUBLIC_URL, slackSigningSecret: SLACK_SECRET, pollMs: 3_600_000 },
    });
    automation = await s.newKey("automation");
    for (const [name, roles] of [
      ["alice", ["ap_manager"]],
      ["bob", []],
      ["carol", ["ap_manager"]],
      ["dave", []],
    ] as const) {
      const role = name === "dave" ? "admin" : "reviewer";
      const display = `${name[0]?.toUpperCase()}${name.slice(1)}`;
      users[name] = (await newUser(s, name, { role, name: display, authorityRoles: [...roles] })).id;
      await mapIdentity(s, "slack", `U_${name.toUpperCase()}`, name);
    }
    // Dave's own automation key: what it submits, Dave submitted (four-eyes counts people).
    const session = await signIn(s, "dave");
    dave = await (await session.call("POST", "/v1/keys", { name: "dave-bot", role: "automation" })).json();
  });
  afterAll(async () => {
    await s.close();
    await s.storage.cleanup();
    await hook.close();
    await replies.close();
  });

  it("posts a Block Kit message with what the reviewer needs and Approve/Reject", async () => {
    const id = await submit(s, pay("notify.pay"), automation.key);
    await run();
    const message = JSON.parse(hook.deliveries.at(-1)?.body ?? "{}");
    const text = JSON.stringify(message.blocks);
    expect(text).toContain("notify.pay");
    expect(text).toContain("confidence 72 %");
    expect(text).toContain('\\"pay\\":120');
    expect(text).toContain(`${PUBLIC_URL}/cases/${id}`);
    const actions = message.blocks.find((b: { type: string }) => b.type === "actions").elements;
    expect(actions[0]).toMatchObject({ action_id: "loopgate_approve", value: id });
    expect(actions[1].options.map((o: { value: string }) => o.value)).toEqual([
      `${id} wrong_amount`,
      `${id} duplicate`,
    ]);
    // Each waiting case is announced once, however many rounds run.
    const count = hook.deliveries.length;
    await run();
    expect(hook.deliveries.length).toBe(count);
  });

  it("refuses a bad signature and an old timestamp, deciding nothing", async () => {
    const id = await submit(s, pay("notify.pay"), automation.key);
    const payload = click("U_ALICE", id, replies.url);
    const forged = await slackPost(s, payload, { at: now, secret: "not-the-signing-secret" });
    expect(forged.status).toBe(401);
    const garbage = await slackPost(s, payload, { at: now, signature: "v0=00" });
    expect(garbage.status).toBe(401);
    const old = await slackPost(s, payload, { at: now - 6 * 60_000 });
    expect(old.status).toBe(401);
    expect(((await old.json()) as { detail: string }).detail).toContain("5 minutes");
    const c = await detail(id);
    expect(c.status).toBe("queued");
    expect(c.decisions).toEqual([]);
  });

  it("refuses an unmapped Slack user with an ephemeral answer", async () => {
    const id = await submit(s, pay("notify.pay"), automation.key);
    const answer = await clickAs("U_STRANGER", id);
    expect(answer).toMatchObject({ response_type: "ephemeral", replace_original: false });
    expect(answer.text).toContain("not linked");
    const c = await detail(id);
    expect(c.status).toBe("queued");
    expect(c.events.map((e: { type: string }) => e.type)).not.toContain("claimed");
  });

  it("refuses a mapped person without the authority, who never holds the case", async () => {
    const id = await submit(s, pay("notify.pay"), automation.key);
    const answer = await clickAs("U_BOB", id);
    expect(answer.response_type).toBe("ephemeral");
    expect(answer.text).toContain("authority limit");
    const c = await detail(id);
    expect(c.status).toBe("queued");
    expect(c.decisions).toEqual([]);
    expect(c.events.map((e: { type: string }) => e.type)).not.toContain("claimed");
  });

  it("approves for a mapped person with the authority, as the decisions route would, and updates the message", async () => {
    const id = await submit(s, pay("notify.pay"), automation.key);
    const answer = await clickAs("U_ALICE", id);
    expect(answer).toMatchObject({ replace_original: true, text: `Approved by Alice: case ${id}` });
    expect(JSON.stringify(answer.blocks)).not.toContain("loopgate_approve");
    const c = await detail(id);
    expect(c.status).toBe("decided");
    expect(c.decisions).toMatchObject([{ verdict: "approve", decidedBy: users.alice }]);
    const types = c.events.map((e: { type: string }) => e.type);
    expect(types).toEqual(expect.arrayContaining(["claimed", "decided"]));
    // The automation gets the same signed decision as from the workspace.
    const decision = await (
      await s.call("GET", `/v1/cases/${id}/decision`, undefined, automation.key)
    ).json();
    expect(decision).toMatchObject({ verdict: "approve", decidedBy: users.alice });
    expect(decision.signature).toBeTruthy();
    // The audit chain holds it like any other decision, and still verifies.
    const chained: unknown[] = [];
    for await (const chain of s.store.audit.chains()) if (chain.id === id) chained.push(...chain.rows);
    expect(JSON.stringify(chained)).toContain(users.alice);
    expect((await s.store.audit.verify()).problems).toEqual([]);

    // The same signed request again (a replay within the 5 minutes) decides nothing more.
    const replayed = await clickAs("U_CAROL", id);
    expect(replayed.text).toContain("already decided");
    expect((await detail(id)).decisions).toHaveLength(1);
  });

  it("rejects with the reason picked in the menu", async () => {
    const id = await submit(s, pay("notify.pay"), automation.key);
    const answer = await clickAs("U_CAROL", id, "duplicate");
    expect(answer.text).toBe(`Rejected by Carol (duplicate): case ${id}`);
    const c = await detail(id);
    expect(c.decisions).toMatchObject([
      { verdict: "reject", reasonCode: "duplicate", decidedBy: users.carol },
    ]);
  });

  it("keeps four-eyes: not the submitter's person, not the same person twice", async () => {
    const id = await submit(s, pay("notify.twice"), dave.key);
    const own = await clickAs("U_DAVE", id);
    expect(own.response_type).toBe("ephemeral");
    expect(own.text).toContain("you submitted");

    const first = await clickAs("U_ALICE", id);
    expect(first).toMatchObject({ response_type: "in_channel", replace_original: false });
    expect(first.text).toContain("1 of 2 approvals");
    const again = await clickAs("U_ALICE", id);
    expect(again.response_type).toBe("ephemeral");
    expect(again.text).toContain("already approved");
    expect((await detail(id)).status).toBe("queued");

    const second = await clickAs("U_CAROL", id);
    expect(second.text).toContain("Approved by Carol");
    const c = await detail(id);
    expect(c.status).toBe("decided");
    expect(c.decisions.map((d: { decidedBy: string }) => d.decidedBy)).toEqual([users.alice, users.carol]);
  });

  it("keeps the minimum review time: the click is refused and the case goes back to the queue", async () => {
    const id = await submit(s, pay("notify.slow"), automation.key);
    const answer = await clickAs("U_ALICE", id);
    expect(answer.response_type).toBe("ephemeral");
    expect(answer.text).toContain("Not decided");
    const c = await detail(id);
    expect(c.status).toBe("queued");
    expect(c.decisions).toEqual([]);
    expect(c.events.map((e: { type: string }) => e.type)).toEqual(
      expect.arrayContaining(["claimed", "released"]),
    );
  });

  it("refuses a reviewer their owner paused (issue 15), as the workspace would, and decides again once resumed", async () => {
    const [alert] = await s.store.oversight.insertAlerts([
      {
        id: "alr_carol_paused",
        kind: "rubber_stamp",
        workflow: "notify.pay",
        reviewer: users.carol as string,
        evidence: { decisions: 30, approvalRate: 1 },
        createdAt: now,
        actor: "system",
      },
    ]);
    const ack = { action: "paused_reviewer", note: "approving in two seconds flat" };
    expect((await s.call("POST", `/v1/oversight/alerts/${alert?.id}/ack`, ack)).status).toBe(200);

    const id = await submit(s, pay("notify.pay"), automation.key);
    const answer = await clickAs("U_CAROL", id);
    expect(answer.response_type).toBe("ephemeral");
    expect(answer.text).toContain("paused in notify.pay");
    const c = await detail(id);
    expect(c.status).toBe("queued");
    expect(c.decisions).toEqual([]);
    expect(c.events.map((e: { type: string }) => e.type)).not.toContain("claimed");

    const resume = `/v1/workflows/notify.pay/pauses/${users.carol}/resume`;
    expect((await s.call("POST", resume, { note: "coached" })).status).toBe(200);
    await clickAs("U_CAROL", id);
    expect((await detail(id)).status).toBe("decided");
  });

  it("maps identities through the admin API only", async () => {
    const reviewer = await s.newKey("reviewer");
    const denied = await s.call("PUT", "/v1/notify/identities/slack/U_EVE", { user: "alice" }, reviewer.key);
    expect(denied.status).toBe(403);
    const unknown = await s.call("PUT", "/v1/notify/identities/slack/U_EVE", { user: "nobody-here" });
    expect(unknown.status).toBe(422);
    expect(await unknown.json()).toMatchObject({ errors: [{ field: "/user" }] });
    const list = await (await s.call("GET", "/v1/notify/identities")).json();
    expect(list.identities).toContainEqual(
      expect.objectContaining({ channel: "slack", externalId: "U_ALICE", userId: users.alice }),
    );
    expect((await s.call("DELETE", "/v1/notify/identities/slack/U_DAVE")).status).toBe(204);
    expect((await s.call("DELETE", "/v1/notify/identities/slack/U_DAVE")).status).toBe(404);
  });
});
