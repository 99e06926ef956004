import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { screenshot, seriousViolations } from "./helpers/browser.js";
import { signIn, startWorkspace, type Workspace } from "./helpers/workspace.js";

/** A new reviewer's first case, end to end: browser → real server → SQLite → webhook receiver. */
describe("reviewer workspace: a new reviewer's first case", () => {
  let ws: Workspace;
  beforeAll(async () => {
    ws = await startWorkspace();
  });
  afterAll(async () => {
    await ws?.close();
  });

  /** An earlier case of the same subject, decided through the API so it shows up as history. */
  async function pastCase(verdict: "approve" | "reject", note?: string) {
    const id = await ws.submit({
      workflow: "web.reply",
      action: "send_reply",
      input: {
        ticket: `T-${Math.floor(Math.random() * 1000)}`,
        accountTier: "strategic",
        message: "Where is my invoice?",
      },
      proposal: { text: "Here is your invoice." },
      confidence: 0.9,
      subject: "customer:Contoso",
    });
    const claim = await ws.server.call("POST", "/v1/queue/claim", { workflows: ["web.reply"] });
    expect((await claim.json()).case.id).toBe(id);
    const body = verdict === "approve" ? { verdict } : { verdict, reasonCode: "wrong_answer", note };
    expect((await ws.server.call("POST", `/v1/cases/${id}/decisions`, body)).status).toBe(201);
    return id;
  }

  it("signs in, takes the next case, reads it, is stopped without a reason, edits with a diff", async () => {
    await pastCase("approve");
    await pastCase("reject", "Sent the wrong month's invoice");
    const id = await ws.submit({
      workflow: "web.reply",
      action: "send_reply",
      input: {
        ticket: "T-5001",
        customer: "Contoso",
        accountTier: "strategic",
        message:
          "Your last update broke our export. This is the third time I write about it and we are considering a competitor.",
      },
      proposal: { text: "Hi Contoso team, thanks for reaching out. The export is fixed in version 4.2." },
      confidence: 0.82,
      rationale: "Matched the ticket to the release notes of 4.2, which mention the export fix.",
      evidence: [
        { kind: "ticket", title: "Ticket T-5001", text: "Export to CSV fails since Monday." },
        { kind: "document", title: "Release notes 4.2", url: "https://example.com/releases/4.2" },
      ],
      subject: "customer:Contoso",
    });
    const reviewer = await ws.person("reviewer", ["web.reply"], "Dana Reviewer");
    const { page } = await ws.page();

    // Sign-in: a wrong password shows the server's message, then the right one opens the queue.
    await page.goto("/");
    await page.getByRole("heading", { name: "Sign in to Loopgate" }).waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, "sign-in");
    await page.getByLabel("Username").fill(reviewer.username);
    await page.getByLabel("Password").fill("not the password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect.poll(() => page.getByRole("alert").textContent()).toContain("Wrong username or password");
    await signIn(page, reviewer);

    // The queue: one case waiting in web.reply, high risk, with its SLA.
    const card = page.getByRole("region", { name: "web.reply" });
    await expect.poll(() => card.textContent()).toMatch(/1\s*waiting/);
    expect(await card.textContent()).toMatch(/due in \d+m/);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, "queue");

    // Next case.
    await page.getByRole("button", { name: /Next case/ }).click();
    await page.waitForURL(`**/cases/${id}`);
    await page.getByRole("heading", { level: 1, name: /web\.reply/ }).waitFor();

    // Everything needed to judge is on this one screen.
    const main = page.getByRole("main");
    await expect.poll(() => main.textContent()).toContain("Ticket T-5001");
    const text = (await main.textContent()) ?? "";
    expect(text).toContain("Release notes 4.2");
    expect(text).toContain("0.82 — below high's 0.97");
    expect(text).toContain("Matched the ticket to the release notes");
    expect(text).toContain("churn threat"); // the handoff: which trigger fired
    const history = page.getByRole("region", { name: /History of customer:Contoso/ });
    expect(await history.textContent()).toContain("Sent the wrong month's invoice");
    expect(await history.textContent()).toContain("Rejected");
    expect(await history.textContent()).toContain("Approved");
    expect(await page.getByRole("link", { name: "Release notes 4.2" }).getAttribute("href")).toBe(
      "https://example.com/releases/4.2",
    );
    // Only this pattern's actions are offered.
    const actions = page.getByRole("group", { name: "Actions" });
    expect(await actions.getByRole("button").allTextContents()).toEqual([
      "a Approve",
      "e Edit",
      "s Answer instead",
      "c Request changes",
      "r Reject",
    ]);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, "case-review-and-approve", { top: true });

    // Reject without a reason: blocked, with a message naming the problem; nothing is stored.
    await actions.getByRole("button", { name: /Reject/ }).click();
    await page.getByRole("button", { name: /^Reject Ctrl\+Enter/ }).click();
    const problem = page.locator("#reason-problem");
    await problem.waitFor();
    expect(await problem.textContent()).toContain("A reason is required to reject");
    expect(await page.getByLabel(/Reason/).getAttribute("aria-invalid")).toBe("true");
    expect((await ws.server.store.cases.detail(id))?.decisions).toEqual([]);

    // Edit with a reason: the diff against the proposal is shown live.
    await actions.getByRole("button", { name: /Edit/ }).click();
    const editor = page.getByLabel("Text");
    await editor.fill(
      "Hi Contoso team, sorry that the export broke again. It is fixed in version 4.2; I have asked our engineers to confirm it on your account today.",
    );
    const diff = page.getByTestId("diff");
    await expect.poll(() => diff.locator("ins").count()).toBeGreaterThan(0);
    expect(await diff.locator("del").count()).toBeGreaterThan(0);
    expect(await diff.locator("ins").allTextContents()).toEqual(
      expect.arrayContaining([expect.stringContaining("sorry")]),
    );
    await page.getByLabel(/Reason/).selectOption("tone");
    await page.getByLabel(/Note/).fill("Acknowledge the repeat contact");
    await screenshot(page, "case-edit-with-diff");
    await page.getByRole("button", { name: /Submit edit/ }).click();
    await page.getByTestId("decided").waitFor();
    expect(await page.getByTestId("decided").textContent()).toContain("Edited");

    // The decision landed in the database, as this person, with the edited output …
    const stored = await ws.server.store.cases.detail(id);
    expect(stored?.status).toBe("decided");
    expect(stored?.decisions).toHaveLength(1);
    expect(stored?.decisions[0]).toMatchObject({
      verdict: "edit",
      reasonCode: "tone",
      note: "Acknowledge the repeat contact",
      decidedBy: reviewer.id,
      output: { text: expect.stringContaining("sorry that the export broke again") },
    });
    // … and the automation's webhook fired with it.
    await ws.receiver.until((ds) => ds.some((d) => JSON.parse(d.body).caseId === id));
    const hook = JSON.parse(
      ws.receiver.deliveries.find((d) => JSON.parse(d.body).caseId === id)?.body ?? "{}",
    );
    expect(hook).toMatchObject({
      type: "case.decided",
      verdict: "edit",
      reasonCode: "tone",
      decidedBy: reviewer.id,
    });
    expect(hook.output.text).toContain("sorry that the export broke again");

    // n: the next case; nothing is waiting, so the queue says so.
    await page.keyboard.press("n");
    await page.getByRole("heading", { level: 1, name: "Queue" }).waitFor();
    await expect.poll(() => page.getByRole("main").textContent()).toContain("Nothing waiting");
  });
});
