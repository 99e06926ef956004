import { describe, expect, it } from "vitest";
import type { GovernanceGroup } from "../../src/metrics/governance.js";
import { consistencyOf } from "../../src/report/collect.js";
import { evidenceSentences } from "../../src/report/evidence.js";
import { renderReport } from "../../src/report/html.js";
import type { ReportData } from "../../src/report/types.js";
import { attributes, unbalancedTags, unescapeHtml } from "./markup.js";

const T0 = Date.parse("2026-11-02T00:00:00Z");
const DAY = 86_400_000;

function figures(o: Partial<GovernanceGroup> = {}): Omit<GovernanceGroup, "key"> {
  return {
    cases: 4,
    decisions: 2,
    escalationRate: 0.5,
    overrideRate: 0.5,
    resolutionSeconds: { p50: 30, p90: 120, p99: 120 },
    exceptionPatterns: [],
    consistency: null,
    postReviewErrorRate: { auto: null, human: null },
    postReviewErrorCounts: { auto: { incorrect: 0, reported: 0 }, human: { incorrect: 0, reported: 0 } },
    ...o,
  };
}

function report(o: Partial<ReportData> = {}): ReportData {
  return {
    workflow: "invoice.approve",
    owner: "ap-lead@example.com",
    policyVersion: "0123456789ab",
    since: T0,
    until: T0 + 7 * DAY,
    generatedAt: T0 + 7 * DAY + 60_000,
    figures: { workflow: "invoice.approve", since: "", until: "", ...figures() },
    consistency: null,
    days: [
      { key: "2026-11-03", ...figures() },
      { key: "2026-11-05", ...figures({ escalationRate: 0.25 }) },
    ],
    reviewers: [],
    alerts: [],
    ...o,
  };
}

const RUBBER_STAMP_EVIDENCE = {
  decisions: 200,
  peerDecisions: 4000,
  approvalRate: 0.99,
  peerApprovalRate: 0.8,
  medianHeldMs: 5000,
  peerMedianHeldMs: 60_000,
  longestFastApprovalStreak: 41,
  fastApprovalShare: 0.9,
  catchTrials: 20,
  catchTrialMisses: 10,
  peerCatchTrials: 400,
  peerCatchTrialMisses: 1,
  earlierApprovalRate: 0.85,
  recentApprovalRate: 0.99,
  earlierMedianHeldMs: 50_000,
  recentMedianHeldMs: 4000,
  signalsTested: 6,
  threshold: 0.01 / 6,
  minPValue: 1.5e-12,
};

describe("renderReport", () => {
  it("is one self-contained, well-formed document: nothing to fetch, no script", () => {
    const html = renderReport(report());
    expect(html.startsWith("<!doctype html>")).toBe(true);
    expect(unbalancedTags(html.replace("<!doctype html>", ""))).toEqual([]);
    expect(html).not.toMatch(/<script|<link|<img|src=|href=|url\(|@import/i);
    expect(html).toContain("@media print");
  });

  it("escapes workflow, owner, reason codes, reviewer names and alert evidence", () => {
    const evil = '<script>alert("x")</script>';
    const html = renderReport(
      report({
        workflow: evil,
        owner: `${evil}@example.com`,
        figures: {
          workflow: evil,
          since: "",
          until: "",
          ...figures({ exceptionPatterns: [{ kind: "reasonCode", name: evil, count: 1, share: 0.5 }] }),
        },
        reviewers: [
          {
            key: "key_<b>",
            name: "<img src=x onerror=alert(1)>",
            ...figures({ exceptionPatterns: [{ kind: "reasonCode", name: evil, count: 1, share: 1 }] }),
          },
        ],
        alerts: [
          {
            id: "a1",
            kind: "rubber_stamp",
            reviewer: "key_<b>",
            reviewerName: "<img src=x onerror=alert(1)>",
            evidence: { note: evil },
            createdAt: T0 + DAY,
            acknowledgedAt: null,
          },
        ],
      }),
    );
    expect(html).not.toMatch(/<script|<img|<b>/);
    expect(html).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;");
    expect(html).toContain("&lt;img src=x onerror=alert(1)&gt;");
    expect(unbalancedTags(html.replace("<!doctype html>", ""))).toEqual([]);
  });

  it("gives each headline figure its exact value next to the rounded text", () => {
    const html = renderReport(
      report({ figures: { workflow: "w", since: "", until: "", ...figures({ escalationRate: 2 / 3 }) } }),
    );
    const figure = (name: string) =>
      new RegExp(`data-figure="${name}" data-value="([^"]*)"><dt>[^<]*</dt><dd>([^<]*)`).exec(html);
    expect(JSON.parse(unescapeHtml(figure("escalationRate")?.[1] ?? ""))).toBe(2 / 3);
    expect(figure("escalationRate")?.[2]?.trim()).toBe("66.7%");
    expect(figure("resolutionP90")?.[2]?.trim()).toBe("2 min");
    expect(JSON.parse(unescapeHtml(figure("postReviewErrorAuto")?.[1] ?? ""))).toBeNull();
  });

  it("puts every day of the window on the trend axis, with a point only on days with activity", () => {
    const html = renderReport(report());
    const rates = /<figure>(<svg[\s\S]*?<\/svg>)<\/figure>/.exec(html)?.[1] ?? "";
    expect(rates).toContain("Escalation and override rate per day");
    for (const day of ["2026-11-02", "2026-11-03", "2026-11-08"]) expect(rates).toContain(`>${day}</text>`);
    const escalation = /data-series="Escalation rate">(.*?)<\/g>/.exec(rates)?.[1] ?? "";
    expect(escalation.match(/<circle /g)).toHaveLength(2);
    // Days 03 and 05 are not adjacent: two separate pieces of line.
    expect(attributes(escalation, "path", "d")).toHaveLength(2);
  });

  it("says why there is no agreement figure, and shows the figures with their items when there are", () => {
    expect(renderReport(report())).toContain(
      "Reviewer agreement: no case in this window was reviewed independently",
    );
    // The shape GET /v1/metrics/governance gives: the items behind each figure in itemsPerFigure.
    const html = renderReport(
      report({
        consistency: consistencyOf({
          cohenKappa: 0.4,
          fleissKappa: 0.38,
          krippendorffAlpha: null,
          items: 12,
          itemsPerFigure: { cohenKappa: 12, fleissKappa: 10, krippendorffAlpha: 12 },
        }),
      }),
    );
    expect(html).toMatch(
      /data-figure="cohenKappa" data-value="0.4"><dt>Cohen&#39;s kappa \(pairs\)<\/dt><dd>0.40 <span class="note">12 items/,
    );
    expect(html).toMatch(
      /data-figure="fleissKappa" data-value="0.38">.*?<dd>0.38 <span class="note">10 items/,
    );
    expect(html).toMatch(/data-figure="krippendorffAlpha" data-value="null">.*?<dd>–/);
    expect(html).not.toContain("Reviewer agreement:");
    // One count for all three figures.
    const one = consistencyOf({ cohenKappa: 0.5, fleissKappa: 0.5, krippendorffAlpha: 0.51, items: 30 });
    expect(renderReport(report({ consistency: one }))).toMatch(/data-figure="krippendorffAlpha".*?30 items/);
    // Computed, but nothing overlapped: say why there is no figure.
    const none = consistencyOf({ cohenKappa: null, fleissKappa: null, krippendorffAlpha: null, items: 0 });
    expect(renderReport(report({ consistency: none }))).toContain(
      "Reviewer agreement: the overlapping reviews of this window give no figure",
    );
  });

  it("says when no alerts were raised, and lists alerts with their evidence in words", () => {
    expect(renderReport(report({ alerts: [] }))).toContain("No oversight alerts were raised in this window.");
    const html = renderReport(
      report({
        alerts: [
          {
            id: "alrt_1",
            kind: "rubber_stamp",
            reviewer: "key_1",
            reviewerName: "Bob Stamp",
            evidence: RUBBER_STAMP_EVIDENCE,
            createdAt: T0 + DAY + 3_600_000,
            acknowledgedAt: null,
          },
        ],
      }),
    );
    expect(html).toContain("<strong>Rubber stamp</strong> for Bob Stamp, raised 2026-11-03 01:00 UTC");
    expect(html).toContain("<li>Approved 99% of 200 decisions (peers: 80% of 4,000).</li>");
    expect(html).toContain("<li>Missed 10 of 20 catch trials (peers: 1 of 400).</li>");
  });
});

describe("evidenceSentences", () => {
  it("turns the rubber-stamp detector's evidence into sentences, one per measure", () => {
    expect(evidenceSentences(RUBBER_STAMP_EVIDENCE)).toEqual([
      "Approved 99% of 200 decisions (peers: 80% of 4,000).",
      "Median time holding a case: 5 s (peers: 60 s).",
      "Longest run of fast approvals: 41 in a row; fast approvals are 90% of their decisions.",
      "Missed 10 of 20 catch trials (peers: 1 of 400).",
      "Approval rate went from 85% (earlier half) to 99% (recent half).",
      "Median time holding a case went from 50 s (earlier half) to 4 s (recent half).",
      "6 signals tested: smallest p-value 1.5e-12, threshold 0.00167 per signal.",
    ]);
  });

  it("describes the window the detector looked at and the signals past the threshold", () => {
    const sentences = evidenceSentences({
      ...RUBBER_STAMP_EVIDENCE,
      signals: [
        { kind: "approval_vs_peers", pValue: 2e-9, cases: 200, comparisonCases: 4000, significant: true },
        { kind: "dwell_vs_own_history", pValue: 0.2, cases: 100, comparisonCases: 100, significant: false },
      ],
      window: { since: "2026-10-27T09:00:00.000Z", until: "2026-11-03T09:00:00.000Z" },
    });
    expect(sentences).toContain("Signals past the threshold: approval vs peers (p = 2.0e-9).");
    expect(sentences.at(-1)).toBe("Measured over 2026-10-27 09:00 UTC – 2026-11-03 09:00 UTC.");
  });

  it("compares the two windows of an 'approval high, errors rising' alert", () => {
    const w = (since: string, until: string, approvals: number, incorrect: number) => ({
      since,
      until,
      humanDecisions: 100,
      approvals,
      approvalRate: approvals / 100,
      reported: 40,
      incorrect,
      errorRate: incorrect / 40,
    });
    expect(
      evidenceSentences({
        previous: w("2026-10-20T00:00:00.000Z", "2026-10-27T00:00:00.000Z", 97, 2),
        recent: w("2026-10-27T00:00:00.000Z", "2026-11-03T00:00:00.000Z", 98, 12),
        pValue: 0.0031,
        approvalThreshold: 0.95,
        alpha: 0.01,
        minReported: 20,
      }),
    ).toEqual([
      "Previous window (2026-10-20 00:00 UTC – 2026-10-27 00:00 UTC): approved 97% of 100 human decisions; 2 of 40 reported results incorrect (5%).",
      "Recent window (2026-10-27 00:00 UTC – 2026-11-03 00:00 UTC): approved 98% of 100 human decisions; 12 of 40 reported results incorrect (30%).",
      "Error rate rise tested one-sided (Fisher's exact test): p = 0.0031 against alpha 0.01; raised when approval stays at or above 95%, at least 20 results in each window.",
    ]);
  });

  it("still shows every field of an evidence shape it does not know", () => {
    expect(
      evidenceSentences({
        approvalRate: 0.97,
        errorRateBefore: 0.02,
        errorRateAfter: 0.11,
        windowMs: 86_400_000,
        cases: 340,
      }),
    ).toEqual([
      "Approval rate: 97%.",
      "Error rate before: 2%.",
      "Error rate after: 11%.",
      "Window: 24 h.",
      "Cases: 340.",
    ]);
    expect(evidenceSentences("approval stayed at 97% while errors rose")).toEqual([
      "approval stayed at 97% while errors rose",
    ]);
    expect(evidenceSentences(null)).toEqual([]);
  });
});
