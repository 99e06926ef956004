import { openPostgres } from "./postgres.js";
import { SqlStore } from "./sql-store.js";
import { openSqlite } from "./sqlite.js";
import type { Store } from "./store.js";

export type { AuditReport, AuditStore } from "./audit/index.js";
export { keyIdOf, publicKeyOf, signText } from "./audit/signing.js";
export {
  type AuditProblem,
  ChainVerifier,
  type Checkpoint,
  type CheckpointHead,
  type StoredChain,
  verifyCheckpoints,
} from "./audit/verify.js";
export type { EventRecord, EventType, NewEvent } from "./cases/events.js";
export { caseFacts } from "./cases/facts.js";
// The public face of the store: `openStore` and the records the rest of the server reads and writes.
// Everything outside store/ imports from here; the folders' query files stay private to the store.
export type { CaseStore } from "./cases/index.js";
export type { InsertCaseExtra, ShadowInsert } from "./cases/insert.js";
export type { CaseVersion, CorrectionRecord } from "./cases/revisions.js";
export { CORRECTION_VERDICTS, MAX_VERSIONS } from "./cases/revisions.js";
export type {
  CaseDetail,
  CaseRecord,
  CaseTiming,
  DecisionRecord,
  HistoryEntry,
  NewCase,
  NewDecision,
} from "./cases/types.js";
export { NO_TIMING } from "./cases/types.js";
export type { EngineName, TransactionNotice } from "./engine.js";
export type { IdentityStore } from "./identity/index.js";
export type { ApiKeyRecord, Role, SessionRecord, UserRecord, UserRole } from "./identity/types.js";
export { ROLES, USER_ROLES } from "./identity/types.js";
export type { CalibrationRow, DecisionSupportRow, LearningWindow } from "./learning/calibration.js";
export type { ExportCursor, ExportDecision, ExportFilter } from "./learning/exports.js";
export type { LearningStore } from "./learning/index.js";
export type { ShadowPair, SimulationWindow } from "./learning/simulation.js";
export type { CountedEvent } from "./metrics/counted-events.js";
export type { GovernanceWindow, ScannedTallies } from "./metrics/governance-scan.js";
export type { MetricsStore } from "./metrics/index.js";
export type {
  NotifyChannel,
  NotifyIdentity,
  NotifyMessage,
  NotifyStore,
  NotifyToken,
} from "./notify/index.js";
export { NOTIFY_CHANNELS } from "./notify/index.js";
export { destinationOf } from "./outbox/destination.js";
export type { OutboxStore } from "./outbox/index.js";
export type { CaselessOutboxMessage, NewOutboxMessage, OutboxMessage } from "./outbox/types.js";
export type {
  AckAction,
  AlertKind,
  AlertRecord,
  NewAlert,
  ReviewDecisionWindow,
} from "./oversight/alerts.js";
export { ACK_ACTIONS } from "./oversight/alerts.js";
export type { AuditedDecision } from "./oversight/audited.js";
export type { AuditCandidate, AuditView, NewAuditDraw } from "./oversight/audits.js";
export type { GoldCase, NewGoldCase } from "./oversight/gold.js";
export type { OversightStore } from "./oversight/index.js";
export type { NewOutcome, OutcomeRecord } from "./oversight/outcomes.js";
export type { CatchTrialResult, OverlapRating, OversightWindow } from "./oversight/shadows.js";
export { isShadow } from "./oversight/shadows.js";
export type { PauseRecord, PauseStore } from "./pauses/index.js";
export type { PurgeArgs, PurgedCase, RetentionStore } from "./retention/index.js";
export { APPROVING } from "./review/claim.js";
export { PausedWhileDeciding, type RecordDecisionArgs } from "./review/decide.js";
export type { ReviewStore } from "./review/index.js";
export type { BlindJudgment, Claimed, QueueCount, ReviewerDay } from "./review/types.js";
export { backupSqlite } from "./sqlite.js";
export type { Store } from "./store.js";
export type { SuspensionRecord, SuspensionStore } from "./suspensions/index.js";
export { covers } from "./suspensions/index.js";
export type { TimerStore } from "./timers/index.js";
export type { NewTimer, TimerEffect, TimerKind, TimerRecord } from "./timers/types.js";
export type { WebhookSecret, WebhookSecretStore } from "./webhooks/index.js";

/**
 * Opens the store: PostgreSQL when `databaseUrl` is a postgres:// or postgresql:// URL (tables in
 * `schema`, default "public", created by `migrate()` if missing), else the embedded SQLite file
 * `${dataDir}/loopgate.db` (default dataDir `./.loopgate`, created if missing).
 *
 * The caller applies migrations: `await store.migrate()` before first use.
 *
 * @example
 * const store = await openStore({ databaseUrl: process.env.LOOPGATE_DATABASE_URL });
 * await store.migrate();
 */
export async function openStore(opts: {
  dataDir?: string;
  databaseUrl?: string;
  schema?: string;
  /** PostgreSQL: prepare each statement once per connection (default: on unless LOOPGATE_PG_PREPARED=off). */
  preparedStatements?: boolean;
}): Promise<Store> {
  const url = opts.databaseUrl?.trim();
  if (url) {
    if (!/^postgres(ql)?:\/\//i.test(url)) {
      // Refuse rather than fall back to SQLite: a typo would otherwise split data across two databases.
      throw new Error("the database URL must start with postgres:// or postgresql:// (unset it for SQLite)");
    }
    const prepared = opts.preparedStatements ?? process.env.LOOPGATE_PG_PREPARED !== "off";
    return new SqlStore(await openPostgres(url, opts.schema, prepared));
  }
  return new SqlStore(await openSqlite(opts.dataDir ?? "./.loopgate"));
}
