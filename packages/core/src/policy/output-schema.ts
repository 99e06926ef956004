import { Ajv, type ValidateFunction } from "ajv";
import { linearRegExp } from "../linear-regexp.js";

/**
 * An action's `outputSchema`: JSON Schema (draft 2020-12 keywords Ajv knows) that the output a person
 * releases must satisfy. Compiled once when the policy loads, so a broken schema is a load-time issue
 * with its file and line, never a 500 on a reviewer's submit.
 */

// strict: false so annotations such as `description` or `examples` in an owner's schema are fine.
// Patterns are the owner's, but what they match is a proposal or a person's edit: RE2 matches in linear
// time (linear-regexp.ts), so a careless `^(\w+\s?)*$` cannot hold the server; a pattern RE2 cannot
// compile (lookaround, backreferences) is a load-time issue with its file, like any broken schema.
const ajv = new Ajv({ allErrors: false, strict: false, code: { regExp: linearRegExp } });
const compiled = new WeakMap<object, ValidateFunction>();

/** Undefined when `schema` compiles; otherwise why not, in Ajv's words. */
export function schemaError(schema: Record<string, unknown>): string | undefined {
  try {
    compiled.set(schema, ajv.compile(schema));
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

/**
 * The first way `output` breaks `schema`, as a JSON pointer under `/output` and a message; undefined
 * when it conforms.
 */
export function schemaProblem(
  schema: Record<string, unknown>,
  output: unknown,
): { field: string; message: string } | undefined {
  let validate = compiled.get(schema);
  if (!validate) {
    validate = ajv.compile(schema);
    compiled.set(schema, validate);
  }
  if (validate(output)) return undefined;
  const [first] = validate.errors ?? [];
  const missing = first?.keyword === "required" ? `/${String(first.params.missingProperty)}` : "";
  const field = `/output${first?.instancePath ?? ""}${missing}`;
  return {
    field,
    message: `the output breaks the action's outputSchema at ${field}: ${first?.message ?? "invalid"}`,
  };
}
