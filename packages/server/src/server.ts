import type { PolicySet } from "@loopgate/core";
import type { FastifyInstance } from "fastify";
import pino, { type Logger } from "pino";
import { CaseEvents } from "./case-events.js";
import { type ChangeFeed, InProcessFeed } from "./change-feed/change-feed.js";
import { PostgresChangeFeed } from "./change-feed/postgres.js";
import { buildApp } from "./http/app.js";
import { ensureAdminKey } from "./keys.js";
import { DecisionNotifier } from "./notifier.js";
import { ALERT_SIGNING_KEY, alertSigningSecret } from "./oversight/run.js";
import { ownersWithoutAccount, ownerWarning } from "./owners.js";
import { loadPolicyDir } from "./policy-files.js";
import { openStore, type Store } from "./store/index.js";
import { OutboxWorker } from "./workers/outbox.js";
import { OversightWorker } from "./workers/oversight.js";
import { TimerWorker } from "./workers/timers.js";

export interface ServerConfig {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl?: string;
  /** PostgreSQL schema to use (tests give each file its own). */
  schema?: string;
  policyDir: string;
  /** Shadow mode: a draft policy directory routed beside the live one and recorded (`shadow_routed`). */
  shadowPolicyDir?: string;
  bootstrapToken?: string;
  leaseSeconds: number;
  bodyLimitBytes: number;
  maxWaitSeconds: number;
  logger?: Logger;
  /** Injectable clock (epoch ms) so timers can be tested without sleeping. */
  clock?: () => number;
  /** Injectable randomness for mixing catch trials and overlap copies into the queue (default Math.random). */
  random?: () => number;
  webhook?: { pollMs?: number; baseBackoffMs?: number; maxAttempts?: number; timeoutMs?: number };
  /**
   * How often a waiting long-poll re-reads the store while the change feed is live (default 5 s): only a
   * safety net, since every commit wakes its waiters in every process.
   */
  longPollRecheckMs?: number;
  /** The durable timer worker (release delays, SLA reminders and timeouts). */
  timers?: { pollMs?: number };
  /** How often the oversight check runs (rubber stamps, approvals high while errors rise); 0 = off. */
  oversightIntervalMs?: number;
  /** The built web workspace to serve at `/` (default: packages/web/dist). */
  webDir?: string;
  /** LOOPGATE_SECRET: key for CSRF tokens; unset, a random one is kept in the database. */
  secret?: string;
}

export const DEFAULTS = {
  port: 8080,
  host: "127.0.0.1",
  dataDir: "./.loopgate",
  leaseSeconds: 600,
  bodyLimitBytes: 1024 * 1024,
  maxWaitSeconds: 60,
} as const;

export interface RunningServer {
  url: string;
  app: FastifyInstance;
  store: Store;
  policies: PolicySet;
  /** Set only on a first start without a bootstrap token: the new admin key, to print once. */
  firstAdminToken?: string;
  /** Case changes as the live stream publishes them (for embedding and tests). */
  caseEvents: CaseEvents;
  /** Fires release and SLA timers; tests call `timers.runOnce()` after moving the clock. */
  timers: TimerWorker;
  close(): Promise<void>;
}

/** Opens storage, loads the policy, starts HTTP and the workers. Fails fast on a bad policy. */
export async function startServer(cfg: ServerConfig): Promise<RunningServer> {
  const logger = cfg.logger ?? pino({ level: process.env.LOG_LEVEL ?? "info" });
  const clock = cfg.clock ?? Date.now;
  const policies = loadPolicyDir(cfg.policyDir);
  const shadowPolicies = cfg.shadowPolicyDir === undefined ? undefined : loadPolicyDir(cfg.shadowPolicyDir);
  const store = await openStore({ dataDir: cfg.dataDir, databaseUrl: cfg.databaseUrl, schema: cfg.schema });
  let feed: ChangeFeed | undefined;
  try {
    await store.migrate();
    const { printedToken } = await ensureAdminKey(store, cfg.bootstrapToken, clock());
    // Not fatal: an admin may create the owner's account later; until then nobody acts as owner.
    for (const wf of await ownersWithoutAccount(store, policies.workflows.values())) {
      logger.warn({ workflow: wf.workflow, owner: wf.owner }, ownerWarning(wf));
    }
    const worker = new OutboxWorker({
      store,
      getSigningSecret: async (keyId) =>
        keyId === ALERT_SIGNING_KEY
          ? alertSigningSecret(store)
          : (await store.identity.getKey(keyId))?.signingSecret,
      clock,
      logger,
      ...cfg.webhook,
    });
    // SQLite: this process owns the file, so its own changes are all there are. PostgreSQL: other
    // processes may share the schema, and their changes arrive by NOTIFY.
    feed =
      store.engine === "postgres" && cfg.databaseUrl
        ? await PostgresChangeFeed.start({
            url: cfg.databaseUrl.trim(),
            schema: cfg.schema ?? "public",
            logger: logger.child({ component: "change-feed" }),
          })
        : new InProcessFeed();
    const caseEvents = new CaseEvents(feed);
    const notifier = new DecisionNotifier(feed, { liveMs: cfg.longPollRecheckMs ?? 5000, downMs: 1000 });
    const timers = new TimerWorker({
      store,
      policies: () => policies,
      clock,
      logger,
      ...cfg.timers,
      onFired(c, kind, wroteWebhook) {
        notifier.notify(c.id);
        if (kind !== "release") {
          caseEvents.publish({
            type: c.status === "decided" ? "decided" : "released",
            caseId: c.id,
            workflow: c.workflow,
          });
        }
        if (wroteWebhook) worker.kick();
      },
    });
    const oversight = new OversightWorker({
      store,
      policies: () => policies,
      clock,
      logger,
      intervalMs: cfg.oversightIntervalMs ?? 15 * 60_000,
      onAlerts: () => worker.kick(),
    });
    const app = await buildApp(
      {
        store,
        policies: () => policies,
        clock,
        notifier,
        caseEvents,
        onOutbox: () => worker.kick(),
        leaseMs: cfg.leaseSeconds * 1000,
        maxWaitSeconds: cfg.maxWaitSeconds,
        random: cfg.random ?? Math.random,
        shadowPolicies: () => shadowPolicies,
      },
      {
        bodyLimit: cfg.bodyLimitBytes,
        logger: logger.child({ component: "http" }),
        webDir: cfg.webDir,
        secret: cfg.secret,
      },
    );
    await app.listen({ port: cfg.port, host: cfg.host });
    const address = app.server.address();
    const port = typeof address === "object" && address ? address.port : cfg.port;
    const host = cfg.host === "0.0.0.0" || cfg.host === "::" ? "localhost" : cfg.host;
    worker.start();
    timers.start();
    oversight.start();
    return {
      url: `http://${host.includes(":") ? `[${host}]` : host}:${port}`,
      app,
      store,
      policies,
      caseEvents,
      timers,
      firstAdminToken: printedToken,
      async close() {
        await app.close();
        await timers.stop();
        await oversight.stop();
        await worker.stop();
        await feed?.close();
        await store.close();
      },
    };
  } catch (err) {
    await feed?.close();
    await store.close();
    throw err;
  }
}
