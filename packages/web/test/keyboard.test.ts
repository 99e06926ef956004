import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Person, startWorkspace, type Workspace } from "./helpers/workspace.js";

/** A reviewer's keyboard alone: sign in, and work through ten cases without touching the mouse. */
describe("reviewer workspace: keyboard only", () => {
  let ws: Workspace;
  let reviewer: Person;
  const ids: string[] = [];
  beforeAll(async () => {
    ws = await startWorkspace();
    reviewer = await ws.person("reviewer", ["web.reply"], "Kim Keys");
    for (let i = 0; i < 10; i++) {
      ids.push(
        await ws.submit({
          workflow: "web.reply",
          action: "send_reply",
          input: { ticket: `T-${100 + i}`, accountTier: "standard", message: `Question number ${i}` },
          proposal: { text: `Draft answer number ${i}.` },
          confidence: 0.5, // below low's 0.85: a person reviews
          subject: `customer:C${i}`,
        }),
      );
    }
  });
  afterAll(async () => {
    await ws?.close();
  });

  it("signs in and decides ten cases (approve, reject, edit, release) with the keyboard alone", async () => {
    const { page } = await ws.page();
    const kb = page.keyboard;
    await page.goto("/");
    await page.getByRole("heading", { name: "Sign in to Loopgate" }).waitFor();
    // The username field has focus; Tab to the password; Enter submits.
    await kb.type(reviewer.username);
    await kb.press("Tab");
    await kb.type(reviewer.password);
    await kb.press("Enter");
    await page.getByRole("heading", { level: 1, name: "Queue" }).waitFor();

    // ? shows the shortcuts; Esc closes them.
    await kb.press("?");
    const help = page.getByRole("dialog", { name: "Keyboard shortcuts" });
    await help.waitFor();
    expect(await help.textContent()).toContain("Take the next case");
    await kb.press("Escape");
    await help.waitFor({ state: "hidden" });

    const decided = page.getByTestId("decided");
    let previous = "";
    /** Waits for a case other than the one just decided, and returns its id. */
    const caseShown = async () => {
      await page.waitForURL(
        (url) => url.pathname.startsWith("/cases/") && (previous === "" || !url.pathname.endsWith(previous)),
      );
      await page.getByRole("heading", { level: 2, name: "Your decision" }).waitFor();
      previous = decodeURIComponent(new URL(page.url()).pathname.split("/").pop() ?? "");
      return previous;
    };

    await kb.press("n");
    let released = false;
    for (let n = 0; n < 10; n++) {
      expect(await caseShown()).toBe(ids[n]);
      if (n === 4 && !released) {
        // b gives the case back; n takes it again (it is the oldest waiting).
        released = true;
        await kb.press("b");
        await page.getByRole("heading", { level: 1, name: "Queue" }).waitFor();
        await expect.poll(() => page.getByRole("main").textContent()).toContain("back to the queue");
        previous = "";
        await kb.press("n");
        n -= 1;
        continue;
      }
      switch (n % 3) {
        case 0: // approve
          await kb.press("a");
          await kb.press("Control+Enter");
          break;
        case 1: {
          // reject: r puts focus on the reason; without one, Ctrl+Enter is refused; ArrowDown picks one.
          await kb.press("r");
          await kb.press("Control+Enter");
          await page.locator("#reason-problem").waitFor();
          await kb.press("ArrowDown");
          await expect.poll(() => page.getByLabel(/Reason/).inputValue()).toBe("wrong_answer");
          await kb.press("Control+Enter");
          break;
        }
        case 2: {
          // edit: e puts focus in the editor; type, Tab to the reason, pick one, Tab to the note.
          await kb.press("e");
          await kb.press("End");
          await kb.type(" Let me know if that helps!");
          await kb.press("Tab");
          await kb.press("ArrowDown");
          await kb.press("ArrowDown");
          await kb.press("Tab");
          await kb.type("friendlier close");
          await kb.press("Control+Enter");
          break;
        }
      }
      await decided.waitFor();
      await kb.press("n");
    }
    await page.getByRole("heading", { level: 1, name: "Queue" }).waitFor();
    await expect.poll(() => page.getByRole("main").textContent()).toContain("Nothing waiting");

    const decisions = await Promise.all(
      ids.map(async (id) => (await ws.server.store.cases.detail(id))?.decisions[0]),
    );
    expect(decisions.map((d) => d?.verdict)).toEqual([
      "approve",
      "reject",
      "edit",
      "approve",
      "reject",
      "edit",
      "approve",
      "reject",
      "edit",
      "approve",
    ]);
    expect(decisions.every((d) => d?.decidedBy === reviewer.id)).toBe(true);
    expect(decisions[1]?.reasonCode).toBe("wrong_answer");
    expect(decisions[2]).toMatchObject({
      reasonCode: "tone",
      note: "friendlier close",
      output: { text: "Draft answer number 2. Let me know if that helps!" },
    });
    // Today's numbers on the queue page count them.
    await expect.poll(() => page.getByRole("main").textContent()).toMatch(/Today: 10 decided · 4 approved/);
  });
});
