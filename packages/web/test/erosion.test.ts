import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { screenshot, seriousViolations } from "./helpers/browser.js";
import { type Person, signIn, startWorkspace, type Workspace } from "./helpers/workspace.js";

/** The dashboard's skill-erosion panel (issue 15, item 5), over figures seeded through the real API. */
const POLICIES = fileURLToPath(new URL("../../server/test/fixtures/erosion-policies", import.meta.url));
const WORKFLOW = "er.measured";

describe("skill erosion on the dashboard", () => {
  let ws: Workspace;
  let admin: Person;
  const names = { follower: "Fran Follows", keeper: "Kim Keeps" };

  beforeAll(async () => {
    ws = await startWorkspace({ policyDir: POLICIES });
    admin = await ws.person("admin", undefined, "Olivia Ops");
    // Each reviewer judges 4 cases against the model (reject) and 1 with it (approve), then decides with
    // the proposal in view: the follower approves everything, the keeper decides as they judged.
    for (const [who, name] of Object.entries(names)) {
      const res = await ws.server.call("POST", "/v1/keys", { name, role: "reviewer", workflows: [WORKFLOW] });
      const { key } = await res.json();
      for (let n = 0; n < 5; n++) {
        const id = await ws.submit({
          workflow: WORKFLOW,
          action: "pay",
          input: { invoice: `INV-${who}-${n}` },
          proposal: { pay: 100 + n },
          confidence: 0.5,
        });
        const claim = await ws.server.call("POST", "/v1/queue/claim", { workflows: [WORKFLOW] }, key);
        expect((await claim.json()).case.id).toBe(id);
        const blind = n < 4 ? { verdict: "reject", reasonCode: "amount_mismatch" } : { verdict: "approve" };
        expect((await ws.server.call("POST", `/v1/cases/${id}/blind-judgment`, blind, key)).status).toBe(201);
        const final = who === "follower" ? { verdict: "approve" } : blind;
        expect((await ws.server.call("POST", `/v1/cases/${id}/decisions`, final, key)).status).toBe(201);
      }
    }
  }, 120_000);

  afterAll(async () => {
    await ws?.close();
  });

  it("shows each reviewer's judgments against the model, with the counts behind every rate", async () => {
    const { page } = await ws.page({ width: 1280, height: 900 });
    await signIn(page, admin);
    await page.goto(`/dashboard?workflow=${WORKFLOW}`);
    const panel = page.getByRole("region", { name: "Skill erosion" });
    const row = (key: string) => panel.locator(`tr[data-erosion="${key}"]`);
    await row("all").waitFor({ timeout: 60_000 });
    // Everyone: 10 judgments, 2 with the model; 8 disagreed, 4 of them switched (the follower's).
    const all = await row("all").textContent();
    expect(all).toContain("20 % (2/10");
    expect(all).toContain("50 % (4/8");
    expect(all).toContain("4 / 0 / 0");
    const follower = await panel.locator("tr", { hasText: names.follower }).textContent();
    expect(follower).toContain("100 % (4/4");
    const keeper = await panel.locator("tr", { hasText: names.keeper }).textContent();
    expect(keeper).toContain("0 % (0/4");
    expect(keeper).toContain("0 / 0 / 0");
    expect(await seriousViolations(page)).toEqual([]);
    await panel.scrollIntoViewIfNeeded();
    await screenshot(page, "dashboard-erosion");
  }, 180_000);
});
