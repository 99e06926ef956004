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
