import { describe, expect, it } from "vitest";
import { schemaError, schemaProblem } from "./output-schema.js";

/**
 * An action's `outputSchema` is the owner's, but the text its patterns match is an automation's proposal
 * or a person's edit. Matched by RE2 (linear-regexp.ts), a careless pattern cannot hold the server.
 */
describe("outputSchema patterns", () => {
  const withPattern = (pattern: string) => ({
    type: "object",
    properties: { reference: { type: "string", pattern } },
  });

  it("check what they say, naming the field", () => {
    const schema = withPattern("^INV-\\d{3,}$");
    expect(schemaError(schema)).toBeUndefined();
    expect(schemaProblem(schema, { reference: "INV-0042" })).toBeUndefined();
    expect(schemaProblem(schema, { reference: "INV-42" })?.field).toBe("/output/reference");
  });

  it("answer a catastrophic pattern against a long edit instead of backtracking for ever", () => {
    // With JavaScript's RegExp this pattern against 30 characters takes seconds, against these for ever.
    const schema = withPattern("^(\\w+\\s?)*$");
    expect(schemaError(schema)).toBeUndefined();
    expect(schemaProblem(schema, { reference: `${"word ".repeat(20_000)}!` })?.field).toBe(
      "/output/reference",
    );
    expect(schemaProblem(schema, { reference: "word ".repeat(20_000) })).toBeUndefined();
  });

  it("refuse at load what has no linear-time match: lookaround, backreferences", () => {
    expect(schemaError(withPattern("^(?!DRAFT).*$"))).toMatch(/unsupported Perl syntax/);
    expect(schemaError(withPattern("^(a)\\1$"))).toBeDefined();
  });
});
