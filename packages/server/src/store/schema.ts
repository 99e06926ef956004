import type { Generated } from "kysely";

/**
 * The tables as Kysely sees them: snake_case columns, times as epoch ms (`bigint` on PostgreSQL, read back
 * as a JS number; INTEGER on SQLite), JSON as text. `rows.ts` maps rows to the camelCase records of
 * `types.ts`; nothing outside the store sees these shapes.
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
}

export interface DecisionsTable {
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
}

export interface EventsTable {
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
  case_id: string;
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
