import { Environment } from "@marcbachmann/cel-js";
import fc from "fast-check";
import { describe, expect, it, vi } from "vitest";
import { ValidationError } from "../errors.js";
import type { CaseSubmission } from "../types.js";
import { evaluatePolicy, parseWorkflow, type Workflow } from "./index.js";

const INVOICE = `workflow: invoice.approve
owner: ap-lead@example.com
pattern: exception_routing
reasons: [amount_mismatch, other]
risk:
  classify: 'input.amount > 10000 ? "high" : (input.amount > 1000 ? "medium" : "low")'
  classes:
    low: { autoMinConfidence: 0.90 }
    medium: { autoMinConfidence: 0.97 }
    high: { autoMinConfidence: null }
actions:
  pay: { boundary: auto }
  credit_note: { boundary: review }
  block_supplier: { boundary: human_only }
escalate:
  - name: missing_po
    when: '!has(context.po)'
  - name: supplier_mismatch
    when: 'has(context.po) && input.supplier != context.po.supplier'
  - name: rush
    when: 'has(metadata.rush) && metadata.rush == true'
`;
const invoice = parseWorkflow(INVOICE, "invoice.yaml");

function submission(overrides: Partial<CaseSubmission> = {}): CaseSubmission {
  return {
    workflow: "invoice.approve",
    action: "pay",
    input: { amount: 500, supplier: "Acme" },
    proposal: { pay: true },
    confidence: 0.95,
    context: { po: { supplier: "Acme" } },
    ...overrides,
  };
}

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error("expected an error");
}

/** A workflow with the same shape but its own risk block, for the class-selection rules. */
function withRisk(risk: string, extra = ""): Workflow {
  const text = INVOICE.replace(/risk:\n(?: {2}.*\n)+/, `risk:\n${risk}`) + extra;
  return parseWorkflow(text, "variant.yaml");
}

describe("evaluatePolicy: route", () => {
  it("auto-routes when confidence meets the class threshold and no trigger fired", () => {
    const result = evaluatePolicy(submission(), invoice);
    expect(result).toEqual({
      route: "auto",
      riskClass: "low",
      boundary: "auto",
      threshold: 0.9,
      confidence: 0.95,
      triggers: [],
      reasons: [
        "risk.classify put the case in class low",
        "confidence 0.95 meets low's threshold 0.90 and no trigger fired",
      ],
      policyVersion: invoice.source.version,
    });
  });

  it("auto-routes at exactly the threshold", () => {
    expect(evaluatePolicy(submission({ confidence: 0.9 }), invoice).route).toBe("auto");
  });

  it("sends a case below its class threshold to review, saying by how much", () => {
    const result = evaluatePolicy(
      submission({ input: { amount: 5000, supplier: "Acme" }, confidence: 0.82 }),
      invoice,
    );
    expect(result.route).toBe("review");
    expect(result.riskClass).toBe("medium");
    expect(result.threshold).toBe(0.97);
    expect(result.reasons).toContain("confidence 0.82 is below medium's threshold 0.97");
  });

  it("never auto-routes a class whose threshold is null, even at confidence 1", () => {
    const result = evaluatePolicy(
      submission({ input: { amount: 20000, supplier: "Acme" }, confidence: 1 }),
      invoice,
    );
    expect(result).toMatchObject({ route: "review", riskClass: "high", threshold: null });
    expect(result.reasons).toContain("class high never auto-routes");
  });

  it("sends a case to review when a trigger fires, even at confidence 1 in the lowest class", () => {
    const result = evaluatePolicy(submission({ context: {}, confidence: 1 }), invoice);
    expect(result.route).toBe("review");
    expect(result.triggers).toEqual(["missing_po"]);
    expect(result.reasons).toContain("trigger missing_po fired");
    expect(result.reasons.at(-1)).toBe("escalation trigger missing_po: a person reviews");
  });

  it("lists every fired trigger, in policy order, and leaves out those that did not fire", () => {
    const result = evaluatePolicy(
      submission({ context: { po: { supplier: "Other" } }, metadata: { rush: true } }),
      invoice,
    );
    expect(result.triggers).toEqual(["supplier_mismatch", "rush"]);
    expect(result.reasons.at(-1)).toBe("escalation triggers supplier_mismatch, rush: a person reviews");
  });

  it("keeps a review-boundary action with a person even when everything would allow auto", () => {
    const result = evaluatePolicy(submission({ action: "credit_note", confidence: 1 }), invoice);
    expect(result).toMatchObject({ route: "review", boundary: "review", triggers: [] });
    expect(result.reasons.at(-1)).toBe("action credit_note has boundary review: a person always approves");
  });

  it("never auto-routes a human_only action, whatever the confidence, input or context", () => {
    const caseArb = fc.record({
      confidence: fc.double({ min: 0, max: 1, noNaN: true }),
      amount: fc.double({ min: 0, max: 1e6, noNaN: true }),
      supplier: fc.constantFrom("Acme", "Other"),
      withPo: fc.boolean(),
      riskClass: fc.option(fc.constantFrom("low", "medium", "high"), { nil: undefined }),
    });
    fc.assert(
      fc.property(caseArb, (c) => {
        const result = evaluatePolicy(
          submission({
            action: "block_supplier",
            confidence: c.confidence,
            input: { amount: c.amount, supplier: c.supplier },
            context: c.withPo ? { po: { supplier: "Acme" } } : {},
            ...(c.riskClass !== undefined && { riskClass: c.riskClass }),
          }),
          invoice,
        );
        expect(result.route).toBe("human_only");
      }),
    );
  });

  it("routes human_only at confidence 1.0 with no trigger, and says why", () => {
    const result = evaluatePolicy(submission({ action: "block_supplier", confidence: 1 }), invoice);
    expect(result).toMatchObject({ route: "human_only", boundary: "human_only", triggers: [] });
    expect(result.reasons.at(-1)).toBe(
      "action block_supplier is human_only: a person does it, the machine only prepares",
    );
  });

  it("only ever auto-routes an auto action whose class threshold is met with no trigger fired", () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.integer({ min: 0, max: 50_000 }),
        (confidence, amount) => {
          const result = evaluatePolicy(
            submission({ confidence, input: { amount, supplier: "Acme" } }),
            invoice,
          );
          const auto =
            result.threshold !== null && confidence >= result.threshold && result.triggers.length === 0;
          expect(result.route).toBe(auto ? "auto" : "review");
        },
      ),
    );
  });

  it("is deterministic and leaves the submission untouched", () => {
    const input = submission({ metadata: { rush: true } });
    const copy = structuredClone(input);
    expect(evaluatePolicy(input, invoice)).toEqual(evaluatePolicy(input, invoice));
    expect(input).toEqual(copy);
  });
});

describe("evaluatePolicy: rejected submissions", () => {
  it("throws a ValidationError on /action for an action the workflow does not know", () => {
    const err = catchError(() => evaluatePolicy(submission({ action: "refund" }), invoice));
    expect(err).toBeInstanceOf(ValidationError);
    expect(err).toMatchObject({
      field: "/action",
      message:
        'unknown action "refund" for workflow invoice.approve; known: pay, credit_note, block_supplier',
    });
  });

  it("does not mistake inherited object keys for actions", () => {
    expect(() => evaluatePolicy(submission({ action: "toString" }), invoice)).toThrow(ValidationError);
  });

  it.each([1.2, -0.1, Number.NaN])("throws a ValidationError on /confidence for %s", (confidence) => {
    const err = catchError(() => evaluatePolicy(submission({ confidence }), invoice));
    expect(err).toBeInstanceOf(ValidationError);
    expect(err).toMatchObject({ field: "/confidence" });
  });
});

describe("evaluatePolicy: risk class", () => {
  it("uses the strictest class when the classifier errors, and says why", () => {
    const result = evaluatePolicy(submission({ input: { supplier: "Acme" }, confidence: 1 }), invoice);
    expect(result).toMatchObject({ riskClass: "high", route: "review" });
    expect(result.reasons[0]).toBe(
      "risk.classify could not be evaluated (No such key: amount): using the strictest class, high",
    );
  });

  it("uses the strictest class when the classifier gives something that is not a class", () => {
    const w = withRisk(
      "  classify: 'input.tier'\n  classes:\n    a: { autoMinConfidence: 0.5 }\n    b: { autoMinConfidence: 0.99 }\n    c: { autoMinConfidence: 0.8 }\n",
    );
    const result = evaluatePolicy(submission({ input: { tier: "platinum" }, confidence: 0.98 }), w);
    // With no null threshold, the strictest class is the one with the highest bar.
    expect(result).toMatchObject({ riskClass: "b", threshold: 0.99, route: "review" });
    expect(result.reasons[0]).toBe(
      'risk.classify gave "platinum", which is not a risk class: using the strictest class, b',
    );
  });

  it("takes the automation's risk class when it is stricter than the computed one", () => {
    const result = evaluatePolicy(submission({ riskClass: "medium", confidence: 0.95 }), invoice);
    expect(result).toMatchObject({ riskClass: "medium", threshold: 0.97, route: "review" });
    expect(result.reasons).toContain(
      "the automation asked for class medium, stricter than low: using medium",
    );
  });

  it("ignores a laxer class from the automation when the policy classifies", () => {
    const result = evaluatePolicy(
      submission({ riskClass: "low", input: { amount: 20000, supplier: "Acme" } }),
      invoice,
    );
    expect(result.riskClass).toBe("high");
  });

  it("rejects a risk class the workflow does not define", () => {
    const err = catchError(() => evaluatePolicy(submission({ riskClass: "urgent" }), invoice));
    expect(err).toBeInstanceOf(ValidationError);
    expect(err).toMatchObject({ field: "/riskClass" });
  });

  describe("without a classifier", () => {
    const classes =
      "  classes:\n    low: { autoMinConfidence: 0.8 }\n    high: { autoMinConfidence: null }\n";

    it("uses the class the automation names", () => {
      const result = evaluatePolicy(submission({ riskClass: "low" }), withRisk(classes));
      expect(result).toMatchObject({ riskClass: "low", route: "auto" });
      expect(result.reasons[0]).toBe("the automation named risk class low");
    });

    it("falls back to the default class", () => {
      const result = evaluatePolicy(submission(), withRisk(`  default: low\n${classes}`));
      expect(result).toMatchObject({ riskClass: "low", route: "auto" });
    });

    it("falls back to the strictest class when there is no default either", () => {
      const result = evaluatePolicy(submission({ confidence: 1 }), withRisk(classes));
      expect(result).toMatchObject({ riskClass: "high", route: "review" });
    });
  });
});

describe("evaluatePolicy: escalation triggers", () => {
  it("counts a trigger that cannot be evaluated as fired: missing context is a reason to look", () => {
    const unsafe = parseWorkflow(
      INVOICE.replace("has(context.po) && input.supplier", "input.supplier"),
      "unsafe.yaml",
    );
    const result = evaluatePolicy(submission({ context: {} }), unsafe);
    expect(result.triggers).toEqual(["missing_po", "supplier_mismatch"]);
    expect(result.reasons).toContain(
      "trigger supplier_mismatch could not be evaluated (No such key: po): treated as fired",
    );
    expect(result.route).toBe("review");
  });

  it("lets triggers read the risk class the case was put in", () => {
    const w = parseWorkflow(`${INVOICE}  - name: big\n    when: 'riskClass == "medium"'\n`, "big.yaml");
    const result = evaluatePolicy(
      submission({ input: { amount: 2000, supplier: "Acme" }, confidence: 0.99 }),
      w,
    );
    expect(result.triggers).toEqual(["big"]);
  });
});

describe("evaluatePolicy: workflows built in code", () => {
  it("routes a workflow object that was never loaded from YAML", () => {
    const copy: Workflow = structuredClone(invoice);
    expect(evaluatePolicy(submission({ confidence: 0.5 }), copy)).toEqual(
      evaluatePolicy(submission({ confidence: 0.5 }), invoice),
    );
  });

  it("treats an expression that does not compile as an error, not as a pass", () => {
    const broken: Workflow = {
      ...structuredClone(invoice),
      escalate: [{ name: "typo", when: "inptu.x == 1" }],
    };
    const result = evaluatePolicy(submission(), broken);
    expect(result.triggers).toEqual(["typo"]);
    expect(result.route).toBe("review");
  });
});

describe("evaluatePolicy: compiled once", () => {
  it("does not parse expressions again for each case", () => {
    const parse = vi.spyOn(Environment.prototype, "parse");
    try {
      for (const amount of [10, 2000, 20000])
        evaluatePolicy(submission({ input: { amount, supplier: "Acme" } }), invoice);
      expect(parse).not.toHaveBeenCalled();
    } finally {
      parse.mockRestore();
    }
  });
});
