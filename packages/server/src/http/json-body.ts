import type { FastifyInstance } from "fastify";
import { HttpProblem } from "./problem.js";

/** How deeply a request body may nest objects and arrays unless LOOPGATE_MAX_JSON_DEPTH says otherwise. */
const DEFAULT_MAX_JSON_DEPTH = 64;

/**
 * The highest depth an operator may allow. Past a few thousand levels JSON.stringify and the
 * serialisers overflow the stack themselves (20,000 levels did), so the limit must stay well below.
 */
const MAX_ALLOWED_DEPTH = 1000;

/** LOOPGATE_MAX_JSON_DEPTH, or the default; a value that is not a whole number in range stops start-up. */
export function maxJsonDepthFrom(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.LOOPGATE_MAX_JSON_DEPTH;
  if (raw === undefined || raw === "") return DEFAULT_MAX_JSON_DEPTH;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > MAX_ALLOWED_DEPTH) {
    throw new Error(
      `LOOPGATE_MAX_JSON_DEPTH must be a whole number from 1 to ${MAX_ALLOWED_DEPTH}, got "${raw}"`,
    );
  }
  return n;
}

/** A container waiting to be looked into, with the way back to the root for the error's pointer. */
interface Frame {
  value: object;
  depth: number;
  parent: Frame | undefined;
  key: string;
}

function pointerOf(frame: Frame): string {
  const parts: string[] = [];
  for (let f: Frame | undefined = frame; f?.parent; f = f.parent) {
    parts.push(f.key.replaceAll("~", "~0").replaceAll("/", "~1"));
  }
  return parts.length === 0 ? "/" : `/${parts.reverse().join("/")}`;
}

/**
 * The JSON pointer of the first object or array nested deeper than `maxDepth` (the body itself is
 * level 1), or undefined when none is. A loop, not recursion, so the check cannot itself overflow.
 */
function tooDeepAt(value: unknown, maxDepth: number): string | undefined {
  if (value === null || typeof value !== "object") return undefined;
  const stack: Frame[] = [{ value, depth: 1, parent: undefined, key: "" }];
  while (stack.length > 0) {
    const frame = stack.pop() as Frame;
    if (frame.depth > maxDepth) return pointerOf(frame);
    const children = Array.isArray(frame.value)
      ? frame.value.entries()
      : Object.entries(frame.value as Record<string, unknown>);
    for (const [key, child] of children) {
      if (child !== null && typeof child === "object") {
        stack.push({ value: child, depth: frame.depth + 1, parent: frame, key: String(key) });
      }
    }
  }
  return undefined;
}

/** The 400 for a body nested too deeply: names the top-level field, and points at the exact place. */
function tooDeepProblem(pointer: string, maxDepth: number): HttpProblem {
  const field = pointer === "/" ? "/" : `/${pointer.split("/")[1]}`;
  const message = `nests objects and arrays deeper than ${maxDepth} levels (at ${pointer})`;
  return new HttpProblem(400, "Invalid request", `${field} ${message}`, {
    field,
    pointer,
    errors: [{ field, message }],
  });
}

/**
 * The JSON body parser for every route. Bodies nested deeper than `maxDepth` are refused here, before
 * any handler, schema or hash walks them: recursive code further on (canonical JSON, serialisers, the
 * policy's field lookups) would otherwise meet a few kilobytes of brackets as a stack overflow.
 * An empty body (a bare `POST /v1/queue/claim`) means "no options", not a parse error.
 */
export function installJsonBodyParser(app: FastifyInstance, maxDepth = maxJsonDepthFrom()): void {
  const jsonParser = app.getDefaultJsonParser("error", "error");
  const checked = new WeakSet<object>();
  app.addContentTypeParser("application/json", { parseAs: "string" }, (request, body, done) => {
    if (body === "") return done(null, null);
    jsonParser(request, body as string, (err: Error | null, value?: unknown) => {
      if (err) return done(err, undefined);
      const pointer = tooDeepAt(value, maxDepth);
      if (pointer !== undefined) return done(tooDeepProblem(pointer, maxDepth), undefined);
      if (value !== null && typeof value === "object") checked.add(value);
      return done(null, value);
    });
  });
  // Routes may parse other types into JSON values (gold items as JSON Lines): the same limit applies.
  app.addHook("preValidation", async (request) => {
    const body = request.body;
    if (body === null || typeof body !== "object" || checked.has(body)) return;
    const pointer = tooDeepAt(body, maxDepth);
    if (pointer !== undefined) throw tooDeepProblem(pointer, maxDepth);
  });
}
