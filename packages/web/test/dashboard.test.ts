import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { screenshot, seriousViolations } from "./helpers/browser.js";
import { CASE_EVERY_S, CLAIM_AFTER_S, nearestRank, plan } from "./helpers/dashboard-history.js";
import { mainText, type Person, signIn, startWorkspace, type Workspace } from "./helpers/workspace.js";

const DAY_MS = 86_400_000;
const WORKFLOW = "web.reply";

/** What the page writes for a rate (one decimal below 10 %) and for a time under a minute. */
const pct = (r: number) => {
  const p = r * 100;
  return `${p > 0 && p < 10 ? p.toFixed(1) : Math.round(p)} %`;
};
const secs = (s: number) => `${Math.round(s)} s`;

type OpenAlert = { reviewer: string | null; acknowledgedAt: string | null };

describe("governance dashboard", () => {
  let ws: Workspace;
  let admin: Person;
  /** While seeding, the server's clock is set by the test; afterwards it runs with the real one. */
  let fixedNow: number | null = null;
  const seeded = plan();
  const names = { ada: "Ada Lovelace", grace: "Grace Hopper", linus: "Linus Pauling" };
  let raisedAlerts: Array<{ id: string; kind: string; reviewer: string | null }> = [];
  const keyIds: Record<string, string> = {};

  beforeAll(async () => {
    ws = await startWorkspace({ clock: () => fixedNow ?? Date.now() });
    admin = await ws.person("admin", undefined, "Olivia Ops");
    const keys: Record<string, string> = {};
    for (const [who, name] of Object.entries(names)) {
      const res = await ws.server.call("POST", "/v1/keys", { name, role: "reviewer", workflows: [WORKFLOW] });
      expect(res.status).toBe(201);
      const body = await res.json();
      keys[who] = body.key;
      keyIds[who] = body.id;
    }

    // The three days before today, from 09:00 UTC, so the whole history is inside a 7-day window.
    const today = Math.floor(Date.now() / DAY_MS) * DAY_MS;
    const dayStart = (day: number) => today - (3 - day) * DAY_MS + 9 * 3_600_000;
    let index = 0;
    let lastDay = -1;
    for (const c of seeded) {
      if (c.day !== lastDay) {
        index = 0;
        lastDay = c.day;
      }
      const t = dayStart(c.day) + index * CASE_EVERY_S * 1000;
      index += 1;
      fixedNow = t;
      const message = c.churn ? "Fix this or I cancel my plan." : `Question ${c.day}-${index} about exports.`;
      const res = await ws.server.call(
        "POST",
        "/v1/cases",
        {
          workflow: WORKFLOW,
          action: "send_reply",
          input: { ticket: `T-${c.day}-${index}`, accountTier: "standard", message },
          proposal: { text: "Thanks, we are on it." },
          confidence: c.auto ? 0.95 : 0.4,
        },
        ws.automationKey,
      );
      expect(res.status).toBe(201);
      const created = await res.json();
      expect(created.route).toBe(c.auto ? "auto" : "review");
      if (!c.auto) {
        const token = keys[c.reviewer as string] as string;
        fixedNow = t + CLAIM_AFTER_S * 1000;
        const claim = await ws.server.call("POST", "/v1/queue/claim", { workflows: [WORKFLOW] }, token);
        expect(claim.status).toBe(200);
        expect((await claim.json()).case.id).toBe(created.id);
        fixedNow = t + (CLAIM_AFTER_S + (c.heldS as number)) * 1000;
        const decision = await ws.server.call(
          "POST",
          `/v1/cases/${created.id}/decisions`,
          {
            verdict: c.verdict,
            ...(c.reasonCode ? { reasonCode: c.reasonCode } : {}),
            ...(c.verdict === "edit" ? { output: { text: "Thanks! The export fix ships today." } } : {}),
          },
          token,
        );
        expect(decision.status).toBe(201);
      }
      if (c.outcome) {
        const outcome = await ws.server.call(
          "POST",
          `/v1/cases/${created.id}/outcome`,
          { result: c.outcome },
          ws.automationKey,
        );
        expect(outcome.status).toBe(201);
      }
    }
    fixedNow = null;

    // The oversight check, run as an owner would; Linus's pattern should raise an alert.
    const run = await ws.server.call("POST", "/v1/oversight/run", { workflow: WORKFLOW });
    if (run.status !== 200) throw new Error(`oversight run: ${run.status} ${await run.text()}`);
    raisedAlerts = (await run.json()).alerts;
  }, 120_000);

  afterAll(async () => {
    await ws?.close();
  });

  const reviewed = () => seeded.filter((c) => !c.auto);

  it("shows the window's figures, a point per day, the reviewers, and the alert in words", async () => {
    const { page } = await ws.page({ width: 1280, height: 1100 });
    await signIn(page, admin);
    await page
      .getByRole("navigation", { name: "Workspace" })
      .getByRole("link", { name: "Dashboard" })
      .click();
    await page.getByRole("heading", { level: 1, name: "Dashboard" }).waitFor();
    await page.getByLabel("Workflow").selectOption(WORKFLOW);
    await expect.poll(() => page.url()).toMatch(new RegExp(`/dashboard\\?workflow=${WORKFLOW}$`));
    const tile = (id: string) => page.getByTestId(`tile-${id}`);
    await expect.poll(() => page.locator("p[role=status]").first().textContent()).toContain(WORKFLOW);

    // Headline tiles, from the plan.
    const human = reviewed();
    const overrides = human.filter((c) => c.verdict !== "approve").length;
    const times = seeded.map((c) => c.resolutionS);
    const errors = (auto: boolean) => {
      const approved = seeded.filter((c) => c.auto === auto && c.verdict !== "reject" && c.outcome);
      return {
        incorrect: approved.filter((c) => c.outcome === "incorrect").length,
        reported: approved.length,
      };
    };
    const autoErr = errors(true);
    const humanErr = errors(false);
    expect(await tile("cases").textContent()).toBe(`Cases${seeded.length}${human.length} human decisions`);
    expect(await tile("escalation").textContent()).toContain(pct(human.length / seeded.length));
    expect(await tile("override").textContent()).toContain(pct(overrides / human.length));
    expect(await tile("resolution").textContent()).toContain(
      `${secs(nearestRank(times, 50))} / ${secs(nearestRank(times, 90))}`,
    );
    const errorsTile = await tile("errors").textContent();
    expect(errorsTile).toContain(
      `${pct(autoErr.incorrect / autoErr.reported)} / ${pct(humanErr.incorrect / humanErr.reported)}`,
    );
    expect(errorsTile).toContain(`auto (${autoErr.incorrect} of ${autoErr.reported})`);
    expect(errorsTile).toContain(`human (${humanErr.incorrect} of ${humanErr.reported})`);
    // No overlap review was seeded: no agreement figure.
    expect(await tile("consistency").textContent()).toContain("no overlapping reviews");

    // The trends: one point per seeded day on each line, and the same days in the numbers table.
    const days = new Set(seeded.map((c) => c.day)).size;
    for (const series of ["escalation", "override", "p90"]) {
      await expect.poll(() => page.locator(`[data-series="${series}"]`).count()).toBe(days);
    }
    const table = page.getByRole("table", { name: /^Reviewers in this window/ });

    // Linus's alert: raised by the run, shown in words, badged in the table.
    const linusAlert = raisedAlerts.find((a) => a.kind === "rubber_stamp" && a.reviewer === keyIds.linus);
    expect(linusAlert).toBeDefined();
    expect(raisedAlerts.filter((a) => a.reviewer === keyIds.ada || a.reviewer === keyIds.grace)).toEqual([]);
    const alerts = page.getByRole("region", { name: /^Open alerts/ });
    await expect.poll(() => alerts.textContent()).toContain(`Possible rubber-stamping: ${names.linus}`);
    const linusRows = human.filter((c) => c.reviewer === "linus");
    const peers = human.filter((c) => c.reviewer !== "linus");
    const peerApproval = peers.filter((c) => c.verdict === "approve").length / peers.length;
    expect(await alerts.textContent()).toContain(
      `${names.linus} approves 100 % vs peers' ${pct(peerApproval)}`,
    );
    expect(await alerts.textContent()).toContain(`over ${linusRows.length} decisions`);
    expect(await table.locator("tbody tr", { hasText: names.linus }).textContent()).toContain("alert");
    expect(await table.locator("tbody tr", { hasText: names.ada }).textContent()).not.toContain("alert");

    await screenshot(page, "dashboard", { top: true });

    // Threshold calibration: the same classes and bins as GET /v1/thresholds, and the advice follows the
    // tolerated error picked.
    const calibration = page.getByRole("region", { name: "Thresholds: how far to trust the model" });
    const thresholds = async (maxError: number) =>
      (await ws.server.call("GET", `/v1/thresholds?workflow=${WORKFLOW}&maxError=${maxError}`)).json();
    const atOnePercent = await thresholds(0.01);
    expect(atOnePercent.classes.length).toBeGreaterThan(0);
    for (const cls of atOnePercent.classes as Array<{
      riskClass: string;
      reliability: { bins: { count: number }[] };
    }>) {
      const figure = calibration.getByRole("figure", {
        name: new RegExp(`^Reliability of class ${cls.riskClass}:`),
      });
      await expect
        .poll(() => figure.locator("tbody tr").count())
        .toBe(cls.reliability.bins.filter((b) => b.count > 0).length);
    }
    await calibration.getByLabel("Tolerated error").selectOption("0.1");
    const atTenPercent = await thresholds(0.1);
    for (const cls of atTenPercent.classes as Array<{
      riskClass: string;
      recommendation: { threshold: number | null };
    }>) {
      const expected =
        cls.recommendation.threshold === null ? "No recommendation" : cls.recommendation.threshold.toFixed(2);
      await expect.poll(() => calibration.textContent()).toContain(expected);
    }

    const rates = page.getByRole("figure", { name: "Escalation and override rate per day" });
    expect(await rates.locator("tbody tr").count()).toBe(days);
    const firstDay = seeded.filter((c) => c.day === 0);
    const firstDayHuman = firstDay.filter((c) => !c.auto);
    await rates.getByText("The numbers").click();
    expect(await rates.locator("tbody tr").first().locator("td").allTextContents()).toEqual([
      pct(firstDayHuman.length / firstDay.length),
      pct(firstDayHuman.filter((c) => c.verdict !== "approve").length / firstDayHuman.length),
    ]);
    const p90 = page.getByRole("figure", { name: "Resolution time per day (90th percentile)" });
    await p90.getByText("The numbers").click();
    expect(await p90.locator("tbody td").allTextContents()).toEqual(
      [0, 1, 2].map((d) =>
        secs(
          nearestRank(
            seeded.filter((c) => c.day === d).map((c) => c.resolutionS),
            90,
          ),
        ),
      ),
    );
    expect(await page.getByRole("figure", { name: "Top exception patterns" }).textContent()).toContain(
      "reason: tone",
    );

    // The reviewers with their decision counts, most decisions first, then sorted by name both ways.
    const rows = async () =>
      (await table.locator("tbody tr").evaluateAll((trs) =>
        trs.map((tr) => [
          tr
            .querySelector("th")
            ?.textContent?.replace(/⚑ alert$/, "")
            .trim(),
          tr.querySelectorAll("td")[0]?.textContent,
        ]),
      )) as string[][];
    const count = (who: "ada" | "grace" | "linus") => String(human.filter((c) => c.reviewer === who).length);
    const byDecisions = (["ada", "grace", "linus"] as const)
      .map((w) => [names[w], count(w)])
      .sort((a, b) => Number(b[1]) - Number(a[1]));
    expect(await rows()).toEqual(byDecisions);
    await table.getByRole("button", { name: "Reviewer" }).click();
    expect((await rows()).map((r) => r[0])).toEqual([names.ada, names.grace, names.linus]);
    expect(await table.locator("th[aria-sort]").textContent()).toContain("Reviewer");
    expect(await table.locator("th[aria-sort]").getAttribute("aria-sort")).toBe("ascending");
    await table.getByRole("button", { name: "Reviewer" }).click();
    expect((await rows()).map((r) => r[0])).toEqual([names.linus, names.grace, names.ada]);
    await table.getByRole("button", { name: "Decisions" }).click();
    expect(await rows()).toEqual(byDecisions);
    await table.getByRole("button", { name: "Decisions" }).click();
    expect(await rows()).toEqual([...byDecisions].reverse());

    expect(await seriousViolations(page)).toEqual([]);

    // Acknowledged, the alert leaves the panel and the badge goes.
    await alerts.getByRole("button", { name: /^Acknowledge/ }).click();
    await expect.poll(() => alerts.textContent()).toContain("No open alerts.");
    expect(await table.locator("tbody tr", { hasText: names.linus }).textContent()).not.toContain("alert");
    const listed = await (await ws.server.call("GET", `/v1/oversight/alerts?workflow=${WORKFLOW}`)).json();
    expect(listed.alerts.find((a: { id: string }) => a.id === linusAlert?.id)?.acknowledgedAt).not.toBeNull();
  });

  it("changes the window from the picker and keeps it in the address", async () => {
    const { page } = await ws.page();
    await signIn(page, admin);
    await page.goto(`/dashboard?workflow=${WORKFLOW}`);
    await expect.poll(() => page.getByTestId("tile-cases").textContent()).toContain(String(seeded.length));
    await page.getByText("30 days").click();
    await expect.poll(() => page.url()).toMatch(new RegExp(`/dashboard\\?workflow=${WORKFLOW}&days=30$`));
    expect(await page.getByRole("radio", { name: "30 days" }).isChecked()).toBe(true);
    // The whole history is three days old: a longer window holds the same cases.
    await expect.poll(() => page.getByTestId("tile-cases").textContent()).toContain(String(seeded.length));
    await page.reload();
    expect(await page.getByRole("radio", { name: "30 days" }).isChecked()).toBe(true);
    // Another workflow, nothing seeded there: zeros and dashes, not errors.
    await page.getByLabel("Workflow").selectOption("web.invoice");
    await expect.poll(() => page.getByTestId("tile-cases").textContent()).toBe("Cases00 human decisions");
    expect(await mainText(page)).toContain("No cases in this window.");
    expect(await mainText(page)).toContain("No human decisions in this window.");
  });

  it("is read-only for an auditor, hidden from a reviewer's navigation, and fits a 400 px window", async () => {
    const reviewer = await ws.person("reviewer", [WORKFLOW]);
    const r = await ws.page();
    await signIn(r.page, reviewer);
    expect(await r.page.getByRole("link", { name: "Dashboard" }).count()).toBe(0);

    // The first test acknowledged Linus's alert; the next run raises it again.
    expect((await ws.server.call("POST", "/v1/oversight/run", { workflow: WORKFLOW })).status).toBe(200);
    const listed = await (await ws.server.call("GET", `/v1/oversight/alerts?workflow=${WORKFLOW}`)).json();
    expect(
      listed.alerts.filter((a: OpenAlert) => a.acknowledgedAt === null).map((a: OpenAlert) => a.reviewer),
    ).toEqual([keyIds.linus]);
    const auditor = await ws.person("auditor");
    const { page } = await ws.page({ width: 400, height: 800 });
    await signIn(page, auditor);
    await page.getByRole("link", { name: "Dashboard" }).click();
    await page.getByLabel("Workflow").selectOption(WORKFLOW);
    await expect.poll(() => page.getByTestId("tile-cases").textContent()).toContain(String(seeded.length));
    await page.locator('[data-series="escalation"]').first().waitFor();
    const alerts = page.getByRole("region", { name: /^Open alerts/ });
    await expect.poll(() => alerts.textContent()).toContain(`Possible rubber-stamping: ${names.linus}`);
    expect(await page.getByRole("button", { name: /^Acknowledge/ }).count()).toBe(0);
    expect(await page.evaluate("document.documentElement.scrollWidth")).toBeLessThanOrEqual(400);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, "dashboard-narrow", { top: true });
  });
});
