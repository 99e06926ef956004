import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mainText, nextCase, signIn, startWorkspace, type Workspace } from "./helpers/workspace.js";

const MIN_REVIEW_POLICIES = fileURLToPath(new URL("./fixtures/min-review", import.meta.url));

/** Minimum review time: the decision panel counts down and keeps submit disabled until the server would accept. */
describe("reviewer workspace: minimum review time", () => {
  let ws: Workspace;
  beforeAll(async () => {
    ws = await startWorkspace({ policyDir: MIN_REVIEW_POLICIES });
  });
  afterAll(async () => {
    await ws?.close();
  });

  it("counts down on the decision panel, then takes the decision", async () => {
    const id = await ws.submit({
      workflow: "web.slow",
      action: "send_reply",
      input: { message: "Where is my parcel?" },
      proposal: { text: "It ships today." },
      confidence: 0.9,
    });
    const who = await ws.person("reviewer", ["web.slow"]);
    const { page } = await ws.page();
    await signIn(page, who);
    expect(await nextCase(page)).toBe(id);

    await page.keyboard.press("a");
    const countdown = page.getByRole("timer");
    await countdown.waitFor();
    expect(await countdown.textContent()).toMatch(/^You can decide in [1-3] s$/);
    const submit = page.getByRole("button", { name: /^Approve/ });
    expect(await submit.isDisabled()).toBe(true);
    // Ctrl+Enter does nothing while the countdown runs: nothing reaches the server.
    await page.keyboard.press("Control+Enter");
    expect((await ws.server.store.cases.detail(id))?.decisions).toEqual([]);

    await countdown.waitFor({ state: "detached" });
    expect(await submit.isDisabled()).toBe(false);
    await page.keyboard.press("Control+Enter");
    await expect.poll(async () => (await ws.server.store.cases.get(id))?.status).toBe("decided");
    expect(await mainText(page)).not.toContain("You can decide in");
  });
});
