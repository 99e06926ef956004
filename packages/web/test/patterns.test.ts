import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { screenshot, seriousViolations } from "./helpers/browser.js";
import { mainText, nextCase, signIn, startWorkspace, type Workspace } from "./helpers/workspace.js";

/** One view per pattern: what is shown, what may be done, and what reaches the database. */
describe("reviewer workspace: the five pattern views", () => {
  let ws: Workspace;
  beforeAll(async () => {
    ws = await startWorkspace();
  });
  afterAll(async () => {
    await ws?.close();
  });

  async function reviewerOn(workflow: string) {
    const who = await ws.person("reviewer", [workflow]);
    const { page } = await ws.page();
    await signIn(page, who);
    return { who, page };
  }

  const decisionOf = async (id: string) => (await ws.server.store.cases.detail(id))?.decisions ?? [];

  it("review & approve: an email draft is shown as subject and body, and approved with a and Ctrl+Enter", async () => {
    const id = await ws.submit({
      workflow: "web.reply",
      action: "send_reply",
      input: { ticket: "T-7", accountTier: "standard", message: "Can I cancel my plan?" },
      proposal: {
        subject: "Your plan",
        body: "Hello,\n\nYou can cancel any time from Settings → Billing.\n\nBest,\nSupport",
      },
      confidence: 0.91,
      subject: "customer:Northwind",
    });
    const { who, page } = await reviewerOn("web.reply");
    expect(await nextCase(page)).toBe(id);
    const proposal = page.getByRole("region", { name: "Model's proposal" });
    expect(await proposal.textContent()).toContain("Subject: Your plan");
    expect(await proposal.textContent()).toContain("You can cancel any time");
    expect(await mainText(page)).toContain("0.91 — meets low's 0.85");
    expect(await mainText(page)).toContain("No earlier cases for customer:Northwind");
    await page.keyboard.press("a");
    await page.keyboard.press("Control+Enter");
    await page.getByTestId("decided").waitFor();
    expect(await decisionOf(id)).toMatchObject([{ verdict: "approve", decidedBy: who.id, reasonCode: null }]);
  });

  it("exception routing: the fields the fired triggers read are highlighted with the trigger's name", async () => {
    const mismatch = await ws.submit({
      workflow: "web.invoice",
      action: "pay",
      input: { invoiceNumber: "INV-2", supplier: "Acme Industrial", amount: 1250, currency: "EUR" },
      context: { po: { number: "PO-10", supplier: "Cobalt Logistics", amount: 1000 } },
      proposal: { pay: true, amount: 1250, account: "2000-AP" },
      confidence: 0.97,
      rationale: "Invoice total matches the delivery note.",
      evidence: [{ kind: "document", title: "INV-2.pdf" }],
      subject: "supplier:Acme Industrial",
    });
    const noPo = await ws.submit({
      workflow: "web.invoice",
      action: "pay",
      input: { invoiceNumber: "INV-3", supplier: "Evergreen IT", amount: 300, currency: "EUR" },
      proposal: { pay: true, amount: 300 },
      confidence: 0.95,
      subject: "supplier:Evergreen IT",
    });
    const { who, page } = await reviewerOn("web.invoice");
    expect(await nextCase(page)).toBe(mismatch);

    const flagged = page.locator(".flagged");
    await expect.poll(() => flagged.count()).toBeGreaterThan(0);
    const row = (path: string) => page.locator(`[data-path="${path}"]`);
    expect(await row("input.supplier").getAttribute("class")).toContain("flagged");
    expect(await row("input.supplier").textContent()).toContain("flagged by supplier mismatch");
    expect(await row("context.po.supplier").textContent()).toContain("flagged by supplier mismatch");
    expect(await row("input.amount").textContent()).toContain("flagged by amount over po");
    expect(await row("input.invoiceNumber").getAttribute("class")).toBeNull();
    const handoff = page.getByRole("region", { name: /Handoff/ });
    expect(await handoff.textContent()).toContain("supplier mismatch");
    expect(await handoff.textContent()).toContain("reads input.supplier, context.po.supplier");
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, "case-exception-routing", { top: true });

    // Reject with the keyboard: r, a reason, Ctrl+Enter.
    await page.keyboard.press("r");
    await page.getByLabel(/Reason/).selectOption("supplier_unknown");
    await page.keyboard.press("Control+Enter");
    await page.getByTestId("decided").waitFor();
    expect(await decisionOf(mismatch)).toMatchObject([
      { verdict: "reject", reasonCode: "supplier_unknown", decidedBy: who.id, output: null },
    ]);

    // A missing purchase order is shown as missing, flagged by the trigger that noticed.
    await page.keyboard.press("n");
    await page.waitForURL(`**/cases/${noPo}`);
    await row("context.po").waitFor();
    expect(await row("context.po").textContent()).toMatch(/po.*flagged by missing po.*missing/);
  });

  it("active learning: pick one of the model's candidates with a digit, or type another label", async () => {
    const proposal = {
      label: "billing",
      candidates: [
        { label: "billing", probability: 0.46 },
        { label: "refund", probability: 0.41 },
        { label: "bug", probability: 0.13 },
      ],
    };
    const first = await ws.submit({
      workflow: "web.triage",
      action: "classify",
      input: { ticket: "T-9", message: "I was charged twice for March, please give one back." },
      proposal,
      confidence: 0.46,
    });
    const second = await ws.submit({
      workflow: "web.triage",
      action: "classify",
      input: { ticket: "T-10", message: "I cannot sign in since the password reset." },
      proposal,
      confidence: 0.46,
    });
    const { who, page } = await reviewerOn("web.triage");
    expect(await nextCase(page)).toBe(first);
    const candidates = page.getByRole("list", { name: "Model's top candidates" });
    expect(await candidates.getByRole("button").allTextContents()).toEqual([
      "1billing46%",
      "2refund41%",
      "3bug13%",
    ]);
    await page.keyboard.press("2");
    await page.getByRole("button", { name: /^2 refund/, pressed: true }).waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, "case-active-learning", { top: true });
    await page.keyboard.press("Control+Enter");
    await page.getByTestId("decided").waitFor();
    expect(await decisionOf(first)).toMatchObject([
      { verdict: "label", output: { label: "refund" }, reasonCode: null, decidedBy: who.id },
    ]);

    // A label the model did not propose: l, type it, Enter.
    await page.keyboard.press("n");
    await page.waitForURL(`**/cases/${second}`);
    await page.getByRole("heading", { name: "Your decision" }).waitFor();
    await page.keyboard.press("l");
    await page.keyboard.type("account_access");
    await page.keyboard.press("Enter");
    await page.getByTestId("decided").waitFor();
    expect(await decisionOf(second)).toMatchObject([
      { verdict: "label", output: { label: "account_access" } },
    ]);
  });

  it("decision support: ranked options with risk factors; another option than the first is an override with a reason", async () => {
    const options = [
      {
        id: "refund",
        action: "refund",
        summary: "Refund the order in full (€89).",
        riskFactors: ["second refund this quarter"],
      },
      { id: "replace", action: "replace", summary: "Send a replacement by express.", riskFactors: [] },
      {
        id: "escalate",
        action: "escalate",
        summary: "Hand over to the complaints team.",
        riskFactors: ["slower: 2 days"],
      },
    ];
    const id = await ws.submit({
      workflow: "web.nextstep",
      action: "resolve_complaint",
      input: { complaint: "C-31", customer: "Fabrikam", message: "The blender arrived broken. Second time." },
      proposal: { options },
      confidence: 0.64,
      rationale: "Refunds resolve most broken-on-arrival complaints fastest.",
      subject: "customer:Fabrikam",
    });
    const { who, page } = await reviewerOn("web.nextstep");
    expect(await nextCase(page)).toBe(id);
    const list = page.getByRole("list", { name: "Ranked options, best first" });
    expect(await list.textContent()).toContain("second refund this quarter");
    expect(await list.textContent()).toContain("model's recommendation");
    expect(await mainText(page)).toContain("0.64 — standard never auto-routes");

    // 2: the second option. Submitting without a reason is blocked and says why.
    await page.keyboard.press("2");
    await page.getByRole("button", { name: /Accept option 2/, pressed: true }).waitFor();
    await page.keyboard.press("Control+Enter");
    await page.locator("#reason-problem").waitFor();
    expect(await page.locator("#reason-problem").textContent()).toContain(
      "A reason is required to accept option 2 instead of the model's first choice",
    );
    await page.getByLabel(/Reason/).selectOption("customer_context");
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, "case-decision-support", { top: true });
    await page.keyboard.press("Control+Enter");
    await page.getByTestId("decided").waitFor();
    expect(await decisionOf(id)).toMatchObject([
      { verdict: "override", reasonCode: "customer_context", output: options[1], decidedBy: who.id },
    ]);
  });

  it("preference ranking: candidates side by side; pick the better, or call a tie with a reason", async () => {
    const proposal = {
      candidates: [
        {
          id: "a",
          output: {
            text: "Thanks for your patience! Your refund of €89 is on its way and should arrive in 3–5 days.",
          },
        },
        { id: "b", output: { text: "Refund processed." } },
      ],
    };
    const first = await ws.submit({
      workflow: "web.compare",
      action: "compare",
      input: { prompt: "Tell the customer their refund was processed." },
      proposal,
      confidence: 0.5,
    });
    const second = await ws.submit({
      workflow: "web.compare",
      action: "compare",
      input: { prompt: "Tell the customer their refund was processed (again)." },
      proposal,
      confidence: 0.5,
    });
    const { page } = await reviewerOn("web.compare");
    expect(await nextCase(page)).toBe(first);
    const candidates = page.getByRole("list", { name: "Candidate outputs" });
    expect(await candidates.getByRole("listitem").count()).toBe(2);
    // Side by side at 1280 px: the two candidates share a row.
    const [left, right] = await Promise.all(
      [0, 1].map((i) => candidates.getByRole("listitem").nth(i).boundingBox()),
    );
    expect(left?.y).toBe(right?.y);
    expect(right?.x).toBeGreaterThan((left?.x ?? 0) + (left?.width ?? 0) - 1);
    await page.keyboard.press("1");
    await page.getByRole("button", { name: /Submit: candidate 1 is better/ }).waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, "case-preference-ranking", { top: true });
    await page.keyboard.press("Control+Enter");
    await page.getByTestId("decided").waitFor();
    expect(await decisionOf(first)).toMatchObject([
      { verdict: "rank", output: { ranking: ["a", "b"], tie: false } },
    ]);

    await page.keyboard.press("n");
    await page.waitForURL(`**/cases/${second}`);
    await page.getByRole("heading", { name: "Your decision" }).waitFor();
    await page.keyboard.press("t");
    await page.keyboard.press("Control+Enter");
    await page.locator("#reason-problem").waitFor();
    expect(await page.locator("#reason-problem").textContent()).toContain(
      "A reason is required to record a tie",
    );
    await page.getByLabel(/Reason/).selectOption("equally_good");
    await page.keyboard.press("Control+Enter");
    await page.getByTestId("decided").waitFor();
    expect(await decisionOf(second)).toMatchObject([
      { verdict: "rank", reasonCode: "equally_good", output: { ranking: ["a", "b"], tie: true } },
    ]);
  });
});
