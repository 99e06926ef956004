import { describe, expect, it } from "vitest";
import { TOOL_SCHEMA_MAX_CHARS, toolInputProblem, toolSchemaError } from "./tool-input-schema.js";

const schema = {
  $id: "https://tools.example.com/send_email",
  type: "object",
  properties: { to: { type: "string", format: "email" }, body: { type: "string", maxLength: 50 } },
  required: ["to", "body"],
  additionalProperties: false,
};

describe("toolSchemaError", () => {
  it("accepts a tool's schema, twice with the same $id (each case brings its own copy)", () => {
    expect(toolSchemaError(schema)).toBeUndefined();
    expect(toolSchemaError(structuredClone(schema))).toBeUndefined();
    expect(
      toolSchemaError({ ...schema, properties: { ...schema.properties, cc: { type: "string" } } }),
    ).toBeUndefined();
  });

  it("refuses what is not a schema object, does not compile, or is too large", () => {
    expect(toolSchemaError([schema])).toMatch(/JSON Schema object/);
    expect(toolSchemaError({ type: "money" })).toMatch(/does not compile/);
    expect(toolSchemaError({ $ref: "https://elsewhere.example.com/s.json" })).toMatch(/does not compile/);
    const huge = { ...schema, description: "x".repeat(TOOL_SCHEMA_MAX_CHARS) };
    expect(toolSchemaError(huge)).toMatch(/at most 65536/);
  });
});

describe("toolInputProblem", () => {
  it("names the first field at fault under /proposal or /output", () => {
    expect(toolInputProblem(schema, { to: "a@b.c", body: "hi" }, "/output")).toBeUndefined();
    expect(toolInputProblem(schema, { to: "a@b.c" }, "/proposal")?.field).toBe("/proposal/body");
    expect(toolInputProblem(schema, { to: "a@b.c", body: "hi", bcc: "x" }, "/output")?.field).toBe(
      "/output/bcc",
    );
    const long = toolInputProblem(schema, { to: "a@b.c", body: "y".repeat(51) }, "/output");
    expect(long).toMatchObject({ field: "/output/body" });
    expect(long?.message).toContain("toolInputSchema");
    expect(toolInputProblem(schema, "text", "/output")?.field).toBe("/output");
  });
});

describe("patterns (RE2: linear time, ECMAScript syntax without lookaround or backreferences)", () => {
  const withPattern = (pattern: string) => ({ type: "string", pattern });

  it("matches anywhere in the string, as JSON Schema's pattern does, with classes and Unicode", () => {
    expect(toolInputProblem(withPattern("^INV-\\d{3,}$"), "INV-0042", "/proposal")).toBeUndefined();
    expect(toolInputProblem(withPattern("^INV-\\d{3,}$"), "INV-42", "/proposal")?.field).toBe("/proposal");
    expect(toolInputProblem(withPattern("-\\d+"), "INV-42 (draft)", "/proposal")).toBeUndefined();
    expect(toolInputProblem(withPattern("^\\p{L}+$"), "Zürich", "/proposal")).toBeUndefined();
    expect(toolInputProblem(withPattern("^[^@\\s]+@[^@\\s]+$"), "a b@c", "/proposal")).toBeDefined();
  });

  it("answers a catastrophic pattern on a long input instead of backtracking for ever", () => {
    const input = `${"a".repeat(100_000)}!`;
    expect(toolInputProblem(withPattern("^(a+)+$"), input, "/proposal")?.field).toBe("/proposal");
    expect(toolInputProblem(withPattern("^(a|aa)*$"), "a".repeat(100_000), "/proposal")).toBeUndefined();
    const keyed = { type: "object", patternProperties: { "^(a+)+$": { type: "number" } } };
    expect(toolInputProblem(keyed, { [input]: "not checked", aaa: "x" }, "/output")?.field).toBe(
      "/output/aaa",
    );
  });

  it("refuses at compile what has no linear-time match: lookaround, backreferences", () => {
    expect(toolSchemaError(withPattern("^(?=a)a$"))).toMatch(/does not compile/);
    expect(toolSchemaError(withPattern("(?<!x)y"))).toMatch(/does not compile/);
    expect(toolSchemaError(withPattern("^(a)\\1$"))).toMatch(/does not compile/);
  });
});
