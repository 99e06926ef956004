import { _, type Ajv, type KeywordCxt } from "ajv";
import type { FastifyRequest } from "fastify";
import { HttpProblem } from "./problem.js";

/**
 * Text with a NUL character (U+0000) is refused everywhere it could reach a text column: PostgreSQL
 * cannot store it ("invalid byte sequence for encoding UTF8: 0x00"), so it would fail as a 500 on one
 * engine and pass on the other. JSON documents (a case's input, proposal, an edit's output, …) keep
 * it: they are stored as JSON text, where it stays escaped as \u0000.
 */

const KEYWORD = "refuseNul";
const MESSAGE = "must not contain the NUL character (\\u0000)";

/** Teaches a validator the keyword that `withNulRefused` adds to every string in a schema. */
export function addNulKeyword(ajv: Ajv): void {
  ajv.addKeyword({
    keyword: KEYWORD,
    type: "string",
    schemaType: "boolean",
    error: { message: MESSAGE },
    code(cxt: KeywordCxt) {
      if (cxt.schema === true) cxt.fail(_`${cxt.data}.includes("\\u0000")`);
    },
  });
}

function isStringSchema(schema: Record<string, unknown>): boolean {
  const type = schema.type;
  return type === "string" || (Array.isArray(type) && type.includes("string"));
}

/**
 * A copy of a route's schema in which every declared string refuses NUL. Only declared strings:
 * a value the schema leaves open (`Type.Unknown()`, a record of unknowns) is a JSON document and is
 * left as it is. Route schemas are small and written by us, so recursion is safe here.
 */
export function withNulRefused<T>(schema: T): T {
  if (Array.isArray(schema)) return schema.map(withNulRefused) as T;
  if (schema === null || typeof schema !== "object") return schema;
  const copy: Record<string | symbol, unknown> = {};
  for (const key of Reflect.ownKeys(schema)) {
    copy[key] = withNulRefused((schema as Record<string | symbol, unknown>)[key]);
  }
  if (isStringSchema(copy as Record<string, unknown>)) copy[KEYWORD] = true;
  return copy as T;
}

/** Worded as the schema validation words a parameter it refuses: "/id params must not …". */
function nulProblem(part: "params" | "querystring", name: string): HttpProblem {
  const field = `/${name.replaceAll("~", "~0").replaceAll("/", "~1")}`;
  const message = `${part} ${MESSAGE}`;
  return new HttpProblem(400, "Invalid request", `${field} ${message}`, {
    field,
    errors: [{ field, message }],
  });
}

/**
 * An onRequest hook for every route, schema or not: path and query parameters become ids and filters
 * in queries, so a NUL in one (`/v1/cases/%00`, `?status=%00`) is a 400 before anything reads them.
 */
export async function refuseNulInParameters(request: FastifyRequest): Promise<void> {
  const params = (request.params ?? {}) as Record<string, unknown>;
  for (const [name, value] of Object.entries(params)) {
    if (typeof value === "string" && value.includes("\u0000")) throw nulProblem("params", name);
  }
  const query = (request.query ?? {}) as Record<string, unknown>;
  for (const [name, value] of Object.entries(query)) {
    const values = Array.isArray(value) ? value : [value];
    if (name.includes("\u0000") || values.some((v) => typeof v === "string" && v.includes("\u0000"))) {
      throw nulProblem("querystring", name);
    }
  }
}
