import fc from "fast-check";

/**
 * Malformed requests for every endpoint, derived from the server's own OpenAPI document: each route's
 * declared body, query and path parameters give a shape that is then bent (wrong types, NUL, deep
 * nesting, unknown fields, broken JSON, other content types). Used by test/api/fuzz.test.ts.
 */

// biome-ignore lint/suspicious/noExplicitAny: JSON Schema from the OpenAPI document, read loosely
type Schema = Record<string, any>;

export interface Operation {
  method: string;
  /** OpenAPI path, e.g. /v1/cases/{id}. */
  path: string;
  pathParams: string[];
  query: Record<string, Schema>;
  body?: Schema;
  /** Headers the route needs to get past its door (MCP's Accept). */
  headers?: Record<string, string>;
}

export interface FuzzRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string | Uint8Array;
}

/** The operations the OpenAPI document lists, plus the hidden routes it leaves out. */
export function operationsOf(doc: { paths: Record<string, Record<string, Schema>> }): Operation[] {
  const ops: Operation[] = [];
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const params = (op.parameters ?? []) as Schema[];
      ops.push({
        method: method.toUpperCase(),
        path,
        pathParams: params.filter((p) => p.in === "path").map((p) => p.name as string),
        query: Object.fromEntries(
          params.filter((p) => p.in === "query").map((p) => [p.name, p.schema ?? {}]),
        ),
        body: op.requestBody?.content?.["application/json"]?.schema,
      });
    }
  }
  for (const path of ["/healthz", "/openapi.json", "/metrics", "/{path}"]) {
    ops.push({ method: "GET", path, pathParams: path === "/{path}" ? ["path"] : [], query: {} });
  }
  // MCP's endpoint: JSON-RPC calling each tool with bent arguments; Streamable HTTP needs this Accept.
  const mcp = { pathParams: [], query: {}, headers: { accept: "application/json, text/event-stream" } };
  ops.push({ method: "POST", path: "/mcp", body: MCP_BODY, ...mcp });
  ops.push({ method: "GET", path: "/mcp", ...mcp }, { method: "DELETE", path: "/mcp", ...mcp });
  // The email link's confirmation page and its form (form-encoded bodies come from contentType below).
  const email = "/v1/notify/email/{caseId}/{token}";
  for (const method of ["GET", "POST"])
    ops.push({ method, path: email, pathParams: ["caseId", "token"], query: {} });
  return ops;
}

const NUL = "\u0000";

/** A JSON-RPC request to one of the MCP tools (tools.ts), its arguments left to the fuzzer. */
const MCP_BODY: Schema = {
  type: "object",
  required: ["jsonrpc", "id", "method", "params"],
  properties: {
    jsonrpc: { const: "2.0" },
    id: { type: "integer" },
    method: { enum: ["tools/call", "tools/list", "initialize"] },
    params: {
      type: "object",
      required: ["name", "arguments"],
      properties: {
        name: { enum: ["request_approval", "revise_request", "recent_corrections", "ask_human"] },
        arguments: {
          type: "object",
          properties: {
            workflow: { type: "string" },
            action: { type: "string" },
            input: { type: "object" },
            proposal: {},
            confidence: { type: "number", minimum: 0, maximum: 1 },
            subject: { type: "string" },
            caseId: { type: "string" },
            question: { type: "string" },
          },
        },
      },
    },
  },
};

/** Strings a reader of the fixture policies would try: real names mixed with hostile ones. */
const KNOWN_WORDS = [
  "test.payments",
  "test.other",
  "pay",
  "close_account",
  "wrong_amount",
  "other",
  "approve",
  "reject",
  "edit",
  "admin",
  "reviewer",
  "automation",
  "auditor",
  "corrections",
  "preferences",
  "labels",
  "low",
  "high",
];

const hostileString = fc.oneof(
  fc.constantFrom(
    "",
    NUL,
    `a${NUL}b`,
    "\uFEFF",
    "\uD800",
    "../../etc/passwd",
    "%00",
    "'; DROP TABLE cases; --",
    "2026-13-45T99:99:99Z",
    "-1",
    "1e309",
    "NaN",
    "x".repeat(5000),
  ),
  fc.string({ unit: "binary", maxLength: 30 }),
);

function stringFor(schema: Schema): fc.Arbitrary<string> {
  const min = schema.minLength ?? 0;
  const max = Math.max(min, Math.min(schema.maxLength ?? 30, 30));
  const plain: fc.Arbitrary<string>[] = [fc.string({ minLength: min, maxLength: max })];
  if (schema.format === "date-time") plain.push(fc.date({ noInvalidDate: true }).map((d) => d.toISOString()));
  if (schema.format === "uri")
    plain.push(fc.constantFrom("http://127.0.0.1:9/hook", "https://example.invalid/x"));
  if (typeof schema.pattern === "string") plain.push(fc.stringMatching(new RegExp(schema.pattern)));
  return fc.oneof(fc.constantFrom(...KNOWN_WORDS), hostileString, ...plain);
}

/** A value that fits `schema` (roughly: patterns and formats are tried, not guaranteed). */
function valueFor(schema: Schema, depth = 0): fc.Arbitrary<unknown> {
  if (depth > 4) return fc.constant(null);
  if ("const" in schema) return fc.constant(schema.const);
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return fc.constantFrom(...schema.enum);
  const branches = (schema.anyOf ?? schema.oneOf) as Schema[] | undefined;
  if (branches?.length) return fc.oneof(...branches.map((b) => valueFor(b, depth + 1)));
  switch (Array.isArray(schema.type) ? schema.type[0] : schema.type) {
    case "string":
      return stringFor(schema);
    case "number":
      return fc.double({ min: schema.minimum ?? -1e6, max: schema.maximum ?? 1e6, noNaN: true });
    case "integer":
      return fc.integer({ min: schema.minimum ?? -1000, max: Math.min(schema.maximum ?? 1000, 1e9) });
    case "boolean":
      return fc.boolean();
    case "null":
      return fc.constant(null);
    case "array": {
      const minLength = Math.min(schema.minItems ?? 0, 3);
      return fc.array(valueFor(schema.items ?? {}, depth + 1), {
        minLength,
        maxLength: Math.max(minLength, 3),
      });
    }
    case "object": {
      const props = (schema.properties ?? {}) as Record<string, Schema>;
      if (Object.keys(props).length === 0)
        return fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }));
      const arbs = Object.fromEntries(Object.entries(props).map(([k, s]) => [k, valueFor(s, depth + 1)]));
      return fc.record(arbs, { requiredKeys: (schema.required ?? []) as string[] });
    }
    default:
      return fc.jsonValue({ maxDepth: 3 });
  }
}

/** Anything that should not be where it is put. */
const junk: fc.Arbitrary<unknown> = fc.oneof(
  hostileString,
  fc.constantFrom(null, true, 0, -1, 1e308, -0, Number.MAX_SAFE_INTEGER + 2, [], {}, [NUL], { [NUL]: NUL }),
  fc.double(),
  fc.jsonValue({ maxDepth: 4 }),
  fc.integer({ min: 60, max: 200 }).map((n) => {
    let v: unknown = NUL;
    for (let i = 0; i < n; i++) v = [v];
    return v;
  }),
);

/** A body of the operation's shape with one thing wrong (or nothing, so valid paths are walked too). */
function bentBody(schema: Schema): fc.Arbitrary<unknown> {
  return valueFor(schema).chain((valid) => {
    if (valid === null || typeof valid !== "object" || Array.isArray(valid)) {
      return fc.oneof(fc.constant(valid), junk);
    }
    const keys = Object.keys(valid as object);
    const some = keys.length > 0 ? fc.constantFrom(...keys) : fc.string({ maxLength: 8 });
    return fc.oneof(
      fc.constant(valid),
      fc.tuple(some, junk).map(([k, v]) => ({ ...valid, [k]: v })),
      fc.tuple(fc.string({ unit: "binary", maxLength: 10 }), junk).map(([k, v]) => ({ ...valid, [k]: v })),
      some.map((k) => Object.fromEntries(Object.entries(valid).filter(([key]) => key !== k))),
      junk,
    );
  });
}

/** Bytes that are not the JSON they claim to be. */
const rawBody: fc.Arbitrary<string | Uint8Array> = fc.oneof(
  fc.constantFrom(
    "",
    "{",
    "[]",
    "null",
    '"x"',
    "1e999",
    '{"__proto__":{"admin":true}}',
    '{"constructor":{"prototype":{"admin":true}}}',
    "\uFEFF{}",
    `${"[".repeat(5000)}${"]".repeat(5000)}`,
    `{"a":${'{"a":'.repeat(3000)}1${"}".repeat(3000)}}`,
    '{"a":"\\u0000","b":"\\ud800"}',
    '{"a":1,"a":2}',
  ),
  fc.string({ unit: "binary", maxLength: 60 }),
  fc.uint8Array({ maxLength: 60 }),
);

const contentType = fc.constantFrom(
  "application/json",
  "application/json",
  "application/json; charset=utf-8",
  "text/plain",
  "application/x-ndjson",
  "application/xml",
  "multipart/form-data; boundary=x",
  "application/x-www-form-urlencoded",
  "",
);

/** A path or query value: known ids, hostile text, or percent-encoding that does not decode. */
function segment(known: () => string[]): fc.Arbitrary<string> {
  const encode = (s: string) => {
    try {
      return encodeURIComponent(s);
    } catch {
      return "%ED%A0%80"; // a lone surrogate, as UTF-8: not a character
    }
  };
  return fc.oneof(
    fc.nat().map((n) => {
      const ids = known();
      return ids.length > 0 ? (ids[n % ids.length] as string) : "x";
    }),
    fc.constantFrom(...KNOWN_WORDS),
    hostileString.map(encode),
    fc.constantFrom("%", "%zz", "%ff", "%c0%80", "%00", ".."),
  );
}

/** The authorization a request carries: each role's key, nothing, or a malformed header. */
export interface Tokens {
  admin: string;
  automation: string;
  reviewer: string;
}

function authorization(tokens: Tokens): fc.Arbitrary<Record<string, string>> {
  // Mostly a valid key, so most requests get past authentication to the code behind it.
  return fc.oneof(
    {
      weight: 6,
      arbitrary: fc
        .constantFrom(tokens.admin, tokens.admin, tokens.automation, tokens.reviewer)
        .map((t) => ({ authorization: `Bearer ${t}` })),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom<Record<string, string>>(
        {},
        { authorization: "Bearer" },
        { authorization: "Basic Zm9vOmJhcg==" },
        { authorization: `Bearer ${"x".repeat(600)}` },
        { cookie: "loopgate_session=%00" },
        { cookie: "loopgate_session=abc; loopgate_session=def" },
      ),
    },
  );
}

/** One malformed (or, now and then, well-formed) request to `op`. */
export function requestFor(
  op: Operation,
  tokens: Tokens,
  knownIds: () => string[],
): fc.Arbitrary<FuzzRequest> {
  const path = fc
    .tuple(...op.pathParams.map(() => segment(knownIds)))
    .map((values) =>
      op.pathParams.reduce((p, name, i) => p.replace(`{${name}}`, values[i] as string), op.path),
    );
  const declared = Object.entries(op.query);
  const query = fc
    .array(
      fc.oneof(
        ...(declared.length > 0
          ? [
              fc
                .constantFrom(...declared)
                .chain(([name, s]) =>
                  fc.tuple(fc.constant(name), fc.oneof(valueFor(s).map(String), segment(knownIds))),
                ),
            ]
          : []),
        fc.tuple(segment(knownIds), segment(knownIds)),
      ),
      { maxLength: 4 },
    )
    .map((pairs) => (pairs.length === 0 ? "" : `?${pairs.map(([k, v]) => `${k}=${v}`).join("&")}`));
  const withBody = op.method !== "GET" && op.method !== "HEAD";
  const body: fc.Arbitrary<{ body?: string | Uint8Array; type?: string }> = withBody
    ? fc.oneof(
        {
          weight: 6,
          arbitrary: bentBody(op.body ?? {}).map((v) => ({
            body: JSON.stringify(v) ?? "null",
            type: "application/json",
          })),
        },
        { weight: 3, arbitrary: fc.tuple(rawBody, contentType).map(([b, type]) => ({ body: b, type })) },
        { weight: 1, arbitrary: fc.constant({}) },
      )
    : fc.constant({});
  return fc.tuple(path, query, body, authorization(tokens)).map(([p, q, b, auth]) => ({
    method: op.method,
    url: p + q,
    headers: { ...op.headers, ...auth, ...(b.type ? { "content-type": b.type } : {}) },
    body: b.body,
  }));
}
