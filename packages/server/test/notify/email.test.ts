import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  decisionPaths,
  mapIdentity,
  NOTIFY_POLICIES,
  PUBLIC_URL,
  type ReceivedMail,
  startSmtp,
} from "../helpers/notify.js";
import { newUser } from "../helpers/owners.js";
import { startReceiver } from "../helpers/receiver.js";
import { ENGINES, startTestServer, type TestServer } from "../helpers/server.js";
import { submit } from "../helpers/workspace.js";

const TTL_SECONDS = 3600;

/**
 * Email notifications end to end (issue 14, item 5) against a local SMTP server: a link opens a
 * confirmation page that never decides on GET or HEAD (mail scanners follow links); only its POST
 * decides, once, for the person and the case the token was made for, before it expires.
 */
describe.each(ENGINES)("email notifications (%s)", (engine) => {
  let s: TestServer;
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  let hook: Awaited<ReturnType<typeof startReceiver>>;
  let automation: { key: string };
  const users: Record<string, string> = {};
  let now = Date.parse("2026-12-03T09:00:00Z");

  const pay = (amount = 120) => ({
    workflow: "notify.pay",
    action: "pay",
    input: { amount, payee: "Acme" },
    proposal: { pay: amount, to: "Acme" },
    confidence: 0.8,
  });
  const detail = async (id: string) => (await s.call("GET", `/v1/cases/${id}`)).json();
  const page = (path: string, method = "GET", form?: Record<string, string>) =>
    fetch(s.url + path, {
      method,
      ...(form && {
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams(form).toString(),
      }),
    });
  /** Submits a case and returns the mails it caused, by recipient. */
  const announce = async () => {
    const id = await submit(s, pay(), automation.key);
    const before = smtp.mails.length;
    await s.notifications?.runOnce();
    const mails = smtp.mails.slice(before);
    const to = (address: string) => mails.find((m) => m.to.includes(address)) as ReceivedMail;
    return { id, mails, to, link: (address: string) => decisionPaths(to(address))[0] as string };
  };

  beforeAll(async () => {
    smtp = await startSmtp();
    hook = await startReceiver();
    process.env.LOOPGATE_TEST_SLACK_HOOK = hook.url;
    s = await startTestServer(engine, {
      policyDir: NOTIFY_POLICIES,
      clock: () => now,
      notify: {
        publicUrl: PUBLIC_URL,
        smtp: smtp.smtp,
        from: "loopgate@example.com",
        tokenTtlSeconds: TTL_SECONDS,
        pollMs: 3_600_000,
      },
    });
    automation = await s.newKey("automation");
    for (const [name, roles] of [
      ["alice", ["ap_manager"]],
      ["bob", []],
      ["carol", ["ap_manager"]],
    ] as const) {
      users[name] = (
        await newUser(s, name, {
          name: `${name[0]?.toUpperCase()}${name.slice(1)}`,
          authorityRoles: [...roles],
        })
      ).id;
    }
    await mapIdentity(s, "email", "Alice@Example.com", "alice");
    await mapIdentity(s, "email", "bob@example.com", "bob");
  });
  afterAll(async () => {
    await s.close();
    await s.storage.cleanup();
    await smtp.close();
    await hook.close();
  });

  it("mails each address; only a mapped person's mail carries a decision link", async () => {
    const { id, mails, to } = await announce();
    expect(mails.map((m) => m.to[0]).sort()).toEqual([
      "alice@example.com",
      "bob@example.com",
      "nobody@example.com",
    ]);
    // Long headers are folded onto continuation lines.
    const headers = to("alice@example.com").raw.replace(/\r?\n[ \t]+/g, " ");
    expect(headers).toContain(`Subject: [Loopgate] notify.pay: pay waiting for review (${id})`);
    expect(to("alice@example.com").text).toContain(`${PUBLIC_URL}/cases/${id}`);
    expect(decisionPaths(to("alice@example.com"))).toHaveLength(1);
    expect(decisionPaths(to("bob@example.com"))).toHaveLength(1);
    expect(decisionPaths(to("nobody@example.com"))).toEqual([]);
    // Only hashes are stored: the link's token is nowhere in the database.
    const token = decisionPaths(to("alice@example.com"))[0]?.split("/").at(-1) as string;
    expect(await s.store.notify.findToken(token)).toBeUndefined();
  });

  it("never decides on GET or HEAD, however often the link is followed", async () => {
    const { id, link } = await announce();
    const events = (await detail(id)).events.length;
    for (let i = 0; i < 3; i++) {
      const get = await page(link(`alice@example.com`));
      expect(get.status).toBe(200);
      const html = await get.text();
      expect(html).toContain('<form method="post">');
      expect(html).toContain("Deciding as <b>Alice</b>");
      expect(get.headers.get("referrer-policy")).toBe("no-referrer");
      expect((await page(link("alice@example.com"), "HEAD")).status).toBe(200);
    }
    const c = await detail(id);
    expect(c.status).toBe("queued");
    expect(c.decisions).toEqual([]);
    expect(c.events).toHaveLength(events);
    // The link still works after all that: GETs did not spend it.
    const post = await page(link("alice@example.com"), "POST", { verdict: "approve" });
    expect(post.status).toBe(201);
    expect(await post.text()).toContain("Approved by Alice");
    const decided = await detail(id);
    expect(decided.status).toBe("decided");
    expect(decided.decisions).toMatchObject([{ verdict: "approve", decidedBy: users.alice }]);
    expect(decided.events.map((e: { type: string }) => e.type)).toEqual(
      expect.arrayContaining(["claimed", "decided"]),
    );
    const decision = await (
      await s.call("GET", `/v1/cases/${id}/decision`, undefined, automation.key)
    ).json();
    expect(decision).toMatchObject({ verdict: "approve", decidedBy: users.alice });
  });

  it("refuses a token used twice", async () => {
    const { id, link } = await announce();
    expect(
      (
        await page(link("alice@example.com"), "POST", {
          verdict: "reject",
          reasonCode: "duplicate",
          note: "paid in November",
        })
      ).status,
    ).toBe(201);
    expect((await detail(id)).decisions).toMatchObject([
      { verdict: "reject", reasonCode: "duplicate", note: "paid in November" },
    ]);
    const again = await page(link("alice@example.com"), "POST", { verdict: "approve" });
    expect(again.status).toBe(410);
    expect((await page(link("alice@example.com"))).status).toBe(410);
    expect((await detail(id)).decisions).toHaveLength(1);
  });

  it("refuses a token on another case's page", async () => {
    const first = await announce();
    const second = await announce();
    const token = first.link("alice@example.com").split("/").at(-1);
    const crossed = `/v1/notify/email/${second.id}/${token}`;
    expect((await page(crossed)).status).toBe(410);
    expect((await page(crossed, "POST", { verdict: "approve" })).status).toBe(410);
    expect((await detail(second.id)).status).toBe("queued");
    expect((await detail(first.id)).status).toBe("queued");
  });

  it("refuses a person without the authority, and the token stays spent", async () => {
    const { id, link } = await announce();
    const refused = await page(link("bob@example.com"), "POST", { verdict: "approve" });
    expect(refused.status).toBe(403);
    expect(await refused.text()).toContain("authority limit");
    const c = await detail(id);
    expect(c.status).toBe("queued");
    expect(c.decisions).toEqual([]);
    expect((await page(link("bob@example.com"), "POST", { verdict: "approve" })).status).toBe(410);
  });

  it("refuses a token once its address maps to another person, or to nobody", async () => {
    const { id, link } = await announce();
    await mapIdentity(s, "email", "alice@example.com", "carol");
    expect((await page(link("alice@example.com"), "POST", { verdict: "approve" })).status).toBe(410);
    const again = await announce();
    expect((await s.call("DELETE", "/v1/notify/identities/email/alice@example.com")).status).toBe(204);
    expect((await page(again.link("bob@example.com"))).status).toBe(200);
    expect(decisionPaths(again.to("alice@example.com"))).toHaveLength(1);
    expect((await page(again.link("alice@example.com"), "POST", { verdict: "approve" })).status).toBe(410);
    expect((await detail(id)).status).toBe("queued");
    expect((await detail(again.id)).status).toBe("queued");
    await mapIdentity(s, "email", "alice@example.com", "alice");
  });

  it("refuses an expired token", async () => {
    const { id, link } = await announce();
    now += TTL_SECONDS * 1000 + 1;
    expect((await page(link("alice@example.com"))).status).toBe(410);
    expect((await page(link("alice@example.com"), "POST", { verdict: "approve" })).status).toBe(410);
    expect((await detail(id)).status).toBe("queued");
  });

  it("answers a malformed form with problem+json naming the field", async () => {
    const { link } = await announce();
    const bad = await page(link("alice@example.com"), "POST", { verdict: "override" });
    expect(bad.status).toBe(400);
    expect(bad.headers.get("content-type")).toContain("application/problem+json");
  });
});
