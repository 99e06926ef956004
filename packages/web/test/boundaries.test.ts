import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { screenshot, seriousViolations } from "./helpers/browser.js";
import { mainText, nextCase, signIn, startWorkspace, type Workspace } from "./helpers/workspace.js";

const BOUNDARY_POLICIES = fileURLToPath(new URL("./fixtures/boundaries", import.meta.url));

const invoice = (action: "pay" | "wire", amount: number) => ({
  workflow: "web.ap",
  action,
  input: { amount, supplier: "Acme Industrial", invoiceNumber: `INV-${amount}` },
  proposal: { amount, account: "2000-AP" },
  confidence: 0.9,
});

/**
 * Issue 11 on the case screen: what a verdict needs is said before the reviewer submits it (the decision
 * preview), and a human_only action is recorded as done by the person, never approved to run.
 */
describe("reviewer workspace: what a decision needs, before it is submitted", () => {
  let ws: Workspace;
  beforeAll(async () => {
    ws = await startWorkspace({ policyDir: BOUNDARY_POLICIES });
  });
  afterAll(async () => {
    await ws?.close();
  });

  async function clerk() {
    const who = await ws.person("reviewer", ["web.ap"], undefined, ["ap_clerk"]);
    const { page } = await ws.page();
    await signIn(page, who);
    return { who, page };
  }

  it("a clerk editing a 420 invoice to 60,000 is told it moves to class high and is beyond their authority; nothing is decided until they submit", async () => {
    const id = await ws.submit(invoice("pay", 420));
    const { who, page } = await clerk();
    expect(await nextCase(page)).toBe(id);

    await page.keyboard.press("e");
    const editor = page.getByLabel("Output (JSON)");
    await editor.fill(JSON.stringify({ amount: 60_000, account: "2000-AP" }, null, 2));

    // The notices arrive in a polite live region by the submit button, before any reason is chosen.
    const preview = page.getByRole("status").filter({ hasText: "moves the case" });
    await preview.getByText("This output moves the case from class low to class high").waitFor();
    expect(await preview.getAttribute("data-testid")).toBe("decision-preview");
    const notices = (await preview.locator("li").allTextContents()).join("\n");
    expect(notices).toContain("2 people must agree on this output");
    expect(notices).toMatch(/^Authority: /m);
    // Only the missing reason stands in the way so far, and the reason field says that itself.
    expect(await preview.locator(".warning").count()).toBe(0);
    expect(await page.locator("label[for=reason]").textContent()).toContain("(required)");

    // With a reason, the server's refusal is shown as a warning: the authority limit on the case as it would run.
    await page.getByLabel(/Reason/).selectOption("amount_mismatch");
    const warning = preview.locator(".warning");
    await expect
      .poll(() => warning.textContent())
      .toMatch(/^The server would refuse this now: .*authority limit/);
    expect(await warning.textContent()).toMatch(/class high/);
    expect(await seriousViolations(page)).toEqual([]);
    await page.getByRole("button", { name: /^Submit edit/ }).scrollIntoViewIfNeeded();
    await screenshot(page, "case-decision-preview");

    // Nothing was written: the case is still the clerk's, undecided.
    expect(await ws.server.store.cases.detail(id)).toMatchObject({ status: "claimed", decisions: [] });

    // Submit stays usable (the server is the judge) and the server refuses it, with the same reason.
    const submit = page.getByRole("button", { name: /^Submit edit/ });
    expect(await submit.isEnabled()).toBe(true);
    await submit.click();
    const refusal = page.locator(".error.server");
    await refusal.waitFor();
    expect(await refusal.textContent()).toMatch(/The server refused it \(403\):.*authority limit/);
    expect((await ws.server.store.cases.detail(id))?.decisions).toEqual([]);

    // Back inside the clerk's authority and class low: nothing left to say, and the edit is taken.
    await editor.fill(JSON.stringify({ amount: 400, account: "2000-AP" }, null, 2));
    await expect.poll(() => page.getByTestId("decision-preview").textContent()).toBe("");
    await submit.click();
    await page.getByTestId("decided").waitFor();
    expect((await ws.server.store.cases.detail(id))?.decisions).toMatchObject([
      { verdict: "edit", output: { amount: 400, account: "2000-AP" }, decidedBy: who.id },
    ]);
  });

  it("four-eyes: the first approver is told theirs goes to another person, and the screen says so after", async () => {
    const id = await ws.submit({
      workflow: "web.pairs",
      action: "send",
      input: { to: "c@example.com" },
      proposal: { text: "Your parcel ships today." },
      confidence: 0.9,
    });
    const who = await ws.person("reviewer", ["web.pairs"]);
    const { page } = await ws.page();
    await signIn(page, who);
    expect(await nextCase(page)).toBe(id);

    await page.keyboard.press("a");
    await page
      .getByTestId("decision-preview")
      .getByText("2 people must agree on this output; yours is recorded and the case goes to another person.")
      .waitFor();
    await page.keyboard.press("Control+Enter");
    const decided = page.getByTestId("decided");
    await decided.waitFor();
    expect(await decided.textContent()).toContain(
      "1 of 2 people have agreed on this output: the case goes back to the queue for another person.",
    );
    expect(await ws.server.store.cases.get(id)).toMatchObject({ status: "queued" });
  });

  it("reason other without a note: warned before submit, and the server's refusal is shown by the note field", async () => {
    const id = await ws.submit(invoice("pay", 300));
    const { page } = await clerk();
    expect(await nextCase(page)).toBe(id);

    await page.keyboard.press("r");
    await page.getByLabel(/Reason/).selectOption("other");
    expect(await page.locator("label.field", { hasText: "Note" }).textContent()).toContain(
      "required with reason “other”",
    );
    const warning = page.getByTestId("decision-preview").locator(".warning");
    await warning.waitFor();
    expect(await warning.textContent()).toContain('reason "other" says nothing by itself');

    await page.keyboard.press("Control+Enter");
    const noteProblem = page.locator("#note-problem");
    await noteProblem.waitFor();
    expect(await noteProblem.textContent()).toContain("a note saying why is required");
    const note = page.getByLabel(/^Note/);
    expect(await note.getAttribute("aria-invalid")).toBe("true");
    // Focus moves to the note, the field to fix.
    await expect
      .poll(() => page.evaluate("document.activeElement?.getAttribute('aria-describedby')"))
      .toBe("note-problem");
    expect((await ws.server.store.cases.detail(id))?.decisions).toEqual([]);

    await note.fill("Supplier asked us to hold it");
    await noteProblem.waitFor({ state: "detached" });
    await page.keyboard.press("Control+Enter");
    await page.getByTestId("decided").waitFor();
    expect((await ws.server.store.cases.detail(id))?.decisions).toMatchObject([
      { verdict: "reject", reasonCode: "other", note: "Supplier asked us to hold it" },
    ]);
  });

  it("a human_only wire shows Done and Reject only; done records the person's own output", async () => {
    const id = await ws.submit(invoice("wire", 420));
    const { who, page } = await clerk();
    expect(await nextCase(page)).toBe(id);

    // The screen says whose action it is; the model's preparation stays visible as a preparation.
    expect(await mainText(page)).toContain(
      "A person does this action: the machine only prepared it. Record what you did.",
    );
    const prepared = page.getByRole("region", { name: "Prepared by the model" });
    expect(await prepared.textContent()).toContain("2000-AP");
    const actions = page.getByRole("group", { name: "Actions" });
    expect(await actions.getByRole("button").allTextContents()).toEqual(["d Done", "r Reject"]);
    await page.keyboard.press("?");
    const help = page.getByRole("dialog", { name: "Keyboard shortcuts" });
    await help.waitFor();
    expect(await help.textContent()).toContain("Done: record what you did");
    expect(await help.textContent()).not.toContain("Approve");
    await page.keyboard.press("Escape");
    await help.waitFor({ state: "hidden" });

    // d opens the person's record: the proposal's fields, none of its values.
    await page.keyboard.press("d");
    const record = page.getByRole("group", { name: "What you did" }).getByLabel("Output (JSON)");
    await expect
      .poll(() =>
        page.evaluate("document.activeElement?.closest('fieldset')?.querySelector('legend')?.textContent"),
      )
      .toBe("What you did");
    expect(await record.inputValue()).toBe(JSON.stringify({ amount: null, account: null }, null, 2));
    // The untouched template is not a record of anything.
    await page.keyboard.press("Control+Enter");
    await page.locator("#editor-problem").waitFor();
    expect(await page.locator("#editor-problem").textContent()).toContain("Record what you did");
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, "case-human-only", { top: true });

    const done = { amount: 420, account: "2000-AP", reference: "WIRE-0042" };
    await record.fill(JSON.stringify(done));
    await page.getByLabel(/^Note/).fill("Wired from the bank portal");
    await page.getByRole("button", { name: /^Record as done/ }).click();
    await page.getByTestId("decided").waitFor();
    expect(await page.getByTestId("decided").textContent()).toContain("Done by a person");

    expect(await ws.server.store.cases.detail(id)).toMatchObject({
      status: "decided",
      decisions: [{ verdict: "done", output: done, note: "Wired from the bank portal", decidedBy: who.id }],
    });
    // The automation reads the person's record, marked as theirs, never the proposal to run.
    const answer = await ws.server.call("GET", `/v1/cases/${id}/decision`, undefined, ws.automationKey);
    expect(await answer.json()).toMatchObject({ verdict: "done", humanOwned: true, output: done });
  });
});
