import type { Generated } from "kysely";

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

/**
 * A row's place in its case's hash chain (migration 017, audit/chain.ts): events, decisions and outcomes
 * carry these. Null only on a row written around the chain (which `audit verify` reports as inserted).
 */
export interface ChainLinkColumns {
  /** 1, 2, … in the case's chain (the system chain for events of no case). */
  chain_pos: number | null;
  /** The hash of the row before it (position 1: the case row's hash). */
  prev_hash: string | null;
  /** sha256 of this row's content, position and prev_hash. */
  hash: string | null;
}

/** A signed checkpoint over the chain heads that changed since the one before it (migration 017). */
export interface AuditCheckpointsTable {
  /** 1, 2, …: the unique key that makes concurrent writers write each checkpoint once. */
  number: number;
  /** The previous checkpoint's hash ("" for the first). */
  prev_hash: string;
  created_at: number;
  /** How many chain heads it lists (audit_checkpoint_heads). */
  chains: number;
  /** sha256 over its heads, sorted by chain id (audit/checkpoints.ts). */
  digest: string;
  /** The signing key's id (sha256 of its public key, hex, first 16 characters). */
  key_id: string;
  /** Ed25519 signature over the canonical checkpoint content, base64. */
  signature: string;
  /** sha256 of the content and signature: the next checkpoint's prev_hash. */
  hash: string;
}

/** One chain head as a checkpoint saw it. */
export interface AuditCheckpointHeadsTable {
  checkpoint: number;
  /** A case id, or `system` for events of no case. */
  chain_id: string;
  length: number;
  head: string;
  /** When the chain last grew (cases.chain_at): `audit export --since` scopes by it. */
  at: number;
}

/** A governance rollup document: what one workflow counted on one UTC day (migration 014, metrics/rollup-docs.ts). */
export interface MetricRollupsTable {
  /** `submitted`, `decided` or `reviewer` */
  kind: string;
  /** UTC day number: epoch ms / 86 400 000, rounded down. */
  day: number;
  workflow: string;
  /** The risk class (`submitted`, `decided`) or the person (`reviewer`). */
  part: string;
  /** JSON document (metrics/rollup-docs.ts). */
  doc: string;
  /** Bumped by every write: the statement that locks the row for it (metrics/rollup-rows.ts). */
  version: number;
}

/** What the oversight run found, open until the owner acknowledges it (migration 009, oversight/alerts.ts). */
export interface OversightAlertsTable {
  id: string;
  /** `rubber_stamp`, `team_rubber_stamp`, `approval_high_errors_rising` or `queue_overload` */
  kind: string;
  workflow: string;
  /** The reviewer the alert is about; null for a workflow-level alert. */
  reviewer: string | null;
  /** JSON object: the numbers behind the alert. */
  evidence: string;
  created_at: number;
  acknowledged_at: number | null;
  acknowledged_by: string | null;
  /** What the owner did (migration 022): coached, paused_reviewer, changed_policy, dismissed. */
  ack_action: string | null;
  ack_note: string | null;
}

/** Outcomes reported by the automation for decided cases (migration 006, oversight/outcomes.ts). */
export interface OutcomesTable extends ChainLinkColumns {
  id: string;
  case_id: string;
  /** `correct` or `incorrect` */
  result: string;
  /** JSON object or null */
  details: string | null;
  reported_by: string;
  reported_at: number;
}

/** One audit draw and the parameters that reproduce it (migration 007, oversight/audits.ts). */
export interface AuditDrawsTable {
  id: string;
  workflow: string;
  seed: string;
  rate: number;
  mean_weight: number;
  fast_below_ms: number | null;
  since: number;
  until: number;
  population: number;
  drawn_by: string;
  drawn_at: number;
}

/** A case drawn for audit and the auditor's verdict (migration 007, oversight/audits.ts). */
export interface AuditsTable {
  id: string;
  case_id: string;
  draw_id: string;
  probability: number;
  weight: number;
  /** `open` or `done` */
  status: string;
  /** `correct`, `incorrect` or null while open */
  verdict: string | null;
  note: string | null;
  auditor: string | null;
  decided_at: number | null;
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
}

export interface ApiKeysTable {
  id: string;
  name: string;
  role: string;
  /** JSON array, or null for every workflow. */
  workflows: string | null;
  token_hash: string;
  signing_secret: string;
  created_at: number;
  /** JSON array of authority role names (migration 004), null = none. */
  authority_roles: string | null;
  /** The user the key belongs to (migration 012), null = a key of no one. */
  user_id: string | null;
  /** Migration 016: when the key was revoked / stops working; null = not. */
  revoked_at: number | null;
  expires_at: number | null;
  /** Migration 016: the token before the last rotation, valid until `previous_expires_at`. */
  previous_token_hash: string | null;
  previous_expires_at: number | null;
  /** Migration 016: 1 for the key LOOPGATE_BOOTSTRAP_TOKEN made. */
  bootstrap: Generated<number>;
}

/** Wrong sign-ins per `user:<name>` or `addr:<address>` (migration 016, http/limits/sign-in-throttle.ts). */
export interface SignInFailuresTable {
  subject: string;
  failures: number;
  first_at: number;
  locked_until: number;
}

export interface UsersTable {
  id: string;
  /** Unique ignoring case (index on lower(username)). */
  username: string;
  name: string;
  role: string;
  /** JSON array, or null for every workflow. */
  workflows: string | null;
  /** scrypt$N$r$p$salt$hash */
  password_hash: string;
  created_at: number;
  disabled_at: number | null;
  /** JSON array of authority role names (migration 004), null = none. */
  authority_roles: string | null;
}

export interface SessionsTable {
  /** sha256 hex of the cookie value; the cookie itself is never stored. */
  id: string;
  /** Exactly one of user_id / key_id is set: a session opened with a password or with an API key. */
  user_id: string | null;
  key_id: string | null;
  created_at: number;
  expires_at: number;
}

/** Server-wide values that every process must agree on (e.g. the CSRF secret). */
export interface SettingsTable {
  name: string;
  value: string;
  created_at: number;
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

/** A webhook signing secret of a key or a workflow's alerts (migration 015, webhooks/). */
export interface WebhookSecretsTable {
  id: string;
  /** An API key id, or `workflow:<name>` for that workflow's oversight alerts. */
  owner: string;
  secret: string;
  created_at: number;
  /** Set when a newer secret replaced it: it still verifies until then. */
  expires_at: number | null;
}

/** A workflow, or one action of it, stopped by an admin or its owner (migration 019, suspensions/). */
export interface SuspensionsTable {
  id: string;
  workflow: string;
  /** "" for the whole workflow. */
  action: string;
  reason: string;
  /** The user or key id that suspended. */
  suspended_by: string;
  suspended_at: number;
  resumed_by: string | null;
  /** Null while the suspension is in force. */
  resumed_at: number | null;
  resume_note: string | null;
}

/** Who a Slack user id or an email address is in Loopgate (migration 021, notify/). */
export interface NotifyIdentitiesTable {
  /** "slack" or "email". */
  channel: string;
  /** The Slack user id (U…), or the email address in lower case. */
  external_id: string;
  user_id: string;
  created_by: string;
  created_at: number;
}

/** An email link's token, stored as its sha256 (migration 021). */
export interface NotifyTokensTable {
  token_hash: string;
  case_id: string;
  user_id: string;
  /** The address it was mailed to: the token works only while that address still maps to the user. */
  address: string;
  created_at: number;
  expires_at: number;
  /** Set by the one POST that used it. */
  used_at: number | null;
}

/** The notification outbox (migration 021): one row per waiting case and channel, or a Slack reply. */
export interface NotifyMessagesTable {
  id: string;
  workflow: string;
  /** "slack" or "email". */
  channel: string;
  /** "case" (announce a waiting case) or "reply" (update a Slack message after a decision). */
  kind: string;
  case_id: string | null;
  /** The case's created_at: the scan for new waiting cases starts from the newest one announced. */
  case_created_at: number | null;
  /** A reply's response_url. */
  target: string | null;
  /** A reply's JSON body; case messages are composed when sent. */
  body: string | null;
  created_at: number;
  next_attempt_at: number | null;
  lease_until: number | null;
  attempts: Generated<number>;
  last_error: string | null;
  sent_at: number | null;
  /** sent, digest (announced in a summary), skipped (decided before its turn), failed. */
  outcome: string | null;
  /** The summary that announced it (outcome digest). */
  digest_id: string | null;
}

/** A reviewer kept from claiming a workflow's cases (migration 022, store/pauses). */
export interface ReviewerPausesTable {
  id: string;
  workflow: string;
  /** The person: a user id, or the id of a key that belongs to no one. */
  reviewer: string;
  /** The alert it was paused from, if any. */
  alert_id: string | null;
  note: string | null;
  paused_by: string;
  paused_at: number;
  resumed_by: string | null;
  /** Null while the pause is in force. */
  resumed_at: number | null;
  resume_note: string | null;
}
