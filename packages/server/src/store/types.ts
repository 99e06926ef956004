import type { CaseStatus, Route, RouteExplanation, Verdict } from "@loopgate/core";

/**
 * The one storage interface. SQLite and PostgreSQL implement it with the same Kysely queries
 * (`queries.ts`); only what truly differs lives in `sqlite.ts` / `postgres.ts`.
 *
 * Times are epoch milliseconds everywhere (`now` is always passed in, so tests and timers can use a
 * controllable clock). JSON values are stored as text and come back parsed.
 */

export type Role = "admin" | "automation" | "reviewer" | "auditor";
export const ROLES: readonly Role[] = ["admin", "automation", "reviewer", "auditor"];

export interface ApiKeyRecord {
  id: string;
  name: string;
  role: Role;
  /** null = every workflow. */
  workflows: string[] | null;
  /** sha256 hex of the bearer token; the token itself is never stored. */
  tokenHash: string;
  /** HMAC secret for signing webhooks to this key's callbacks (shown once, at creation). */
  signingSecret: string;
  createdAt: number;
}

export interface NewCase {
  id: string;
  workflow: string;
  action: string;
  status: CaseStatus;
  route: Route;
  riskClass: string;
  confidence: number;
  input: unknown;
  proposal: unknown;
  rationale: string | null;
  evidence: unknown[] | null;
  subject: string | null;
  metadata: Record<string, unknown> | null;
  context: Record<string, unknown> | null;
  explanation: RouteExplanation;
  idempotencyKey: string | null;
  /** sha256 of the canonical submission, to tell a retry from a different case reusing a key. */
  requestHash: string;
  callbackUrl: string | null;
  /** The automation key that submitted it. */
  submittedBy: string;
  policyVersion: string;
  createdAt: number;
}

export interface CaseRecord extends NewCase {
  decidedAt: number | null;
  lease: { id: string; holder: string; claimedAt: number; expiresAt: number } | null;
}

export interface DecisionRecord {
  id: string;
  caseId: string;
  /** Key id of the reviewer, or "policy" for an auto-routed case. */
  decidedBy: string;
  verdict: Verdict;
  output: unknown;
  reasonCode: string | null;
  note: string | null;
  /** When the decider took the case (claim time); null for policy decisions. */
  claimedAt: number | null;
  decidedAt: number;
  /** How long the reviewer held the case, claim to decision, in ms; null for policy decisions. */
  heldMs: number | null;
}

export type NewDecision = Omit<DecisionRecord, "caseId">;

export type EventType =
  | "submitted"
  | "routed"
  | "claimed"
  | "released"
  | "lease_expired"
  | "decided"
  | "webhook_delivered"
  | "webhook_failed";

export interface NewEvent {
  type: EventType;
  caseId: string | null;
  /** Key id of whoever caused it, or "system". */
  actor: string;
  data: Record<string, unknown>;
  at: number;
}

export interface EventRecord extends NewEvent {
  seq: number;
}

export interface NewOutboxMessage {
  id: string;
  caseId: string;
  /** The key whose signing secret signs this delivery. */
  keyId: string;
  url: string;
  /** The exact JSON body to POST (signed as sent). */
  body: string;
  createdAt: number;
}

export interface OutboxMessage extends NewOutboxMessage {
  attempts: number;
  nextAttemptAt: number;
}

export interface CaseDetail extends CaseRecord {
  decisions: DecisionRecord[];
  events: EventRecord[];
}

export interface Claimed {
  case: CaseRecord;
  lease: { id: string; expiresAt: number };
}

export interface Store {
  readonly engine: "sqlite" | "postgres";
  /** One line for the start-up banner, e.g. "SQLite at .loopgate/loopgate.db". No secrets. */
  describe(): string;
  /** Applies pending migrations. Safe to call on every start and from several processes. */
  migrate(): Promise<void>;
  close(): Promise<void>;

  // --- keys
  insertKey(key: ApiKeyRecord): Promise<void>;
  findKeyByTokenHash(tokenHash: string): Promise<ApiKeyRecord | undefined>;
  getKey(id: string): Promise<ApiKeyRecord | undefined>;
  /** Whether any key exists (the first start creates an admin key when none does). */
  hasKeys(): Promise<boolean>;

  // --- cases
  /**
   * Stores a case with its events, and (for an auto-routed case) its policy decision and webhook, in one
   * transaction. When `idempotencyKey` is set and a case with the same (workflow, idempotencyKey)
   * exists, nothing is written and that case is returned with `created: false`.
   */
  insertCase(
    c: NewCase,
    extra: { events: NewEvent[]; decision?: NewDecision; outbox?: NewOutboxMessage },
  ): Promise<{ case: CaseRecord; created: boolean }>;
  getCase(id: string): Promise<CaseRecord | undefined>;
  getCaseDetail(id: string): Promise<CaseDetail | undefined>;

  /**
   * Takes the oldest waiting case (queued, or claimed with an expired lease) in the given workflows
   * (all when undefined) for `reviewer`, exclusively: no two callers ever get the same case while a
   * lease is live. Writes a `claimed` event (and `lease_expired` when it takes over a stale lease).
   */
  claimNext(args: {
    reviewer: string;
    workflows?: string[];
    leaseMs: number;
    now: number;
  }): Promise<Claimed | undefined>;

  /**
   * Records a reviewer's decision. The reviewer must hold a live lease on the case, else Conflict
   * (NotFound for an unknown case). The store fills claimedAt from the lease, decidedAt = now and
   * heldMs = now - claimedAt. Case update, decision row, `decided` event and optional outbox row
   * commit together.
   */
  recordDecision(args: {
    caseId: string;
    reviewer: string;
    decisionId: string;
    verdict: Verdict;
    output: unknown;
    reasonCode: string | null;
    note: string | null;
    outbox?: NewOutboxMessage;
    now: number;
  }): Promise<{ case: CaseRecord; decision: DecisionRecord }>;

  /** Gives a held case back to the queue (a `released` event). Conflict when `reviewer` does not hold it. */
  releaseCase(args: { caseId: string; reviewer: string; now: number }): Promise<void>;

  appendEvents(events: NewEvent[]): Promise<void>;

  // --- webhook outbox
  /** Leases up to `limit` due messages (nextAttemptAt <= now, not delivered, not leased) for `leaseMs`. */
  claimOutbox(args: { now: number; limit: number; leaseMs: number }): Promise<OutboxMessage[]>;
  /** Marks delivered and writes a `webhook_delivered` event, in one transaction. */
  markOutboxDelivered(id: string, event: NewEvent): Promise<void>;
  /** Records a failed attempt: attempts+1, next try at `nextAttemptAt` (null = give up), a `webhook_failed` event. */
  markOutboxFailed(id: string, nextAttemptAt: number | null, event: NewEvent): Promise<void>;
}
