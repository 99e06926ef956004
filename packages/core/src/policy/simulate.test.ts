import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { CaseSubmission } from "../types.js";
import { evaluatePolicy } from "./evaluate.js";
import { parseWorkflow } from "./parse.js";
import {
  correctnessOf,
  expressionFailures,
  type HistoricalCase,
  PolicyComparison,
  replayCase,
  requestedRiskClass,
  simulatePolicy,
} from "./simulate.js";

const policy = (lowThreshold: string, extra = "") => `workflow: invoice.approve
owner: ap-lead@example.com
pattern: exception_routing
reasons: [amount_mismatch, other]
risk:
  classify: 'input.amount > 10000 ? "high" : "low"'
  classes:
    low: { autoMinConfidence: ${lowThreshold} }
    high: { autoMinConfidence: null }
actions:
  pay: { boundary: auto }
  credit_note: { boundary: review }
${extra}escalate:
  - name: rush
    when: 'has(metadata.rush) && metadata.rush == true'
`;

const LIVE = policy("0.90");
const live = parseWorkflow(LIVE, "live/invoice.yaml");
const DAY = 86_400_000;
const since = Date.UTC(2026, 10, 1);
const until = since + 2 * DAY;

function historical(
  id: string,
  overrides: Partial<CaseSubmission>,
  what: Pick<HistoricalCase, "humanVerdict" | "evidence">,
): HistoricalCase {
  const submission: CaseSubmission = {
    workflow: "invoice.approve",
    action: "pay",
    input: { amount: 500 },
    proposal: { pay: true },
    confidence: 0.95,
    ...overrides,
  };
  const { route, riskClass } = evaluatePolicy(submission, live);
  return { id, at: since + 1000, submission, recorded: { route, riskClass }, ...what };
}

const unknown = { humanVerdict: null, evidence: null } as const;

describe("simulatePolicy", () => {
  it("reports no change, no expected errors and the same review load for a draft identical to the live policy", () => {
    const draft = parseWorkflow(LIVE, "draft/invoice.yaml");
    const cases = [
      historical("c1", { confidence: 0.85 }, { humanVerdict: "reject", evidence: null }),
      historical("c2", { confidence: 0.95 }, unknown),
      historical("c3", { input: { amount: 20000 } }, { humanVerdict: "approve", evidence: null }),
      historical("c4", { action: "credit_note" }, { humanVerdict: "edit", evidence: null }),
    ];
    const report = simulatePolicy(cases, { live, draft, since, until });
    expect(report.cases).toBe(4);
    expect(report.changed).toBe(0);
    expect(report.riskClassChanged).toBe(0);
    expect(report.routes.every((c) => c.from === c.to)).toBe(true);
    expect(report.routes).toEqual([
      { from: "auto", to: "auto", count: 1, examples: ["c2"] },
      { from: "review", to: "review", count: 3, examples: ["c1", "c3", "c4"] },
    ]);
    expect(report.reviewLoad.live).toEqual(report.reviewLoad.draft);
    expect(report.reviewLoad.live).toEqual({ cases: 3, perDay: 1.5 });
    expect(report.expectedErrors).toMatchObject({ newlyAuto: 0, wrong: 0, right: 0, unknown: 0, rate: null });
  });

  it("moves the cases between the old and the new threshold from review to auto and counts the known-wrong ones exactly", () => {
    const draft = parseWorkflow(policy("0.80"), "draft/invoice.yaml");
    const cases = [
      // Between 0.80 and 0.90: these move.
      historical("wrong-reject", { confidence: 0.85 }, { humanVerdict: "reject", evidence: null }),
      historical("wrong-edit", { confidence: 0.82 }, { humanVerdict: "edit", evidence: null }),
      historical("wrong-outcome", { confidence: 0.88 }, { humanVerdict: "approve", evidence: "incorrect" }),
      historical("right-1", { confidence: 0.8 }, { humanVerdict: "approve", evidence: null }),
      historical("right-2", { confidence: 0.89 }, { humanVerdict: "approve", evidence: "correct" }),
      historical("open", { confidence: 0.84 }, unknown),
      // These stay: below the new bar, a fired trigger, a class that never auto-routes, already auto.
      historical("low", { confidence: 0.7 }, { humanVerdict: "reject", evidence: null }),
      historical(
        "rush",
        { confidence: 0.85, metadata: { rush: true } },
        { humanVerdict: "reject", evidence: null },
      ),
      historical(
        "high",
        { confidence: 0.99, input: { amount: 50000 } },
        { humanVerdict: "reject", evidence: null },
      ),
      historical("auto", { confidence: 0.93 }, { humanVerdict: null, evidence: "incorrect" }),
    ];
    const report = simulatePolicy(cases, { live, draft, since, until });
    expect(report.changed).toBe(6);
    expect(report.routes).toEqual([
      { from: "auto", to: "auto", count: 1, examples: ["auto"] },
      {
        from: "review",
        to: "auto",
        count: 6,
        examples: ["wrong-reject", "wrong-edit", "wrong-outcome", "right-1", "right-2"],
      },
      { from: "review", to: "review", count: 3, examples: ["low", "rush", "high"] },
    ]);
    expect(report.reviewLoad.live).toEqual({ cases: 9, perDay: 4.5 });
    expect(report.reviewLoad.draft).toEqual({ cases: 3, perDay: 1.5 });
    const e = report.expectedErrors;
    expect(e).toMatchObject({ newlyAuto: 6, wrong: 3, right: 2, unknown: 1, rate: 3 / 5 });
    expect(e.examples).toEqual(["wrong-reject", "wrong-edit", "wrong-outcome"]);
    // 3 of 5 wrong: the one-sided 95 % upper bound lies above the observed rate and below 1.
    expect(e.rateUpper95).toBeGreaterThan(0.6);
    expect(e.rateUpper95).toBeLessThan(1);
  });

  it("counts cases a policy cannot route apart from the comparison", () => {
    const draft = parseWorkflow(
      LIVE.replace("  credit_note: { boundary: review }\n", ""),
      "draft/invoice.yaml",
    );
    const report = simulatePolicy(
      [historical("cn", { action: "credit_note" }, unknown), historical("p", {}, unknown)],
      { live, draft, since, until },
    );
    expect(report.unroutable.live).toBe(0);
    expect(report.unroutable.draft).toBe(1);
    expect(report.unroutable.examples).toEqual([
      { id: "cn", policy: "draft", error: expect.stringContaining('unknown action "credit_note"') },
    ]);
    expect(report.changed).toBe(0);
    expect(report.routes).toEqual([{ from: "auto", to: "auto", count: 1, examples: ["p"] }]);
    expect(report.reviewLoad).toMatchObject({ live: { cases: 1 }, draft: { cases: 0 } });
  });

  it("reports a changed risk class with an unchanged route as a change", () => {
    const draft = parseWorkflow(LIVE.replace("input.amount > 10000", "input.amount > 100"), "d.yaml");
    const report = simulatePolicy([historical("x", { confidence: 0.5 }, unknown)], {
      live,
      draft,
      since,
      until,
    });
    expect(report).toMatchObject({ changed: 1, riskClassChanged: 1 });
    expect(report.routes).toEqual([{ from: "review", to: "review", count: 1, examples: ["x"] }]);
  });

  it("says when the live policy now routes cases differently from how they were routed then", () => {
    const lowered = parseWorkflow(policy("0.80"), "live/invoice.yaml");
    const cases = [
      historical("moved", { confidence: 0.85 }, unknown),
      historical("same", { confidence: 0.5 }, unknown),
    ];
    const report = simulatePolicy(cases, { live: lowered, draft: lowered, since, until });
    expect(report).toMatchObject({ changed: 0, liveDiffersFromRecorded: 1 });
    expect(simulatePolicy(cases, { live, draft: lowered, since, until }).liveDiffersFromRecorded).toBe(0);
  });

  it("property: an identical draft reports no change over any generated history", () => {
    const draft = parseWorkflow(LIVE, "draft/invoice.yaml");
    const arbCase = fc.record({
      action: fc.constantFrom("pay", "credit_note", "unknown_action"),
      amount: fc.integer({ min: 0, max: 30000 }),
      confidence: fc.double({ min: 0, max: 1, noNaN: true }),
      rush: fc.option(fc.boolean(), { nil: undefined }),
      humanVerdict: fc.constantFrom(null, "approve", "reject", "edit", "override"),
      evidence: fc.constantFrom(null, "correct", "incorrect"),
    });
    fc.assert(
      fc.property(fc.array(arbCase, { maxLength: 60 }), (generated) => {
        const comparison = new PolicyComparison({ since, until });
        generated.forEach((g, i) => {
          const submission: CaseSubmission = {
            workflow: "invoice.approve",
            action: g.action,
            input: { amount: g.amount },
            proposal: {},
            confidence: g.confidence,
            ...(g.rush !== undefined && { metadata: { rush: g.rush } }),
          };
          comparison.add(
            replayCase(
              {
                id: `c${i}`,
                at: since,
                submission,
                recorded: { route: "review", riskClass: "low" },
                humanVerdict: g.humanVerdict,
                evidence: g.evidence as "correct" | "incorrect" | null,
              },
              live,
              draft,
            ),
          );
        });
        const r = comparison.report();
        expect(r.cases).toBe(generated.length);
        expect(r.changed).toBe(0);
        expect(r.expectedErrors.newlyAuto).toBe(0);
        expect(r.reviewLoad.draft).toEqual(r.reviewLoad.live);
        expect(r.unroutable.draft).toBe(r.unroutable.live);
      }),
    );
  });
});

describe("correctnessOf", () => {
  it.each([
    [{ humanVerdict: "approve", evidence: null }, "right"],
    [{ humanVerdict: "approve", evidence: "incorrect" }, "wrong"],
    [{ humanVerdict: "reject", evidence: "correct" }, "wrong"],
    [{ humanVerdict: "label", evidence: null }, "wrong"],
    [{ humanVerdict: null, evidence: "correct" }, "right"],
    [{ humanVerdict: null, evidence: "incorrect" }, "wrong"],
    [{ humanVerdict: null, evidence: null }, "unknown"],
  ] as const)("%o is %s", (c, expected) => {
    expect(correctnessOf(c)).toBe(expected);
  });
});

describe("expressionFailures", () => {
  it("keeps only the reasons that say an expression failed", () => {
    const failing = parseWorkflow(
      LIVE.replace("has(metadata.rush) && metadata.rush == true", "int(input.payee) > 0").replace(
        `'input.amount > 10000 ? "high" : "low"'`,
        `'input.amount > 10000 ? "high" : string(input.tier)'`,
      ),
      "f.yaml",
    );
    const submission: CaseSubmission = {
      workflow: "invoice.approve",
      action: "pay",
      input: { amount: 5, payee: "Acme", tier: "gold" },
      proposal: {},
      confidence: 0.95,
    };
    expect(expressionFailures(evaluatePolicy(submission, failing))).toEqual([
      'risk.classify gave "gold", which is not a risk class: using the strictest class, high',
      expect.stringMatching(/^trigger rush could not be evaluated \(.+\): treated as fired$/),
    ]);
    expect(expressionFailures(evaluatePolicy(submission, live))).toEqual([]);
  });
});

describe("requestedRiskClass", () => {
  it("recovers the class an automation asked for from the explanation whenever the policy used it", () => {
    const noClassifier = parseWorkflow(
      LIVE.replace(`  classify: 'input.amount > 10000 ? "high" : "low"'\n`, ""),
      "n.yaml",
    );
    const base: CaseSubmission = {
      workflow: "invoice.approve",
      action: "pay",
      input: { amount: 5 },
      proposal: {},
      confidence: 0.95,
    };
    expect(requestedRiskClass(evaluatePolicy({ ...base, riskClass: "high" }, noClassifier))).toBe("high");
    expect(requestedRiskClass(evaluatePolicy({ ...base, riskClass: "high" }, live))).toBe("high");
    // The classifier found the same class: the request changed nothing, and nothing records it.
    expect(requestedRiskClass(evaluatePolicy({ ...base, riskClass: "low" }, live))).toBeUndefined();
    expect(requestedRiskClass(evaluatePolicy(base, live))).toBeUndefined();
  });
});
