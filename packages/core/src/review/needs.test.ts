import { describe, expect, it } from "vitest";
import { PolicyError, type PolicyIssue } from "../errors.js";
import { parseWorkflow } from "../policy/index.js";
import {
  classSettings,
  decisionNeeds,
  endsAlone,
  executedFacts,
  outputProblem,
  runsOutput,
  timeoutMayApprove,
  verdictsFor,
} from "./needs.js";
import type { CaseFacts } from "./rules.js";

// An AP workflow like the issue's: a clerk may decide invoices up to 5,000; above 10,000 a case is in
// class high, which asks for two approvals, a longer look and a release delay.
const AP = `workflow: ap.pay
owner: ap-lead@example.com
pattern: review_and_approve
reasons: [amount_mismatch, other]
risk:
  classify: 'input.amount > 10000 ? "high" : "low"'
  classes:
    low: { autoMinConfidence: 0.9 }
    high: { autoMinConfidence: null, approvals: 2, minReviewSeconds: 30, releaseDelaySeconds: 600, requireReason: [approve] }
actions:
  pay:
    boundary: auto
    editable: [amount, memo]
    outputSchema: { type: object, required: [amount], properties: { amount: { type: number, minimum: 0 } } }
  wire: { boundary: human_only }
review:
  minReviewSeconds: 5
  authority:
    - { role: ap_clerk, when: "input.amount <= 5000" }
    - { role: ap_manager, when: "true" }
`;

const wf = parseWorkflow(AP, "ap.yaml");

const facts = (amount: number, o: Partial<CaseFacts> = {}): CaseFacts => ({
  action: "pay",
  input: { amount, supplier: "Acme" },
  proposal: { amount, memo: "" },
  confidence: 0.95,
  context: {},
  metadata: {},
  subject: null,
  riskClass: amount > 10_000 ? "high" : "low",
  ...o,
});

describe("classSettings", () => {
  it("takes a class value over the workflow's, and the workflow's where the class sets none", () => {
    expect(classSettings(wf, "high")).toEqual({
      approvals: 2,
      minReviewSeconds: 30,
      blindFirst: false,
      releaseDelaySeconds: 600,
      requireReason: ["approve"],
    });
    expect(classSettings(wf, "low")).toEqual({
      approvals: 1,
      minReviewSeconds: 5,
      blindFirst: false,
      releaseDelaySeconds: 0,
      requireReason: [],
    });
  });
});

describe("decisionNeeds: judged on the case as it will run", () => {
  it("lets a clerk approve a 420 invoice alone", () => {
    const n = decisionNeeds(wf, facts(420), "approve", { amount: 420, memo: "" }, ["ap_clerk"]);
    expect(n).toMatchObject({ riskClass: "low", executedClass: "low", approvals: 1, reasonRequired: false });
    expect(n.authority.allowed).toBe(true);
  });

  it("refuses the clerk's edit of a 420 invoice into 60,000: authority fails on the output", () => {
    const n = decisionNeeds(wf, facts(420), "edit", { amount: 60_000, memo: "" }, ["ap_clerk"]);
    expect(n.authority.allowed).toBe(false);
    expect(n.executedClass).toBe("high");
  });

  it("gives the edit the approvals, time, delay and reason rule of the class it moves into", () => {
    const n = decisionNeeds(wf, facts(420), "edit", { amount: 60_000, memo: "" }, ["ap_manager"]);
    expect(n).toMatchObject({ riskClass: "low", executedClass: "high", approvals: 2 });
    expect(n.settings).toMatchObject({ minReviewSeconds: 30, releaseDelaySeconds: 600 });
    expect(n.authority.allowed).toBe(true);
  });

  it("asks every verdict that lets something run for the full number of people; a reject ends alone", () => {
    for (const verdict of ["approve", "edit", "override", "done"] as const) {
      expect(decisionNeeds(wf, facts(20_000), verdict, { amount: 20_000 }, ["ap_manager"]).approvals).toBe(2);
    }
    expect(decisionNeeds(wf, facts(20_000), "reject", null, ["ap_manager"]).approvals).toBe(1);
  });

  it("requires a reason for the verdicts the class names", () => {
    expect(decisionNeeds(wf, facts(20_000), "approve", null, ["ap_manager"]).reasonRequired).toBe(true);
    expect(decisionNeeds(wf, facts(20), "approve", null, ["ap_manager"]).reasonRequired).toBe(false);
  });

  it("counts secondReviewWhen on the output too", () => {
    const second = parseWorkflow(
      AP.replace("review:\n", "review:\n  secondReviewWhen: 'output.amount > 1000'\n"),
      "ap.yaml",
    );
    expect(decisionNeeds(second, facts(420), "approve", { amount: 420 }, ["ap_manager"]).approvals).toBe(1);
    expect(decisionNeeds(second, facts(420), "edit", { amount: 4_200 }, ["ap_manager"]).approvals).toBe(2);
  });
});

describe("executedFacts", () => {
  it("overlays the output's fields on the input and makes it the proposal", () => {
    const e = executedFacts(facts(420), { amount: 9 });
    expect(e.input).toEqual({ amount: 9, supplier: "Acme" });
    expect(e.proposal).toEqual({ amount: 9 });
    expect(e.output).toEqual({ amount: 9 });
  });
});

describe("verdictsFor", () => {
  it("gives a human_only action only done and reject", () => {
    expect(verdictsFor(wf, "wire")).toEqual(["done", "reject"]);
    expect(verdictsFor(wf, "pay")).toEqual([
      "approve",
      "edit",
      "reject",
      "override",
      "respond",
      "request_changes",
    ]);
  });
});

describe("respond and request_changes", () => {
  it("a respond's answer is not arguments: it never moves the case into another class", () => {
    // An answer that, overlaid on the input as an edit is, would read as a 50,000 payment.
    const needs = decisionNeeds(wf, facts(420), "respond", { amount: 50_000 }, ["ap_clerk"]);
    expect(needs).toMatchObject({ riskClass: "low", executedClass: "low", approvals: 1 });
    expect(needs.authority.allowed).toBe(true);
    // It still needs what the case as submitted asks for: two people on a high case.
    expect(decisionNeeds(wf, facts(20_000), "respond", "paid", ["ap_manager"]).approvals).toBe(2);
  });

  it("a request for changes runs nothing, so one person ends the case, whatever its class", () => {
    expect(endsAlone("request_changes")).toBe(true);
    expect(runsOutput("request_changes")).toBe(false);
    expect(runsOutput("respond")).toBe(false);
    expect(runsOutput("edit")).toBe(true);
    expect(decisionNeeds(wf, facts(20_000), "request_changes", null, ["ap_manager"]).approvals).toBe(1);
  });

  it("the action's editable fields and outputSchema bound edits, not answers", () => {
    expect(outputProblem(wf, "pay", facts(420).proposal, "respond", "any text")).toBeUndefined();
    expect(outputProblem(wf, "pay", facts(420).proposal, "edit", "any text")).toBeDefined();
  });
});

describe("outputProblem: edits stay inside what the policy allows", () => {
  const proposal = { amount: 420, memo: "", payee: "Acme" };
  it("refuses a change to a field that is not editable, naming it", () => {
    const p = outputProblem(wf, "pay", proposal, "edit", { ...proposal, payee: "Mallory" });
    expect(p?.field).toBe("/output/payee");
    expect(p?.message).toContain("only amount, memo");
  });
  it("refuses an output that breaks the outputSchema, naming the field", () => {
    expect(outputProblem(wf, "pay", proposal, "edit", { ...proposal, amount: -5 })?.field).toBe(
      "/output/amount",
    );
    expect(outputProblem(wf, "pay", proposal, "override", { memo: "x", payee: "Acme" })?.field).toBe(
      "/output/amount",
    );
  });
  it("allows a change to an editable field that fits the schema", () => {
    expect(outputProblem(wf, "pay", proposal, "edit", { ...proposal, amount: 400 })).toBeUndefined();
  });
});

describe("timeoutMayApprove", () => {
  it("only for what the machine could do alone now", () => {
    expect(timeoutMayApprove(wf, facts(420))).toBe(true);
    expect(timeoutMayApprove(wf, facts(420, { confidence: 0.2 }))).toBe(false);
    expect(timeoutMayApprove(wf, facts(20_000))).toBe(false);
    expect(timeoutMayApprove(wf, facts(420, { action: "wire" }))).toBe(false);
  });
});

function issuesOf(text: string): PolicyIssue[] {
  try {
    parseWorkflow(text, "bad.yaml");
  } catch (err) {
    return (err as PolicyError).issues;
  }
  throw new Error("expected a PolicyError");
}

describe("policy validation of the review rules", () => {
  it("refuses approve on timeout while an action needs a person, with file and line", () => {
    const text = AP.replace("  wire: { boundary: human_only }\n", "  wire: { boundary: review }\n").replace(
      "    high: { autoMinConfidence: null,",
      "    high: { autoMinConfidence: 0.99,",
    );
    const [issue, ...rest] = issuesOf(`${text}sla:\n  reviewWithin: 4h\n  onTimeout: approve\n`);
    expect(rest).toEqual([]);
    expect(issue?.message).toContain('action "wire" has boundary review');
    // The last line of the document: `onTimeout: approve`.
    expect(issue).toMatchObject({ file: "bad.yaml", field: "sla.onTimeout", line: 23 });
  });
  it("refuses a broken outputSchema and unknown verdicts in requireReason", () => {
    const broken = AP.replace("minimum: 0", "minimum: zero");
    expect(issuesOf(broken)[0]?.message).toContain("is not a valid JSON Schema");
    const unknown = AP.replace("requireReason: [approve]", "requireReason: [aprove]");
    expect(issuesOf(unknown)[0]?.message).toContain("must be a list of verdicts");
  });
  it("is a PolicyError, not a crash", () => {
    expect(() => parseWorkflow(AP.replace("editable: [amount, memo]", "editable: []"), "x.yaml")).toThrow(
      PolicyError,
    );
  });
});
