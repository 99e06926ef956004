import { describe, expect, it } from "vitest";
import { PolicyError, type PolicyIssue } from "../errors.js";
import { buildPolicySet, parseWorkflow } from "./index.js";

const MINIMAL = `# Smallest useful workflow
workflow: invoice.approve
owner: ap-lead@example.com
pattern: exception_routing
reasons: [amount_mismatch, other]
risk:
  classify: 'input.amount > 10000 ? "high" : "low"'
  classes:
    low: { autoMinConfidence: 0.9 }
    high: { autoMinConfidence: null }
actions:
  pay: { boundary: auto }
`;

/** The issues a document produces; fails the test if it parses. */
function issuesOf(text: string, file = "bad.yaml"): PolicyIssue[] {
  try {
    parseWorkflow(text, file);
  } catch (err) {
    expect(err).toBeInstanceOf(PolicyError);
    return (err as PolicyError).issues;
  }
  throw new Error("expected a PolicyError");
}

function onlyIssue(text: string): PolicyIssue {
  const issues = issuesOf(text);
  expect(issues).toHaveLength(1);
  return issues[0] as PolicyIssue;
}

describe("parseWorkflow: a valid document", () => {
  it("applies the defaults for every optional block", () => {
    const w = parseWorkflow(MINIMAL, "invoice.yaml");
    expect(w).toMatchObject({
      workflow: "invoice.approve",
      escalate: [],
      review: { approvals: 1, minReviewSeconds: 0, blindFirst: false, authority: [] },
      release: { delaySeconds: 0 },
      sla: { onTimeout: "escalate" },
      oversight: { auditRate: 0, catchTrialRate: 0, overlapRate: 0, maxCatchTrialMissRate: 0.1 },
      source: { file: "invoice.yaml" },
    });
    expect(w.source.version).toMatch(/^[0-9a-f]{12}$/);
  });

  it("versions by content: same text, same version; any edit, a new one", () => {
    const a = parseWorkflow(MINIMAL, "a.yaml").source.version;
    expect(parseWorkflow(MINIMAL, "elsewhere.yaml").source.version).toBe(a);
    expect(parseWorkflow(MINIMAL.replace("0.9", "0.91"), "a.yaml").source.version).not.toBe(a);
  });

  it.each([
    ["90s", 90],
    ["30m", 1800],
    ["4h", 14_400],
    ["2d", 172_800],
    ["1h30m", 5400],
  ])("reads sla.reviewWithin %s as %i seconds", (within, seconds) => {
    const w = parseWorkflow(`${MINIMAL}sla: { reviewWithin: ${within} }\n`, "a.yaml");
    expect(w.sla).toEqual({
      reviewWithin: within,
      reviewWithinSeconds: seconds,
      onTimeout: "escalate",
      escalateTo: "supervisor",
    });
  });
});

describe("parseWorkflow: issues are located", () => {
  it("reports a missing owner on the mapping that should hold it", () => {
    const issue = onlyIssue(MINIMAL.replace("owner: ap-lead@example.com\n", ""));
    expect(issue).toEqual({
      file: "bad.yaml",
      line: 2,
      column: 1,
      field: "owner",
      message: "an owner is required: the one accountable person",
    });
  });

  it("reports an empty owner on its own line", () => {
    const issue = onlyIssue(MINIMAL.replace("owner: ap-lead@example.com", "owner:"));
    expect(issue).toMatchObject({ line: 3, column: 1, field: "owner" });
  });

  it("reports a bad autoMinConfidence with file:line:column and field", () => {
    const text = MINIMAL.replace("high: { autoMinConfidence: null }", "high: { autoMinConfidence: 1.5 }");
    expect(() => parseWorkflow(text, "examples/policies/bad.yaml")).toThrow(
      "examples/policies/bad.yaml:10:32 risk.classes.high.autoMinConfidence: must be a number between 0 and 1, or null",
    );
  });

  it("locates a YAML syntax error", () => {
    const issue = onlyIssue(
      MINIMAL.replace("reasons: [amount_mismatch, other]", "reasons: [amount_mismatch, other"),
    );
    expect(issue).toMatchObject({ line: 6, field: "yaml" });
  });

  it("locates a CEL syntax error at the expression's line and column", () => {
    const issue = onlyIssue(`${MINIMAL}escalate:\n  - name: po\n    when: '!has(context.po'\n`);
    expect(issue).toMatchObject({ line: 15, column: 27, field: "escalate[0].when" });
    expect(issue.message).toMatch(/^CEL syntax error/);
  });

  it("locates a CEL syntax error inside a multi-line block expression", () => {
    const text = `${MINIMAL}escalate:\n  - name: po\n    when: |\n      has(context.po) &&\n        input.x > > 1\n`;
    expect(onlyIssue(text)).toMatchObject({ line: 17, column: 19, field: "escalate[0].when" });
  });

  it("catches a misspelt variable in an expression at load time", () => {
    const issue = onlyIssue(`${MINIMAL}escalate:\n  - name: po\n    when: 'inptu.amount > 5'\n`);
    expect(issue.message).toBe(
      "CEL type error: Unknown variable: inptu (known: input, proposal, confidence, context, metadata, subject, action, riskClass, output)",
    );
  });

  it("refuses a regular expression JavaScript cannot run, such as an inline (?i) flag", () => {
    const issue = onlyIssue(
      `${MINIMAL}escalate:\n  - name: legal\n    when: 'input.text.matches("(?i)lawyer")'\n`,
    );
    expect(issue).toMatchObject({ line: 15, column: 31, field: "escalate[0].when" });
    expect(issue.message).toMatch(/inline flags such as \(\?i\) are not supported/);
  });

  it("refuses an expression of the wrong type", () => {
    const issue = onlyIssue(`${MINIMAL}escalate:\n  - name: po\n    when: '"yes"'\n`);
    expect(issue.message).toBe("must give true or false, but gives string");
  });

  it("reports an unknown top-level key, suggesting the likely one", () => {
    const issue = onlyIssue(`${MINIMAL}escalte:\n  - name: po\n    when: 'true'\n`);
    expect(issue).toMatchObject({ line: 13, column: 1, field: "escalte" });
    expect(issue.message).toBe('unknown field "escalte"; did you mean "escalate"?');
  });

  it("reports unknown keys inside blocks too", () => {
    const issue = onlyIssue(`${MINIMAL}review: { approvals: 2, minReviewSecs: 5 }\n`);
    expect(issue).toMatchObject({ field: "review.minReviewSecs", line: 13 });
  });

  it("reads review.limits, and refuses a work limit without its break", () => {
    const limits =
      "review:\n  limits: { maxHeld: 3, dailyDecisions: 200, continuousWork: 90m, breakFor: 10m }\n";
    expect(parseWorkflow(`${MINIMAL}${limits}`, "w.yaml").review.limits).toEqual({
      maxHeld: 3,
      dailyDecisions: 200,
      continuousWorkSeconds: 5400,
      breakSeconds: 600,
    });
    expect(parseWorkflow(MINIMAL, "w.yaml").review.limits).toBeUndefined();
    const alone = onlyIssue(`${MINIMAL}review:\n  limits: { continuousWork: 90m }\n`);
    expect(alone).toMatchObject({ field: "review.limits.breakFor", line: 14 });
    expect(alone.message).toContain("continuousWork and breakFor go together");
    const zero = onlyIssue(`${MINIMAL}review:\n  limits: { maxHeld: 0 }\n`);
    expect(zero).toMatchObject({ field: "review.limits.maxHeld" });
  });

  it("reads oversight.auditEvery, at least an hour and only with an audit rate", () => {
    const daily = parseWorkflow(`${MINIMAL}oversight: { auditRate: 0.05, auditEvery: 1d }\n`, "w.yaml");
    expect(daily.oversight).toMatchObject({ auditRate: 0.05, auditEvery: "1d", auditEverySeconds: 86_400 });
    expect(onlyIssue(`${MINIMAL}oversight: { auditRate: 0.05, auditEvery: 10m }\n`)).toMatchObject({
      field: "oversight.auditEvery",
    });
    const noRate = onlyIssue(`${MINIMAL}oversight: { auditEvery: 1d }\n`);
    expect(noRate.message).toContain("set auditRate too");
  });

  it("reports every issue in one go, in file order", () => {
    const text = MINIMAL.replace("owner: ap-lead@example.com\n", "")
      .replace("pattern: exception_routing", "pattern: exception")
      .replace("[amount_mismatch, other]", "[amount_mismatch, Other, amount_mismatch]")
      .replace("boundary: auto", "boundary: automatic");
    const issues = issuesOf(text);
    expect(issues.map((i) => i.field)).toEqual([
      "owner",
      "pattern",
      "reasons[1]",
      "reasons[2]",
      "actions.pay.boundary",
    ]);
    expect(issues.map((i) => i.line)).toEqual([2, 3, 4, 4, 11]);
  });

  it("refuses approve-on-timeout when a class never auto-routes", () => {
    const issue = onlyIssue(`${MINIMAL}sla: { reviewWithin: 4h, onTimeout: approve }\n`);
    expect(issue).toMatchObject({ field: "sla.onTimeout", line: 13 });
    expect(issue.message).toBe(
      'approve on timeout is not allowed for a class that never auto-routes (class "high")',
    );
  });

  it("allows approve-on-timeout when every class can auto-route", () => {
    const text = `${MINIMAL.replace("autoMinConfidence: null", "autoMinConfidence: 0.99")}sla: { onTimeout: approve }\n`;
    expect(parseWorkflow(text, "a.yaml").sla.onTimeout).toBe("approve");
  });

  it("catches a classifier that can give a class the policy does not define", () => {
    const issue = onlyIssue(MINIMAL.replace('"high" : "low"', '"hgh" : "low"'));
    expect(issue).toMatchObject({ field: "risk.classify", line: 7, column: 37 });
    expect(issue.message).toBe('can give "hgh", which is not a risk class');
  });

  it("requires risk.default to name a class", () => {
    const issue = onlyIssue(MINIMAL.replace("  classes:", "  default: medium\n  classes:"));
    expect(issue).toMatchObject({ field: "risk.default", line: 8 });
  });

  it("refuses duplicate trigger names and bad durations", () => {
    const text = `${MINIMAL}escalate:\n  - { name: a, when: 'true' }\n  - { name: a, when: 'false' }\nsla: { reviewWithin: 4 hours }\n`;
    expect(issuesOf(text).map((i) => [i.field, i.line])).toEqual([
      ["escalate[1].name", 15],
      ["sla.reviewWithin", 16],
    ]);
  });

  it("explains an empty file", () => {
    expect(onlyIssue("# nothing yet\n").message).toMatch(/holds no workflow/);
  });
});

describe("buildPolicySet", () => {
  const support = MINIMAL.replace("invoice.approve", "support.reply");

  it("keys workflows by name, with a version independent of file order", () => {
    const a = { file: "invoice.yaml", text: MINIMAL };
    const b = { file: "support.yaml", text: support };
    const set = buildPolicySet([a, b]);
    expect([...set.workflows.keys()]).toEqual(["invoice.approve", "support.reply"]);
    expect(buildPolicySet([b, a]).version).toBe(set.version);
    expect(buildPolicySet([a, { ...b, text: `${support}# edited\n` }]).version).not.toBe(set.version);
  });

  it("reports the same workflow name in two files, and every other issue, together", () => {
    let error: PolicyError | undefined;
    try {
      buildPolicySet([
        { file: "a.yaml", text: MINIMAL },
        { file: "b.yaml", text: MINIMAL.replace("pattern: exception_routing", "pattern: nope") },
        { file: "c.yaml", text: support.replace("owner: ap-lead@example.com", "owner: ''") },
      ]);
    } catch (err) {
      error = err as PolicyError;
    }
    expect(error).toBeInstanceOf(PolicyError);
    expect(error?.issues.map((i) => `${i.file}:${i.line} ${i.field}`)).toEqual([
      "b.yaml:4 pattern",
      "b.yaml:2 workflow",
      "c.yaml:3 owner",
    ]);
    expect(error?.message).toContain(
      'b.yaml:2:11 workflow: workflow "invoice.approve" is already defined in a.yaml',
    );
  });
});
