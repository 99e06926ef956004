import { Migrator } from "kysely";
import { auditStore } from "./audit/index.js";
import { caseStore } from "./cases/index.js";
import type { EngineName, StoreEngine } from "./engine.js";
import { identityStore } from "./identity/index.js";
import { learningStore } from "./learning/index.js";
import { metricsStore } from "./metrics/index.js";
import { migrationProvider } from "./migrations/index.js";
import { notifyStore } from "./notify/index.js";
import { outboxStore } from "./outbox/index.js";
import { oversightStore } from "./oversight/index.js";
import { pauseStore } from "./pauses/index.js";
import { retentionStore } from "./retention/index.js";
import { reviewStore } from "./review/index.js";
import type { Store } from "./store.js";
import { suspensionStore } from "./suspensions/index.js";
import { timerStore } from "./timers/index.js";
import { webhookSecretStore } from "./webhooks/index.js";

/** The Store, written once in Kysely for every engine: one part per aggregate folder. */
export class SqlStore implements Store {
  readonly engine: EngineName;
  readonly cases: Store["cases"];
  readonly review: Store["review"];
  readonly timers: Store["timers"];
  readonly outbox: Store["outbox"];
  readonly identity: Store["identity"];
  readonly oversight: Store["oversight"];
  readonly learning: Store["learning"];
  readonly metrics: Store["metrics"];
  readonly webhookSecrets: Store["webhookSecrets"];
  readonly audit: Store["audit"];
  readonly suspensions: Store["suspensions"];
  readonly retention: Store["retention"];
  readonly notify: Store["notify"];
  readonly pauses: Store["pauses"];
  readonly #engine: StoreEngine;
  #closing: Promise<void> | undefined;

  constructor(engine: StoreEngine) {
    this.engine = engine.name;
    this.#engine = engine;
    this.cases = caseStore(engine);
    this.review = reviewStore(engine);
    this.timers = timerStore(engine);
    this.outbox = outboxStore(engine);
    this.identity = identityStore(engine);
    this.oversight = oversightStore(engine);
    this.learning = learningStore(engine);
    this.metrics = metricsStore(engine);
    this.webhookSecrets = webhookSecretStore(engine);
    this.audit = auditStore(engine);
    this.suspensions = suspensionStore(engine);
    this.retention = retentionStore(engine);
    this.notify = notifyStore(engine);
    this.pauses = pauseStore(engine);
  }

  describe(): string {
    return this.#engine.description;
  }

  async migrate(): Promise<void> {
    // Kysely's Migrator runs pending migrations under a lock (PostgreSQL: an advisory lock; SQLite: the
    // IMMEDIATE transaction, see sqlite.ts) and re-reads what ran once it holds it, so a second process
    // starting at the same moment waits and then finds nothing to do.
    const migrator = new Migrator({
      db: this.#engine.db,
      provider: migrationProvider(this.engine),
      migrationTableSchema: this.#engine.migrationTableSchema,
    });
    const { error, results } = await migrator.migrateToLatest();
    if (!error) return;
    const failed = results?.find((r) => r.status === "Error")?.migrationName;
    throw new Error(`database migration ${failed ?? ""} failed: ${String(error)}`, { cause: error });
  }

  /** Idempotent: shutdown paths may close the same store twice. */
  close(): Promise<void> {
    this.#closing ??= this.#engine.db.destroy();
    return this.#closing;
  }
}
