import {
  Conflict,
  Forbidden,
  NotFound,
  PolicyError,
  ValidationError,
  WorkloadLimitReached,
} from "@loopgate/core";
import type { FastifyError, FastifyInstance, FastifyReply } from "fastify";

/** One field-level problem inside a problem+json body. `field` is a JSON pointer into the request. */
export interface FieldProblem {
  field: string;
  message: string;
}

/** RFC 9457 problem details, as every error leaves this server. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  field?: string;
  errors?: FieldProblem[];
  [extra: string]: unknown;
}

/** Thrown by route handlers for HTTP-level refusals that are not domain errors (401, 413, ...). */
export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    detail: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(detail);
  }
}

const TYPE_BASE = "https://loopgate.dev/problems/";

function sendProblem(reply: FastifyReply, problem: Problem): FastifyReply {
  return reply.code(problem.status).type("application/problem+json").send(problem);
}

function problem(status: number, slug: string, title: string, detail: string, extra = {}): Problem {
  return { type: TYPE_BASE + slug, title, status, detail, ...extra };
}

interface AjvError {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
}

/** Turns Ajv's errors into field-named problems: "/confidence must be number". */
function fieldProblems(errors: AjvError[], context: string): FieldProblem[] {
  const out: FieldProblem[] = [];
  const seen = new Set<string>();
  for (const e of errors) {
    let field = e.instancePath || "";
    if (e.keyword === "required") field = `${field}/${String(e.params.missingProperty)}`;
    if (e.keyword === "additionalProperties") field = `${field}/${String(e.params.additionalProperty)}`;
    let message = e.message ?? "is invalid";
    if (e.keyword === "additionalProperties") message = "is not a known field";
    if (e.keyword === "required") message = "is required";
    if (e.keyword === "const" || e.keyword === "anyOf" || e.keyword === "enum") {
      const allowed = e.params.allowedValues ?? e.params.allowedValue;
      message = allowed ? `must be one of ${JSON.stringify(allowed)}` : "is not an allowed value";
    }
    const key = `${field} ${message}`;
    // anyOf over literals produces one error per branch; keep one line per field.
    if (seen.has(key) || (e.keyword === "const" && out.some((p) => p.field === (field || "/")))) continue;
    seen.add(key);
    out.push({ field: field || "/", message: `${context === "body" ? "" : `${context} `}${message}` });
  }
  return out;
}

/**
 * The problem a domain error or an `HttpProblem` stands for; undefined for anything else. The error
 * handler sends it, and the decision preview shows it without sending it.
 */
export function problemOf(error: unknown): Problem | undefined {
  if (error instanceof ValidationError) {
    const field = error.field ?? "/";
    return problem(422, "unprocessable", "The request cannot be processed", error.message, {
      field,
      errors: [{ field, message: error.message }],
    });
  }
  if (error instanceof NotFound) return problem(404, "not-found", "Not found", error.message);
  if (error instanceof WorkloadLimitReached) {
    // The claim route sends its own (with Retry-After, review/workload.ts); other paths say the same.
    const held = error.refusals.some((r) => r.retryAt === null);
    return problem(held ? 409 : 429, "workload-limit", "Workload limit", error.message, {
      limits: error.refusals.map((r) => ({ workflow: r.workflow, limit: r.limit, value: r.value })),
    });
  }
  if (error instanceof Conflict) return problem(409, "conflict", "Conflict", error.message);
  if (error instanceof Forbidden) return problem(403, "forbidden", "Forbidden", error.message);
  if (error instanceof PolicyError) {
    return problem(422, "policy", "Policy error", error.message, { issues: error.issues });
  }
  if (error instanceof HttpProblem) {
    const slug = error.title.toLowerCase().replace(/[^a-z]+/g, "-");
    return problem(error.status, slug, error.title, error.message, error.extra);
  }
  return undefined;
}

/** The one place where errors become HTTP responses. Nothing leaves as an HTML page or a bare 500. */
export function installErrorHandling(app: FastifyInstance): void {
  app.setNotFoundHandler((request, reply) => {
    sendProblem(reply, problem(404, "not-found", "Not found", `No route ${request.method} ${request.url}`));
  });

  app.setErrorHandler((error: FastifyError & { validation?: AjvError[] }, request, reply) => {
    const domain: unknown = error;
    if (error.validation) {
      const errors = fieldProblems(error.validation, error.validationContext ?? "body");
      const first = errors[0];
      return sendProblem(
        reply,
        problem(
          400,
          "invalid-request",
          "The request is not valid",
          first ? `${first.field} ${first.message}` : error.message,
          { field: first?.field, errors },
        ),
      );
    }
    const known = problemOf(domain);
    if (known) {
      if (domain instanceof HttpProblem) {
        if (domain.status === 401) reply.header("www-authenticate", "Bearer");
        // A refusal that passes with time (minimum review time) says when to try again.
        const retry = domain.extra.retryAfterSeconds;
        if (typeof retry === "number") reply.header("retry-after", String(retry));
      }
      return sendProblem(reply, known);
    }
    const status = typeof error.statusCode === "number" ? error.statusCode : 500;
    if (status === 413) {
      return sendProblem(
        reply,
        problem(
          413,
          "too-large",
          "Request body too large",
          `The body is larger than the limit of ${app.initialConfig.bodyLimit} bytes`,
        ),
      );
    }
    if (status >= 400 && status < 500) {
      // Fastify's own client errors: malformed JSON, wrong content type, empty body.
      const detail =
        error.code === "FST_ERR_CTP_INVALID_JSON_BODY" || error instanceof SyntaxError
          ? `The body is not valid JSON: ${error.message}`
          : error.message;
      return sendProblem(reply, problem(status, "bad-request", "Bad request", detail, { code: error.code }));
    }
    request.log.error({ err: error }, "unhandled error");
    return sendProblem(reply, problem(500, "internal", "Internal error", "The server failed; see its log"));
  });
}
