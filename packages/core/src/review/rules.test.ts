import { describe, expect, it } from "vitest";
import { parseWorkflow } from "../policy/index.js";
import { decisionNeeds } from "./needs.js";
import { type CaseFacts, checkAuthority, describeRule, tooSoon } from "./rules.js";

/** How many people an approve of the proposal needs (core `decisionNeeds`). */
const requiredApprovals = (wf: Parameters<typeof decisionNeeds>[0], f: CaseFacts) =>
  decisionNeeds(wf, f, "approve", f.proposal, []).approvals;

const POLICY = (review: string) => `workflow: ap.pay
owner: ap-lead@example.com
pattern: review_and_approve
reasons: [other]
risk:
  classes:
    standard: { autoMinConfidence: null }
actions:
  pay: { boundary: review }
review:
${review}
`;

const facts = (amount: number): CaseFacts => ({
  action: "pay",
  input: { amount },
  proposal: null,
  confidence: 0.9,
  context: {},
  metadata: {},
  subject: null,
  riskClass: "standard",
});

describe("the people an approval needs", () => {
  it("is review.approvals for every case without secondReviewWhen", () => {
    const wf = parseWorkflow(POLICY("  approvals: 3"), "p.yaml");
    expect(requiredApprovals(wf, facts(1))).toBe(3);
  });
  it("asks for a second review only where secondReviewWhen holds", () => {
    const wf = parseWorkflow(POLICY('  secondReviewWhen: "input.amount > 50000"'), "p.yaml");
    expect(requiredApprovals(wf, facts(60_000))).toBe(2);
    expect(requiredApprovals(wf, facts(100))).toBe(1);
  });
  it("demands the second review when the expression cannot be evaluated", () => {
    const wf = parseWorkflow(POLICY('  secondReviewWhen: "input.amount > 50000"'), "p.yaml");
    expect(requiredApprovals(wf, { ...facts(1), input: {} })).toBe(2);
  });
});

describe("tooSoon", () => {
  const wf = parseWorkflow(POLICY("  minReviewSeconds: 10"), "p.yaml");
  it("says how long is left, rounded up", () => {
    expect(tooSoon(wf, 0, 3_500)).toMatchObject({ heldSeconds: 3, minSeconds: 10, waitSeconds: 7 });
    expect(tooSoon(wf, 0, 3_500)?.message).toBe(
      "decided 3 s after claiming; this workflow asks for at least 10 s: wait 7 more seconds",
    );
    expect(tooSoon(wf, 0, 9_999)?.waitSeconds).toBe(1);
  });
  it("allows the decision once the time has passed", () => {
    expect(tooSoon(wf, 0, 10_000)).toBeUndefined();
  });
});

describe("checkAuthority", () => {
  const wf = parseWorkflow(
    POLICY(`  authority:
    - { role: ap_clerk, when: "input.amount <= 5000" }
    - { role: ap_manager, when: "input.amount <= 50000" }
    - { role: finance_director, when: "true" }`),
    "p.yaml",
  );
  it("lets a role decide within its cap and names the rule it would need beyond", () => {
    expect(checkAuthority(wf, ["ap_clerk"], facts(500))).toMatchObject({ allowed: true });
    const refused = checkAuthority(wf, ["ap_clerk"], facts(20_000));
    expect(refused.allowed).toBe(false);
    if (!refused.allowed) {
      expect(refused.message).toBe(
        "deciding this case needs ap_manager (input.amount <= 50000) or finance_director; your roles: ap_clerk",
      );
    }
  });
  it("lets anyone decide when the workflow has no rules", () => {
    const open = parseWorkflow(POLICY("  approvals: 1"), "p.yaml");
    expect(checkAuthority(open, [], facts(1e9))).toEqual({ allowed: true });
  });
  it("treats an expression that cannot be evaluated as not matching", () => {
    expect(checkAuthority(wf, ["ap_clerk"], { ...facts(1), input: {} }).allowed).toBe(false);
    expect(checkAuthority(wf, ["finance_director"], { ...facts(1), input: {} }).allowed).toBe(true);
  });
  it("describes a rule without a limit by its role alone", () => {
    expect(describeRule({ role: "x", when: "true" })).toBe("x");
  });
});
