import type { Generated } from "kysely";

// People and their ways in: keys, users, sessions, sign-in failures, settings, webhook signing
// secrets, and the notification channels that reach reviewers. Part of `Database` (schema.ts).

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
