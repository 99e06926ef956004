import type { AuditStore } from "./audit/index.js";
import type { CaseStore } from "./cases/index.js";
import type { EngineName } from "./engine.js";
import type { IdentityStore } from "./identity/index.js";
import type { LearningStore } from "./learning/index.js";
import type { MetricsStore } from "./metrics/index.js";
import type { NotifyStore } from "./notify/index.js";
import type { OutboxStore } from "./outbox/index.js";
import type { OversightStore } from "./oversight/index.js";
import type { PauseStore } from "./pauses/index.js";
import type { RetentionStore } from "./retention/index.js";
import type { ReviewStore } from "./review/index.js";
import type { SuspensionStore } from "./suspensions/index.js";
import type { TimerStore } from "./timers/index.js";
import type { WebhookSecretStore } from "./webhooks/index.js";

/**
 * The one storage interface, composed of one part per aggregate; each part is documented in its
 * folder's `index.ts`. SQLite and PostgreSQL implement it with the same Kysely queries; only what truly
 * differs lives in `sqlite.ts` / `postgres.ts` (see `engine.ts`).
 *
 * Times are epoch milliseconds everywhere (`now` is always passed in, so tests and timers can use a
 * controllable clock). JSON values are stored as text and come back parsed.
 *
 * @example
 * const { case: c } = await store.cases.insert(newCase, { events });
 * const claimed = await store.review.claimNext({ reviewer, leaseMs: 600_000, now: Date.now() });
 */
export interface Store {
  readonly engine: EngineName;
  /** One line for the start-up banner, e.g. "SQLite at .loopgate/loopgate.db". No secrets. */
  describe(): string;
  /** Applies pending migrations. Safe to call on every start and from several processes. */
  migrate(): Promise<void>;
  close(): Promise<void>;

  /** Cases with their decisions and events: submit, read, subject history. */
  readonly cases: CaseStore;
  /** Claims, decisions, four-eyes approvals, assignment, blind judgments, revoke and revert. */
  readonly review: ReviewStore;
  /** Durable timers: release windows, SLA reminders and timeouts. */
  readonly timers: TimerStore;
  /** The webhook outbox. */
  readonly outbox: OutboxStore;
  /** API keys, users, sessions and shared secrets. */
  readonly identity: IdentityStore;
  /** Outcomes, audits, gold sets, catch trials, overlap ratings and alerts. */
  readonly oversight: OversightStore;
  /** Calibration, decision support, exports, simulation and the labelling budget. */
  readonly learning: LearningStore;
  /** Governance tallies and the Prometheus event feed. */
  readonly metrics: MetricsStore;
  /** Webhook signing secrets of keys and workflows, rotated with overlap. */
  readonly webhookSecrets: WebhookSecretStore;
  /** The tamper-evident audit log: hash chains per case, signed checkpoints, verification. */
  readonly audit: AuditStore;
  /** The stop button: workflows and actions suspended by an admin or their owner, and the history. */
  readonly suspensions: SuspensionStore;
  /** The retention purge: finished cases past their workflow's `retention.days`, deleted and recorded. */
  readonly retention: RetentionStore;
  /** Notifications to reviewers: Slack and email identities, email tokens, the notification outbox. */
  readonly notify: NotifyStore;
  /** Reviewers paused from claiming a workflow's cases (the owner's inbox), and the history. */
  readonly pauses: PauseStore;
}
