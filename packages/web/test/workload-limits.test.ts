import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signIn, startWorkspace, type Workspace } from "./helpers/workspace.js";

/**
 * Issue 15, item 2 in the browser: a reviewer past a workload limit (policy `review.limits`) is told
 * why the queue hands them nothing, and until when, instead of meeting an empty queue.
 */
const POLICIES = fileURLToPath(new URL("./fixtures/workload", import.meta.url));
const WF = "web.capped";

describe("workload limits in the workspace", () => {
  let ws: Workspace;
  beforeAll(async () => {
    ws = await startWorkspace({ policyDir: POLICIES });
  });
  afterAll(async () => {
    await ws?.close();
  });

  it("says which limit stops the next case and when it lifts", async () => {
    const pay = (amount: number) => ({
      workflow: WF,
      action: "pay",
      input: { amount },
      proposal: { pay: amount },
      confidence: 0.5,
    });
    await ws.submit(pay(100));
    await ws.submit(pay(200));
    const dana = await ws.person("reviewer", [WF], "Dana Daily");
    const key = await ws.server.call("POST", "/v1/keys", {
      name: "dana-key",
      role: "reviewer",
      user: dana.username,
      workflows: [WF],
    });
    expect(key.status).toBe(201);
    const { key: token } = await key.json();
    // Her one decision of the day, through one of her keys: the limit counts the person.
    const claimed = await ws.server.call("POST", "/v1/queue/claim", { workflows: [WF] }, token);
    const id = (await claimed.json()).case.id as string;
    expect(
      (await ws.server.call("POST", `/v1/cases/${id}/decisions`, { verdict: "approve" }, token)).status,
    ).toBe(201);

    const { page } = await ws.page();
    await signIn(page, dana);
    await page.getByRole("button", { name: /Next case/ }).click();
    const flash = page.locator(".flash");
    await expect
      .poll(() => flash.textContent())
      .toContain("its daily limit (review.limits.dailyDecisions: 1)");
    expect(await flash.textContent()).toMatch(/more from \d{4}-\d{2}-\d{2}T00:00:00\.000Z/);
    // The other case still waits for someone else.
    const queue = await (await ws.server.call("GET", `/v1/queue?workflow=${WF}`)).json();
    expect(JSON.stringify(queue)).toContain('"waiting":1');
  });
});
