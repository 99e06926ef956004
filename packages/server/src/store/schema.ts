import type { Generated } from "kysely";
import type {
  AuditCheckpointHeadsTable,
  AuditCheckpointsTable,
  AuditDrawsTable,
  AuditsTable,
  ChainLinkColumns,
  OutcomesTable,
} from "./schema-audit.js";
import type {
  MetricRollupsTable,
  OversightAlertsTable,
  ReviewerPausesTable,
  SuspensionsTable,
} from "./schema-oversight.js";
import type {
  ApiKeysTable,
  NotifyIdentitiesTable,
  NotifyMessagesTable,
  NotifyTokensTable,
  SessionsTable,
  SettingsTable,
  SignInFailuresTable,
  UsersTable,
  WebhookSecretsTable,
} from "./schema-people.js";

// Every table type, from here as before the split.
export type {
  ApiKeysTable,
  AuditCheckpointHeadsTable,
  AuditCheckpointsTable,
  AuditDrawsTable,
  AuditsTable,
  ChainLinkColumns,
  MetricRollupsTable,
  NotifyIdentitiesTable,
  NotifyMessagesTable,
  NotifyTokensTable,
  OutcomesTable,
  OversightAlertsTable,
  ReviewerPausesTable,
  SessionsTable,
  SettingsTable,
  SignInFailuresTable,
  SuspensionsTable,
  UsersTable,
  WebhookSecretsTable,
};

/**
 * The tables as Kysely sees them: snake_case columns, times as epoch ms (`bigint` on PostgreSQL, read back
 * as a JS number; INTEGER on SQLite), JSON as text. Each aggregate folder maps its tables' rows to its
 * camelCase records (e.g. `cases/rows.ts`); nothing outside the store sees these shapes.
 */
export interface Database {
  cases: CasesTable;
  decisions: DecisionsTable;
  events: EventsTable;
  outbox: OutboxTable;
  api_keys: ApiKeysTable;
  users: UsersTable;
  sessions: SessionsTable;
  settings: SettingsTable;
  timers: TimersTable;
  outcomes: OutcomesTable;
  audit_draws: AuditDrawsTable;
  audits: AuditsTable;
  gold_cases: GoldCasesTable;
  oversight_alerts: OversightAlertsTable;
  metric_rollups: MetricRollupsTable;
  audit_checkpoints: AuditCheckpointsTable;
  audit_checkpoint_heads: AuditCheckpointHeadsTable;
  sign_in_failures: SignInFailuresTable;
  webhook_secrets: WebhookSecretsTable;
  suspensions: SuspensionsTable;
  notify_identities: NotifyIdentitiesTable;
  notify_tokens: NotifyTokensTable;
  notify_messages: NotifyMessagesTable;
  reviewer_pauses: ReviewerPausesTable;
}

export interface CasesTable {
  id: string;
  workflow: string;
  action: string;
  status: string;
  route: string;
  risk_class: string;
  confidence: number;
  /** JSON */
  input: string;
  /** JSON */
  proposal: string;
  rationale: string | null;
  /** JSON array or null */
  evidence: string | null;
  subject: string | null;
  /** JSON object or null */
  metadata: string | null;
  /** JSON object or null */
  context: string | null;
  /** JSON RouteExplanation */
  explanation: string;
  idempotency_key: string | null;
  request_hash: string;
  callback_url: string | null;
  submitted_by: string;
  policy_version: string;
  created_at: number;
  decided_at: number | null;
  // The lease: all four set while a reviewer holds the case, all null otherwise.
  lease_id: string | null;
  lease_holder: string | null;
  claimed_at: number | null;
  lease_expires_at: number | null;
  /** The client's token for the claim that took the lease (migration 018), null without one. */
  claim_token: string | null;
  // Revisions and the tool's input schema (migration 020).
  /** The case this one revises (a reviewer asked for changes on it); null for a first version. */
  revision_of: string | null;
  /** 1 for a first version, n for the n-th along its chain of revisions. */
  version: number;
  /** The tool's arguments' JSON Schema sent with the case (JSON text), or null. */
  tool_input_schema: string | null;
  /** The only reviewer who may claim the case (set by a workflow owner, migration 004); null = anyone. */
  assigned_to: string | null;
  // Release delay and SLA (migration 005): see timers/ and review/reversible.ts.
  /** A decided case is held until then (release.delaySeconds); null when nothing was held. */
  release_at: number | null;
  /** When the timer worker recorded `decision_released`. */
  released_at: number | null;
  reverted_at: number | null;
  /** The SLA deadline of an undecided case. */
  sla_due_at: number | null;
  /** The named role an SLA timeout escalated the case to. */
  escalated_to: string | null;
  /** Plain-language handoff summary written on escalation. */
  handoff: string | null;
  // Shadow cases (migration 008): never reach an automation, never count in the governance rates.
  /** Set on a catch trial: the known-answer case (`gold_cases.id`) it was built from. */
  gold_id: string | null;
  /** How uncertain the model was (active-learning workflows; migration 011): higher is handed out first. */
  priority: Generated<number>;
  /** Set on an overlap copy: the real case it repeats for an independent second reviewer. */
  overlap_of: string | null;
  // The case's hash chain (migration 017, audit/): kept here so a write that already touches the case
  // row learns its chain's head without another read.
  /** Hash of the chain's last row; the case row's own hash while nothing is chained yet. */
  chain_head: string | null;
  chain_length: number | null;
  /** When the chain last grew: the checkpoint lists the heads that changed since the one before. */
  chain_at: number | null;
  /** 1 when the case was drawn for a blind judgment at submit (`review.blindSampleRate`, migration 023). */
  blind_sampled: Generated<number>;
}

/** A workflow's known-answer cases, mixed into queues as catch trials (migration 008). */
export interface GoldCasesTable {
  id: string;
  workflow: string;
  action: string;
  confidence: number;
  /** JSON */
  input: string;
  /** JSON */
  proposal: string;
  rationale: string | null;
  /** JSON array or null */
  evidence: string | null;
  subject: string | null;
  /** JSON object or null */
  metadata: string | null;
  /** JSON object or null */
  context: string | null;
  /** `approve` (the proposal is right) or `reject` (it is wrong: any non-approve verdict catches it) */
  expected: string;
  /** The reason code a catching reviewer should name, when the owner gave one (informational). */
  expected_reason: string | null;
  note: string | null;
  created_by: string;
  created_at: number;
  disabled_at: number | null;
}

export interface DecisionsTable extends ChainLinkColumns {
  id: string;
  case_id: string;
  decided_by: string;
  verdict: string;
  /** JSON */
  output: string;
  reason_code: string | null;
  note: string | null;
  claimed_at: number | null;
  decided_at: number;
  held_ms: number | null;
  /** Set when the decision was revoked inside its release window (migration 005). */
  revoked_at: number | null;
}

export interface EventsTable extends ChainLinkColumns {
  seq: Generated<number>;
  type: string;
  case_id: string | null;
  actor: string;
  /** JSON object */
  data: string;
  at: number;
}

export interface OutboxTable {
  id: string;
  /** null for a delivery that belongs to no case (an oversight alert, migration 009). */
  case_id: string | null;
  key_id: string;
  url: string;
  body: string;
  created_at: number;
  attempts: Generated<number>;
  /** null once delivered or given up. */
  next_attempt_at: number | null;
  /** A worker holds the message until then. */
  lease_until: number | null;
  delivered_at: number | null;
  /** The `error` of the latest `webhook_failed` event, for operators reading the table. */
  last_error: string | null;
  /** The URL's origin (outbox/destination.ts, migration 025); null on rows that will not be sent again. */
  destination: string | null;
}

/** A durable timer: one deadline to act on (migration 005, queries in timers/). */
export interface TimersTable {
  id: string;
  case_id: string;
  /** sla_reminder | sla_timeout | release */
  kind: string;
  due_at: number;
  created_at: number;
  /** A timer worker holds the timer until then. */
  lease_until: number | null;
  /** Set once it fired (or was cancelled): it never fires again. */
  done_at: number | null;
}
