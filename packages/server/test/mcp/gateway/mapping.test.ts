import { readFileSync } from "node:fs";
import { parseWorkflow } from "@loopgate/core";
import { describe, expect, it } from "vitest";
import { MappingError, parseMapping, riskClassOf, routeOf } from "../../../src/mcp/gateway/mapping.js";

/** The mapping file: what each upstream tool's calls become, and what it refuses to guess. */
describe("gateway mapping", () => {
  const mapping = parseMapping(
    `
workflow: assistant.tools
confidence: 0.5
tools:
  send_email: { action: email_customer }
  refund: { workflow: payments.refunds, action: refund, riskClass: high, confidence: 0.9 }
  search_docs: { passThrough: true }
`,
    "mapping.yaml",
  );

  it("maps a listed tool to its action, and an unlisted one to the action of its own name (gated too)", () => {
    expect(routeOf(mapping, { name: "send_email" })).toEqual({
      passThrough: false,
      workflow: "assistant.tools",
      action: "email_customer",
      riskClass: "medium",
      confidence: 0.5,
    });
    expect(routeOf(mapping, { name: "refund", annotations: { readOnlyHint: true } })).toEqual({
      passThrough: false,
      workflow: "payments.refunds",
      action: "refund",
      riskClass: "high",
      confidence: 0.9,
    });
    expect(routeOf(mapping, { name: "added_later" })).toMatchObject({
      passThrough: false,
      action: "added_later",
    });
  });

  it("passes a tool through only when the file says so by name, whatever its annotations", () => {
    expect(routeOf(mapping, { name: "search_docs" })).toEqual({ passThrough: true });
    const readOnly = routeOf(mapping, { name: "read_file", annotations: { readOnlyHint: true } });
    expect(readOnly).toMatchObject({ passThrough: false, riskClass: "low" });
  });

  it("takes a default risk class from the annotations, in the policy's own names when given", () => {
    expect(riskClassOf({ destructiveHint: true })).toBe("high");
    expect(riskClassOf({ destructiveHint: true, readOnlyHint: true })).toBe("high");
    expect(riskClassOf({ readOnlyHint: true })).toBe("low");
    expect(riskClassOf({ openWorldHint: true })).toBe("medium");
    expect(riskClassOf(undefined)).toBe("medium");
    const names = { destructive: "critical", readOnly: "standard", other: "standard" };
    expect(riskClassOf({ destructiveHint: true }, names)).toBe("critical");
    expect(riskClassOf({ readOnlyHint: true }, names)).toBe("standard");
    expect(riskClassOf({}, names)).toBe("standard");
  });

  it("lets --workflow name the default workflow, over the file's", () => {
    const m = parseMapping("workflow: a\n", "m.yaml", "b");
    expect(routeOf(m, { name: "x" })).toMatchObject({ workflow: "b", confidence: 0 });
    expect(routeOf(parseMapping("{}", "m.yaml"), { name: "x" })).toBeUndefined();
  });

  it("refuses a file it would have to guess about, naming the field", () => {
    const refused = (text: string) => {
      try {
        parseMapping(text, "m.yaml");
      } catch (err) {
        expect(err).toBeInstanceOf(MappingError);
        return (err as Error).message;
      }
      throw new Error("accepted");
    };
    expect(refused("workflow: w\ntools:\n  x: { pasThrough: true }\n")).toContain("tools.x");
    expect(refused("workflow: w\ntools:\n  x: { passThrough: true, action: y }\n")).toContain(
      "a passThrough tool is not gated",
    );
    expect(refused("tools:\n  x: { action: y }\n")).toContain("no workflow");
    expect(refused("workflow: w\nconfidence: 2\n")).toContain("confidence");
    expect(refused("workflow: [unclosed\n")).toContain("not YAML");
    expect(refused("workflow: w\nriskClasses: { dangerous: high }\n")).toContain("riskClasses");
  });

  it("the example mapping gates each tool of its server as an action and class the example policy declares", () => {
    const read = (path: string) =>
      readFileSync(new URL(`../../../../../examples/mcp/${path}`, import.meta.url), "utf8");
    const example = parseMapping(read("gateway-mapping.yaml"), "gateway-mapping.yaml");
    const policy = parseWorkflow(read("policies/files.yaml"), "files.yaml");
    const tools = [
      { name: "list_directory", annotations: { readOnlyHint: true } },
      { name: "search_files", annotations: { readOnlyHint: true } },
      { name: "read_file", annotations: { readOnlyHint: true } },
      { name: "write_file" },
      { name: "delete_file", annotations: { destructiveHint: true } },
      { name: "move_file" },
    ];
    const gated = tools.map((t) => routeOf(example, t)).filter((r) => r?.passThrough === false);
    expect(gated).toHaveLength(4);
    for (const r of gated) {
      if (r?.passThrough !== false) continue;
      expect(r.workflow).toBe(policy.workflow);
      expect(Object.keys(policy.actions)).toContain(r.action);
      expect(Object.keys(policy.risk.classes)).toContain(r.riskClass);
    }
    expect(routeOf(example, { name: "move_file" })).toMatchObject({ riskClass: "high" });
  });
});
