import { describe, expect, it } from "vitest";
import { escalationFields, fieldsRead, parseWorkflow, type Workflow } from "./index.js";

describe("fieldsRead: the case fields an expression reads", () => {
  it.each([
    [
      "has(context.po) && input.supplier != context.po.supplier",
      ["context.po", "input.supplier", "context.po.supplier"],
    ],
    ["!has(context.po)", ["context.po"]],
    ["input.amount > context.po.amount * 1.02", ["input.amount", "context.po.amount"]],
    ['input.message.lowerAscii().matches("lawyer")', ["input.message"]],
    ["size(context.duplicates) > 0", ["context.duplicates"]],
    [
      'metadata.rush == true || proposal["reply-to"].domain == "x"',
      ["metadata.rush", "proposal.reply-to.domain"],
    ],
    ['input.tier in ["gold", "platinum"] ? input.amount > 10 : false', ["input.tier", "input.amount"]],
    ["{'a': input.a}.a == [input.b][0]", ["input.a", "input.b"]],
    ["-input.delta > 3", ["input.delta"]],
  ])("%s reads %j", (expression, fields) => {
    expect(fieldsRead(expression)).toEqual(fields);
  });

  it("lists a field once, in the order it first appears", () => {
    expect(fieldsRead("input.a > 1 && input.b > 1 && input.a < 9")).toEqual(["input.a", "input.b"]);
  });

  it("stops a chain at a computed index and still reads the index", () => {
    expect(fieldsRead("input.items[context.pick] > 1")).toEqual(["input.items", "context.pick"]);
  });

  it("does not report a macro's own variable, even when it shadows a case variable", () => {
    expect(fieldsRead("proposal.claims.exists(c, c.sourced != true)")).toEqual(["proposal.claims"]);
    expect(fieldsRead("input.lines.all(input, input.qty > 0) && input.total > 0")).toEqual([
      "input.lines",
      "input.total",
    ]);
  });

  it("leaves out scalar variables and literals, and answers nothing for an expression that does not compile", () => {
    expect(fieldsRead('confidence < 0.5 && riskClass == "high" && action == "pay"')).toEqual([]);
    expect(fieldsRead("input.a >")).toEqual([]);
  });
});

describe("escalationFields", () => {
  const workflow = parseWorkflow(
    `workflow: invoice.approve
owner: ap-lead@example.com
pattern: exception_routing
reasons: [other]
risk:
  classes:
    low: { autoMinConfidence: 0.9 }
actions:
  pay: { boundary: auto }
escalate:
  - name: missing_po
    when: '!has(context.po)'
  - name: supplier_mismatch
    when: 'has(context.po) && input.supplier != context.po.supplier'
`,
    "invoice.yaml",
  );

  it("are computed when the policy loads", () => {
    expect(workflow.escalate.map((t) => t.fields)).toEqual([
      ["context.po"],
      ["context.po", "input.supplier", "context.po.supplier"],
    ]);
    expect(escalationFields(workflow)).toEqual([
      { name: "missing_po", fields: ["context.po"] },
      { name: "supplier_mismatch", fields: ["context.po", "input.supplier", "context.po.supplier"] },
    ]);
  });

  it("are computed on demand for a workflow built in code", () => {
    const built: Workflow = {
      ...structuredClone(workflow),
      escalate: [{ name: "big", when: "input.amount > 10" }],
    };
    expect(escalationFields(built)).toEqual([{ name: "big", fields: ["input.amount"] }]);
  });
});
