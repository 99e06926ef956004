import cookie from "@fastify/cookie";
import swagger from "@fastify/swagger";
import { Ajv } from "ajv";
import addFormats from "ajv-formats";
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from "fastify";
import { mcpRoutes } from "../mcp/http.js";
import { casesRoutes, decisionKeyRoutes, revisionRoutes } from "./cases/index.js";
import type { AppContext } from "./context.js";
import { claudeCodeHookRoutes } from "./hooks/claude-code.js";
import { KeyCache } from "./identity/auth.js";
import { adminRoutes, makeAuthenticator, sessionRoutes } from "./identity/index.js";
import { keyLifecycleRoutes } from "./identity/key-lifecycle.js";
import { userLifecycleRoutes } from "./identity/user-lifecycle.js";
import { installJsonBodyParser } from "./json-body.js";
import {
  decisionSupportRoutes,
  exportRoutes,
  shadowPolicyRoutes,
  thresholdRoutes,
} from "./learning/index.js";
import { perKeyRateLimit, requireMetricsToken, securityHeaders } from "./limits/hardening.js";
import { type AbuseLimits, DEFAULT_LIMITS } from "./limits/options.js";
import { emailRoutes, identityRoutes, slackRoutes } from "./notify/index.js";
import { addNulKeyword, refuseNulInParameters, withNulRefused } from "./nul-refusal.js";
import {
  alertRoutes,
  auditRoutes,
  catchTrialRoutes,
  goldRoutes,
  metricsRoutes,
  outcomeRoutes,
  pauseRoutes,
  prometheusRoutes,
} from "./oversight/index.js";
import { installErrorHandling } from "./problem.js";
import { assignRoutes, previewRoutes, reversibleRoutes, reviewRoutes } from "./review/index.js";
import { closeUnusedConnectionsOnClose } from "./shutdown.js";
import { signingSecretRoutes } from "./webhooks/signing-secrets.js";
import { correctionRoutes } from "./workflows/corrections.js";
import { suspensionRoutes } from "./workflows/suspensions.js";
import { ownQualityRoutes, staticRoutes, streamRoutes, workspaceRoutes } from "./workspace/index.js";

export interface AppOptions {
  /** Largest accepted request body, in bytes. */
  bodyLimit?: number;
  logger?: FastifyBaseLogger | boolean;
  /** The built web workspace served at `/` (default: packages/web/dist). */
  webDir?: string;
  /**
   * Key for CSRF tokens (LOOPGATE_SECRET). Unset: a random one stored in the database, so every process
   * on it and every restart agree.
   */
  secret?: string;
  /** Sign-in lockout, per-key rate limit, request timeout, metrics token (limits/options.ts). */
  limits?: Partial<AbuseLimits>;
}

/**
 * Two validators: request bodies are checked strictly (a string "0.9" is not a confidence), while the
 * query string and path parameters, which are always text, are coerced to the declared types.
 */
function makeValidators() {
  const strict = new Ajv({
    allErrors: true,
    coerceTypes: false,
    removeAdditional: false,
    useDefaults: true,
    strict: false,
  });
  const coercing = new Ajv({
    allErrors: true,
    coerceTypes: true,
    removeAdditional: false,
    useDefaults: true,
    strict: false,
  });
  addFormats.default(strict);
  addFormats.default(coercing);
  addNulKeyword(strict);
  addNulKeyword(coercing);
  return { strict, coercing };
}

export async function buildApp(ctx: AppContext, opts: AppOptions = {}): Promise<FastifyInstance> {
  const limits: AbuseLimits = { ...DEFAULT_LIMITS, ...opts.limits };
  const requestTimeout = limits.requestTimeoutSeconds * 1000;
  const app: FastifyInstance = Fastify({
    bodyLimit: opts.bodyLimit ?? 1024 * 1024,
    loggerInstance: typeof opts.logger === "object" ? opts.logger : undefined,
    logger: typeof opts.logger === "boolean" ? opts.logger : undefined,
    // A slow client (slowloris) gets this long to send headers and body, then a 408. Node measures the
    // upload only, so long-polls (up to maxWaitSeconds) and the event stream answer later unharmed.
    requestTimeout,
    http: {
      headersTimeout: requestTimeout,
      // Node looks for overdue requests this often (its default, 30 s, would stretch a short timeout).
      connectionsCheckingInterval: Math.max(100, Math.min(5_000, requestTimeout / 4)),
    },
    // One line per request drowns the start-up banner and costs throughput on the submit path;
    // LOG_REQUESTS=1 turns it back on. Failures are always logged by the error handler.
    logController: new LogController({ disableRequestLogging: process.env.LOG_REQUESTS !== "1" }),
  });
  const validators = makeValidators();
  app.setValidatorCompiler(({ schema, httpPart }) =>
    (httpPart === "body" ? validators.strict : validators.coercing).compile(withNulRefused(schema)),
  );
  installErrorHandling(app);
  closeUnusedConnectionsOnClose(app);
  installJsonBodyParser(app);
  app.addHook("onRequest", refuseNulInParameters);

  await app.register(swagger, {
    openapi: {
      openapi: "3.1.0",
      info: {
        title: "Loopgate API",
        version: "0.1.0",
        description:
          "Ask before acting: submit a case, the workflow's policy routes it, a person decides when needed. Errors are RFC 9457 problem+json naming the field.",
      },
      components: {
        securitySchemes: {
          bearer: { type: "http", scheme: "bearer", description: "A Loopgate API key" },
          session: {
            type: "apiKey",
            in: "cookie",
            name: "loopgate_session",
            description: "The workspace session (POST /v1/session); non-GET requests also need x-csrf-token",
          },
        },
      },
      security: [{ bearer: [] }, { session: [] }],
    },
  });

  await securityHeaders(app);
  app.get("/healthz", { schema: { hide: true } }, async () => ({ ok: true }));
  app.get("/openapi.json", { schema: { hide: true } }, async () => app.swagger());
  await app.register(async (metrics) => {
    requireMetricsToken(metrics, limits.metricsToken);
    await metrics.register(prometheusRoutes(ctx));
  });

  // Parses cookies for every route (registered at the root, before the /v1 hook that reads them).
  await app.register(cookie);
  const secret = opts.secret || (await ctx.store.identity.getOrCreateSecret("csrf"));
  const keyCache = new KeyCache();
  const authenticate = makeAuthenticator(ctx.store, ctx.clock, secret, keyCache);
  await app.register(async (v1) => {
    v1.addHook("onRequest", authenticate);
    await perKeyRateLimit(v1, limits);
    await v1.register(sessionRoutes(ctx, secret, limits));
    await v1.register(keyLifecycleRoutes(ctx, keyCache));
    await v1.register(userLifecycleRoutes(ctx, keyCache, limits));
    await v1.register(casesRoutes(ctx));
    await v1.register(revisionRoutes(ctx));
    await v1.register(decisionKeyRoutes(ctx));
    await v1.register(reviewRoutes(ctx));
    await v1.register(previewRoutes(ctx));
    await v1.register(assignRoutes(ctx));
    await v1.register(reversibleRoutes(ctx));
    await v1.register(adminRoutes(ctx));
    await v1.register(workspaceRoutes(ctx));
    await v1.register(streamRoutes(ctx));
    await v1.register(metricsRoutes(ctx));
    await v1.register(outcomeRoutes(ctx));
    await v1.register(auditRoutes(ctx));
    await v1.register(exportRoutes(ctx));
    await v1.register(shadowPolicyRoutes(ctx));
    await v1.register(thresholdRoutes(ctx));
    await v1.register(decisionSupportRoutes(ctx));
    await v1.register(alertRoutes(ctx));
    await v1.register(goldRoutes(ctx));
    await v1.register(catchTrialRoutes(ctx));
    await v1.register(signingSecretRoutes(ctx));
    // MCP (issue 14): its tools call the routes above in-process with the caller's key.
    await v1.register(mcpRoutes());
    await v1.register(claudeCodeHookRoutes());
    await v1.register(suspensionRoutes(ctx));
    await v1.register(correctionRoutes(ctx));
    // Notifications (issue 14, item 5): Slack and the email page authenticate by signature and token.
    await v1.register(identityRoutes(ctx));
    await v1.register(slackRoutes(ctx));
    await v1.register(emailRoutes(ctx));
    await v1.register(ownQualityRoutes(ctx));
    await v1.register(pauseRoutes(ctx));
  });
  await app.register(staticRoutes(opts.webDir));
  return app;
}
