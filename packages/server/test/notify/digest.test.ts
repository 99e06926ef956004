import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NOTIFY_POLICIES, PUBLIC_URL, startSmtp } from "../helpers/notify.js";
import { startReceiver } from "../helpers/receiver.js";
import { ENGINES, startTestServer, type TestServer } from "../helpers/server.js";
import { claim, drain, submit } from "../helpers/workspace.js";

/** When busy, one summary instead of one message per case (notify.busy: more than 2 in 10 minutes). */
describe.each(ENGINES)("notification digest (%s)", (engine) => {
  let s: TestServer;
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  let hook: Awaited<ReturnType<typeof startReceiver>>;
  let automation: { key: string };
  let now = Date.parse("2026-12-03T09:00:00Z");

  const busy = (action: string) => ({
    workflow: "notify.busy",
    action,
    input: { amount: 10 },
    proposal: { pay: 10 },
    confidence: 0.5,
  });
  const messages = () => hook.deliveries.map((d) => JSON.parse(d.body));

  beforeAll(async () => {
    smtp = await startSmtp();
    hook = await startReceiver();
    process.env.LOOPGATE_TEST_SLACK_HOOK = hook.url;
    s = await startTestServer(engine, {
      policyDir: NOTIFY_POLICIES,
      clock: () => now,
      notify: { publicUrl: PUBLIC_URL, smtp: smtp.smtp, pollMs: 3_600_000 },
    });
    automation = await s.newKey("automation");
  });
  afterAll(async () => {
    await s.close();
    await s.storage.cleanup();
    await smtp.close();
    await hook.close();
  });

  it("sends one summary with counts and the queue's link, then holds new cases until the window ends", async () => {
    for (const action of ["pay", "pay", "hold", "pay", "hold"]) await submit(s, busy(action), automation.key);
    await s.notifications?.runOnce();
    expect(messages()).toHaveLength(1);
    const digest = messages()[0];
    expect(digest.text).toBe("5 cases of notify.busy are waiting for review");
    expect(JSON.stringify(digest.blocks)).toContain("pay: 3 · hold: 2");
    expect(JSON.stringify(digest.blocks)).toContain(`<${PUBLIC_URL}/|Open the queue>`);
    expect(smtp.mails).toHaveLength(1);
    expect(smtp.mails[0]?.to).toEqual(["ops@example.com"]);
    expect(smtp.mails[0]?.text).toContain("5 new cases of notify.busy are waiting for review.");

    // A summary is one message of the two the window allows: the next case is announced alone...
    now += 60_000;
    const alone = await submit(s, busy("pay"), automation.key);
    await s.notifications?.runOnce();
    expect(messages()).toHaveLength(2);
    expect(JSON.stringify(messages()[1].blocks)).toContain(`"value":"${alone}"`);

    // ...and the one after that waits: the window's summary went out already.
    now += 60_000;
    const late = await submit(s, busy("hold"), automation.key);
    await s.notifications?.runOnce();
    expect(messages()).toHaveLength(2);
    expect(smtp.mails).toHaveLength(2);

    // The window has passed: the channel is quiet again, so the case gets its own message.
    now += 10 * 60_000;
    await s.notifications?.runOnce();
    expect(messages()).toHaveLength(3);
    expect(JSON.stringify(messages()[2].blocks)).toContain(`"value":"${late}"`);
    expect(smtp.mails).toHaveLength(3);
  });

  it("says nothing of a case decided before its turn", async () => {
    now += 60 * 60_000;
    await drain(s);
    const id = await submit(s, busy("pay"), automation.key);
    expect((await claim(s, "notify.busy")).id).toBe(id);
    expect((await s.call("POST", `/v1/cases/${id}/decisions`, { verdict: "approve" })).status).toBe(201);
    const before = hook.deliveries.length;
    await s.notifications?.runOnce();
    expect(hook.deliveries.length).toBe(before);
  });

  it("announces a burst larger than one round takes, a round at a time, each case once", async () => {
    for (let i = 0; i < 5; i++) await submit(s, busy("pay"), automation.key);
    const round = () =>
      s.store.notify.announceWaiting({ workflow: "notify.busy", channels: ["slack"], now, limit: 2 });
    expect([await round(), await round(), await round(), await round()]).toEqual([2, 2, 1, 0]);
  });
});
