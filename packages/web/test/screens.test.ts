import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { screenshot, seriousViolations } from "./helpers/browser.js";
import { mainText, nextCase, signIn, startWorkspace, type Workspace } from "./helpers/workspace.js";

/** The queue live over SSE, the SLA clock, a narrow window, and a read-only auditor signed in by key. */
describe("reviewer workspace: live queue, SLA, narrow window, auditor", () => {
  let ws: Workspace;
  /** The server's clock runs this far ahead of the real one, so the SLA can run out without waiting. */
  let offsetMs = 0;
  beforeAll(async () => {
    ws = await startWorkspace({ clock: () => Date.now() + offsetMs });
  });
  afterAll(async () => {
    await ws?.close();
  });

  const reply = (message: string) => ({
    workflow: "web.reply",
    action: "send_reply",
    input: { ticket: "T-1", accountTier: "standard", message },
    proposal: { text: "Thanks, we are on it." },
    confidence: 0.4,
    subject: "customer:Tailspin",
  });

  it("updates the queue as cases arrive, without a reload, and turns the SLA red when it runs short", async () => {
    const who = await ws.person("reviewer", ["web.reply"]);
    const { page } = await ws.page();
    await signIn(page, who);
    const card = page.getByRole("region", { name: "web.reply" });
    await expect.poll(() => card.textContent()).toMatch(/0\s*waiting/);
    await expect.poll(() => page.locator("p.live").textContent()).toMatch(/Live$/);
    await page.evaluate("window.__sameDocument = true");

    await ws.submit(reply("First question"));
    await expect.poll(() => card.textContent()).toMatch(/1\s*waiting/);
    await ws.submit(reply("Second question"));
    await expect.poll(() => card.textContent()).toMatch(/2\s*waiting/);
    const sla = card.locator("td.sla");
    expect(await sla.textContent()).toMatch(/due in (29|30)m/);
    expect(await sla.getAttribute("class")).not.toContain("urgent");

    // Twenty minutes later (by the server's clock) the oldest case has ten minutes left: red, and said so.
    offsetMs = 20 * 60_000;
    await ws.submit(reply("Third question")); // any event refreshes the summary
    await expect.poll(() => sla.textContent()).toMatch(/due in (9|10)m/);
    expect(await sla.getAttribute("class")).toContain("urgent");
    offsetMs = 40 * 60_000;
    await ws.submit(reply("Fourth question"));
    await expect.poll(() => sla.textContent()).toMatch(/overdue by (9|10)m/);
    expect(await page.evaluate("window.__sameDocument")).toBe(true);
    await screenshot(page, "queue-sla");
  });

  it("works in a narrow window (400×800): one column, nothing wider than the screen", async () => {
    await ws.submit({
      ...reply("I want to cancel and switch to a competitor unless this is fixed."),
      evidence: [{ kind: "ticket", title: "Ticket T-1", text: "Export fails." }],
    });
    const who = await ws.person("reviewer", ["web.reply"]);
    const { page } = await ws.page({ width: 400, height: 800 });
    await signIn(page, who);
    const width = () => page.evaluate("document.documentElement.scrollWidth") as Promise<number>;
    expect(await width()).toBeLessThanOrEqual(400);
    await screenshot(page, "queue-narrow");
    await nextCase(page);
    await page.keyboard.press("e");
    await page.getByLabel("Text").fill("Thanks, we are on it: the export fix ships today.");
    await page.getByTestId("diff").locator("ins").first().waitFor();
    expect(await width()).toBeLessThanOrEqual(400);
    // The source comes before the decision when the columns stack.
    const input = await page.getByRole("region", { name: "Source input" }).boundingBox();
    const decide = await page.getByRole("region", { name: "Your decision" }).boundingBox();
    expect(input && decide && input.y < decide.y).toBe(true);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, "case-narrow", { top: true });
  });

  it("an auditor signs in with an API key and reads cases without any action to take", async () => {
    const id = await ws.submit(reply("Auditor sample"));
    const auditorKey = (await ws.server.newKey("auditor")).key;
    const { page } = await ws.page();
    await page.goto(`/cases/${id}`);
    await page.getByRole("heading", { name: "Sign in to Loopgate" }).waitFor();
    await page.getByRole("button", { name: "Use an API key instead" }).click();
    await page.getByLabel("API key").fill("lg_wrong_key");
    await page.keyboard.press("Enter");
    await expect.poll(() => page.getByRole("alert").textContent()).toContain("not valid");
    await page.getByLabel("API key").fill(auditorKey);
    await page.keyboard.press("Enter");

    // Back where they were going, read-only.
    await page.waitForURL(`**/cases/${id}`);
    await page.getByRole("heading", { name: "Your decision" }).waitFor();
    expect(await mainText(page)).toContain("Read-only: your role (auditor)");
    expect(await page.getByRole("group", { name: "Actions" }).count()).toBe(0);
    expect(await page.getByRole("button", { name: /Approve|Reject|Edit|Release/ }).count()).toBe(0);
    expect(await seriousViolations(page)).toEqual([]);

    await page.getByRole("link", { name: "Queue" }).click();
    await page.getByRole("heading", { level: 1, name: "Queue" }).waitFor();
    expect(await page.getByRole("button", { name: /Next/ }).count()).toBe(0);
    expect(await mainText(page)).toContain("does not take them");

    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("heading", { name: "Sign in to Loopgate" }).waitFor();
    await page.goto("/");
    await page.getByRole("heading", { name: "Sign in to Loopgate" }).waitFor();
  });

  it("shows the server's refusal when a decision is not accepted (the lease was lost meanwhile)", async () => {
    const who = await ws.person("reviewer", ["web.reply"]);
    const { page } = await ws.page();
    await signIn(page, who);
    await ws.submit(reply("Refusal check"));
    const id = await nextCase(page);
    // Behind the page's back, the case goes back to the queue.
    await ws.server.store.review.release({ caseId: id, reviewer: who.id, now: Date.now() + offsetMs });
    await page.keyboard.press("a");
    await page.keyboard.press("Control+Enter");
    const refusal = page.locator(".error.server");
    await refusal.waitFor();
    expect(await refusal.textContent()).toMatch(/The server refused it \(409\):.*do not hold its lease/);
    expect((await ws.server.store.cases.detail(id))?.decisions).toEqual([]);
    // The screen re-reads the case: no longer held, so no actions are offered.
    await expect.poll(() => mainText(page)).toContain("You do not hold this case");
  });
});
