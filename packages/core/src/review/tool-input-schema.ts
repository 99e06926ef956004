import { Ajv, type ValidateFunction } from "ajv";
import { linearRegExp } from "../linear-regexp.js";

/**
 * A case's `toolInputSchema` (issue 14, item 3): the JSON Schema of the tool's arguments, sent by the
 * automation with the case. The proposal must satisfy it at submit, and so must every output a person
 * releases to be run (edit, override), so an edit that breaks the tool's schema never reaches the tool.
 *
 * Unlike a policy's `outputSchema` (compiled once at load, from a file the owner wrote), these schemas
 * come over the wire, one per case: they are bounded in size before Ajv sees them, compiled by an Ajv of
 * their own (no `$ref` can reach a policy's schemas, and nothing is ever fetched: no `loadSchema`), each
 * removed from Ajv's cache once compiled (its cache is keyed by the schema object, so every submit would
 * otherwise stay in memory), and the validators kept in a small cache keyed by the schema's text: most
 * cases of a tool send the same schema.
 */

/** Longest schema accepted, as JSON text: a tool's arguments are described in far less. */
export const TOOL_SCHEMA_MAX_CHARS = 65_536;
/** Validators kept; the oldest is dropped first. */
const CACHE_SIZE = 256;

// strict: false so annotations (`title`, `examples`) and keywords of other drafts that MCP tools use
// are accepted; allErrors: false so validation stops at the first error (which is all a refusal names).
// `format` is an annotation here (no format vocabulary is loaded), and the warning Ajv would log for
// each unknown format is left out: a caller must not be able to write to the server's log per request.
// `pattern` and `patternProperties` are matched by RE2 (linear-regexp.ts): here the pattern is the
// caller's too, and one using lookaround or backreferences does not compile (a 400 at submit).
const ajv = new Ajv({
  allErrors: false,
  strict: false,
  validateSchema: true,
  logger: false,
  code: { regExp: linearRegExp },
});
const cache = new Map<string, ValidateFunction>();

/** The schema's compiled validator; throws Ajv's error when it does not compile. */
function validatorFor(schema: Record<string, unknown>): ValidateFunction {
  const text = JSON.stringify(schema);
  const hit = cache.get(text);
  if (hit) {
    // Most recently used last, so the oldest is the first key.
    cache.delete(text);
    cache.set(text, hit);
    return hit;
  }
  // A copy, so the caller's object is not what Ajv holds (and removeSchema drops exactly this one).
  const own = JSON.parse(text) as Record<string, unknown>;
  try {
    const validate = ajv.compile(own);
    cache.set(text, validate);
    if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value as string);
    return validate;
  } finally {
    // A schema with an `$id` is registered under it too; removed, the next case may reuse the id.
    ajv.removeSchema(own);
  }
}

/**
 * Why `schema` cannot be a tool input schema (too large, not an object, not compilable), or undefined.
 * The message names nothing but the schema: the caller names the field (`/toolInputSchema`).
 */
export function toolSchemaError(schema: unknown): string | undefined {
  if (typeof schema !== "object" || schema === null || Array.isArray(schema)) {
    return "toolInputSchema must be a JSON Schema object";
  }
  const size = JSON.stringify(schema).length;
  if (size > TOOL_SCHEMA_MAX_CHARS) {
    return `toolInputSchema is ${size} characters of JSON; at most ${TOOL_SCHEMA_MAX_CHARS} are accepted`;
  }
  try {
    validatorFor(schema as Record<string, unknown>);
    return undefined;
  } catch (err) {
    return `toolInputSchema does not compile: ${err instanceof Error ? err.message : String(err)}`;
  }
}

/**
 * The first way `value` breaks the tool's input schema, as a JSON pointer under `at` (`/proposal` at
 * submit, `/output` at a decision) and a message; undefined when it conforms. The schema must have
 * passed `toolSchemaError` (it was checked at submit).
 */
export function toolInputProblem(
  schema: Record<string, unknown>,
  value: unknown,
  at: "/proposal" | "/output",
): { field: string; message: string } | undefined {
  const validate = validatorFor(schema);
  if (validate(value)) return undefined;
  const [first] = validate.errors ?? [];
  const missing = first?.keyword === "required" ? `/${String(first.params.missingProperty)}` : "";
  const extra =
    first?.keyword === "additionalProperties" ? `/${String(first.params.additionalProperty)}` : "";
  const field = `${at}${first?.instancePath ?? ""}${missing}${extra}`;
  const what = at === "/proposal" ? "the proposal" : "the output";
  return {
    field,
    message: `${what} breaks the tool's input schema (toolInputSchema) at ${field}: ${first?.message ?? "invalid"}`,
  };
}
