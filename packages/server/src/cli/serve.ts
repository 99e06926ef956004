import { resolve } from "node:path";
import pino from "pino";
import { startDemoStream } from "../demo/stream.js";
import { DEMO_USER, ensureDemoUser } from "../demo/user.js";
import type { AbuseLimits } from "../http/limits/options.js";
import { notifyFromEnv } from "../notify/config.js";
import { defaultPolicyDir } from "../policy-files.js";
import { DEFAULTS, startServer } from "../server.js";
import { parseFlags } from "./flags.js";

function intFrom(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value === "") return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a whole number, got "${value}"`);
  return n;
}

/** Abuse limits from the environment; each unset one keeps its default (http/limits/options.ts). */
function limitsFromEnv(env: NodeJS.ProcessEnv): Partial<AbuseLimits> {
  const limits: Partial<AbuseLimits> = {};
  const read = (name: string, key: Exclude<keyof AbuseLimits, "metricsToken">, min = 0) => {
    const value = env[name];
    if (value === undefined || value === "") return;
    const n = intFrom(name, value, 0);
    if (n < min) throw new Error(`${name} must be at least ${min}, got "${value}"`);
    limits[key] = n;
  };
  read("LOOPGATE_SIGNIN_MAX_FAILURES", "signInMaxFailures", 1);
  read("LOOPGATE_SIGNIN_ADDRESS_MAX_FAILURES", "signInAddressMaxFailures", 1);
  read("LOOPGATE_SIGNIN_LOCKOUT_SECONDS", "signInLockoutSeconds", 1);
  read("LOOPGATE_RATE_LIMIT_PER_MINUTE", "rateLimitPerMinute");
  read("LOOPGATE_REQUEST_TIMEOUT_SECONDS", "requestTimeoutSeconds", 1);
  if (env.LOOPGATE_METRICS_TOKEN) limits.metricsToken = env.LOOPGATE_METRICS_TOKEN;
  return limits;
}

/** `loopgate serve`: flags win over environment variables, which win over defaults. */
export async function runServe(args: string[]): Promise<number> {
  const { values } = parseFlags(args, {
    port: { type: "string" },
    host: { type: "string" },
    "data-dir": { type: "string" },
    "database-url": { type: "string" },
    "policy-dir": { type: "string" },
    "shadow-policy-dir": { type: "string" },
    demo: { type: "boolean" },
    "callback-allow": { type: "string" },
  });
  const env = process.env;
  const flag = (k: string) => values[k] as string | undefined;
  const logger = pino({ level: env.LOG_LEVEL ?? "info" });
  const policyDir = flag("policy-dir") ? resolve(flag("policy-dir") as string) : defaultPolicyDir(env);
  const shadowDir = flag("shadow-policy-dir") ?? (env.LOOPGATE_SHADOW_POLICY_DIR || undefined);
  const server = await startServer({
    port: intFrom("--port/PORT", flag("port") ?? env.PORT, DEFAULTS.port),
    host: flag("host") ?? env.HOST ?? DEFAULTS.host,
    dataDir: flag("data-dir") ?? env.LOOPGATE_DATA_DIR ?? DEFAULTS.dataDir,
    databaseUrl: flag("database-url") ?? env.LOOPGATE_DATABASE_URL,
    policyDir,
    ...(shadowDir !== undefined && { shadowPolicyDir: resolve(shadowDir) }),
    bootstrapToken: env.LOOPGATE_BOOTSTRAP_TOKEN || undefined,
    leaseSeconds: intFrom("LOOPGATE_LEASE_SECONDS", env.LOOPGATE_LEASE_SECONDS, DEFAULTS.leaseSeconds),
    bodyLimitBytes: intFrom(
      "LOOPGATE_BODY_LIMIT_BYTES",
      env.LOOPGATE_BODY_LIMIT_BYTES,
      DEFAULTS.bodyLimitBytes,
    ),
    maxWaitSeconds: DEFAULTS.maxWaitSeconds,
    secret: env.LOOPGATE_SECRET || undefined,
    auditCheckpointIntervalMs:
      intFrom("LOOPGATE_AUDIT_CHECKPOINT_MINUTES", env.LOOPGATE_AUDIT_CHECKPOINT_MINUTES, 10) * 60_000,
    limits: limitsFromEnv(env),
    // Loopback, private and link-local callback destinations only where the operator names them.
    callbackAllow: flag("callback-allow") ?? env.LOOPGATE_CALLBACK_ALLOW,
    legacyWebhookSignature: env.LOOPGATE_LEGACY_WEBHOOK_SIGNATURE === "1",
    notify: notifyFromEnv(env),
    logger,
  });

  const names = [...server.policies.workflows.keys()].sort();
  console.log(
    `Loopgate listening on ${server.url} · storage: ${server.store.describe()} · ${names.length} workflows: ${names.join(", ")}`,
  );
  if (shadowDir !== undefined) {
    console.log(
      `Shadow mode: the draft policy in ${resolve(shadowDir)} is routed beside the live one (GET /v1/shadow).`,
    );
  }
  if (server.firstAdminToken) {
    console.log(
      `\nFirst start: an admin API key was created. It is shown only this once:\n\n  ${server.firstAdminToken}\n\n` +
        `Keep it (e.g. export LOOPGATE_KEY=...). Make more with: loopgate keys create --name NAME --role ROLE\n`,
    );
  }

  const demoWanted = values.demo === true && env.LOOPGATE_DEMO !== "0";
  const demo = demoWanted
    ? await startDemoStream({
        app: server.app,
        store: server.store,
        workflows: new Set(names),
        logger: logger.child({ component: "demo" }),
        intervalMs: intFrom("LOOPGATE_DEMO_INTERVAL_SECONDS", env.LOOPGATE_DEMO_INTERVAL_SECONDS, 20) * 1000,
      })
    : undefined;
  if (demo) {
    console.log("Demo stream on: example cases arrive every few seconds (LOOPGATE_DEMO=0 turns it off).");
    await ensureDemoUser(server.store, Date.now());
    console.log(`Sign in at ${server.url} as ${DEMO_USER.username} / ${DEMO_USER.password} (demo only)`);
  }

  await new Promise<void>((done) => {
    const shutdown = (signal: string) => {
      logger.info({ signal }, "shutting down");
      demo?.stop();
      server.close().then(done, (err) => {
        logger.error({ err }, "shutdown failed");
        done();
      });
    };
    process.once("SIGINT", () => shutdown("SIGINT"));
    process.once("SIGTERM", () => shutdown("SIGTERM"));
  });
  return 0;
}
