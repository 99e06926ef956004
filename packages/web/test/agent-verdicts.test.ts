import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seriousViolations } from "./helpers/browser.js";
import { nextCase, signIn, startWorkspace, type Workspace } from "./helpers/workspace.js";

/**
 * The verdicts agents need (issue 14, item 4) in the workspace: answering in the tool's place
 * (respond), requesting changes with feedback, and the revised case shown beside the version it revises.
 */
describe("reviewer workspace: respond, request changes, versions side by side", () => {
  let ws: Workspace;
  beforeAll(async () => {
    ws = await startWorkspace();
  });
  afterAll(async () => {
    await ws?.close();
  });

  // A churn threat always goes to a person (the fixture's escalation trigger).
  const reply = (o: Record<string, unknown> = {}) => ({
    workflow: "web.reply",
    action: "send_reply",
    input: { ticket: "T-9", accountTier: "standard", message: "I will cancel and go to a competitor" },
    proposal: { subject: "Sorry to hear", body: "We can offer you 10% off." },
    confidence: 0.6,
    ...o,
  });
  const decisionsOf = async (id: string) => (await ws.server.store.cases.detail(id))?.decisions ?? [];

  it("answers in the tool's place with s: the answer is recorded, nothing of the proposal", async () => {
    const id = await ws.submit(reply({ subject: "customer:respond" }));
    const who = await ws.person("reviewer", ["web.reply"]);
    const { page } = await ws.page();
    await signIn(page, who);
    expect(await nextCase(page)).toBe(id);
    await page.keyboard.press("s");
    const editor = page.getByRole("group", { name: /Your answer/ }).getByLabel("Text");
    await editor.waitFor();
    // An empty answer is refused on the screen, beside the editor.
    await page.keyboard.press("Control+Enter");
    await page.getByText("Write the answer the agent should get").waitFor();
    await editor.fill("The customer already has the retention discount; do not offer another.");
    await page.getByRole("button", { name: /^Send this answer/ }).click();
    await page.getByTestId("decided").waitFor();
    expect(await decisionsOf(id)).toMatchObject([
      {
        verdict: "respond",
        output: "The customer already has the retention discount; do not offer another.",
        decidedBy: who.id,
      },
    ]);
  });

  it("requests changes with c and feedback; the revision shows both versions and the feedback between", async () => {
    const id = await ws.submit(reply({ subject: "customer:changes" }));
    const who = await ws.person("reviewer", ["web.reply"]);
    const { page } = await ws.page();
    await signIn(page, who);
    expect(await nextCase(page)).toBe(id);
    await page.keyboard.press("c");
    // Feedback is required: submitting without it names the note.
    await page.keyboard.press("Control+Enter");
    await page.getByText("Write the changes you want in the note").waitFor();
    const feedback = "Do not offer a discount; explain how to pause the plan instead.";
    await page.getByLabel(/Feedback for the agent/).fill(feedback);
    await page
      .getByRole("button", { name: /^Request changes/ })
      .last()
      .click();
    await page.getByTestId("decided").waitFor();
    expect(await decisionsOf(id)).toMatchObject([
      { verdict: "request_changes", note: feedback, output: null },
    ]);

    // The automation revises; the reviewer takes the revision.
    const revised = { subject: "Pausing your plan", body: "You can pause your plan for up to 3 months." };
    const res = await ws.server.call(
      "POST",
      `/v1/cases/${id}/revisions`,
      { proposal: revised, confidence: 0.7 },
      ws.automationKey,
    );
    expect(res.status).toBe(201);
    const { id: revision } = await res.json();
    await page.keyboard.press("n");
    await page.waitForURL(`**/cases/${revision}`);
    const versions = page.getByRole("region", { name: /Version 2 of 2/ });
    await versions.waitFor();
    expect(await versions.getByRole("figure", { name: "Version 1" }).textContent()).toContain(
      "We can offer you 10% off.",
    );
    expect(await versions.getByRole("figure", { name: "Version 2" }).textContent()).toContain(
      "You can pause your plan",
    );
    expect(await versions.getByRole("note", { name: "The reviewer's feedback" }).textContent()).toContain(
      feedback,
    );
    expect(await seriousViolations(page)).toEqual([]);

    await page.keyboard.press("a");
    await page.keyboard.press("Control+Enter");
    await page.getByTestId("decided").waitFor();
    expect(await decisionsOf(revision)).toMatchObject([{ verdict: "approve", output: revised }]);
  });
});
