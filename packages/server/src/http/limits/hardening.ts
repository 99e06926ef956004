import { timingSafeEqual } from "node:crypto";
import helmet from "@fastify/helmet";
import rateLimit from "@fastify/rate-limit";
import type { FastifyInstance } from "fastify";
import { HttpProblem } from "../problem.js";
import type { AbuseLimits } from "./options.js";

/**
 * Security headers on every response (helmet), and `Cache-Control: no-store` on everything but the
 * workspace's static files: API answers hold cases, people and tokens, which no shared or browser cache
 * should keep. The content security policy is helmet's default minus `upgrade-insecure-requests`, which
 * would send a plain-http deployment's (e.g. 127.0.0.1) scripts and styles to an https that is not there.
 * Static files set their own framing and caching headers (workspace/static.ts).
 */
export async function securityHeaders(app: FastifyInstance): Promise<void> {
  await app.register(helmet, {
    contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } },
    // Answers are JSON for our own page and SDK; no other origin needs to embed or read them.
    crossOriginResourcePolicy: { policy: "same-origin" },
    // Only this host: the operator's other subdomains are not ours to pin to https.
    strictTransportSecurity: { maxAge: 180 * 24 * 60 * 60, includeSubDomains: false },
  });
  app.addHook("onSend", async (request, reply, payload) => {
    if (isApiPath(request.url) && !reply.hasHeader("cache-control"))
      reply.header("cache-control", "no-store");
    return payload;
  });
}

const isApiPath = (url: string) =>
  url.startsWith("/v1/") || url === "/v1" || url.startsWith("/metrics") || url.startsWith("/openapi.json");

/**
 * Requests per caller per minute, counted per key or signed-in person (`principal.id`) after
 * authentication; in memory, so per process. Register inside the authenticated scope.
 */
export async function perKeyRateLimit(app: FastifyInstance, limits: AbuseLimits): Promise<void> {
  if (limits.rateLimitPerMinute <= 0) return;
  await app.register(rateLimit, {
    hook: "preHandler",
    max: limits.rateLimitPerMinute,
    timeWindow: 60_000,
    keyGenerator: (request) => request.principal?.id ?? `addr:${request.ip}`,
    errorResponseBuilder: (_request, context) =>
      new HttpProblem(
        429,
        "Too many requests",
        `More than ${context.max} requests a minute from this key; retry in ${context.after}`,
      ),
  });
}

/**
 * GET /metrics behind `Authorization: Bearer <token>` when a token is configured (it reveals workflow
 * names and volumes). Compared in constant time.
 */
export function requireMetricsToken(app: FastifyInstance, token: string | undefined): void {
  if (!token) return;
  const expected = Buffer.from(`Bearer ${token}`);
  app.addHook("onRequest", async (request) => {
    const given = Buffer.from(request.headers.authorization ?? "");
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new HttpProblem(
        401,
        "Unauthorized",
        "GET /metrics needs `Authorization: Bearer <LOOPGATE_METRICS_TOKEN>`",
      );
    }
  });
}
