import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  click,
  decisionPaths,
  mapIdentity,
  PUBLIC_URL,
  type ReceivedMail,
  SLACK_SECRET,
  slackPost,
  startSmtp,
} from "../helpers/notify.js";
import { newUser, signIn } from "../helpers/owners.js";
import { startReceiver } from "../helpers/receiver.js";
import { ENGINES, startTestServer, type TestServer } from "../helpers/server.js";
import { submit } from "../helpers/workspace.js";

const POLICIES = new URL("../fixtures/notify-limits", import.meta.url).pathname;

/**
 * The attack: a reviewer at their daily limit (review.limits.dailyDecisions: 2) keeps deciding through
 * the other doors. Decisions from the workspace, a Slack click and an email confirmation count
 * together, and once the person has made two, no door decides a third for them that day.
 */
describe.each(ENGINES)("workload limits through notifications (%s)", (engine) => {
  let s: TestServer;
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  let hook: Awaited<ReturnType<typeof startReceiver>>;
  let replies: Awaited<ReturnType<typeof startReceiver>>;
  let automation: { key: string };
  let now = Date.parse("2026-12-03T09:00:00Z");

  const pay = (amount: number) => ({
    workflow: "notify.capped",
    action: "pay",
    input: { amount, payee: "Acme" },
    proposal: { pay: amount, to: "Acme" },
    confidence: 0.7,
  });
  const detail = async (id: string) => (await s.call("GET", `/v1/cases/${id}`)).json();
  /** Submits a case, lets the worker notify, and returns its id and the email link sent to Alice. */
  const announce = async (amount: number) => {
    const id = await submit(s, pay(amount), automation.key);
    const before = smtp.mails.length;
    await s.notifications?.runOnce();
    const mail = smtp.mails.slice(before).find((m) => m.to.includes("alice@example.com")) as ReceivedMail;
    return { id, emailLink: decisionPaths(mail)[0] as string };
  };
  const slackClick = async (slackUser: string, caseId: string) => {
    now += 1000;
    const before = replies.deliveries.length;
    const res = await slackPost(s, click(slackUser, caseId, replies.url), { at: now });
    expect(res.status).toBe(200);
    await s.notifications?.runOnce();
    await replies.until((d) => d.length >= before + 1);
    return JSON.parse(replies.deliveries.at(-1)?.body ?? "{}");
  };
  const emailPost = (path: string) =>
    fetch(s.url + path, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ verdict: "approve" }).toString(),
    });
  /** Still waiting, untouched: no decision and no claim left behind by the refusal. */
  const expectUntouched = async (id: string) => {
    const c = await detail(id);
    expect(c.status).toBe("queued");
    expect(c.decisions).toEqual([]);
    expect(c.events.map((e: { type: string }) => e.type)).not.toContain("claimed");
  };

  beforeAll(async () => {
    smtp = await startSmtp();
    hook = await startReceiver();
    replies = await startReceiver();
    process.env.LOOPGATE_TEST_SLACK_HOOK = hook.url;
    s = await startTestServer(engine, {
      policyDir: POLICIES,
      clock: () => now,
      notify: {
        publicUrl: PUBLIC_URL,
        slackSigningSecret: SLACK_SECRET,
        smtp: smtp.smtp,
        from: "loopgate@example.com",
        pollMs: 3_600_000,
      },
    });
    automation = await s.newKey("automation");
    for (const name of ["alice", "carol"]) {
      await newUser(s, name, { name: `${name[0]?.toUpperCase()}${name.slice(1)}` });
      await mapIdentity(s, "slack", `U_${name.toUpperCase()}`, name);
    }
    await mapIdentity(s, "email", "alice@example.com", "alice");
  });
  afterAll(async () => {
    await s.close();
    await s.storage.cleanup();
    await smtp.close();
    await hook.close();
    await replies.close();
  });

  it("counts the workspace, Slack and email together, and refuses the third door's third decision", async () => {
    // One decision in the workspace, signed in.
    const alice = await signIn(s, "alice");
    const first = await announce(100);
    const claimed = await (
      await alice.call("POST", "/v1/queue/claim", { workflows: ["notify.capped"] })
    ).json();
    expect(claimed.case.id).toBe(first.id);
    const decided = await alice.call("POST", `/v1/cases/${first.id}/decisions`, { verdict: "approve" });
    expect(decided.status).toBe(201);

    // The second from Slack: allowed, her second of the day.
    const second = await announce(200);
    const answer = await slackClick("U_ALICE", second.id);
    expect(answer.text ?? JSON.stringify(answer)).toContain("Approved by Alice");
    expect((await detail(second.id)).status).toBe("decided");

    // The third, from Slack: refused, naming the limit, and the case is left as it was.
    const third = await announce(300);
    const refused = await slackClick("U_ALICE", third.id);
    expect(refused.response_type).toBe("ephemeral");
    expect(refused.text).toContain("Not decided");
    expect(refused.text).toContain("review.limits.dailyDecisions: 2");
    await expectUntouched(third.id);

    // The same case from the email link: refused with 429 and the reason, still untouched.
    const mailed = await emailPost(third.emailLink);
    expect(mailed.status).toBe(429);
    expect(await mailed.text()).toContain("daily limit");
    await expectUntouched(third.id);

    // And the workspace door is shut too.
    const claimAgain = await alice.call("POST", "/v1/queue/claim", { workflows: ["notify.capped"] });
    expect(claimAgain.status).toBe(429);

    // The limit is hers, not the case's: Carol decides it from Slack.
    const byCarol = await slackClick("U_CAROL", third.id);
    expect(byCarol.text ?? JSON.stringify(byCarol)).toContain("Approved by Carol");
    expect((await detail(third.id)).decisions).toHaveLength(1);
  });

  it("lets her decide from a message again after UTC midnight", async () => {
    const waiting = await announce(400);
    const refused = await slackClick("U_ALICE", waiting.id);
    expect(refused.text).toContain("Not decided");
    now = Date.parse("2026-12-04T00:00:05Z");
    const fresh = await announce(500);
    const mailed = await emailPost(fresh.emailLink);
    expect(mailed.status).toBe(201);
    expect((await detail(fresh.id)).status).toBe("decided");
  });
});
