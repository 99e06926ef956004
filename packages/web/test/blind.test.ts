import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { screenshot, seriousViolations } from "./helpers/browser.js";
import { mainText, nextCase, signIn, startWorkspace, type Workspace } from "./helpers/workspace.js";

/** Blind-first review: the reviewer's own judgment is recorded before the model's is revealed. */
describe("reviewer workspace: blind-first review", () => {
  let ws: Workspace;
  beforeAll(async () => {
    ws = await startWorkspace();
  });
  afterAll(async () => {
    await ws?.close();
  });

  it("asks for the reviewer's judgment first, then reveals the recommendation and takes the decision", async () => {
    const options = [
      { id: "advance", action: "advance", summary: "Advance to the onsite interview.", riskFactors: [] },
      {
        id: "hold",
        action: "hold",
        summary: "Hold for the hiring manager's view.",
        riskFactors: ["career gap of 2 years"],
      },
    ];
    const id = await ws.submit({
      workflow: "web.screen",
      action: "advance",
      input: { candidate: "Candidate 17", role: "Backend Engineer", yearsExperience: 6, careerGap: true },
      proposal: { options },
      confidence: 0.71,
      rationale: "Strong backend experience; meets all must-haves.",
      subject: "candidate:17",
    });
    const who = await ws.person("reviewer", ["web.screen"], "Robin Recruiter");
    const { page } = await ws.page();
    await signIn(page, who);
    expect(await nextCase(page)).toBe(id);

    // Blind: the input is there; the recommendation, its confidence and rationale are not.
    await page.getByRole("heading", { name: "Your judgment first" }).waitFor();
    const blindText = await mainText(page);
    expect(blindText).toContain("Candidate 17");
    for (const hidden of [
      "Advance to the onsite interview",
      "0.71",
      "Strong backend experience",
      "career gap of 2 years",
    ]) {
      expect(blindText).not.toContain(hidden);
    }
    const actions = page.getByRole("group", { name: "Actions" });
    expect(await actions.getByRole("button").allTextContents()).toEqual([
      "a Go ahead",
      "o Write your own",
      "r Reject",
    ]);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, "case-blind-first", { top: true });

    // The reviewer's own judgment: reject, with a reason (blocked without one, like any decision).
    await page.keyboard.press("r");
    await page.keyboard.press("Control+Enter");
    await page.locator("#reason-problem").waitFor();
    await page.getByLabel(/Reason/).selectOption("trajectory_context");
    await page.getByLabel(/Note/).fill("Gap explained in the cover letter; want the manager's view");
    await page.keyboard.press("Control+Enter");

    // Revealed: the options, the confidence, and the judgment just recorded, side by side.
    await page.getByRole("heading", { name: "Recommended options" }).waitFor();
    await expect
      .poll(() => mainText(page))
      .toContain("Your own judgment, recorded before the reveal: Rejected · trajectory context");
    const revealed = await mainText(page);
    expect(revealed).toContain("Advance to the onsite interview");
    expect(revealed).toContain("0.71");
    const judged = await ws.server.store.cases.detail(id);
    expect(judged?.decisions).toEqual([]);
    expect(judged?.events.find((e) => e.type === "blind_judgment")?.data).toMatchObject({
      verdict: "reject",
      reasonCode: "trajectory_context",
    });
    await screenshot(page, "case-blind-revealed", { top: true });

    // Then the decision itself: option 2 (hold), an override with its reason.
    await page.keyboard.press("2");
    await page.getByLabel(/Reason/).selectOption("trajectory_context");
    await page.keyboard.press("Control+Enter");
    await page.getByTestId("decided").waitFor();
    const decided = await ws.server.store.cases.detail(id);
    expect(decided?.decisions).toMatchObject([
      { verdict: "override", reasonCode: "trajectory_context", output: options[1], decidedBy: who.id },
    ]);
  });
});
