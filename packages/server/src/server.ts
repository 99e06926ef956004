import type { PolicySet } from "@loopgate/core";
import type { FastifyInstance } from "fastify";
import pino, { type Logger } from "pino";
import { CaseEvents } from "./case-events.js";
import { type ChangeFeed, InProcessFeed } from "./change-feed/change-feed.js";
import { PostgresChangeFeed } from "./change-feed/postgres.js";
import { loadDecisionSigner } from "./decision-signature.js";
import { buildApp } from "./http/app.js";
import type { AbuseLimits } from "./http/limits/options.js";
import { ensureAdminKey } from "./keys.js";
import { DecisionNotifier } from "./notifier.js";
import type { NotifyConfig } from "./notify/config.js";
import { ownersWithoutAccount, ownerWarning } from "./owners.js";
import { loadPolicyDir } from "./policy-files.js";
import { openStore, type Store } from "./store/index.js";
import { DestinationPolicy } from "./webhooks/destinations.js";
import { signingSecrets } from "./webhooks/signing-secrets.js";
import { AuditCheckpointWorker } from "./workers/audit-checkpoint.js";
import { AuditScheduleWorker } from "./workers/audit-schedule.js";
import { NotifyWorker } from "./workers/notify.js";
import { OutboxWorker } from "./workers/outbox.js";
import { OversightWorker } from "./workers/oversight.js";
import { RetentionWorker } from "./workers/retention.js";
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
  webhook?: {
    pollMs?: number;
    baseBackoffMs?: number;
    maxAttempts?: number;
    timeoutMs?: number;
    /** Deliveries in flight to one destination at a time (default 2). */
    perDestination?: number;
    /** Deliveries in flight at a time in all (default 32). */
    concurrency?: number;
  };
  /**
   * LOOPGATE_CALLBACK_ALLOW / `--callback-allow`: addresses or CIDR ranges (optionally `:port`) that
   * webhooks may reach although they are loopback, private, link-local... (webhooks/destinations.ts).
   */
  callbackAllow?: string;
  /** LOOPGATE_LEGACY_WEBHOOK_SIGNATURE=1: also send the old `Loopgate-Signature` header (one release). */
  legacyWebhookSignature?: boolean;
  /**
   * How often a waiting long-poll re-reads the store while the change feed is live (default 5 s): only a
   * safety net, since every commit wakes its waiters in every process.
   */
  longPollRecheckMs?: number;
  /** The durable timer worker (release delays, SLA reminders and timeouts). */
  timers?: { pollMs?: number };
  /** How often the oversight check runs (rubber stamps, approvals high while errors rise); 0 = off. */
  oversightIntervalMs?: number;
  /** How often a signed checkpoint of the audit chains' heads is written (default 10 min); 0 = off. */
  auditCheckpointIntervalMs?: number;
  /** How often the scheduled audits (`oversight.auditEvery`) look for a period that ended (default 5 min); 0 = off. */
  auditScheduleIntervalMs?: number;
  /** How often finished cases past their workflow's `retention.days` are purged (default 1 h); 0 = off. */
  retentionIntervalMs?: number;
  /** The built web workspace to serve at `/` (default: packages/web/dist). */
  webDir?: string;
  /** LOOPGATE_SECRET: key for CSRF tokens; unset, a random one is kept in the database. */
  secret?: string;
  /** Sign-in lockout, per-key rate limit, request timeout, metrics token (http/limits/options.ts). */
  limits?: Partial<AbuseLimits>;
  /** Notifications to reviewers (Slack, email; notify/config.ts). Unset: no workflow's `notify` is sent. */
  notify?: NotifyConfig;
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
  /** Draws the scheduled audits; tests call `auditSchedule.runOnce()` after moving the clock. */
  auditSchedule: AuditScheduleWorker;
  /** Sends notifications when `notify` is configured; tests call `notifications.runOnce()`. */
  notifications?: NotifyWorker;
  close(): Promise<void>;
}

/** Opens storage, loads the policy, starts HTTP and the workers. Fails fast on a bad policy. */
export async function startServer(cfg: ServerConfig): Promise<RunningServer> {
  const logger = cfg.logger ?? pino({ level: process.env.LOG_LEVEL ?? "info" });
  const clock = cfg.clock ?? Date.now;
  const policies = loadPolicyDir(cfg.policyDir);
  const destinations = DestinationPolicy.fromText(cfg.callbackAllow);
  refuseAlertUrls(policies, destinations);
  const shadowPolicies = cfg.shadowPolicyDir === undefined ? undefined : loadPolicyDir(cfg.shadowPolicyDir);
  const store = await openStore({ dataDir: cfg.dataDir, databaseUrl: cfg.databaseUrl, schema: cfg.schema });
  let feed: ChangeFeed | undefined;
  try {
    await store.migrate();
    const { printedToken, revokedBootstrap } = await ensureAdminKey(store, cfg.bootstrapToken, clock());
    if (revokedBootstrap) {
      logger.warn(
        "LOOPGATE_BOOTSTRAP_TOKEN names a revoked key: it does not work; set a new value or unset it",
      );
    }
    // Not fatal: an admin may create the owner's account later; until then nobody acts as owner.
    for (const wf of await ownersWithoutAccount(store, policies.workflows.values())) {
      logger.warn({ workflow: wf.workflow, owner: wf.owner }, ownerWarning(wf));
    }
    const decisionSigner = await loadDecisionSigner(store);
    const worker = new OutboxWorker({
      store,
      signingSecrets: (owner, now) => signingSecrets(store, owner, now),
      destinations,
      legacySignature: cfg.legacyWebhookSignature ?? false,
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
      decisionSigner,
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
    const auditCheckpoints = new AuditCheckpointWorker({
      store,
      intervalMs: cfg.auditCheckpointIntervalMs ?? 10 * 60_000,
      logger,
    });
    const auditSchedule = new AuditScheduleWorker({
      store,
      policies: () => policies,
      clock,
      intervalMs: cfg.auditScheduleIntervalMs ?? 5 * 60_000,
      logger,
    });
    const retention = new RetentionWorker({
      store,
      policies: () => policies,
      clock,
      intervalMs: cfg.retentionIntervalMs ?? 60 * 60_000,
      logger,
    });
    const notifications = cfg.notify
      ? new NotifyWorker({ store, policies: () => policies, config: cfg.notify, destinations, clock, logger })
      : undefined;
    for (const wf of policies.workflows.values()) {
      if (wf.notify && (!cfg.notify || (wf.notify.email && !wf.notify.slack && !cfg.notify.smtp))) {
        logger.warn(
          { workflow: wf.workflow },
          "notify is set but this server sends no such notifications (LOOPGATE_PUBLIC_URL, LOOPGATE_SMTP_URL)",
        );
      }
    }
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
        destinations,
        decisionSigner,
        ...(cfg.notify && { notify: cfg.notify, onNotify: () => notifications?.kick() }),
      },
      {
        bodyLimit: cfg.bodyLimitBytes,
        logger: logger.child({ component: "http" }),
        webDir: cfg.webDir,
        secret: cfg.secret,
        limits: cfg.limits,
      },
    );
    await app.listen({ port: cfg.port, host: cfg.host });
    const address = app.server.address();
    const port = typeof address === "object" && address ? address.port : cfg.port;
    const host = cfg.host === "0.0.0.0" || cfg.host === "::" ? "localhost" : cfg.host;
    worker.start();
    timers.start();
    oversight.start();
    auditCheckpoints.start();
    auditSchedule.start();
    retention.start();
    notifications?.start();
    return {
      url: `http://${host.includes(":") ? `[${host}]` : host}:${port}`,
      app,
      store,
      policies,
      caseEvents,
      timers,
      auditSchedule,
      ...(notifications && { notifications }),
      firstAdminToken: printedToken,
      async close() {
        await app.close();
        await timers.stop();
        await oversight.stop();
        await auditCheckpoints.stop();
        await auditSchedule.stop();
        await retention.stop();
        await notifications?.stop();
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

/**
 * An `oversight.alertUrl` that the destination policy refuses fails the start, naming the workflow and
 * the field, rather than leaving every alert of that workflow to fail later.
 */
function refuseAlertUrls(policies: PolicySet, destinations: DestinationPolicy): void {
  for (const wf of policies.workflows.values()) {
    const url = wf.oversight.alertUrl;
    const refused = url && destinations.urlRefusal(url);
    if (refused) throw new Error(`workflow ${wf.workflow}: oversight.alertUrl ${url} ${refused}`);
  }
}
