import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { screenshot, seriousViolations } from "./helpers/browser.js";
import { type Person, signIn, startWorkspace, type Workspace } from "./helpers/workspace.js";

/**
 * Issue 15, items 3 and 6 in the browser: a reviewer reads their own quality on the queue page beside
 * the team's, and a reviewer who owns a workflow finds its alert on the dashboard, records what they did
 * and pauses the flagged reviewer, then resumes him.
 */
const POLICIES = fileURLToPath(new URL("./fixtures/owner-inbox", import.meta.url));
const WF = "web.payouts";
const PASSWORD = "correct horse battery staple";

describe("the owner's inbox and the reviewer's own quality", () => {
  let ws: Workspace;
  const people: Record<string, Person & { key: string; keyId: string }> = {};
  /** Per reviewer: how many of 3 catch trials they pass, and how many of their 3 approvals go wrong. */
  const plan = { ada: [3, 0], grace: [2, 1], linus: [0, 2] } as const;
  const names = { ada: "Ada Lovelace", grace: "Grace Hopper", linus: "Linus Pauling", lead: "Priya Payouts" };

  async function user(username: string, name: string) {
    const res = await ws.server.call("POST", "/v1/users", {
      username,
      password: PASSWORD,
      role: "reviewer",
      name,
      workflows: [WF],
    });
    expect(res.status).toBe(201);
    const u = await res.json();
    const key = await ws.server.call("POST", "/v1/keys", {
      name: `${username}-key`,
      role: "reviewer",
      user: username,
      workflows: [WF],
    });
    expect(key.status).toBe(201);
    const k = await key.json();
    return { id: u.id, username, password: PASSWORD, name, key: k.key, keyId: k.id };
  }

  beforeAll(async () => {
    ws = await startWorkspace({ policyDir: POLICIES });
    people.lead = await user("payouts-lead", names.lead);
    for (const who of ["ada", "grace", "linus"] as const) people[who] = await user(who, names[who]);
    const gold = await ws.server.call("POST", `/v1/workflows/${WF}/gold`, {
      items: [
        {
          action: "pay",
          input: { supplier: "Acme", amount: 2500 },
          proposal: { pay: 250 },
          confidence: 0.97,
          expected: "reject",
          expectedReason: "wrong_amount",
        },
      ],
    });
    expect(gold.status).toBe(201);
    const outcomes = new Map<string, "correct" | "incorrect">();
    for (const [who, [passes, wrong]] of Object.entries(plan)) {
      const token = people[who]?.key as string;
      for (let i = 0; i < 3; i++) {
        const res = await ws.server.call(
          "POST",
          "/v1/cases",
          {
            workflow: WF,
            action: "pay",
            input: { supplier: "Acme", amount: 120 + i },
            proposal: { pay: 120 + i },
            confidence: 0.6,
          },
          ws.automationKey,
        );
        const real = (await res.json()).id as string;
        for (let j = 0; j < 2; j++) {
          const claim = await ws.server.call("POST", "/v1/queue/claim", { workflows: [WF] }, token);
          expect(claim.status).toBe(200);
          const id = (await claim.json()).case.id as string;
          const reject = id !== real && i < passes;
          const body = reject ? { verdict: "reject", reasonCode: "wrong_amount" } : { verdict: "approve" };
          expect((await ws.server.call("POST", `/v1/cases/${id}/decisions`, body, token)).status).toBe(201);
        }
        const result = i < wrong ? "incorrect" : "correct";
        outcomes.set(real, result);
        await ws.server.call("POST", `/v1/cases/${real}/outcome`, { result }, ws.automationKey);
      }
    }
    const auditor = (await ws.server.newKey("auditor")).key;
    // The draw weighs fast approvals up, so one draw may leave some out: draw until every approval is
    // audited (a draw never takes an audited case again), each judged as its outcome went.
    let audited = 0;
    for (let i = 0; i < 50 && audited < outcomes.size; i++) {
      const draw = await (await ws.server.call("POST", "/v1/audits/draw", { workflow: WF })).json();
      for (const a of draw.audits as { id: string; caseId: string }[]) {
        const verdict = { result: outcomes.get(a.caseId) };
        expect((await ws.server.call("POST", `/v1/audits/${a.id}/verdict`, verdict, auditor)).status).toBe(
          201,
        );
        audited += 1;
      }
    }
    expect(audited).toBe(outcomes.size);
    // The alert as the oversight run stores it (the detector needs 30 decisions a head; the server's
    // tests raise it from real ones): about Linus, through his key.
    await ws.server.store.oversight.insertAlerts([
      {
        id: "alr_linus",
        kind: "rubber_stamp",
        workflow: WF,
        reviewer: people.linus?.keyId as string,
        evidence: {
          decisions: 3,
          approvalRate: 1,
          peerApprovalRate: 0.67,
          medianHeldMs: 2000,
          peerMedianHeldMs: 41_000,
        },
        createdAt: Date.now(),
        actor: "system",
      },
    ]);
  }, 120_000);

  afterAll(async () => {
    await ws?.close();
  });

  it("shows a reviewer their own quality beside the team's, and nobody else's", async () => {
    const { page } = await ws.page({ width: 1280, height: 900 });
    await signIn(page, people.linus as Person);
    const panel = page.getByRole("region", { name: "Your quality, last 30 days" });
    const row = (key: string) => panel.getByTestId(`quality-${key}`).locator("td");
    await expect.poll(() => row("catchTrials").allTextContents()).toEqual(["0% (0 of 3)", "55.6% (5 of 9)"]);
    expect(await row("audits").allTextContents()).toEqual(["33.3% (1 of 3)", "66.7% (6 of 9)"]);
    expect(await row("postReviewErrors").allTextContents()).toEqual(["66.7% (2 of 3)", "33.3% (3 of 9)"]);
    expect(await panel.textContent()).toContain("Team (3 people)");
    const text = (await panel.textContent()) ?? "";
    for (const other of [names.ada, names.grace]) expect(text).not.toContain(other);
    // He owns nothing: no dashboard.
    expect(await page.getByRole("link", { name: "Dashboard" }).count()).toBe(0);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, "queue-own-quality", { top: true });
  });

  it("lets the owner, a reviewer, pause the flagged reviewer from the alert, record why, and resume him", async () => {
    const { page } = await ws.page({ width: 1280, height: 1000 });
    await signIn(page, people.lead as Person);
    await page
      .getByRole("navigation", { name: "Workspace" })
      .getByRole("link", { name: "Dashboard" })
      .click();
    await page.getByRole("heading", { level: 1, name: "Dashboard" }).waitFor();
    // Only her workflow, chosen for her: per-reviewer figures are hers one workflow at a time.
    const options = await page.getByLabel("Workflow").locator("option").allTextContents();
    expect(options).toEqual([WF]);
    const alerts = page.getByRole("region", { name: /^Open alerts/ });
    await expect.poll(() => alerts.textContent()).toContain(`Possible rubber-stamping: ${names.linus}`);
    await alerts.getByLabel("What you did").selectOption("paused_reviewer");
    await alerts.getByLabel("Note").fill("Pairing with Ada on Monday");
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, "owner-inbox", { top: true });
    await alerts.getByRole("button", { name: /^Acknowledge/ }).click();
    await expect.poll(() => alerts.textContent()).toContain("No open alerts.");
    expect(await alerts.getByTestId("acknowledged-alerts").textContent()).toContain(
      "Paused the reviewer: Pairing with Ada on Monday",
    );
    const pauses = page.getByRole("region", { name: "Paused reviewers" });
    await expect.poll(() => pauses.textContent()).toContain(`${names.linus} claims nothing here since`);
    await screenshot(page, "owner-inbox-acknowledged", { top: true });

    // Paused: Linus's claims are refused, and his workspace says why.
    const linus = people.linus as (typeof people)[string];
    const refused = await ws.server.call("POST", "/v1/queue/claim", { workflows: [WF] }, linus.key);
    expect(refused.status).toBe(403);
    const l = await ws.page();
    await signIn(l.page, linus);
    await l.page.getByRole("button", { name: /Next case/ }).click();
    await expect
      .poll(() => l.page.locator(".flash").textContent())
      .toContain("you are paused in web.payouts");

    await pauses.getByRole("button", { name: `Resume ${names.linus}` }).click();
    await expect.poll(() => pauses.textContent()).toContain("Nobody is paused in web.payouts.");
    const again = await ws.server.call("POST", "/v1/queue/claim", { workflows: [WF] }, linus.key);
    expect(again.status).toBe(204);
  });
});
